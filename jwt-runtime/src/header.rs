//! The JOSE header: parsed strictly, and only the members the runtime acts on.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, Malformed, Segment, excerpt};

/// The header members the runtime acts on. `jwk`, `jku`, `x5u`, `x5c` and every other member
/// are checked for duplicates, then ignored: a key is never taken from the token.
#[derive(Debug, Default)]
pub(crate) struct RawHeader<'de> {
    /// `Some(Ok)` for a string, `Some(Err)` for any other JSON type.
    pub alg: Option<Result<Cow<'de, str>, ()>>,
    pub typ: Option<Result<Cow<'de, str>, ()>>,
    pub kid: Option<Cow<'de, str>>,
    pub crit: bool,
}

impl<'de> RawHeader<'de> {
    /// Parses one JSON object.
    pub(crate) fn parse(json: &'de [u8]) -> Result<Self, Error> {
        let mut recorded = None;
        let result = crate::__private::deserialize_object(
            json,
            HeaderVisitor {
                recorded: &mut recorded,
            },
        );
        result.map_err(|error| crate::__private::classify(recorded, None, &error, Segment::Header))
    }
}

struct HeaderVisitor<'r> {
    recorded: &'r mut Option<Error>,
}

impl HeaderVisitor<'_> {
    fn fail<E: de::Error>(&mut self, error: Error) -> E {
        *self.recorded = Some(error);
        E::custom("header rejected")
    }

    fn duplicate<E: de::Error>(&mut self, name: &str) -> E {
        self.fail(Error::DuplicateMember {
            segment: Segment::Header,
            name: excerpt(name),
        })
    }
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = RawHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = RawHeader::default();
        let mut unknown: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(crate::__private::Key(key)) = map.next_key()? {
            match &*key {
                "alg" | "typ" => {
                    let slot = if key == "alg" {
                        &mut header.alg
                    } else {
                        &mut header.typ
                    };
                    if slot.is_some() {
                        return Err(self.duplicate(&key));
                    }
                    *slot = Some(map.next_value_seed(StringOrOther)?);
                }
                "kid" => {
                    if header.kid.is_some() {
                        return Err(self.duplicate(&key));
                    }
                    match map.next_value_seed(StringOrOther)? {
                        Ok(kid) => header.kid = Some(kid),
                        Err(()) => {
                            return Err(self.fail(Error::Malformed {
                                segment: Segment::Header,
                                reason: Malformed::HeaderParameter("kid"),
                            }));
                        }
                    }
                }
                // JWE-only parameters (RFC 7516 §4.1.2, §4.1.3): such a token is not a JWS,
                // whatever its `alg` says, and nothing here decrypts or decompresses.
                "enc" | "zip" => return Err(self.fail(Error::JweNotSupported)),
                "crit" => {
                    if header.crit {
                        return Err(self.duplicate(&key));
                    }
                    header.crit = true;
                    map.next_value_seed(crate::__private::Skip)?;
                }
                _ => {
                    let unknown = unknown.get_or_insert_with(HashSet::new);
                    if unknown.contains(&*key) {
                        return Err(self.duplicate(&key));
                    }
                    unknown.insert(key);
                    map.next_value_seed(crate::__private::Skip)?;
                }
            }
        }
        Ok(header)
    }
}

/// Reads any JSON value: a string as `Ok`, anything else (consumed) as `Err(())`.
struct StringOrOther;

impl<'de> DeserializeSeed<'de> for StringOrOther {
    type Value = Result<Cow<'de, str>, ()>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringOrOther {
    type Value = Result<Cow<'de, str>, ()>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(value.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(()))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(()))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(()))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(crate::__private::Skip)?.is_some() {}
        Ok(Err(()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(crate::__private::Skip)?;
        }
        Ok(Err(()))
    }
}

/// A token's header, as read by [`crate::dangerous::peek`]: unverified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
}

impl Header {
    pub(crate) fn from_raw(raw: &RawHeader<'_>) -> Self {
        Header {
            alg: raw
                .alg
                .as_ref()
                .and_then(|alg| alg.as_ref().ok())
                .map(|alg| alg.to_string()),
            typ: raw
                .typ
                .as_ref()
                .and_then(|typ| typ.as_ref().ok())
                .map(|typ| typ.to_string()),
            kid: raw.kid.as_ref().map(|kid| kid.to_string()),
        }
    }

    /// The `alg` member, if it is a string.
    #[must_use]
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// The `typ` member, if it is a string.
    #[must_use]
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The `kid` member.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

/// Does the header `typ` pass? With a declared type it must match it (ASCII
/// case-insensitively, with or without the `application/` prefix); without one it may be
/// absent, `JWT`, or any `+jwt` media type (RFC 8725 §3.11).
pub(crate) fn typ_accepted(typ: Option<&str>, declared: Option<&str>) -> bool {
    // Compared in place: no lowercased copies (this runs for every token).
    fn strip(value: &str) -> &str {
        const PREFIX: &str = "application/";
        match value.get(..PREFIX.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => &value[PREFIX.len()..],
            _ => value,
        }
    }
    match (typ, declared) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(typ), Some(declared)) => strip(typ).eq_ignore_ascii_case(strip(declared)),
        (Some(typ), None) => {
            let typ = strip(typ);
            typ.eq_ignore_ascii_case("jwt")
                || (typ.len() > 4
                    && typ
                        .get(typ.len() - 4..)
                        .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+jwt")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_rules() {
        assert!(typ_accepted(None, None));
        assert!(typ_accepted(Some("JWT"), None));
        assert!(typ_accepted(Some("jwt"), None));
        assert!(typ_accepted(Some("application/jwt"), None));
        assert!(typ_accepted(Some("at+jwt"), None));
        assert!(typ_accepted(Some("at+JWT"), None));
        assert!(!typ_accepted(Some("+jwt"), None));
        assert!(!typ_accepted(Some("JOSE"), None));
        assert!(!typ_accepted(Some("JWT "), None));
        assert!(typ_accepted(Some("at+jwt"), Some("at+jwt")));
        assert!(typ_accepted(Some("application/AT+JWT"), Some("at+jwt")));
        assert!(!typ_accepted(Some("JWT"), Some("at+jwt")));
        assert!(!typ_accepted(None, Some("at+jwt")));
    }

    #[test]
    fn header_members_are_parsed_strictly() {
        let header = RawHeader::parse(br#"{"alg":"HS256","kid":"k1","jwk":{"k":"x"}}"#).unwrap();
        assert_eq!(header.alg, Some(Ok(Cow::Borrowed("HS256"))));
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert!(!header.crit);
        let header = RawHeader::parse(br#"{"alg":["HS256"],"crit":[]}"#).unwrap();
        assert_eq!(header.alg, Some(Err(())));
        assert!(header.crit);
        for (json, expected) in [
            (&br#"{"alg":"HS256","alg":"none"}"#[..], "duplicate"),
            (br#"{"alg":"HS256","\u0061lg":"none"}"#, "duplicate"),
            (br#"{"x":1,"x":2}"#, "duplicate"),
            (br#"{"kid":5}"#, "kid"),
            (br#"{"alg":"HS256","enc":"A128GCM"}"#, "JWE"),
            (br#"{"alg":"HS256","zip":"DEF"}"#, "JWE"),
            (br#"[]"#, "object"),
            (br#"{"alg":"HS256"} "#, "ok"),
            (br#"{"alg":"HS256"}x"#, "JSON"),
        ] {
            let result = RawHeader::parse(json);
            match expected {
                "ok" => assert!(result.is_ok()),
                _ => assert!(
                    result.unwrap_err().to_string().contains(expected),
                    "{json:?}"
                ),
            }
        }
    }
}
