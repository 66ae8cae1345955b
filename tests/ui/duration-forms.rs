use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(leeway = "1.5h")]
struct Fraction {
    exp: NumericDate,
    #[claim(iat, window = "1h30m")]
    issued_at: NumericDate,
}

#[derive(Claims)]
#[claims(leeway = "0.3s")]
struct NoWholeEquivalent {
    exp: NumericDate,
}

fn main() {}
