//! `RemoteKeySet` against a real HTTP server on loopback, started by each test: caching and
//! the `max-age` bounds, the unknown-`kid` refetch and its cool-down under a flood, a key
//! rotated in at the provider, an outage (stale keys, then fail closed), oversized,
//! malformed and unfitting documents, error statuses and a provider that does not answer in
//! time. Cache time comes from a `ManualClock`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use jwt_runtime::{
    CachePolicy, Claims, Ed25519PrivateKey, Ed25519PublicKey, Error, FixedClock, HttpFetcher,
    ManualClock, NumericDate, PublicKey, PublicKeySet, RemoteKeySet, Validation,
};

const START: i64 = 1_700_000_000;

#[derive(Claims, Debug)]
#[claims(alg = "EdDSA", iss = "https://idp.example")]
struct Session {
    sub: String,
    exp: NumericDate,
}

fn token(key: &Ed25519PrivateKey) -> String {
    Session {
        sub: "user-42".into(),
        exp: NumericDate::from_secs(START + 100_000),
    }
    .encode(key)
    .unwrap()
}

/// What the test provider answers.
#[derive(Clone)]
enum Answer {
    Jwks {
        body: String,
        cache_control: Option<String>,
    },
    Status(u16),
    /// Waits this long, then answers the JWKS (a fetcher without a time limit would get it).
    Slow(Duration, String),
}

/// A JWKS provider on 127.0.0.1 that counts its requests.
struct Provider {
    url: String,
    answer: Arc<Mutex<Answer>>,
    requests: Arc<AtomicUsize>,
}

impl Provider {
    fn start(answer: Answer) -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/.well-known/jwks.json",
            listener.local_addr().unwrap().port()
        );
        let answer = Arc::new(Mutex::new(answer));
        let requests = Arc::new(AtomicUsize::new(0));
        let (shared, count) = (Arc::clone(&answer), Arc::clone(&requests));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let answer = shared.lock().unwrap().clone();
                count.fetch_add(1, Ordering::SeqCst);
                thread::spawn(move || serve(stream, answer));
            }
        });
        Provider {
            url,
            answer,
            requests,
        }
    }

    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, answer: Answer) {
    let mut request = Vec::new();
    let mut buffer = [0; 1024];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    let (status, body, cache_control) = match answer {
        Answer::Jwks {
            body,
            cache_control,
        } => (200, body, cache_control),
        Answer::Status(status) => (status, String::from("{}"), None),
        Answer::Slow(delay, body) => {
            thread::sleep(delay);
            (200, body, None)
        }
    };
    let cache_control = cache_control
        .map(|value| format!("Cache-Control: {value}\r\n"))
        .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{cache_control}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

fn jwks(keys: &[&Ed25519PrivateKey]) -> String {
    PublicKeySet::new(keys.iter().map(|key| key.public_key()).collect())
        .unwrap()
        .to_jwks()
}

fn jwks_answer(keys: &[&Ed25519PrivateKey], max_age: Option<u64>) -> Answer {
    Answer::Jwks {
        body: jwks(keys),
        cache_control: max_age.map(|secs| format!("public, max-age={secs}")),
    }
}

fn policy() -> CachePolicy {
    CachePolicy {
        min_ttl: Duration::from_secs(60),
        max_ttl: Duration::from_secs(3600),
        default_ttl: Duration::from_secs(600),
        unknown_kid_cooldown: Duration::from_secs(30),
        retry_after_failure: Duration::from_secs(30),
        max_stale: Duration::from_secs(7200),
    }
}

fn remote(
    provider: &Provider,
    clock: &ManualClock,
) -> RemoteKeySet<Ed25519PublicKey, HttpFetcher, ManualClock> {
    let fetcher = HttpFetcher::new(&provider.url)
        .unwrap()
        .timeout(Duration::from_secs(2));
    RemoteKeySet::new(fetcher, clock.clone()).policy(policy())
}

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(START)))
}

fn key(kid: &str) -> Ed25519PrivateKey {
    Ed25519PrivateKey::generate()
        .unwrap()
        .with_kid(kid)
        .unwrap()
}

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

#[test]
fn keys_are_cached_for_max_age_within_the_bounds() {
    let a = key("a");
    let provider = Provider::start(jwks_answer(&[&a], Some(120)));
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let keys = remote(&provider, &clock);
    assert_eq!(
        provider.requests(),
        0,
        "nothing is fetched before it is needed"
    );
    for _ in 0..5 {
        keys.decode::<Session, _>(&validation(), &token(&a))
            .unwrap();
    }
    assert_eq!(provider.requests(), 1);
    clock.advance(secs(119));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 1, "still fresh (max-age 120)");
    clock.advance(secs(1));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 2, "refetched at max-age");

    // max-age 5 is raised to the 60 s minimum.
    provider.answer(jwks_answer(&[&a], Some(5)));
    clock.advance(secs(120));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 3);
    clock.advance(secs(59));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 3, "min_ttl holds over max-age 5");
    clock.advance(secs(1));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 4);

    // A year of max-age is cut to the one-hour maximum; no-store counts as 0 (the minimum).
    provider.answer(jwks_answer(&[&a], Some(31_536_000)));
    clock.advance(secs(60));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 5);
    clock.advance(secs(3599));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 5);
    provider.answer(Answer::Jwks {
        body: jwks(&[&a]),
        cache_control: Some("no-store".into()),
    });
    clock.advance(secs(1));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 6, "max_ttl cuts a long max-age");
    clock.advance(secs(60));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 7);

    // Without max-age, the default TTL (600 s).
    provider.answer(jwks_answer(&[&a], None));
    clock.advance(secs(60));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 8);
    clock.advance(secs(599));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 8);
    clock.advance(secs(1));
    keys.keys().unwrap();
    assert_eq!(provider.requests(), 9);
}

#[test]
fn unknown_kid_refetches_at_most_once_per_cool_down_under_a_flood() {
    let a = key("a");
    let provider = Provider::start(jwks_answer(&[&a], Some(3600)));
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let keys = remote(&provider, &clock);
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    assert_eq!(provider.requests(), 1);
    let strangers: Vec<String> = (0..50)
        .map(|n| token(&key(&format!("random-{n}"))))
        .collect();
    for stranger in &strangers {
        assert!(matches!(
            keys.decode::<Session, _>(&validation(), stranger),
            Err(Error::UnknownKeyId { kid: Some(_) })
        ));
    }
    assert_eq!(provider.requests(), 2, "one refetch for the whole flood");
    clock.advance(secs(29));
    assert!(
        keys.decode::<Session, _>(&validation(), &strangers[0])
            .is_err()
    );
    assert_eq!(provider.requests(), 2);
    clock.advance(secs(1));
    assert!(
        keys.decode::<Session, _>(&validation(), &strangers[1])
            .is_err()
    );
    assert_eq!(provider.requests(), 3, "one more after the cool-down");
    // The flood never cost the known key anything.
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    // A token without `kid` is refused without a refetch.
    let no_kid = {
        let signed = token(&a);
        let (_, rest) = signed.split_once('.').unwrap();
        let header = jwt_runtime::base64url::encode(br#"{"alg":"EdDSA"}"#);
        format!("{header}.{rest}")
    };
    clock.advance(secs(60));
    assert!(matches!(
        keys.decode::<Session, _>(&validation(), &no_kid),
        Err(Error::UnknownKeyId { kid: None })
    ));
    assert_eq!(provider.requests(), 3);
}

#[test]
fn a_key_rotated_in_at_the_provider_is_picked_up_without_restart() {
    let (a, b) = (key("a"), key("b"));
    let provider = Provider::start(jwks_answer(&[&a], Some(3600)));
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let keys = remote(&provider, &clock);
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    provider.answer(jwks_answer(&[&b, &a], Some(3600)));
    clock.advance(secs(10));
    let session: Session = keys.decode(&validation(), &token(&b)).unwrap();
    assert_eq!(session.sub, "user-42");
    assert_eq!(provider.requests(), 2);
    // `a` retired at the provider: gone at the next refresh.
    provider.answer(jwks_answer(&[&b], Some(3600)));
    clock.advance(secs(3600));
    keys.decode::<Session, _>(&validation(), &token(&b))
        .unwrap();
    assert!(matches!(
        keys.decode::<Session, _>(&validation(), &token(&a)),
        Err(Error::UnknownKeyId { .. })
    ));
}

#[test]
fn an_outage_serves_the_last_good_keys_then_fails_closed() {
    let a = key("a");
    let provider = Provider::start(jwks_answer(&[&a], Some(60)));
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let keys = remote(&provider, &clock);
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();

    provider.answer(Answer::Status(503));
    clock.advance(secs(61));
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    assert_eq!(provider.requests(), 2, "the refresh was tried");
    clock.advance(secs(10));
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    assert_eq!(
        provider.requests(),
        2,
        "no retry before retry_after_failure"
    );
    clock.advance(secs(20));
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    assert_eq!(provider.requests(), 3);

    // The provider's answer is garbage for a while: same as down.
    provider.answer(Answer::Jwks {
        body: "<html>maintenance</html>".into(),
        cache_control: None,
    });
    // 60 s fresh + 7200 s stale allowed from the last good fetch at START.
    clock.set(NumericDate::from_secs(START + 60 + 7199));
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
    clock.set(NumericDate::from_secs(START + 60 + 7200));
    let error = keys
        .decode::<Session, _>(&validation(), &token(&a))
        .unwrap_err();
    assert!(matches!(error, Error::KeysUnavailable(_)), "{error:?}");
    assert!(error.to_string().contains("no usable verification keys"));

    // Back up: the next attempt after the retry delay recovers.
    provider.answer(jwks_answer(&[&a], Some(60)));
    clock.advance(secs(30));
    keys.decode::<Session, _>(&validation(), &token(&a))
        .unwrap();
}

#[test]
fn oversized_malformed_unfitting_and_error_answers_give_no_keys() {
    let a = key("a");
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let unfitting = r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    for answer in [
        Answer::Status(404),
        Answer::Status(500),
        Answer::Jwks {
            body: "not json".into(),
            cache_control: None,
        },
        Answer::Jwks {
            body: r#"{"keys":"#.into(),
            cache_control: None,
        },
        Answer::Jwks {
            body: unfitting.into(),
            cache_control: None,
        },
        Answer::Jwks {
            body: format!(r#"{{"keys":[],"padding":"{}"}}"#, "x".repeat(300 * 1024)),
            cache_control: None,
        },
    ] {
        let provider = Provider::start(answer);
        let keys = remote(&provider, &clock);
        assert!(matches!(
            keys.decode::<Session, _>(&validation(), &token(&a)),
            Err(Error::KeysUnavailable(_))
        ));
        assert_eq!(provider.requests(), 1);
    }
    // An oversized but otherwise good document is refused by the size limit alone.
    let provider = Provider::start(jwks_answer(&[&a], None));
    let small = HttpFetcher::new(&provider.url).unwrap().max_bytes(64);
    let keys: RemoteKeySet<Ed25519PublicKey, _, _> =
        RemoteKeySet::new(small, clock.clone()).policy(policy());
    assert!(matches!(keys.keys(), Err(Error::KeysUnavailable(_))));
    // Keys that fit are kept, the others ignored.
    let mixed = format!(
        r#"{{"keys":[{{"kty":"RSA","n":"AQAB","e":"AQAB"}},{}]}}"#,
        a.public_key().to_jwk()
    );
    let provider = Provider::start(Answer::Jwks {
        body: mixed,
        cache_control: None,
    });
    let keys = remote(&provider, &clock);
    assert_eq!(keys.keys().unwrap().len(), 1);
    assert_eq!(keys.keys().unwrap().iter().next().unwrap().kid(), "a");
}

#[test]
fn a_provider_that_does_not_answer_in_time_is_cut_off() {
    let a = key("a");
    let provider = Provider::start(Answer::Slow(secs(4), jwks(&[&a])));
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let fetcher = HttpFetcher::new(&provider.url)
        .unwrap()
        .timeout(Duration::from_millis(300));
    let keys: RemoteKeySet<Ed25519PublicKey, _, _> =
        RemoteKeySet::new(fetcher, clock).policy(policy());
    // Without the time limit the slow answer would arrive and verify.
    assert!(matches!(
        keys.decode::<Session, _>(&validation(), &token(&a)),
        Err(Error::KeysUnavailable(_))
    ));
}

#[test]
fn only_https_or_loopback_urls_are_accepted() {
    // Shared by every request handler of a server.
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(&RemoteKeySet::<Ed25519PublicKey>::from_url("https://idp.example/jwks").unwrap());
    assert!(RemoteKeySet::<Ed25519PublicKey>::from_url("https://idp.example/jwks").is_ok());
    assert!(RemoteKeySet::<Ed25519PublicKey>::from_url("http://idp.example/jwks").is_err());
}

#[test]
fn openid_connect_discovery_checks_the_issuer() {
    let a = key("a");
    let jwks_provider = Provider::start(jwks_answer(&[&a], Some(300)));
    let discovery = Provider::start(Answer::Status(404));
    let issuer = discovery
        .url
        .trim_end_matches("/.well-known/jwks.json")
        .to_owned();
    let document = |issuer: &str, jwks_uri: &str| Answer::Jwks {
        body: format!(
            r#"{{"issuer":"{issuer}","jwks_uri":"{jwks_uri}","id_token_signing_alg_values_supported":["EdDSA"]}}"#
        ),
        cache_control: None,
    };
    discovery.answer(document(&issuer, &jwks_provider.url));
    let keys = RemoteKeySet::<Ed25519PublicKey>::from_issuer(&issuer)
        .unwrap()
        .with_clock(ManualClock::new(NumericDate::from_secs(START)));
    assert_eq!(discovery.requests(), 1);
    assert_eq!(
        jwks_provider.requests(),
        0,
        "keys are fetched with the first token"
    );
    let token = token(&a);
    let session: Session = keys.decode(&validation(), &token).unwrap();
    assert_eq!(session.sub, "user-42");
    assert_eq!(jwks_provider.requests(), 1);

    // Another issuer in the document, or a jwks_uri over plain HTTP to a remote host.
    discovery.answer(document("https://evil.example", &jwks_provider.url));
    let error = RemoteKeySet::<Ed25519PublicKey>::from_issuer(&issuer).unwrap_err();
    assert!(error.to_string().contains("evil.example"), "{error}");
    discovery.answer(document(&issuer, "http://evil.example/jwks"));
    assert!(RemoteKeySet::<Ed25519PublicKey>::from_issuer(&issuer).is_err());
    discovery.answer(Answer::Status(500));
    assert!(RemoteKeySet::<Ed25519PublicKey>::from_issuer(&issuer).is_err());
}

/// The async path fetches on the blocking pool: while a slow provider answers, the runtime's
/// only thread keeps running other tasks.
#[test]
fn async_decode_fetches_off_the_runtime_thread() {
    let a = key("a");
    let provider = Provider::start(Answer::Slow(Duration::from_millis(400), jwks(&[&a])));
    let clock = ManualClock::new(NumericDate::from_secs(START));
    let keys = remote(&provider, &clock);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ticker_done = std::sync::atomic::AtomicBool::new(false);
    let (session, ticker_done_first) = runtime.block_on(async {
        let decode = async {
            let session = keys
                .decode_async::<Session, _>(&validation(), &token(&a))
                .await;
            (session, ticker_done.load(Ordering::SeqCst))
        };
        let ticker = async {
            for _ in 0..100 {
                tokio::task::yield_now().await;
            }
            ticker_done.store(true, Ordering::SeqCst);
        };
        tokio::join!(decode, ticker).0
    });
    assert_eq!(session.unwrap().sub, "user-42");
    assert!(ticker_done_first, "the fetch blocked the runtime thread");
    assert_eq!(provider.requests(), 1);

    // Cached afterwards; an unknown kid refetches once, as on the sync path.
    provider.answer(jwks_answer(&[&a], Some(300)));
    let stranger = token(&key("z"));
    runtime.block_on(async {
        keys.decode_async::<Session, _>(&validation(), &token(&a))
            .await
            .unwrap();
        for _ in 0..5 {
            assert!(matches!(
                keys.decode_async::<Session, _>(&validation(), &stranger)
                    .await,
                Err(Error::UnknownKeyId { .. })
            ));
        }
    });
    assert_eq!(provider.requests(), 2);
}
