//! The token decoder: arbitrary tokens never panic; tokens with a correct MAC over arbitrary
//! header and payload bytes never panic either, and are only accepted when they satisfy the
//! schema.
#![no_main]

#[path = "common.rs"]
mod common;

use common::{Audienced, Full, Loose, NOW, Typed, key, signed};
use jwt_runtime::{Error, FixedClock, NumericDate, Validation, dangerous};
use libfuzzer_sys::fuzz_target;

fn check(token: &str) {
    let validation = Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)));
    let key = key();
    match validation.decode::<Full, _>(token, &key) {
        Ok(full) => {
            assert!(full.exp > NumericDate::from_secs(NOW));
            assert!(full.aud.as_slice().iter().any(|aud| aud == "api"));
        }
        Err(error) => {
            // Display never panics and never echoes much attacker input.
            let shown = error.to_string();
            assert!(shown.len() < 400, "{shown}");
        }
    }
    let _ = validation.decode::<Loose, _>(token, &key);
    let _ = validation.decode::<Typed, _>(token, &key);
    let _ = validation.decode::<Audienced, _>(token, &key);
    let _ = dangerous::peek::<Loose>(token);
    let _ = Validation::new()
        .clock(FixedClock(NumericDate::from_secs(NOW)))
        .max_token_len(64)
        .decode::<Loose, _>(token, &key)
        .map_err(|error| assert!(token.len() <= 64 || matches!(error, Error::TooLarge { .. })));
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        // Mode 0: the bytes are the token.
        Some((0, rest)) => {
            if let Ok(token) = core::str::from_utf8(rest) {
                check(token);
            }
        }
        // Mode 1: `header \xff payload`, signed with the right key.
        Some((1, rest)) => {
            let (header, payload) = match rest.iter().position(|&byte| byte == 0xff) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (&br#"{"alg":"HS256"}"#[..], rest),
            };
            check(&signed(&key(), header, payload));
        }
        // Otherwise: the bytes are a payload under a valid header.
        _ => check(&signed(&key(), br#"{"alg":"HS256","typ":"JWT"}"#, data)),
    }
});
