use jwt_runtime::Claims;

#[derive(Claims)]
struct Session;

fn main() {}
