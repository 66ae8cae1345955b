use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(iat, window = "0m")]
    issued_at: NumericDate,
}

fn main() {}
