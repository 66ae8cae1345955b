use jwt_runtime::Claims;

#[derive(Claims)]
enum Session {
    User { sub: String },
}

fn main() {}
