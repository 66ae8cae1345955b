//! The header parser, behind a correct MAC: arbitrary header bytes never panic, and a token is
//! accepted only when its header is one JSON object whose `alg` is exactly "HS256", with no
//! `crit` and an acceptable `typ` (checked against serde_json's own reading of it).
#![no_main]

#[path = "common.rs"]
mod common;

use common::{Loose, NOW, key, signed};
use jwt_runtime::{FixedClock, NumericDate, Validation, dangerous};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|header: &[u8]| {
    let key = key();
    let token = signed(&key, header, br#"{"n":1}"#);
    let validation = Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)));
    let peeked = dangerous::peek::<Loose>(&token);
    if validation.decode::<Loose, _>(&token, &key).is_ok() {
        let value: serde_json::Value =
            serde_json::from_slice(header).expect("accepted header is JSON");
        let object = value.as_object().expect("accepted header is an object");
        assert_eq!(
            object.get("alg").and_then(|alg| alg.as_str()),
            Some("HS256")
        );
        assert!(!object.contains_key("crit"));
        if let Some(typ) = object.get("typ") {
            let typ = typ
                .as_str()
                .expect("accepted typ is a string")
                .to_ascii_lowercase();
            let typ = typ.strip_prefix("application/").unwrap_or(&typ);
            // `Loose` declares no `typ`: only `JWT` is its kind.
            assert_eq!(typ, "jwt", "{typ}");
        }
        let peeked = peeked.expect("what decodes, peeks");
        assert_eq!(peeked.header().alg(), Some("HS256"));
    }
});
