//! A prototype payload decoder specialised to one schema (the
//! typical claims), as `#[derive(Claims)]` could generate it, to measure how far below the
//! serde floor such a decoder goes. Not used by `jwt-runtime`.
//!
//! It is as strict as `serde_json` on what it reads: one object and nothing after it but
//! whitespace; strings without raw control characters, with exactly JSON's escapes, `\u`
//! surrogates paired, valid UTF-8; numbers in JSON's grammar, finite as f64; duplicate
//! members rejected after unescaping (known members by a bit set, unknown ones by a set,
//! and inside nested objects too, as `jwt-runtime` does); unknown values skipped but
//! validated, nested as deep as serde_json allows. `tests` checks it against
//! `serde_json` on many mutated payloads.

use std::borrow::Cow;
use std::collections::HashSet;

/// Why a payload was refused (the prototype keeps one kind: the benchmark only needs "no").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

type R<T> = Result<T, Invalid>;

/// serde_json's limit: 127 nested arrays and objects, the top-level object included.
const MAX_DEPTH: usize = 127;

pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> R<()> {
        self.ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// After `{` or a member: `Some(name)` for the next member (its `:` consumed), `None` at `}`.
    pub fn next_key(&mut self, first: bool) -> R<Option<Cow<'a, str>>> {
        self.ws();
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b',') if !first => self.pos += 1,
            _ if first => {}
            _ => return Err(Invalid),
        }
        self.ws();
        let key = self.string()?;
        self.eat(b':')?;
        Ok(Some(key))
    }

    pub fn begin_object(&mut self) -> R<()> {
        self.eat(b'{')
    }

    pub fn end(&mut self) -> R<()> {
        self.ws();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// A JSON string, borrowed when it has no escapes.
    pub fn string(&mut self) -> R<Cow<'a, str>> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(Invalid);
        }
        self.pos += 1;
        let start = self.pos;
        // Fast scan (SIMD) to the closing quote or the first escape; no control bytes before.
        let at = memchr::memchr2(b'"', b'\\', &self.bytes[start..]).ok_or(Invalid)?;
        if self.bytes[start..start + at]
            .iter()
            .any(|&byte| byte < 0x20)
        {
            return Err(Invalid);
        }
        self.pos = start + at;
        if self.bytes[self.pos] == b'"' {
            let text = std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|_| Invalid)?;
            self.pos += 1;
            return Ok(Cow::Borrowed(text));
        }
        let mut out = Vec::with_capacity(self.pos - start + 16);
        out.extend_from_slice(&self.bytes[start..self.pos]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out).map(Cow::Owned).map_err(|_| Invalid);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = self.peek().ok_or(Invalid)?;
                    self.pos += 1;
                    let simple = match escaped {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let c = self.unicode_escape()?;
                            let mut utf8 = [0; 4];
                            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                            continue;
                        }
                        _ => return Err(Invalid),
                    };
                    out.push(simple);
                }
                Some(0..=0x1f) | None => return Err(Invalid),
                Some(byte) => {
                    out.push(byte);
                    self.pos += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> R<u16> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or(Invalid)?;
        let mut value = 0_u16;
        for &digit in digits {
            let nibble = (digit as char).to_digit(16).ok_or(Invalid)?;
            value = value * 16 + nibble as u16;
        }
        self.pos += 4;
        Ok(value)
    }

    /// After `\u`: one code point; a high surrogate must be followed by `\u` and a low one.
    fn unicode_escape(&mut self) -> R<char> {
        let first = self.hex4()?;
        match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(Invalid);
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(Invalid);
                }
                let code =
                    0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                char::from_u32(code).ok_or(Invalid)
            }
            0xDC00..=0xDFFF => Err(Invalid),
            _ => char::from_u32(u32::from(first)).ok_or(Invalid),
        }
    }

    /// A JSON number, as a finite f64.
    pub fn number(&mut self) -> R<f64> {
        self.ws();
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Invalid),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Invalid);
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Invalid);
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|_| Invalid)?;
        // Short integers: exact, no float parsing.
        if integer && text.len() <= 18 {
            return text
                .parse::<i64>()
                .map(|value| value as f64)
                .map_err(|_| Invalid);
        }
        let value: f64 = text.parse().map_err(|_| Invalid)?;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(Invalid)
        }
    }

    #[inline]
    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    pub fn boolean(&mut self) -> R<bool> {
        self.ws();
        let rest = &self.bytes[self.pos..];
        if rest.starts_with(b"true") {
            self.pos += 4;
            Ok(true)
        } else if rest.starts_with(b"false") {
            self.pos += 5;
            Ok(false)
        } else {
            Err(Invalid)
        }
    }

    /// Skips any JSON value, validating it, at most `MAX_DEPTH` arrays/objects deep.
    pub fn skip(&mut self, depth: usize) -> R<()> {
        self.ws();
        match self.peek().ok_or(Invalid)? {
            b'"' => self.string().map(drop),
            b't' | b'f' => self.boolean().map(drop),
            b'n' => {
                if self.bytes[self.pos..].starts_with(b"null") {
                    self.pos += 4;
                    Ok(())
                } else {
                    Err(Invalid)
                }
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(Invalid);
                }
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                loop {
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(Invalid),
                    }
                }
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(Invalid);
                }
                self.pos += 1;
                let mut first = true;
                let mut names = HashSet::new();
                while let Some(name) = self.next_key(first)? {
                    first = false;
                    if !names.insert(name) {
                        return Err(Invalid);
                    }
                    self.skip(depth + 1)?;
                }
                Ok(())
            }
            _ => self.number().map(drop),
        }
    }

    /// A JSON array of strings.
    pub fn strings(&mut self) -> R<Vec<String>> {
        self.eat(b'[')?;
        let mut out = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            out.push(self.string()?.into_owned());
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => return Err(Invalid),
            }
        }
    }
}

/// The typical claims, decoded as the derive could generate it for this schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Typical {
    pub sub: String,
    pub name: String,
    pub admin: bool,
    pub iss: String,
    pub aud: String,
    pub iat: f64,
    pub exp: f64,
    pub nbf: f64,
    pub jti: String,
    /// Present only in the large schema.
    pub roles: Option<Vec<String>>,
}

/// Decodes the typical schema (`with_roles`: the large one) from one JSON object.
pub fn decode(json: &[u8], with_roles: bool) -> R<Typical> {
    let mut reader = Reader::new(json);
    reader.begin_object()?;
    let (mut sub, mut name, mut admin, mut iss, mut aud) = (None, None, None, None, None);
    let (mut iat, mut exp, mut nbf, mut jti, mut roles) = (None, None, None, None, None);
    let mut seen = 0_u16;
    let mut unknown: Option<HashSet<Cow<'_, str>>> = None;
    let mut first = true;
    while let Some(key) = reader.next_key(first)? {
        first = false;
        let bit = match &*key {
            "sub" => 0,
            "name" => 1,
            "admin" => 2,
            "iss" => 3,
            "aud" => 4,
            "iat" => 5,
            "exp" => 6,
            "nbf" => 7,
            "jti" => 8,
            "roles" if with_roles => 9,
            _ => {
                if !unknown.get_or_insert_with(HashSet::new).insert(key) {
                    return Err(Invalid);
                }
                reader.skip(1)?;
                continue;
            }
        };
        if seen & (1 << bit) != 0 {
            return Err(Invalid);
        }
        seen |= 1 << bit;
        match bit {
            0 => sub = Some(reader.string()?.into_owned()),
            1 => name = Some(reader.string()?.into_owned()),
            2 => admin = Some(reader.boolean()?),
            3 => iss = Some(reader.string()?.into_owned()),
            4 => aud = Some(reader.string()?.into_owned()),
            5 => iat = Some(reader.number()?),
            6 => exp = Some(reader.number()?),
            7 => nbf = Some(reader.number()?),
            8 => jti = Some(reader.string()?.into_owned()),
            _ => roles = Some(reader.strings()?),
        }
    }
    reader.end()?;
    if with_roles && roles.is_none() {
        return Err(Invalid);
    }
    Ok(Typical {
        sub: sub.ok_or(Invalid)?,
        name: name.ok_or(Invalid)?,
        admin: admin.ok_or(Invalid)?,
        iss: iss.ok_or(Invalid)?,
        aud: aud.ok_or(Invalid)?,
        iat: iat.ok_or(Invalid)?,
        exp: exp.ok_or(Invalid)?,
        nbf: nbf.ok_or(Invalid)?,
        jti: jti.ok_or(Invalid)?,
        roles,
    })
}

/// The prototype as a contender: `jwt-runtime`'s pipeline (memchr split, canonical header
/// compared, else parsed; precomputed HMAC; payload on the stack) with the specialised
/// payload decoder in place of serde. Encoding is the floor's.
pub struct Prototype {
    hs256: crate::floor::Floor<crate::floor::S256>,
    hs512: crate::floor::Floor<crate::floor::S512>,
}

impl Prototype {
    pub fn new() -> Self {
        Prototype {
            hs256: crate::floor::Floor::new(crate::SECRET_256),
            hs512: crate::floor::Floor::new(crate::SECRET_512),
        }
    }
}

impl Default for Prototype {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::Contender for Prototype {
    fn name(&self) -> &'static str {
        "prototype"
    }
    fn encoder<'a>(&'a self, claims: &crate::Typical) -> Box<dyn Fn() -> String + 'a> {
        let claims = claims.clone();
        Box::new(move || self.hs256.encode(&claims))
    }
    fn decode_hs256(&self, token: &str) -> Result<(), String> {
        crate::consume(
            self.hs256
                .decode_with(token, crate::now(), |json| decode(json, false))?,
        )
    }
    fn decode_hs512(&self, token: &str) -> Result<(), String> {
        crate::consume(
            self.hs512
                .decode_with(token, crate::now(), |json| decode(json, false))?,
        )
    }
    fn decode_large(&self, token: &str) -> Result<(), String> {
        crate::consume(
            self.hs256
                .decode_with(token, crate::now(), |json| decode(json, true))?,
        )
    }
}

impl crate::floor::Registered for Typical {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn times(&self) -> (u64, u64, u64) {
        (self.exp as u64, self.nbf as u64, self.iat as u64)
    }
    fn iss(&self) -> &str {
        &self.iss
    }
    fn aud(&self) -> &str {
        &self.aud
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde reference: a strict derive with the same duplicate rule.
    fn reference(json: &[u8], with_roles: bool) -> Option<Typical> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Known {
            sub: String,
            name: String,
            admin: bool,
            iss: String,
            aud: String,
            iat: f64,
            exp: f64,
            nbf: f64,
            jti: String,
            roles: Option<Vec<String>>,
        }
        // Unknown members: any valid JSON, no duplicates among them (serde_json's Map keeps
        // the last of two, so look for them through a visitor-free route: parse as a list of
        // (key, value) with serde_json's raw order-preserving map is not available; use the
        // duplicate rule on keys collected by a custom visitor).
        let value: serde_json::Value = serde_json::from_slice(json).ok()?;
        let object = value.as_object()?;
        if has_duplicate_keys(json)? {
            return None;
        }
        let mut known = serde_json::Map::new();
        for (key, value) in object {
            let is_known = matches!(
                key.as_str(),
                "sub" | "name" | "admin" | "iss" | "aud" | "iat" | "exp" | "nbf" | "jti"
            ) || (with_roles && key == "roles");
            if is_known {
                known.insert(key.clone(), value.clone());
            }
        }
        if with_roles && !known.contains_key("roles") {
            return None;
        }
        let known: Known = serde_json::from_value(serde_json::Value::Object(known)).ok()?;
        Some(Typical {
            sub: known.sub,
            name: known.name,
            admin: known.admin,
            iss: known.iss,
            aud: known.aud,
            iat: known.iat,
            exp: known.exp,
            nbf: known.nbf,
            jti: known.jti,
            roles: known.roles.filter(|_| with_roles),
        })
    }

    /// Duplicate member names (after unescaping) in any object, or `None` if not JSON.
    fn has_duplicate_keys(json: &[u8]) -> Option<bool> {
        use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
        /// Counts duplicates while walking; serde_json's Value would keep the last one.
        struct Dups<'d>(&'d mut bool);
        impl<'de> DeserializeSeed<'de> for Dups<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for Dups<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<(), E> {
                Ok(())
            }
            fn visit_i64<E>(self, _: i64) -> Result<(), E> {
                Ok(())
            }
            fn visit_u64<E>(self, _: u64) -> Result<(), E> {
                Ok(())
            }
            fn visit_f64<E>(self, _: f64) -> Result<(), E> {
                Ok(())
            }
            fn visit_str<E>(self, _: &str) -> Result<(), E> {
                Ok(())
            }
            fn visit_unit<E>(self) -> Result<(), E> {
                Ok(())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                while seq.next_element_seed(Dups(&mut *self.0))?.is_some() {}
                Ok(())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                let mut seen = HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    *self.0 |= !seen.insert(key);
                    map.next_value_seed(Dups(&mut *self.0))?;
                }
                Ok(())
            }
        }
        let mut duplicate = false;
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        Dups(&mut duplicate).deserialize(&mut deserializer).ok()?;
        deserializer.end().ok()?;
        Some(duplicate)
    }

    const BASE: &str = r#"{"sub":"user-12345678","name":"Ada Lovelace","admin":true,"iss":"https://auth.example.com","aud":"api","iat":1700000000,"exp":1700003600,"nbf":1700000000,"jti":"0b4bd4a6-5f7c-4c45-9a8e-0d3e1b5f2a77"}"#;

    #[test]
    fn agrees_with_serde_on_hand_picked_cases() {
        let cases = [
            BASE.to_owned(),
            BASE.replace(r#""sub""#, r#""\u0073ub""#),
            BASE.replace(
                r#""name":"Ada Lovelace""#,
                r#""name":"Ada \ud83d\ude00 \u00e9\n\"x\"""#,
            ),
            BASE.replace(r#""name":"Ada Lovelace""#, r#""name":"\ud83d""#),
            BASE.replace(r#""name":"Ada Lovelace""#, r#""name":"\ude00""#),
            BASE.replace(r#""name":"Ada Lovelace""#, r#""name":"\x""#),
            BASE.replace(r#""name":"Ada Lovelace""#, "\"name\":\"a\tb\""),
            BASE.replace("1700003600", "1.7000036e9"),
            BASE.replace("1700003600", "1e400"),
            BASE.replace("1700003600", "-0"),
            BASE.replace("1700003600", "01"),
            BASE.replace("1700003600", "1."),
            BASE.replace("1700003600", ".5"),
            BASE.replace("1700003600", "18446744073709551616"),
            BASE.replace("1700003600", "123456789012345678901234567890"),
            BASE.replace("1700003600", "\"1700003600\""),
            BASE.replace(r#","jti""#, r#","sub":"x","jti""#),
            BASE.replace(r#","jti""#, r#","\u0065xp":1,"jti""#),
            BASE.replace(r#","jti""#, r#","x":{"a":[1,2,{"b":null}]},"jti""#),
            BASE.replace(r#","jti""#, r#","x":1,"x":2,"jti""#),
            BASE.replace(r#","jti""#, r#","x":1,"\u0078":2,"jti""#),
            BASE.replace(r#","jti""#, r#","x":tru,"jti""#),
            BASE.replace(r#","jti""#, r#","x":[1,],"jti""#),
            BASE.replace(r#","jti""#, r#","x":{"a":1,},"jti""#),
            BASE.replace(
                r#","jti""#,
                &format!(r#","x":{}1{},"jti""#, "[".repeat(127), "]".repeat(127)),
            ),
            BASE.replace(
                r#","jti""#,
                &format!(r#","x":{}1{},"jti""#, "[".repeat(128), "]".repeat(128)),
            ),
            format!(" {BASE} \n"),
            format!("{BASE}x"),
            format!("{BASE}{{}}"),
            BASE.replacen('{', "[", 1),
            BASE.replace(r#""admin":true,"#, ""),
            BASE.replace("true", "1"),
            BASE.replace(",", " , "),
            BASE.replace(":", " : "),
            BASE.replace(",", ",,"),
        ];
        for case in &cases {
            let ours = decode(case.as_bytes(), false).ok();
            assert_eq!(ours, reference(case.as_bytes(), false), "{case}");
        }
    }

    #[test]
    fn agrees_with_serde_on_mutated_payloads() {
        // Every single-byte replacement, deletion and insertion of interesting bytes.
        let interesting = b"\"\\{}[],:0123456789.eE+-tfnu \x01\xc3\xa9\xff";
        let base = BASE.as_bytes();
        let mut checked = 0;
        for at in 0..=base.len() {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            if at < base.len() {
                let mut deleted = base.to_vec();
                deleted.remove(at);
                variants.push(deleted);
            }
            for &byte in interesting {
                if at < base.len() {
                    let mut replaced = base.to_vec();
                    replaced[at] = byte;
                    variants.push(replaced);
                }
                let mut inserted = base.to_vec();
                inserted.insert(at, byte);
                variants.push(inserted);
            }
            for variant in variants {
                let ours = decode(&variant, false).ok();
                assert_eq!(
                    ours,
                    reference(&variant, false),
                    "{}",
                    String::from_utf8_lossy(&variant)
                );
                checked += 1;
            }
        }
        assert!(checked > 10_000);
    }

    #[test]
    fn large_schema_reads_roles() {
        let json = BASE.replace(r#""jti""#, r#""roles":["a","\u0062"],"jti""#);
        let decoded = decode(json.as_bytes(), true).unwrap();
        assert_eq!(decoded.roles, Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(Some(decoded), reference(json.as_bytes(), true));
    }
}
