//! Where a request's token is read from: the `Authorization` header always, a named cookie
//! and a query parameter when the verifier is told so.

use core::fmt;
use std::borrow::Cow;
use std::time::Duration;

use http::header::{AUTHORIZATION, COOKIE, HeaderValue};
use http::{HeaderMap, Uri};

use crate::http::{AuthorizationError, MalformedAuthorization, bearer_token, is_b64token};

/// The `SameSite` attribute the application gives its token cookie (RFC 6265bis §4.1.2.7):
/// whether browsers send the cookie on requests that other sites start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent only on requests started by the cookie's own site: the strongest defence against
    /// cross-site request forgery; a user following a link from another site arrives signed
    /// out.
    Strict,
    /// Also sent on top-level navigations from other sites (following a link, a `GET`
    /// form); not on cross-site `POST`s, frames, images or scripts.
    Lax,
    /// Sent on every request, cross-site ones included (browsers require `Secure` with it):
    /// every state-changing route then needs its own CSRF defence.
    None,
}

impl SameSite {
    /// The attribute's value, e.g. `"Strict"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// A token in a named cookie, for browser applications that keep the token out of reach of
/// scripts (`HttpOnly`). Opt-in: set with [`Verifier::cookie`](crate::http::Verifier::cookie).
///
/// # Cross-site request forgery
///
/// A browser attaches cookies to requests by itself, also to requests another site makes it
/// send; a header token is attached only by the application's own code. A cookie source
/// therefore exposes the routes it protects to CSRF, which is why it cannot be built without
/// stating the cookie's [`SameSite`] policy, and why [`CookieSource::set_cookie`] writes the
/// cookie with that policy, `HttpOnly`, `Secure` and `Path=/`. With [`SameSite::Lax`] and
/// [`SameSite::None`], keep state-changing routes off `GET` and add a CSRF defence (an
/// anti-CSRF token, or checking `Origin`); [`SameSite::Strict`] is the safe choice when the
/// application is a single site.
///
/// Name the cookie with the `__Host-` prefix (e.g. `__Host-session`) where the browser
/// supports it: such a cookie cannot be set by a sibling subdomain, which could otherwise
/// plant a second cookie of the same name and have the victim's requests refused as
/// ambiguous.
///
/// # Reading
///
/// The cookie is found by its name as written (cookie names are case-sensitive) and its
/// value read as it is, without its double quotes if it has them, never percent-decoded (a
/// `%` is malformed); an empty value is no token, so that a cleared cookie means signed out.
/// Refused with 400 `invalid_request`, as another component of the deployment could read a
/// token there that this source would not: the cookie twice with a token, and a cookie
/// whose name reads as the token cookie's once percent-decoded or trimmed (`%73ession=…`,
/// `session =…`), or that is a `name=value` piece after a `,`, where old servers split cookies.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::http::{CookieSource, SameSite};
///
/// const SESSION_COOKIE: CookieSource = CookieSource::new("session", SameSite::Strict);
/// assert_eq!(
///     SESSION_COOKIE.set_cookie("eyJ.e30.c2ln", Duration::from_secs(900))?,
///     "session=eyJ.e30.c2ln; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=Strict",
/// );
/// // Text that could end the value and add attributes is never written.
/// assert!(SESSION_COOKIE.set_cookie("x; Domain=evil.example", Duration::from_secs(900)).is_err());
/// # Ok::<(), jwt_runtime::http::SetCookieError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieSource {
    name: Cow<'static, str>,
    same_site: SameSite,
}

impl CookieSource {
    /// The cookie `name`, which the application sets with the `same_site` policy.
    ///
    /// # Panics
    ///
    /// When `name` is empty or not an RFC 6265 cookie name (printable ASCII without
    /// separators such as `=`, `;`, space): a mistake in the program's text. In a constant an
    /// invalid name is a compile error.
    #[must_use]
    pub const fn new(name: &'static str, same_site: SameSite) -> Self {
        assert!(
            is_token(name.as_bytes()),
            "a cookie name is 1 or more RFC 9110 token characters"
        );
        CookieSource {
            name: Cow::Borrowed(name),
            same_site,
        }
    }

    /// The cookie's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `SameSite` policy the application stated.
    #[must_use]
    pub fn same_site(&self) -> SameSite {
        self.same_site
    }

    /// A `Set-Cookie` header value that stores `token` in this cookie for `max_age` (give the
    /// token's lifetime): `HttpOnly` (scripts cannot read it), `Secure` (HTTPS only),
    /// `Path=/` and the stated `SameSite`.
    ///
    /// `Max-Age` is in whole seconds, rounded down, except that a lifetime under a second is
    /// written as `Max-Age=1`: `Max-Age=0` would delete the cookie instead of storing it.
    ///
    /// # Errors
    ///
    /// - [`SetCookieError::Token`] when `token` is not b64token text (letters, digits,
    ///   `-._~+/`, then `=` padding), as every token this crate signs is. Anything else
    ///   (`;`, `,`, whitespace, `"`, `\`, control characters, non-ASCII, an empty token)
    ///   could end the cookie's value and add attributes or cookies, or is text the verifier
    ///   would refuse to read back; it is never written.
    /// - [`SetCookieError::ZeroLifetime`] when `max_age` is zero: the header would delete
    ///   the cookie. Sign out with [`CookieSource::clear_cookie`].
    pub fn set_cookie(&self, token: &str, max_age: Duration) -> Result<String, SetCookieError> {
        if !is_b64token(token.as_bytes()) {
            return Err(SetCookieError::Token);
        }
        if max_age.is_zero() {
            return Err(SetCookieError::ZeroLifetime);
        }
        Ok(self.cookie_header(token, max_age.as_secs().max(1)))
    }

    /// A `Set-Cookie` header value that removes the cookie (on logout): an empty value,
    /// `Max-Age=0`, and the attributes [`CookieSource::set_cookie`] writes, which a browser
    /// needs to match to the stored cookie (and, for a `__Host-` name, to accept at all). The
    /// verifier reads an empty cookie as no token.
    #[must_use]
    pub fn clear_cookie(&self) -> String {
        self.cookie_header("", 0)
    }

    /// The header value; `value` is b64token text or empty, the name a checked token.
    fn cookie_header(&self, value: &str, max_age_secs: u64) -> String {
        format!(
            "{}={value}; Max-Age={max_age_secs}; Path=/; Secure; HttpOnly; SameSite={}",
            self.name,
            self.same_site.as_str()
        )
    }

    /// The cookie's token among the request's `Cookie` headers; `None` when absent or empty.
    fn find<'r>(&self, headers: &'r HeaderMap) -> Result<Option<&'r str>, AuthorizationError> {
        let mut found = None;
        for header in headers.get_all(COOKIE) {
            for pair in header.as_bytes().split(|&byte| byte == b';') {
                let pair = pair.trim_ascii();
                let Some(equals) = pair.iter().position(|&byte| byte == b'=') else {
                    continue;
                };
                if &pair[..equals] != self.name.as_bytes() {
                    // Old servers also split cookies at `,`; the pair must not hide the
                    // token's cookie from this reader under a spelling another one reads.
                    if pair
                        .split(|&byte| byte == b',')
                        .enumerate()
                        .any(|(i, part)| {
                            // Only a piece with a value can carry a token (`a=b,session`
                            // is a value with a comma, not a second cookie).
                            let Some(equals) = part.iter().position(|&byte| byte == b'=') else {
                                return false;
                            };
                            let name = &part[..equals];
                            (i > 0 && name.trim_ascii() == self.name.as_bytes())
                                || disguises(name, &self.name, false)
                        })
                    {
                        return Err(disguised_name());
                    }
                    continue;
                }
                let mut value = &pair[equals + 1..];
                if let [b'"', quoted @ .., b'"'] = value {
                    value = quoted;
                }
                if value.is_empty() {
                    continue;
                }
                if found.replace(token_text(value)?).is_some() {
                    return Err(AuthorizationError::Ambiguous);
                }
            }
        }
        Ok(found)
    }
}

/// A token in a query parameter (RFC 6750 §2.3), for the few clients that can set neither a
/// header nor a cookie (e.g. a WebSocket opened from a browser, a link to a download).
/// Opt-in: set with [`Verifier::query`](crate::http::Verifier::query).
///
/// # Leaks
///
/// A URL is written to access logs (of the server, of every proxy and load balancer on the
/// way), kept in browser history, and sent to other sites in the `Referer` header of
/// requests the page makes; a token in it goes wherever the URL goes. Use it for
/// short-lived, narrowly scoped tokens (a one-use `jti` type is best), serve the responses
/// with `Cache-Control: no-store` and `Referrer-Policy: no-referrer`, and keep request
/// URLs out of logs on the routes that accept it. RFC 6750 §2.3 advises against this method
/// where a header can be used.
///
/// # Reading
///
/// The parameter is found by its name as written, and its value is read as it is: a token
/// is base64url text and dots, which need no encoding, so a `%` in the value (an encoded
/// token) and a `+` (a space in form encoding) are refused as malformed, never decoded.
/// Spellings of the parameter that common query parsers read as the token, but a literal
/// match would miss, are refused with a 400 `invalid_request`:
///
/// - the parameter twice, even with an empty value;
/// - a parameter whose name is the token's name once percent-decoded (`+` as a space, up to
///   three times, as a layer that decodes twice would) and trimmed of whitespace, e.g.
///   `%61ccess_token=…`, alone or beside the literal one;
/// - the name after a `;` (`a=1;access_token=…`), which some query parsers also split at.
///
/// Only names are decoded for this check, never whole pairs, and names are compared as
/// written otherwise: a component in front that rewrites queries further (folds case as
/// some frameworks do, maps `.` or a space in a name to `_` as PHP does, or splits again at
/// separators it decoded from a value, `x=%26access_token%3D…`) can read a token this source
/// does not see. Where such a component reads the same query, leave this source off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySource {
    name: Cow<'static, str>,
}

impl QuerySource {
    /// The parameter RFC 6750 §2.3 names: `access_token`.
    pub const ACCESS_TOKEN: QuerySource = QuerySource::new("access_token");

    /// The query parameter `name`.
    ///
    /// # Panics
    ///
    /// When `name` is empty or has a character outside the URL's unreserved set (letters,
    /// digits, `-`, `.`, `_`, `~`): a mistake in the program's text. In a constant an invalid
    /// name is a compile error.
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        assert!(
            is_unreserved(name.as_bytes()),
            "a query parameter name is 1 or more unreserved URL characters"
        );
        QuerySource {
            name: Cow::Borrowed(name),
        }
    }

    /// The parameter's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter's token in the request's query; `None` when absent or empty.
    fn find<'r>(&self, uri: &'r Uri) -> Result<Option<&'r str>, AuthorizationError> {
        let Some(query) = uri.query() else {
            return Ok(None);
        };
        let mut found = None;
        let mut present = false;
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name != self.name {
                let hidden = pair.split(';').enumerate().any(|(i, part)| {
                    // Only a piece with a value can carry a token (`q=a;access_token` has none).
                    let Some((name, _)) = part.split_once('=') else {
                        return false;
                    };
                    (i > 0 && name == self.name) || disguises(name.as_bytes(), &self.name, true)
                });
                if hidden {
                    return Err(disguised_name());
                }
                continue;
            }
            // Twice is ambiguous even when one is empty: parsers that keep the first and
            // those that keep the last would disagree on whether there is a token.
            if core::mem::replace(&mut present, true) {
                return Err(AuthorizationError::Ambiguous);
            }
            if value.is_empty() {
                continue;
            }
            if value.contains('+') {
                return Err(AuthorizationError::Malformed(
                    MalformedAuthorization::TokenSyntax,
                ));
            }
            found = Some(token_text(value.as_bytes())?);
        }
        Ok(found)
    }
}

/// The error for a cookie or query parameter that spells the token's name in a form this
/// reader does not take but another component may.
fn disguised_name() -> AuthorizationError {
    AuthorizationError::Malformed(MalformedAuthorization::DisguisedName)
}

/// Whether `spelled`, which is not `name` as written, reads as `name` once trimmed of
/// whitespace and percent-decoded (with `plus_is_space`, form decoding's `+`), up to three
/// times over: what a lenient or double-decoding parser would take for the token's name.
fn disguises(spelled: &[u8], name: &str, plus_is_space: bool) -> bool {
    let name = name.as_bytes();
    // Neither trimming nor decoding lengthens text: a shorter spelling never matches.
    if spelled == name || spelled.len() < name.len() {
        return false;
    }
    let mut text = Cow::Borrowed(spelled);
    for _ in 0..3 {
        if text.trim_ascii() == name {
            return true;
        }
        match percent_decode(text.trim_ascii(), plus_is_space) {
            Some(decoded) => text = Cow::Owned(decoded),
            None => return false,
        }
    }
    text.trim_ascii() == name
}

/// `text` percent-decoded (and `+` made a space, with `plus_is_space`) as
/// application/x-www-form-urlencoded parsers do, an invalid `%` sequence kept as it is;
/// `None` when nothing changes.
fn percent_decode(text: &[u8], plus_is_space: bool) -> Option<Vec<u8>> {
    let escaped = |i: usize| match text.get(i..i + 3) {
        Some(&[b'%', high, low]) => Some((hex_value(high)? << 4) | hex_value(low)?),
        _ => None,
    };
    if !(0..text.len()).any(|i| escaped(i).is_some() || (plus_is_space && text[i] == b'+')) {
        return None;
    }
    let mut decoded = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if let Some(byte) = escaped(i) {
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(match text[i] {
                b'+' if plus_is_space => b' ',
                byte => byte,
            });
            i += 1;
        }
    }
    Some(decoded)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Why [`CookieSource::set_cookie`] wrote no cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetCookieError {
    /// The token is not b64token text, which every token this crate signs is: it could end
    /// the cookie's value and add attributes or cookies.
    Token,
    /// The lifetime is zero, which would delete the cookie rather than store it.
    ZeroLifetime,
}

impl fmt::Display for SetCookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetCookieError::Token => "a cookie token must be b64token text",
            SetCookieError::ZeroLifetime => "a token cookie needs a lifetime of more than zero",
        })
    }
}

impl std::error::Error for SetCookieError {}

/// The opt-in token sources of a verifier.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    pub(crate) cookie: Option<CookieSource>,
    pub(crate) query: Option<QuerySource>,
}

impl Sources {
    /// The request's one token.
    ///
    /// The `Authorization` header is always read. A token found in more than one place (the
    /// header and the cookie, or the cookie twice) is ambiguous: the request is refused
    /// rather than one of them picked, so that no two parts of a deployment could act on
    /// different tokens.
    pub(crate) fn token<'r>(
        &self,
        headers: &'r HeaderMap,
        uri: &'r Uri,
    ) -> Result<&'r str, AuthorizationError> {
        let header = bearer_token(
            headers
                .get_all(AUTHORIZATION)
                .iter()
                .map(HeaderValue::as_bytes),
        );
        if self.cookie.is_none() && self.query.is_none() {
            return header;
        }
        let mut found = match header {
            Ok(token) => Some(token),
            Err(AuthorizationError::Missing | AuthorizationError::OtherScheme) => None,
            Err(error) => return Err(error),
        };
        let cookie = match &self.cookie {
            Some(source) => source.find(headers)?,
            None => None,
        };
        let query = match &self.query {
            Some(source) => source.find(uri)?,
            None => None,
        };
        for token in [cookie, query].into_iter().flatten() {
            if found.replace(token).is_some() {
                return Err(AuthorizationError::Ambiguous);
            }
        }
        found.ok_or(AuthorizationError::Missing)
    }
}

/// A cookie or query value as a token: b64token syntax, as in the header.
fn token_text(value: &[u8]) -> Result<&str, AuthorizationError> {
    let malformed = AuthorizationError::Malformed(MalformedAuthorization::TokenSyntax);
    if !is_b64token(value) {
        return Err(malformed);
    }
    core::str::from_utf8(value).map_err(|_| malformed)
}

/// RFC 9110 `token`: a cookie name (RFC 6265 §4.1.1).
const fn is_token(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let ok = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// RFC 3986 `unreserved`.
const fn is_unreserved(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !(byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')) {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn all() -> Sources {
        Sources {
            cookie: Some(CookieSource::new("tok", SameSite::Strict)),
            query: Some(QuerySource::ACCESS_TOKEN),
        }
    }

    fn token<'r>(
        sources: &Sources,
        headers: &'r HeaderMap,
        uri: &'r Uri,
    ) -> Result<&'r str, AuthorizationError> {
        sources.token(headers, uri)
    }

    #[test]
    fn each_source_alone() {
        let uri: Uri = "/x".parse().unwrap();
        let h = headers(&[("authorization", "Bearer a.b.c")]);
        assert_eq!(token(&all(), &h, &uri), Ok("a.b.c"));
        let h = headers(&[("cookie", "other=1; tok=a.b.c; x=y")]);
        assert_eq!(token(&all(), &h, &uri), Ok("a.b.c"));
        let h = headers(&[("cookie", "tok=\"a.b.c\"")]);
        assert_eq!(token(&all(), &h, &uri), Ok("a.b.c"));
        let uri_q: Uri = "/x?a=1&access_token=a.b.c&b".parse().unwrap();
        assert_eq!(token(&all(), &HeaderMap::new(), &uri_q), Ok("a.b.c"));
        assert_eq!(
            token(&all(), &HeaderMap::new(), &uri),
            Err(AuthorizationError::Missing)
        );
    }

    #[test]
    fn sources_not_enabled_are_not_read() {
        let uri: Uri = "/x?access_token=a.b.c".parse().unwrap();
        let h = headers(&[("cookie", "tok=a.b.c")]);
        assert_eq!(
            token(&Sources::default(), &h, &uri),
            Err(AuthorizationError::Missing)
        );
    }

    #[test]
    fn two_tokens_are_ambiguous() {
        let uri: Uri = "/x?access_token=q.q.q".parse().unwrap();
        let plain: Uri = "/x".parse().unwrap();
        let both = headers(&[("authorization", "Bearer a.b.c"), ("cookie", "tok=a.b.c")]);
        assert_eq!(
            token(&all(), &both, &plain),
            Err(AuthorizationError::Ambiguous)
        );
        let h = headers(&[("authorization", "Bearer a.b.c")]);
        assert_eq!(token(&all(), &h, &uri), Err(AuthorizationError::Ambiguous));
        let twice = headers(&[("cookie", "tok=a.b.c"), ("cookie", "tok=d.e.f")]);
        assert_eq!(
            token(&all(), &twice, &plain),
            Err(AuthorizationError::Ambiguous)
        );
        let q: Uri = "/x?access_token=a&access_token=b".parse().unwrap();
        assert_eq!(
            token(&all(), &HeaderMap::new(), &q),
            Err(AuthorizationError::Ambiguous)
        );
    }

    #[test]
    fn empty_values_are_absent_and_bad_values_malformed() {
        let plain: Uri = "/x".parse().unwrap();
        let h = headers(&[
            ("cookie", "tok=; other=1"),
            ("authorization", "Bearer a.b.c"),
        ]);
        assert_eq!(token(&all(), &h, &plain), Ok("a.b.c"));
        let malformed = Err(AuthorizationError::Malformed(
            MalformedAuthorization::TokenSyntax,
        ));
        let h = headers(&[("cookie", "tok=a,b")]);
        assert_eq!(token(&all(), &h, &plain), malformed);
        let q: Uri = "/x?access_token=a%2Eb".parse().unwrap();
        assert_eq!(token(&all(), &HeaderMap::new(), &q), malformed);
        // Another scheme in the header does not hide a cookie token.
        let h = headers(&[("authorization", "Basic dTpw"), ("cookie", "tok=a.b.c")]);
        assert_eq!(token(&all(), &h, &plain), Ok("a.b.c"));
        // A malformed header is refused even when a cookie carries a token.
        let h = headers(&[("authorization", "Bearer  a"), ("cookie", "tok=a.b.c")]);
        assert!(matches!(
            token(&all(), &h, &plain),
            Err(AuthorizationError::Malformed(_))
        ));
    }

    const SESSION: CookieSource = CookieSource::new("session", SameSite::Lax);

    #[test]
    fn set_cookie_writes_only_token_text() {
        let lifetime = Duration::from_secs(60);
        for bad in [
            "",
            "a;b",
            "a; Domain=evil.example",
            "a,b",
            "a b",
            "a\tb",
            "\"a\"",
            "a\\b",
            "a\0b",
            "a\x7fb",
            "a\r\nSet-Cookie: x=y",
            "é",
            "a=b",
            "=",
            "a%3Bb",
        ] {
            assert_eq!(
                SESSION.set_cookie(bad, lifetime),
                Err(SetCookieError::Token),
                "{bad:?}"
            );
        }
        assert_eq!(
            SESSION.set_cookie("eyJ.e30.c2-_~+/==", lifetime).as_deref(),
            Ok("session=eyJ.e30.c2-_~+/==; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Lax")
        );
    }

    #[test]
    fn set_cookie_never_writes_a_deleting_max_age() {
        let max_age = |lifetime| {
            let cookie = SESSION.set_cookie("a.b.c", lifetime).unwrap();
            cookie.split("; ").nth(1).unwrap().to_owned()
        };
        assert_eq!(max_age(Duration::from_nanos(1)), "Max-Age=1");
        assert_eq!(max_age(Duration::from_millis(999)), "Max-Age=1");
        assert_eq!(max_age(Duration::from_millis(1_999)), "Max-Age=1");
        assert_eq!(max_age(Duration::from_secs(900)), "Max-Age=900");
        assert_eq!(max_age(Duration::MAX), format!("Max-Age={}", u64::MAX));
        assert_eq!(
            SESSION.set_cookie("a.b.c", Duration::ZERO),
            Err(SetCookieError::ZeroLifetime)
        );
        // The clearing cookie matches the stored one's attributes, with an empty value.
        assert_eq!(
            SESSION.clear_cookie(),
            "session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax"
        );
        let host = CookieSource::new("__Host-session", SameSite::Strict);
        assert_eq!(
            host.clear_cookie(),
            "__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict"
        );
        // What the writer writes, the reader reads back; the cleared cookie is no token.
        let plain: Uri = "/x".parse().unwrap();
        let cookies = Sources {
            cookie: Some(SESSION),
            query: None,
        };
        let written = SESSION.set_cookie("a.b.c", Duration::from_secs(1)).unwrap();
        let pair = written.split(';').next().unwrap();
        assert_eq!(
            token(&cookies, &headers(&[("cookie", pair)]), &plain),
            Ok("a.b.c")
        );
        let cleared = SESSION.clear_cookie();
        let pair = cleared.split(';').next().unwrap();
        assert_eq!(
            token(&cookies, &headers(&[("cookie", pair)]), &plain),
            Err(AuthorizationError::Missing)
        );
    }

    fn disguised() -> Result<&'static str, AuthorizationError> {
        Err(AuthorizationError::Malformed(
            MalformedAuthorization::DisguisedName,
        ))
    }

    #[test]
    fn a_cookie_name_in_another_spelling_is_refused() {
        let plain: Uri = "/x".parse().unwrap();
        for cookie in [
            "%74ok=a.b.c",
            "%74%6F%6b=a.b.c",
            "%2574ok=a.b.c",
            "tok =a.b.c",
            "tok\t=a.b.c",
            "theme=dark, tok=a.b.c",
            "theme=dark,tok=a.b.c",
            "tok=a.b.c; %74ok=d.e.f",
        ] {
            let h = headers(&[("cookie", cookie)]);
            assert_eq!(token(&all(), &h, &plain), disguised(), "{cookie:?}");
        }
        // Other cookies, alike or encoded, are not the token's.
        for cookie in [
            "toke=x; tok=a.b.c",
            "Tok=x; tok=a.b.c",
            "%41=1; tok=a.b.c",
            "x=%74ok; tok=a.b.c",
            // A value with a comma and the name in it, but no second `name=value`.
            "prefs=a,tok; tok=a.b.c",
            "consent=necessary,tok; tok=a.b.c",
        ] {
            let h = headers(&[("cookie", cookie)]);
            assert_eq!(token(&all(), &h, &plain), Ok("a.b.c"), "{cookie:?}");
        }
    }

    #[test]
    fn a_query_name_in_another_spelling_is_refused() {
        let none = HeaderMap::new();
        for query in [
            "%61ccess_token=a.b.c",
            "access%5ftoken=a.b.c",
            "access%5Ftoken=a.b.c",
            "%2561ccess_token=a.b.c",
            "access_token%20=a.b.c",
            "+access_token=a.b.c",
            "%61ccess_token=",
            "access_token=a.b.c&%61ccess_token=d.e.f",
            "%61ccess_token=d.e.f&access_token=a.b.c",
            "x=1;access_token=a.b.c",
            "x=1;%61ccess_token=a.b.c",
        ] {
            let uri: Uri = format!("/x?{query}").parse().unwrap();
            assert_eq!(token(&all(), &none, &uri), disguised(), "{query:?}");
        }
        // Each character of the name percent-encoded, in either case of hex digit.
        let name = "access_token";
        for (i, byte) in name.bytes().enumerate() {
            for encoded in [format!("%{byte:02x}"), format!("%{byte:02X}")] {
                let spelled = format!("{}{encoded}{}", &name[..i], &name[i + 1..]);
                let uri: Uri = format!("/x?{spelled}=a.b.c").parse().unwrap();
                assert_eq!(token(&all(), &none, &uri), disguised(), "{spelled}");
            }
        }
        // Other parameters, encoded or not, are not the token's.
        for query in [
            "q=%41%42&access_token=a.b.c",
            "%41=1&access_token=a.b.c",
            "access_tokens=x&access_token=a.b.c",
            "access_token=a.b.c&x=%3Baccess_token",
            "x=a;b&access_token=a.b.c",
            "q=a;access_token&access_token=a.b.c",
        ] {
            let uri: Uri = format!("/x?{query}").parse().unwrap();
            assert_eq!(token(&all(), &none, &uri), Ok("a.b.c"), "{query:?}");
        }
    }

    #[test]
    fn query_values_are_not_decoded_and_the_name_counts_once() {
        let none = HeaderMap::new();
        let malformed = Err(AuthorizationError::Malformed(
            MalformedAuthorization::TokenSyntax,
        ));
        for query in [
            "access_token=a%2Eb.c",
            "access_token=a+b.c",
            "access_token=a.b.c;x=1",
        ] {
            let uri: Uri = format!("/x?{query}").parse().unwrap();
            assert_eq!(token(&all(), &none, &uri), malformed, "{query:?}");
        }
        for query in [
            "access_token=&access_token=a.b.c",
            "access_token=a.b.c&access_token=",
            "access_token&access_token=a.b.c",
            "access_token=a.b.c&access_token=a.b.c",
        ] {
            let uri: Uri = format!("/x?{query}").parse().unwrap();
            assert_eq!(
                token(&all(), &none, &uri),
                Err(AuthorizationError::Ambiguous),
                "{query:?}"
            );
        }
        let uri: Uri = "/x?access_token=".parse().unwrap();
        assert_eq!(token(&all(), &none, &uri), Err(AuthorizationError::Missing));
    }

    #[test]
    fn percent_decoding_is_form_decoding() {
        assert_eq!(percent_decode(b"abc", true), None);
        assert_eq!(percent_decode(b"a+b", false), None);
        assert_eq!(percent_decode(b"a+b", true).as_deref(), Some(&b"a b"[..]));
        assert_eq!(
            percent_decode(b"%41%4a%4A", false).as_deref(),
            Some(&b"AJJ"[..])
        );
        // Invalid sequences stay as they are.
        assert_eq!(percent_decode(b"%4%zz%", false), None);
        assert_eq!(
            percent_decode(b"%%41%", false).as_deref(),
            Some(&b"%A%"[..])
        );
        assert!(!disguises(b"access_token", "access_token", true));
        assert!(!disguises(b"%61", "access_token", true));
        // Three rounds of decoding, not four.
        assert!(disguises(b"%252561ccess_token", "access_token", true));
        assert!(!disguises(b"%25252561ccess_token", "access_token", true));
    }

    #[test]
    fn names_are_checked() {
        assert!(is_token(b"session") && is_token(b"__Host-session"));
        for bad in [&b""[..], b"a=b", b"a;b", b"a b", b"\xc3\xa9"] {
            assert!(!is_token(bad), "{bad:?}");
        }
        assert!(is_unreserved(b"access_token"));
        for bad in [&b""[..], b"a=b", b"a&b", b"a%20"] {
            assert!(!is_unreserved(bad), "{bad:?}");
        }
    }
}
