//! Memory per entry of the in-memory replay store: inserts 1,048,576 (or the first argument)
//! distinct 36-byte ids
//! (UUID-shaped) and reports the bytes the store allocated for them (requested from the
//! allocator) and the growth of the process's resident memory (what the allocator really
//! took, with its per-allocation overhead), both per id.

use std::time::Duration;

use jwt_replay_bench::fresh_id;
use jwt_runtime::NumericDate;
use jwt_runtime::replay::{MemoryStore, ReplayId, ReplayWindow};

/// The default number of ids; another can be given as the first argument.
const IDS: usize = 1 << 20;

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    let ids_wanted = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(IDS);
    let now = NumericDate::from_secs(1_700_000_000);
    let window = ReplayWindow::new(now, now + Duration::from_secs(600));
    let ids: Vec<String> = (0..ids_wanted).map(|_| fresh_id(7)).collect();
    assert!(ids.iter().all(|id| id.len() == 36));
    let store = MemoryStore::builder().capacity(ids_wanted).build();

    let before = resident_bytes();
    let info = allocation_counter::measure(|| {
        for id in &ids {
            let _ = store
                .insert_if_absent(ReplayId::new("bench", id), window)
                .unwrap();
        }
    });
    let after = resident_bytes();
    assert_eq!(store.len(), ids_wanted);

    let ids_f = ids_wanted as f64;
    println!("ids\t{ids_wanted}");
    println!(
        "allocated_bytes_per_id\t{:.1}",
        info.bytes_current as f64 / ids_f
    );
    println!(
        "peak_allocated_bytes_per_id\t{:.1}",
        info.bytes_max as f64 / ids_f
    );
    println!(
        "resident_bytes_per_id\t{:.1}",
        after.saturating_sub(before) as f64 / ids_f
    );
    println!(
        "resident_mib_total\t{:.1}",
        after.saturating_sub(before) as f64 / (1024.0 * 1024.0)
    );
}
