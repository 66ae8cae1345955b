use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(iss = https, aud = ["api", 7], typ = 1, leeway = 30)]
struct Session {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(aud = [], leeway = "30 s")]
struct Empty {
    exp: NumericDate,
}

fn main() {}
