// A one-use (`jti`) claims type has no plain `decode`: its tokens are accepted only through a
// replay store (`Validation::decode_once`), or inspected through
// `dangerous::decode_without_replay_check`.
use jwt_runtime::{Claims, HmacKey, Hs256, NumericDate, Validation};

#[derive(Claims)]
struct ResetLink {
    sub: String,
    exp: NumericDate,
    jti: String,
}

fn main() {
    let key = HmacKey::<Hs256>::from_bytes(&[7; 32]).unwrap();
    let _ = ResetLink::decode("token", &key);
    let _: Result<ResetLink, _> = Validation::new().decode("token", &key);
    let mut buffer = Vec::new();
    let _: Result<ResetLink, _> = Validation::new().decode_borrowed("token", &key, &mut buffer);
}
