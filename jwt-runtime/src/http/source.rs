//! Where a request's token is read from: the `Authorization` header always, a named cookie
//! and a query parameter when the verifier is told so.

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
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::http::{CookieSource, SameSite};
///
/// const SESSION_COOKIE: CookieSource = CookieSource::new("session", SameSite::Strict);
/// assert_eq!(
///     SESSION_COOKIE.set_cookie("eyJ.e30.c2ln", Duration::from_secs(900)),
///     "session=eyJ.e30.c2ln; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=Strict",
/// );
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
    /// `Path=/` and the stated `SameSite`. The token is not checked: pass one this
    /// application signed.
    #[must_use]
    pub fn set_cookie(&self, token: &str, max_age: Duration) -> String {
        format!(
            "{}={token}; Max-Age={}; Path=/; Secure; HttpOnly; SameSite={}",
            self.name,
            max_age.as_secs(),
            self.same_site.as_str()
        )
    }

    /// A `Set-Cookie` header value that removes the cookie (on logout).
    #[must_use]
    pub fn clear_cookie(&self) -> String {
        self.set_cookie("", Duration::ZERO)
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
/// The value is read as it is: a token is base64url text and dots, which need no
/// percent-encoding; a `%` in the value is refused as malformed.
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
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name != self.name || value.is_empty() {
                continue;
            }
            if found.replace(token_text(value.as_bytes())?).is_some() {
                return Err(AuthorizationError::Ambiguous);
            }
        }
        Ok(found)
    }
}

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
