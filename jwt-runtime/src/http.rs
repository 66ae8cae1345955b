//! Tokens over HTTP: strict `Authorization: Bearer` parsing (RFC 6750 §2.1) and the
//! status code and `WWW-Authenticate` challenge (RFC 6750 §3) for every way a request can
//! fail to authenticate.
//!
//! Framework-agnostic and always compiled: it works on header bytes and returns status codes
//! as numbers, so any HTTP stack can use it. On top of it, with the `http` crate's types:
//!
//! - [`Verifier`] (features `axum` or `tower`): the keys, validation settings, replay store,
//!   optional revocation store and token sources a service verifies requests with; it can
//!   also sign ([`Verifier::signing`]) so that the key is kept once.
//! - `axum` (feature `axum`): the `Bearer<C>` request extractor.
//! - `tower` (feature `tower`): `BearerLayer<C>`, the same verification in front of any tower
//!   service (axum, tonic, plain hyper), handing the claims on in the request extensions.
//! - Token sources: the `Authorization` header by default; `CookieSource` and `QuerySource`
//!   are opt-in, each with its risk documented (cross-site request forgery, URLs in logs).
//! - Feature `tracing`: one event per refused request (target `jwt_runtime::http`, level
//!   `INFO`, `WARN` for 5xx) with fields `status`, `error` (the RFC 6750 code or `none`) and
//!   `kind` (e.g. `expired`, `signature`, `missing`, `revoked`): fixed names, never the token
//!   or a claim value. The detailed [`Error`] is the handler's, through
//!   `BearerRejection::error` (take `Result<Bearer<C>, BearerRejection>`).
//!
//! ```
//! use jwt_runtime::http::{self, Realm, Rejection};
//!
//! // The header value, as the HTTP stack hands it over.
//! assert_eq!(http::parse_authorization(b"Bearer abc.def.ghi"), Ok("abc.def.ghi"));
//!
//! // A malformed header is a bad request, not a bad token.
//! let rejection = Rejection::from(http::parse_authorization(b"Bearer  two-spaces").unwrap_err());
//! assert_eq!(rejection.status(), 400);
//!
//! // A token that fails verification is a 401 with an `invalid_token` challenge.
//! let realm = Realm::new("api")?;
//! let rejection = Rejection::from(&jwt_runtime::Error::Signature);
//! assert_eq!(rejection.status(), 401);
//! assert_eq!(
//!     rejection.challenge(Some(&realm)).as_deref(),
//!     Some(r#"Bearer realm="api", error="invalid_token", error_description="the token signature is invalid""#),
//! );
//! # Ok::<(), jwt_runtime::http::InvalidChallengeText>(())
//! ```
//!
//! # The mapping
//!
//! | cause | status | `error` | challenge |
//! | --- | --- | --- | --- |
//! | no `Authorization` header | 401 | none | `Bearer realm="…"` only (RFC 6750 §3.1) |
//! | a well-formed header of another scheme (`Basic …`) | 401 | none | `Bearer realm="…"` only (RFC 6750 §3.1: an unsupported method is "no authentication information") |
//! | a malformed header: not `Bearer` + exactly one space + a b64token, a bare `Bearer`, whitespace around or inside, bytes outside the syntax | 400 | `invalid_request` | with `error_description` |
//! | several `Authorization` headers | 400 | `invalid_request` | with `error_description` |
//! | a token in more than one place the verifier reads (header, cookie, query parameter, the query parameter twice), a cookie or query token that is not b64token syntax (a query token is not percent-decoded), or a cookie or query parameter that spells the token's name encoded or padded (`%61ccess_token`) | 400 | `invalid_request` | with `error_description` |
//! | every token [`Error`]: too large, JWE, malformed, duplicate member, algorithm, `crit`, `typ`, unknown `kid`, signature, expired, not yet valid, `iat` in the future or outside its window, issuer, audience, subject, missing / mistyped / invalid claim, replayed `jti`, revoked, reused refresh token | 401 | `invalid_token` | with `error_description` |
//! | the application refuses an authentic token for lack of privileges ([`Rejection::insufficient_scope`]) | 403 | `insufficient_scope` | with `error_description` and, if set, `scope` |
//! | [`Error::StoreUnavailable`]: the replay store could not be asked, or [`Error::KeysUnavailable`]: a remote key set has no usable keys (the token is still refused: fail closed) | 503 | none | none: the token may be fine, the client should retry rather than re-authenticate |
//! | [`Error::ReplayUnconfirmed`]: the replay store was asked but never answered, so the token may have been consumed | 503 | none | none: the description says a retry may be refused as used, and then a new token is needed |
//! | [`Error::Encode`] (only raised by encoding; listed for completeness) | 500 | none | none |
//!
//! Descriptions are fixed texts per cause (see [`Rejection::description`]): they never
//! contain the token, any part of it, the key, or anything else the client sent.
//!
//! Stricter than the RFC in one respect: RFC 6750's grammar allows several spaces after
//! `Bearer` (`1*SP`); this parser takes exactly one, as every client sends, and answers 400
//! to anything else, so that no two components of a deployment read one header differently.

#[cfg(feature = "axum")]
pub mod axum;
mod token_response;
#[cfg(any(feature = "axum", feature = "tower"))]
mod source;
#[cfg(feature = "tower")]
pub mod tower;
#[cfg(any(feature = "axum", feature = "tower"))]
mod verifier;

#[cfg(any(feature = "axum", feature = "tower"))]
pub use self::source::{CookieSource, QuerySource, SameSite, SetCookieError};
pub use self::token_response::TokenResponse;
#[cfg(any(feature = "axum", feature = "tower"))]
pub use self::verifier::{BearerRejection, ReplayCheck, Role, Signs, Verifier, VerifyOnly};

use core::fmt;
use std::borrow::Cow;

use crate::error::Error;

/// Parses one `Authorization` header value as RFC 6750 §2.1 Bearer credentials and returns
/// the token.
///
/// Accepted: the scheme `Bearer` in any case, exactly one space, then a `b64token`
/// (`1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`), and nothing else: no
/// leading or trailing whitespace, no tab, no second space. The returned token has only
/// checked its syntax; verify it with [`Validation`](crate::Validation).
///
/// # Errors
///
/// - [`AuthorizationError::OtherScheme`] for well-formed credentials of another scheme
///   (`Basic …`, `Negotiate`): to be answered like a missing header.
/// - [`AuthorizationError::Malformed`] for anything else.
///
/// # Examples
///
/// ```
/// use jwt_runtime::http::{AuthorizationError, parse_authorization};
///
/// assert_eq!(parse_authorization(b"bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"), Ok("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"));
/// assert_eq!(parse_authorization(b"Basic dXNlcjpwYXNz"), Err(AuthorizationError::OtherScheme));
/// assert!(matches!(parse_authorization(b"Bearer"), Err(AuthorizationError::Malformed(_))));
/// assert!(matches!(parse_authorization(b"Bearer a b"), Err(AuthorizationError::Malformed(_))));
/// ```
pub fn parse_authorization(value: &[u8]) -> Result<&str, AuthorizationError> {
    let (scheme, credentials) = match value.iter().position(|&byte| byte == b' ') {
        Some(space) => (&value[..space], Some(&value[space + 1..])),
        None => (value, None),
    };
    if scheme.is_empty() || !scheme.iter().all(|&byte| is_tchar(byte)) {
        return Err(AuthorizationError::Malformed(
            MalformedAuthorization::Scheme,
        ));
    }
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(AuthorizationError::OtherScheme);
    }
    let token = match credentials {
        None | Some([]) => {
            return Err(AuthorizationError::Malformed(
                MalformedAuthorization::NoToken,
            ));
        }
        Some([b' ' | b'\t', ..]) => {
            return Err(AuthorizationError::Malformed(
                MalformedAuthorization::Whitespace,
            ));
        }
        Some(token) => token,
    };
    if !is_b64token(token) {
        return Err(AuthorizationError::Malformed(
            MalformedAuthorization::TokenSyntax,
        ));
    }
    // A b64token is ASCII, so this cannot fail; stay total anyway.
    core::str::from_utf8(token)
        .map_err(|_| AuthorizationError::Malformed(MalformedAuthorization::TokenSyntax))
}

/// Finds the Bearer token among all of a request's `Authorization` header values.
///
/// For HTTP stacks that expose a header's values as a list (a request may repeat a header):
/// none is [`AuthorizationError::Missing`], more than one is
/// [`AuthorizationError::Repeated`], one is parsed with [`parse_authorization`].
///
/// # Errors
///
/// [`AuthorizationError::Missing`], [`AuthorizationError::Repeated`], or as
/// [`parse_authorization`].
///
/// # Examples
///
/// ```
/// use jwt_runtime::http::{AuthorizationError, bearer_token};
///
/// assert_eq!(bearer_token([b"Bearer abc".as_slice()]), Ok("abc"));
/// assert_eq!(bearer_token(Vec::<&[u8]>::new()), Err(AuthorizationError::Missing));
/// assert_eq!(bearer_token([b"Bearer a".as_slice(), b"Bearer b"]), Err(AuthorizationError::Repeated));
/// ```
pub fn bearer_token<'v, I>(values: I) -> Result<&'v str, AuthorizationError>
where
    I: IntoIterator<Item = &'v [u8]>,
{
    let mut values = values.into_iter();
    let Some(value) = values.next() else {
        return Err(AuthorizationError::Missing);
    };
    if values.next().is_some() {
        return Err(AuthorizationError::Repeated);
    }
    parse_authorization(value)
}

/// RFC 9110 §5.6.2 `tchar`: the characters of an auth-scheme.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The characters of a `b64token` before its `=` padding, as a lookup table: a token is
/// hundreds of bytes long, and every request scans it.
const B64TOKEN_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        byte += 1;
    }
    table
};

/// RFC 6750 §2.1 `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &[u8]) -> bool {
    let body_len = token
        .iter()
        .rposition(|&byte| byte != b'=')
        .map_or(0, |last| last + 1);
    // Branchless over the body (no early exit per byte): every request scans a whole
    // accepted token, and a refused one costs no more.
    body_len > 0
        && token[..body_len]
            .iter()
            .fold(true, |ok, &byte| ok & B64TOKEN_CHARS[usize::from(byte)])
}

/// Why a request carries no usable Bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The request has no `Authorization` header: 401 with a bare challenge.
    Missing,
    /// The header holds well-formed credentials of another scheme (e.g. `Basic`): answered
    /// like a missing header, 401 with a bare challenge (RFC 6750 §3.1).
    OtherScheme,
    /// The request has more than one `Authorization` header: 400 `invalid_request`.
    Repeated,
    /// The header is not valid Bearer credentials (or a cookie or query token is not valid
    /// token syntax): 400 `invalid_request`.
    Malformed(MalformedAuthorization),
    /// The request carries a token in more than one place its verifier reads (the header and
    /// a cookie, a cookie or a query parameter twice): 400 `invalid_request`, rather than
    /// one of them picked.
    Ambiguous,
}

/// What is wrong with a malformed `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MalformedAuthorization {
    /// The scheme is empty or has characters a scheme cannot have (e.g. leading whitespace).
    Scheme,
    /// `Bearer` with no token after it.
    NoToken,
    /// More than one space, or a tab, between `Bearer` and the token.
    Whitespace,
    /// The token has characters outside the `b64token` syntax (whitespace, `=` before the
    /// end, non-ASCII bytes, …).
    TokenSyntax,
    /// A cookie or query parameter spells the token's name in a form the verifier does not
    /// read as it, but another component of the deployment might: percent-encoded
    /// (`%61ccess_token`), padded with whitespace (`session =…`), or after a `;` in the
    /// query or a `,` in the `Cookie` header. Refused rather than ignored, so that no
    /// component acts on a token the verifier never saw.
    DisguisedName,
}

impl MalformedAuthorization {
    /// A short fixed description, used as the challenge's `error_description`.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            MalformedAuthorization::Scheme => "the Authorization header is malformed",
            MalformedAuthorization::NoToken => "the Bearer credentials have no token",
            MalformedAuthorization::Whitespace => "Bearer must be followed by exactly one space",
            MalformedAuthorization::TokenSyntax => "the Bearer token has invalid characters",
            MalformedAuthorization::DisguisedName => {
                "the token cookie or parameter name is encoded or padded"
            }
        }
    }
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizationError::Missing => f.write_str("no Authorization header"),
            AuthorizationError::OtherScheme => {
                f.write_str("the Authorization header is not Bearer credentials")
            }
            AuthorizationError::Repeated => f.write_str("more than one Authorization header"),
            AuthorizationError::Malformed(reason) => f.write_str(reason.description()),
            AuthorizationError::Ambiguous => f.write_str(AMBIGUOUS_DESCRIPTION),
        }
    }
}

impl std::error::Error for AuthorizationError {}

/// An RFC 6750 §3.1 error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is malformed (400).
    InvalidRequest,
    /// The token is expired, forged, malformed or otherwise not acceptable (401).
    InvalidToken,
    /// The token is valid but does not grant enough privileges (403).
    InsufficientScope,
}

impl ErrorCode {
    /// The code as it appears in the challenge, e.g. `"invalid_token"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protection space, the `realm` of a challenge, e.g. `"api"`.
///
/// Checked once, at construction, so that building a challenge never fails.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Realm(Cow<'static, str>);

impl Realm {
    /// A realm.
    ///
    /// # Errors
    ///
    /// [`InvalidChallengeText`] unless `realm` is 1 to 256 printable ASCII characters
    /// without `"` and `\` (the characters a challenge's quoted values may hold unescaped,
    /// RFC 6750 §3).
    pub fn new(realm: impl Into<String>) -> Result<Self, InvalidChallengeText> {
        let realm = realm.into();
        check_quoted_text(&realm, false)?;
        Ok(Realm(Cow::Owned(realm)))
    }

    /// A realm written in the program, checked as [`Realm::new`] checks run-time text but
    /// without a `Result`. In a constant (`const REALM: Realm = Realm::from_static("api");`)
    /// an invalid realm is a compile error.
    ///
    /// # Panics
    ///
    /// When `realm` is not 1 to 256 printable ASCII characters without `"` and `\`: a
    /// mistake in the program's text, never in its input. Use [`Realm::new`] for text read
    /// at run time.
    #[must_use]
    pub const fn from_static(realm: &'static str) -> Self {
        assert!(
            quoted_text_ok(realm, false),
            "a realm is 1 to 256 printable ASCII characters without `\"` or `\\`"
        );
        Realm(Cow::Borrowed(realm))
    }

    /// The realm's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text that cannot go into a `WWW-Authenticate` challenge: empty, longer than 256 bytes,
/// or with a character outside what RFC 6750 §3 allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidChallengeText;

impl fmt::Display for InvalidChallengeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "challenge text must be 1 to 256 printable ASCII characters without `\"` or `\\`",
        )
    }
}

impl std::error::Error for InvalidChallengeText {}

const AMBIGUOUS_DESCRIPTION: &str = "the request carries more than one token";

const MISSING_DESCRIPTION: &str = "the request has no Bearer token";

const INSUFFICIENT_SCOPE_DESCRIPTION: &str = "the token does not grant access to this resource";

/// The longest realm or scope accepted, in bytes.
const MAX_CHALLENGE_TEXT_LEN: usize = 256;

/// `%x20-21 / %x23-5B / %x5D-7E` (no space for a scope token, which `scope` separates by
/// single spaces).
fn check_quoted_text(text: &str, is_scope: bool) -> Result<(), InvalidChallengeText> {
    if quoted_text_ok(text, is_scope) {
        Ok(())
    } else {
        Err(InvalidChallengeText)
    }
}

/// The rule of [`check_quoted_text`], as a `const fn` so that literals can be checked at
/// compile time. A scope is tokens separated by single spaces: no leading, trailing or
/// doubled space.
const fn quoted_text_ok(text: &str, is_scope: bool) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_CHALLENGE_TEXT_LEN {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !matches!(byte, 0x20..=0x7e) || byte == b'"' || byte == b'\\' {
            return false;
        }
        if is_scope && byte == b' ' && (i == 0 || i + 1 == bytes.len() || bytes[i - 1] == b' ') {
            return false;
        }
        i += 1;
    }
    true
}

/// How an HTTP service answers a request that did not authenticate: the status code, the
/// RFC 6750 error code and description, and the `WWW-Authenticate` challenge.
///
/// Built from an [`AuthorizationError`] (the header), an [`Error`] (the token), or by the
/// application ([`Rejection::insufficient_scope`]). The module documentation has the full
/// mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    status: u16,
    code: Option<ErrorCode>,
    description: Option<&'static str>,
    scope: Option<Cow<'static, str>>,
}

impl Rejection {
    /// No credentials: 401 and a challenge without an error code (RFC 6750 §3.1); the JSON
    /// body still says why, as every other rejection's does.
    #[must_use]
    pub fn missing() -> Self {
        Rejection {
            status: 401,
            code: None,
            description: Some(MISSING_DESCRIPTION),
            scope: None,
        }
    }

    /// The token is authentic and valid, but the application requires privileges it does not
    /// grant: 403 `insufficient_scope`. Name the scope needed with [`Rejection::with_scope`].
    ///
    /// # Examples
    ///
    /// ```
    /// use jwt_runtime::http::Rejection;
    ///
    /// let rejection = Rejection::insufficient_scope().with_scope("admin")?;
    /// assert_eq!(rejection.status(), 403);
    /// assert_eq!(
    ///     rejection.challenge(None).as_deref(),
    ///     Some(r#"Bearer error="insufficient_scope", error_description="the token does not grant access to this resource", scope="admin""#),
    /// );
    /// # Ok::<(), jwt_runtime::http::InvalidChallengeText>(())
    /// ```
    #[must_use]
    pub fn insufficient_scope() -> Self {
        Rejection {
            status: 403,
            code: Some(ErrorCode::InsufficientScope),
            description: Some(INSUFFICIENT_SCOPE_DESCRIPTION),
            scope: None,
        }
    }

    /// Adds a `scope` attribute to the challenge: the scope(s) the resource needs,
    /// space-separated (RFC 6750 §3).
    ///
    /// # Errors
    ///
    /// [`InvalidChallengeText`] when `scope` is not 1 to 256 characters of RFC 6750
    /// `scope-token`s separated by single spaces.
    pub fn with_scope(mut self, scope: &str) -> Result<Self, InvalidChallengeText> {
        check_quoted_text(scope, true)?;
        self.scope = Some(Cow::Owned(scope.to_owned()));
        Ok(self)
    }

    /// [`Rejection::insufficient_scope`] naming a scope written in the program, without a
    /// `Result`. In a constant (`const NEEDS_ADMIN: Rejection =
    /// Rejection::insufficient_scope_for("admin");`) an invalid scope is a compile error.
    ///
    /// # Panics
    ///
    /// When `scope` is not 1 to 256 characters of RFC 6750 `scope-token`s separated by single
    /// spaces: a mistake in the program's text, never in its input. Use
    /// [`Rejection::with_scope`] for text read at run time.
    ///
    /// # Examples
    ///
    /// ```
    /// use jwt_runtime::http::Rejection;
    ///
    /// const NEEDS_ADMIN: Rejection = Rejection::insufficient_scope_for("admin");
    /// assert_eq!(NEEDS_ADMIN, Rejection::insufficient_scope().with_scope("admin")?);
    /// # Ok::<(), jwt_runtime::http::InvalidChallengeText>(())
    /// ```
    #[must_use]
    pub const fn insufficient_scope_for(scope: &'static str) -> Self {
        assert!(
            quoted_text_ok(scope, true),
            "a scope is RFC 6750 scope-tokens separated by single spaces, 1 to 256 characters"
        );
        Rejection {
            status: 403,
            code: Some(ErrorCode::InsufficientScope),
            description: Some(INSUFFICIENT_SCOPE_DESCRIPTION),
            scope: Some(Cow::Borrowed(scope)),
        }
    }

    /// The HTTP status code: 400, 401 or 403, or 503 / 500 for the server-side errors.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The RFC 6750 error code; `None` for a missing header (or another scheme) and for
    /// server-side errors.
    #[must_use]
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code
    }

    /// A short fixed description of the cause, e.g. `"the token has expired"`. It never
    /// contains anything the client sent. Every rejection built by this crate has one; a
    /// missing token's stays out of the challenge (which is bare, RFC 6750 §3.1) and goes in
    /// the JSON body.
    #[must_use]
    pub fn description(&self) -> Option<&'static str> {
        self.description
    }

    /// The `WWW-Authenticate` header value, or `None` for server-side errors (5xx), which
    /// carry no challenge.
    ///
    /// `Bearer realm="…"` for a missing header; otherwise with `error="…"`,
    /// `error_description="…"` and, for `insufficient_scope`, `scope="…"`. `realm` is left
    /// out when `None`; `error_description` goes with an `error` only.
    #[must_use]
    pub fn challenge(&self, realm: Option<&Realm>) -> Option<String> {
        if self.status >= 500 {
            return None;
        }
        let mut out = String::from("Bearer");
        let mut separator = " ";
        let mut param = |out: &mut String, name: &str, value: &str| {
            out.push_str(separator);
            out.push_str(name);
            out.push_str("=\"");
            out.push_str(value);
            out.push('"');
            separator = ", ";
        };
        if let Some(realm) = realm {
            param(&mut out, "realm", realm.as_str());
        }
        if let Some(code) = self.code {
            param(&mut out, "error", code.as_str());
            if let Some(description) = self.description {
                param(&mut out, "error_description", description);
            }
        }
        if let Some(scope) = &self.scope {
            param(&mut out, "scope", scope);
        }
        Some(out)
    }

    /// A small JSON body for the response, of one shape for every rejection: `error`, the
    /// RFC 6750 code, when there is one, and `error_description` always, e.g.
    /// `{"error":"invalid_token","error_description":"the token has expired"}`, or
    /// `{"error_description":"the request has no Bearer token"}` for a missing token (no
    /// code, as in its challenge) and for the server-side 5xx.
    #[must_use]
    pub fn json_body(&self) -> String {
        let mut body = serde_json::Map::new();
        if let Some(code) = self.code {
            body.insert("error".into(), code.as_str().into());
        }
        if let Some(description) = self.description {
            body.insert("error_description".into(), description.into());
        }
        serde_json::Value::Object(body).to_string()
    }

    fn token(description: &'static str) -> Self {
        Rejection {
            status: 401,
            code: Some(ErrorCode::InvalidToken),
            description: Some(description),
            scope: None,
        }
    }

    fn server(status: u16, description: &'static str) -> Self {
        Rejection {
            status,
            code: None,
            description: Some(description),
            scope: None,
        }
    }
}

impl From<AuthorizationError> for Rejection {
    fn from(error: AuthorizationError) -> Self {
        match error {
            AuthorizationError::Missing | AuthorizationError::OtherScheme => Rejection::missing(),
            AuthorizationError::Repeated => Rejection {
                status: 400,
                code: Some(ErrorCode::InvalidRequest),
                description: Some("the request has more than one Authorization header"),
                scope: None,
            },
            AuthorizationError::Malformed(reason) => Rejection {
                status: 400,
                code: Some(ErrorCode::InvalidRequest),
                description: Some(reason.description()),
                scope: None,
            },
            AuthorizationError::Ambiguous => Rejection {
                status: 400,
                code: Some(ErrorCode::InvalidRequest),
                description: Some(AMBIGUOUS_DESCRIPTION),
                scope: None,
            },
        }
    }
}

impl From<&Error> for Rejection {
    fn from(error: &Error) -> Self {
        match error {
            Error::TooLarge { .. } => Rejection::token("the token is too large"),
            Error::JweNotSupported => Rejection::token("encrypted tokens (JWE) are not supported"),
            Error::Malformed { .. } | Error::DuplicateMember { .. } => {
                Rejection::token("the token is malformed")
            }
            Error::Algorithm { .. } => Rejection::token("the token algorithm is not accepted"),
            Error::Crit => Rejection::token("the token requires an unsupported extension"),
            Error::TokenType { .. } => Rejection::token("the token type is not accepted"),
            Error::UnknownKeyId { .. } => Rejection::token("the token key id is not known"),
            Error::Signature => Rejection::token("the token signature is invalid"),
            Error::Expired { .. } => Rejection::token("the token has expired"),
            Error::NotYetValid { .. } => Rejection::token("the token is not valid yet"),
            Error::IssuedInFuture { .. } => Rejection::token("the token was issued in the future"),
            Error::IssuedTooLongAgo { .. } => Rejection::token("the token was issued too long ago"),
            Error::Issuer => Rejection::token("the token issuer is not accepted"),
            Error::Audience => Rejection::token("the token audience is not accepted"),
            Error::Subject => Rejection::token("the token subject is not accepted"),
            Error::MissingClaim { .. } | Error::ClaimType { .. } | Error::InvalidClaim { .. } => {
                Rejection::token("the token claims are invalid")
            }
            Error::Replayed => Rejection::token("the token has already been used"),
            Error::StoreUnavailable(_) | Error::KeysUnavailable(_) => {
                Rejection::server(503, "the token cannot be checked now; try again later")
            }
            // The id may be consumed already: "try again later" would be untrue when it was,
            // as the retry would then be refused as already used.
            Error::ReplayUnconfirmed(_) => Rejection::server(
                503,
                "the token could not be checked and may have been used up; if a retry is refused, request a new token",
            ),
            Error::Encode(_) => Rejection::server(500, "internal error"),
            Error::Revoked => Rejection::token("the token has been revoked"),
            Error::RefreshReuse => {
                Rejection::token("the refresh token was already used; sign in again")
            }
        }
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Rejection::from(&error)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(code) = self.code {
            write!(f, " {code}")?;
        }
        if let Some(description) = self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::{Malformed, Segment};
    use crate::time::NumericDate;

    fn malformed(reason: MalformedAuthorization) -> Result<&'static str, AuthorizationError> {
        Err(AuthorizationError::Malformed(reason))
    }

    #[test]
    fn accepts_bearer_in_any_case() {
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let value = format!("{scheme} abc.DEF_-~+/.xyz==");
            assert_eq!(
                parse_authorization(value.as_bytes()),
                Ok("abc.DEF_-~+/.xyz==")
            );
        }
    }

    #[test]
    fn accepts_a_real_jwt() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            parse_authorization(format!("Bearer {jwt}").as_bytes()),
            Ok(jwt)
        );
    }

    #[test]
    fn other_schemes_are_not_bearer_credentials() {
        for value in [
            "Basic dXNlcjpwYXNz",
            "Negotiate",
            "Digest username=\"a\"",
            "Bearerx abc",
            "Token abc",
        ] {
            assert_eq!(
                parse_authorization(value.as_bytes()),
                Err(AuthorizationError::OtherScheme),
                "{value}"
            );
        }
    }

    #[test]
    fn rejects_malformed_values() {
        use MalformedAuthorization::*;
        let cases: &[(&[u8], MalformedAuthorization)] = &[
            (b"", Scheme),
            (b" ", Scheme),
            (b" Bearer abc", Scheme),
            (b"\tBearer abc", Scheme),
            (b"Bear\"er abc", Scheme),
            (b"Bearer", NoToken),
            (b"bearer", NoToken),
            (b"Bearer ", NoToken),
            (b"Bearer  abc", Whitespace),
            (b"Bearer \tabc", Whitespace),
            (b"Bearer\tabc", Scheme),
            (b"Bearer abc ", TokenSyntax),
            (b"Bearer abc def", TokenSyntax),
            (b"Bearer a\tb", TokenSyntax),
            (b"Bearer abc\r\n", TokenSyntax),
            (b"Bearer =", TokenSyntax),
            (b"Bearer ==", TokenSyntax),
            (b"Bearer a=b", TokenSyntax),
            (b"Bearer a,b", TokenSyntax),
            (b"Bearer a\"b", TokenSyntax),
            (b"Bearer a\0b", TokenSyntax),
            (b"Bearer \xc3\xa9", TokenSyntax),
            (b"Bearer \xff", TokenSyntax),
        ];
        for &(value, reason) in cases {
            assert_eq!(
                parse_authorization(value),
                malformed(reason),
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn never_panics_on_short_inputs() {
        // Every byte string of length <= 2 over an alphabet with the interesting bytes, plus
        // the same behind a valid prefix.
        let alphabet = [b' ', b'\t', b'=', b'a', b'.', b'"', 0, 0x80, 0xff, b'B'];
        for &a in &alphabet {
            for &b in &alphabet {
                let _ = parse_authorization(&[a, b]);
                let _ = parse_authorization(&[b'B', b'e', b'a', b'r', b'e', b'r', b' ', a, b]);
            }
        }
    }

    #[test]
    fn the_b64token_table_is_the_grammar() {
        for byte in 0..=255_u8 {
            let expected = byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte);
            assert_eq!(B64TOKEN_CHARS[usize::from(byte)], expected, "{byte:#04x}");
            assert_eq!(is_b64token(&[byte]), expected, "{byte:#04x}");
            assert_eq!(is_b64token(&[byte, b'=', b'=']), expected, "{byte:#04x}");
        }
    }

    #[test]
    fn bearer_token_counts_headers() {
        assert_eq!(
            bearer_token(Vec::<&[u8]>::new()),
            Err(AuthorizationError::Missing)
        );
        assert_eq!(bearer_token([b"Bearer t".as_slice()]), Ok("t"));
        assert_eq!(
            bearer_token([b"Bearer t".as_slice(), b"Bearer t"]),
            Err(AuthorizationError::Repeated)
        );
        assert_eq!(
            bearer_token([b"Basic t".as_slice()]),
            Err(AuthorizationError::OtherScheme)
        );
    }

    fn every_error() -> Vec<Error> {
        let now = NumericDate::from_secs(1_000);
        vec![
            Error::TooLarge {
                len: 70_000,
                limit: 65_536,
            },
            Error::JweNotSupported,
            Error::Malformed {
                segment: Segment::Header,
                reason: Malformed::Base64,
            },
            Error::DuplicateMember {
                segment: Segment::Payload,
                name: "exp".into(),
            },
            Error::Algorithm {
                expected: "HS256",
                found: Some("none".into()),
            },
            Error::Crit,
            Error::TokenType {
                expected: "JWT",
                found: Some("x".into()),
            },
            Error::UnknownKeyId {
                kid: Some("k".into()),
            },
            Error::Signature,
            Error::Expired { exp: now, now },
            Error::NotYetValid { nbf: now, now },
            Error::IssuedInFuture { iat: now, now },
            Error::IssuedTooLongAgo {
                iat: now,
                now,
                window_secs: 300,
            },
            Error::Issuer,
            Error::Audience,
            Error::Subject,
            Error::MissingClaim { claim: "exp" },
            Error::ClaimType {
                claim: "exp",
                expected: "a number",
            },
            Error::InvalidClaim {
                claim: "jti",
                reason: "too long",
            },
            Error::Replayed,
            Error::StoreUnavailable(Arc::new(std::io::Error::other("redis down"))),
            Error::ReplayUnconfirmed(Arc::new(std::io::Error::other("timed out"))),
            Error::Encode("boom".into()),
        ]
    }

    #[test]
    fn token_errors_are_401_invalid_token() {
        for error in every_error() {
            let rejection = Rejection::from(&error);
            match error {
                Error::StoreUnavailable(_) | Error::ReplayUnconfirmed(_) => {
                    assert_eq!(rejection.status(), 503);
                    assert_eq!(rejection.challenge(None), None);
                }
                Error::Encode(_) => assert_eq!(rejection.status(), 500),
                _ => {
                    assert_eq!(rejection.status(), 401, "{error}");
                    assert_eq!(
                        rejection.error_code(),
                        Some(ErrorCode::InvalidToken),
                        "{error}"
                    );
                    let challenge = rejection.challenge(None).unwrap();
                    assert!(
                        challenge
                            .starts_with("Bearer error=\"invalid_token\", error_description=\""),
                        "{challenge}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_store_that_never_answered_is_not_told_to_try_again_later() {
        // The id may be consumed already: a retry can be refused as used, and the answer
        // must not promise otherwise.
        let unconfirmed = Rejection::from(&Error::ReplayUnconfirmed(Arc::new(
            std::io::Error::other("timed out"),
        )));
        let unavailable = Rejection::from(&Error::StoreUnavailable(Arc::new(
            std::io::Error::other("refused"),
        )));
        assert_eq!(unconfirmed.status(), 503);
        assert_eq!(unconfirmed.challenge(None), None);
        let description = unconfirmed.description().unwrap();
        assert!(!description.contains("try again later"), "{description}");
        assert!(
            description.contains("may have been used up"),
            "{description}"
        );
        assert_ne!(unconfirmed.description(), unavailable.description());
    }

    #[test]
    fn descriptions_are_fixed_text_that_fits_a_challenge() {
        let rejections = every_error()
            .into_iter()
            .map(Rejection::from)
            .chain(
                [
                    AuthorizationError::Repeated,
                    AuthorizationError::Missing,
                    AuthorizationError::Ambiguous,
                ]
                .map(Rejection::from),
            )
            .chain(
                [
                    MalformedAuthorization::Scheme,
                    MalformedAuthorization::NoToken,
                    MalformedAuthorization::Whitespace,
                    MalformedAuthorization::TokenSyntax,
                    MalformedAuthorization::DisguisedName,
                ]
                .map(|reason| Rejection::from(AuthorizationError::Malformed(reason))),
            )
            .chain([Rejection::insufficient_scope()]);
        for rejection in rejections {
            if let Some(description) = rejection.description() {
                assert!(
                    check_quoted_text(description, false).is_ok(),
                    "{description}"
                );
                // Nothing the client sent (the errors above carry "none", "x", "k", "boom",
                // "redis down") leaks into the description.
                for leaked in ["none", "\"x\"", "\"k\"", "boom", "redis"] {
                    assert!(!description.contains(leaked), "{description}");
                }
            }
        }
    }

    #[test]
    fn header_errors_map_to_400_or_bare_401() {
        let missing = Rejection::from(AuthorizationError::Missing);
        assert_eq!(missing.status(), 401);
        assert_eq!(missing.error_code(), None);
        let realm = Realm::new("api").unwrap();
        assert_eq!(
            missing.challenge(Some(&realm)).as_deref(),
            Some("Bearer realm=\"api\"")
        );
        assert_eq!(missing.challenge(None).as_deref(), Some("Bearer"));
        assert_eq!(
            missing.json_body(),
            r#"{"error_description":"the request has no Bearer token"}"#
        );
        assert_eq!(Rejection::from(AuthorizationError::OtherScheme), missing);

        for error in [
            AuthorizationError::Repeated,
            AuthorizationError::Malformed(MalformedAuthorization::Whitespace),
        ] {
            let rejection = Rejection::from(error);
            assert_eq!(rejection.status(), 400);
            assert_eq!(rejection.error_code(), Some(ErrorCode::InvalidRequest));
            assert!(rejection.challenge(Some(&realm)).unwrap().starts_with(
                "Bearer realm=\"api\", error=\"invalid_request\", error_description=\""
            ));
        }
    }

    #[test]
    fn json_body_has_code_and_description() {
        let body = Rejection::from(&Error::Expired {
            exp: NumericDate::from_secs(1),
            now: NumericDate::from_secs(2),
        })
        .json_body();
        assert_eq!(
            body,
            r#"{"error":"invalid_token","error_description":"the token has expired"}"#
        );
    }

    #[test]
    fn realm_and_scope_are_checked() {
        assert!(Realm::new("api.example.com").is_ok());
        assert!(Realm::new("with space").is_ok());
        for bad in ["", "a\"b", "a\\b", "a\r\nb", "é", &"x".repeat(257)] {
            assert_eq!(Realm::new(bad), Err(InvalidChallengeText), "{bad:?}");
        }
        assert!(
            Rejection::insufficient_scope()
                .with_scope("read write")
                .is_ok()
        );
        for bad in ["", " read", "read  write", "read ", "a\"b"] {
            assert_eq!(
                Rejection::insufficient_scope().with_scope(bad),
                Err(InvalidChallengeText),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn literal_constructors_agree_with_the_checked_ones() {
        const REALM: Realm = Realm::from_static("api.example.com");
        const NEEDS: Rejection = Rejection::insufficient_scope_for("read write");
        assert_eq!(REALM, Realm::new("api.example.com").unwrap());
        assert_eq!(
            NEEDS,
            Rejection::insufficient_scope()
                .with_scope("read write")
                .unwrap()
        );
        for bad in ["", "a\"b", "a\\b", "é", " read", "read  write", "read "] {
            let scope_ok = std::panic::catch_unwind(|| Rejection::insufficient_scope_for(bad));
            assert_eq!(
                scope_ok.is_ok(),
                Rejection::insufficient_scope().with_scope(bad).is_ok(),
                "{bad:?}"
            );
            let realm_ok = std::panic::catch_unwind(|| Realm::from_static(bad));
            assert_eq!(realm_ok.is_ok(), Realm::new(bad).is_ok(), "{bad:?}");
        }
    }
}
