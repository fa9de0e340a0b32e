//! A flood of forged h3 v2 cookies (fresh salts each, so each would cost a
//! PBKDF2 run of 8192 iterations) is bounded by the codec's derivation
//! budget, and genuine requests, whose keys are cached, go on (issue 12,
//! finding 3).
//!
//! The bound asserted is the budget's, in derivations: at most one second's
//! worth at once plus the rate times the flood's duration (each admitted
//! forgery also runs the one-iteration legacy retry: two derivations). The
//! genuine requests must all succeed and continue their session. Latencies
//! are printed for the record (`--nocapture`), never asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use session_runtime::axum::SessionLayer;
use session_runtime::h3::iron::{IronCodec, IronError, Passwords};
use session_runtime::h3::{H3Format, H3Version, uuid_v4};
use session_runtime::transport::Transport;
use session_runtime::{Session, SessionConfig, UnsealError};
use session_tests::http::{Server, plain_client, send, serve};
use session_tests::node::P;

#[derive(Session)]
struct Counter {
    #[session(default)]
    count: u32,
}

async fn index(mut session: Session<Counter>) -> String {
    let count = session.count() + 1;
    session.set_count(count);
    count.to_string()
}

/// Derivations of 8192 iterations the budget allows per second.
const PER_SECOND: u64 = 4;
/// How long the flood lasts at least, and how many requests each flooder sends at most.
const FLOOD_TIME: Duration = Duration::from_secs(2);
/// How long the flood may go on until the budget refused a cookie: a loaded
/// machine derives slowly, and the flood must outrun the budget to test it.
const FLOOD_LIMIT: Duration = Duration::from_secs(30);
const FLOOD_MAX: usize = 2_000;
const FLOODERS: usize = 4;
/// Genuine requests sent during the flood.
const GENUINE: u32 = 20;

/// A forged v2 seal with fresh random salts: its HMAC can only be checked
/// after deriving the key of a salt no one has seen.
fn forged() -> String {
    let salt = || uuid_v4().replace('-', "").repeat(2);
    format!(
        "Fe26.2**{}*AAAAAAAAAAAAAAAAAAAAAA*AAAAAAAAAAAAAAAAAAAAAA**{}*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        salt(),
        salt()
    )
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() - 1) * p / 100]
}

async fn genuine_run(server: &Server, cookie: &str, from: u32) -> Vec<Duration> {
    let client = plain_client();
    let mut latencies = Vec::new();
    for n in from..from + GENUINE {
        let started = Instant::now();
        let reply = send(
            client
                .get(server.url("/"))
                .header("cookie", format!("h3={cookie}")),
        )
        .await;
        latencies.push(started.elapsed());
        assert_eq!(reply.status, 200);
        // The same cookie each time: the count it holds plus one, never a fresh session.
        assert_eq!(reply.body, (from).to_string(), "request {n}");
    }
    latencies.sort();
    latencies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_v2_cookies_are_bounded_and_genuine_requests_go_on() {
    let codec = Arc::new(
        IronCodec::new(Passwords::single(P).unwrap(), H3Version::V2.params())
            .unwrap()
            // The legacy retry of each admitted forgery costs one iteration more.
            .with_derivation_budget(PER_SECOND * (8192 + 1)),
    );
    let over_budget = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&over_budget);
    let transport = Transport::new(SessionConfig::<Counter>::new(H3Format::from_codec(
        H3Version::V2,
        Arc::clone(&codec),
    )))
    .with_rejection_hook(move |e| {
        if *e == UnsealError::Iron(IronError::DerivationBudget) {
            counted.fetch_add(1, Ordering::Relaxed);
        }
    });
    let server = serve(
        Router::new()
            .route("/", get(index))
            .layer(SessionLayer::from_transport(transport)),
    )
    .await;

    // A genuine session: sealed by this service, so its keys are cached.
    let first = send(plain_client().get(server.url("/"))).await;
    assert_eq!(first.body, "1");
    let cookie = first.cookie_value("h3").unwrap();
    let quiet = genuine_run(&server, &cookie, 2).await;

    let derivations_before = codec.key_derivations();
    let started = Instant::now();
    let flooders: Vec<_> = (0..FLOODERS)
        .map(|_| {
            let (server, codec) = (server.clone(), codec.clone());
            tokio::spawn(async move {
                let client = plain_client();
                let mut sent = 0;
                while sent < FLOOD_MAX
                    && (started.elapsed() < FLOOD_TIME
                        || (codec.derivations_refused() == 0 && started.elapsed() < FLOOD_LIMIT))
                {
                    let reply = send(
                        client
                            .get(server.url("/"))
                            .header("cookie", format!("h3={}", forged())),
                    )
                    .await;
                    // A forged cookie is a fresh session, never an error.
                    assert_eq!(reply.body, "1");
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    let flooded = genuine_run(&server, &cookie, 2).await;
    let mut forged_sent = 0;
    for flooder in flooders {
        forged_sent += flooder.await.unwrap();
    }
    let elapsed = started.elapsed();
    let derivations = codec.key_derivations() - derivations_before;

    eprintln!(
        "flood: {forged_sent} forged requests in {elapsed:.2?}, {derivations} derivations, \
         {} refused unchecked",
        codec.derivations_refused()
    );
    eprintln!(
        "genuine latency: quiet p50 {:.2?} max {:.2?}; during the flood p50 {:.2?} p90 {:.2?} max {:.2?}",
        percentile(&quiet, 50),
        percentile(&quiet, 100),
        percentile(&flooded, 50),
        percentile(&flooded, 90),
        percentile(&flooded, 100),
    );

    // The budget: one second's worth at once, then PER_SECOND; two derivations
    // (the 8192-iteration one and the legacy retry) per admitted forgery.
    let allowed = 2 * PER_SECOND * (1 + elapsed.as_secs().saturating_add(1));
    assert!(
        derivations <= allowed,
        "{derivations} derivations for {forged_sent} forged cookies in {elapsed:?}: over the budget of {allowed}"
    );
    assert!(
        codec.derivations_refused() > 0,
        "the flood went over the budget"
    );
    assert_eq!(
        over_budget.load(Ordering::Relaxed),
        codec.derivations_refused(),
        "every refusal reached the rejection hook"
    );
    assert_eq!(
        forged_sent as u64,
        codec.derivations_refused() + derivations / 2,
        "every forged cookie was either checked (and failed) or refused unchecked"
    );
}
