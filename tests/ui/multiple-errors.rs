use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(alg = "HS999")]
struct Session {
    #[claim(expiry)]
    expires_at: NumericDate,
    #[claim(iat, window = "5y")]
    issued_at: NumericDate,
    #[claim(nbf, window = "1m")]
    not_before: NumericDate,
}

fn main() {}
