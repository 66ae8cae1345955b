//! Validation settings, and the claims check (step 6 of the decode pipeline).

use core::any::TypeId;
use std::time::Duration;

use crate::claim_types::AudienceClaim;
use crate::claims::Claims;
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::schema::{Registered, Schema};
use crate::time::NumericDate;

/// The default limit on a token's length, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 65_536;

/// The longest `jti` accepted, in bytes; a longer one is [`Error::InvalidClaim`].
pub const MAX_JTI_LEN: usize = 256;

/// How tokens are validated: the clock, the leeway, and run-time issuer, audience and
/// subject requirements.
///
/// Built once (typically at start-up, from configuration) and used for any claims type.
/// Every value not set here comes from the type's `#[claims(...)]` declaration.
///
/// A run-time setting never erases a type's identity. [`issuer`](Validation::issuer) and
/// [`audience`](Validation::audience) apply to every type decoded with this validation, so
/// they only add a requirement: a type that declares its own `iss` or `aud` must satisfy
/// both its declaration and the run-time value, and a type that declares none gets the
/// run-time value. To replace a declared value, name the type:
/// [`issuer_for::<C>`](Validation::issuer_for) and
/// [`audience_for::<C>`](Validation::audience_for) apply to `C` alone. So one validation (one
/// axum `Verifier`) serving several kinds of tokens cannot make a token of one kind pass as
/// another.
///
/// | setting | default |
/// | --- | --- |
/// | clock | [`SystemClock`] |
/// | leeway | the declared `leeway`, else zero |
/// | issuer | the declared `iss`, else any issuer |
/// | audience | the declared `aud`, else none: a token carrying `aud` is then rejected |
/// | subject | none: any subject |
/// | per-type issuer, audience, token type | none |
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
    /// Settings given for one claims type: empty unless `*_for::<C>` was called, so the
    /// common path looks nothing up.
    per_type: Vec<TypeSettings>,
}

/// The issuer and audience given for one claims type, replacing its declared ones.
#[derive(Clone)]
struct TypeSettings {
    type_id: TypeId,
    type_name: &'static str,
    issuer: Option<String>,
    audience: Option<Vec<String>>,
    token_type: Option<&'static str>,
}

impl core::fmt::Debug for TypeSettings {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TypeSettings")
            .field("type", &self.type_name)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("token_type", &self.token_type)
            .finish()
    }
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
            per_type: Vec::new(),
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
            per_type: self.per_type,
        }
    }

    /// Tolerated clock skew, applied to `exp`, `nbf` and both ends of the `iat` window.
    /// Defaults to the declared `leeway`, else zero.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// An exact issuer required of every claims type decoded with this validation, in
    /// addition to a type's declared `iss` (a type that declares another one then accepts no
    /// token). To replace a declared `iss`, use [`issuer_for`](Validation::issuer_for).
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Accepted audiences required of every claims type decoded with this validation: the
    /// token's `aud` must contain one of them, in addition to one of a type's declared `aud`.
    /// To replace a declared `aud`, use [`audience_for`](Validation::audience_for).
    ///
    /// An empty list accepts no token (as `aud = []` does not compile): it never turns the
    /// audience check off.
    #[must_use]
    pub fn audience<I: IntoIterator<Item = S>, S: Into<String>>(mut self, audiences: I) -> Self {
        self.audience = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// The exact issuer required of claims type `C` alone, replacing its declared `iss` and
    /// [`issuer`](Validation::issuer). Other types are unaffected.
    #[must_use]
    pub fn issuer_for<C: Claims>(mut self, issuer: impl Into<String>) -> Self {
        self.type_settings::<C>().issuer = Some(issuer.into());
        self
    }

    /// The accepted audiences of claims type `C` alone, replacing its declared `aud` and
    /// [`audience`](Validation::audience). Other types are unaffected. An empty list accepts
    /// no token.
    ///
    /// # Examples
    ///
    /// ```
    /// use jwt_runtime::{Claims, NumericDate, Validation};
    ///
    /// #[derive(Claims)]
    /// #[claims(aud = "api")]
    /// struct Session { sub: String, exp: NumericDate }
    ///
    /// #[derive(Claims)]
    /// #[claims(aud = "refresh")]
    /// struct Refresh { sub: String, exp: NumericDate }
    ///
    /// // Staging replaces the session audience; refresh tokens still need "refresh".
    /// let validation = Validation::new().audience_for::<Session>(["api.staging"]);
    /// ```
    #[must_use]
    pub fn audience_for<C: Claims>(
        mut self,
        audiences: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.type_settings::<C>().audience = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// The exact header `typ` that tokens of claims type `C` alone must carry, replacing its
    /// declared `typ` (or, without one, the default: absent or `JWT`). Compared as a declared
    /// `typ` is (ASCII case-insensitively, `application/` optional). For tools that learn a
    /// token kind at run time (the `jwt` command line's `--typ`); a service declares
    /// `#[claims(typ = "...")]` instead.
    ///
    /// The text is kept for the life of the process (each distinct value once), so that
    /// errors can name it; configure it once, not per token.
    #[must_use]
    pub fn token_type_for<C: Claims>(mut self, token_type: &str) -> Self {
        self.type_settings::<C>().token_type = Some(intern(token_type));
        self
    }

    /// The header `typ` rule for `C`: the run-time one given for it, else its declaration.
    pub(crate) fn token_type<C: Claims>(&self) -> Option<&'static str> {
        if self.per_type.is_empty() {
            return C::__SCHEMA.typ;
        }
        let type_id = typeid::of::<C>();
        self.per_type
            .iter()
            .find(|s| s.type_id == type_id)
            .and_then(|s| s.token_type)
            .or(C::__SCHEMA.typ)
    }

    fn type_settings<C: Claims>(&mut self) -> &mut TypeSettings {
        let type_id = typeid::of::<C>();
        let index = match self.per_type.iter().position(|s| s.type_id == type_id) {
            Some(index) => index,
            None => {
                self.per_type.push(TypeSettings {
                    type_id,
                    type_name: core::any::type_name::<C>(),
                    issuer: None,
                    audience: None,
                    token_type: None,
                });
                self.per_type.len() - 1
            }
        };
        &mut self.per_type[index]
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

    /// Step 6: the registered claims of a token of claims type `C` against its schema and
    /// these settings, at `now`.
    pub(crate) fn check_claims<C: Claims>(
        &self,
        claims: Registered<'_>,
        now: NumericDate,
    ) -> Result<(), Error> {
        let schema = &C::__SCHEMA;
        let leeway = self.effective_leeway(schema);
        check_times(&claims, now, leeway, schema.iat_window)?;

        let typed = if self.per_type.is_empty() {
            None
        } else {
            let type_id = typeid::of::<C>();
            self.per_type.iter().find(|s| s.type_id == type_id)
        };
        self.check_issuer(typed, schema, claims.iss)?;
        self.check_audience(typed, schema, claims.aud)?;

        if let Some(subject) = &self.subject {
            match claims.sub {
                None => return Err(Error::MissingClaim { claim: "sub" }),
                Some(sub) if sub != subject => return Err(Error::Subject),
                Some(_) => {}
            }
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

    /// `iss`: the per-type issuer alone, else both the declared and the run-time one.
    fn check_issuer(
        &self,
        typed: Option<&TypeSettings>,
        schema: &Schema,
        iss: Option<&str>,
    ) -> Result<(), Error> {
        let required = match typed.and_then(|typed| typed.issuer.as_deref()) {
            Some(issuer) => [Some(issuer), None],
            None => [schema.issuer, self.issuer.as_deref()],
        };
        if required.iter().all(Option::is_none) {
            return Ok(());
        }
        let Some(iss) = iss else {
            return Err(Error::MissingClaim { claim: "iss" });
        };
        if required.iter().flatten().any(|issuer| *issuer != iss) {
            return Err(Error::Issuer);
        }
        Ok(())
    }

    /// `aud`: the token's audience must share an entry with each list in force (the
    /// per-type one alone, else the declared and the run-time one); with none in force, a
    /// token carrying `aud` is refused (RFC 7519 §4.1.3).
    fn check_audience(
        &self,
        typed: Option<&TypeSettings>,
        schema: &Schema,
        aud: Option<&dyn AudienceClaim>,
    ) -> Result<(), Error> {
        fn shares(aud: &dyn AudienceClaim, expected: &[impl AsRef<str>]) -> bool {
            expected
                .iter()
                .any(|expected| aud.contains(expected.as_ref()))
        }
        let (typed, declared, run_time) = match typed.and_then(|typed| typed.audience.as_deref()) {
            Some(typed) => (Some(typed), None, None),
            None => (
                None,
                (!schema.audience.is_empty()).then_some(schema.audience),
                self.audience.as_deref(),
            ),
        };
        if typed.is_none() && declared.is_none() && run_time.is_none() {
            return match aud {
                Some(_) => Err(Error::Audience),
                None => Ok(()),
            };
        }
        let Some(aud) = aud else {
            return Err(Error::MissingClaim { claim: "aud" });
        };
        let accepted = typed.is_none_or(|expected| shares(aud, expected))
            && declared.is_none_or(|expected| shares(aud, expected))
            && run_time.is_none_or(|expected| shares(aud, expected));
        if accepted {
            Ok(())
        } else {
            Err(Error::Audience)
        }
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

/// `text` as a `&'static str`, allocated once per distinct value: the run-time `typ` of
/// [`Validation::token_type_for`] is named by [`Error::TokenType`], whose field is static.
fn intern(text: &str) -> &'static str {
    static INTERNED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut interned = INTERNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&known) = interned.iter().find(|&&known| known == text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    interned.push(leaked);
    leaked
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
