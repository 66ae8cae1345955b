use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(issuer = "https://auth.example.com")]
struct Session {
    exp: NumericDate,
}

fn main() {}
