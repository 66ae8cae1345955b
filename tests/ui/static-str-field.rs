use jwt_runtime::{Claims, NumericDate};

#[derive(serde::Serialize)]
struct Scope;

// The other fields' type errors come in the same round: `Scope` cannot be decoded.
#[derive(Claims)]
struct Outgoing {
    exp: NumericDate,
    iss: &'static str,
    scopes: Vec<&'static str>,
    scope: Scope,
}

fn main() {}
