use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(alg = "HS256", iss = "a")]
#[claims(alg = "HS512", iss = "b", leeway = "999999999999999999d")]
struct Session {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(alg = HS256)]
struct Unquoted {
    exp: NumericDate,
}

fn main() {}
