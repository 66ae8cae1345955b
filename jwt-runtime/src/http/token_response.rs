//! The OAuth 2.0 token response (RFC 6749 §5.1), as a login or refresh endpoint returns it.

use std::time::Duration;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A successful token response: `access_token`, `token_type`, `expires_in`, and optionally
/// `refresh_token` and `scope` (RFC 6749 §5.1). Serializes to the JSON body clients expect;
/// serve it with `Cache-Control: no-store` (RFC 6749 §5.1 requires it).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::http::TokenResponse;
///
/// let response = TokenResponse::bearer("eyJ...", Duration::from_secs(900))
///     .with_refresh_token("eyJ...refresh");
/// let json = serde_json::to_string(&response)?;
/// assert_eq!(
///     json,
///     r#"{"access_token":"eyJ...","token_type":"Bearer","expires_in":900,"refresh_token":"eyJ...refresh"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// How the token is used: `Bearer` (RFC 6750).
    pub token_type: String,
    /// The access token's lifetime in seconds, from the time of the response.
    pub expires_in: u64,
    /// A refresh token, when the client may obtain new access tokens with it.
    pub refresh_token: Option<String>,
    /// The granted scope, when it differs from the requested one (space-separated).
    pub scope: Option<String>,
}

impl TokenResponse {
    /// A `Bearer` token valid for `lifetime` (whole seconds, rounded down).
    #[must_use]
    pub fn bearer(access_token: impl Into<String>, lifetime: Duration) -> Self {
        TokenResponse {
            access_token: access_token.into(),
            token_type: "Bearer".to_owned(),
            expires_in: lifetime.as_secs(),
            refresh_token: None,
            scope: None,
        }
    }

    /// Adds a refresh token.
    #[must_use]
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// Adds the granted scope.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

// By hand: the runtime does not depend on serde's derive macros.
impl Serialize for TokenResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let members =
            3 + usize::from(self.refresh_token.is_some()) + usize::from(self.scope.is_some());
        let mut response = serializer.serialize_struct("TokenResponse", members)?;
        response.serialize_field("access_token", &self.access_token)?;
        response.serialize_field("token_type", &self.token_type)?;
        response.serialize_field("expires_in", &self.expires_in)?;
        if let Some(refresh_token) = &self.refresh_token {
            response.serialize_field("refresh_token", refresh_token)?;
        }
        if let Some(scope) = &self.scope {
            response.serialize_field("scope", scope)?;
        }
        response.end()
    }
}
