use jwt_runtime::Claims;

#[derive(Claims)]
struct Session {
    iat: Option<bool>,
    nbf: f32,
}

fn main() {}
