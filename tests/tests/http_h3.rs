//! h3's session tests (`test/session.test.ts`, v1 and v2), ported to the
//! axum layer: a real server on an ephemeral loopback port, a real HTTP
//! client with a cookie jar, and a `ManualClock` instead of sleeps.
//!
//! One deliberate difference: h3's `useSession` writes a new session's
//! cookie even when nothing was stored; here nothing is written until the
//! session changes (a read-only first request sets no cookie), so the
//! "initiates session" case writes a field.

#![allow(clippy::disallowed_names, reason = "h3's tests store `foo`")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use http::header::COOKIE;
use session_runtime::axum::SessionLayer;
use session_runtime::transport::{CookieOptions, Transport};
use session_runtime::{Key, ManualClock, SameSite, Session, SessionConfig};
use session_tests::http::{Reply, Server, client, jar, plain_client, send, serve};

#[derive(Session)]
#[session(cookie = "h3-test")]
struct H3 {
    foo: Option<String>,
    #[session(default)]
    hits: u32,
}

fn show(s: &Session<H3>) -> String {
    format!(
        "id={} foo={} hits={}",
        s.id(),
        s.foo().map_or("-", String::as_str),
        s.hits()
    )
}

async fn read(s: Session<H3>) -> String {
    show(&s)
}

async fn hit(mut s: Session<H3>) -> String {
    s.set_hits(s.hits() + 1);
    show(&s)
}

async fn set(mut s: Session<H3>, Path(foo): Path<String>) -> String {
    s.set_foo(foo);
    show(&s)
}

async fn three(a: Session<H3>, b: Session<H3>, c: Session<H3>) -> String {
    format!("{}|{}|{}", show(&a), show(&b), show(&c))
}

async fn two_writers(mut a: Session<H3>, mut b: Session<H3>) -> String {
    a.set_foo("from-a");
    b.set_hits(b.hits() + 10);
    "ok".to_owned()
}

async fn clear(mut s: Session<H3>) -> &'static str {
    s.clear();
    "cleared"
}

async fn create_401(mut s: Session<H3>) -> (StatusCode, String) {
    s.set_hits(1);
    (StatusCode::UNAUTHORIZED, show(&s))
}

async fn read_400(s: Session<H3>) -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, show(&s))
}

async fn clear_403(mut s: Session<H3>) -> StatusCode {
    s.clear();
    StatusCode::FORBIDDEN
}

struct Env {
    server: Server,
    clock: ManualClock,
    /// The clock's start, whole seconds, in ms.
    t0: u64,
    /// With a cookie jar.
    client: reqwest::Client,
    /// Without one.
    plain: reqwest::Client,
}

/// The session id a reply's body shows.
fn id(reply: &Reply) -> &str {
    reply
        .body
        .split_whitespace()
        .next()
        .and_then(|w| w.strip_prefix("id="))
        .unwrap_or_else(|| panic!("no id in {:?}", reply.body))
}

/// The app with the default cookie options.
async fn env(tweak: impl FnOnce(SessionConfig<H3>) -> SessionConfig<H3>) -> Env {
    env_with(tweak, CookieOptions::new()).await
}

/// The app, its session configured by `tweak` and its cookie by `options`.
async fn env_with(
    tweak: impl FnOnce(SessionConfig<H3>) -> SessionConfig<H3>,
    options: CookieOptions,
) -> Env {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        * 1000;
    let clock = ManualClock::new(now);
    let counter = Arc::new(AtomicU64::new(0));
    let config = SessionConfig::<H3>::new(
        Key::derive("1234567123456712345671234567123456712345671234567").unwrap(),
    )
    .with_clock(clock.clone())
    .with_id_generator(move || (counter.fetch_add(1, Ordering::SeqCst) + 1).to_string());
    let app = Router::new()
        .route("/", get(read))
        .route("/hit", get(hit))
        .route("/set/{foo}", get(set))
        .route("/three", get(three))
        .route("/two-writers", get(two_writers))
        .route("/clear", get(clear))
        .route("/create-401", get(create_401))
        .route("/read-400", get(read_400))
        .route("/clear-403", get(clear_403))
        .layer(SessionLayer::from_transport(
            Transport::new(tweak(config)).with_cookie(options),
        ));
    Env {
        server: serve(app).await,
        clock,
        t0: now,
        client: client(Some(jar()), true),
        plain: plain_client(),
    }
}

impl Env {
    /// With the cookie jar.
    async fn get(&self, path: &str) -> Reply {
        send(self.client.get(self.server.url(path))).await
    }

    /// Without the jar, sending this cookie value.
    async fn get_with_cookie(&self, path: &str, sealed: &str) -> Reply {
        let request = self
            .plain
            .get(self.server.url(path))
            .header(COOKIE, format!("h3-test={sealed}"));
        send(request).await
    }

    /// Without the jar, sending this sealed value in the session header.
    async fn get_with_header(&self, path: &str, sealed: &str) -> Reply {
        let request = self
            .plain
            .get(self.server.url(path))
            .header("x-h3-test-session", sealed);
        send(request).await
    }

    fn at(&self, secs: u64) {
        self.clock.set_ms(self.t0 + secs * 1000);
    }

    fn at_ms(&self, ms: u64) {
        self.clock.set_ms(self.t0 + ms);
    }

    /// `Expires` as seconds after the start.
    fn expires_after(&self, reply: &Reply) -> i64 {
        let cookie = reply.cookie();
        let at = cookie.expires_datetime().expect("an Expires attribute");
        at.unix_timestamp() - i64::try_from(self.t0 / 1000).unwrap()
    }
}

#[tokio::test]
async fn initiates_session() {
    let env = env(|c| c).await;
    let first = env.get("/hit").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.cookies.len(), 1);
    assert_eq!(first.body, "id=1 foo=- hits=1");
    // Not h3: a read-only first request writes no cookie.
    let env = self::env(|c| c).await;
    let read = env.get("/").await;
    assert!(read.cookies.is_empty());
}

#[tokio::test]
async fn gets_same_session_back() {
    let env = env(|c| c).await;
    env.get("/hit").await;
    let again = env.get("/").await;
    assert_eq!(again.body, "id=1 foo=- hits=1");
    assert!(again.cookies.is_empty());
}

#[tokio::test]
async fn set_session_data() {
    let env = env(|c| c).await;
    let set = env.get("/set/bar").await;
    assert_eq!(set.cookies.len(), 1);
    assert_eq!(set.body, "id=1 foo=bar hits=0");
    assert_eq!(env.get("/").await.body, "id=1 foo=bar hits=0");
}

#[tokio::test]
async fn gets_same_session_back_concurrent() {
    let env = env(|c| c).await;
    env.get("/set/bar").await;
    let reply = env.get("/three").await;
    let one = "id=1 foo=bar hits=0";
    assert_eq!(reply.body, format!("{one}|{one}|{one}"));
    assert!(reply.cookies.is_empty());
}

#[tokio::test]
async fn two_extractions_in_one_handler_keep_both_writes() {
    let env = env(|c| c).await;
    env.get("/hit").await;
    let reply = env.get("/two-writers").await;
    assert_eq!(reply.cookies.len(), 1);
    assert_eq!(env.get("/").await.body, "id=1 foo=from-a hits=11");
}

#[tokio::test]
async fn same_site_default_and_override() {
    let env = env(|c| c).await;
    let cookie = env.get("/hit").await.cookie();
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Lax));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.path(), Some("/"));
    let env = env_with(|c| c, CookieOptions::new().with_same_site(SameSite::Strict)).await;
    assert_eq!(
        env.get("/hit").await.cookie().same_site(),
        Some(cookie::SameSite::Strict)
    );
    let env = env_with(|c| c, CookieOptions::new().with_same_site(None)).await;
    assert_eq!(env.get("/hit").await.cookie().same_site(), None);
}

#[tokio::test]
async fn clear_sets_max_age_zero() {
    let env = env(|c| c).await;
    env.get("/hit").await;
    let cleared = env.get("/clear").await;
    let cookie = cleared.cookie();
    assert_eq!(cookie.value(), "");
    assert_eq!(cookie.max_age(), Some(cookie::time::Duration::ZERO));
    // The jar dropped it: the next request starts over. (`clear()` took id 2
    // from the generator for the cleared session, so the fresh one is 3.)
    assert_eq!(env.get("/").await.body, "id=3 foo=- hits=0");
}

#[tokio::test]
async fn idle_timeout_slides() {
    let env = env(|c| c.with_idle_timeout(Duration::from_mins(1))).await;
    env.get("/hit").await;
    env.at(45);
    let slid = env.get("/hit").await;
    assert_eq!(env.expires_after(&slid), 105);
    env.at(90);
    assert_eq!(env.get("/hit").await.body, "id=1 foo=- hits=3");
}

#[tokio::test]
async fn idle_timeout_expires_at_exactly_the_window() {
    let env = env(|c| c.with_idle_timeout(Duration::from_mins(1))).await;
    let first = env.get("/hit").await;
    let sealed = first.cookie().value().to_owned();
    env.at(59);
    assert_eq!(id(&env.get_with_cookie("/", &sealed).await), "1");
    env.at_ms(60_000);
    assert_eq!(id(&env.get_with_cookie("/", &sealed).await), "1");
    env.at_ms(60_001);
    assert_ne!(id(&env.get_with_cookie("/", &sealed).await), "1");
    env.at(61);
    assert_ne!(id(&env.get_with_cookie("/", &sealed).await), "1");
}

#[tokio::test]
async fn max_age_with_idle_timeout() {
    let env = env(|c| {
        c.with_max_age(Duration::from_mins(2))
            .with_idle_timeout(Duration::from_mins(1))
    })
    .await;
    env.get("/hit").await;
    env.at(45);
    assert_eq!(env.expires_after(&env.get("/hit").await), 105);
    env.at(90);
    assert_eq!(env.expires_after(&env.get("/hit").await), 120);
    env.at(121);
    let late = env.get("/").await;
    assert_ne!(id(&late), "1");
    assert_eq!(late.body, "id=2 foo=- hits=0");
}

#[tokio::test]
async fn header_session_is_never_resealed() {
    let env = env(|c| c.with_idle_timeout(Duration::from_mins(1))).await;
    let sealed = env.get("/hit").await.cookie().value().to_owned();
    env.at(45);
    let read = env.get_with_header("/", &sealed).await;
    assert_eq!(id(&read), "1");
    assert!(read.cookies.is_empty());
    env.at(90);
    assert_ne!(id(&env.get_with_header("/", &sealed).await), "1");
}

#[tokio::test]
async fn max_age_without_idle_timeout() {
    let env = env(|c| c.with_max_age(Duration::from_mins(1))).await;
    env.get("/hit").await;
    env.at(59);
    let read = env.get("/").await;
    assert_eq!(id(&read), "1");
    assert!(read.cookies.is_empty());
    env.at(61);
    assert_ne!(id(&env.get("/").await), "1");
}

#[tokio::test]
async fn throttles_reseals() {
    let env = env(|c| c.with_idle_timeout(Duration::from_mins(1))).await;
    assert_eq!(env.get("/hit").await.cookies.len(), 1);
    env.at(10);
    assert!(env.get("/").await.cookies.is_empty());
    let write = env.get("/hit").await;
    assert_eq!(env.expires_after(&write), 70);
    env.at(45);
    let slide = env.get("/").await;
    assert_eq!(env.expires_after(&slide), 105);
    env.at(100);
    assert_eq!(env.get("/").await.body, "id=1 foo=- hits=2");
}

#[tokio::test]
async fn idle_sign_out_between_half_and_full_window() {
    let env = env(|c| c.with_idle_timeout(Duration::from_mins(1))).await;
    env.get("/hit").await;
    env.at(29);
    assert!(env.get("/").await.cookies.is_empty());
    env.at(61);
    assert_ne!(id(&env.get("/").await), "1");
}

#[tokio::test]
async fn session_created_on_error_response_is_kept() {
    let env = env(|c| c).await;
    let failed = env.get("/create-401").await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed.cookies.len(), 1);
    assert_eq!(env.get("/").await.body, "id=1 foo=- hits=1");
}

#[tokio::test]
async fn idle_timeout_slides_on_error_responses() {
    let env = env(|c| c.with_idle_timeout(Duration::from_mins(1))).await;
    env.get("/hit").await;
    env.at(45);
    let failed = env.get("/read-400").await;
    assert_eq!(failed.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.expires_after(&failed), 105);
}

#[tokio::test]
async fn clear_on_error_response_removes_once() {
    let env = env(|c| c).await;
    env.get("/hit").await;
    let failed = env.get("/clear-403").await;
    assert_eq!(failed.status, StatusCode::FORBIDDEN);
    assert_eq!(failed.cookies.len(), 1);
    assert_eq!(
        failed.cookie().max_age(),
        Some(cookie::time::Duration::ZERO)
    );
    assert_ne!(id(&env.get("/").await), "1");
}
