//! A key set fetched from an identity provider's JWKS URL, cached and refreshed (feature
//! `jwks-remote`): [`RemoteKeySet`].

use core::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use arc_swap::ArcSwapOption;

use crate::claims::{Claims, DecodeClaims};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, KeyError};
use crate::public_key::{PublicKey, PublicKeySet};
use crate::replay::DecodableWithoutStore;
use crate::time::NumericDate;
use crate::validation::Validation;

/// A JWKS document as fetched: its body and the response's `Cache-Control: max-age`.
#[derive(Debug, Clone)]
pub struct FetchedJwks {
    /// The document, `{"keys":[...]}`.
    pub body: String,
    /// `max-age` of the response, if it had one (`no-store` and `no-cache` count as 0).
    pub max_age: Option<Duration>,
}

/// Why a fetch failed: the message of the transport's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError(pub String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fetching the JWKS failed: {}", self.0)
    }
}

impl std::error::Error for FetchError {}

/// Gets a JWKS document. [`HttpFetcher`] fetches a URL; implement it to use another HTTP
/// client, a file, or a test double.
pub trait JwksFetcher: Send + Sync {
    /// Fetches the document once.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] for any failure: the key set keeps its last good keys.
    fn fetch(&self) -> Result<FetchedJwks, FetchError>;
}

/// Fetches a JWKS over HTTPS (or plain HTTP to a loopback address, for tests and local
/// sidecars), with a time limit, a size limit and no redirects.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    url: String,
    timeout: Duration,
    max_bytes: u64,
    agent: ureq::Agent,
}

/// The default time limit of one fetch.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The default size limit of a JWKS document.
pub const DEFAULT_MAX_JWKS_BYTES: u64 = 256 * 1024;

impl HttpFetcher {
    /// A fetcher for `url`: `https://...`, or `http://` to `localhost`, `127.0.0.1` or
    /// `[::1]` only. Time limit 5 s, size limit 256 KiB, redirects refused.
    ///
    /// # Errors
    ///
    /// [`KeyError::Format`] for another scheme or plain HTTP to another host.
    pub fn new(url: &str) -> Result<Self, KeyError> {
        if !(url.starts_with("https://") || is_loopback_http(url)) {
            return Err(KeyError::Format(
                "a JWKS URL must be https:// (plain http:// only to a loopback address)",
            ));
        }
        Ok(HttpFetcher {
            url: url.to_owned(),
            timeout: DEFAULT_FETCH_TIMEOUT,
            max_bytes: DEFAULT_MAX_JWKS_BYTES,
            agent: agent(DEFAULT_FETCH_TIMEOUT),
        })
    }

    /// Sets the time limit of one fetch (connect, send, receive; default 5 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.agent = agent(timeout);
        self
    }

    /// Sets the size limit of the document (default 256 KiB); a larger one is a failed
    /// fetch.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .http_status_as_error(true)
        .build()
        .into()
}

fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// `max-age` from a `Cache-Control` value; `no-store` and `no-cache` are 0.
fn max_age(cache_control: &str) -> Option<Duration> {
    let mut found = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim();
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(value) = lower.strip_prefix("max-age=") {
            found = value
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    found
}

impl JwksFetcher for HttpFetcher {
    fn fetch(&self) -> Result<FetchedJwks, FetchError> {
        let failed = |error: ureq::Error| FetchError(error.to_string());
        let mut response = self.agent.get(&self.url).call().map_err(failed)?;
        let max_age = response
            .headers()
            .get("cache-control")
            .and_then(|value| value.to_str().ok())
            .and_then(max_age);
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_bytes)
            .read_to_string()
            .map_err(failed)?;
        Ok(FetchedJwks { body, max_age })
    }
}

/// How a [`RemoteKeySet`] caches. The defaults follow what the widely used remote key sets
/// do, bounded both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// The shortest time keys are kept before a refetch, whatever `max-age` says
    /// (default 60 s).
    pub min_ttl: Duration,
    /// The longest (default 24 h).
    pub max_ttl: Duration,
    /// The time keys are kept when the response has no `max-age` (default 10 min).
    pub default_ttl: Duration,
    /// A token with an unknown `kid` triggers a refetch at most once per this period
    /// (default 30 s), so a flood of made-up `kid`s cannot make us hammer the provider.
    pub unknown_kid_cooldown: Duration,
    /// After a failed fetch, the next one waits this long (default 30 s).
    pub retry_after_failure: Duration,
    /// How long past their expiry the last good keys keep serving while fetches fail
    /// (default 6 h); after that, verification fails closed.
    pub max_stale: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            default_ttl: Duration::from_secs(600),
            unknown_kid_cooldown: Duration::from_secs(30),
            retry_after_failure: Duration::from_secs(30),
            max_stale: Duration::from_secs(6 * 3600),
        }
    }
}

struct CacheState<K: PublicKey> {
    keys: Option<Arc<PublicKeySet<K>>>,
    /// Until then the keys are used without a refetch.
    fresh_until: NumericDate,
    /// Until then the keys are used when refetches fail.
    usable_until: NumericDate,
    /// No fetch before then (after a failure).
    next_attempt: NumericDate,
    last_kid_refetch: Option<NumericDate>,
    last_error: Option<FetchError>,
    fetches: u64,
}

/// The verifying keys of an identity provider, fetched from its JWKS URL and cached.
///
/// - Keys are refetched when the response's `max-age` (bounded by
///   [`CachePolicy::min_ttl`] and [`CachePolicy::max_ttl`]) has passed.
/// - A token whose `kid` is not in the set triggers one refetch, at most once per
///   [`CachePolicy::unknown_kid_cooldown`]: a key rotated in at the provider is picked up
///   without a restart.
/// - When fetching fails the last good keys keep serving for up to
///   [`CachePolicy::max_stale`] past their expiry, then verification fails closed with
///   [`Error::KeysUnavailable`].
/// - Keys whose `kty`, `crv`, `alg` or `use` do not fit `K` are ignored.
/// - One fetch runs at a time; meanwhile other callers use the keys in hand. Time is read
///   from the clock given (the system clock by default).
pub struct RemoteKeySet<K: PublicKey, F: JwksFetcher = HttpFetcher, C: Clock = SystemClock> {
    shared: Arc<Shared<K, F>>,
    clock: C,
    policy: CachePolicy,
}

/// What a fetch running on another thread (the async path) needs.
struct Shared<K: PublicKey, F: JwksFetcher> {
    fetcher: F,
    /// The keys and how long they are fresh, published after every successful fetch: a
    /// verification with fresh keys reads only this, without a lock or a reference count.
    fresh: ArcSwapOption<FreshKeys<K>>,
    /// The refresh bookkeeping: taken only when the keys are not fresh.
    state: RwLock<CacheState<K>>,
    fetching: Mutex<()>,
}

struct FreshKeys<K: PublicKey> {
    keys: Arc<PublicKeySet<K>>,
    until: NumericDate,
}

impl<K: PublicKey> RemoteKeySet<K> {
    /// A key set for the JWKS at `url`, with [`HttpFetcher`]'s and [`CachePolicy`]'s
    /// defaults. Nothing is fetched until the first token.
    ///
    /// # Errors
    ///
    /// As [`HttpFetcher::new`].
    pub fn from_url(url: &str) -> Result<Self, KeyError> {
        Ok(Self::new(HttpFetcher::new(url)?, SystemClock))
    }

    /// OpenID Connect discovery: fetches `{issuer}/.well-known/openid-configuration` now,
    /// checks that its `issuer` is exactly `issuer` (OpenID Connect Discovery 1.0 §4.3) and
    /// returns the key set of its `jwks_uri` (https, or loopback http), which is fetched when
    /// the first token arrives. The claims type must still check `iss` (declare
    /// `#[claims(iss = "...")]` or set it on the `Validation`).
    ///
    /// # Errors
    ///
    /// A [`FetchError`] when the document cannot be fetched or read, names another issuer,
    /// or has an unusable `jwks_uri`.
    pub fn from_issuer(issuer: &str) -> Result<Self, FetchError> {
        #[derive(serde::Deserialize)]
        struct Discovery {
            issuer: String,
            jwks_uri: String,
        }
        let unusable = |error: KeyError| FetchError(error.to_string());
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let document = HttpFetcher::new(&url).map_err(unusable)?.fetch()?;
        let discovery: Discovery = serde_json::from_str(&document.body).map_err(|_| {
            FetchError(String::from(
                "the OpenID configuration is not JSON with `issuer` and `jwks_uri`",
            ))
        })?;
        if discovery.issuer != issuer {
            return Err(FetchError(format!(
                "the OpenID configuration names the issuer {:?}, not {issuer:?}",
                crate::error::excerpt(&discovery.issuer)
            )));
        }
        let fetcher = HttpFetcher::new(&discovery.jwks_uri).map_err(unusable)?;
        Ok(Self::new(fetcher, SystemClock))
    }
}

impl<K: PublicKey, F: JwksFetcher, C: Clock> RemoteKeySet<K, F, C> {
    /// A key set fed by `fetcher`, timed by `clock`, with the default [`CachePolicy`].
    pub fn new(fetcher: F, clock: C) -> Self {
        let start = NumericDate::from_secs(i64::MIN);
        RemoteKeySet {
            shared: Arc::new(Shared {
                fetcher,
                fresh: ArcSwapOption::empty(),
                state: RwLock::new(CacheState {
                    keys: None,
                    fresh_until: start,
                    usable_until: start,
                    next_attempt: start,
                    last_kid_refetch: None,
                    last_error: None,
                    fetches: 0,
                }),
                fetching: Mutex::new(()),
            }),
            clock,
            policy: CachePolicy::default(),
        }
    }

    /// Replaces the clock that times the cache (the system clock by default), e.g. with a
    /// [`ManualClock`](crate::ManualClock) in tests. Keys already fetched are kept.
    pub fn with_clock<C2: Clock>(self, clock: C2) -> RemoteKeySet<K, F, C2> {
        RemoteKeySet {
            shared: self.shared,
            clock,
            policy: self.policy,
        }
    }

    /// Replaces the cache policy.
    #[must_use]
    pub fn policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// How many fetches were attempted so far (successful or not).
    #[must_use]
    pub fn fetch_count(&self) -> u64 {
        self.shared.read().fetches
    }

    /// The current keys: cached while fresh, refetched when due, the last good ones while
    /// fetches fail (up to the staleness limit). A fetch blocks the calling thread (at most
    /// the fetcher's time limit); async code uses `keys_async`.
    ///
    /// # Errors
    ///
    /// [`Error::KeysUnavailable`] when there are no usable keys: never fetched successfully,
    /// or stale past [`CachePolicy::max_stale`].
    pub fn keys(&self) -> Result<Arc<PublicKeySet<K>>, Error> {
        let now = self.clock.now();
        match self.shared.cached(now) {
            Some(keys) => keys,
            None => self.shared.refresh(now, false, &self.policy),
        }
    }

    /// Verifies `token` with `validation` against the provider's keys, refetching once
    /// (at most once per cool-down) when its `kid` is unknown.
    ///
    /// # Errors
    ///
    /// [`Error::KeysUnavailable`] when no usable keys can be had, else the first check the
    /// token fails, as [`Validation::decode`].
    pub fn decode<T, V>(&self, validation: &Validation<V>, token: &str) -> Result<T, Error>
    where
        T: for<'de> DecodeClaims<'de> + Claims<Algorithm = K::Algorithm>,
        T::Replay: DecodableWithoutStore,
        V: Clock,
    {
        let now = self.clock.now();
        let first = match self.shared.decode_with_fresh_keys(now, validation, token) {
            Some(result) => result,
            None => validation.decode::<T, _>(token, &*self.keys()?),
        };
        match first {
            Err(Error::UnknownKeyId { kid: Some(kid) }) => {
                if !self.shared.claim_kid_refetch(now, &self.policy) {
                    return Err(Error::UnknownKeyId { kid: Some(kid) });
                }
                let keys = self.shared.refresh(now, true, &self.policy)?;
                validation.decode::<T, _>(token, &*keys)
            }
            other => other,
        }
    }
}

#[cfg(feature = "jwks-remote-async")]
impl<K: PublicKey, F: JwksFetcher + 'static, C: Clock> RemoteKeySet<K, F, C> {
    /// [`keys`](Self::keys) for async code: a fetch runs on tokio's blocking pool, so the
    /// runtime's threads never wait on the provider (feature `jwks-remote-async`; needs a
    /// tokio runtime).
    ///
    /// # Errors
    ///
    /// As [`keys`](Self::keys).
    pub async fn keys_async(&self) -> Result<Arc<PublicKeySet<K>>, Error> {
        let now = self.clock.now();
        match self.shared.cached(now) {
            Some(keys) => keys,
            None => self.refresh_on_blocking_pool(now, false).await,
        }
    }

    /// [`decode`](Self::decode) for async code; see [`keys_async`](Self::keys_async).
    ///
    /// # Errors
    ///
    /// As [`decode`](Self::decode).
    pub async fn decode_async<T, V>(
        &self,
        validation: &Validation<V>,
        token: &str,
    ) -> Result<T, Error>
    where
        T: for<'de> DecodeClaims<'de> + Claims<Algorithm = K::Algorithm>,
        T::Replay: DecodableWithoutStore,
        V: Clock,
    {
        let now = self.clock.now();
        let first = match self.shared.decode_with_fresh_keys(now, validation, token) {
            Some(result) => result,
            None => validation.decode::<T, _>(token, &*self.keys_async().await?),
        };
        match first {
            Err(Error::UnknownKeyId { kid: Some(kid) }) => {
                if !self.shared.claim_kid_refetch(now, &self.policy) {
                    return Err(Error::UnknownKeyId { kid: Some(kid) });
                }
                let keys = self.refresh_on_blocking_pool(now, true).await?;
                validation.decode::<T, _>(token, &*keys)
            }
            other => other,
        }
    }

    async fn refresh_on_blocking_pool(
        &self,
        now: NumericDate,
        forced: bool,
    ) -> Result<Arc<PublicKeySet<K>>, Error> {
        let shared = Arc::clone(&self.shared);
        let policy = self.policy;
        tokio::task::spawn_blocking(move || shared.refresh(now, forced, &policy))
            .await
            .unwrap_or_else(|error| {
                Err(Error::KeysUnavailable(Arc::new(FetchError(
                    error.to_string(),
                ))))
            })
    }
}

impl<K: PublicKey, F: JwksFetcher> Shared<K, F> {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, CacheState<K>> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, CacheState<K>> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decodes with the published keys if they are still fresh at `now`: a lock-free read,
    /// no reference count touched. `None`: they are not fresh.
    fn decode_with_fresh_keys<T, V>(
        &self,
        now: NumericDate,
        validation: &Validation<V>,
        token: &str,
    ) -> Option<Result<T, Error>>
    where
        T: for<'de> DecodeClaims<'de> + Claims<Algorithm = K::Algorithm>,
        T::Replay: DecodableWithoutStore,
        V: Clock,
    {
        match &*self.fresh.load() {
            Some(fresh) if now < fresh.until => {
                Some(validation.decode::<T, _>(token, &*fresh.keys))
            }
            _ => None,
        }
    }

    /// The answer without fetching, when there is one: fresh keys, or (within a failure's
    /// retry delay) the stale keys or the error. `None`: a fetch is due.
    fn cached(&self, now: NumericDate) -> Option<Result<Arc<PublicKeySet<K>>, Error>> {
        if let Some(fresh) = &*self.fresh.load()
            && now < fresh.until
        {
            return Some(Ok(Arc::clone(&fresh.keys)));
        }
        let state = self.read();
        (now < state.next_attempt).then(|| usable(&state, now))
    }

    /// Fetches unless another caller is fetching (then uses the keys in hand, or waits for
    /// that fetch when there are none) or a fresh set arrived meanwhile.
    fn refresh(
        &self,
        now: NumericDate,
        forced: bool,
        policy: &CachePolicy,
    ) -> Result<Arc<PublicKeySet<K>>, Error> {
        let _fetching = match self.fetching.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                if let Ok(keys) = usable(&self.read(), now) {
                    return Ok(keys);
                }
                self.fetching.lock().unwrap_or_else(PoisonError::into_inner)
            }
        };
        {
            let state = self.read();
            if let Some(keys) = &state.keys
                && now < state.fresh_until
                && !forced
            {
                return Ok(Arc::clone(keys));
            }
            if now < state.next_attempt {
                return usable(&state, now);
            }
        }
        let fetched = self.fetcher.fetch().and_then(|fetched| {
            PublicKeySet::<K>::from_jwks(&fetched.body)
                .map(|keys| (keys, fetched.max_age))
                .map_err(|error| FetchError(error.to_string()))
        });
        let mut state = self.write();
        state.fetches += 1;
        match fetched {
            Ok((keys, max_age)) => {
                let ttl = max_age
                    .unwrap_or(policy.default_ttl)
                    .clamp(policy.min_ttl, policy.max_ttl.max(policy.min_ttl));
                let keys = Arc::new(keys);
                state.keys = Some(Arc::clone(&keys));
                state.fresh_until = now.saturating_add(ttl);
                self.fresh.store(Some(Arc::new(FreshKeys {
                    keys,
                    until: state.fresh_until,
                })));
                state.usable_until = state.fresh_until.saturating_add(policy.max_stale);
                state.last_error = None;
            }
            Err(error) => {
                state.next_attempt = now.saturating_add(policy.retry_after_failure);
                state.last_error = Some(error);
            }
        }
        usable(&state, now)
    }

    /// Takes the unknown-`kid` refetch slot if the cool-down allows.
    fn claim_kid_refetch(&self, now: NumericDate, policy: &CachePolicy) -> bool {
        let mut state = self.write();
        let allowed = state
            .last_kid_refetch
            .is_none_or(|last| now >= last.saturating_add(policy.unknown_kid_cooldown));
        if allowed {
            state.last_kid_refetch = Some(now);
            // A refetch for a new `kid` may run now, even within a failure's retry delay.
            state.next_attempt = now;
        }
        allowed
    }
}

fn usable<K: PublicKey>(
    state: &CacheState<K>,
    now: NumericDate,
) -> Result<Arc<PublicKeySet<K>>, Error> {
    match &state.keys {
        Some(keys) if now < state.usable_until => Ok(Arc::clone(keys)),
        _ => Err(Error::KeysUnavailable(Arc::new(
            state
                .last_error
                .clone()
                .unwrap_or_else(|| FetchError(String::from("the keys are stale"))),
        ))),
    }
}

impl<K: PublicKey, F: JwksFetcher, C: Clock> fmt::Debug for RemoteKeySet<K, F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.read();
        f.debug_struct("RemoteKeySet")
            .field("keys", &state.keys.as_ref().map_or(0, |keys| keys.len()))
            .field("fresh_until", &state.fresh_until)
            .field("fetches", &state.fetches)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        for good in [
            "https://idp.example/.well-known/jwks.json",
            "http://127.0.0.1:8080/jwks",
            "http://localhost/jwks",
            "http://[::1]:9000/jwks",
        ] {
            assert!(HttpFetcher::new(good).is_ok(), "{good}");
        }
        for bad in [
            "http://idp.example/jwks",
            "http://127.0.0.1.evil.example/jwks",
            "http://localhost.evil.example/",
            "ftp://127.0.0.1/jwks",
            "file:///etc/jwks.json",
        ] {
            assert!(HttpFetcher::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            max_age("Max-Age=5, must-revalidate"),
            Some(Duration::from_secs(5))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("max-age=abc"), None);
        assert_eq!(max_age("public"), None);
    }
}
