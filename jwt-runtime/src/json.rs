//! JSON as the token's header and payload need it: the buffer the encoder writes into,
//! member names and their duplicates, one strict walk over any value, and the typed errors
//! serde_json's errors become.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, Malformed, Segment, excerpt};

/// JSON up to this many bytes is written on the stack when encoding.
pub(crate) const JSON_STACK_LEN: usize = 512;

/// A byte buffer on the stack that moves to the heap when it outgrows [`JSON_STACK_LEN`]:
/// the encoder writes JSON here, so that a small token costs no allocation but its own.
pub struct JsonBuffer {
    stack: [u8; JSON_STACK_LEN],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl JsonBuffer {
    #[inline]
    pub(crate) fn new() -> Self {
        JsonBuffer {
            stack: [0; JSON_STACK_LEN],
            len: 0,
            heap: None,
        }
    }

    /// Appends `bytes`.
    #[inline]
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        if self.heap.is_none()
            && let Some(free) = self.stack.get_mut(self.len..self.len + bytes.len())
        {
            free.copy_from_slice(bytes);
            self.len += bytes.len();
            return;
        }
        self.extend_on_heap(bytes);
    }

    #[cold]
    #[inline(never)]
    fn extend_on_heap(&mut self, bytes: &[u8]) {
        let stack = &self.stack[..self.len];
        let heap = self.heap.get_or_insert_with(|| {
            let mut heap = Vec::with_capacity((stack.len() + bytes.len()).max(2 * JSON_STACK_LEN));
            heap.extend_from_slice(stack);
            heap
        });
        heap.extend_from_slice(bytes);
    }

    /// Appends one byte.
    #[inline]
    pub fn push(&mut self, byte: u8) {
        self.extend_from_slice(&[byte]);
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.heap {
            None => &self.stack[..self.len],
            Some(heap) => heap,
        }
    }
}

impl std::io::Write for JsonBuffer {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes `value` as a JSON string.
pub(crate) fn write_string(out: &mut JsonBuffer, value: &str) -> Result<(), Error> {
    serde_json::to_writer(out, value).map_err(encode_error)
}

/// An encoding failure: a custom claim's `Serialize` implementation failed.
pub(crate) fn encode_error(error: serde_json::Error) -> Error {
    Error::Encode(error.to_string())
}

/// A member name, borrowed from the JSON unless it had escapes.
pub struct MemberName<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CowStr).map(MemberName)
    }
}

/// Reads a string as a `Cow`: borrowed from the JSON when it has no escapes.
#[derive(Clone, Copy)]
pub(crate) struct CowStr;

impl<'de> DeserializeSeed<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value))
    }
}

/// The member names of one object that no slot of its own tracks: a second sighting of a
/// name (compared after unescaping) is a duplicate. No set is allocated until the first name.
#[derive(Default)]
pub(crate) struct SeenNames<'de>(Option<HashSet<Cow<'de, str>>>);

impl<'de> SeenNames<'de> {
    /// Records `name`; a name seen before is [`Error::DuplicateMember`] in `segment`.
    pub(crate) fn insert(&mut self, name: Cow<'de, str>, segment: Segment) -> Result<(), Error> {
        let names = self.0.get_or_insert_with(HashSet::new);
        if names.contains(&*name) {
            return Err(duplicate(segment, &name));
        }
        names.insert(name);
        Ok(())
    }
}

/// [`Error::DuplicateMember`] for `name`, quoted as a short prefix.
pub(crate) fn duplicate(segment: Segment, name: &str) -> Error {
    Error::DuplicateMember {
        segment,
        name: excerpt(name),
    }
}

/// Walks one JSON value strictly and discards it.
///
/// Unlike serde's `IgnoredAny` (which serde_json skips without any depth limit), this goes
/// through `deserialize_any`, so serde_json's nesting limit of 128 applies to skipped members
/// as to every other value. With `duplicates` set, a member name seen twice in any object of
/// the value is recorded there as [`Error::DuplicateMember`] and stops the walk.
pub(crate) struct StrictValue<'r> {
    pub(crate) segment: Segment,
    pub(crate) duplicates: Option<&'r mut Option<Error>>,
}

impl StrictValue<'_> {
    /// A walk that only skips: member names of skipped objects are not compared.
    pub(crate) const fn skip(segment: Segment) -> StrictValue<'static> {
        StrictValue {
            segment,
            duplicates: None,
        }
    }

    fn nested(&mut self) -> StrictValue<'_> {
        StrictValue {
            segment: self.segment,
            duplicates: self.duplicates.as_deref_mut(),
        }
    }
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self.nested())?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        if self.duplicates.is_none() {
            while map.next_key::<de::IgnoredAny>()?.is_some() {
                map.next_value_seed(self.nested())?;
            }
            return Ok(());
        }
        let mut names = SeenNames::default();
        while let Some(MemberName(name)) = map.next_key()? {
            if let Err(error) = names.insert(name, self.segment) {
                if let Some(found) = self.duplicates.as_deref_mut() {
                    *found = Some(error);
                }
                return Err(de::Error::custom("duplicate member"));
            }
            map.next_value_seed(self.nested())?;
        }
        Ok(())
    }
}

/// Parses `json` as exactly one JSON object with `visitor`; nothing may follow it.
///
/// # Errors
///
/// serde_json's error, which the runtime turns into a typed one.
pub fn deserialize_object<'de, V: Visitor<'de>>(
    json: &'de [u8],
    visitor: V,
) -> Result<V::Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let value = deserializer.deserialize_map(visitor)?;
    deserializer.end()?;
    Ok(value)
}

/// The typed error for a failed parse: the one a visitor `recorded`, else a claim type error
/// when the parser was inside claim `current` (name, expected type), else malformed JSON.
pub(crate) fn classify(
    recorded: Option<Error>,
    current: Option<(&'static str, &'static str)>,
    error: &serde_json::Error,
    segment: Segment,
) -> Error {
    if let Some(recorded) = recorded {
        return recorded;
    }
    match (error.classify(), current) {
        (serde_json::error::Category::Data, Some((claim, expected))) => {
            Error::ClaimType { claim, expected }
        }
        // serde_json reports a number beyond f64 (`1e400`) as a syntax error before any
        // visitor sees it; inside a claim it is a value the claim's type cannot hold.
        (serde_json::error::Category::Syntax, Some((claim, expected)))
            if error.to_string().starts_with("number out of range") =>
        {
            Error::ClaimType { claim, expected }
        }
        (serde_json::error::Category::Data, None) => Error::Malformed {
            segment,
            reason: Malformed::NotAnObject,
        },
        _ => Error::Malformed {
            segment,
            reason: Malformed::Json,
        },
    }
}

/// Rejects duplicate member names inside the payload's nested objects (RFC 7519 §4).
///
/// The derive's visitor checks the top level. Nested custom claims are read by user types
/// such as `serde_json::Value` or `HashMap`, which silently keep the last of two duplicates,
/// so two parsers could read different permissions out of one token. A payload without a
/// second `{` has no nested object and is not scanned again.
pub(crate) fn check_nested_duplicates(json: &[u8]) -> Result<(), Error> {
    // The top-level `{` is almost always the first byte; a second one is looked for with
    // memchr (SIMD), not byte by byte: this scan is linear in the payload.
    let second =
        memchr::memchr(b'{', json).and_then(|first| memchr::memchr(b'{', &json[first + 1..]));
    if second.is_none() {
        return Ok(());
    }
    let mut found = None;
    // JSON errors are left to the decode proper, which reports them with their claim.
    let _ = deserialize_object(json, NestedObjects(&mut found));
    found.map_or(Ok(()), Err)
}

/// The top-level object of a payload, whose member values are walked for duplicates; its
/// own member names are the derive's to check.
struct NestedObjects<'f>(&'f mut Option<Error>);

impl<'de> Visitor<'de> for NestedObjects<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<de::IgnoredAny>()?.is_some() {
            map.next_value_seed(StrictValue {
                segment: Segment::Payload,
                duplicates: Some(&mut *self.0),
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_duplicates_are_found_after_unescaping() {
        for json in [
            &br#"{"a":{"k":1,"k":2}}"#[..],
            br#"{"a":[{"k":1,"\u006b":2}]}"#,
            br#"{"a":1,"b":{"c":{"d":{},"d":{}}}}"#,
        ] {
            let error = check_nested_duplicates(json).unwrap_err();
            assert!(
                matches!(&error, Error::DuplicateMember { segment: Segment::Payload, name } if name == "k" || name == "d"),
                "{error:?}"
            );
        }
        for json in [
            &br#"{"a":{"k":1},"b":{"k":1}}"#[..],
            br#"{"k":1,"k":2}"#, // the top level is the derive's to check
            br#"{"a":"{{"}"#,
            br#"{"a":{"k":1,"#, // not JSON: reported by the decode proper
        ] {
            assert!(check_nested_duplicates(json).is_ok(), "{json:?}");
        }
    }

    #[test]
    fn json_buffer_moves_to_the_heap_intact() {
        use std::io::Write as _;
        for first in [0, 1, JSON_STACK_LEN - 1, JSON_STACK_LEN, JSON_STACK_LEN + 1] {
            let mut buffer = JsonBuffer::new();
            let mut expected = Vec::new();
            let chunk: Vec<u8> = (0..first).map(|i| (i % 251) as u8).collect();
            buffer.extend_from_slice(&chunk);
            expected.extend_from_slice(&chunk);
            for i in 0..3 * JSON_STACK_LEN {
                let byte = (i % 7) as u8;
                if i % 2 == 0 {
                    buffer.push(byte);
                } else {
                    buffer.write_all(&[byte, byte]).unwrap();
                    expected.push(byte);
                }
                expected.push(byte);
                assert_eq!(buffer.as_bytes(), &expected[..], "first {first}, step {i}");
            }
        }
    }

    #[test]
    fn a_number_beyond_f64_in_a_claim_is_a_claim_type_error() {
        for text in ["1e400", "-1e400"] {
            let error = serde_json::from_str::<f64>(text).unwrap_err();
            let classified = classify(None, Some(("exp", "a number")), &error, Segment::Payload);
            assert!(
                matches!(classified, Error::ClaimType { claim: "exp", .. }),
                "{classified:?}"
            );
            // Outside a claim it stays a JSON error.
            let classified = classify(None, None, &error, Segment::Payload);
            assert!(matches!(
                classified,
                Error::Malformed {
                    reason: Malformed::Json,
                    ..
                }
            ));
        }
        let syntax = serde_json::from_str::<f64>("1e").unwrap_err();
        let classified = classify(None, Some(("exp", "a number")), &syntax, Segment::Payload);
        assert!(matches!(
            classified,
            Error::Malformed {
                reason: Malformed::Json,
                ..
            }
        ));
    }
}
