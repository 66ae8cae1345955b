//! The payload reader and writer the derive drives: the generated `__write_payload` writes
//! member by member through [`PayloadWriter`], the generated decoder reads member by member
//! through [`DecodeState`], which types each claim's errors, refuses duplicates and keeps
//! registered claims the struct has no field for.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::claim_types::{AudienceClaim, StringClaim};
use crate::claims::DecodeClaims;
use crate::error::{Error, Segment};
use crate::json::scan::{self, Bail, Scanner, ValueDeserializer};
use crate::json::{self, CheckedSeed, CowStr, JsonBuffer, MemberName, SeenNames, StrictValue};
use crate::schema::Registered;
use crate::time::{NumericDate, TimeClaim};

/// What the generated code needs of a time claim type, as plain function pointers.
///
/// The derive calls [`time_ops`] wherever it needs a time field's behaviour, spanned on the
/// field's type: a type that is not a [`TimeClaim`] then fails that one bound, and the
/// compiler reports a single error on the field type instead of one per use.
pub struct TimeOps<T> {
    /// What the claim's JSON must be, for type errors.
    pub expected: &'static str,
    /// The claim as a `NumericDate`, for validation.
    pub date: fn(&T) -> NumericDate,
    write: fn(&T, &mut JsonBuffer) -> serde_json::Result<()>,
    read: fn(serde_json::Number) -> serde_json::Result<T>,
}

impl<T> Clone for TimeOps<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for TimeOps<T> {}

/// The ops of time claim type `T`.
pub const fn time_ops<T: TimeClaim>() -> TimeOps<T> {
    TimeOps {
        expected: T::EXPECTED,
        date: T::to_numeric_date,
        write: |value, out| value.serialize_claim(&mut serde_json::Serializer::new(out)),
        read: T::deserialize_claim,
    }
}

/// What the generated code needs of an `aud` claim type; see [`TimeOps`].
pub struct AudienceOps<T> {
    /// The claim as a trait object, for validation.
    pub as_dyn: fn(&T) -> &dyn AudienceClaim,
    write: fn(&T, &mut JsonBuffer) -> serde_json::Result<()>,
    from_audiences: fn(Vec<String>) -> Option<T>,
    from_audience: fn(String) -> Option<T>,
}

impl<T> Clone for AudienceOps<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for AudienceOps<T> {}

/// The ops of audience claim type `T`.
pub const fn audience_ops<T: AudienceClaim>() -> AudienceOps<T> {
    AudienceOps {
        as_dyn: |value| value,
        write: |value, out| value.serialize_claim(&mut serde_json::Serializer::new(out)),
        from_audiences: T::from_audiences,
        from_audience: T::from_audience,
    }
}

/// What the generated code needs of an `iss`, `sub` or `jti` claim type; see [`TimeOps`].
pub struct StringOps<T: ?Sized> {
    /// The claim's text, for validation.
    pub as_str: fn(&T) -> &str,
}

impl<T: ?Sized> Clone for StringOps<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for StringOps<T> {}

/// The ops of string claim type `T`.
pub const fn string_ops<T: StringClaim + ?Sized>() -> StringOps<T> {
    StringOps {
        as_str: T::as_claim_str,
    }
}

/// Writes a claims object member by member. Each method takes the member's `key`: its name
/// as JSON with the colon (`"exp":`), which the derive escapes at compile time.
pub struct PayloadWriter<'o> {
    out: &'o mut JsonBuffer,
    members: usize,
}

impl<'o> PayloadWriter<'o> {
    pub(crate) fn new(out: &'o mut JsonBuffer) -> Self {
        out.push(b'{');
        PayloadWriter { out, members: 0 }
    }

    pub(crate) fn finish(self) {
        self.out.push(b'}');
    }

    /// `key` is the member's name as JSON followed by its colon (`"exp":`), escaped at
    /// compile time by the derive.
    #[inline]
    fn key(&mut self, key: &str) {
        if self.members > 0 {
            self.out.push(b',');
        }
        self.members += 1;
        self.out.extend_from_slice(key.as_bytes());
    }

    /// A time claim (`exp`, `nbf`, `iat`).
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when the value cannot be written.
    pub fn time<T>(&mut self, key: &str, value: &T, ops: TimeOps<T>) -> Result<(), Error> {
        self.key(key);
        (ops.write)(value, self.out).map_err(json::encode_error)
    }

    /// The `aud` claim.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when the value cannot be written.
    pub fn audience<T>(&mut self, key: &str, value: &T, ops: AudienceOps<T>) -> Result<(), Error> {
        self.key(key);
        (ops.write)(value, self.out).map_err(json::encode_error)
    }

    /// A string claim (`iss`, `sub`, `jti`, a declared `iss` or `aud`). Text with nothing to
    /// escape is copied as it is; other text is escaped by serde_json, so the bytes are
    /// serde_json's either way.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when the value cannot be written.
    pub fn str(&mut self, key: &str, value: &str) -> Result<(), Error> {
        self.key(key);
        let plain = value.bytes().fold(true, |plain, byte| {
            plain & (byte >= 0x20) & (byte != b'"') & (byte != b'\\')
        });
        if plain {
            self.out.push(b'"');
            self.out.extend_from_slice(value.as_bytes());
            self.out.push(b'"');
            return Ok(());
        }
        serde_json::to_writer(&mut *self.out, value).map_err(json::encode_error)
    }

    /// Any other claim, through its `Serialize` implementation.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when the value cannot be written.
    pub fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.key(key);
        serde_json::to_writer(&mut *self.out, value).map_err(json::encode_error)
    }
}

/// Registered claims the struct has no field for: still type-checked and validated.
#[derive(Default, Debug)]
pub struct Hidden<'de> {
    exp: Option<NumericDate>,
    nbf: Option<NumericDate>,
    iat: Option<NumericDate>,
    iss: Option<Cow<'de, str>>,
    sub: Option<Cow<'de, str>>,
    aud: Option<HiddenAudience<'de>>,
    jti: Option<Cow<'de, str>>,
}

/// The state of one payload decode: typed errors, hidden claims, and the member names seen.
#[derive(Default)]
pub struct DecodeState<'de> {
    error: Option<Error>,
    current: Option<(&'static str, &'static str)>,
    hidden: Hidden<'de>,
    unknown: SeenNames<'de>,
    /// A custom claim's type read its value in a way that may leave bytes unchecked (see
    /// [`CheckedSeed`]): the whole payload is then walked strictly once more.
    unchecked: bool,
    times: TimeReads,
}

/// The serde path's time claims, read from the number's text (see [`DecodeState::time`]).
#[derive(Default, Clone, Copy)]
struct TimeReads {
    /// Time claims read so far.
    count: u32,
    /// First pass: the time claim whose value is not a JSON number.
    not_a_number: Option<u32>,
    /// Second pass: the time claim read as serde_json reads any number, for its error.
    for_error: Option<u32>,
}

impl fmt::Debug for DecodeState<'_> {
    /// The registered claims kept without a field (what validation reads besides the struct).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeState")
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

impl<'de> DecodeState<'de> {
    /// Records a typed error and returns a serde error that stops the parse.
    fn fail<E: de::Error>(&mut self, error: Error) -> E {
        self.error = Some(error);
        E::custom("claims rejected")
    }

    /// Marks a declared member as seen; a second sighting is a duplicate.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateMember`], as a serde error.
    pub fn first<E: de::Error>(&mut self, seen: &mut bool, name: &'static str) -> Result<(), E> {
        if core::mem::replace(seen, true) {
            return Err(self.fail(Error::DuplicateMember {
                segment: Segment::Payload,
                name: name.to_owned(),
            }));
        }
        Ok(())
    }

    /// Reads a claim through a seed; a type error names the claim.
    fn read<A, S>(
        &mut self,
        map: &mut A,
        name: &'static str,
        expected: &'static str,
        seed: S,
    ) -> Result<S::Value, A::Error>
    where
        A: MapAccess<'de>,
        S: DeserializeSeed<'de>,
    {
        self.current = Some((name, expected));
        let value = map.next_value_seed(seed)?;
        self.current = None;
        Ok(value)
    }

    /// A time claim, read from the number's text exactly as the scanner reads it, whatever
    /// serde_json's features (without `float_roundtrip` its own float parser may be a unit in
    /// the last place off).
    ///
    /// A value that is not a JSON number stops the decode, which is then run once more with
    /// that claim read as serde_json reads a number: its error is serde_json's own, by
    /// construction (reading the raw value first would check an array's contents before
    /// finding it is not a number).
    ///
    /// # Errors
    ///
    /// A serde error; the typed one is kept in the state.
    pub fn time<A: MapAccess<'de>, T>(
        &mut self,
        map: &mut A,
        name: &'static str,
        ops: TimeOps<T>,
    ) -> Result<T, A::Error> {
        let index = self.times.count;
        self.times.count = index.saturating_add(1);
        if self.times.for_error == Some(index) {
            return self.read(map, name, ops.expected, SerdeNumberSeed(ops.read));
        }
        let mut not_a_number = false;
        let seed = ExactTimeSeed {
            read: ops.read,
            not_a_number: &mut not_a_number,
        };
        let value = self.read(map, name, ops.expected, seed);
        if not_a_number {
            self.times.not_a_number = Some(index);
        }
        value
    }

    /// The `aud` claim.
    ///
    /// # Errors
    ///
    /// A serde error; the typed one is kept in the state.
    pub fn audience<A: MapAccess<'de>, T>(
        &mut self,
        map: &mut A,
        name: &'static str,
        ops: AudienceOps<T>,
    ) -> Result<T, A::Error> {
        self.read(
            map,
            name,
            AUDIENCE_EXPECTED,
            AudienceSeed(ops.from_audiences, ops.from_audience),
        )
    }

    /// A `Cow<str>` claim, borrowed from the payload when it has no escapes.
    ///
    /// # Errors
    ///
    /// A serde error; the typed one is kept in the state.
    pub fn cow_str<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        name: &'static str,
    ) -> Result<Cow<'de, str>, A::Error> {
        self.read(map, name, "a string", CowStr)
    }

    /// Any other claim, through `Deserialize`.
    ///
    /// # Errors
    ///
    /// A serde error; the typed one is kept in the state.
    pub fn value<A: MapAccess<'de>, T: Deserialize<'de>>(
        &mut self,
        map: &mut A,
        name: &'static str,
        expected: &'static str,
    ) -> Result<T, A::Error> {
        let mut unchecked = false;
        let seed = CheckedSeed {
            seed: PhantomData::<T>,
            unchecked: &mut unchecked,
        };
        let value = self.read(map, name, expected, seed);
        self.unchecked |= unchecked;
        value
    }

    /// A member the struct has no field for: a registered claim goes to a hidden slot (still
    /// type-checked and validated), anything else is walked strictly and discarded.
    /// Duplicates are refused either way, at every depth.
    ///
    /// # Errors
    ///
    /// A serde error; the typed one is kept in the state.
    pub fn other<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        key: Cow<'de, str>,
    ) -> Result<(), A::Error> {
        macro_rules! hidden {
            ($slot:ident, $name:literal, $read:expr) => {{
                if self.hidden.$slot.is_some() {
                    return Err(self.fail(Error::DuplicateMember {
                        segment: Segment::Payload,
                        name: $name.to_owned(),
                    }));
                }
                let value = $read;
                self.hidden.$slot = Some(value);
                Ok(())
            }};
        }
        match &*key {
            "exp" => hidden!(
                exp,
                "exp",
                self.time(map, "exp", time_ops::<NumericDate>())?
            ),
            "nbf" => hidden!(
                nbf,
                "nbf",
                self.time(map, "nbf", time_ops::<NumericDate>())?
            ),
            "iat" => hidden!(
                iat,
                "iat",
                self.time(map, "iat", time_ops::<NumericDate>())?
            ),
            "iss" => hidden!(iss, "iss", self.cow_str(map, "iss")?),
            "sub" => hidden!(sub, "sub", self.cow_str(map, "sub")?),
            "jti" => hidden!(jti, "jti", self.cow_str(map, "jti")?),
            "aud" => hidden!(
                aud,
                "aud",
                self.read(map, "aud", AUDIENCE_EXPECTED, HiddenAudienceSeed)?
            ),
            _ => {
                if let Err(error) = self.unknown.insert(key, Segment::Payload) {
                    return Err(self.fail(error));
                }
                map.next_value_seed(StrictValue {
                    segment: Segment::Payload,
                    recorded: &mut self.error,
                })
            }
        }
    }

    /// A declared claim that must be present.
    ///
    /// # Errors
    ///
    /// [`Error::MissingClaim`], as a serde error.
    pub fn required<T, E: de::Error>(
        &mut self,
        value: Option<T>,
        name: &'static str,
    ) -> Result<T, E> {
        match value {
            Some(value) => Ok(value),
            None => Err(self.fail(Error::MissingClaim { claim: name })),
        }
    }

    /// Did a custom claim's type read bytes it may not have checked?
    pub(crate) fn needs_strict_check(&self) -> bool {
        self.unchecked
    }

    /// Completes the registered claims of the decoded struct with those it has no field for.
    pub(crate) fn complete<'c>(&'c self, registered: Registered<'c>) -> Registered<'c> {
        let hidden = &self.hidden;
        Registered {
            exp: registered.exp.or(hidden.exp),
            nbf: registered.nbf.or(hidden.nbf),
            iat: registered.iat.or(hidden.iat),
            iss: registered.iss.or(hidden.iss.as_deref()),
            sub: registered.sub.or(hidden.sub.as_deref()),
            aud: registered
                .aud
                .or(hidden.aud.as_ref().map(|aud| aud as &dyn AudienceClaim)),
            jti: registered.jti.or(hidden.jti.as_deref()),
        }
    }

    /// Turns the parse result into the typed error the state recorded, or a JSON error.
    ///
    /// # Errors
    ///
    /// The typed error; [`Error::ClaimType`] for a value of the wrong type;
    /// [`Error::Malformed`] for JSON that is not an object or not valid.
    pub fn finish<T>(&mut self, result: Result<T, serde_json::Error>) -> Result<T, Error> {
        result.map_err(|error| {
            json::classify(
                self.error.take(),
                self.current.take(),
                &error,
                Segment::Payload,
            )
        })
    }
}

const AUDIENCE_EXPECTED: &str = "a string or an array of strings";

/// Reads a time claim's text, then the claim type from the number the scanner reads in it.
struct ExactTimeSeed<'f, T> {
    read: fn(serde_json::Number) -> serde_json::Result<T>,
    /// Set when the value is not a JSON number (or not JSON).
    not_a_number: &'f mut bool,
}

impl<'de, T> DeserializeSeed<'de> for ExactTimeSeed<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let text = match <&'de serde_json::value::RawValue>::deserialize(deserializer) {
            Ok(raw) => raw.get(),
            Err(error) => {
                *self.not_a_number = true;
                return Err(error);
            }
        };
        match scan::exact_number(text) {
            Ok(Some(number)) => (self.read)(number.into_json()).map_err(de::Error::custom),
            // Beyond f64: a claim type error, as serde_json's own "number out of range" is
            // inside a claim (`json::classify`).
            Ok(None) => Err(de::Error::custom("number out of range")),
            Err(Bail) => {
                *self.not_a_number = true;
                Err(de::Error::custom("not a number"))
            }
        }
    }
}

/// Reads a JSON number as serde_json reads it, then the claim type from it: only for the
/// error of a time claim that is not a number (see [`DecodeState::time`]).
struct SerdeNumberSeed<T>(fn(serde_json::Number) -> serde_json::Result<T>);

impl<'de, T> DeserializeSeed<'de> for SerdeNumberSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        (self.0)(number).map_err(de::Error::custom)
    }
}

/// Reads a JSON string or array of strings, then the claim type from it.
struct AudienceSeed<T>(fn(Vec<String>) -> Option<T>, fn(String) -> Option<T>);

impl<'de, T> DeserializeSeed<'de> for AudienceSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let audience = match HiddenAudienceSeed.deserialize(deserializer)? {
            HiddenAudience::One(audience) => (self.1)(audience.into_owned()),
            HiddenAudience::Many(audiences) => (self.0)(audiences),
        };
        audience.ok_or_else(|| de::Error::custom(AUDIENCE_EXPECTED))
    }
}

/// An `aud` as the token carries it: one string (borrowed from the payload when it has no
/// escapes, so that reading it allocates nothing) or an array of strings.
#[derive(Debug)]
pub(crate) enum HiddenAudience<'de> {
    One(Cow<'de, str>),
    Many(Vec<String>),
}

impl AudienceClaim for HiddenAudience<'_> {
    fn contains(&self, expected: &str) -> bool {
        match self {
            HiddenAudience::One(audience) => audience == expected,
            HiddenAudience::Many(audiences) => {
                audiences.iter().any(|audience| audience == expected)
            }
        }
    }

    fn serialize_claim<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            HiddenAudience::One(audience) => serializer.serialize_str(audience),
            HiddenAudience::Many(audiences) => audiences.serialize(serializer),
        }
    }

    fn from_audiences(audiences: Vec<String>) -> Option<Self> {
        Some(HiddenAudience::Many(audiences))
    }
}

/// Reads a JSON string or an array of strings.
struct HiddenAudienceSeed;

impl<'de> DeserializeSeed<'de> for HiddenAudienceSeed {
    type Value = HiddenAudience<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for HiddenAudienceSeed {
    type Value = HiddenAudience<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(AUDIENCE_EXPECTED)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(HiddenAudience::One(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(HiddenAudience::One(Cow::Owned(value.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        crate::claim_types::StringOrArray
            .visit_seq(seq)
            .map(HiddenAudience::Many)
    }
}

/// What [`Members::next_member`] found.
#[derive(Debug)]
pub enum NextMember<'de> {
    /// The member whose name the caller expected, its `:` consumed.
    Expected,
    /// Another member, by its unescaped name.
    Named(Cow<'de, str>),
    /// The end of the object.
    End,
}

impl<'de> From<Option<Cow<'de, str>>> for NextMember<'de> {
    /// A name [`Members::next_name`] read, or its end of the object.
    fn from(name: Option<Cow<'de, str>>) -> Self {
        name.map_or(NextMember::End, NextMember::Named)
    }
}

/// The members of a claims object, as the generated `__read_members` reads them: one
/// implementation over the payload's bytes (a strict scanner, the fast path) and one over serde
/// (the reference, which also yields every error). The generated code is written once against
/// this trait, so the two cannot drift apart.
pub trait Members<'de> {
    /// Why reading stopped.
    type Error: de::Error;

    /// The next member's name, unescaped; `None` after the last.
    ///
    /// # Errors
    ///
    /// Malformed JSON.
    fn next_name(&mut self) -> Result<Option<Cow<'de, str>>, Self::Error>;

    /// The next member, like [`Members::next_name`], told apart early when its name is
    /// written exactly as `expected` (`"name":`, escaped as serde_json escapes it): the
    /// generated loop passes the member that follows the one it just read in the type's
    /// declaration order, the order in which an issuer's own encoder writes them.
    ///
    /// The default reads the name and lets the caller match it.
    ///
    /// # Errors
    ///
    /// Malformed JSON.
    fn next_member(&mut self, expected: &'static [u8]) -> Result<NextMember<'de>, Self::Error> {
        let _ = expected;
        self.next_name().map(NextMember::from)
    }

    /// The value of a time claim.
    ///
    /// # Errors
    ///
    /// A value the claim type cannot hold; malformed JSON.
    fn time<T>(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
        ops: TimeOps<T>,
    ) -> Result<T, Self::Error>;

    /// The value of the `aud` claim.
    ///
    /// # Errors
    ///
    /// A value the claim type cannot hold; malformed JSON.
    fn audience<T>(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
        ops: AudienceOps<T>,
    ) -> Result<T, Self::Error>;

    /// A string claim into a `Cow`, borrowed when it has no escapes.
    ///
    /// # Errors
    ///
    /// Not a string; malformed JSON.
    fn cow_str(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
    ) -> Result<Cow<'de, str>, Self::Error>;

    /// Any other claim, through its `Deserialize` implementation.
    ///
    /// # Errors
    ///
    /// The type's error; malformed JSON.
    fn value<T: Deserialize<'de>>(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
        expected: &'static str,
    ) -> Result<T, Self::Error>;

    /// A member the struct has no field for (see [`DecodeState::other`]).
    ///
    /// # Errors
    ///
    /// A duplicate; a mistyped registered claim; malformed JSON.
    fn other(
        &mut self,
        state: &mut DecodeState<'de>,
        key: Cow<'de, str>,
    ) -> Result<(), Self::Error>;
}

/// The reference: members read through serde_json's `MapAccess`, with typed errors.
struct SerdeMembers<'m, A>(&'m mut A);

impl<'de, A: MapAccess<'de>> Members<'de> for SerdeMembers<'_, A> {
    type Error = A::Error;

    fn next_name(&mut self) -> Result<Option<Cow<'de, str>>, A::Error> {
        Ok(self.0.next_key::<MemberName<'de>>()?.map(|name| name.0))
    }

    fn time<T>(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
        ops: TimeOps<T>,
    ) -> Result<T, A::Error> {
        state.time(self.0, name, ops)
    }

    fn audience<T>(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
        ops: AudienceOps<T>,
    ) -> Result<T, A::Error> {
        state.audience(self.0, name, ops)
    }

    fn cow_str(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
    ) -> Result<Cow<'de, str>, A::Error> {
        state.cow_str(self.0, name)
    }

    fn value<T: Deserialize<'de>>(
        &mut self,
        state: &mut DecodeState<'de>,
        name: &'static str,
        expected: &'static str,
    ) -> Result<T, A::Error> {
        state.value(self.0, name, expected)
    }

    fn other(&mut self, state: &mut DecodeState<'de>, key: Cow<'de, str>) -> Result<(), A::Error> {
        state.other(self.0, key)
    }
}

/// The fast path: members read straight from the payload's bytes. Any doubt is a [`Bail`].
struct ScannedMembers<'s, 'de> {
    scanner: &'s mut Scanner<'de>,
    first: bool,
}

impl<'de> ScannedMembers<'_, 'de> {
    fn numeric_date(&mut self) -> Result<NumericDate, Bail> {
        let number = self.scanner.number()?.into_json();
        NumericDate::deserialize_claim(number).map_err(|_| Bail)
    }

    fn hidden_audience(&mut self) -> Result<HiddenAudience<'de>, Bail> {
        match self.scanner.peek_value() {
            Some(b'"') => self.scanner.string().map(HiddenAudience::One),
            Some(b'[') => Vec::<String>::deserialize(ValueDeserializer(self.scanner))
                .map(HiddenAudience::Many),
            _ => Err(Bail),
        }
    }
}

impl<'de> Members<'de> for ScannedMembers<'_, 'de> {
    type Error = Bail;

    #[inline]
    fn next_name(&mut self) -> Result<Option<Cow<'de, str>>, Bail> {
        let name = self.scanner.next_name(self.first)?;
        self.first = false;
        Ok(name)
    }

    #[inline]
    fn next_member(&mut self, expected: &'static [u8]) -> Result<NextMember<'de>, Bail> {
        if self.scanner.next_name_is(self.first, expected) {
            self.first = false;
            return Ok(NextMember::Expected);
        }
        self.next_name().map(NextMember::from)
    }

    fn time<T>(
        &mut self,
        _: &mut DecodeState<'de>,
        _: &'static str,
        ops: TimeOps<T>,
    ) -> Result<T, Bail> {
        let number = self.scanner.number()?;
        (ops.read)(number.into_json()).map_err(|_| Bail)
    }

    fn audience<T>(
        &mut self,
        _: &mut DecodeState<'de>,
        _: &'static str,
        ops: AudienceOps<T>,
    ) -> Result<T, Bail> {
        match self.hidden_audience()? {
            HiddenAudience::One(audience) => (ops.from_audience)(audience.into_owned()),
            HiddenAudience::Many(audiences) => (ops.from_audiences)(audiences),
        }
        .ok_or(Bail)
    }

    fn cow_str(
        &mut self,
        _: &mut DecodeState<'de>,
        _: &'static str,
    ) -> Result<Cow<'de, str>, Bail> {
        self.scanner.string()
    }

    #[inline]
    fn value<T: Deserialize<'de>>(
        &mut self,
        _: &mut DecodeState<'de>,
        _: &'static str,
        _: &'static str,
    ) -> Result<T, Bail> {
        T::deserialize(ValueDeserializer(self.scanner))
    }

    fn other(&mut self, state: &mut DecodeState<'de>, key: Cow<'de, str>) -> Result<(), Bail> {
        let hidden = &mut state.hidden;
        macro_rules! hidden {
            ($slot:ident, $read:expr) => {{
                if hidden.$slot.is_some() {
                    return Err(Bail);
                }
                hidden.$slot = Some($read?);
                Ok(())
            }};
        }
        match &*key {
            "exp" => hidden!(exp, self.numeric_date()),
            "nbf" => hidden!(nbf, self.numeric_date()),
            "iat" => hidden!(iat, self.numeric_date()),
            "iss" => hidden!(iss, self.scanner.string()),
            "sub" => hidden!(sub, self.scanner.string()),
            "jti" => hidden!(jti, self.scanner.string()),
            "aud" => hidden!(aud, self.hidden_audience()),
            _ => {
                state
                    .unknown
                    .insert(key, Segment::Payload)
                    .map_err(|_| Bail)?;
                self.scanner.skip_value().map(drop)
            }
        }
    }
}

/// Reads the claims object straight from the payload's bytes; `None` when the scanner is
/// not sure, and the reference must decide.
pub(crate) fn decode_scanned<'de, C: DecodeClaims<'de>>(
    json: &'de [u8],
) -> Option<(C, DecodeState<'de>)> {
    let mut state = DecodeState::default();
    decode_scanned_into(json, &mut state).map(|claims| (claims, state))
}

/// [`decode_scanned`] into a caller's decode state (not moved around with the claims); on
/// `None` the state holds whatever was read before the scanner gave up.
pub(crate) fn decode_scanned_into<'de, C: DecodeClaims<'de>>(
    json: &'de [u8],
    state: &mut DecodeState<'de>,
) -> Option<C> {
    let mut scanner = Scanner::new(json).ok()?;
    scanner.begin_object().ok()?;
    let mut members = ScannedMembers {
        scanner: &mut scanner,
        first: true,
    };
    let claims = C::__read_members(&mut members, state).ok()?;
    scanner.end().ok()?;
    Some(claims)
}

/// Reads the claims object through serde_json, with typed errors: the reference.
pub(crate) fn decode_with_serde<'de, C: DecodeClaims<'de>>(
    json: &'de [u8],
    state: &mut DecodeState<'de>,
) -> Result<C, Error> {
    let mut result = read_with_serde(json, state);
    if let Some(index) = state.times.not_a_number {
        // A time claim that is not a number: once more, that claim read as serde_json reads
        // a number, for serde_json's own error (see `DecodeState::time`).
        *state = DecodeState::default();
        state.times.for_error = Some(index);
        result = read_with_serde(json, state);
    }
    state.finish(result)
}

fn read_with_serde<'de, C: DecodeClaims<'de>>(
    json: &'de [u8],
    state: &mut DecodeState<'de>,
) -> Result<C, serde_json::Error> {
    json::deserialize_object(
        json,
        ClaimsVisitor {
            state,
            marker: PhantomData::<fn() -> C>,
        },
    )
}

struct ClaimsVisitor<'s, 'de, C> {
    state: &'s mut DecodeState<'de>,
    marker: PhantomData<fn() -> C>,
}

impl<'de, C: DecodeClaims<'de>> Visitor<'de> for ClaimsVisitor<'_, 'de, C> {
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<C, A::Error> {
        C::__read_members(&mut SerdeMembers(&mut map), self.state)
    }
}

#[cfg(test)]
mod exact_time_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(crate::Claims, Debug)]
    #[claims(crate = "crate")]
    struct Dates {
        exp: Option<NumericDate>,
        nbf: Option<u64>,
        iat: Option<i64>,
    }

    #[derive(crate::Claims, Debug)]
    #[claims(crate = "crate")]
    struct Instants {
        exp: Option<std::time::SystemTime>,
    }

    #[derive(crate::Claims, Debug)]
    #[claims(crate = "crate")]
    struct NoTimes {
        sub: Option<String>,
    }

    /// The serde path's outcome for `json`, with its first time claim read exactly (as it
    /// is) or as serde_json reads any number (as it was), as text to compare.
    fn outcome<'de, C: DecodeClaims<'de> + fmt::Debug>(json: &'de str, exactly: bool) -> String {
        let mut state = DecodeState::default();
        if !exactly {
            state.times.for_error = Some(0);
        }
        let decoded = decode_with_serde::<C>(json.as_bytes(), &mut state);
        format!("{decoded:?} {:?}", state.hidden)
    }

    #[test]
    fn a_time_claim_that_is_not_an_exact_number_gets_the_error_it_always_got() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let values = [
            r#""1""#,
            "null",
            "true",
            "false",
            "tru",
            "nul",
            "[]",
            "{}",
            "[1,}",
            "[1",
            "[1 2]",
            r#"{"a":1"#,
            r#"{"a"}"#,
            r#"{"a":1,"a":2}"#,
            r#"["\ud800"]"#,
            r#""\ud800""#,
            r#""\udc00x""#,
            r#""\x""#,
            r#""abc"#,
            "\"a\u{1}b\"",
            "01",
            "-01",
            "1.",
            "1.e5",
            "-",
            "1e",
            "1e+",
            ".5",
            "+1",
            "x",
            "",
            "}",
            ",",
            "1e400",
            "-1e400",
            "1e999999999999999999",
            "-1e999999999999999999",
            "1.5",
            "-1",
            "-0",
            "1E2",
            "1e2",
            "18446744073709551616",
            "-9223372036854775809",
            "1e300",
            "-1e300",
            "1 2",
            " 1.5 ",
            "1700000000",
            "1700000000.5",
            &deep,
        ];
        for value in values {
            for json in [
                format!(r#"{{"exp":{value}}}"#),
                format!(r#"{{"nbf":{value}}}"#),
                format!(r#"{{"iat":{value}}}"#),
                format!(r#"{{"sub":"x","exp":{value},"nbf":1}}"#),
            ] {
                for (exactly, before) in [
                    (
                        outcome::<Dates>(&json, true),
                        outcome::<Dates>(&json, false),
                    ),
                    (
                        outcome::<Instants>(&json, true),
                        outcome::<Instants>(&json, false),
                    ),
                    (
                        outcome::<NoTimes>(&json, true),
                        outcome::<NoTimes>(&json, false),
                    ),
                ] {
                    assert_eq!(exactly, before, "{json}");
                }
            }
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for value in [
            "plain",
            "",
            "a\"b",
            "back\\slash",
            "\u{1}\n\t\u{1f}",
            "\u{7f}é😀/",
        ] {
            let mut out = JsonBuffer::new();
            let mut writer = PayloadWriter::new(&mut out);
            writer.str("\"k\":", value).unwrap();
            writer.str("\"l\":", value).unwrap();
            writer.finish();
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(
                out.as_bytes(),
                format!(r#"{{"k":{json},"l":{json}}}"#).as_bytes()
            );
        }
    }
}
