use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};

#[derive(Claims)]
#[claims(alg = "HS512")]
struct Session {
    exp: NumericDate,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = HmacKey::<Hs256>::generate()?;
    let _ = Session::decode("a.b.c", &key);
    Ok(())
}
