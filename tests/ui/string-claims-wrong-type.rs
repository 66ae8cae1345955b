use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    exp: NumericDate,
    #[claim(jti)]
    id: u64,
    iss: Vec<String>,
    sub: Option<i32>,
}

fn main() {}
