use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims(iss = ["https://a.example"], typ = { "at+jwt" }, aud = [api], leeway = 5 + 5)]
struct Session {
    exp: NumericDate,
    #[claim(rename = ["a"])]
    name: String,
}

#[derive(Claims)]
#[claims(iss, aud, typ = , aud = )]
struct MissingValue {
    exp: NumericDate,
}

fn main() {}
