use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(iat, window = 300)]
    issued_at: NumericDate,
}

fn main() {}
