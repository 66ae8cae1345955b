//! JSON as the token's header and payload need it: the buffer the encoder writes into,
//! member names and their duplicates, one strict walk over any value, and the typed errors
//! serde_json's errors become.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use crate::error::{Error, Malformed, Segment, excerpt};

pub(crate) mod scan;

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
/// Unlike serde's `IgnoredAny` (which serde_json skips without any depth limit, number range,
/// UTF-8 or surrogate check), this goes through `deserialize_any`, so every scalar is parsed
/// as strictly as a field reading it would be, and serde_json's nesting limit of 128 applies
/// to skipped members as to every other value. A member name seen twice in any object of the
/// value is recorded in `recorded` as [`Error::DuplicateMember`] and stops the walk.
pub(crate) struct StrictValue<'r> {
    pub(crate) segment: Segment,
    pub(crate) recorded: &'r mut Option<Error>,
}

impl StrictValue<'_> {
    fn nested(&mut self) -> StrictValue<'_> {
        StrictValue {
            segment: self.segment,
            recorded: &mut *self.recorded,
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
        let mut names = SeenNames::default();
        while let Some(MemberName(name)) = map.next_key()? {
            if let Err(error) = names.insert(name, self.segment) {
                *self.recorded = Some(error);
                return Err(de::Error::custom("duplicate member"));
            }
            map.next_value_seed(self.nested())?;
        }
        Ok(())
    }
}

/// A seed for a value read by a user type (a custom claim): it hands `seed` a deserializer
/// that notes in `unchecked` whenever the type reads the value in a way that may leave some
/// of its bytes unchecked, so that the payload is then walked strictly in full
/// ([`check_strict`]).
///
/// Scalars (`bool`, numbers, `char`, strings, `null`) are parsed strictly by serde_json;
/// `Option`, sequences, newtypes, enums (their variant name, a newtype variant's value) and
/// values read with `deserialize_any` (`serde_json::Value`) are followed into their contents.
/// Anything else (an object, a map, a struct, a tuple, a struct or tuple variant, serde's
/// `IgnoredAny`, bytes, serde_json's `RawValue`) may skip members, keep the last of two
/// duplicates or read bytes without validating them, and is marked.
pub(crate) struct CheckedSeed<'f, S> {
    pub(crate) seed: S,
    pub(crate) unchecked: &'f mut bool,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CheckedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Checked {
            inner: deserializer,
            unchecked: self.unchecked,
        })
    }
}

/// The deserializer [`CheckedSeed`] hands on.
struct Checked<'f, D> {
    inner: D,
    unchecked: &'f mut bool,
}

/// Methods serde_json answers by parsing one scalar strictly: forwarded as they are.
macro_rules! strict_scalars {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

/// Methods that may leave bytes unchecked: marked, then forwarded.
macro_rules! marked {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            *self.unchecked = true;
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Checked<'_, D> {
    type Error = D::Error;

    strict_scalars! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_unit deserialize_identifier
    }

    marked! {
        deserialize_bytes deserialize_byte_buf deserialize_map deserialize_ignored_any
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        // serde_json parses whatever comes strictly and hands it over: scalars as they are,
        // arrays followed, objects marked (`serde_json::Value` keeps the last duplicate).
        self.inner.deserialize_any(CheckedVisitor {
            inner: visitor,
            unchecked: self.unchecked,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(CheckedVisitor {
            inner: visitor,
            unchecked: self.unchecked,
        })
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_seq(CheckedVisitor {
            inner: visitor,
            unchecked: self.unchecked,
        })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // serde's private names (`$...`) mark values a format treats specially, such as
        // serde_json's `RawValue`, which keeps its bytes unparsed.
        if name.starts_with('$') {
            *self.unchecked = true;
            return self.inner.deserialize_newtype_struct(name, visitor);
        }
        self.inner.deserialize_newtype_struct(
            name,
            CheckedVisitor {
                inner: visitor,
                unchecked: self.unchecked,
            },
        )
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        *self.unchecked = true;
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        *self.unchecked = true;
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        *self.unchecked = true;
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(
            name,
            variants,
            CheckedVisitor {
                inner: visitor,
                unchecked: self.unchecked,
            },
        )
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The visitor of an `Option`, a sequence, a newtype, an enum or any value read through
/// [`Checked`]: hands scalars on, the contents of the others through [`Checked`] in turn, and
/// marks objects. What serde_json never calls here is refused by the default methods, never
/// accepted unchecked.
struct CheckedVisitor<'f, V> {
    inner: V,
    unchecked: &'f mut bool,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CheckedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<V::Value, E> {
        self.inner.visit_bool(value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<V::Value, E> {
        self.inner.visit_i64(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<V::Value, E> {
        self.inner.visit_u64(value)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<V::Value, E> {
        self.inner.visit_f64(value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        self.inner.visit_str(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<V::Value, E> {
        self.inner.visit_borrowed_str(value)
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<V::Value, E> {
        self.inner.visit_string(value)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        *self.unchecked = true;
        self.inner.visit_map(map)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Checked {
            inner: deserializer,
            unchecked: self.unchecked,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(CheckedSeq {
            inner: seq,
            unchecked: self.unchecked,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Checked {
            inner: deserializer,
            unchecked: self.unchecked,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(CheckedEnum {
            inner: data,
            unchecked: self.unchecked,
        })
    }
}

/// An enum read through [`Checked`]: the variant name is a string parsed strictly, a unit
/// variant has nothing more, a newtype variant's value is read through [`Checked`]; tuple and
/// struct variants are marked.
struct CheckedEnum<'f, A> {
    inner: A,
    unchecked: &'f mut bool,
}

impl<'de, 'f, A: EnumAccess<'de>> EnumAccess<'de> for CheckedEnum<'f, A> {
    type Error = A::Error;
    type Variant = CheckedEnum<'f, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.inner.variant_seed(CheckedSeed {
            seed,
            unchecked: &mut *self.unchecked,
        })?;
        Ok((
            value,
            CheckedEnum {
                inner: variant,
                unchecked: self.unchecked,
            },
        ))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for CheckedEnum<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.newtype_variant_seed(CheckedSeed {
            seed,
            unchecked: self.unchecked,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        *self.unchecked = true;
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        *self.unchecked = true;
        self.inner.struct_variant(fields, visitor)
    }
}

/// The elements of a sequence read through [`Checked`], each read through [`Checked`].
struct CheckedSeq<'f, A> {
    inner: A,
    unchecked: &'f mut bool,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for CheckedSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.inner.next_element_seed(CheckedSeed {
            seed,
            unchecked: &mut *self.unchecked,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
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
        (serde_json::error::Category::Syntax, _) => Error::Malformed {
            segment,
            reason: syntax_reason(error),
        },
        _ => Error::Malformed {
            segment,
            reason: Malformed::Json,
        },
    }
}

/// The specific fault of a serde_json syntax error. serde_json exposes no error code, only
/// its message; these messages are pinned by the unit test below.
fn syntax_reason(error: &serde_json::Error) -> Malformed {
    // The message's start, written on the stack: an error before the signature check costs
    // no allocation (an attacker chooses how often it happens).
    let mut message = MessageStart::default();
    let _ = fmt::write(&mut message, format_args!("{error}"));
    let starts = |prefix: &str| message.as_bytes().starts_with(prefix.as_bytes());
    if starts("number out of range") {
        Malformed::NumberOutOfRange
    } else if starts("recursion limit exceeded") {
        Malformed::TooDeep
    } else if starts("invalid unicode code point")
        || starts("lone leading surrogate in hex escape")
        || starts("unexpected end of hex escape")
    {
        Malformed::InvalidUnicode
    } else {
        Malformed::Json
    }
}

/// The first bytes of a message, kept on the stack.
struct MessageStart {
    bytes: [u8; 48],
    len: usize,
}

impl Default for MessageStart {
    fn default() -> Self {
        MessageStart {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl MessageStart {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl fmt::Write for MessageStart {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let free = &mut self.bytes[self.len..];
        let take = text.len().min(free.len());
        free[..take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// Walks a whole payload strictly: every value parsed as strictly as a claim would be (number
/// range, UTF-8, surrogates, nesting) and duplicate member names refused inside nested
/// objects (RFC 7519 §4).
///
/// Run after the claims were decoded, when a custom claim's type may have left bytes
/// unchecked ([`CheckedSeed`]): `serde_json::Value` and `HashMap` silently keep the last of
/// two duplicates, and serde-derived structs skip members they have no field for without
/// checking them, so two parsers could read different permissions out of one token. The
/// top level's member names are the derive's to check.
///
/// # Errors
///
/// [`Error::DuplicateMember`], or [`Error::Malformed`] with the fault found first.
pub(crate) fn check_strict(json: &[u8]) -> Result<(), Error> {
    let mut recorded = None;
    deserialize_object(json, NestedObjects(&mut recorded))
        .map_err(|error| classify(recorded, None, &error, Segment::Payload))
}

/// The top-level object of a payload, whose member values are walked strictly; its own
/// member names are the derive's to check.
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
                recorded: &mut *self.0,
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
            let error = check_strict(json).unwrap_err();
            assert!(
                matches!(&error, Error::DuplicateMember { segment: Segment::Payload, name } if name == "k" || name == "d"),
                "{error:?}"
            );
        }
        for json in [
            &br#"{"a":{"k":1},"b":{"k":1}}"#[..],
            br#"{"k":1,"k":2}"#, // the top level is the derive's to check
            br#"{"a":"{{"}"#,
        ] {
            assert!(check_strict(json).is_ok(), "{json:?}");
        }
    }

    #[test]
    fn the_strict_walk_reports_the_first_fault_it_meets() {
        let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        for (json, reason) in [
            (&br#"{"a":{"k":1,"#[..], Malformed::Json),
            (
                br#"{"a":{"x":1e400},"b":{"k":1,"k":2}}"#,
                Malformed::NumberOutOfRange,
            ),
            (br#"{"a":[-1e400]}"#, Malformed::NumberOutOfRange),
            (deep.as_bytes(), Malformed::TooDeep),
            (b"{\"a\":{\"x\":\"\xc0\xaf\"}}", Malformed::InvalidUnicode),
            (br#"{"a":{"x":"\ud800"}}"#, Malformed::InvalidUnicode),
            (br#"{"a":{"x":"\udc00"}}"#, Malformed::InvalidUnicode),
            (br#"{"a":{"x":"\ud800x"}}"#, Malformed::InvalidUnicode),
            (br#"{"a":{"x":"\ud800\n"}}"#, Malformed::InvalidUnicode),
            (br#"{"a":{"\ud800":1}}"#, Malformed::InvalidUnicode),
        ] {
            let error = check_strict(json).unwrap_err();
            assert!(
                matches!(error, Error::Malformed { segment: Segment::Payload, reason: r } if r == reason),
                "{}: {error:?}",
                String::from_utf8_lossy(json)
            );
        }
        assert!(check_strict(br#"{"a":{"x":"\ud83d\ude00","y":1e308}}"#).is_ok());
    }

    /// Reads `json` as `T` through [`CheckedSeed`]: did the type leave bytes unchecked?
    fn marks<T: for<'de> Deserialize<'de>>(json: &str) -> bool {
        let mut unchecked = false;
        let mut deserializer = serde_json::Deserializer::from_str(json);
        CheckedSeed {
            seed: core::marker::PhantomData::<T>,
            unchecked: &mut unchecked,
        }
        .deserialize(&mut deserializer)
        .unwrap();
        unchecked
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    enum Role {
        Admin,
        Named(String),
        Pair(u8, u8),
        Struct { x: u8 },
    }

    #[derive(serde::Deserialize)]
    struct Id(#[allow(dead_code)] String);

    #[derive(serde::Deserialize)]
    struct Point {
        #[allow(dead_code)]
        x: u8,
    }

    #[test]
    fn the_checked_seed_marks_only_what_may_skip_bytes() {
        // Parsed strictly by serde_json as they are read: no second walk (the common path).
        assert!(!marks::<String>(r#""a""#));
        assert!(!marks::<Option<String>>(r#""a""#));
        assert!(!marks::<Option<String>>("null"));
        assert!(!marks::<Vec<String>>(r#"["a","b"]"#));
        assert!(!marks::<Vec<Option<u64>>>("[1,null]"));
        assert!(!marks::<Role>(r#""Admin""#));
        assert!(!marks::<Role>(r#"{"Named":"x"}"#));
        assert!(!marks::<Id>(r#""x""#));
        assert!(!marks::<Option<Id>>(r#""x""#));
        // May skip or keep the last duplicate: the payload is walked again.
        assert!(marks::<Point>(r#"{"x":1}"#));
        assert!(marks::<Role>(r#"{"Struct":{"x":1}}"#));
        assert!(marks::<Role>(r#"{"Pair":[1,2]}"#));
        assert!(marks::<std::collections::HashMap<String, u8>>(r#"{"a":1}"#));
        assert!(!marks::<serde_json::Value>("1"));
        assert!(!marks::<serde_json::Value>(r#"[1,"a",[null,true,-2.5]]"#));
        assert!(!marks::<Vec<serde_json::Value>>("[1]"));
        assert!(marks::<serde_json::Value>(r#"[1,{"a":1}]"#));
        assert!(marks::<serde_json::Value>(r#"{"a":1}"#));
        assert!(marks::<de::IgnoredAny>("1"));
        assert!(marks::<Vec<de::IgnoredAny>>("[1]"));
        assert!(marks::<Option<Point>>(r#"{"x":1}"#));
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
            // Outside a claim it is the number's own fault.
            let classified = classify(None, None, &error, Segment::Payload);
            assert!(matches!(
                classified,
                Error::Malformed {
                    reason: Malformed::NumberOutOfRange,
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
