use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(window = "5m", exp, skip)]
struct Session {
    #[claim(alg = "HS512")]
    exp: NumericDate,
    #[claim(leeway = "5s")]
    iat: NumericDate,
}

fn main() {}
