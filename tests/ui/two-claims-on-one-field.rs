use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(exp, nbf)]
    expires_at: NumericDate,
}

fn main() {}
