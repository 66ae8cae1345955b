//! Support for the code `#[derive(Claims)]` generates. Not public API: no semver promise.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::claims::{AudienceClaim, StringClaim};
use crate::error::{Error, Malformed, Segment, excerpt};
use crate::time::{NumericDate, TimeClaim};

pub use crate::alg::{Hs256, Hs384, Hs512};
pub use crate::replay::{OneUse, Reusable};
pub use core::option::Option::{None, Some};
pub use core::result::Result::{Err, Ok};
pub use serde;

/// What a claims type declares in `#[claims(...)]` and `window = ...`.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// `iss = "..."`: the expected issuer, unless replaced at run time.
    pub issuer: Option<&'static str>,
    /// `aud = "..."` or `aud = [...]`: accepted audiences, unless replaced at run time.
    pub audience: &'static [&'static str],
    /// `typ = "..."`: the exact header `typ`; `None` accepts `JWT` and `+jwt` types.
    pub typ: Option<&'static str>,
    /// `leeway = "..."`: clock skew tolerance, unless replaced at run time.
    pub leeway: Duration,
    /// `#[claim(iat, window = "...")]`: how old `iat` may be.
    pub iat_window: Option<Duration>,
}

impl Schema {
    /// The schema of a type that declares nothing.
    pub const DEFAULT: Schema = Schema {
        issuer: None,
        audience: &[],
        typ: None,
        leeway: Duration::ZERO,
        iat_window: None,
    };
}

/// The registered claims of a decoded token, for validation.
#[derive(Default, Clone, Copy)]
pub struct Registered<'c> {
    pub exp: Option<NumericDate>,
    pub nbf: Option<NumericDate>,
    pub iat: Option<NumericDate>,
    pub iss: Option<&'c str>,
    pub sub: Option<&'c str>,
    pub aud: Option<&'c dyn AudienceClaim>,
    pub jti: Option<&'c str>,
}

impl<'c> Registered<'c> {
    /// Fills each claim the struct has no field for from the hidden slots.
    pub(crate) fn or_hidden(self, hidden: &'c Hidden<'_>) -> Registered<'c> {
        Registered {
            exp: self.exp.or(hidden.exp),
            nbf: self.nbf.or(hidden.nbf),
            iat: self.iat.or(hidden.iat),
            iss: self.iss.or(hidden.iss.as_deref()),
            sub: self.sub.or(hidden.sub.as_deref()),
            aud: self
                .aud
                .or(hidden.aud.as_ref().map(|aud| aud as &dyn AudienceClaim)),
            jti: self.jti.or(hidden.jti.as_deref()),
        }
    }
}

/// What the generated code needs of a time claim type, as plain function pointers.
///
/// The derive calls [`time_ops`] wherever it needs a time field's behaviour, spanned on the
/// field's type: a type that is not a [`TimeClaim`] then fails that one bound, and the
/// compiler reports a single error on the field type instead of one per use.
pub struct TimeOps<T> {
    pub expected: &'static str,
    pub date: fn(&T) -> NumericDate,
    write: fn(&T, &mut crate::codec::JsonBuffer) -> serde_json::Result<()>,
    read: fn(serde_json::Number) -> serde_json::Result<T>,
}

impl<T> Clone for TimeOps<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for TimeOps<T> {}

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
    pub as_dyn: fn(&T) -> &dyn AudienceClaim,
    write: fn(&T, &mut crate::codec::JsonBuffer) -> serde_json::Result<()>,
    from_audiences: fn(Vec<String>) -> Option<T>,
    from_audience: fn(String) -> Option<T>,
}

impl<T> Clone for AudienceOps<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for AudienceOps<T> {}

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
    pub as_str: fn(&T) -> &str,
}

impl<T: ?Sized> Clone for StringOps<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for StringOps<T> {}

pub const fn string_ops<T: StringClaim + ?Sized>() -> StringOps<T> {
    StringOps {
        as_str: T::as_claim_str,
    }
}

/// Writes a claims object member by member.
pub struct PayloadWriter<'o> {
    out: &'o mut crate::codec::JsonBuffer,
    members: usize,
}

impl<'o> PayloadWriter<'o> {
    pub(crate) fn new(out: &'o mut crate::codec::JsonBuffer) -> Self {
        out.push(b'{');
        PayloadWriter { out, members: 0 }
    }

    pub(crate) fn finish(self) {
        self.out.push(b'}');
    }

    fn key(&mut self, name: &str) -> Result<(), Error> {
        if self.members > 0 {
            self.out.push(b',');
        }
        self.members += 1;
        serde_json::to_writer(&mut *self.out, name).map_err(encode_error)?;
        self.out.push(b':');
        Ok(())
    }

    /// A time claim (`exp`, `nbf`, `iat`).
    pub fn time<T>(&mut self, name: &str, value: &T, ops: TimeOps<T>) -> Result<(), Error> {
        self.key(name)?;
        (ops.write)(value, self.out).map_err(encode_error)
    }

    /// The `aud` claim.
    pub fn audience<T>(&mut self, name: &str, value: &T, ops: AudienceOps<T>) -> Result<(), Error> {
        self.key(name)?;
        (ops.write)(value, self.out).map_err(encode_error)
    }

    /// Any other claim, through its `Serialize` implementation.
    pub fn value<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        self.key(name)?;
        serde_json::to_writer(&mut *self.out, value).map_err(encode_error)
    }
}

fn encode_error(error: serde_json::Error) -> Error {
    Error::Encode(error.to_string())
}

/// Registered claims the struct has no field for: still type-checked and validated.
#[derive(Default)]
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
    pub(crate) hidden: Hidden<'de>,
    unknown: Option<HashSet<Cow<'de, str>>>,
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

    /// A time claim.
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
        self.read(map, name, ops.expected, TimeSeed(ops.read))
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
        self.read(map, name, "a string", CowStrSeed)
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
        self.read(map, name, expected, PhantomData::<T>)
    }

    /// A member the struct has no field for: a registered claim goes to a hidden slot (still
    /// type-checked and validated), anything else is skipped. Duplicates are refused either way.
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
                let unknown = self.unknown.get_or_insert_with(HashSet::new);
                if unknown.contains(&*key) {
                    return Err(self.fail(Error::DuplicateMember {
                        segment: Segment::Payload,
                        name: excerpt(&key),
                    }));
                }
                unknown.insert(key);
                map.next_value_seed(Skip)
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

    /// Turns the parse result into the typed error the state recorded, or a JSON error.
    ///
    /// # Errors
    ///
    /// The typed error; [`Error::ClaimType`] for a value of the wrong type;
    /// [`Error::Malformed`] for JSON that is not an object or not valid.
    pub fn finish<T>(&mut self, result: Result<T, serde_json::Error>) -> Result<T, Error> {
        result.map_err(|error| {
            classify(
                self.error.take(),
                self.current.take(),
                &error,
                Segment::Payload,
            )
        })
    }
}

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

/// Parses `json` as exactly one JSON object with `visitor`; nothing may follow it.
///
/// # Errors
///
/// serde_json's error; [`DecodeState::finish`] turns it into a typed one.
pub fn deserialize_object<'de, V: Visitor<'de>>(
    json: &'de [u8],
    visitor: V,
) -> Result<V::Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let value = deserializer.deserialize_map(visitor)?;
    deserializer.end()?;
    Ok(value)
}

/// Skips one JSON value. Unlike serde's `IgnoredAny` (which serde_json skips without any
/// depth limit), this goes through `deserialize_any`, so serde_json's nesting limit of 128
/// applies to skipped members as to every other value.
#[derive(Clone, Copy)]
pub(crate) struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Member names of skipped objects are not checked for duplicates: nothing reads them.
        while map.next_key::<de::IgnoredAny>()?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// A member name, borrowed from the payload unless it had escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CowStrVisitor).map(Key)
    }
}

struct CowStrVisitor;

impl<'de> Visitor<'de> for CowStrVisitor {
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

struct CowStrSeed;

impl<'de> DeserializeSeed<'de> for CowStrSeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(CowStrVisitor)
    }
}

const AUDIENCE_EXPECTED: &str = "a string or an array of strings";

/// Reads a JSON number, then the claim type from it.
struct TimeSeed<T>(fn(serde_json::Number) -> serde_json::Result<T>);

impl<'de, T> DeserializeSeed<'de> for TimeSeed<T> {
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
        crate::claims::StringOrArray
            .visit_seq(seq)
            .map(HiddenAudience::Many)
    }
}

#[cfg(test)]
mod classify_tests {
    use super::*;

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
