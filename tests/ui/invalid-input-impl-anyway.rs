use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(exp, unknown)]
    expires_at: NumericDate,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Only the attribute is reported: `Session` still implements `Claims`.
    let key = HmacKey::<Hs256>::generate()?;
    let token = Session { expires_at: NumericDate::EPOCH }.encode(&key)?;
    let _ = Session::decode(&token, &key);
    Ok(())
}
