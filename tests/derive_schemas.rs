//! Unusual but valid schemas: each one encodes, then decodes with a fixed clock to the same
//! value, and its token carries exactly the declared claims.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use jwt_runtime::{
    AudienceClaim, Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, StringClaim, TimeClaim,
    Validation, base64url,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const NOW: i64 = 1_700_000_000;

fn now() -> NumericDate {
    NumericDate::from_secs(NOW)
}

fn later() -> NumericDate {
    now() + Duration::from_secs(600)
}

fn at_now() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(now()))
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"0123456789abcdef0123456789abcdef").unwrap()
}

fn payload(token: &str) -> serde_json::Value {
    let segment = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64url::decode(segment.as_bytes()).unwrap()).unwrap()
}

/// Encodes, checks the payload, decodes and compares.
fn round_trip<C>(claims: &C, expected: &serde_json::Value) -> C
where
    C: Claims<Algorithm = Hs256, Replay = jwt_runtime::replay::Reusable>
        + for<'de> jwt_runtime::DecodeClaims<'de>
        + PartialEq
        + std::fmt::Debug,
{
    let token = claims.encode(&key()).unwrap();
    assert_eq!(&payload(&token), expected);
    let decoded: C = at_now().decode(&token, &key()).unwrap();
    assert_eq!(&decoded, claims);
    decoded
}

// `$ty:ty` fragments reach the derive inside invisible groups.
macro_rules! claims_struct {
    ($name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        #[derive(Claims, Debug, PartialEq)]
        struct $name { $($field: $ty),* }
    };
}

claims_struct!(FromMacro {
    exp: NumericDate,
    nbf: Option<NumericDate>,
    nick: Option<String>,
    sub: Cow<'static, str>,
});

#[test]
fn types_from_macro_fragments_are_seen_through() {
    let claims = FromMacro {
        exp: later(),
        nbf: None,
        nick: None,
        sub: "u".into(),
    };
    // `None` is omitted, not written as `null`, and optional on decode.
    round_trip(&claims, &serde_json::json!({"exp": NOW + 600, "sub": "u"}));
    // `nbf` is validated as `nbf`.
    let early = FromMacro {
        nbf: Some(later()),
        ..claims
    };
    let token = early.encode(&key()).unwrap();
    assert!(matches!(
        at_now().decode::<FromMacro, _>(&token, &key()),
        Err(Error::NotYetValid { .. })
    ));
}

#[allow(unused_parens)]
#[derive(Claims, Debug, PartialEq)]
struct Parenthesised {
    exp: (NumericDate),
    nick: Option<(String)>,
    #[claim(sub)]
    subject: (Box<str>),
}

#[test]
fn parenthesised_types_are_the_same_types() {
    let claims = Parenthesised {
        exp: later(),
        nick: None,
        subject: "s".into(),
    };
    round_trip(&claims, &serde_json::json!({"exp": NOW + 600, "sub": "s"}));
}

#[derive(Claims, Debug, PartialEq)]
struct WithSerdeBounds<T: Serialize + DeserializeOwned> {
    exp: NumericDate,
    data: T,
    more: Option<T>,
    list: Vec<T>,
}

#[derive(Claims, Debug, PartialEq)]
struct WhereBounds<T>
where
    T: Serialize + for<'de> Deserialize<'de>,
{
    exp: NumericDate,
    data: T,
}

#[derive(Claims, Debug, PartialEq)]
struct Inferred<T> {
    exp: NumericDate,
    data: T,
}

#[derive(Claims, Debug, PartialEq)]
#[claims(bound = "T: Serialize + DeserializeOwned + PartialEq")]
struct ExplicitBound<T> {
    exp: NumericDate,
    data: Vec<T>,
}

#[test]
fn generic_structs_get_serde_s_inferred_bounds_or_the_given_ones() {
    round_trip(
        &WithSerdeBounds {
            exp: later(),
            data: 1u8,
            more: Some(2),
            list: vec![3],
        },
        &serde_json::json!({"exp": NOW + 600, "data": 1, "more": 2, "list": [3]}),
    );
    round_trip(
        &WhereBounds {
            exp: later(),
            data: "x".to_owned(),
        },
        &serde_json::json!({"exp": NOW + 600, "data": "x"}),
    );
    round_trip(
        &Inferred {
            exp: later(),
            data: vec![true],
        },
        &serde_json::json!({"exp": NOW + 600, "data": [true]}),
    );
    round_trip(
        &ExplicitBound {
            exp: later(),
            data: vec![1i32],
        },
        &serde_json::json!({"exp": NOW + 600, "data": [1]}),
    );
}

#[derive(Claims, Debug, PartialEq)]
struct GenericSubject<S: StringClaim> {
    exp: NumericDate,
    sub: S,
}

#[derive(Claims, Debug, PartialEq)]
struct GenericIssuer<S> {
    exp: NumericDate,
    iss: Option<S>,
}

#[test]
fn generic_string_claims_need_no_serialize_bound() {
    round_trip(
        &GenericSubject {
            exp: later(),
            sub: "alice".to_owned(),
        },
        &serde_json::json!({"exp": NOW + 600, "sub": "alice"}),
    );
    round_trip(
        &GenericIssuer {
            exp: later(),
            iss: Some(Arc::<str>::from("me")),
        },
        &serde_json::json!({"exp": NOW + 600, "iss": "me"}),
    );
}

#[derive(Claims, Debug, PartialEq)]
#[claims(aud = "api")]
struct GenericRegistered<D: TimeClaim, A: AudienceClaim> {
    exp: D,
    aud: A,
}

#[test]
fn generic_time_and_audience_claims_need_only_their_trait() {
    round_trip(
        &GenericRegistered {
            exp: NOW as u64 + 600,
            aud: vec!["api".to_owned()],
        },
        &serde_json::json!({"exp": NOW + 600, "aud": ["api"]}),
    );
}

#[derive(Claims, Debug, PartialEq)]
struct SharedStrings {
    exp: NumericDate,
    sub: Arc<str>,
    iss: Box<str>,
    jwt_id_hint: Arc<str>,
}

#[test]
fn every_documented_string_type_decodes_out_of_the_box() {
    round_trip(
        &SharedStrings {
            exp: later(),
            sub: "s".into(),
            iss: "i".into(),
            jwt_id_hint: "h".into(),
        },
        &serde_json::json!({"exp": NOW + 600, "sub": "s", "iss": "i", "jwt_id_hint": "h"}),
    );
}

#[derive(Claims, Debug, PartialEq)]
struct StaticCow {
    exp: NumericDate,
    iss: Cow<'static, str>,
    scope: Cow<'static, str>,
    note: Option<Cow<'static, str>>,
}

#[test]
fn static_cows_encode_borrowed_and_decode_owned() {
    let decoded = round_trip(
        &StaticCow {
            exp: later(),
            iss: Cow::Borrowed("https://issuer.example"),
            scope: Cow::Borrowed("read"),
            note: Some(Cow::Borrowed("n")),
        },
        &serde_json::json!({
            "exp": NOW + 600, "iss": "https://issuer.example", "scope": "read", "note": "n"
        }),
    );
    assert!(matches!(decoded.iss, Cow::Owned(_)));
}

#[derive(Debug, Default, PartialEq)]
struct Cache(u32);

#[derive(Claims, Debug, PartialEq)]
struct WithSkipped<T> {
    exp: NumericDate,
    #[claim(skip)]
    cache: Cache,
    #[claim(skip)]
    marker: PhantomData<T>,
    /// A skipped field named like a registered claim is no claim at all.
    #[claim(skip)]
    sub: Option<String>,
}

#[test]
fn skipped_fields_stay_out_of_the_token_and_decode_as_default() {
    let claims = WithSkipped::<u8> {
        exp: later(),
        cache: Cache(7),
        marker: PhantomData,
        sub: Some("not sent".into()),
    };
    let token = claims.encode(&key()).unwrap();
    assert_eq!(payload(&token), serde_json::json!({"exp": NOW + 600}));
    let decoded: WithSkipped<u8> = at_now().decode(&token, &key()).unwrap();
    assert_eq!(decoded.cache, Cache(0));
    assert_eq!(decoded.sub, None);
}

#[derive(Claims, Serialize, Deserialize, Debug, PartialEq)]
struct SerdeAttributes {
    /// Honoured: this field is the `exp` claim and is validated as such.
    #[serde(rename = "exp")]
    expires: NumericDate,
    /// Honoured: a custom claim's name.
    #[serde(rename = "https://example.com/role")]
    role: String,
    /// Honoured: not in the token, `Default` on decode.
    #[serde(skip)]
    session_cache: Vec<u8>,
    /// What an `Option` claim does anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nick: Option<String>,
    /// Likewise, by its full path.
    #[serde(default)]
    #[serde(skip_serializing_if = "std::option::Option::is_none")]
    unit: Option<String>,
    /// The same name in both attributes agrees.
    #[serde(rename = "org")]
    #[claim(rename = "org")]
    organisation: String,
    /// Keys that do not change the token are left to serde.
    #[serde(borrow = "'static")]
    #[claim(skip)]
    label: Cow<'static, str>,
}

#[test]
fn serde_attributes_that_rename_or_skip_are_honoured_like_serde() {
    let claims = SerdeAttributes {
        expires: later(),
        role: "admin".into(),
        session_cache: vec![1, 2],
        nick: None,
        unit: None,
        organisation: "o".into(),
        label: Cow::Borrowed(""),
    };
    let token = claims.encode(&key()).unwrap();
    let expected = serde_json::json!({
        "exp": NOW + 600, "https://example.com/role": "admin", "org": "o"
    });
    assert_eq!(payload(&token), expected);
    // serde's own derive writes the same object.
    assert_eq!(
        serde_json::to_value(&claims).unwrap(),
        serde_json::json!({
            "exp": NOW + 600, "https://example.com/role": "admin", "org": "o", "label": ""
        })
    );
    let decoded: SerdeAttributes = at_now().decode(&token, &key()).unwrap();
    assert_eq!(decoded.session_cache, Vec::<u8>::new());
    assert_eq!(decoded.role, "admin");

    // The renamed field is the `exp` claim: an expired token is refused.
    let expired = SerdeAttributes {
        expires: now() - Duration::from_secs(1),
        ..claims
    };
    let token = expired.encode(&key()).unwrap();
    assert!(matches!(
        at_now().decode::<SerdeAttributes, _>(&token, &key()),
        Err(Error::Expired { .. })
    ));
}

/// `Self` in a field type names the claims type.
#[derive(Claims, Serialize, Deserialize, Debug, PartialEq)]
struct Delegation {
    exp: NumericDate,
    sub: String,
    act: Option<Box<Self>>,
}

#[test]
fn self_in_a_field_type_is_the_claims_type() {
    let actor = Delegation {
        exp: later(),
        sub: "admin".into(),
        act: None,
    };
    round_trip(
        &Delegation {
            exp: later(),
            sub: "user".into(),
            act: Some(Box::new(actor)),
        },
        &serde_json::json!({
            "exp": NOW + 600, "sub": "user", "act": {"exp": NOW + 600, "sub": "admin", "act": null}
        }),
    );
}

#[test]
fn a_macro_fragment_option_reads_a_present_value() {
    let claims = FromMacro {
        exp: later(),
        nbf: Some(now()),
        nick: Some("n".into()),
        sub: "u".into(),
    };
    round_trip(
        &claims,
        &serde_json::json!({"exp": NOW + 600, "nbf": NOW, "nick": "n", "sub": "u"}),
    );
}

mod renamed_dependency {
    use jwt_runtime as jwt;

    use super::{NOW, at_now, key, later, payload};

    #[derive(jwt::Claims, Debug, PartialEq)]
    #[claims(crate = "jwt", iss = "https://issuer.example")]
    pub(super) struct UnderAnotherName {
        exp: jwt::NumericDate,
        sub: String,
    }

    #[test]
    fn the_crate_path_names_the_runtime() {
        use jwt::Claims as _;
        let claims = UnderAnotherName {
            exp: later(),
            sub: "s".into(),
        };
        let token = claims.encode(&key()).unwrap();
        assert_eq!(
            payload(&token),
            serde_json::json!({"exp": NOW + 600, "sub": "s", "iss": "https://issuer.example"})
        );
        let decoded: UnderAnotherName = at_now().decode(&token, &key()).unwrap();
        assert_eq!(decoded, claims);
    }
}

/// `#[serde(...)]` is one of the derive's own helper attributes: a claims type that derives
/// only `Claims` may rename and skip with serde's spelling, and gets the same token.
#[derive(Claims, Debug, PartialEq)]
struct SerdeAttributesWithoutSerdeDerives {
    #[serde(rename = "exp")]
    expires: NumericDate,
    #[serde(skip)]
    cache: Vec<u8>,
}

#[test]
fn serde_attributes_work_on_a_type_that_derives_only_claims() {
    let claims = SerdeAttributesWithoutSerdeDerives {
        expires: later(),
        cache: vec![7],
    };
    let token = claims.encode(&key()).unwrap();
    assert_eq!(payload(&token), serde_json::json!({ "exp": NOW + 600 }));
    let decoded: SerdeAttributesWithoutSerdeDerives = at_now().decode(&token, &key()).unwrap();
    assert_eq!(decoded.expires, later());
    assert!(decoded.cache.is_empty());
}
