use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(iss = "", typ = "")]
struct Empty {
    exp: NumericDate,
    #[claim(rename = "")]
    name: String,
}

#[derive(Claims)]
#[claims(aud = [""], crate = "")]
struct EmptyAudience {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(aud = "", iss = " https://issuer.example")]
struct Blank {
    exp: NumericDate,
}

#[derive(Claims)]
#[claims(aud = ["api", "api"])]
struct DuplicateAudience {
    exp: NumericDate,
}

fn main() {}
