//! Every time rule at t-1, t and t+1, end to end through a derived type and a fixed clock.

use std::time::Duration;

use jwt_runtime::{Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, Validation};

#[derive(Claims, Debug)]
struct Timed {
    exp: NumericDate,
    nbf: NumericDate,
    #[claim(iat, window = "5m")]
    iat: NumericDate,
}

const T: i64 = 1_700_000_000;

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x5a; 32]).unwrap()
}

fn decode_at(claims: &Timed, now: i64, leeway: u64) -> Result<Timed, Error> {
    let token = claims.encode(&key()).unwrap();
    Validation::new()
        .clock(FixedClock(NumericDate::from_secs(now)))
        .leeway(Duration::from_secs(leeway))
        .decode(&token, &key())
}

fn claims(exp: i64, nbf: i64, iat: i64) -> Timed {
    Timed {
        exp: NumericDate::from_secs(exp),
        nbf: NumericDate::from_secs(nbf),
        iat: NumericDate::from_secs(iat),
    }
}

#[test]
fn exp_is_exclusive() {
    let token = claims(T, T - 100, T - 100);
    assert!(decode_at(&token, T - 1, 0).is_ok());
    assert!(matches!(
        decode_at(&token, T, 0),
        Err(Error::Expired { .. })
    ));
    assert!(matches!(
        decode_at(&token, T + 1, 0),
        Err(Error::Expired { .. })
    ));
    // Leeway extends it: now < exp + leeway.
    assert!(decode_at(&token, T + 9, 10).is_ok());
    assert!(matches!(
        decode_at(&token, T + 10, 10),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn nbf_is_inclusive() {
    let token = claims(T + 1_000, T, T - 1);
    assert!(matches!(
        decode_at(&token, T - 1, 0),
        Err(Error::NotYetValid { .. })
    ));
    assert!(decode_at(&token, T, 0).is_ok());
    assert!(decode_at(&token, T + 1, 0).is_ok());
    assert!(decode_at(&token, T - 10, 10).is_ok());
    assert!(matches!(
        decode_at(&token, T - 11, 10),
        Err(Error::NotYetValid { .. })
    ));
}

#[test]
fn iat_may_not_be_in_the_future() {
    let token = claims(T + 1_000, T - 1_000, T);
    assert!(matches!(
        decode_at(&token, T - 1, 0),
        Err(Error::IssuedInFuture { .. })
    ));
    assert!(decode_at(&token, T, 0).is_ok());
    assert!(decode_at(&token, T + 1, 0).is_ok());
    assert!(decode_at(&token, T - 5, 5).is_ok());
}

#[test]
fn iat_must_lie_inside_the_window() {
    let token = claims(T + 1_000, T - 1_000, T);
    // The window is 300 s: now - 300 <= iat.
    assert!(decode_at(&token, T + 299, 0).is_ok());
    assert!(decode_at(&token, T + 300, 0).is_ok());
    assert!(matches!(
        decode_at(&token, T + 301, 0),
        Err(Error::IssuedTooLongAgo {
            window_secs: 300,
            ..
        })
    ));
    assert!(decode_at(&token, T + 305, 5).is_ok());
    assert!(decode_at(&token, T + 306, 5).is_err());
}

#[test]
fn fractional_dates_compare_exactly() {
    let token = Timed {
        exp: NumericDate::from_f64(T as f64 + 0.5).unwrap(),
        nbf: NumericDate::from_secs(T - 1),
        iat: NumericDate::from_secs(T - 1),
    };
    let at = |now: f64| {
        Validation::new()
            .clock(FixedClock(NumericDate::from_f64(now).unwrap()))
            .decode::<Timed, _>(&token.encode(&key()).unwrap(), &key())
    };
    assert!(at(T as f64 + 0.25).is_ok());
    assert!(matches!(at(T as f64 + 0.5), Err(Error::Expired { .. })));
}

#[test]
fn a_signature_failure_wins_over_bad_claims() {
    let expired = claims(T - 10, T - 100, T - 100).encode(&key()).unwrap();
    let other = HmacKey::<Hs256>::from_bytes(&[0xa5; 32]).unwrap();
    let result = Validation::new()
        .clock(FixedClock(NumericDate::from_secs(T)))
        .decode::<Timed, _>(&expired, &other);
    assert!(matches!(result, Err(Error::Signature)));
}
