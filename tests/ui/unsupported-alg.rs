use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(alg = "none")]
struct Unsigned {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(alg = "ES256K")]
struct Es256k {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(alg = "hs256")]
struct Lowercase {
    exp: NumericDate,
}

fn main() {}
