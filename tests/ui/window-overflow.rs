use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(iat, window = "99999999999999999999d")]
    issued_at: NumericDate,
}

fn main() {}
