//! A strict JSON scanner for payloads: what the generated decoder reads members with.
//!
//! It accepts a subset of what serde_json accepts and nothing more: on anything it is not
//! sure of (every fault, and a number whose magnitude is within rounding of f64's limit) it
//! gives up with [`Bail`], and the payload is decoded again by the serde path, which is the
//! reference for every error. So a scanner decode that succeeds is one the serde path also
//! accepts, with the same value; an input it refuses gets exactly the reference error.
//!
//! Strictness matches serde_json's with the runtime's checks: one object and only
//! whitespace after it; strings without raw control characters, with JSON's escapes only,
//! `\u` surrogates paired, valid UTF-8; numbers in JSON's grammar and finite as f64;
//! 127 levels of nesting, the top-level object included; duplicate member names refused in
//! nested objects after unescaping.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::SeenNames;
use crate::error::Segment;

/// serde_json's nesting limit: 127 arrays and objects, the top-level object included.
const MAX_DEPTH: usize = 127;

/// The scanner gave up: the serde path decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to the serde path")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Bail
    }
}

type R<T> = Result<T, Bail>;

/// A JSON number as serde_json hands it to a visitor.
#[derive(Clone, Copy)]
pub(crate) enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Number {
    pub(crate) fn into_json(self) -> serde_json::Number {
        match self {
            Number::U64(value) => value.into(),
            Number::I64(value) => value.into(),
            // Finite: `Scanner::number` bails on the others.
            Number::F64(value) => serde_json::Number::from_f64(value).unwrap_or(0.into()),
        }
    }
}

/// A cursor over one payload.
pub(crate) struct Scanner<'de> {
    json: &'de [u8],
    /// The same bytes, whose UTF-8 is checked once for all strings.
    text: &'de str,
    pos: usize,
    depth: usize,
}

impl<'de> Scanner<'de> {
    /// A payload that is not UTF-8 as a whole is left to the serde path (JSON allows other
    /// bytes nowhere, and serde_json refuses them in strings).
    pub(crate) fn new(json: &'de [u8]) -> R<Self> {
        Ok(Scanner {
            json,
            text: core::str::from_utf8(json).map_err(|_| Bail)?,
            pos: 0,
            depth: 0,
        })
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.json.get(self.pos).copied()
    }

    /// Skips whitespace and returns the next byte.
    #[inline]
    pub(crate) fn peek_value(&mut self) -> Option<u8> {
        while let Some(byte) = self.peek() {
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> R<()> {
        if self.peek_value() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Bail)
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        self.pos += 1;
        if self.depth > MAX_DEPTH {
            return Err(Bail);
        }
        Ok(())
    }

    /// The top-level `{`.
    pub(crate) fn begin_object(&mut self) -> R<()> {
        if self.peek_value() != Some(b'{') {
            return Err(Bail);
        }
        self.enter()
    }

    /// Whitespace, then the end of the input.
    pub(crate) fn end(&mut self) -> R<()> {
        if self.peek_value().is_none() {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// The next member's name (its `:` consumed), or `None` at the object's `}` (consumed).
    /// `first`: right after the `{`.
    pub(crate) fn next_name(&mut self, first: bool) -> R<Option<Cow<'de, str>>> {
        match self.peek_value() {
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(None);
            }
            Some(b',') if !first => {
                self.pos += 1;
                self.peek_value();
            }
            Some(b'"') if first => {}
            _ => return Err(Bail),
        }
        let name = self.string()?;
        self.eat(b':')?;
        Ok(Some(name))
    }

    /// Whether the next member's name, right after the `{` (`first`) or a `,` with no
    /// whitespace around it, is written exactly as `key` (`"name":`, a complete JSON
    /// string and its colon); if so the cursor moves past the colon. Bytes equal to a
    /// valid string literal decode to its one value, so this is the name; anything else
    /// (whitespace, another spelling of the same name) is left to [`Scanner::next_name`].
    #[inline]
    pub(crate) fn next_name_is(&mut self, first: bool, key: &[u8]) -> bool {
        let at = if first {
            self.pos
        } else if self.json.get(self.pos) == Some(&b',') {
            self.pos + 1
        } else {
            return false;
        };
        let Some(end) = at.checked_add(key.len()) else {
            return false;
        };
        if key.len() < 3 || self.json.get(at..end) != Some(key) {
            return false;
        }
        self.pos = end;
        true
    }

    /// A JSON string, borrowed when it has no escapes.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> R<Cow<'de, str>> {
        if self.peek_value() != Some(b'"') {
            return Err(Bail);
        }
        let start = self.pos + 1;
        let json: &'de [u8] = self.json;
        let rest = &json[start..];
        let at = plain_len(rest);
        let plain = &rest[..at];
        self.pos = start + at;
        let stop = json.get(self.pos).copied().ok_or(Bail)?;
        if stop == b'"' {
            // Between two ASCII quotes of UTF-8 text: always char boundaries.
            let text: &'de str = self.text;
            let text = text.get(start..self.pos).ok_or(Bail)?;
            self.pos += 1;
            return Ok(Cow::Borrowed(text));
        }
        if stop != b'\\' {
            // A raw control character.
            return Err(Bail);
        }
        self.escaped_string(plain).map(Cow::Owned)
    }

    #[cold]
    fn escaped_string(&mut self, plain: &[u8]) -> R<String> {
        let mut out = Vec::with_capacity(plain.len() + 16);
        out.extend_from_slice(plain);
        loop {
            let byte = self.peek().ok_or(Bail)?;
            self.pos += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| Bail),
                b'\\' => {
                    let escaped = self.peek().ok_or(Bail)?;
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
                            let code = self.unicode_escape()?;
                            let mut utf8 = [0; 4];
                            out.extend_from_slice(code.encode_utf8(&mut utf8).as_bytes());
                            continue;
                        }
                        _ => return Err(Bail),
                    };
                    out.push(simple);
                }
                0..=0x1f => return Err(Bail),
                byte => out.push(byte),
            }
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let digits = self.json.get(self.pos..self.pos + 4).ok_or(Bail)?;
        let mut value = 0;
        for &digit in digits {
            value = value * 16 + char::from(digit).to_digit(16).ok_or(Bail)?;
        }
        self.pos += 4;
        Ok(value)
    }

    /// After `\u`: one code point; a leading surrogate must be followed by a trailing one.
    fn unicode_escape(&mut self) -> R<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.json.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(Bail);
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(Bail);
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            _ => first,
        };
        // `None` for a lone trailing surrogate.
        char::from_u32(code).ok_or(Bail)
    }

    /// `true`, `false` or `null`, exactly.
    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.json.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A JSON number as serde_json reads it: an integer within `u64` (or a negative one within
    /// `i64`) as such, anything else as the exactly rounded `f64` of its text.
    #[inline]
    pub(crate) fn number(&mut self) -> R<Number> {
        self.number_within(1e308)
    }

    /// [`Scanner::number`], giving up on a float whose magnitude is beyond `limit`.
    #[inline(always)]
    fn number_within(&mut self, limit: f64) -> R<Number> {
        self.peek_value();
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        // The integer part's value, read with its digits (wrapping: past 19 digits it is
        // recomputed with overflow checks below).
        let mut magnitude = 0_u64;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(&digit @ b'0'..=b'9') = self.json.get(self.pos) {
                    magnitude = magnitude
                        .wrapping_mul(10)
                        .wrapping_add(u64::from(digit - b'0'));
                    self.pos += 1;
                }
            }
            _ => return Err(Bail),
        }
        let int_end = self.pos;
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(Bail);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(Bail);
            }
        }
        if integer {
            // Nineteen digits never exceed `u64::MAX`.
            let magnitude = if int_end - int_start <= 19 {
                Some(magnitude)
            } else {
                self.json[int_start..int_end]
                    .iter()
                    .try_fold(0_u64, |value, &digit| {
                        value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
                    })
            };
            match (negative, magnitude) {
                (false, Some(value)) => return Ok(Number::U64(value)),
                (true, Some(magnitude)) => {
                    // As serde_json: `-0` and magnitudes beyond `i64` become floats.
                    #[allow(clippy::cast_possible_wrap, reason = "the sign is checked")]
                    let value = (magnitude as i64).wrapping_neg();
                    if value < 0 {
                        return Ok(Number::I64(value));
                    }
                }
                _ => {}
            }
        }
        let text: &'de str = self.text;
        let text = text.get(start..self.pos).ok_or(Bail)?;
        let value: f64 = text.parse().map_err(|_| Bail)?;
        // serde_json's own float parser may round differently near the limit: past 1e308 the
        // serde path decides whether the number is in range.
        if value.abs() > limit {
            return Err(Bail);
        }
        Ok(Number::F64(value))
    }

    /// Skips one value strictly; the bytes it spanned.
    pub(crate) fn skip_value(&mut self) -> R<&'de [u8]> {
        self.peek_value();
        let start = self.pos;
        self.skip_inner()?;
        Ok(&self.json[start..self.pos])
    }

    fn skip_inner(&mut self) -> R<()> {
        match self.peek_value().ok_or(Bail)? {
            b'"' => self.string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            b'[' => {
                self.enter()?;
                if self.peek_value() == Some(b']') {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                loop {
                    self.skip_inner()?;
                    match self.peek_value() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            self.depth -= 1;
                            return Ok(());
                        }
                        _ => return Err(Bail),
                    }
                }
            }
            b'{' => {
                self.enter()?;
                let mut names = SeenNames::default();
                let mut first = true;
                while let Some(name) = self.next_name(first)? {
                    first = false;
                    names.insert(name, Segment::Payload).map_err(|_| Bail)?;
                    self.skip_inner()?;
                }
                Ok(())
            }
            _ => Err(Bail),
        }
    }
}

/// The length of the run of `bytes` a string reads as it is: up to the first `"`, `\\` or
/// raw control character, or the end.
///
/// Eight bytes per step in one pass (strings in claims are short, which a SIMD search
/// only pays off on). Each test sets the top bit of a byte that is `"`, `\\` or below
/// 0x20; a flag may be wrong only above a byte rightly flagged, so the lowest one is exact.
#[inline]
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const TOPS: u64 = ONES * 0x80;
    let (words, tail) = bytes.as_chunks::<8>();
    for (index, word) in words.iter().enumerate() {
        let word = u64::from_le_bytes(*word);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let stops = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (word.wrapping_sub(ONES * 0x20) & !word);
        let stops = stops & TOPS;
        if stops != 0 {
            return index * 8 + (stops.trailing_zeros() / 8) as usize;
        }
    }
    let done = words.len() * 8;
    done + tail
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        .unwrap_or(tail.len())
}

/// `text`, one JSON number and nothing else, read as [`Scanner::number`] reads it (exactly,
/// whatever serde_json's features), up to f64's own limit: `Ok(None)` when it is beyond it.
/// For the serde path's time claims, which then get the value the scanner would give.
///
/// # Errors
///
/// [`Bail`] when `text` is not one JSON number.
pub(crate) fn exact_number(text: &str) -> R<Option<Number>> {
    let mut scanner = Scanner::new(text.as_bytes())?;
    let number = scanner.number_within(f64::INFINITY)?;
    scanner.end()?;
    Ok(match number {
        Number::F64(value) if value.is_infinite() => None,
        number => Some(number),
    })
}

/// A value read by a claim's `Deserialize` implementation: strings, booleans, integers,
/// `null`, options, sequences and newtypes are read here, exactly as serde_json reads them;
/// anything else (floats, objects, enums, maps, structs...) is skipped strictly, then handed
/// to serde_json as its own slice, so that the type sees what it always sees.
pub(crate) struct ValueDeserializer<'s, 'de>(pub(crate) &'s mut Scanner<'de>);

impl<'de> ValueDeserializer<'_, 'de> {
    /// Skips the value strictly, then reads it with serde_json.
    fn delegate<T>(
        self,
        read: impl FnOnce(
            &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
        ) -> serde_json::Result<T>,
    ) -> R<T> {
        let bytes = self.0.skip_value()?;
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value = read(&mut deserializer).map_err(|_| Bail)?;
        deserializer.end().map_err(|_| Bail)?;
        Ok(value)
    }

    /// The next value as a `u64` or `i64`, as serde_json hands integers over; `None` (nothing
    /// consumed) for any other value.
    fn integer(&mut self) -> Option<Number> {
        let start = self.0.pos;
        if let Some(b'-' | b'0'..=b'9') = self.0.peek_value()
            && let Ok(number @ (Number::U64(_) | Number::I64(_))) = self.0.number()
        {
            return Some(number);
        }
        self.0.pos = start;
        None
    }
}

macro_rules! delegated {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
            self.delegate(|de| de.$method(visitor))
        }
    )*};
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(mut self, visitor: V) -> R<V::Value> {
            match self.integer() {
                Some(Number::U64(value)) => visitor.visit_u64(value),
                Some(Number::I64(value)) => visitor.visit_i64(value),
                _ => self.delegate(|de| de.$method(visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer<'_, 'de> {
    type Error = Bail;

    delegated! {
        deserialize_f32 deserialize_f64 deserialize_i128 deserialize_u128 deserialize_char
        deserialize_bytes deserialize_byte_buf deserialize_map deserialize_identifier
        deserialize_ignored_any
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> R<V::Value> {
        match self.0.peek_value() {
            Some(b'"') => self.deserialize_str(visitor),
            Some(b't' | b'f') => self.deserialize_bool(visitor),
            Some(b'n') => self.deserialize_unit(visitor),
            Some(b'[') => self.deserialize_seq(visitor),
            Some(b'-' | b'0'..=b'9') => match self.integer() {
                Some(Number::U64(value)) => visitor.visit_u64(value),
                Some(Number::I64(value)) => visitor.visit_i64(value),
                // Floats are read by serde_json, with the float parser the application chose.
                _ => self.delegate(|de| de.deserialize_any(visitor)),
            },
            _ => self.delegate(|de| de.deserialize_any(visitor)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        match self.0.peek_value() {
            Some(b't') => {
                self.0.literal(b"true")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                self.0.literal(b"false")?;
                visitor.visit_bool(false)
            }
            _ => self.delegate(|de| de.deserialize_bool(visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        if self.0.peek_value() != Some(b'"') {
            return self.delegate(|de| de.deserialize_str(visitor));
        }
        match self.0.string()? {
            Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
            Cow::Owned(text) => visitor.visit_str(&text),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        if self.0.peek_value() == Some(b'n') {
            self.0.literal(b"null")?;
            return visitor.visit_unit();
        }
        self.delegate(|de| de.deserialize_unit(visitor))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        if self.0.peek_value() == Some(b'n') {
            self.0.literal(b"null")?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        if self.0.peek_value() != Some(b'[') {
            return self.delegate(|de| de.deserialize_seq(visitor));
        }
        self.0.enter()?;
        let value = visitor.visit_seq(Elements {
            scanner: &mut *self.0,
            first: true,
        })?;
        // Every element must have been read.
        self.0.eat(b']')?;
        self.0.depth -= 1;
        Ok(value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> R<V::Value> {
        // serde's private names (`$...`) mark values serde_json treats specially (`RawValue`).
        if name.starts_with('$') {
            return self.delegate(|de| de.deserialize_newtype_struct(name, visitor));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> R<V::Value> {
        self.delegate(|de| de.deserialize_unit_struct(name, visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> R<V::Value> {
        self.delegate(|de| de.deserialize_tuple(len, visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> R<V::Value> {
        self.delegate(|de| de.deserialize_tuple_struct(name, len, visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> R<V::Value> {
        self.delegate(|de| de.deserialize_struct(name, fields, visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> R<V::Value> {
        self.delegate(|de| de.deserialize_enum(name, variants, visitor))
    }
}

/// The elements of an array, each read through [`ValueDeserializer`].
struct Elements<'s, 'de> {
    scanner: &'s mut Scanner<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Bail;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> R<Option<T::Value>> {
        match self.scanner.peek_value() {
            Some(b']') => return Ok(None),
            Some(b',') if !self.first => {
                self.scanner.pos += 1;
                if let Some(b']') | None = self.scanner.peek_value() {
                    return Err(Bail);
                }
            }
            Some(_) if self.first => {}
            _ => return Err(Bail),
        }
        self.first = false;
        seed.deserialize(ValueDeserializer(&mut *self.scanner))
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> R<Number> {
        let mut scanner = Scanner::new(text.as_bytes())?;
        let number = scanner.number()?;
        scanner.end()?;
        Ok(number)
    }

    #[test]
    fn numbers_are_read_as_serde_json_reads_them_and_exactly() {
        assert!(matches!(number("0"), Ok(Number::U64(0))));
        assert!(matches!(
            number("18446744073709551615"),
            Ok(Number::U64(u64::MAX))
        ));
        assert!(matches!(
            number("-9223372036854775808"),
            Ok(Number::I64(i64::MIN))
        ));
        assert!(
            matches!(number("-0"), Ok(Number::F64(zero)) if zero.to_bits() == (-0.0_f64).to_bits())
        );
        assert!(
            matches!(number("18446744073709551616"), Ok(Number::F64(v)) if v == 18_446_744_073_709_551_616.0)
        );
        // Around the nineteen digits that always fit, and the twenty that may not.
        for text in [
            "9999999999999999999",
            "1000000000000000000",
            "10000000000000000000",
            "18446744073709551614",
            "18446744073709551617",
            "99999999999999999999",
            "100000000000000000000",
            "-9223372036854775807",
            "-9223372036854775809",
            "-10000000000000000000",
        ] {
            let expected = match (text.parse::<u64>(), text.parse::<i64>()) {
                (Ok(value), _) => Number::U64(value),
                (_, Ok(value)) => Number::I64(value),
                _ => Number::F64(text.parse().unwrap()),
            };
            let read = number(text).unwrap();
            assert_eq!(read.into_json(), expected.into_json(), "{text}");
        }
        for bad in [
            "01", "-", "1.", ".5", "1e", "+1", "1e400", "1e309", "1.8e308",
        ] {
            assert!(number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_len_stops_where_a_byte_by_byte_search_stops() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
                .unwrap_or(bytes.len())
        };
        // Every stop byte and its neighbours, at every offset of runs up to three words,
        // behind plain ASCII and behind bytes whose subtraction borrows (0x00, 0x80, 0xff).
        for filler in [b'a', 0x7f, 0x80, 0xc3, 0xff] {
            for len in 0..=24 {
                for at in 0..len {
                    for byte in 0..=255_u8 {
                        let mut bytes = vec![filler; len];
                        bytes[at] = byte;
                        assert_eq!(plain_len(&bytes), naive(&bytes), "{bytes:?}");
                        if at + 1 < len {
                            bytes[at + 1] = b'"';
                            assert_eq!(plain_len(&bytes), naive(&bytes), "{bytes:?}");
                        }
                    }
                }
            }
        }
    }
}
