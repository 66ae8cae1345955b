//! The `tracing` feature: one event per refused request, with the cause's kind, and never the
//! token or a claim value. A small subscriber written here records every event's fields.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::{Request, header};
use jwt_runtime::http::axum::{Bearer, BearerRejection};
use jwt_runtime::http::{Rejection, Verifier};
use jwt_runtime::{Claims, FixedClock, HmacKey, Hs256, NumericDate};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const NOW: i64 = 1_700_000_000;
/// A claim value that must never reach a log.
const SECRET_SUBJECT: &str = "subject-that-must-not-be-logged";

fn key() -> HmacKey<Hs256> {
    HmacKey::from_bytes(b"a key for the tracing tests, 32 bytes long").unwrap()
}

#[derive(Claims, Debug)]
#[claims(aud = "api")]
struct Session {
    sub: String,
    exp: NumericDate,
}

fn token(exp: i64) -> String {
    Session {
        sub: SECRET_SUBJECT.into(),
        exp: NumericDate::from_secs(exp),
    }
    .encode(&key())
    .unwrap()
}

fn forged() -> String {
    Session {
        sub: SECRET_SUBJECT.into(),
        exp: NumericDate::from_secs(NOW + 60),
    }
    .encode(&HmacKey::<Hs256>::from_bytes(&[3; 32]).unwrap())
    .unwrap()
}

/// One event: its level, its target and its fields as `name=value`.
type Recorded = (tracing::Level, String, Vec<String>);

/// Every event.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push(format!("{}={value}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push((
            *event.metadata().level(),
            event.metadata().target().to_owned(),
            fields.0,
        ));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

fn verifier() -> Verifier<Hs256> {
    Verifier::new(key()).clock(FixedClock(NumericDate::from_secs(NOW)))
}

fn parts(authorization: Option<&str>) -> axum::http::request::Parts {
    let mut request = Request::builder().uri("/");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    request.body(()).unwrap().into_parts().0
}

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn extract(authorization: Option<&str>) -> Result<Session, BearerRejection> {
    let mut parts = parts(authorization);
    block_on(<Bearer<Session> as FromRequestParts<_>>::from_request_parts(&mut parts, &verifier()))
        .map(Bearer::into_inner)
}

fn recorded<T>(run: impl FnOnce() -> T) -> (T, Vec<Recorded>) {
    let recorder = Recorder::default();
    let out = tracing::subscriber::with_default(recorder.clone(), run);
    let events = recorder.0.lock().unwrap().clone();
    (out, events)
}

#[test]
fn one_event_per_rejection_with_its_kind() {
    let expired = token(NOW - 1);
    let cases: [(Option<String>, &str, &str); 5] = [
        (None, "kind=missing", "status=401"),
        (
            Some("Bearer  x".into()),
            "kind=malformed_request",
            "status=400",
        ),
        (
            Some(format!("Bearer {expired}")),
            "kind=expired",
            "status=401",
        ),
        (Some("Bearer a.b".into()), "kind=malformed", "status=401"),
        (
            Some(format!("Bearer {}", forged())),
            "kind=signature",
            "status=401",
        ),
    ];
    for (authorization, kind, status) in cases {
        let (result, events) = recorded(|| extract(authorization.as_deref()));
        assert!(result.is_err());
        assert_eq!(events.len(), 1, "{authorization:?}: {events:?}");
        let (level, target, fields) = &events[0];
        assert_eq!(*level, tracing::Level::INFO);
        assert_eq!(target, "jwt_runtime::http");
        assert!(fields.iter().any(|field| field == kind), "{fields:?}");
        assert!(fields.iter().any(|field| field == status), "{fields:?}");
        let text = fields.join(" ");
        assert!(!text.contains(SECRET_SUBJECT), "{text}");
        assert!(!text.contains(&expired[..20]), "{text}");
        assert!(!text.contains(&NOW.to_string()), "{text}");
    }
}

#[test]
fn accepted_and_optional_requests_log_nothing() {
    let (result, events) = recorded(|| extract(Some(&format!("Bearer {}", token(NOW + 60)))));
    assert_eq!(result.unwrap().sub, SECRET_SUBJECT);
    assert!(events.is_empty(), "{events:?}");

    let (result, events) = recorded(|| {
        let mut parts = parts(None);
        block_on(
            <Bearer<Session> as OptionalFromRequestParts<_>>::from_request_parts(
                &mut parts,
                &verifier(),
            ),
        )
    });
    assert!(result.unwrap().is_none());
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn application_rejections_are_events_too() {
    let (_, events) = recorded(|| verifier().reject(Rejection::insufficient_scope_for("admin")));
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0]
            .2
            .iter()
            .any(|field| field == "kind=insufficient_scope"),
        "{events:?}"
    );
}

#[test]
fn the_handler_gets_the_detailed_error() {
    let rejection = extract(Some(&format!("Bearer {}", token(NOW - 1)))).unwrap_err();
    assert!(matches!(
        rejection.error(),
        Some(jwt_runtime::Error::Expired { .. })
    ));
}
