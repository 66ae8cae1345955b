//! Interop of the public-key algorithms with real peers: PyJWT (with `cryptography`) and
//! jose, pinned and installed by `tests/interop/setup.sh` like `tests/interop.rs`.
//!
//! For EdDSA, ES256, ES384, ES512, RS256/384/512 and PS256/384/512: a peer signs with the private
//! key (given as a JWK where one exists, and as a PKCS#8 PEM) and we verify with the public
//! key; we sign and the peer verifies with the public key (as a JWK and as an SPKI PEM). A
//! tampered token is refused in both directions, so a peer that verified nothing would fail.
//!
//! Without a peer the tests print a loud SKIPPED notice and pass, unless
//! `JWT_REQUIRE_INTEROP=1` (set in CI).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use jwt_runtime::{
    Audience, Claims, DecodeClaims, EcdsaPrivateKey, EcdsaPublicKey, Ed25519PrivateKey,
    Ed25519PublicKey, Error, Es256, Es384, Es512PrivateKey, Es512PublicKey, FixedClock,
    NumericDate, Ps256, Ps384, Ps512, PublicKey, Rs256, Rs384, Rs512, RsaPrivateKey, RsaPublicKey,
    SigningKey, Validation, VerifyingKeys, replay::Reusable,
};
use serde_json::{Value, json};

/// Valid at our fixed clock, at jose's `currentDate` (the same) and at PyJWT's wall clock.
const NOW: i64 = 1_700_000_060;
const ISSUED: u64 = 1_700_000_000;
const EXPIRES: u64 = 4_102_444_800;
const ISSUER: &str = "https://issuer.example";

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn key_file(name: &str) -> String {
    fs::read_to_string(data_dir().join("keys").join(name)).unwrap()
}

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

    fn run(self, requests: &[Value]) -> Result<Vec<Value>, String> {
        let mut child = self
            .command()?
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", self.name()))?;
        let input = serde_json::to_vec(requests).unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&input)
            .map_err(|error| error.to_string())?;
        let output = child
            .wait_with_output()
            .map_err(|error| error.to_string())?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let results: Vec<Value> =
            serde_json::from_slice(&output.stdout).map_err(|error| error.to_string())?;
        assert_eq!(results.len(), requests.len());
        Ok(results)
    }
}

/// The peers that can run the public-key algorithms (PyJWT needs `cryptography`), probed
/// once per test binary.
fn peers() -> &'static [Peer] {
    static PEERS: OnceLock<Vec<Peer>> = OnceLock::new();
    PEERS.get_or_init(probe_peers)
}

fn probe_peers() -> Vec<Peer> {
    let required = std::env::var("JWT_REQUIRE_INTEROP").is_ok_and(|value| value == "1");
    let probe = json!({
        "op": "verify", "alg": "EdDSA", "token": "x.y.z",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        "now": NOW,
    });
    let mut peers = Vec::new();
    for peer in [Peer::PyJwt, Peer::Jose] {
        // A malformed token must come back as an error result, which proves the peer runs
        // and can build an Ed25519 key.
        match peer.run(std::slice::from_ref(&probe)) {
            Ok(results) if results[0].get("error").is_some() => peers.push(peer),
            outcome => {
                let why = format!("{outcome:?}");
                assert!(
                    !required,
                    "JWT_REQUIRE_INTEROP=1 but {} cannot run public-key algorithms ({why}); run tests/interop/setup.sh",
                    peer.name()
                );
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "\n**************** SKIPPED: public-key interop with {} ****************\n\
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
        #[derive(Claims, Debug, Clone, PartialEq)]
        #[claims(alg = $alg, iss = "https://issuer.example", aud = "api")]
        struct $name {
            sub: String,
            exp: u64,
            nbf: NumericDate,
            iat: u64,
            aud: Audience,
            roles: Vec<String>,
        }

        impl $name {
            fn new() -> Self {
                $name {
                    sub: "user-7".into(),
                    exp: EXPIRES,
                    nbf: NumericDate::from_secs(ISSUED as i64),
                    iat: ISSUED,
                    aud: Audience::one("api"),
                    roles: vec!["reader".into(), "writer".into()],
                }
            }
        }
    };
}

interop_claims!(EdClaims, "EdDSA");
interop_claims!(Es256Claims, "ES256");
interop_claims!(Es384Claims, "ES384");
interop_claims!(Es512Claims, "ES512");
interop_claims!(Rs256Claims, "RS256");
interop_claims!(Rs384Claims, "RS384");
interop_claims!(Rs512Claims, "RS512");
interop_claims!(Ps256Claims, "PS256");
interop_claims!(Ps384Claims, "PS384");
interop_claims!(Ps512Claims, "PS512");

fn claims_json() -> Value {
    json!({
        "sub": "user-7", "exp": EXPIRES, "nbf": ISSUED, "iat": ISSUED,
        "iss": ISSUER, "aud": "api", "roles": ["reader", "writer"],
    })
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

/// Flips one character of the signature.
fn tamper(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let at = bytes.len() - 3;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// How a key is handed to a peer: `("jwk", object)` or `("pem", text)`.
type KeyForm = (&'static str, Value);

/// One algorithm's keys: ours, and the forms the peers get them in.
struct Case<S, P> {
    alg: &'static str,
    private: S,
    public: P,
    /// Private key forms for the peer to sign with.
    peer_signs_with: Vec<KeyForm>,
    /// Public key forms for the peer to verify with.
    peer_verifies_with: Vec<KeyForm>,
}

fn check<C, S, P>(case: &Case<S, P>, make: fn() -> C)
where
    C: Claims<Replay = Reusable> + for<'de> DecodeClaims<'de> + PartialEq + std::fmt::Debug,
    S: SigningKey<C::Algorithm>,
    P: PublicKey<Algorithm = C::Algorithm> + VerifyingKeys<C::Algorithm>,
{
    for &peer in peers() {
        // The peer signs; we verify.
        let requests: Vec<Value> = case
            .peer_signs_with
            .iter()
            .map(|(form, key)| {
                let mut request = json!({"op": "sign", "alg": case.alg, "claims": claims_json()});
                request[*form] = key.clone();
                request
            })
            .collect();
        let results = peer.run(&requests).unwrap();
        for (result, (form, _)) in results.iter().zip(&case.peer_signs_with) {
            let token = result["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{} {} ({form}): {result}", peer.name(), case.alg));
            let decoded: C = validation()
                .decode(token, &case.public)
                .unwrap_or_else(|error| panic!("{} {} ({form}): {error}", peer.name(), case.alg));
            assert_eq!(decoded, make());
            assert!(matches!(
                validation().decode::<C, _>(&tamper(token), &case.public),
                Err(Error::Signature | Error::Malformed { .. })
            ));
        }

        // We sign; the peer verifies, with each public form, and refuses the tampered token.
        let token = make().encode(&case.private).unwrap();
        let mut requests = Vec::new();
        for (form, key) in &case.peer_verifies_with {
            for candidate in [token.clone(), tamper(&token)] {
                let mut request = json!({
                    "op": "verify", "alg": case.alg, "token": candidate,
                    "audience": "api", "issuer": ISSUER, "now": NOW,
                });
                request[*form] = key.clone();
                requests.push(request);
            }
        }
        let results = peer.run(&requests).unwrap();
        for (pair, (form, _)) in results.chunks(2).zip(&case.peer_verifies_with) {
            assert_eq!(
                pair[0]["claims"],
                claims_json(),
                "{} {} ({form}): {}",
                peer.name(),
                case.alg,
                pair[0]
            );
            assert_eq!(pair[0]["header"]["kid"], case.public.kid());
            assert!(
                pair[1].get("error").is_some(),
                "{} accepted a tampered {} token ({form})",
                peer.name(),
                case.alg
            );
        }
    }
}

fn rfc_jwk(name: &str) -> Value {
    let text = fs::read_to_string(data_dir().join("rfc_jws_pubkey.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all[name]["jwk"].clone()
}

fn public_part(jwk: &Value) -> Value {
    let mut public = jwk.clone();
    for member in ["d", "p", "q", "dp", "dq", "qi"] {
        public.as_object_mut().unwrap().remove(member);
    }
    public
}

fn pem(name: &str) -> KeyForm {
    ("pem", Value::String(key_file(name)))
}

fn jwk_of(key: &impl PublicKey) -> KeyForm {
    ("jwk", serde_json::from_str(&key.to_jwk()).unwrap())
}

#[test]
fn pubkey_interop_eddsa() {
    let jwk = rfc_jwk("rfc8037_a_ed25519");
    let private = Ed25519PrivateKey::from_jwk(&jwk.to_string()).unwrap();
    let public = Ed25519PublicKey::from_jwk(&public_part(&jwk).to_string()).unwrap();
    let case = Case {
        alg: "EdDSA",
        peer_signs_with: vec![("jwk", jwk)],
        peer_verifies_with: vec![jwk_of(&public)],
        private,
        public,
    };
    check(&case, EdClaims::new);
    let case = Case {
        alg: "EdDSA",
        private: Ed25519PrivateKey::from_pem(&key_file("ed25519.pkcs8.pem")).unwrap(),
        public: Ed25519PublicKey::from_pem(&key_file("ed25519.spki.pem")).unwrap(),
        peer_signs_with: vec![pem("ed25519.pkcs8.pem")],
        peer_verifies_with: vec![pem("ed25519.spki.pem")],
    };
    check(&case, EdClaims::new);
}

#[test]
fn pubkey_interop_es256_es384() {
    let jwk = rfc_jwk("rfc7515_a3_es256");
    let public = EcdsaPublicKey::<Es256>::from_jwk(&public_part(&jwk).to_string()).unwrap();
    let case = Case {
        alg: "ES256",
        private: EcdsaPrivateKey::<Es256>::from_jwk(&jwk.to_string()).unwrap(),
        peer_signs_with: vec![("jwk", jwk)],
        peer_verifies_with: vec![jwk_of(&public)],
        public,
    };
    check(&case, Es256Claims::new);
    let case = Case {
        alg: "ES256",
        private: EcdsaPrivateKey::<Es256>::from_pem(&key_file("p256.pkcs8.pem")).unwrap(),
        public: EcdsaPublicKey::<Es256>::from_pem(&key_file("p256.spki.pem")).unwrap(),
        peer_signs_with: vec![pem("p256.pkcs8.pem")],
        peer_verifies_with: vec![pem("p256.spki.pem")],
    };
    check(&case, Es256Claims::new);
    let public = EcdsaPublicKey::<Es384>::from_pem(&key_file("p384.spki.pem")).unwrap();
    let case = Case {
        alg: "ES384",
        private: EcdsaPrivateKey::<Es384>::from_pem(&key_file("p384.pkcs8.pem")).unwrap(),
        peer_signs_with: vec![pem("p384.pkcs8.pem")],
        peer_verifies_with: vec![pem("p384.spki.pem"), jwk_of(&public)],
        public,
    };
    check(&case, Es384Claims::new);
}

/// ES512 runs on another backend (`p521`) than the other algorithms: the RFC 7515 A.4 key as
/// JWKs, and an `openssl genpkey` key as PKCS#8 and SPKI PEM (and its public JWK).
#[test]
fn pubkey_interop_es512() {
    let jwk = rfc_jwk("rfc7515_a4_es512");
    let public = Es512PublicKey::from_jwk(&public_part(&jwk).to_string()).unwrap();
    let case = Case {
        alg: "ES512",
        private: Es512PrivateKey::from_jwk(&jwk.to_string()).unwrap(),
        peer_signs_with: vec![("jwk", jwk)],
        peer_verifies_with: vec![jwk_of(&public)],
        public,
    };
    check(&case, Es512Claims::new);
    let public = Es512PublicKey::from_pem(&key_file("p521.spki.pem")).unwrap();
    let case = Case {
        alg: "ES512",
        private: Es512PrivateKey::from_pem(&key_file("p521.pkcs8.pem")).unwrap(),
        peer_signs_with: vec![pem("p521.pkcs8.pem")],
        peer_verifies_with: vec![pem("p521.spki.pem"), jwk_of(&public)],
        public,
    };
    check(&case, Es512Claims::new);
}

macro_rules! rsa_case {
    ($alg:ty, $name:literal, $claims:ident) => {{
        let jwk = rfc_jwk("rfc7515_a2_rs256");
        let public = RsaPublicKey::<$alg>::from_jwk(&public_part(&jwk).to_string()).unwrap();
        let case = Case {
            alg: $name,
            private: RsaPrivateKey::<$alg>::from_jwk(&jwk.to_string()).unwrap(),
            peer_signs_with: vec![("jwk", jwk)],
            peer_verifies_with: vec![jwk_of(&public)],
            public,
        };
        check(&case, $claims::new);
        let case = Case {
            alg: $name,
            private: RsaPrivateKey::<$alg>::from_pem(&key_file("rsa2048.pkcs8.pem")).unwrap(),
            public: RsaPublicKey::<$alg>::from_pem(&key_file("rsa2048.spki.pem")).unwrap(),
            peer_signs_with: vec![pem("rsa2048.pkcs8.pem")],
            peer_verifies_with: vec![pem("rsa2048.spki.pem")],
        };
        check(&case, $claims::new);
    }};
}

#[test]
fn pubkey_interop_rs256_rs384_rs512() {
    rsa_case!(Rs256, "RS256", Rs256Claims);
    rsa_case!(Rs384, "RS384", Rs384Claims);
    rsa_case!(Rs512, "RS512", Rs512Claims);
}

#[test]
fn pubkey_interop_ps256_ps384_ps512() {
    rsa_case!(Ps256, "PS256", Ps256Claims);
    rsa_case!(Ps384, "PS384", Ps384Claims);
    rsa_case!(Ps512, "PS512", Ps512Claims);
}
