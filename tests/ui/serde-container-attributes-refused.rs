use jwt_runtime::{Claims, NumericDate};
use serde::{Deserialize, Serialize};

#[derive(Claims, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
struct Shouting {
    exp: NumericDate,
}

// Serialize alone, so that serde's own derive does not also ask for `Default`.
#[derive(Claims, Serialize)]
#[serde(deny_unknown_fields, default)]
struct Strict {
    exp: NumericDate,
}

#[derive(Claims, Serialize)]
#[serde(tag = "kind")]
struct Tagged {
    exp: NumericDate,
}

fn main() {}
