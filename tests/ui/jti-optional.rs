use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Link {
    jti: Option<String>,
    exp: NumericDate,
}

fn main() {}
