use jwt_runtime::{Claims, NumericDate};

struct NotSerde;

// The attribute mistakes and the field type mistakes come in one round.
#[derive(Claims)]
#[claims(leway = "5s")]
struct Session {
    exp: String,
    #[claim(sub, renmae = "x")]
    subject: u64,
    data: NotSerde,
    iat: NumericDate,
}

fn main() {}
