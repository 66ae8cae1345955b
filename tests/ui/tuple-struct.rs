use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session(String, NumericDate);

fn main() {}
