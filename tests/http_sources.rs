//! Token sources over real HTTP: the `Authorization` header by default, a named cookie and a
//! query parameter when the verifier is told so; a token in two places is refused. Run with
//! the axum extractor and with the tower layer in front of a plain hyper service.

#[path = "support/serve.rs"]
mod serve;

use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::http::header::SET_COOKIE;
use axum::response::IntoResponse;
use axum::routing::get;
use hyper::{Request, Response};
use jwt_runtime::http::axum::Bearer;
use jwt_runtime::http::tower::{BearerLayer, Verified};
use jwt_runtime::http::{CookieSource, QuerySource, SameSite, Verifier};
use jwt_runtime::{Claims, FixedClock, HmacKey, Hs256, NumericDate};
use tower_layer::Layer;

const NOW: i64 = 1_700_000_000;
const SESSION_COOKIE: CookieSource = CookieSource::new("session", SameSite::Strict);

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"a key for the token source tests, 32 bytes").unwrap()
}

#[derive(Claims, Debug, Clone)]
struct Session {
    sub: String,
    exp: NumericDate,
}

fn token(sub: &str) -> String {
    Session {
        sub: sub.into(),
        exp: NumericDate::from_secs(NOW + 600),
    }
    .encode(&key())
    .unwrap()
}

fn plain_verifier() -> Verifier<Hs256> {
    Verifier::new(key()).clock(FixedClock(NumericDate::from_secs(NOW)))
}

fn verifier() -> Verifier<Hs256> {
    plain_verifier()
        .cookie(SESSION_COOKIE)
        .query(QuerySource::ACCESS_TOKEN)
}

async fn me(Bearer(session): Bearer<Session>) -> String {
    session.sub
}

async fn login() -> impl IntoResponse {
    let cookie = SESSION_COOKIE
        .set_cookie(&token("cookie-user"), Duration::from_secs(600))
        .unwrap();
    ([(SET_COOKIE, cookie)], "signed in")
}

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
        let subject = request
            .extensions()
            .get::<Verified<Session>>()
            .map_or_else(|| "unverified".to_owned(), |session| session.sub.clone());
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

fn serve_axum(runtime: &tokio::runtime::Runtime, verifier: Verifier<Hs256>) -> String {
    let router = Router::new()
        .route("/me", get(me))
        .route("/login", get(login))
        .with_state(verifier);
    serve::serve_axum(runtime, router)
}

fn serve_layer(runtime: &tokio::runtime::Runtime, verifier: Verifier<Hs256>) -> String {
    serve::serve_hyper(
        runtime,
        BearerLayer::<Session>::new(&verifier).layer(WhoAmI),
    )
}

struct Reply {
    status: u16,
    body: String,
    set_cookie: Option<String>,
}

fn get_with(url: &str, headers: &[(&str, String)]) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = request.call().unwrap();
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .map(|value| value.to_str().unwrap().to_owned());
    Reply {
        status: response.status().as_u16(),
        body: response.body_mut().read_to_string().unwrap(),
        set_cookie,
    }
}

fn check_sources(me: &str) {
    let header = ("authorization", format!("Bearer {}", token("header-user")));
    let cookie = (
        "cookie",
        format!("theme=dark; session={}", token("cookie-user")),
    );

    let reply = get_with(me, std::slice::from_ref(&header));
    assert_eq!((reply.status, reply.body.as_str()), (200, "header-user"));
    let reply = get_with(me, std::slice::from_ref(&cookie));
    assert_eq!((reply.status, reply.body.as_str()), (200, "cookie-user"));
    let reply = get_with(&format!("{me}?access_token={}", token("query-user")), &[]);
    assert_eq!((reply.status, reply.body.as_str()), (200, "query-user"));

    // Two places, even with the same token: refused, not picked.
    for headers in [
        vec![header.clone(), cookie.clone()],
        vec![("cookie", format!("session={0}; session={0}", token("a")))],
    ] {
        let reply = get_with(me, &headers);
        assert_eq!(reply.status, 400, "{headers:?}");
        assert_eq!(
            reply.body,
            r#"{"error":"invalid_request","error_description":"the request carries more than one token"}"#
        );
    }
    let reply = get_with(&format!("{me}?access_token={}", token("q")), &[cookie]);
    assert_eq!(reply.status, 400);

    // An empty (cleared) cookie is no token.
    let reply = get_with(me, &[("cookie", "session=".into())]);
    assert_eq!(reply.status, 401);
    // A cookie that is not token syntax is a bad request.
    let reply = get_with(me, &[("cookie", "session=a,b".into())]);
    assert_eq!(reply.status, 400);
    // A forged cookie token is refused like a forged header token.
    let forged = Session {
        sub: "mallory".into(),
        exp: NumericDate::from_secs(NOW + 600),
    }
    .encode(&HmacKey::<Hs256>::from_bytes(&[5; 32]).unwrap())
    .unwrap();
    let reply = get_with(me, &[("cookie", format!("session={forged}"))]);
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("signature"));

    check_spellings(me);
}

/// A token under a name another parser would decode to the token's name is refused, alone
/// or beside the literal one, never ignored; an encoded token value is refused, not decoded.
fn check_spellings(me: &str) {
    let token = token("spelled");
    let header = ("authorization", format!("Bearer {token}"));
    let disguised = r#"{"error":"invalid_request","error_description":"the token cookie or parameter name is encoded or padded"}"#;
    for query in [
        format!("%61ccess_token={token}"),
        format!("access%5Ftoken={token}"),
        format!("%2561ccess_token={token}"),
        format!("access_token={token}&%61ccess_token={token}"),
        format!("x=1;access_token={token}"),
    ] {
        for headers in [vec![], vec![header.clone()]] {
            let reply = get_with(&format!("{me}?{query}"), &headers);
            assert_eq!(
                (reply.status, reply.body.as_str()),
                (400, disguised),
                "{query}"
            );
        }
    }
    for cookie in [
        format!("%73ession={token}"),
        format!("session ={token}"),
        format!("theme=dark, session={token}"),
    ] {
        let reply = get_with(me, &[("cookie", cookie.clone()), header.clone()]);
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (400, disguised),
            "{cookie}"
        );
    }
    // The parameter twice, even once empty, is two tokens.
    let reply = get_with(&format!("{me}?access_token=&access_token={token}"), &[]);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("more than one token"), "{}", reply.body);
    // A percent-encoded value is malformed, not decoded.
    let encoded = token.replace('.', "%2E");
    let reply = get_with(&format!("{me}?access_token={encoded}"), &[]);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("invalid characters"), "{}", reply.body);
    // The literal spelling next to unrelated encoded parameters is read.
    let reply = get_with(&format!("{me}?q=%61%62&access_token={token}"), &[]);
    assert_eq!((reply.status, reply.body.as_str()), (200, "spelled"));
}

#[test]
fn the_extractor_reads_header_cookie_and_query() {
    let runtime = runtime();
    let base = serve_axum(&runtime, verifier());
    check_sources(&format!("{base}/me"));

    // The login route's cookie, sent back as a browser would, authenticates.
    let login = get_with(&format!("{base}/login"), &[]);
    let set_cookie = login.set_cookie.unwrap();
    assert!(set_cookie.contains("; HttpOnly") && set_cookie.contains("; SameSite=Strict"));
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    let reply = get_with(&format!("{base}/me"), &[("cookie", pair)]);
    assert_eq!((reply.status, reply.body.as_str()), (200, "cookie-user"));
}

#[test]
fn the_layer_reads_header_cookie_and_query() {
    let runtime = runtime();
    let base = serve_layer(&runtime, verifier());
    check_sources(&format!("{base}/me"));
}

#[test]
fn cookie_and_query_are_opt_in() {
    let runtime = runtime();
    for base in [
        serve_axum(&runtime, plain_verifier()),
        serve_layer(&runtime, plain_verifier()),
    ] {
        let me = format!("{base}/me");
        let cookie = get_with(&me, &[("cookie", format!("session={}", token("c")))]);
        assert_eq!(cookie.status, 401);
        let query = get_with(&format!("{me}?access_token={}", token("q")), &[]);
        assert_eq!(query.status, 401);
        // Not read, so not ambiguous either: the header decides.
        let both = get_with(
            &format!("{me}?access_token={}", token("q")),
            &[("authorization", format!("Bearer {}", token("h")))],
        );
        assert_eq!((both.status, both.body.as_str()), (200, "h"));
    }
}
