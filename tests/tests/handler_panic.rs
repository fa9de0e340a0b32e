//! A handler that panics saves nothing (issue 12, finding 4): with
//! tower-http's `CatchPanicLayer` inside the session layer, the panic
//! becomes a `500`, and that response must carry none of the handler's
//! partial writes, in cookie mode and in store mode, whether the session
//! was being written by the copy that panicked or by an earlier copy.

use axum::Router;
use axum::routing::get;
use http::StatusCode;
use http::header::COOKIE;
use session_runtime::axum::SessionLayer;
use session_runtime::store::MemoryStore;
use session_runtime::{Key, Session, SessionConfig};
use session_tests::http::{Reply, SECRET, Server, plain_client, send, serve};
use tower_http::catch_panic::CatchPanicLayer;

#[derive(Session)]
#[session(cookie = "sid")]
struct App {
    #[session(default)]
    count: u32,
    user: Option<String>,
}

async fn hit(mut s: Session<App>) -> String {
    let count = s.count() + 1;
    s.set_count(count);
    format!(
        "count={count} user={}",
        s.user().map_or("-", String::as_str)
    )
}

async fn read(s: Session<App>) -> String {
    format!(
        "count={} user={}",
        s.count(),
        s.user().map_or("-", String::as_str)
    )
}

/// Writes, then panics half-way.
async fn half_done(mut s: Session<App>) -> String {
    s.set_count(1000);
    s.set_user("mallory");
    panic!("the handler failed half-way");
}

/// Writes through one copy, drops it (written back as usual), then panics
/// while holding a second copy.
async fn two_copies(mut first: Session<App>, mut second: Session<App>) -> String {
    first.set_user("mallory");
    drop(first);
    second.set_count(1000);
    panic!("the handler failed after its first copy was written back");
}

fn app(config: SessionConfig<App>) -> Router {
    Router::new()
        .route("/hit", get(hit))
        .route("/read", get(read))
        .route("/half-done", get(half_done))
        .route("/two-copies", get(two_copies))
        // The panic-catching layer sits inside the session layer.
        .layer(CatchPanicLayer::new())
        .layer(SessionLayer::new(config))
}

async fn get_with(server: &Server, path: &str, cookie: Option<&str>) -> Reply {
    let mut request = plain_client().get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, format!("sid={cookie}"));
    }
    send(request).await
}

async fn check(config: SessionConfig<App>, mode: &str) {
    let server = serve(app(config)).await;
    let first = get_with(&server, "/hit", None).await;
    assert_eq!(first.body, "count=1 user=-");
    let cookie = first.cookie_value("sid").expect("a session cookie");

    for path in ["/half-done", "/two-copies"] {
        let failed = get_with(&server, path, Some(&cookie)).await;
        assert_eq!(
            failed.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{mode} {path}"
        );
        assert!(
            failed.cookies.is_empty(),
            "{mode} {path}: a panicking handler's writes were saved: {:?}",
            failed.cookies
        );
        // Nothing reached the store either: the session is as it was.
        let next = get_with(&server, "/read", Some(&cookie)).await;
        assert_eq!(next.body, "count=1 user=-", "{mode} {path}");

        // A request without a session that panics starts none.
        let fresh = get_with(&server, path, None).await;
        assert_eq!(fresh.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            fresh.cookies.is_empty(),
            "{mode} {path}: {:?}",
            fresh.cookies
        );
    }
}

#[tokio::test]
async fn a_panicking_handler_saves_nothing_in_cookie_mode() {
    check(SessionConfig::new(Key::derive(SECRET).unwrap()), "cookie").await;
}

#[tokio::test]
async fn a_panicking_handler_saves_nothing_in_store_mode() {
    check(
        SessionConfig::new(Key::derive(SECRET).unwrap()).with_store(MemoryStore::new()),
        "store",
    )
    .await;
}
