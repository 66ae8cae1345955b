use jwt_runtime::Claims;

#[derive(Claims)]
struct Session {
    #[claim(exp)]
    expires_at: String,
}

fn main() {}
