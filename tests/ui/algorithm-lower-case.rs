use jwt_runtime::{Claims, HmacKey, Hs512, NumericDate};

#[derive(Claims)]
#[claims(alg = "hs512")]
struct Session {
    exp: NumericDate,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The algorithm is kept: the HS512 key raises nothing more.
    let key = HmacKey::<Hs512>::generate()?;
    let token = Session { exp: NumericDate::EPOCH }.encode(&key)?;
    let _ = Session::decode(&token, &key);
    Ok(())
}
