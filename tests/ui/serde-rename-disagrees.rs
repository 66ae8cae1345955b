use jwt_runtime::{Claims, NumericDate};
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
struct Session {
    // serde would write `expires`, the token `exp`.
    #[claim(exp)]
    #[serde(rename = "expires")]
    expires_at: NumericDate,
    #[claim(rename = "role")]
    #[serde(rename = "roles")]
    role: String,
    #[serde(rename = "")]
    empty: String,
}

fn main() {}
