use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(iat, window = "5m", window = "10m")]
    issued_at: NumericDate,
    #[claim(exp, exp)]
    expires_at: NumericDate,
}

fn main() {}
