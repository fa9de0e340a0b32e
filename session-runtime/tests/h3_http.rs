//! One cookie shared over HTTP by the real h3 (`interop/h3/counter.mjs`, h3's
//! handle-session example on `useSession`) and a Rust axum counter on loopback: three
//! hops each way, a key only h3 knows surviving the Rust hop, h3's cookie attributes and
//! clearing per version, header before cookie, and `Expires` from `createdAt`.
//!
//! Requires `interop/h3/setup.sh`; the tests fail, not skip, without it.
#![cfg(all(feature = "h3", feature = "axum"))]

mod h3_common;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use h3_common::{NodeServer, P, Response, flag, get};
use session_runtime::axum::SessionLayer;
use session_runtime::h3::H3Version;
use session_runtime::{ManualClock, Session, SessionConfig};

/// The counter example's schema and handlers.
#[derive(Session)]
struct Counter {
    #[session(default)]
    count: u32,
}

async fn index(mut session: Session<Counter>) -> String {
    let count = session.count().saturating_add(1);
    session.set_count(count);
    format!("Hello world! You have visited this page {count} times.")
}

async fn clear(mut session: Session<Counter>) -> &'static str {
    session.clear();
    "Session cleared"
}

fn app(config: SessionConfig<Counter>) -> Router {
    Router::new()
        .route("/", axum::routing::get(index))
        .route("/clear", axum::routing::get(clear))
        .layer(SessionLayer::new(config))
}

/// The Rust app on a loopback port, stopped when dropped.
struct RustServer {
    addr: SocketAddr,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RustServer {
    fn start(config: SessionConfig<Counter>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app(config))
                    .with_graceful_shutdown(async move {
                        // Ends when the sender is dropped, or after a bound.
                        let _ = tokio::task::spawn_blocking(move || {
                            stopped.recv_timeout(Duration::from_mins(2))
                        })
                        .await;
                    })
                    .await
                    .unwrap();
            });
        });
        Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for RustServer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn h3_config(v: H3Version) -> SessionConfig<Counter> {
    SessionConfig::<Counter>::h3(v, P).unwrap()
}

fn node_counter(v: H3Version, extra: &[&str]) -> NodeServer {
    let mut args = vec!["--version", flag(v), "--password", P];
    args.extend_from_slice(extra);
    NodeServer::start("counter.mjs", &args)
}

fn visit(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Response {
    let header = cookie.map(|c| format!("h3={c}"));
    let headers: Vec<(&str, &str)> = header.iter().map(|h| ("cookie", h.as_str())).collect();
    let response = get(addr, path, &headers);
    assert_eq!(response.status, 200, "{path}: {response:?}");
    response
}

fn count_body(n: u32) -> String {
    format!("Hello world! You have visited this page {n} times.")
}

/// The session as h3 sees it: `{id, createdAt, data}`.
fn node_view(node: SocketAddr, cookie: &str) -> serde_json::Value {
    let response = visit(node, "/data", Some(cookie));
    assert!(response.set_cookies().is_empty(), "/data writes nothing");
    serde_json::from_str(&response.body).unwrap()
}

/// The attributes of a `Set-Cookie` after `name=value`, lowercased, as a sorted set.
fn attributes(set_cookie: &str) -> Vec<String> {
    let mut attrs: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        // The date itself differs between the two servers.
        .map(|a| {
            if a.starts_with("expires=") {
                "expires=…".into()
            } else {
                a
            }
        })
        .collect();
    attrs.sort();
    attrs
}

#[test]
fn node_rust_node_three_hops_share_one_cookie() {
    for v in [H3Version::V1, H3Version::V2] {
        let node = node_counter(v, &[]);
        let rust = RustServer::start(h3_config(v));

        let first = visit(node.addr, "/", None);
        assert_eq!(first.body, count_body(1));
        let c1 = first.h3_cookie().expect("h3 sets the cookie");
        let born = node_view(node.addr, &c1);
        assert_eq!(born["data"]["fromNode"], "set-by-h3");

        let second = visit(rust.addr, "/", Some(&c1));
        assert_eq!(
            second.body,
            count_body(2),
            "{v:?}: Rust continues h3's count"
        );
        let c2 = second.h3_cookie().expect("Rust writes the cookie");
        assert_eq!(
            attributes(second.set_cookies()[0]),
            attributes(first.set_cookies()[0]),
            "{v:?}: same cookie attributes as h3"
        );

        let third = visit(node.addr, "/", Some(&c2));
        assert_eq!(
            third.body,
            count_body(3),
            "{v:?}: h3 continues Rust's count"
        );
        let c3 = third.h3_cookie().unwrap();
        let seen = node_view(node.addr, &c3);
        assert_eq!(seen["id"], born["id"], "one session id throughout");
        assert_eq!(seen["createdAt"], born["createdAt"]);
        assert_eq!(
            seen["data"],
            serde_json::json!({"count": 3, "fromNode": "set-by-h3"}),
            "{v:?}: the key only h3 knows survived the Rust hop"
        );

        let fourth = visit(rust.addr, "/", Some(&c3));
        assert_eq!(fourth.body, count_body(4));
    }
}

#[test]
fn rust_node_rust_three_hops() {
    for v in [H3Version::V1, H3Version::V2] {
        let node = node_counter(v, &[]);
        let rust = RustServer::start(h3_config(v));

        let first = visit(rust.addr, "/", None);
        assert_eq!(first.body, count_body(1));
        let c1 = first.h3_cookie().unwrap();
        let born = node_view(node.addr, &c1);
        assert_eq!(born["data"], serde_json::json!({"count": 1}));
        let id = born["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36, "a UUID like h3's: {id}");

        let second = visit(node.addr, "/", Some(&c1));
        assert_eq!(second.body, count_body(2));
        let c2 = second.h3_cookie().unwrap();

        let third = visit(rust.addr, "/", Some(&c2));
        assert_eq!(third.body, count_body(3));
        let c3 = third.h3_cookie().unwrap();
        let seen = node_view(node.addr, &c3);
        assert_eq!(seen["id"], id.as_str());
        assert_eq!(
            seen["data"],
            serde_json::json!({"count": 3, "fromNode": "set-by-h3"})
        );
    }
}

#[test]
fn clear_removes_the_cookie_as_each_version_does() {
    for v in [H3Version::V1, H3Version::V2] {
        let node = node_counter(v, &[]);
        let rust = RustServer::start(h3_config(v));
        let cookie = visit(rust.addr, "/", None).h3_cookie().unwrap();

        let ours = visit(rust.addr, "/clear", Some(&cookie));
        let theirs = visit(node.addr, "/clear", Some(&cookie));
        assert_eq!(ours.body, "Session cleared");
        let (ours, theirs) = (ours.set_cookies(), theirs.set_cookies());
        assert_eq!(ours.len(), 1);
        assert!(ours[0].starts_with("h3=;"), "{}", ours[0]);
        assert_eq!(attributes(ours[0]), attributes(theirs[0]), "{v:?}");
        let expected: &[&str] = match v {
            H3Version::V1 => &["httponly", "path=/", "secure"],
            H3Version::V2 => &["httponly", "max-age=0", "path=/", "samesite=lax", "secure"],
        };
        assert_eq!(attributes(ours[0]), expected, "{v:?}: {}", ours[0]);
    }
}

#[test]
fn header_comes_before_the_cookie_and_an_empty_header_falls_back() {
    let v = H3Version::V2;
    let node = node_counter(v, &[]);
    let rust = RustServer::start(h3_config(v));
    // Session A at 1 (from h3), session B at 2.
    let a = visit(node.addr, "/", None).h3_cookie().unwrap();
    let b1 = visit(node.addr, "/", None).h3_cookie().unwrap();
    let b = visit(rust.addr, "/", Some(&b1)).h3_cookie().unwrap();

    let cookie = format!("h3={b}");
    let by_header = get(
        rust.addr,
        "/",
        &[("x-h3-session", a.as_str()), ("cookie", cookie.as_str())],
    );
    assert_eq!(
        by_header.body,
        count_body(2),
        "the header's session (A) wins"
    );
    let by_cookie = get(
        rust.addr,
        "/",
        &[("x-h3-session", ""), ("cookie", cookie.as_str())],
    );
    assert_eq!(
        by_cookie.body,
        count_body(3),
        "empty header: the cookie (B)"
    );
    // h3 agrees on both.
    let node_header = get(
        node.addr,
        "/",
        &[("x-h3-session", a.as_str()), ("cookie", cookie.as_str())],
    );
    assert_eq!(node_header.body, count_body(2));
}

#[test]
fn expires_is_created_at_plus_max_age_and_never_moves() {
    for v in [H3Version::V1, H3Version::V2] {
        let clock = ManualClock::new(1_700_000_000_000);
        let config = h3_config(v)
            .with_max_age(Duration::from_mins(1))
            .with_clock(clock.clone());
        let rust = RustServer::start(config);
        let first = visit(rust.addr, "/", None);
        let set_cookie = first.set_cookies()[0].to_owned();
        // 1_700_000_060_000 ms.
        assert!(
            set_cookie.contains("Expires=Tue, 14 Nov 2023 22:14:20 GMT"),
            "{set_cookie}"
        );
        assert!(!set_cookie.contains("Max-Age"), "{set_cookie}");
        clock.advance(Duration::from_secs(30));
        let second = visit(rust.addr, "/", Some(&first.h3_cookie().unwrap()));
        assert_eq!(second.body, count_body(2));
        assert!(
            second.set_cookies()[0].contains("Expires=Tue, 14 Nov 2023 22:14:20 GMT"),
            "an update does not extend the lifetime"
        );
        clock.advance(Duration::from_millis(30_001));
        let expired = visit(rust.addr, "/", Some(&second.h3_cookie().unwrap()));
        assert_eq!(expired.body, count_body(1), "+60.001 s: a new session");

        // The same cookie attributes as h3 with maxAge.
        let node = node_counter(v, &["--max-age", "60"]);
        let theirs = visit(node.addr, "/", None);
        assert_eq!(attributes(&set_cookie), attributes(theirs.set_cookies()[0]));
    }
}
