//! Differential test of the payload checker: on every single-byte mutation of a set of nested
//! payloads, the library (decoding a correctly signed token) and an independent reference
//! agree on whether the payload is acceptable, and on the class of fault when it is not.
//!
//! The reference is a small strict JSON validator written here, byte by byte, sharing no code
//! with serde_json: a reference built on `serde_json::Value` would inherit the very parser
//! whose lax paths (serde's `IgnoredAny` skips numbers, UTF-8, surrogates and depth
//! unchecked) are under test, so a fault both skip would pass unnoticed. It uses only the
//! standard library: `str::from_utf8` for UTF-8, `str::parse::<f64>` for number range.
//!
//! The project's rules, as the reference states them: RFC 8259 grammar; one object and
//! nothing after it but whitespace; strings valid UTF-8 with escapes that pair surrogates;
//! numbers within `f64`; at most 127 nested containers, the top-level object included
//! (serde_json's limit); no two members of one object with the same name after unescaping,
//! at any depth.

use std::collections::{HashMap, HashSet};

use jwt_runtime::{
    Claims, Error, FixedClock, HmacKey, Hs256, Malformed, NumericDate, Validation, base64url,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MAX_DEPTH: usize = 127;

/// What is wrong with a payload, as the reference classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    Syntax,
    NumberOutOfRange,
    TooDeep,
    InvalidUnicode,
    Duplicate,
    /// Valid JSON, but a member the claims type reads has a type it cannot hold.
    ClaimType,
}

struct Reference<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reference<'_> {
    fn check(bytes: &[u8]) -> Result<(), Fault> {
        let mut reader = Reference { bytes, at: 0 };
        reader.whitespace();
        if reader.peek() != Some(b'{') {
            return Err(Fault::Syntax);
        }
        let top = reader.object(1)?;
        reader.whitespace();
        if reader.at != bytes.len() {
            return Err(Fault::Syntax);
        }
        // The claims type below: `dict` must be an object, `list` an array (or null).
        for (name, kind) in top {
            match (name.as_str(), kind) {
                ("dict", Kind::Object | Kind::Null) | ("list", Kind::Array | Kind::Null) => {}
                ("dict" | "list", _) => return Err(Fault::ClaimType),
                _ => {}
            }
        }
        Ok(())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Result<u8, Fault> {
        let byte = self.peek().ok_or(Fault::Syntax)?;
        self.at += 1;
        Ok(byte)
    }

    fn expect(&mut self, byte: u8) -> Result<(), Fault> {
        if self.next()? == byte {
            Ok(())
        } else {
            Err(Fault::Syntax)
        }
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Kind, Fault> {
        self.whitespace();
        match self.peek().ok_or(Fault::Syntax)? {
            b'{' => self.object(depth + 1).map(|_| Kind::Object),
            b'[' => self.array(depth + 1).map(|()| Kind::Array),
            b'"' => self.string().map(|_| Kind::String),
            b't' => self.literal(b"true").map(|()| Kind::Bool),
            b'f' => self.literal(b"false").map(|()| Kind::Bool),
            b'n' => self.literal(b"null").map(|()| Kind::Null),
            b'-' | b'0'..=b'9' => self.number().map(|()| Kind::Number),
            _ => Err(Fault::Syntax),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Fault> {
        for &byte in word {
            self.expect(byte)?;
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<Vec<(String, Kind)>, Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::TooDeep);
        }
        self.expect(b'{')?;
        let mut members = Vec::new();
        let mut names = HashSet::new();
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(members);
        }
        loop {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return Err(Fault::Syntax);
            }
            let name = self.string()?;
            // A name is a duplicate as soon as it is read, before its value.
            if !names.insert(name.clone()) {
                return Err(Fault::Duplicate);
            }
            self.whitespace();
            self.expect(b':')?;
            let kind = self.value(depth)?;
            members.push((name, kind));
            self.whitespace();
            match self.next()? {
                b',' => {}
                b'}' => return Ok(members),
                _ => return Err(Fault::Syntax),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::TooDeep);
        }
        self.expect(b'[')?;
        self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.whitespace();
            match self.next()? {
                b',' => {}
                b']' => return Ok(()),
                _ => return Err(Fault::Syntax),
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, Fault> {
        let mut value = 0_u16;
        for _ in 0..4 {
            let digit = (self.next()? as char).to_digit(16).ok_or(Fault::Syntax)?;
            value = value * 16 + digit as u16;
        }
        Ok(value)
    }

    /// A string, unescaped.
    fn string(&mut self) -> Result<String, Fault> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => break,
                b'\\' => match self.next()? {
                    b'"' => out.push(b'"'),
                    b'\\' => out.push(b'\\'),
                    b'/' => out.push(b'/'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'u' => {
                        let unit = self.hex4()?;
                        let code = match unit {
                            0xD800..=0xDBFF => {
                                if self.peek() != Some(b'\\') {
                                    return Err(Fault::InvalidUnicode);
                                }
                                self.at += 1;
                                if self.peek() != Some(b'u') {
                                    return Err(Fault::InvalidUnicode);
                                }
                                self.at += 1;
                                let low = self.hex4()?;
                                if !(0xDC00..=0xDFFF).contains(&low) {
                                    return Err(Fault::InvalidUnicode);
                                }
                                0x10000
                                    + ((u32::from(unit) - 0xD800) << 10)
                                    + (u32::from(low) - 0xDC00)
                            }
                            0xDC00..=0xDFFF => return Err(Fault::InvalidUnicode),
                            unit => u32::from(unit),
                        };
                        let character = char::from_u32(code).ok_or(Fault::InvalidUnicode)?;
                        out.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    _ => return Err(Fault::Syntax),
                },
                byte if byte < 0x20 => return Err(Fault::Syntax),
                byte => out.push(byte),
            }
        }
        String::from_utf8(out).map_err(|_| Fault::InvalidUnicode)
    }

    fn number(&mut self) -> Result<(), Fault> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(Fault::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.digits_at_least_one()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digits_at_least_one()?;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| Fault::Syntax)?;
        let value: f64 = text.parse().map_err(|_| Fault::Syntax)?;
        if value.is_finite() {
            Ok(())
        } else {
            Err(Fault::NumberOutOfRange)
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn digits_at_least_one(&mut self) -> Result<(), Fault> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(Fault::Syntax);
        }
        self.digits();
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// Accepts any value and keeps nothing, as serde's `IgnoredAny` does.
#[derive(Debug)]
struct Anything;

impl<'de> Deserialize<'de> for Anything {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Anything)
    }
}

impl Serialize for Anything {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

/// Every way a member can be read: skipped by a user type, read by `serde_json::Value`, by a
/// map and a sequence of skipping types, or not read at all (any other name). No top-level
/// name here or in the payloads has three characters, so no single-byte change turns one
/// into a registered claim (`exp`, `aud`, ...), whose own rules are not under test.
#[derive(Claims, Debug)]
struct Wide {
    anything: Option<Anything>,
    value: Option<serde_json::Value>,
    dict: Option<HashMap<String, Anything>>,
    list: Option<Vec<Anything>>,
    text: Option<String>,
    number: Option<f64>,
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(&[0x5a; 64]).unwrap()
}

fn library(payload: &[u8]) -> Result<(), Fault> {
    let input = format!(
        "{}.{}",
        base64url::encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        base64url::encode(payload)
    );
    let token = format!(
        "{input}.{}",
        base64url::encode(&key().__mac(input.as_bytes()))
    );
    let validation = Validation::new().clock(FixedClock(NumericDate::from_secs(1_700_000_000)));
    match validation.decode::<Wide, _>(&token, &key()) {
        Ok(_) => Ok(()),
        Err(Error::Malformed { reason, .. }) => Err(match reason {
            Malformed::NumberOutOfRange => Fault::NumberOutOfRange,
            Malformed::TooDeep => Fault::TooDeep,
            Malformed::InvalidUnicode => Fault::InvalidUnicode,
            _ => Fault::Syntax,
        }),
        Err(Error::DuplicateMember { .. }) => Err(Fault::Duplicate),
        Err(Error::ClaimType { .. }) => Err(Fault::ClaimType),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Do the two verdicts agree? A fault both see must be of the same class, except that a
/// number beyond `f64` in a member a field reads as a number is that claim's type error, and
/// that a type error and a syntax fault may hide each other (the claims type reads in order).
fn agree(library: Result<(), Fault>, reference: Result<(), Fault>) -> bool {
    match (library, reference) {
        (Ok(()), Ok(())) => true,
        (Err(found), Err(expected)) => {
            found == expected
                || (found == Fault::ClaimType && expected == Fault::NumberOutOfRange)
                || (found == Fault::ClaimType && expected == Fault::Syntax)
        }
        _ => false,
    }
}

fn payloads() -> Vec<Vec<u8>> {
    let deep = format!(
        r#"{{"deep":{}1{}}}"#,
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    vec![
        br#"{"anything":{"ab":1,"ac":[1e308,-2.5e-7,{"ab":"x","ac":null}]},"text":"ok"}"#.to_vec(),
        r#"{"value":{"na":"é😀","nb":"\u00e9\ud83d\ude00","nc":[true,false,null]},"number":17}"#
            .as_bytes()
            .to_vec(),
        br#"{"dict":{"k1":{"a":1},"k2":[0]},"list":[{"b":2},{"b":3},"\u0041"]}"#.to_vec(),
        r#"{"other":{"x":{"y":{"z":[1,2e300,"\\\"é"]}},"x2":0},"ab":{"a\u0062":1,"ac":2}}"#
            .as_bytes()
            .to_vec(),
        deep.into_bytes(),
    ]
}

/// Every ASCII byte, and the bytes that start or continue UTF-8 sequences at their
/// boundaries (continuation, overlong leads, the surrogate lead, the last valid lead, bytes
/// never valid): the other non-ASCII bytes behave as one of these.
fn mutations() -> impl Iterator<Item = u8> {
    (0..0x80).chain([
        0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
    ])
}

#[test]
fn strict_differential_single_byte_mutations_agree_with_reference() {
    let mut checked = 0;
    let mut refused = HashMap::new();
    for base in payloads() {
        assert_eq!(
            Reference::check(&base),
            Ok(()),
            "{}",
            String::from_utf8_lossy(&base)
        );
        assert_eq!(library(&base), Ok(()), "{}", String::from_utf8_lossy(&base));
        for at in 0..base.len() {
            for byte in mutations() {
                if byte == base[at] {
                    continue;
                }
                let mut mutated = base.clone();
                mutated[at] = byte;
                let expected = Reference::check(&mutated);
                let found = library(&mutated);
                assert!(
                    agree(found, expected),
                    "byte {at} set to {byte:#04x}: library {found:?}, reference {expected:?}: {}",
                    String::from_utf8_lossy(&mutated)
                );
                if let Err(fault) = expected {
                    *refused.entry(fault).or_insert(0) += 1;
                }
                checked += 1;
            }
        }
    }
    // The mutations reach every class of fault, or the comparison proves little.
    for fault in [
        Fault::Syntax,
        Fault::NumberOutOfRange,
        Fault::TooDeep,
        Fault::InvalidUnicode,
        Fault::Duplicate,
    ] {
        assert!(
            refused.get(&fault).copied().unwrap_or(0) > 0,
            "no {fault:?} among {refused:?}"
        );
    }
    assert!(checked > 50_000, "{checked}");
}

#[test]
fn strict_differential_depth_boundary() {
    for (depth, expected) in [(MAX_DEPTH, Ok(())), (MAX_DEPTH + 1, Err(Fault::TooDeep))] {
        // `depth` containers in all, the top-level object included.
        for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
            let payload = format!(
                r#"{{"anything":{}0{}}}"#,
                open.repeat(depth - 1),
                close.repeat(depth - 1)
            );
            assert_eq!(
                Reference::check(payload.as_bytes()),
                expected,
                "{depth} {open}"
            );
            assert_eq!(library(payload.as_bytes()), expected, "{depth} {open}");
        }
    }
}
