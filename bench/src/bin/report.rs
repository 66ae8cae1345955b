//! Collects criterion's medians and prints the comparison table.
//!
//! `report collect <criterion dir> <rep>`: one TSV line per benchmark on stdout
//! (`rep  group  contender  parameter  median_ns`).
//! `report table <tsv>`: the medians across repetitions, their spread, and the ratios to
//! the floor and to each peer, as Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const CASES: [(&str, &str); 5] = [
    ("hs256_encode", "HS256 encode"),
    ("hs256_decode", "HS256 decode+validate"),
    ("hs256_bad_signature", "HS256 bad signature"),
    ("hs512_decode", "HS512 decode"),
    ("hs256_large_decode", "HS256 large decode"),
];
const ORDER: [&str; 7] = [
    "floor",
    "jwt-runtime",
    "jsonwebtoken",
    "jsonwebtoken-aws-lc",
    "jwt-compact",
    "jwt-simple",
    "prototype",
];
const OURS: &str = "jwt-runtime";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["collect", dir, rep] => collect(Path::new(dir), rep),
        ["table", tsv] => print!(
            "{}",
            table(&std::fs::read_to_string(tsv).expect("results file"))
        ),
        _ => {
            eprintln!("usage: report collect <criterion dir> <rep> | report table <tsv>");
            std::process::exit(2);
        }
    }
}

fn collect(dir: &Path, rep: &str) {
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.sort();
    for path in found {
        let relative = path.strip_prefix(dir).unwrap();
        let parts: Vec<String> = relative
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        // group/contender[/parameter]/new/estimates.json
        let (group, contender, parameter) = match parts.as_slice() {
            [group, contender, _, _] => (group, contender, "-"),
            [group, contender, parameter, _, _] => (group, contender, parameter.as_str()),
            _ => continue,
        };
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let median = json["median"]["point_estimate"].as_f64().unwrap();
        println!("{rep}\t{group}\t{contender}\t{parameter}\t{median:.1}");
    }
}

fn walk(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found);
        } else if path.ends_with("new/estimates.json") {
            found.push(path);
        }
    }
}

/// Medians per (group, contender, parameter) across repetitions: (median, min, max, n).
type Stats = BTreeMap<(String, String, String), (f64, f64, f64, usize)>;

fn stats(tsv: &str) -> Stats {
    let mut samples: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    for line in tsv.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [_, group, contender, parameter, median] = fields.as_slice() {
            samples
                .entry((
                    (*group).to_owned(),
                    (*contender).to_owned(),
                    (*parameter).to_owned(),
                ))
                .or_default()
                .push(median.parse().unwrap());
        }
    }
    samples
        .into_iter()
        .map(|(key, mut values)| {
            values.sort_by(f64::total_cmp);
            let n = values.len();
            let median = if n % 2 == 1 {
                values[n / 2]
            } else {
                (values[n / 2 - 1] + values[n / 2]) / 2.0
            };
            (key, (median, values[0], values[n - 1], n))
        })
        .collect()
}

fn contenders(stats: &Stats) -> Vec<String> {
    let mut names: Vec<String> = stats
        .keys()
        .map(|(_, contender, _)| contender.clone())
        .collect();
    names.sort_by_key(|name| {
        (
            ORDER.iter().position(|o| o == name).unwrap_or(ORDER.len()),
            name.clone(),
        )
    });
    names.dedup();
    names
}

fn table(tsv: &str) -> String {
    let stats = stats(tsv);
    let names = contenders(&stats);
    let get = |group: &str, name: &str, parameter: &str| {
        stats
            .get(&(group.to_owned(), name.to_owned(), parameter.to_owned()))
            .copied()
    };
    let reps = stats.values().map(|s| s.3).max().unwrap_or(0);
    let mut out = String::new();

    writeln!(out, "Median ns per operation (median of {reps} runs; spread = (max - min) / median across runs; ratio to the floor in parentheses)\n").unwrap();
    write!(out, "| |").unwrap();
    for (_, title) in CASES {
        write!(out, " {title} |").unwrap();
    }
    write!(out, "\n|---|").unwrap();
    for _ in CASES {
        write!(out, "---:|").unwrap();
    }
    out.push('\n');
    for name in &names {
        write!(out, "| {name} |").unwrap();
        for (group, _) in CASES {
            match (get(group, name, "-"), get(group, "floor", "-")) {
                (Some((median, min, max, _)), floor) => {
                    let spread = (max - min) / median * 100.0;
                    let ratio = floor
                        .map(|f| format!(" ({:.2}x)", median / f.0))
                        .unwrap_or_default();
                    write!(out, " {median:.0}{ratio} ±{spread:.1}% |").unwrap();
                }
                (None, _) => write!(out, " - |").unwrap(),
            }
        }
        out.push('\n');
    }

    writeln!(
        out,
        "\n{OURS} speed-up over each peer (peer's median / {OURS}'s median)\n"
    )
    .unwrap();
    write!(out, "| |").unwrap();
    for (_, title) in CASES {
        write!(out, " {title} |").unwrap();
    }
    write!(out, "\n|---|").unwrap();
    for _ in CASES {
        write!(out, "---:|").unwrap();
    }
    out.push('\n');
    for name in names.iter().filter(|name| *name != OURS) {
        write!(out, "| vs {name} |").unwrap();
        for (group, _) in CASES {
            match (get(group, name, "-"), get(group, OURS, "-")) {
                (Some(peer), Some(ours)) => write!(out, " {:.2}x |", peer.0 / ours.0).unwrap(),
                _ => write!(out, " - |").unwrap(),
            }
        }
        out.push('\n');
    }

    let mut sizes: Vec<u64> = stats
        .keys()
        .filter(|(group, _, _)| group == "payload_sweep")
        .filter_map(|(_, _, parameter)| parameter.parse().ok())
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    if !sizes.is_empty() {
        writeln!(out, "\nPayload sweep, HS256 decode+validate: median ns (ns per payload byte); slope = least-squares ns per added payload byte\n").unwrap();
        write!(out, "| |").unwrap();
        for size in &sizes {
            write!(out, " {size} B |").unwrap();
        }
        write!(out, " slope ns/B | slope vs floor |\n|---|").unwrap();
        for _ in 0..sizes.len() + 2 {
            write!(out, "---:|").unwrap();
        }
        out.push('\n');
        let slope_of = |name: &str| {
            let points: Vec<(f64, f64)> = sizes
                .iter()
                .filter_map(|&size| {
                    get("payload_sweep", name, &size.to_string()).map(|s| (size as f64, s.0))
                })
                .collect();
            let n = points.len() as f64;
            let (sx, sy) = points
                .iter()
                .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x, sy + y));
            let (mx, my) = (sx / n, sy / n);
            let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
                (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
            });
            num / den
        };
        let floor_slope = slope_of("floor");
        for name in &names {
            write!(out, "| {name} |").unwrap();
            for size in &sizes {
                match get("payload_sweep", name, &size.to_string()) {
                    Some((median, ..)) => {
                        write!(out, " {median:.0} ({:.2}) |", median / *size as f64).unwrap()
                    }
                    None => write!(out, " - |").unwrap(),
                }
            }
            let slope = slope_of(name);
            writeln!(out, " {slope:.3} | {:.2}x |", slope / floor_slope).unwrap();
        }
    }
    out
}
