use jwt_runtime::{Claims, NumericDate};
use serde::{Deserialize, Serialize};

fn is_empty(value: &str) -> bool {
    value.is_empty()
}

/// Not `Serialize` itself: the refused `serialize_with` is why, so it is not reported again.
struct Opaque(String);

fn plain<S: serde::Serializer>(value: &Opaque, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.0)
}

fn opaque<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Opaque, D::Error> {
    String::deserialize(deserializer).map(Opaque)
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
    #[serde(serialize_with = "plain", deserialize_with = "opaque")]
    f: Opaque,
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
