use jwt_runtime::Claims;

#[derive(Claims)]
union Session {
    exp: u64,
    iat: i64,
}

fn main() {}
