//! The types registered claims may have: strings for `iss`, `sub` and `jti`, and audiences
//! for `aud`. Time claims are in [`crate::time`].

use std::borrow::Cow;

use serde::Deserializer;
use serde::de::{self, Deserialize, SeqAccess, Visitor};

/// A type an `iss`, `sub` or `jti` field may have.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a string type, so it cannot hold the `iss`, `sub` or `jti` claim",
    label = "`iss`, `sub` and `jti` need a string type",
    note = "use `String`, `&str`, `Cow<str>`, `Box<str>` or `Arc<str>`"
)]
pub trait StringClaim {
    /// The claim's text, for validation.
    fn as_claim_str(&self) -> &str;
}

impl StringClaim for String {
    fn as_claim_str(&self) -> &str {
        self
    }
}

impl StringClaim for &str {
    fn as_claim_str(&self) -> &str {
        self
    }
}

impl StringClaim for Cow<'_, str> {
    fn as_claim_str(&self) -> &str {
        self
    }
}

impl StringClaim for Box<str> {
    fn as_claim_str(&self) -> &str {
        self
    }
}

impl StringClaim for std::sync::Arc<str> {
    fn as_claim_str(&self) -> &str {
        self
    }
}

/// A type an `aud` field may have: on decode each accepts a JSON string or an array of
/// strings (RFC 7519 §4.1.3).
///
/// - `String`: one audience; an array must hold exactly one.
/// - `Vec<String>` and [`Audience`]: any number.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the `aud` claim",
    label = "`aud` needs `String`, `Vec<String>` or `jwt_runtime::Audience`"
)]
pub trait AudienceClaim {
    /// True when one of the token's audiences is exactly `expected`.
    fn contains(&self, expected: &str) -> bool;

    /// Writes the claim: a string for one audience, an array otherwise.
    ///
    /// # Errors
    ///
    /// Whatever the serializer reports.
    fn serialize_claim<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        Self: Sized;

    /// Builds the claim from the token's audiences (a JSON string reads as one).
    /// `None` when this type cannot hold them (a `String` holds exactly one).
    fn from_audiences(audiences: Vec<String>) -> Option<Self>
    where
        Self: Sized;

    /// Builds the claim from a token whose `aud` is one string. The default goes through
    /// [`AudienceClaim::from_audiences`]; `String` keeps the string (one allocation, not two).
    #[doc(hidden)]
    fn from_audience(audience: String) -> Option<Self>
    where
        Self: Sized,
    {
        Self::from_audiences(vec![audience])
    }
}

/// The `aud` claim: one audience or several, as the token carries it.
///
/// Serializes as a JSON string when it holds exactly one audience, as an array otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(Vec<String>);

impl Audience {
    /// One audience.
    #[must_use]
    pub fn one(audience: impl Into<String>) -> Self {
        Audience(vec![audience.into()])
    }

    /// Several audiences.
    #[must_use]
    pub fn many<I: IntoIterator<Item = S>, S: Into<String>>(audiences: I) -> Self {
        Audience(audiences.into_iter().map(Into::into).collect())
    }

    /// The audiences.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl AudienceClaim for Audience {
    fn contains(&self, expected: &str) -> bool {
        self.0.iter().any(|audience| audience == expected)
    }

    fn serialize_claim<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => serializer.serialize_str(one),
            many => serde::Serialize::serialize(many, serializer),
        }
    }

    fn from_audiences(audiences: Vec<String>) -> Option<Self> {
        Some(Audience(audiences))
    }
}

impl AudienceClaim for Vec<String> {
    fn contains(&self, expected: &str) -> bool {
        self.iter().any(|audience| audience == expected)
    }

    fn serialize_claim<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(self, serializer)
    }

    fn from_audiences(audiences: Vec<String>) -> Option<Self> {
        Some(audiences)
    }
}

impl AudienceClaim for String {
    fn contains(&self, expected: &str) -> bool {
        self == expected
    }

    fn serialize_claim<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }

    fn from_audiences(mut audiences: Vec<String>) -> Option<Self> {
        (audiences.len() == 1).then(|| audiences.swap_remove(0))
    }

    fn from_audience(audience: String) -> Option<Self> {
        Some(audience)
    }
}

/// Reads a JSON string or array of strings into a `Vec`.
pub(crate) struct StringOrArray;

impl<'de> Visitor<'de> for StringOrArray {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(vec![value.to_owned()])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut audiences = Vec::new();
        while let Some(audience) = seq.next_element::<String>()? {
            audiences.push(audience);
        }
        Ok(audiences)
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringOrArray).map(Audience)
    }
}

impl serde::Serialize for Audience {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize_claim(serializer)
    }
}
