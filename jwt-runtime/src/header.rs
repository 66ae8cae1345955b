//! The JOSE header in both directions: written when encoding, parsed strictly and checked
//! when decoding. Only the members the runtime acts on are kept.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::base64url;
use crate::error::{Error, Malformed, Segment, excerpt};
use crate::json::{self, JsonBuffer, MemberName, SeenNames, StrictValue};

/// `{"alg":...,"typ":...}`, plus `kid` when the key has one: the header this crate writes.
pub(crate) fn write_json(alg: &str, typ: &str, kid: Option<&str>) -> Result<JsonBuffer, Error> {
    let mut header = JsonBuffer::new();
    header.extend_from_slice(br#"{"alg":"#);
    json::write_string(&mut header, alg)?;
    header.extend_from_slice(br#","typ":"#);
    json::write_string(&mut header, typ)?;
    if let Some(kid) = kid {
        header.extend_from_slice(br#","kid":"#);
        json::write_string(&mut header, kid)?;
    }
    header.push(b'}');
    Ok(header)
}

/// The base64url header of tokens whose claims type declares no `typ`: computed once per
/// key, not per token.
pub(crate) fn encoded_default(alg: &str, kid: Option<&str>) -> Box<str> {
    // Writing `&str`s as JSON cannot fail; should it, the header is empty and every token
    // signed with it is refused when decoded.
    let json = write_json(alg, "JWT", kid);
    let json = json.as_ref().map_or(&[][..], JsonBuffer::as_bytes);
    base64url::encode(json).into_boxed_str()
}

/// The base64url of `{"alg":"<alg>","typ":"JWT"}`, the header this crate (and most issuers)
/// write. Strict base64url has one encoding per byte string, so a header segment equal to it
/// is exactly that JSON: it passes the header check as parsing it would, without decoding or
/// parsing. Empty for algorithms without a precomputed form.
pub(crate) fn canonical(alg: &str) -> &'static str {
    match alg {
        "HS256" => "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "HS384" => "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9",
        "HS512" => "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9",
        "EdDSA" => "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9",
        "ES256" => "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9",
        "ES384" => "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCJ9",
        "RS256" => "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9",
        "RS384" => "eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9",
        "RS512" => "eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCJ9",
        "PS256" => "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9",
        "PS384" => "eyJhbGciOiJQUzM4NCIsInR5cCI6IkpXVCJ9",
        "PS512" => "eyJhbGciOiJQUzUxMiIsInR5cCI6IkpXVCJ9",
        _ => "",
    }
}

/// What the header of a token must satisfy for one claims type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeaderRules {
    /// The `alg` the claims type pins.
    pub alg: &'static str,
    /// The `typ` the claims type declares, if any.
    pub typ: Option<&'static str>,
}

impl HeaderRules {
    /// Is `segment` the canonical header, which passes these rules without parsing?
    pub(crate) fn accepts_canonical(&self, segment: &str) -> bool {
        let canonical = canonical(self.alg);
        self.typ.is_none() && !canonical.is_empty() && segment == canonical
    }

    /// `alg` pinned, no `crit`, `typ` as declared.
    pub(crate) fn check(&self, header: &RawHeader<'_>) -> Result<(), Error> {
        match &header.alg {
            Some(Ok(alg)) if alg == self.alg => {}
            Some(Ok(alg)) => {
                return Err(Error::Algorithm {
                    expected: self.alg,
                    found: Some(excerpt(alg)),
                });
            }
            _ => {
                return Err(Error::Algorithm {
                    expected: self.alg,
                    found: None,
                });
            }
        }
        if header.crit {
            return Err(Error::Crit);
        }
        let typ = match &header.typ {
            None => None,
            Some(Ok(typ)) => Some(&**typ),
            Some(Err(())) => {
                return Err(Error::TokenType {
                    expected: self.typ.unwrap_or("JWT"),
                    found: None,
                });
            }
        };
        if !typ_accepted(typ, self.typ) {
            return Err(Error::TokenType {
                expected: self.typ.unwrap_or("JWT"),
                found: typ.map(excerpt),
            });
        }
        Ok(())
    }
}

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
        let result = json::deserialize_object(
            json,
            HeaderVisitor {
                recorded: &mut recorded,
            },
        );
        result.map_err(|error| json::classify(recorded, None, &error, Segment::Header))
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
        self.fail(json::duplicate(Segment::Header, name))
    }
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = RawHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = RawHeader::default();
        let mut others = SeenNames::default();
        while let Some(MemberName(key)) = map.next_key()? {
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
                    *slot = Some(map.next_value_seed(StringOrOther(&mut *self.recorded))?);
                }
                "kid" => {
                    if header.kid.is_some() {
                        return Err(self.duplicate(&key));
                    }
                    match map.next_value_seed(StringOrOther(&mut *self.recorded))? {
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
                    map.next_value_seed(StrictValue {
                        segment: Segment::Header,
                        recorded: &mut *self.recorded,
                    })?;
                }
                _ => {
                    if let Err(error) = others.insert(key, Segment::Header) {
                        return Err(self.fail(error));
                    }
                    map.next_value_seed(StrictValue {
                        segment: Segment::Header,
                        recorded: &mut *self.recorded,
                    })?;
                }
            }
        }
        Ok(header)
    }
}

/// Reads any JSON value: a string as `Ok`, anything else (walked strictly, a duplicate
/// recorded in the given slot) as `Err(())`.
struct StringOrOther<'r>(&'r mut Option<Error>);

impl<'de> DeserializeSeed<'de> for StringOrOther<'_> {
    type Value = Result<Cow<'de, str>, ()>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringOrOther<'_> {
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

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.strict().visit_seq(seq)?;
        Ok(Err(()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.strict().visit_map(map)?;
        Ok(Err(()))
    }
}

impl<'r> StringOrOther<'r> {
    fn strict(self) -> StrictValue<'r> {
        StrictValue {
            segment: Segment::Header,
            recorded: self.0,
        }
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

/// Does the header `typ` pass? With a declared type it must be exactly that one; without
/// one it may be absent or `JWT`. Compared ASCII case-insensitively, with or without the
/// `application/` prefix (RFC 7515 §4.1.9). No other `+jwt` type passes a type that did not
/// declare it: tokens of distinct kinds (`at+jwt`, `refresh+jwt`) never cross (RFC 8725
/// §3.11).
pub(crate) fn typ_accepted(typ: Option<&str>, declared: Option<&str>) -> bool {
    match (typ, declared) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(typ), declared) => strip_application(typ)
            .eq_ignore_ascii_case(strip_application(declared.unwrap_or("JWT"))),
    }
}

/// `value` without a leading `application/` (any case). Compared in place: no lowercased
/// copies (this runs for every token).
fn strip_application(value: &str) -> &str {
    const PREFIX: &str = "application/";
    match value.get(..PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => &value[PREFIX.len()..],
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(alg: &'static str) -> HeaderRules {
        HeaderRules { alg, typ: None }
    }

    #[test]
    fn canonical_headers_are_what_they_claim() {
        for alg in [
            "HS256", "HS384", "HS512", "EdDSA", "ES256", "ES384", "RS256", "RS384", "RS512",
            "PS256", "PS384", "PS512",
        ] {
            let json = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
            assert_eq!(canonical(alg), base64url::encode(json.as_bytes()));
            assert_eq!(&*encoded_default(alg, None), canonical(alg));
            // What the fast path assumes is what parsing finds.
            let header = RawHeader::parse(json.as_bytes()).unwrap();
            assert!(rules(alg).check(&header).is_ok());
            assert!(rules(alg).accepts_canonical(canonical(alg)));
            assert!(header.kid.is_none() && !header.crit);
        }
        assert!(
            !HeaderRules {
                alg: "HS256",
                typ: Some("at+jwt")
            }
            .accepts_canonical(canonical("HS256"))
        );
    }

    #[test]
    fn typ_rules() {
        assert!(typ_accepted(None, None));
        assert!(typ_accepted(Some("JWT"), None));
        assert!(typ_accepted(Some("jwt"), None));
        assert!(typ_accepted(Some("application/jwt"), None));
        assert!(typ_accepted(Some("Application/JWT"), None));
        // Another kind's media type is not a plain JWT (it was accepted before).
        assert!(!typ_accepted(Some("at+jwt"), None));
        assert!(!typ_accepted(Some("refresh+JWT"), None));
        assert!(!typ_accepted(Some("application/at+jwt"), None));
        assert!(!typ_accepted(Some("+jwt"), None));
        // Only `application/` is optional, not any prefix of its length.
        assert!(!typ_accepted(Some("xxxxxxxxxxx/jwt"), None));
        assert!(!typ_accepted(Some("applicationXjwt"), None));
        assert!(!typ_accepted(Some("application/"), None));
        assert!(!typ_accepted(Some("xxxxxxxxxxx/at+jwt"), Some("at+jwt")));
        assert!(!typ_accepted(Some("JWT"), Some("application/at+jwt")));
        assert!(typ_accepted(Some("at+jwt"), Some("application/at+jwt")));
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
