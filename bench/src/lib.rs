//! Fixtures, contenders and the floor for the side-by-side benchmarks.
//!
//! Every contender decodes the same token bytes: the tokens are made once per process by
//! the floor encoder (and checked to be byte-identical to what `jwt-runtime` encodes), with
//! `iat = nbf = now` and `exp = now + 1 h`, so that every library, each with its own clock,
//! accepts them.

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub mod floor;
pub mod peers;
pub mod public_key;
pub mod runtime;
pub mod specialised;

/// HS256 secret (32 bytes, the minimum RFC 7518 allows).
pub const SECRET_256: &[u8; 32] = b"bench-secret-32-bytes-long-xxxxx";
/// HS512 secret (64 bytes).
pub const SECRET_512: &[u8; 64] =
    b"bench-secret-64-bytes-long-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
/// Another HS256 secret: tokens signed with it are the forged ones.
pub const OTHER_SECRET_256: &[u8; 32] = b"an-attacker-s-32-byte-long-guess";

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "api";

/// The typical claims: 9 members, 199 bytes of JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Typical {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub nbf: u64,
    pub jti: String,
}

/// The typical claims plus `roles` (50 of them for the large token, more for the sweep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Large {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub nbf: u64,
    pub jti: String,
    pub roles: Vec<String>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

pub fn typical(now: u64) -> Typical {
    Typical {
        sub: "user-12345678".into(),
        name: "Ada Lovelace".into(),
        admin: true,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + 3600,
        nbf: now,
        jti: "0b4bd4a6-5f7c-4c45-9a8e-0d3e1b5f2a77".into(),
    }
}

/// The typical claims with `roles` role names of 36 bytes each (39 bytes of JSON each).
pub fn large(now: u64, roles: usize) -> Large {
    let t = typical(now);
    Large {
        sub: t.sub,
        name: t.name,
        admin: t.admin,
        iss: t.iss,
        aud: t.aud,
        iat: t.iat,
        exp: t.exp,
        nbf: t.nbf,
        jti: t.jti,
        roles: (0..roles)
            .map(|i| format!("role:service-{i:04}-reader-writer-admin"))
            .collect(),
    }
}

/// The number of roles of the large token (~2.1 KB of payload).
pub const LARGE_ROLES: usize = 50;

/// Payload sizes of the sweep, in bytes (approximate targets; the exact size is reported).
pub const SWEEP_TARGETS: [usize; 5] = [200, 1024, 4096, 16_384, 65_536];

/// Role count giving a payload of about `target` bytes.
pub fn roles_for(target: usize) -> usize {
    target.saturating_sub(210) / 39
}

/// Every input token, made once.
pub struct Fixtures {
    pub now: u64,
    pub typical: Typical,
    pub large: Large,
    /// HS256 typical token (347 characters).
    pub hs256: String,
    /// HS256 typical token signed with another key.
    pub forged: String,
    /// HS512 typical token.
    pub hs512: String,
    /// HS256 large token.
    pub large_token: String,
    /// (payload bytes, HS256 token) for the sweep.
    pub sweep: Vec<(usize, String)>,
}

impl Fixtures {
    pub fn new() -> Self {
        let now = now();
        let typical = typical(now);
        let large = large(now, LARGE_ROLES);
        let hs256 = floor::Floor::<floor::S256>::new(SECRET_256).encode(&typical);
        let forged = floor::Floor::<floor::S256>::new(OTHER_SECRET_256).encode(&typical);
        let hs512 = floor::Floor::<floor::S512>::new(SECRET_512).encode(&typical);
        let floor256 = floor::Floor::<floor::S256>::new(SECRET_256);
        let large_token = floor256.encode(&large);
        let sweep = SWEEP_TARGETS
            .iter()
            .map(|&target| {
                let claims = crate::large(now, roles_for(target));
                let len = serde_json::to_vec(&claims).unwrap().len();
                (len, floor256.encode(&claims))
            })
            .collect();
        Fixtures {
            now,
            typical,
            large,
            hs256,
            forged,
            hs512,
            large_token,
            sweep,
        }
    }
}

impl Default for Fixtures {
    fn default() -> Self {
        Self::new()
    }
}

/// One library under test. Decoders return `Err` for a rejected token; the decoded claims
/// are passed through `black_box` and dropped inside (every contender pays its drop).
pub trait Contender {
    fn name(&self) -> &'static str;
    /// Builds the library's own claims value once; the returned closure encodes it (what the
    /// encode benchmark times).
    fn encoder<'a>(&'a self, claims: &Typical) -> Box<dyn Fn() -> String + 'a>;
    fn decode_hs256(&self, token: &str) -> Result<(), String>;
    fn decode_hs512(&self, token: &str) -> Result<(), String>;
    fn decode_large(&self, token: &str) -> Result<(), String>;
}

/// Passes a decoded value through `black_box` and drops it.
pub fn consume<T>(value: T) -> Result<(), String> {
    black_box(&value);
    Ok(())
}

/// Checks, before any timing, that `contender` accepts every valid token, rejects the
/// forged one, and that its own encoding of the typical claims is accepted by the floor.
///
/// # Panics
///
/// On any disagreement.
pub fn check(contender: &dyn Contender, fixtures: &Fixtures) {
    let name = contender.name();
    let ok = |what: &str, result: Result<(), String>| {
        if let Err(error) = result {
            panic!("{name} rejected the valid {what} token: {error}");
        }
    };
    ok("HS256", contender.decode_hs256(&fixtures.hs256));
    ok("HS512", contender.decode_hs512(&fixtures.hs512));
    ok("large", contender.decode_large(&fixtures.large_token));
    for (len, token) in &fixtures.sweep {
        ok(&format!("{len}-byte sweep"), contender.decode_large(token));
    }
    assert!(
        contender.decode_hs256(&fixtures.forged).is_err(),
        "{name} accepted the forged token"
    );
    let mut tampered = fixtures.hs256.clone();
    tampered.replace_range(40..41, if &tampered[40..41] == "A" { "B" } else { "A" });
    assert!(
        contender.decode_hs256(&tampered).is_err(),
        "{name} accepted a tampered payload"
    );
    let encoded = contender.encoder(&fixtures.typical)();
    let floor = floor::Floor::<floor::S256>::new(SECRET_256);
    let decoded: Typical = floor
        .decode(&encoded, fixtures.now)
        .unwrap_or_else(|error| panic!("{name}'s token does not verify: {error}"));
    assert_eq!(decoded, fixtures.typical, "{name} encoded other claims");
}

/// All contenders of this process (jsonwebtoken with the backend the process installed).
pub fn contenders(jsonwebtoken_label: &'static str, all: bool) -> Vec<Box<dyn Contender>> {
    let mut list: Vec<Box<dyn Contender>> = Vec::new();
    if all {
        list.push(Box::new(floor::FloorContender::new()));
        list.push(Box::new(runtime::Runtime::new()));
    }
    list.push(Box::new(peers::JsonWebToken::new(jsonwebtoken_label)));
    if all {
        list.push(Box::new(peers::JwtSimple::new()));
        list.push(Box::new(peers::JwtCompact::new()));
        // Not a library: a schema-specialised decoder (`specialised.rs`), for scale.
        list.push(Box::new(specialised::Prototype::new()));
    }
    list
}
