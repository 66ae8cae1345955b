//! A JSON tree that keeps member order and duplicate members, for showing a token exactly as
//! it is: `serde_json::Value` sorts members and silently keeps the last of two duplicates.

use std::fmt::{self, Write as _};

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::style::Style;

/// One JSON value, members in document order, duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses one JSON document (serde_json's grammar and its 128-level nesting limit).
    pub fn parse(bytes: &[u8]) -> Result<Json, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value = de::Deserialize::deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(value)
    }

    /// The members of an object, `None` for any other value.
    pub fn members(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The first member called `name`, if this is an object.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.members()?
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The value as a number of seconds, if it is a JSON number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(number) => number.as_f64(),
            _ => None,
        }
    }

    /// The value as a string, if it is a JSON string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// Compact JSON, members in order.
    pub fn to_compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, None, 0, &Style::plain());
        out
    }

    /// Indented JSON (two spaces), members in order, coloured with `style`.
    pub fn to_pretty(&self, style: &Style) -> String {
        let mut out = String::new();
        self.write(&mut out, Some(2), 0, style);
        out
    }

    fn write(&self, out: &mut String, indent: Option<usize>, depth: usize, style: &Style) {
        let newline = |out: &mut String, depth: usize| {
            if let Some(width) = indent {
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', width * depth));
            }
        };
        match self {
            Json::Null => out.push_str(&style.literal("null")),
            Json::Bool(value) => {
                out.push_str(&style.literal(if *value { "true" } else { "false" }))
            }
            Json::Number(number) => out.push_str(&style.number(&number.to_string())),
            Json::String(text) => out.push_str(&style.string(&quote(text))),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Object(members) if members.is_empty() => out.push_str("{}"),
            Json::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.write(out, indent, depth + 1, style);
                }
                newline(out, depth);
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    out.push_str(&style.key(&quote(key)));
                    out.push(':');
                    if indent.is_some() {
                        out.push(' ');
                    }
                    value.write(out, indent, depth + 1, style);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}

/// A JSON string literal. Control characters, and the terminal's own escape character in
/// particular, are always escaped: a token must not be able to drive the terminal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // C0, DEL and C1 controls, and the bidi overrides that can reorder what is shown.
            c if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl<'de> de::Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Json, E> {
        // serde_json never yields a non-finite number; keep the path total anyway.
        serde_json::Number::from_f64(value)
            .map(Json::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value()?;
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

/// The first member name that appears twice in an object anywhere in `json`.
pub fn first_duplicate(json: &Json) -> Option<&str> {
    match json {
        Json::Array(items) => items.iter().find_map(first_duplicate),
        Json::Object(members) => {
            let mut seen = std::collections::HashSet::new();
            for (key, _) in members {
                if !seen.insert(key.as_str()) {
                    return Some(key);
                }
            }
            members.iter().find_map(|(_, value)| first_duplicate(value))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_duplicates() {
        let json = Json::parse(br#"{"b":1,"a":[true,null,"x"],"b":2.5}"#).unwrap();
        assert_eq!(json.to_compact(), r#"{"b":1,"a":[true,null,"x"],"b":2.5}"#);
        assert_eq!(first_duplicate(&json), Some("b"));
        assert_eq!(json.get("b").and_then(Json::as_f64), Some(1.0));
    }

    #[test]
    fn pretty_prints_with_two_spaces() {
        let json = Json::parse(br#"{"a":{"b":[]},"c":[1]}"#).unwrap();
        assert_eq!(
            json.to_pretty(&Style::plain()),
            "{\n  \"a\": {\n    \"b\": []\n  },\n  \"c\": [\n    1\n  ]\n}"
        );
    }

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(quote("a\u{1b}[31mb\u{202e}"), "\"a\\u001b[31mb\\u202e\"");
        let json = Json::parse(br#""\u001b""#).unwrap();
        assert_eq!(json.to_compact(), r#""\u001b""#);
    }

    #[test]
    fn refuses_trailing_data_and_deep_nesting() {
        assert!(Json::parse(b"{} x").is_err());
        assert!(Json::parse(&[b'['; 200]).is_err());
    }
}
