use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    exp: NumericDate,
    #[claim(exp)]
    expires_at: NumericDate,
}

fn main() {}
