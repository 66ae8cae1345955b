use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(expires)]
    expires_at: NumericDate,
}

fn main() {}
