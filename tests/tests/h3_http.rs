//! One cookie shared over HTTP by the real h3 (`interop/h3/counter.mjs`, h3's
//! handle-session example on `useSession`) and the Rust `counter` example
//! (`session_examples::counter`) on loopback: three hops each way, a key only h3 knows
//! surviving the Rust hop, h3's cookie attributes and clearing per version, header before
//! cookie, and `Expires` from `createdAt`. Both servers are reached with the harness's one
//! client.
//!
//! Requires `interop/h3/setup.sh`; the tests fail, not skip, without it.

use std::time::Duration;

use session_examples::counter::{self, Counter};
use session_runtime::h3::H3Version;
use session_runtime::{ManualClock, SessionConfig};
use session_tests::http::{Reply, Server, plain_client, send, serve};
use session_tests::node::{NodeServer, P, flag};

fn h3_config(v: H3Version) -> SessionConfig<Counter> {
    SessionConfig::<Counter>::h3(v, P).unwrap()
}

fn node_counter(v: H3Version, extra: &[&str]) -> NodeServer {
    let mut args = vec!["--version", flag(v), "--password", P];
    args.extend_from_slice(extra);
    NodeServer::start("counter.mjs", &args)
}

/// `GET path` with `headers` (`(name, value)` pairs), as the plain client sends it.
async fn get(server: &Server, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = plain_client().get(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(request).await
}

/// `GET path`, with the `h3` cookie when given; it must answer 200.
async fn visit(server: &Server, path: &str, cookie: Option<&str>) -> Reply {
    let header = cookie.map(|c| format!("h3={c}"));
    let headers: Vec<(&str, &str)> = header.iter().map(|h| ("cookie", h.as_str())).collect();
    let response = get(server, path, &headers).await;
    assert_eq!(response.status, 200, "{path}: {response:?}");
    response
}

/// The value of the one `h3` cookie `reply` sets, if it sets one.
fn h3_cookie(reply: &Reply) -> Option<String> {
    reply.cookie_value("h3")
}

fn count_body(n: u32) -> String {
    format!("Hello world! You have visited this page {n} times.")
}

/// The session as h3 sees it: `{id, createdAt, data}`.
async fn node_view(node: &NodeServer, cookie: &str) -> serde_json::Value {
    let response = visit(&node.server, "/data", Some(cookie)).await;
    assert!(response.cookies.is_empty(), "/data writes nothing");
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

/// The Rust counter (the `counter` example's app) with `config`, on a loopback port.
async fn rust_counter(config: SessionConfig<Counter>) -> Server {
    serve(counter::app(config)).await
}

#[tokio::test]
async fn node_rust_node_three_hops_share_one_cookie() {
    for v in [H3Version::V1, H3Version::V2] {
        let node = node_counter(v, &[]);
        let rust = rust_counter(h3_config(v)).await;

        let first = visit(&node.server, "/", None).await;
        assert_eq!(first.body, count_body(1));
        let c1 = h3_cookie(&first).expect("h3 sets the cookie");
        let born = node_view(&node, &c1).await;
        assert_eq!(born["data"]["fromNode"], "set-by-h3");

        let second = visit(&rust, "/", Some(&c1)).await;
        assert_eq!(
            second.body,
            count_body(2),
            "{v:?}: Rust continues h3's count"
        );
        let c2 = h3_cookie(&second).expect("Rust writes the cookie");
        assert_eq!(
            attributes(&second.cookies[0]),
            attributes(&first.cookies[0]),
            "{v:?}: same cookie attributes as h3"
        );

        let third = visit(&node.server, "/", Some(&c2)).await;
        assert_eq!(
            third.body,
            count_body(3),
            "{v:?}: h3 continues Rust's count"
        );
        let c3 = h3_cookie(&third).unwrap();
        let seen = node_view(&node, &c3).await;
        assert_eq!(seen["id"], born["id"], "one session id throughout");
        assert_eq!(seen["createdAt"], born["createdAt"]);
        assert_eq!(
            seen["data"],
            serde_json::json!({"count": 3, "fromNode": "set-by-h3"}),
            "{v:?}: the key only h3 knows survived the Rust hop"
        );

        let fourth = visit(&rust, "/", Some(&c3)).await;
        assert_eq!(fourth.body, count_body(4));
    }
}

#[tokio::test]
async fn rust_node_rust_three_hops() {
    for v in [H3Version::V1, H3Version::V2] {
        let node = node_counter(v, &[]);
        let rust = rust_counter(h3_config(v)).await;

        let first = visit(&rust, "/", None).await;
        assert_eq!(first.body, count_body(1));
        let c1 = h3_cookie(&first).unwrap();
        let born = node_view(&node, &c1).await;
        assert_eq!(born["data"], serde_json::json!({"count": 1}));
        let id = born["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36, "a UUID like h3's: {id}");

        let second = visit(&node.server, "/", Some(&c1)).await;
        assert_eq!(second.body, count_body(2));
        let c2 = h3_cookie(&second).unwrap();

        let third = visit(&rust, "/", Some(&c2)).await;
        assert_eq!(third.body, count_body(3));
        let c3 = h3_cookie(&third).unwrap();
        let seen = node_view(&node, &c3).await;
        assert_eq!(seen["id"], id.as_str());
        assert_eq!(
            seen["data"],
            serde_json::json!({"count": 3, "fromNode": "set-by-h3"})
        );
    }
}

#[tokio::test]
async fn clear_removes_the_cookie_as_each_version_does() {
    for v in [H3Version::V1, H3Version::V2] {
        let node = node_counter(v, &[]);
        let rust = rust_counter(h3_config(v)).await;
        let cookie = h3_cookie(&visit(&rust, "/", None).await).unwrap();

        let ours = visit(&rust, "/clear", Some(&cookie)).await;
        let theirs = visit(&node.server, "/clear", Some(&cookie)).await;
        assert_eq!(ours.body, "Session cleared");
        let (ours, theirs) = (ours.cookies, theirs.cookies);
        assert_eq!(ours.len(), 1);
        assert!(ours[0].starts_with("h3=;"), "{}", ours[0]);
        assert_eq!(attributes(&ours[0]), attributes(&theirs[0]), "{v:?}");
        let expected: &[&str] = match v {
            H3Version::V1 => &["httponly", "path=/", "secure"],
            H3Version::V2 => &["httponly", "max-age=0", "path=/", "samesite=lax", "secure"],
        };
        assert_eq!(attributes(&ours[0]), expected, "{v:?}: {}", ours[0]);
    }
}

#[tokio::test]
async fn header_comes_before_the_cookie_and_an_empty_header_falls_back() {
    let v = H3Version::V2;
    let node = node_counter(v, &[]);
    let rust = rust_counter(h3_config(v)).await;
    // Session A at 1 (from h3), session B at 2.
    let a = h3_cookie(&visit(&node.server, "/", None).await).unwrap();
    let b1 = h3_cookie(&visit(&node.server, "/", None).await).unwrap();
    let b = h3_cookie(&visit(&rust, "/", Some(&b1)).await).unwrap();

    let cookie = format!("h3={b}");
    let by_header = get(
        &rust,
        "/",
        &[("x-h3-session", a.as_str()), ("cookie", cookie.as_str())],
    )
    .await;
    assert_eq!(
        by_header.body,
        count_body(2),
        "the header's session (A) wins"
    );
    let by_cookie = get(
        &rust,
        "/",
        &[("x-h3-session", ""), ("cookie", cookie.as_str())],
    )
    .await;
    assert_eq!(
        by_cookie.body,
        count_body(3),
        "empty header: the cookie (B)"
    );
    // h3 agrees on both.
    let node_header = get(
        &node.server,
        "/",
        &[("x-h3-session", a.as_str()), ("cookie", cookie.as_str())],
    )
    .await;
    assert_eq!(node_header.body, count_body(2));
}

#[tokio::test]
async fn expires_is_created_at_plus_max_age_and_never_moves() {
    for v in [H3Version::V1, H3Version::V2] {
        let clock = ManualClock::new(1_700_000_000_000);
        let config = h3_config(v)
            .with_max_age(Duration::from_mins(1))
            .with_clock(clock.clone());
        let rust = rust_counter(config).await;
        let first = visit(&rust, "/", None).await;
        let set_cookie = first.cookies[0].clone();
        // 1_700_000_060_000 ms.
        assert!(
            set_cookie.contains("Expires=Tue, 14 Nov 2023 22:14:20 GMT"),
            "{set_cookie}"
        );
        assert!(!set_cookie.contains("Max-Age"), "{set_cookie}");
        clock.advance(Duration::from_secs(30));
        let second = visit(&rust, "/", Some(&h3_cookie(&first).unwrap())).await;
        assert_eq!(second.body, count_body(2));
        assert!(
            second.cookies[0].contains("Expires=Tue, 14 Nov 2023 22:14:20 GMT"),
            "an update does not extend the lifetime"
        );
        clock.advance(Duration::from_millis(30_001));
        let expired = visit(&rust, "/", Some(&h3_cookie(&second).unwrap())).await;
        assert_eq!(expired.body, count_body(1), "+60.001 s: a new session");

        // The same cookie attributes as h3 with maxAge.
        let node = node_counter(v, &["--max-age", "60"]);
        let theirs = visit(&node.server, "/", None).await;
        assert_eq!(attributes(&set_cookie), attributes(&theirs.cookies[0]));
    }
}
