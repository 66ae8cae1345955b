use jwt_runtime::replay::MemoryStore;
use jwt_runtime::{Claims, HmacKey, Hs512, NumericDate};

#[derive(Claims)]
#[claims(alg = "HS512", leway = "5s")]
struct Strong {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(aud = "reset", iss = "me", typo)]
struct ResetLink {
    exp: NumericDate,
    jti: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Only the typos are reported: each type keeps its algorithm and its one-use-ness.
    let key = HmacKey::<Hs512>::generate()?;
    let token = Strong { exp: NumericDate::EPOCH }.encode(&key)?;
    let _ = Strong::decode(&token, &key);
    let store = MemoryStore::new();
    let link = ResetLink::decode_once(&token, &HmacKey::<jwt_runtime::Hs256>::generate()?, &store);
    let _ = link;
    Ok(())
}
