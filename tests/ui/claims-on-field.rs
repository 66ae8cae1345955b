use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claims(alg = "HS512")]
    exp: NumericDate,
}

fn main() {}
