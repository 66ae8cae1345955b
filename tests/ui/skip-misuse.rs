use jwt_runtime::{Claims, NumericDate};

struct Connection;

#[derive(Claims)]
struct Session {
    exp: NumericDate,
    #[claim(skip, sub)]
    subject: String,
    #[claim(skip = true)]
    cache: Vec<u8>,
    #[claim(skip)]
    connection: Connection,
}

fn main() {}
