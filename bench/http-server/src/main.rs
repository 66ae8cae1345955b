//! The server `bench/http.sh` measures, and an in-process measurement of the same work.
//!
//! `jwt-http-bench serve` prints `listening on http://…` and a token, then serves four routes
//! that answer the same body: `/open` (no check), `/extractor` (`Bearer<Session>`), `/layer`
//! (`BearerLayer<Session>` in front), `/decode` (the handler parses the header and decodes
//! the token by hand: the least work that verifies, the baseline of the overhead).
//!
//! `jwt-http-bench micro` runs the same four on request parts in process, in interleaved
//! rounds, and prints nanoseconds per request of each and the overheads.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::get;
use axum::{Router, body::Body};
use jwt_runtime::http::axum::Bearer;
use jwt_runtime::http::tower::BearerLayer;
use jwt_runtime::http::{Verifier, bearer_token};
use jwt_runtime::{Claims, Clock, HmacKey, Hs256, NumericDate, SystemClock, Validation, Validity};
use tower_layer::Layer;

/// The example service's session token, field for field.
#[derive(Claims)]
#[claims(iss = "https://auth.example.com", aud = "api")]
struct Session {
    sub: String,
    exp: NumericDate,
    iat: NumericDate,
    name: String,
    roles: Vec<String>,
}

#[derive(Clone)]
struct App {
    verifier: Verifier<Hs256>,
    key: HmacKey<Hs256>,
    validation: Validation,
}

impl axum::extract::FromRef<App> for Verifier<Hs256> {
    fn from_ref(app: &App) -> Self {
        app.verifier.clone()
    }
}

const BODY: &str = "{\"pong\":true}";

async fn open() -> &'static str {
    BODY
}

async fn extractor(_: Bearer<Session>) -> &'static str {
    BODY
}

async fn decode(State(app): State<App>, headers: HeaderMap) -> Result<&'static str, StatusCode> {
    bare_decode(&app, &headers).map(|_| BODY)
}

fn bare_decode(app: &App, headers: &HeaderMap) -> Result<Session, StatusCode> {
    let token = bearer_token(
        headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .map(|value| value.as_bytes()),
    )
    .map_err(|_| StatusCode::UNAUTHORIZED)?;
    app.validation
        .decode::<Session, _>(token, &app.key)
        .map_err(|_| StatusCode::UNAUTHORIZED)
}

fn app() -> (App, String) {
    let key = HmacKey::<Hs256>::generate().expect("randomness");
    let validity = Validity::starting_at(SystemClock.now(), Duration::from_secs(3600));
    let token = Session {
        sub: "bob".into(),
        exp: validity.expires_at,
        iat: validity.issued_at,
        name: "Bob".into(),
        roles: vec!["user".into()],
    }
    .encode(&key)
    .expect("encode");
    let app = App {
        verifier: Verifier::new(key.clone()),
        key,
        validation: Validation::new(),
    };
    (app, token)
}

fn router(app: App) -> Router {
    let layered = Router::new()
        .route("/layer", get(open))
        .layer(BearerLayer::<Session>::new(&app.verifier));
    Router::new()
        .route("/open", get(open))
        .route("/extractor", get(extractor))
        .route("/decode", get(decode))
        .merge(layered)
        .with_state(app)
}

#[tokio::main]
async fn serve(port: u16) {
    let (app, token) = app();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    println!(
        "listening on http://{}",
        listener.local_addr().expect("address")
    );
    println!("token {token}");
    axum::serve(listener, router(app)).await.expect("serve");
}

/// Polls a future that never waits (no store is asked) to its end.
fn now<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn micro(rounds: usize, iterations: u32) {
    let (app, token) = app();
    let request = || {
        Request::builder()
            .uri("/x")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    let mut layer_service = BearerLayer::<Session>::new(&app.verifier).layer(tower_fn());
    let (parts, _) = request().into_parts();
    let time = |run: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..iterations {
            run();
        }
        start.elapsed().as_nanos() as f64 / f64::from(iterations)
    };
    let mut rows: Vec<[f64; 6]> = Vec::new();
    let mut parts = parts;
    for _ in 0..rounds {
        let decode_token = time(&mut || {
            black_box(
                app.validation
                    .decode::<Session, _>(black_box(&token), &app.key)
                    .is_ok(),
            );
        });
        let verify_token = time(&mut || {
            black_box(now(app.verifier.verify::<Session>(black_box(&token))).is_ok());
        });
        let decode = time(&mut || {
            black_box(bare_decode(&app, black_box(&parts.headers)).is_ok());
        });
        // The extractor only reads the parts (the layer's claims would be taken out of
        // them; there are none), so the same parts serve every call.
        let extract = time(&mut || {
            let out = now(
                <Bearer<Session> as FromRequestParts<App>>::from_request_parts(
                    black_box(&mut parts),
                    &app,
                ),
            );
            black_box(out.is_ok());
        });
        let layer = time(&mut || {
            use tower_service::Service;
            let out = now(layer_service.call(black_box(request())));
            black_box(out.is_ok());
        });
        // The layer's figure includes building the request; measured alongside.
        let build = time(&mut || {
            black_box(request());
        });
        rows.push([decode_token, verify_token, decode, extract, layer, build]);
    }
    let median = |values: Vec<f64>| {
        let mut values = values;
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let column = |i: usize| median(rows.iter().map(|row| row[i]).collect());
    let (decode_token, verify_token, decode, extract) =
        (column(0), column(1), column(2), column(3));
    let layer = median(rows.iter().map(|row| row[4] - row[5]).collect());
    println!("{rounds} interleaved rounds of {iterations} requests; medians, ns per request:");
    println!("  Validation::decode of the token:                   {decode_token:8.0}");
    println!(
        "  Verifier::verify of the token:                     {verify_token:8.0}  ({:.2}x)",
        verify_token / decode_token
    );
    println!("  bare decode (header parsing + Validation::decode): {decode:8.0}");
    println!(
        "  Bearer<Session> extractor:                         {extract:8.0}  ({:.2}x the bare decode)",
        extract / decode
    );
    println!(
        "  BearerLayer<Session> + empty inner service:        {layer:8.0}  ({:.2}x the bare decode)",
        layer / decode
    );
}

/// Runs one case `n` times, for an instruction count under callgrind (bench/http.sh
/// `--instructions`): decode, verify, bare, extractor, layer, request.
fn count(case: &str, n: u32) {
    use tower_service::Service;
    let (app, token) = app();
    let request = || {
        Request::builder()
            .uri("/x")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    let mut layer_service = BearerLayer::<Session>::new(&app.verifier).layer(tower_fn());
    let (mut parts, _) = request().into_parts();
    for _ in 0..n {
        let ok = match case {
            "decode" => app
                .validation
                .decode::<Session, _>(black_box(&token), &app.key)
                .is_ok(),
            "verify" => now(app.verifier.verify::<Session>(black_box(&token))).is_ok(),
            "bare" => bare_decode(&app, black_box(&parts.headers)).is_ok(),
            "extractor" => now(
                <Bearer<Session> as FromRequestParts<App>>::from_request_parts(
                    black_box(&mut parts),
                    &app,
                ),
            )
            .is_ok(),
            "layer" => now(layer_service.call(black_box(request()))).is_ok(),
            "request" => {
                black_box(request());
                true
            }
            _ => false,
        };
        assert!(ok, "case {case}");
    }
}

#[derive(Clone)]
struct Empty;

impl tower_service::Service<Request<Body>> for Empty {
    type Response = axum::http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        std::future::ready(Ok(axum::http::Response::new(Body::empty())))
    }
}

fn tower_fn() -> Empty {
    Empty
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(args.get(1).and_then(|port| port.parse().ok()).unwrap_or(0)),
        Some("micro") => micro(
            args.get(1).and_then(|n| n.parse().ok()).unwrap_or(15),
            args.get(2).and_then(|n| n.parse().ok()).unwrap_or(200_000),
        ),
        Some("count") => count(
            args.get(1).map_or("", String::as_str),
            args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0),
        ),
        _ => eprintln!(
            "usage: jwt-http-bench serve [PORT] | micro [ROUNDS] [ITERATIONS] | count CASE N"
        ),
    }
}
