use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    exp: NumericDate,
    name: String,
    #[claim(rename = "name")]
    display_name: String,
}

fn main() {}
