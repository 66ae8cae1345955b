use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(exp, window = "5m")]
    expires_at: NumericDate,
}

fn main() {}
