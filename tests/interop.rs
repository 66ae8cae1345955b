//! Interop with real peers, not re-implementations: PyJWT (Python) and jose (Node.js), pinned in
//! `tests/interop/requirements.txt` and `tests/interop/package.json` + lockfile, installed by
//! `tests/interop/setup.sh` into `tests/interop/.venv` and `tests/interop/node_modules`.
//!
//! For HS256, HS384 and HS512, tokens made at test time by each peer are verified by us, and
//! tokens made by us are verified by each peer, with the claims compared value for value.
//! Tampered tokens are refused in both directions, so a peer that verified nothing would fail.
//!
//! When a peer is not installed the tests print a loud SKIPPED notice and pass, unless
//! `JWT_REQUIRE_INTEROP=1` (set in CI), which turns the absence into a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jwt_runtime::{
    Audience, Claims, DecodeClaims, Error, FixedClock, HmacAlgorithm, HmacKey, Hs256, Hs384, Hs512,
    KeySet, NumericDate, Validation, base64url, replay::Reusable,
};
use serde_json::{Value, json};

/// Our fixed clock. The peers' own checks run at the wall clock (PyJWT) or at this instant
/// (jose's `currentDate`), so the times below are valid for both: issued in 2023, expiring
/// in 2100.
const NOW: i64 = 1_700_000_060;
const ISSUED: u64 = 1_700_000_000;
const EXPIRES: u64 = 4_102_444_800;
const ISSUER: &str = "https://issuer.example";

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// A peer: the command that runs its script.
#[derive(Clone, Copy, Debug)]
enum Peer {
    PyJwt,
    Jose,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::PyJwt => "PyJWT",
            Peer::Jose => "jose",
        }
    }

    fn command(self) -> Result<Command, String> {
        let dir = interop_dir();
        match self {
            Peer::PyJwt => {
                let python = dir.join(".venv/bin/python");
                if !python.exists() {
                    return Err(format!("{} is missing", python.display()));
                }
                let mut command = Command::new(python);
                command.arg(dir.join("pyjwt_peer.py"));
                Ok(command)
            }
            Peer::Jose => {
                let module = dir.join("node_modules/jose/package.json");
                if !module.exists() {
                    return Err(format!("{} is missing", module.display()));
                }
                let mut command = Command::new("node");
                command.arg(dir.join("jose_peer.mjs")).current_dir(&dir);
                Ok(command)
            }
        }
    }

    /// Sends a batch of requests to the peer's script and returns its results.
    fn run(self, requests: &[Value]) -> Vec<Value> {
        let mut command = self.command().expect("peer checked by `available`");
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", self.name()));
        let input = serde_json::to_vec(requests).unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{} failed: {}",
            self.name(),
            String::from_utf8_lossy(&output.stderr)
        );
        let results: Vec<Value> = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{} printed no JSON ({error})", self.name()));
        assert_eq!(results.len(), requests.len());
        results
    }

    /// Whether the peer can run; `Err` says why not.
    fn available(self) -> Result<String, String> {
        let mut command = self.command()?;
        let output = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(br#"[{"op":"version","key":""}]"#)?;
                child.wait_with_output()
            })
            .map_err(|error| format!("cannot run {}: {error}", self.name()))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let results: Value =
            serde_json::from_slice(&output.stdout).map_err(|error| error.to_string())?;
        Ok(results[0]["version"].as_str().unwrap_or("?").to_owned())
    }
}

/// The peers that can run. Without one: a loud skip, or a failure under
/// `JWT_REQUIRE_INTEROP=1`.
fn peers(test: &str) -> Vec<Peer> {
    let required = std::env::var("JWT_REQUIRE_INTEROP").is_ok_and(|value| value == "1");
    let mut peers = Vec::new();
    for peer in [Peer::PyJwt, Peer::Jose] {
        match peer.available() {
            Ok(version) => {
                eprintln!("interop {test}: {} {version}", peer.name());
                peers.push(peer);
            }
            Err(why) => {
                assert!(
                    !required,
                    "JWT_REQUIRE_INTEROP=1 but {} is not installed ({why}); run tests/interop/setup.sh",
                    peer.name()
                );
                // Written to the process's stderr, past the test harness's capture: loud even
                // when the test passes.
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "\n**************** SKIPPED: interop with {} ({test}) ****************\n\
                     {why}\nRun tests/interop/setup.sh to install the pinned peers.\n",
                    peer.name()
                );
            }
        }
    }
    peers
}

macro_rules! interop_claims {
    ($name:ident, $alg:tt) => {
        /// A spread of claim types: every registered claim and custom strings, numbers,
        /// booleans, arrays, objects and an optional member.
        #[derive(Claims, Debug, Clone, PartialEq)]
        #[claims(alg = $alg, iss = "https://issuer.example", aud = "api")]
        struct $name {
            sub: String,
            exp: u64,
            nbf: NumericDate,
            iat: u64,
            aud: Audience,
            name: String,
            roles: Vec<String>,
            level: i64,
            ratio: f64,
            admin: bool,
            profile: Value,
            nickname: Option<String>,
        }
    };
}

interop_claims!(Claims256, "HS256");
interop_claims!(Claims384, "HS384");
interop_claims!(Claims512, "HS512");

/// The claims as JSON, as a peer is asked to sign them and expected to return them.
fn claims_json(variant: usize) -> Value {
    let audience = if variant.is_multiple_of(2) {
        json!("api")
    } else {
        json!(["other", "api"])
    };
    let mut claims = json!({
        "sub": format!("user-{variant}"),
        "exp": EXPIRES,
        "nbf": ISSUED,
        "iat": ISSUED,
        "iss": ISSUER,
        "aud": audience,
        "name": "Ada Lovelace ✓ é 😀 \"quoted\" back\\slash / \u{0} \u{2028} \t",
        "roles": ["admin", "ünïcødé", ""],
        "level": -9_007_199_254_740_991_i64 + variant as i64,
        "ratio": 1.5 + variant as f64 / 4.0,
        "admin": variant % 2 == 1,
        "profile": {"team": "core", "tags": [1, 2.5, null, true, {"nested": "é"}], "empty": {}},
    });
    if variant == 1 {
        claims["nickname"] = json!("Countess");
    }
    claims
}

/// The same claims as our type, through a conversion the test does not share with the runtime.
macro_rules! from_json {
    ($ty:ident, $json:expr) => {{
        let json = $json;
        $ty {
            sub: json["sub"].as_str().unwrap().to_owned(),
            exp: json["exp"].as_u64().unwrap(),
            nbf: NumericDate::from_secs(json["nbf"].as_i64().unwrap()),
            iat: json["iat"].as_u64().unwrap(),
            aud: match &json["aud"] {
                Value::String(one) => Audience::one(one.clone()),
                many => Audience::many(
                    many.as_array()
                        .unwrap()
                        .iter()
                        .map(|aud| aud.as_str().unwrap().to_owned()),
                ),
            },
            name: json["name"].as_str().unwrap().to_owned(),
            roles: json["roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|role| role.as_str().unwrap().to_owned())
                .collect(),
            level: json["level"].as_i64().unwrap(),
            ratio: json["ratio"].as_f64().unwrap(),
            admin: json["admin"].as_bool().unwrap(),
            profile: json["profile"].clone(),
            nickname: json
                .get("nickname")
                .map(|nickname| nickname.as_str().unwrap().to_owned()),
        }
    }};
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

/// Flips one character in the middle of the signature.
fn tamper(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let at = token.len() - 10;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn sign_request(alg: &str, key: &[u8], claims: &Value, headers: Value) -> Value {
    json!({"op": "sign", "alg": alg, "key": base64url::encode(key), "claims": claims, "headers": headers})
}

fn verify_request(alg: &str, key: &[u8], token: &str) -> Value {
    json!({
        "op": "verify", "alg": alg, "key": base64url::encode(key), "token": token,
        "audience": "api", "issuer": ISSUER, "now": NOW,
    })
}

/// The keys per algorithm: the minimum length and a longer one (above the block size).
fn keys(len: usize) -> [Vec<u8>; 2] {
    [
        (0..len).map(|i| (i * 7 + 3) as u8).collect(),
        (0..200).map(|i| (i * 13 + 1) as u8).collect(),
    ]
}

fn peer_tokens_verify_here<T, F>(alg: &str, key_len: usize, from_json: F)
where
    T: Claims<Replay = Reusable> + for<'de> DecodeClaims<'de> + PartialEq + std::fmt::Debug,
    T::Algorithm: HmacAlgorithm,
    F: Fn(&Value) -> T,
{
    let peers = peers(&format!("peer_tokens_verify_here_{alg}"));
    for peer in peers {
        let mut requests = Vec::new();
        let mut expected = Vec::new();
        for key in keys(key_len) {
            for variant in 0..2 {
                let claims = claims_json(variant);
                let headers = if variant == 1 {
                    json!({"kid": "k-2026", "typ": "JWT"})
                } else {
                    json!({})
                };
                requests.push(sign_request(alg, &key, &claims, headers));
                expected.push((key.clone(), variant, claims));
            }
        }
        let results = peer.run(&requests);
        for (result, (key_bytes, variant, claims)) in results.iter().zip(&expected) {
            let token = result["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{} did not sign: {result}", peer.name()));
            let key = HmacKey::<T::Algorithm>::from_bytes(key_bytes).unwrap();
            let decoded: T = validation().decode(token, &key).unwrap_or_else(|error| {
                panic!("{} {alg} token refused: {error:?}\n{token}", peer.name())
            });
            assert_eq!(
                decoded,
                from_json(claims),
                "{} {alg} variant {variant}",
                peer.name()
            );
            if *variant == 1 {
                // The peer's `kid` selects the key from a key set.
                let other = HmacKey::<T::Algorithm>::from_bytes(&[0x11; 64])
                    .unwrap()
                    .with_kid("k-old")
                    .unwrap();
                let set = KeySet::new(other)
                    .unwrap()
                    .with_key(key.clone().with_kid("k-2026").unwrap())
                    .unwrap();
                let via_set: T = validation().decode(token, &set).unwrap();
                assert_eq!(via_set, decoded);
            }
            // A tampered peer token is refused.
            assert!(
                matches!(
                    validation().decode::<T, _>(&tamper(token), &key),
                    Err(Error::Signature)
                ),
                "{} {alg}: tampered token accepted",
                peer.name()
            );
        }
    }
}

fn our_tokens_verify_there<T, F>(alg: &str, key_len: usize, from_json: F)
where
    T: Claims,
    T::Algorithm: HmacAlgorithm,
    F: Fn(&Value) -> T,
{
    let peers = peers(&format!("our_tokens_verify_there_{alg}"));
    for peer in peers {
        let mut requests = Vec::new();
        let mut expected = Vec::new();
        for key_bytes in keys(key_len) {
            let key = HmacKey::<T::Algorithm>::from_bytes(&key_bytes).unwrap();
            for variant in 0..2 {
                let claims = claims_json(variant);
                let token = from_json(&claims).encode(&key).unwrap();
                requests.push(verify_request(alg, &key_bytes, &token));
                requests.push(verify_request(alg, &key_bytes, &tamper(&token)));
                expected.push(claims);
            }
        }
        let results = peer.run(&requests);
        for (pair, claims) in results.chunks(2).zip(&expected) {
            let (valid, tampered) = (&pair[0], &pair[1]);
            assert!(
                valid.get("error").is_none(),
                "{} refused our {alg} token: {}",
                peer.name(),
                valid["error"]
            );
            assert_eq!(
                &valid["claims"],
                claims,
                "{} read other claims from our {alg} token",
                peer.name()
            );
            assert_eq!(valid["header"]["alg"], alg);
            assert_eq!(valid["header"]["typ"], "JWT");
            assert!(
                tampered["error"]
                    .as_str()
                    .is_some_and(|error| error.to_lowercase().contains("signature")),
                "{} accepted a tampered token: {tampered}",
                peer.name()
            );
        }
    }
}

#[test]
fn pyjwt_and_jose_tokens_verify_here_hs256() {
    peer_tokens_verify_here::<Claims256, _>("HS256", 32, |json| from_json!(Claims256, json));
}

#[test]
fn pyjwt_and_jose_tokens_verify_here_hs384() {
    peer_tokens_verify_here::<Claims384, _>("HS384", 48, |json| from_json!(Claims384, json));
}

#[test]
fn pyjwt_and_jose_tokens_verify_here_hs512() {
    peer_tokens_verify_here::<Claims512, _>("HS512", 64, |json| from_json!(Claims512, json));
}

#[test]
fn our_tokens_verify_with_pyjwt_and_jose_hs256() {
    our_tokens_verify_there::<Claims256, _>("HS256", 32, |json| from_json!(Claims256, json));
}

#[test]
fn our_tokens_verify_with_pyjwt_and_jose_hs384() {
    our_tokens_verify_there::<Claims384, _>("HS384", 48, |json| from_json!(Claims384, json));
}

#[test]
fn our_tokens_verify_with_pyjwt_and_jose_hs512() {
    our_tokens_verify_there::<Claims512, _>("HS512", 64, |json| from_json!(Claims512, json));
}

#[test]
fn algorithms_do_not_cross_between_implementations() {
    // A peer's HS384 token under a secret our HS256 key also holds is refused here, and our
    // HS256 token is refused by a peer told to accept only HS512.
    let peers = peers("algorithms_do_not_cross_between_implementations");
    let secret = keys(64)[0].clone();
    for peer in peers {
        let claims = claims_json(0);
        let results = peer.run(&[sign_request("HS384", &secret, &claims, json!({}))]);
        let token = results[0]["token"].as_str().unwrap();
        let key = HmacKey::<Hs256>::from_bytes(&secret).unwrap();
        assert!(matches!(
            validation().decode::<Claims256, _>(token, &key),
            Err(Error::Algorithm {
                expected: "HS256",
                ..
            })
        ));
        let ours = from_json!(Claims256, &claims).encode(&key).unwrap();
        let results = peer.run(&[verify_request("HS512", &secret, &ours)]);
        assert!(
            results[0].get("error").is_some(),
            "{}: {}",
            peer.name(),
            results[0]
        );
        // And the matching pairs do verify, so the refusals above are about the algorithm.
        assert!(
            validation()
                .decode::<Claims384, _>(token, &HmacKey::<Hs384>::from_bytes(&secret).unwrap())
                .is_ok()
        );
        let ours = from_json!(Claims512, &claims)
            .encode(&HmacKey::<Hs512>::from_bytes(&secret).unwrap())
            .unwrap();
        let results = peer.run(&[verify_request("HS512", &secret, &ours)]);
        assert!(
            results[0].get("error").is_none(),
            "{}: {}",
            peer.name(),
            results[0]
        );
    }
}
