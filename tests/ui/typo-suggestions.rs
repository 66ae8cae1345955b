use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(leway = "5s", algorithm = "HS256")]
struct Session {
    #[claim(expiry)]
    expires_at: NumericDate,
    #[claim(iat, widnow = "5m")]
    issued_at: NumericDate,
    #[claim(renmae = "x")]
    name: String,
}

fn main() {}
