use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
struct Session {
    #[claim(exp = "now")]
    expires_at: NumericDate,
    #[claim(rename = name)]
    name: String,
    #[claim(rename = "nickname", rename = "alias")]
    nickname: String,
}

#[derive(Claims)]
struct MissingValue {
    #[claim(iat, window)]
    issued_at: NumericDate,
}

fn main() {}
