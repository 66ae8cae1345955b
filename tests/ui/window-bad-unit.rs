use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(iat, window = "5x")]
    issued_at: NumericDate,
}

fn main() {}
