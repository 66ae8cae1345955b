//! Issue a token and verify it, then watch a tampered, an expired and a wrong-audience token
//! be rejected. Run with `cargo run --example quickstart`.
//!
//! The key comes from `JWT_SECRET` (base64url, at least 32 bytes) when set, else it is
//! generated for this run.

use std::time::Duration;

use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate, Validation, Validity};

/// The claims of a session token, declared once.
#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com", aud = "api.example.com")]
struct Session {
    /// The user.
    sub: String,
    /// When the token stops being valid.
    #[claim(exp)]
    expires_at: NumericDate,
    /// When it was issued; older than 5 minutes is refused.
    #[claim(iat, window = "5m")]
    issued_at: NumericDate,
    /// A custom claim.
    name: String,
    /// Another one.
    roles: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = match std::env::var("JWT_SECRET") {
        Ok(secret) => HmacKey::<Hs256>::from_base64url(&secret)?,
        Err(_) => HmacKey::<Hs256>::generate()?,
    };
    // Issued now, valid for 15 minutes.
    let validity = Validity::from_now(Duration::from_secs(15 * 60));
    let now = validity.issued_at;

    let session = Session {
        sub: "user-42".into(),
        expires_at: validity.expires_at,
        issued_at: validity.issued_at,
        name: "Ada Lovelace".into(),
        roles: vec!["admin".into()],
    };
    let token = session.encode(&key)?;
    println!("issued:   {token}");

    let verified = Session::decode(&token, &key)?;
    println!(
        "verified: {} ({}), roles {:?}",
        verified.name, verified.sub, verified.roles
    );

    // Change one character of the payload: the signature no longer matches.
    let tampered = tamper(&token);
    report("tampered", Session::decode(&tampered, &key));

    // A token whose `exp` has passed.
    let expired = Session {
        sub: "user-42".into(),
        expires_at: now - Duration::from_secs(1),
        issued_at: now,
        name: "Ada Lovelace".into(),
        roles: vec![],
    }
    .encode(&key)?;
    report("expired", Session::decode(&expired, &key));

    // The valid token, presented to the billing service, which expects its own audience.
    let billing = Validation::new().audience(["billing.example.com"]);
    report("wrong audience", billing.decode::<Session, _>(&token, &key));

    // Run-time settings (clock, leeway, issuer, audience) replace the declared defaults.
    let lenient = Validation::new().leeway(Duration::from_secs(5));
    report(
        "expired, 5 s leeway",
        lenient.decode::<Session, _>(&expired, &key),
    );
    Ok(())
}

/// Flips one character in the middle of the payload segment.
fn tamper(token: &str) -> String {
    let payload_start = token.find('.').map_or(0, |dot| dot + 1);
    let at = payload_start + 10;
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap_or_default()
}

fn report(what: &str, result: Result<Session, jwt_runtime::Error>) {
    match result {
        Ok(session) => println!("{what}: accepted for {}", session.sub),
        Err(error) => println!("{what}: rejected: {error}"),
    }
}
