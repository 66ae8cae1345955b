use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Outgoing {
    exp: NumericDate,
    iss: &'static str,
    scopes: Vec<&'static str>,
}

fn main() {}
