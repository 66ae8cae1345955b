//! The tower layer over real HTTP: in front of a plain hyper service (no axum), and in front
//! of an axum router whose handlers use the `Bearer<C>` extractor. Refused requests get the
//! same answer (status, headers, JSON body) from the layer as from the extractor.

#[path = "support/serve.rs"]
mod serve;

use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use hyper::{Request, Response};
use jwt_runtime::http::axum::Bearer;
use jwt_runtime::http::tower::{BearerLayer, Verified};
use jwt_runtime::http::{Realm, Verifier};
use jwt_runtime::replay::MemoryStore;
use jwt_runtime::sessions::{MemoryRevocationStore, Sessions, SharedRevocationStore};
use jwt_runtime::{Claims, FixedClock, HmacKey, Hs256, NumericDate, Validation};
use serve::{serve_axum, serve_hyper};
use tower_layer::Layer;

const NOW: i64 = 1_700_000_000;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs)
}

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"a key for the layer tests, 32 bytes long").unwrap()
}

#[derive(Claims, Debug, Clone)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct Access {
    sub: String,
    iat: NumericDate,
    exp: NumericDate,
}

#[derive(Claims, Debug, Clone)]
#[claims(iss = "https://auth.example.com", aud = "api", typ = "link+jwt")]
struct Link {
    sub: String,
    iat: NumericDate,
    exp: NumericDate,
    jti: String,
}

fn access(sub: &str) -> String {
    Access {
        sub: sub.into(),
        iat: at(NOW - 10),
        exp: at(NOW + 600),
    }
    .encode(&key())
    .unwrap()
}

fn link(jti: &str) -> String {
    Link {
        sub: "ada".into(),
        iat: at(NOW - 10),
        exp: at(NOW + 600),
        jti: jti.into(),
    }
    .encode(&key())
    .unwrap()
}

fn verifier() -> Verifier<Hs256> {
    Verifier::new(key())
        .clock(FixedClock(at(NOW)))
        .realm(Realm::new("api").unwrap())
}

/// A plain tower service answering with the subject the layer verified: no axum.
#[derive(Clone)]
struct WhoAmI;

impl<B> tower_service::Service<Request<B>> for WhoAmI {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let subject = match (
            request.extensions().get::<Verified<Access>>(),
            request.extensions().get::<Verified<Link>>(),
        ) {
            (Some(access), _) => format!("access {}", access.sub),
            (_, Some(link)) => format!("link {}", link.claims().sub),
            (None, None) => "unverified".to_owned(),
        };
        std::future::ready(Ok(Response::new(subject)))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// What a client sees of an answer.
#[derive(Debug, PartialEq, Eq)]
struct Reply {
    status: u16,
    challenge: Option<String>,
    cache_control: Option<String>,
    content_type: Option<String>,
    body: String,
}

fn get_with(url: &str, headers: &[(&str, &str)]) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let (challenge, cache_control, content_type) = (
        header("www-authenticate"),
        header("cache-control"),
        header("content-type"),
    );
    Reply {
        status: response.status().as_u16(),
        challenge,
        cache_control,
        content_type,
        body: response.body_mut().read_to_string().unwrap(),
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn the_layer_protects_a_plain_hyper_service() {
    let runtime = runtime();
    let base = serve_hyper(
        &runtime,
        BearerLayer::<Access>::new(&verifier()).layer(WhoAmI),
    );
    let url = format!("{base}/anything");

    let ok = get_with(&url, &[("authorization", &bearer(&access("ada")))]);
    assert_eq!((ok.status, ok.body.as_str()), (200, "access ada"));

    let missing = get_with(&url, &[]);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.challenge.as_deref(), Some("Bearer realm=\"api\""));
    assert_eq!(missing.content_type.as_deref(), Some("application/json"));
    assert_eq!(missing.cache_control.as_deref(), Some("no-store"));
    assert_eq!(
        missing.body,
        r#"{"error_description":"the request has no Bearer token"}"#
    );

    let forged = Access {
        sub: "ada".into(),
        iat: at(NOW - 10),
        exp: at(NOW + 600),
    }
    .encode(&HmacKey::<Hs256>::from_bytes(&[9; 32]).unwrap())
    .unwrap();
    let refused = get_with(&url, &[("authorization", &bearer(&forged))]);
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.body,
        r#"{"error":"invalid_token","error_description":"the token signature is invalid"}"#
    );
    assert!(
        refused
            .challenge
            .unwrap()
            .starts_with("Bearer realm=\"api\", error=\"invalid_token\"")
    );

    let malformed = get_with(&url, &[("authorization", "Bearer  two-spaces")]);
    assert_eq!(malformed.status, 400);
}

#[test]
fn the_layer_consumes_one_use_tokens_and_checks_revocation() {
    let runtime = runtime();
    let revocations = SharedRevocationStore::new(MemoryRevocationStore::new());
    let sessions = Sessions::new(Duration::from_secs(3600))
        .validation(Validation::new().clock(FixedClock(at(NOW))));
    let verifier = verifier()
        .replay_store(MemoryStore::new())
        .revocation(&sessions, revocations.clone());
    let links = serve_hyper(&runtime, BearerLayer::<Link>::new(&verifier).layer(WhoAmI));
    let accesses = serve_hyper(
        &runtime,
        BearerLayer::<Access>::new(&verifier).layer(WhoAmI),
    );

    let token = link("one");
    let first = get_with(&links, &[("authorization", &bearer(&token))]);
    assert_eq!((first.status, first.body.as_str()), (200, "link ada"));
    let second = get_with(&links, &[("authorization", &bearer(&token))]);
    assert_eq!(second.status, 401);
    assert!(second.body.contains("already been used"), "{second:?}");

    let ada = access("ada");
    assert_eq!(
        get_with(&accesses, &[("authorization", &bearer(&ada))]).status,
        200
    );
    runtime
        .block_on(sessions.log_out_everywhere_async(&revocations, "ada"))
        .unwrap();
    let revoked = get_with(&accesses, &[("authorization", &bearer(&ada))]);
    assert_eq!(revoked.status, 401);
    assert!(revoked.body.contains("revoked"), "{revoked:?}");
    // A one-time link of the revoked subject is refused too.
    let later = link("two");
    assert_eq!(
        get_with(&links, &[("authorization", &bearer(&later))]).status,
        401
    );
}

async fn whoami(Bearer(access): Bearer<Access>) -> String {
    format!("access {}", access.sub)
}

async fn follow(Bearer(link): Bearer<Link>) -> String {
    format!("link {}", link.sub)
}

#[test]
fn with_axum_the_extractor_takes_the_layers_claims() {
    let runtime = runtime();
    let verifier = verifier();
    // The layer consumes the link's `jti`: were the extractor to verify again, the token
    // would be refused as already used.
    let layered = Router::new()
        .route("/follow", get(follow))
        .layer(BearerLayer::<Link>::new(&verifier))
        .with_state(verifier.clone());
    let base = serve_axum(&runtime, layered);
    let token = link("axum");
    let first = get_with(
        &format!("{base}/follow"),
        &[("authorization", &bearer(&token))],
    );
    assert_eq!((first.status, first.body.as_str()), (200, "link ada"));
    let again = get_with(
        &format!("{base}/follow"),
        &[("authorization", &bearer(&token))],
    );
    assert_eq!(again.status, 401);

    // Without the layer the extractor verifies by itself.
    let plain = Router::new().route("/me", get(whoami)).with_state(verifier);
    let base = serve_axum(&runtime, plain);
    let me = get_with(
        &format!("{base}/me"),
        &[("authorization", &bearer(&access("ada")))],
    );
    assert_eq!((me.status, me.body.as_str()), (200, "access ada"));
}

#[test]
fn the_layer_and_the_extractor_refuse_alike() {
    let runtime = runtime();
    let verifier = verifier();
    let hyper_base = serve_hyper(
        &runtime,
        BearerLayer::<Access>::new(&verifier).layer(WhoAmI),
    );
    let axum_base = serve_axum(
        &runtime,
        Router::new().route("/", get(whoami)).with_state(verifier),
    );
    let expired = Access {
        sub: "ada".into(),
        iat: at(NOW - 700),
        exp: at(NOW - 100),
    }
    .encode(&key())
    .unwrap();
    let cases: Vec<Vec<(&str, String)>> = vec![
        vec![],
        vec![("authorization", "Basic dXNlcjpwYXNz".into())],
        vec![("authorization", "Bearer".into())],
        vec![("authorization", bearer("not-a-jwt"))],
        vec![("authorization", bearer(&expired))],
        vec![("authorization", bearer(&link("kind")))],
    ];
    for headers in &cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let from_layer = get_with(&format!("{hyper_base}/"), &headers);
        let from_extractor = get_with(&format!("{axum_base}/"), &headers);
        assert_ne!(from_layer.status, 200, "{headers:?}");
        assert_eq!(from_layer, from_extractor, "{headers:?}");
    }
}

#[test]
fn a_signing_verifier_lends_its_verify_only_half_to_the_layer() {
    let runtime = runtime();
    let verifier = Verifier::signing(key()).clock(FixedClock(at(NOW)));
    let token = verifier
        .encode(&Access {
            sub: "ada".into(),
            iat: at(NOW),
            exp: at(NOW + 60),
        })
        .unwrap();
    let base = serve_hyper(
        &runtime,
        BearerLayer::<Access>::new(&verifier).layer(WhoAmI),
    );
    let reply = get_with(&base, &[("authorization", &bearer(&token))]);
    assert_eq!((reply.status, reply.body.as_str()), (200, "access ada"));
}
