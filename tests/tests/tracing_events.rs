//! The events operators get through `tracing`: a rejected token (debug,
//! with the reason), a session that cannot be saved (warn: too large for
//! one cookie, or chunked over the total limit), a store that
//! fails (error); never session data. One test alone in its binary:
//! `tracing` caches per call site whether anyone listens, so tests without
//! a subscriber running beside it would silence it.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use http::StatusCode;
use http::header::COOKIE;
use session_runtime::tower::SessionLayer;
use session_runtime::transport::{CookieOptions, Transport};
use session_runtime::{Key, SessionConfig};
use session_tests::http::{SECRET, plain_client, send, serve};
use session_tests::store::Down;

#[derive(session_runtime::Session)]
#[session(cookie = "plain")]
struct Visits {
    #[session(default)]
    count: u32,
    note: Option<String>,
}

async fn visit(mut visits: session_runtime::Session<Visits>, uri: http::Uri) -> String {
    visits.set_count(visits.count() + 1);
    if uri.path() == "/big" {
        visits.set_note("x".repeat(5000));
    }
    visits.count().to_string()
}

fn app(config: SessionConfig<Visits>) -> axum::Router {
    app_with(SessionLayer::new(config))
}

fn app_with(layer: SessionLayer<Visits>) -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::get(visit))
        .route("/big", axum::routing::get(visit))
        .layer(layer)
}

/// The total limit of the chunking app: the 5000-byte note seals larger.
const CHUNKED_TOTAL: usize = 4500;

fn config() -> SessionConfig<Visits> {
    SessionConfig::new(Key::derive(SECRET).unwrap())
}

/// The events of one test, as `LEVEL message fields`.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .push(format!("{}{}", event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn operators_hear_of_rejections_failed_saves_and_store_faults_without_session_data() {
    let events = Events::default();
    let secret_note = "the user's private note";
    tracing::subscriber::with_default(events.clone(), || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let server = serve(app(config())).await;
                let first = send(plain_client().get(server.url("/"))).await;
                let cookie = first.cookie_value("plain").unwrap();
                // A tampered cookie: rejected, at debug, with the reason.
                let mut tampered = cookie.clone();
                tampered.replace_range(10..11, if &cookie[10..11] == "A" { "B" } else { "A" });
                send(
                    plain_client()
                        .get(server.url("/"))
                        .header(COOKIE, format!("plain={tampered}")),
                )
                .await;
                // An oversized session: a warning.
                send(plain_client().get(server.url("/big"))).await;
                // Chunked, over the total limit: a warning too.
                let chunked = Transport::new(config())
                    .with_cookie(CookieOptions::new().with_chunking(CHUNKED_TOTAL));
                let chunking = serve(app_with(SessionLayer::from_transport(chunked))).await;
                let reply = send(plain_client().get(chunking.url("/big"))).await;
                assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
                // A store outage: an error.
                let down = serve(app(config().with_store(Down))).await;
                let reply = send(plain_client().get(down.url("/"))).await;
                assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
                let _ = secret_note;
            });
    });
    let all = events.all();
    let find = |level: &str, text: &str| {
        all.iter()
            .find(|e| e.starts_with(level) && e.contains(text))
            .unwrap_or_else(|| panic!("no {level} event with {text:?} in {all:#?}"))
            .clone()
    };
    let rejected = find("DEBUG", "rejected");
    assert!(rejected.contains("authentication"), "{rejected}");
    let failed: Vec<&String> = all
        .iter()
        .filter(|e| e.starts_with("WARN") && e.contains("could not be saved"))
        .collect();
    assert_eq!(failed.len(), 2, "{all:#?}");
    assert!(
        failed[0].contains("over the limit of 4096"),
        "{}",
        failed[0]
    );
    assert!(
        failed[1].contains(&format!("over the limit of {CHUNKED_TOTAL}")),
        "{}",
        failed[1]
    );
    let fault = find("ERROR", "session store failed");
    assert!(
        fault.contains("Unavailable") && fault.contains("connection refused"),
        "{fault}"
    );
    for event in &all {
        assert!(!event.contains("xxxxxxxx"), "no session data: {event}");
        assert!(!event.contains(secret_note), "no session data: {event}");
    }
}
