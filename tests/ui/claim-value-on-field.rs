use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(alg: "HS256")]
struct Session {
    exp: NumericDate,
    #[claim(iss = "https://issuer.example")]
    issuer: String,
    #[claim(aud = ["api"])]
    audience: Vec<String>,
    #[claim(nbf(now))]
    not_before: NumericDate,
}

fn main() {}
