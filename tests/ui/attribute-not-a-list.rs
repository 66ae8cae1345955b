use jwt_runtime::{Claims, NumericDate};

#[derive(Claims)]
#[claims("HS256")]
struct Session {
    exp: NumericDate,
    #[claim]
    sub: String,
    #[claim(optional)]
    nick: String,
    #[claim(id)]
    token_id: String,
}

fn main() {}
