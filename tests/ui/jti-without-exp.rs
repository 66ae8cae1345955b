use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct NoExp {
    #[claim(jti)]
    id: String,
}

#[derive(Claims)]
struct OptionalExp {
    jti: String,
    exp: Option<NumericDate>,
}

fn main() {}
