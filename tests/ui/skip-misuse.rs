use jwt_runtime::{Claims, NumericDate};

struct Connection;

#[derive(Claims)]
struct Session {
    #[claim(skip, sub)]
    subject: String,
    // Not `Default`: the conflict is the one mistake reported.
    #[claim(exp, skip)]
    expires_at: NumericDate,
    #[claim(skip = true)]
    cache: Vec<u8>,
    #[claim(skip)]
    connection: Connection,
}

fn main() {}
