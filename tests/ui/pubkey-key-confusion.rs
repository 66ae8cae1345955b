// A public key is never an HMAC secret, and an HMAC key never verifies a public-key type
// (the CVE-2016-10555 family is a compile error).
use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate, RsaPublicKey, Rs256};

#[derive(Claims)]
#[claims(alg = "RS256")]
struct RsSession {
    exp: NumericDate,
}

#[derive(Claims)]
struct HsSession {
    exp: NumericDate,
}

fn hmac_key_for_rs256(token: &str, key: &HmacKey<Hs256>) {
    let _ = RsSession::decode(token, key);
}

fn public_key_for_hs256(token: &str, key: &RsaPublicKey<Rs256>) {
    let _ = HsSession::decode(token, key);
}

fn main() {}
