//! What a session layer adds to an axum request, without network
//! (`tower::ServiceExt::oneshot` on the router).
//!
//! Baseline: a router without a session layer. Then ours (`SessionLayer`,
//! a sealed cookie), ours in store mode (`MemoryStore`, a sealed id cookie)
//! and tower-sessions (`MemoryStore`, an id cookie), each
//! with a handler that ignores the session, reads one field, and reads and
//! updates one field. Every request carries the cookie of an existing
//! session.
//!
//! `cargo bench -p session-runtime --features axum --bench overhead`
//!
//! After the run, a table of medians (from criterion's estimates) and of the
//! cost each layer adds over the baseline is printed.

use std::hint::black_box;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::Criterion;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response};
use session_runtime::axum::SessionLayer;
use session_runtime::store::MemoryStore;
use session_runtime::{Key, Session, SessionConfig};
use tower::ServiceExt as _;

#[derive(Session)]
#[session(cookie = "counter")]
struct Counter {
    #[session(default)]
    count: u32,
}

const GROUP: &str = "overhead";
const CASES: [&str; 3] = ["ignore", "read", "update"];

async fn ignore() -> &'static str {
    "ok"
}

async fn ours_read(session: Session<Counter>) -> String {
    session.count().to_string()
}

async fn ours_update(mut session: Session<Counter>) -> String {
    let n = session.count() + 1;
    session.set_count(n);
    n.to_string()
}

async fn peer_read(session: tower_sessions::Session) -> String {
    let n: u32 = session.get("count").await.unwrap().unwrap_or(0);
    n.to_string()
}

async fn peer_update(session: tower_sessions::Session) -> String {
    let n: u32 = session.get("count").await.unwrap().unwrap_or(0) + 1;
    session.insert("count", n).await.unwrap();
    n.to_string()
}

async fn peer_init(session: tower_sessions::Session) -> &'static str {
    session.insert("count", 1u32).await.unwrap();
    "ok"
}

fn routes() -> Router {
    Router::new().route("/ignore", get(ignore))
}

fn ours(config: SessionConfig<Counter>) -> Router {
    routes()
        .route("/read", get(ours_read))
        .route("/update", get(ours_update))
        .layer(SessionLayer::new(config))
}

fn peer() -> Router {
    routes()
        .route("/read", get(peer_read))
        .route("/update", get(peer_update))
        .route("/init", get(peer_init))
        .layer(tower_sessions::SessionManagerLayer::new(
            tower_sessions::MemoryStore::default(),
        ))
}

fn request(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// The `name=value` of the response's `Set-Cookie`.
fn cookie_of(response: &Response<Body>) -> String {
    let value = response.headers()[SET_COOKIE].to_str().unwrap();
    value.split(';').next().unwrap().to_owned()
}

/// The apps under test, each with the cookie of an existing session.
struct Apps {
    rt: tokio::runtime::Runtime,
    baseline: Router,
    ours: (Router, String),
    ours_store: (Router, String),
    peer: (Router, String),
}

impl Apps {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let call =
            |app: &Router, path: &str| rt.block_on(app.clone().oneshot(request(path, ""))).unwrap();
        let ours_store = ours(SessionConfig::new(Key::generate()).with_store(MemoryStore::new()));
        let store_cookie = cookie_of(&call(&ours_store, "/update"));
        let ours = ours(SessionConfig::new(Key::generate()));
        let ours_cookie = cookie_of(&call(&ours, "/update"));
        let peer = peer();
        let peer_cookie = cookie_of(&call(&peer, "/init"));
        // `with_state(())` turns each handler into its route (layers applied)
        // once, as `axum::serve` does for every connection; a router called
        // without it rebuilds the route, and every layer, on every request.
        Self {
            rt,
            baseline: routes().with_state(()),
            ours: (ours.with_state(()), ours_cookie),
            ours_store: (ours_store.with_state(()), store_cookie),
            peer: (peer.with_state(()), peer_cookie),
        }
    }

    /// The app and cookie named `target` (`ours`, `ours-store`,
    /// `tower-sessions`, `baseline`).
    fn target(&self, target: &str) -> (&Router, &str) {
        match target {
            "ours" => (&self.ours.0, &self.ours.1),
            "ours-store" => (&self.ours_store.0, &self.ours_store.1),
            "tower-sessions" => (&self.peer.0, &self.peer.1),
            "baseline" => (&self.baseline, &self.ours.1),
            other => panic!("unknown target {other}"),
        }
    }

    fn call(&self, app: &Router, path: &str, cookie: &str) -> Response<Body> {
        self.rt
            .block_on(app.clone().oneshot(request(path, cookie)))
            .unwrap()
    }
}

fn overhead(c: &mut Criterion) {
    let apps = Apps::new();
    let mut group = c.benchmark_group(GROUP);
    group.bench_function("baseline", |b| {
        let (app, cookie) = apps.target("baseline");
        b.iter(|| black_box(apps.call(app, "/ignore", cookie)));
    });
    for case in CASES {
        let path = format!("/{case}");
        for target in ["ours", "ours-store", "tower-sessions"] {
            let (app, cookie) = apps.target(target);
            group.bench_function(format!("{target}/{case}"), |b| {
                b.iter(|| black_box(apps.call(app, &path, cookie)));
            });
        }
    }
    group.finish();
    parts(c);
}

/// `OVERHEAD_PROFILE=<target>/<case>:<n>` (e.g. `ours/read:2000`): runs
/// that request `n` times and nothing else, for callgrind. Two runs with
/// different `n` give the instructions per request by their difference.
fn profile(spec: &str) {
    let (id, n) = spec.split_once(':').expect("<target>/<case>:<n>");
    let n: u32 = n.parse().expect("a count");
    let (target, case) = id.split_once('/').expect("<target>/<case>");
    let apps = Apps::new();
    let (app, cookie) = apps.target(target);
    let path = format!("/{case}");
    for _ in 0..n {
        black_box(apps.call(app, &path, cookie));
    }
}

/// The framework-free pieces of our read and update paths.
fn parts(c: &mut Criterion) {
    let config = SessionConfig::<Counter>::new(Key::generate());
    let transport = session_runtime::transport::Transport::new(config.clone());
    let mut session = Session::<Counter>::new(&config);
    session.set_count(1);
    let sealed = session.seal(&config).unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert(COOKIE, format!("counter={sealed}").parse().unwrap());
    let mut group = c.benchmark_group("parts");
    group.bench_function("unseal", |b| {
        b.iter(|| black_box(Session::<Counter>::unseal(&config, black_box(&sealed)).unwrap()));
    });
    group.bench_function("transport_load", |b| {
        b.iter(|| black_box(transport.load(black_box(&headers)).now()));
    });
    group.bench_function("seal", |b| {
        b.iter(|| black_box(session.seal(&config).unwrap()));
    });
    group.bench_function("save_set_cookie", |b| {
        b.iter(|| {
            black_box(
                transport
                    .save(&session, session_runtime::transport::Source::Cookie.into())
                    .now()
                    .unwrap(),
            )
        });
    });
    group.finish();
}

/// Where criterion keeps its results (as criterion finds it).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // target/release/deps/overhead-<hash>
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|t| t.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// The median of one benchmark of the overhead group, in nanoseconds.
fn median_ns(id: &str) -> Option<f64> {
    median_ns_in(GROUP, id)
}

/// The median of one benchmark of `group`, in nanoseconds.
fn median_ns_in(group: &str, id: &str) -> Option<f64> {
    let path = criterion_home()
        .join(group)
        .join(id.replace('/', "_"))
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn print_table() {
    let Some(base) = median_ns("baseline") else {
        eprintln!(
            "no criterion estimates found under {}",
            criterion_home().display()
        );
        return;
    };
    let part = |id: &str| median_ns_in("parts", id).unwrap_or(0.0);
    let (load, save) = (part("transport_load"), part("save_set_cookie"));
    println!();
    println!(
        "| case | baseline | tower-sessions added | ours (cookie) added | ratio to peer | glue | ours (store) added | ratio to peer |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for case in CASES {
        let (Some(ours), Some(store), Some(peer)) = (
            median_ns(&format!("ours/{case}")),
            median_ns(&format!("ours-store/{case}")),
            median_ns(&format!("tower-sessions/{case}")),
        ) else {
            continue;
        };
        let (ours_added, store_added, peer_added) = (ours - base, store - base, peer - base);
        // The layer's own work: what it adds beyond finding and unsealing
        // the session (read) and sealing the Set-Cookie (update).
        let glue = match case {
            "read" => format!("{:.0} ns", ours_added - load),
            "update" => format!("{:.0} ns", ours_added - load - save),
            _ => "-".to_owned(),
        };
        println!(
            "| {case} | {base:.0} ns | {peer_added:.0} ns | {ours_added:.0} ns | {:.2} | {glue} | {store_added:.0} ns | {:.2} |",
            ours_added / peer_added,
            store_added / peer_added
        );
    }
}

fn main() {
    if let Ok(spec) = std::env::var("OVERHEAD_PROFILE") {
        profile(&spec);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    overhead(&mut criterion);
    criterion.final_summary();
    print_table();
}
