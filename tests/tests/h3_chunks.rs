//! h3 v2's chunked session cookies, against the real h3 v2 (`interop/h3/counter.mjs`)
//! over HTTP on loopback: a session too large for one cookie, written as `h3=__chunked__N`
//! and `h3.1` ... `h3.N` by either side, is read by the other; both write the same cookie
//! names in the same order, with the same attributes, when a session grows, shrinks or is
//! cleared (the removal of stale chunks included); a missing chunk gives both a fresh
//! session. h3 v1 never chunks, and neither does the h3 v1 format.
//!
//! Requires `interop/h3/setup.sh`; the tests fail, not skip, without it.

use axum::Router;
use axum::extract::RawQuery;
use axum::routing::get;
use http::StatusCode;
use http::header::COOKIE;
use session_runtime::axum::SessionLayer;
use session_runtime::h3::H3Version;
use session_runtime::h3::iron::DEFAULT_MAX_SEAL_LEN;
use session_runtime::transport::MAX_CHUNKED_LEN;
use session_runtime::transport::Transport;
use session_runtime::{Session, SessionConfig};
use session_tests::http::{Cookies, Reply, Server, plain_client, send, serve};
use session_tests::node::{NodeServer, P, flag};

/// The keys of `counter.mjs`'s session data.
#[derive(Session)]
struct Data {
    #[session(default)]
    count: u32,
    big: Option<String>,
}

async fn index(mut s: Session<Data>) -> String {
    let count = s.count() + 1;
    s.set_count(count);
    format!("Hello world! You have visited this page {count} times.")
}

/// `n` from a query `n=N`.
fn n(query: Option<&str>) -> usize {
    query
        .and_then(|q| q.strip_prefix("n="))
        .and_then(|n| n.parse().ok())
        .expect("a query n=N")
}

async fn big(mut s: Session<Data>, RawQuery(query): RawQuery) -> String {
    let n = n(query.as_deref());
    s.set_big("x".repeat(n));
    format!("big {n}")
}

async fn small(mut s: Session<Data>) -> &'static str {
    s.unset_big();
    "small"
}

async fn clear(mut s: Session<Data>) -> &'static str {
    s.clear();
    "Session cleared"
}

/// The session as `counter.mjs`'s `/data` shows it: `{id, data}`.
async fn data(s: Session<Data>) -> String {
    let mut data = serde_json::Map::new();
    if *s.count() > 0 {
        data.insert("count".into(), (*s.count()).into());
    }
    if let Some(big) = s.big() {
        data.insert("big".into(), big.as_str().into());
    }
    serde_json::json!({ "id": s.id(), "data": data }).to_string()
}

/// The Rust side: the routes of `counter.mjs`, on the h3 format of `v`.
async fn rust_app(v: H3Version) -> Server {
    let config = SessionConfig::<Data>::h3(v, P).unwrap();
    let app = Router::new()
        .route("/", get(index))
        .route("/big", get(big))
        .route("/small", get(small))
        .route("/clear", get(clear))
        .route("/data", get(data))
        .layer(SessionLayer::from_transport(Transport::new(config)));
    serve(app).await
}

fn node_app(v: H3Version) -> NodeServer {
    NodeServer::start("counter.mjs", &["--version", flag(v), "--password", P])
}

/// `GET path` with `cookies`.
async fn get_with(server: &Server, path: &str, cookies: &Cookies) -> Reply {
    let mut request = plain_client().get(server.url(path));
    if !cookies.names().is_empty() {
        request = request.header(COOKIE, cookies.header());
    }
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
    reply
}

/// The session `/data` shows (either side): its id and the length of
/// `data.big`, if any.
async fn view(server: &Server, cookies: &Cookies) -> (String, Option<usize>, u64) {
    let reply = get_with(server, "/data", cookies).await;
    assert!(reply.cookies.is_empty(), "/data writes nothing");
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    (
        json["id"].as_str().unwrap().to_owned(),
        json["data"]["big"].as_str().map(str::len),
        json["data"]["count"].as_u64().unwrap_or(0),
    )
}

/// `h3` and its `n` chunks, in the order they are written.
fn chunked_names(n: usize) -> Vec<String> {
    std::iter::once("h3".to_owned())
        .chain((1..=n).map(|i| format!("h3.{i}")))
        .collect()
}

/// The attributes of a `Set-Cookie` after `name=value`, lowercased, sorted.
fn attributes(set_cookie: &str) -> Vec<String> {
    let mut attrs: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    attrs.sort();
    attrs
}

/// Both replies set the same cookies, in the same order, with the same
/// attributes (the values differ: each side seals with its own salts).
fn assert_same_lines(ours: &Reply, theirs: &Reply, what: &str) {
    assert_eq!(ours.cookie_names(), theirs.cookie_names(), "{what}");
    for (o, t) in ours.cookies.iter().zip(&theirs.cookies) {
        assert_eq!(attributes(o), attributes(t), "{what}: {o} / {t}");
        let removal = |line: &str| line.split(';').next().unwrap().ends_with('=');
        assert_eq!(removal(o), removal(t), "{what}: {o} / {t}");
    }
}

#[tokio::test]
async fn a_session_h3_chunks_is_read_by_rust_and_written_back_for_h3() {
    let v = H3Version::V2;
    let node = node_app(v);
    let rust = rust_app(v).await;

    // h3 writes 5000 characters as three cookies (h3's own test: `h3-test`,
    // `h3-test.1`, `h3-test.2`).
    let theirs = get_with(&node.server, "/big?n=5000", &Cookies::new()).await;
    assert_eq!(
        theirs.cookie_names(),
        chunked_names(2),
        "{:?}",
        theirs.cookies
    );
    assert_eq!(theirs.pairs()[0].1, "__chunked__2");
    let mut cookies = Cookies::from_reply(&theirs);
    let (id, big, _) = view(&node.server, &cookies).await;
    assert_eq!(big, Some(5000));

    // Rust joins h3's chunks.
    assert_eq!(view(&rust, &cookies).await, (id.clone(), Some(5000), 0));
    // and writes the session back chunked, as h3 would.
    let ours = get_with(&rust, "/", &cookies).await;
    assert_eq!(
        ours.body,
        "Hello world! You have visited this page 1 times."
    );
    let again = get_with(&node.server, "/big?n=5000", &cookies).await;
    assert_same_lines(&ours, &again, "a chunked write");
    cookies.apply(&ours);

    // h3 reads Rust's chunks: the key only h3 wrote survived.
    assert_eq!(
        view(&node.server, &cookies).await,
        (id.clone(), Some(5000), 1)
    );
    let next = get_with(&node.server, "/", &cookies).await;
    assert_eq!(
        next.body,
        "Hello world! You have visited this page 2 times."
    );
    cookies.apply(&next);
    assert_eq!(view(&rust, &cookies).await, (id, Some(5000), 2));
}

#[tokio::test]
async fn a_session_rust_chunks_is_read_by_h3() {
    let v = H3Version::V2;
    let node = node_app(v);
    let rust = rust_app(v).await;

    let ours = get_with(&rust, "/big?n=5000", &Cookies::new()).await;
    let theirs = get_with(&node.server, "/big?n=5000", &Cookies::new()).await;
    assert_same_lines(&ours, &theirs, "the same data, chunked alike");
    assert_eq!(ours.cookie_names(), chunked_names(2));
    for (name, value) in ours.pairs().iter().skip(1) {
        assert!(value.len() <= 4000, "{name}: {}", value.len());
    }
    assert_eq!(ours.pairs()[1].1.len(), 4000);

    let mut cookies = Cookies::from_reply(&ours);
    let (id, big, _) = view(&rust, &cookies).await;
    assert_eq!(big, Some(5000));
    assert_eq!(
        view(&node.server, &cookies).await,
        (id.clone(), Some(5000), 0)
    );
    let counted = get_with(&node.server, "/", &cookies).await;
    assert_eq!(counted.cookie_names(), chunked_names(2));
    cookies.apply(&counted);
    assert_eq!(view(&rust, &cookies).await, (id, Some(5000), 1));
}

#[tokio::test]
async fn shrinking_and_clearing_remove_the_same_chunks_as_h3() {
    let v = H3Version::V2;
    let node = node_app(v);
    let rust = rust_app(v).await;
    // Three chunks, written by h3.
    let three = Cookies::from_reply(&get_with(&node.server, "/big?n=7000", &Cookies::new()).await);
    assert_eq!(three.names(), ["h3", "h3.1", "h3.2", "h3.3"]);

    // Three to two: `h3.3` is removed first.
    let ours = get_with(&rust, "/big?n=4000", &three).await;
    let theirs = get_with(&node.server, "/big?n=4000", &three).await;
    assert_same_lines(&ours, &theirs, "three chunks to two");
    let mut expected = vec!["h3.3".to_owned()];
    expected.extend(chunked_names(2));
    assert_eq!(ours.cookie_names(), expected);

    // Three to one cookie: every chunk is removed, then the plain cookie.
    let ours = get_with(&rust, "/small", &three).await;
    let theirs = get_with(&node.server, "/small", &three).await;
    assert_same_lines(&ours, &theirs, "unchunked again");
    assert_eq!(ours.cookie_names(), ["h3.1", "h3.2", "h3.3", "h3"]);
    let mut cookies = three.clone();
    cookies.apply(&ours);
    assert_eq!(cookies.names(), ["h3"]);
    assert_eq!(
        view(&node.server, &cookies).await.1,
        None,
        "h3 reads the shrunk session"
    );

    // Cleared: the main cookie, then every chunk.
    let ours = get_with(&rust, "/clear", &three).await;
    let theirs = get_with(&node.server, "/clear", &three).await;
    assert_same_lines(&ours, &theirs, "clear");
    assert_eq!(ours.cookie_names(), chunked_names(3));
}

#[tokio::test]
async fn a_missing_chunk_gives_both_sides_a_fresh_session() {
    let v = H3Version::V2;
    let node = node_app(v);
    let rust = rust_app(v).await;
    let whole = Cookies::from_reply(&get_with(&node.server, "/big?n=5000", &Cookies::new()).await);
    let (id, ..) = view(&node.server, &whole).await;
    let mut broken = whole.clone();
    broken.remove("h3.2");
    for server in [&node.server, &rust] {
        let (fresh, big, _) = view(server, &broken).await;
        assert_ne!(fresh, id, "{}", server.base);
        assert_eq!(big, None, "{}", server.base);
    }
}

#[tokio::test]
async fn h3_v1_never_chunks_and_neither_does_its_format() {
    let v = H3Version::V1;
    let node = node_app(v);
    let rust = rust_app(v).await;
    let theirs = get_with(&node.server, "/big?n=5000", &Cookies::new()).await;
    assert_eq!(
        theirs.cookie_names(),
        ["h3"],
        "h3 v1 writes one oversized cookie"
    );
    // The h3 v1 format refuses it rather than letting browsers drop it.
    let ours = send(plain_client().get(rust.url("/big?n=5000"))).await;
    assert_eq!(ours.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(ours.cookies.is_empty());

    let config = |v| SessionConfig::<Data>::h3(v, P).unwrap();
    assert_eq!(Transport::new(config(H3Version::V1)).chunking(), None);
    assert_eq!(
        Transport::new(config(H3Version::V2)).chunking(),
        Some(DEFAULT_MAX_SEAL_LEN),
        "h3 v2 chunks up to what its codec opens again"
    );
}

#[tokio::test]
async fn rust_reads_back_every_chunked_session_it_writes_and_refuses_larger_ones() {
    let rust = rust_app(H3Version::V2).await;
    // 40 000 characters seal to about 53 600 bytes: 14 chunks.
    let written = get_with(&rust, "/big?n=40000", &Cookies::new()).await;
    assert_eq!(written.cookie_names(), chunked_names(14));
    let cookies = Cookies::from_reply(&written);
    assert_eq!(view(&rust, &cookies).await.1, Some(40_000));
    // 60 000 would seal to about 80 000 bytes, more than the codec opens
    // (64 KiB): refused when saving, rather than written and lost.
    let refused = send(plain_client().get(rust.url("/big?n=60000"))).await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(refused.cookies.is_empty());
    // h3 itself would write it.
    const { assert!(MAX_CHUNKED_LEN > DEFAULT_MAX_SEAL_LEN) };
}
