use jwt_runtime::{Claims, NumericDate};
use serde::{Deserialize, Serialize};

fn is_empty(value: &str) -> bool {
    value.is_empty()
}

fn plain<S: serde::Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value)
}

#[derive(Claims, Serialize, Deserialize)]
struct Session {
    exp: NumericDate,
    #[serde(skip_serializing)]
    a: String,
    #[serde(skip_deserializing)]
    b: String,
    #[serde(skip_serializing_if = "is_empty")]
    c: String,
    #[serde(default)]
    d: String,
    #[serde(alias = "expires")]
    e: NumericDate,
    #[serde(serialize_with = "plain")]
    f: String,
    #[serde(rename(serialize = "g1", deserialize = "g2"))]
    g: String,
}

#[derive(Claims, Serialize, Deserialize)]
struct Flattened {
    exp: NumericDate,
    #[serde(flatten)]
    extra: std::collections::HashMap<String, String>,
}

fn main() {}
