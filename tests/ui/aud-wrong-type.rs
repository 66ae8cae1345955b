use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    exp: NumericDate,
    aud: u32,
}

fn main() {}
