use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(bound = "T:: Serialize +", crate = "::1jwt")]
struct Session<T> {
    exp: NumericDate,
    data: T,
}

fn main() {}
