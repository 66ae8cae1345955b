use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(exp, rename = "expiry")]
    expires_at: NumericDate,
}

fn main() {}
