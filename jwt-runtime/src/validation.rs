//! Validation settings, and the claims check (step 6 of the decode pipeline).

use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::schema::{Registered, Schema};
use crate::time::NumericDate;

/// The default limit on a token's length, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 65_536;

/// The longest `jti` accepted, in bytes; a longer one is [`Error::InvalidClaim`].
pub const MAX_JTI_LEN: usize = 256;

/// How tokens are validated: the clock, the leeway, and run-time replacements for the
/// issuer, audience and subject a claims type declares.
///
/// Built once (typically at start-up, from configuration) and used for any claims type.
/// Every value not set here comes from the type's `#[claims(...)]` declaration.
///
/// | setting | default |
/// | --- | --- |
/// | clock | [`SystemClock`] |
/// | leeway | the declared `leeway`, else zero |
/// | issuer | the declared `iss`, else any issuer |
/// | audience | the declared `aud`, else none: a token carrying `aud` is then rejected |
/// | subject | none: any subject |
/// | maximum token length | 65,536 bytes |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use jwt_runtime::{Claims, FixedClock, HmacKey, Hs256, NumericDate, Validation};
///
/// #[derive(Claims)]
/// #[claims(iss = "https://auth.example.com")]
/// struct Session {
///     sub: String,
///     exp: NumericDate,
/// }
///
/// let key = HmacKey::<Hs256>::from_bytes(&[7; 32])?;
/// let token = Session { sub: "ada".into(), exp: NumericDate::from_secs(2_000) }.encode(&key)?;
///
/// let validation = Validation::new()
///     .clock(FixedClock(NumericDate::from_secs(1_000)))
///     .leeway(Duration::from_secs(30));
/// let session: Session = validation.decode(&token, &key)?;
/// assert_eq!(session.sub, "ada");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Validation<K: Clock = SystemClock> {
    clock: K,
    leeway: Option<Duration>,
    issuer: Option<String>,
    audience: Option<Vec<String>>,
    subject: Option<String>,
    max_token_len: usize,
}

impl Default for Validation {
    fn default() -> Self {
        Self::new()
    }
}

impl Validation {
    /// The declared defaults, on the system clock.
    #[must_use]
    pub fn new() -> Self {
        Validation {
            clock: SystemClock,
            leeway: None,
            issuer: None,
            audience: None,
            subject: None,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
        }
    }
}

impl<K: Clock> Validation<K> {
    /// Uses `clock` for "now". Defaults to [`SystemClock`].
    #[must_use]
    pub fn clock<K2: Clock>(self, clock: K2) -> Validation<K2> {
        Validation {
            clock,
            leeway: self.leeway,
            issuer: self.issuer,
            audience: self.audience,
            subject: self.subject,
            max_token_len: self.max_token_len,
        }
    }

    /// Tolerated clock skew, applied to `exp`, `nbf` and both ends of the `iat` window.
    /// Defaults to the declared `leeway`, else zero.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// The exact issuer required, replacing the declared `iss`.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The accepted audiences (the token's `aud` must contain one of them), replacing the
    /// declared `aud`. An empty list expects no audience.
    #[must_use]
    pub fn audience<I: IntoIterator<Item = S>, S: Into<String>>(mut self, audiences: I) -> Self {
        self.audience = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// The exact subject required. Defaults to none (any subject).
    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// The longest token accepted, in bytes; longer ones are rejected before any decoding.
    /// Defaults to 65,536.
    #[must_use]
    pub fn max_token_len(mut self, max_token_len: usize) -> Self {
        self.max_token_len = max_token_len;
        self
    }

    /// The instant this validation treats as now: one read of its clock.
    pub(crate) fn now(&self) -> NumericDate {
        self.clock.now()
    }

    /// The longest token accepted, in bytes.
    pub(crate) fn max_len(&self) -> usize {
        self.max_token_len
    }

    /// The leeway in force for `C`: the one set here, else the declared one.
    pub(crate) fn effective_leeway(&self, schema: &Schema) -> Duration {
        self.leeway.unwrap_or(schema.leeway)
    }

    /// Step 6: the registered claims of a token against a claims type's `schema` and these
    /// settings, at `now`.
    pub(crate) fn check_claims(
        &self,
        schema: &Schema,
        claims: Registered<'_>,
        now: NumericDate,
    ) -> Result<(), Error> {
        let leeway = self.effective_leeway(schema);
        check_times(&claims, now, leeway, schema.iat_window)?;

        let issuer = self.issuer.as_deref().or(schema.issuer);
        if let Some(issuer) = issuer
            && claims.iss != Some(issuer)
        {
            return Err(Error::Issuer);
        }

        let audience_ok = match (&self.audience, claims.aud) {
            (Some(expected), Some(aud)) => expected.iter().any(|expected| aud.contains(expected)),
            (None, Some(aud)) => schema
                .audience
                .iter()
                .any(|expected| aud.contains(expected)),
            // RFC 7519 §4.1.3: no audience token passes a verifier that expects one.
            (Some(expected), None) => expected.is_empty(),
            (None, None) => schema.audience.is_empty(),
        };
        if !audience_ok {
            return Err(Error::Audience);
        }

        if let Some(subject) = &self.subject
            && claims.sub != Some(subject.as_str())
        {
            return Err(Error::Subject);
        }

        if let Some(jti) = claims.jti
            && jti.len() > MAX_JTI_LEN
        {
            return Err(Error::InvalidClaim {
                claim: "jti",
                reason: "longer than 256 bytes",
            });
        }
        Ok(())
    }
}

/// `exp`: `now < exp + leeway`; `nbf`: `now + leeway >= nbf`; `iat`: `iat <= now + leeway`
/// and, with a window, `iat >= now - window - leeway`. All arithmetic saturates.
fn check_times(
    claims: &Registered<'_>,
    now: NumericDate,
    leeway: Duration,
    iat_window: Option<Duration>,
) -> Result<(), Error> {
    if let Some(exp) = claims.exp
        && now >= exp.saturating_add(leeway)
    {
        return Err(Error::Expired { exp, now });
    }
    if let Some(nbf) = claims.nbf
        && now.saturating_add(leeway) < nbf
    {
        return Err(Error::NotYetValid { nbf, now });
    }
    if let Some(iat) = claims.iat {
        if iat > now.saturating_add(leeway) {
            return Err(Error::IssuedInFuture { iat, now });
        }
        if let Some(window) = iat_window
            && iat < now.saturating_sub(window).saturating_sub(leeway)
        {
            return Err(Error::IssuedTooLongAgo {
                iat,
                now,
                window_secs: window.as_secs(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NumericDate {
        NumericDate::from_secs(secs)
    }

    fn times(exp: Option<i64>, nbf: Option<i64>, iat: Option<i64>) -> Registered<'static> {
        Registered {
            exp: exp.map(at),
            nbf: nbf.map(at),
            iat: iat.map(at),
            ..Registered::default()
        }
    }

    #[test]
    fn exp_boundary() {
        let claims = times(Some(100), None, None);
        assert!(check_times(&claims, at(99), Duration::ZERO, None).is_ok());
        assert!(matches!(
            check_times(&claims, at(100), Duration::ZERO, None),
            Err(Error::Expired { .. })
        ));
        assert!(check_times(&claims, at(104), Duration::from_secs(5), None).is_ok());
        assert!(check_times(&claims, at(105), Duration::from_secs(5), None).is_err());
    }

    #[test]
    fn nbf_boundary() {
        let claims = times(None, Some(100), None);
        assert!(matches!(
            check_times(&claims, at(99), Duration::ZERO, None),
            Err(Error::NotYetValid { .. })
        ));
        assert!(check_times(&claims, at(100), Duration::ZERO, None).is_ok());
        assert!(check_times(&claims, at(95), Duration::from_secs(5), None).is_ok());
    }

    #[test]
    fn iat_window_boundaries() {
        let window = Some(Duration::from_secs(300));
        let claims = times(None, None, Some(1_000));
        assert!(matches!(
            check_times(&claims, at(999), Duration::ZERO, window),
            Err(Error::IssuedInFuture { .. })
        ));
        assert!(check_times(&claims, at(1_000), Duration::ZERO, window).is_ok());
        assert!(check_times(&claims, at(1_300), Duration::ZERO, window).is_ok());
        assert!(matches!(
            check_times(&claims, at(1_301), Duration::ZERO, window),
            Err(Error::IssuedTooLongAgo {
                window_secs: 300,
                ..
            })
        ));
    }

    #[test]
    fn extreme_values_never_panic() {
        let extremes = [f64::MIN, -1.0, 0.0, 1e19, 9_007_199_254_740_993.0, f64::MAX];
        for &value in &extremes {
            for &now in &extremes {
                for leeway in [Duration::ZERO, Duration::MAX] {
                    let date = NumericDate::from_f64(value).unwrap();
                    let claims = Registered {
                        exp: Some(date),
                        nbf: Some(date),
                        iat: Some(date),
                        ..Registered::default()
                    };
                    let _ = check_times(
                        &claims,
                        NumericDate::from_f64(now).unwrap(),
                        leeway,
                        Some(Duration::MAX),
                    );
                }
            }
        }
    }
}
