use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claim(exp)]
struct Session {
    exp: NumericDate,
}

fn main() {}
