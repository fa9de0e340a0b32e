//! End-to-end tests of the example apps and of the layer's edges, on a real
//! server (127.0.0.1:0) with a real HTTP client and cookie jar.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use http::header::{COOKIE, LOCATION};
use session_examples::{counter, login};
use session_runtime::axum::{SessionFailure, SessionLayer, from_parts};
use session_runtime::transport::Transport;
use session_runtime::{Key, ManualClock, Session, SessionConfig, UnsealError};
use session_tests::http::{SECRET, form, jar, jar_client, jar_value, plain_client, send, serve};

fn counter_config() -> SessionConfig<counter::Counter> {
    SessionConfig::new(Key::derive(SECRET).unwrap())
}

fn visits(n: u32) -> String {
    format!("Hello world! You have visited this page {n} times.")
}

#[tokio::test]
async fn counter_counts_and_clears() {
    let server = serve(counter::app(counter_config())).await;
    let c = jar_client(&jar());
    for n in 1..=3 {
        let reply = send(c.get(server.url("/"))).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, visits(n));
    }
    let reply = send(c.get(server.url("/clear"))).await;
    let removal = &reply.cookies[0];
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert_eq!(reply.body, "Session cleared");
    assert_eq!(send(c.get(server.url("/"))).await.body, visits(1));
}

/// `sealed` with one character in the middle changed.
fn tamper(sealed: &str) -> String {
    let mut sealed = sealed.as_bytes().to_vec();
    let at = sealed.len() / 2;
    sealed[at] = if sealed[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(sealed).unwrap()
}

#[tokio::test]
async fn tampered_cookie_gives_fresh_session_and_200() {
    // The counter example: a fresh session, and a 200.
    let server = serve(counter::app(counter_config())).await;
    let jar = jar();
    let c = jar_client(&jar);
    send(c.get(server.url("/"))).await;
    send(c.get(server.url("/"))).await;
    let sealed = tamper(&jar_value(&jar, &server.base, "counter").unwrap());
    let reply = send(
        plain_client()
            .get(server.url("/"))
            .header(COOKIE, format!("counter={sealed}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, visits(1));

    // The operator hears about it, once. The rejection hook is the
    // transport's, which the example's `app` does not take: the same with
    // an app of this file whose layer carries a hook.
    let rejected = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&rejected);
    let cart = Transport::new(cart_config()).with_rejection_hook(move |error| {
        seen.lock().unwrap().push(error.clone());
    });
    let server = serve(two_type_app_with(cart)).await;
    let jar = self::jar();
    let c = jar_client(&jar);
    send(c.get(server.url("/add"))).await;
    assert_eq!(send(c.get(server.url("/add"))).await.body, "2");
    let sealed = tamper(&jar_value(&jar, &server.base, "cart").unwrap());
    let reply = send(
        plain_client()
            .get(server.url("/add"))
            .header(COOKIE, format!("cart={sealed}")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "1", "a fresh session");
    assert_eq!(*rejected.lock().unwrap(), [UnsealError::Tampered]);
}

#[tokio::test]
async fn header_beats_cookie() {
    let server = serve(counter::app(counter_config())).await;
    // Session A, in the jar, at 3 visits; session B, elsewhere, at 1.
    let jar = jar();
    let a = jar_client(&jar);
    for _ in 0..3 {
        send(a.get(server.url("/"))).await;
    }
    let other = self::jar();
    send(jar_client(&other).get(server.url("/"))).await;
    let b = jar_value(&other, &server.base, "counter").unwrap();

    let plain = plain_client();
    let a_cookie = format!(
        "counter={}",
        jar_value(&jar, &server.base, "counter").unwrap()
    );
    let reply = send(
        plain
            .get(server.url("/"))
            .header(COOKIE, &a_cookie)
            .header("x-counter-session", &b),
    )
    .await;
    assert_eq!(reply.body, visits(2));
    // An empty header falls back to the cookie.
    let reply = send(
        plain
            .get(server.url("/"))
            .header(COOKIE, &a_cookie)
            .header("x-counter-session", ""),
    )
    .await;
    assert_eq!(reply.body, visits(4));
    // A bad header does not: a fresh session.
    let reply = send(
        plain
            .get(server.url("/"))
            .header(COOKIE, &a_cookie)
            .header("x-counter-session", "not-a-seal"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, visits(1));
}

/// Two schemas with their own cookies in one app.
#[derive(Session)]
#[session(cookie = "cart")]
struct Cart {
    #[session(default)]
    items: u32,
    #[session(flash)]
    note: Option<String>,
}

#[derive(Session)]
#[session(cookie = "prefs")]
struct Prefs {
    theme: Option<String>,
}

async fn add(mut cart: Session<Cart>) -> String {
    cart.set_items(cart.items() + 1);
    cart.items().to_string()
}

async fn theme(mut prefs: Session<Prefs>, Path(theme): Path<String>) -> String {
    prefs.set_theme(theme);
    "ok".to_owned()
}

async fn both(cart: Session<Cart>, prefs: Session<Prefs>) -> String {
    format!(
        "items={} theme={}",
        cart.items(),
        prefs.theme().map_or("-", String::as_str)
    )
}

/// Two copies: the first flashes, the second only reads; the flash survives.
async fn flash_then_read(
    mut first: Session<Cart>,
    second: Session<Cart>,
    Path(note): Path<String>,
) -> String {
    first.flash_note(note);
    drop(first);
    let seen = second.note().cloned().unwrap_or_default();
    drop(second);
    seen
}

/// Two copies of a brand-new session: both must be the same session.
async fn two_new_copies(mut first: Session<Cart>, second: Session<Cart>) -> String {
    first.set_items(1);
    format!("{} {}", first.id(), second.id())
}

async fn cart_id(cart: Session<Cart>) -> String {
    cart.id().to_owned()
}

async fn read_note(cart: Session<Cart>) -> String {
    cart.note().cloned().unwrap_or_else(|| "-".to_owned())
}

async fn empty_cart(mut cart: Session<Cart>) -> &'static str {
    cart.clear();
    "emptied"
}

fn cart_config() -> SessionConfig<Cart> {
    SessionConfig::<Cart>::new(Key::derive(SECRET).unwrap())
}

fn two_type_app() -> Router {
    two_type_app_with(Transport::new(cart_config()))
}

/// The two-schema app, carrying `Cart` sessions with `cart`.
fn two_type_app_with(cart: Transport<Cart>) -> Router {
    Router::new()
        .route("/flash/{note}", get(flash_then_read))
        .route("/note", get(read_note))
        .route("/two-new", get(two_new_copies))
        .route("/id", get(cart_id))
        .route("/add", get(add))
        .route("/theme/{theme}", get(theme))
        .route("/both", get(both))
        .route("/empty", get(empty_cart))
        .layer(SessionLayer::from_transport(cart))
        .layer(SessionLayer::new(
            SessionConfig::<Prefs>::new(Key::derive(SECRET).unwrap()).with_max_size(200),
        ))
}

#[tokio::test]
async fn two_session_types_in_one_app() {
    let server = serve(two_type_app()).await;
    let jar = jar();
    let c = jar_client(&jar);
    send(c.get(server.url("/add"))).await;
    send(c.get(server.url("/add"))).await;
    send(c.get(server.url("/theme/dark"))).await;
    assert!(jar_value(&jar, &server.base, "cart").is_some());
    assert!(jar_value(&jar, &server.base, "prefs").is_some());
    assert_eq!(
        send(c.get(server.url("/both"))).await.body,
        "items=2 theme=dark"
    );
    // Clearing one leaves the other.
    send(c.get(server.url("/empty"))).await;
    assert_eq!(
        send(c.get(server.url("/both"))).await.body,
        "items=0 theme=dark"
    );
    // A value sealed for one cookie does not open under the other's name.
    let prefs = jar_value(&jar, &server.base, "prefs").unwrap();
    let reply = send(
        plain_client()
            .get(server.url("/both"))
            .header(COOKIE, format!("cart={prefs}; prefs={prefs}")),
    )
    .await;
    assert_eq!(reply.body, "items=0 theme=dark");
}

#[tokio::test]
async fn session_too_large_is_a_500_not_a_lost_cookie() {
    let server = serve(two_type_app()).await;
    let c = jar_client(&jar());
    let long = "x".repeat(300);
    let reply = send(c.get(server.url(&format!("/theme/{long}")))).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.cookies.is_empty(), "{:?}", reply.cookies);
}

#[tokio::test]
async fn extractor_without_layer_is_a_500() {
    let server = serve(Router::new().route("/add", get(add))).await;
    let reply = send(plain_client().get(server.url("/add"))).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    // The client is told the layer is missing; the operator's message (the
    // rejection's `Display`) names the schema.
    assert_eq!(reply.body, "the session layer is not installed");
    let (parts, ()) = http::Request::new(()).into_parts();
    let rejection = from_parts::<Cart>(&parts).await.unwrap_err();
    assert!(
        matches!(rejection.failure(), SessionFailure::MissingLayer { schema } if schema.ends_with("Cart")),
        "{rejection:?}"
    );
    let message = rejection.to_string();
    assert!(message.contains("no SessionLayer"), "{message}");
}

fn login_config(clock: &ManualClock) -> SessionConfig<login::Auth> {
    SessionConfig::new(Key::derive(SECRET).unwrap()).with_clock(clock.clone())
}

async fn login_form(c: &reqwest::Client, base: &str, password: &str) -> String {
    let reply = send(form(
        c.post(format!("{base}/login")),
        &[("username", "ada"), ("password", password)],
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.url.path(), "/");
    reply.body
}

#[tokio::test]
async fn flash_is_shown_exactly_once() {
    let clock = ManualClock::new(1_700_000_000_000);
    let server = serve(login::app(login_config(&clock))).await;
    let c = jar_client(&jar());
    // 1: log in (POST), then the redirect's page shows the notice.
    let page = login_form(&c, &server.base, "letmein").await;
    assert!(page.contains("Welcome, ada!"), "{page}");
    // 2 and 3: gone.
    for _ in 0..2 {
        let page = send(c.get(server.url("/"))).await.body;
        assert!(!page.contains("Welcome"), "{page}");
        assert!(page.contains("Signed in as <b>ada</b>"), "{page}");
    }
}

#[tokio::test]
async fn login_flow() {
    let clock = ManualClock::new(1_700_000_000_000);
    let config = login_config(&clock);
    let server = serve(login::app(config.clone())).await;
    let base = server.base.as_str();
    let jar = jar();
    let c = jar_client(&jar);
    let plain = plain_client();
    let private_with = |cookie: String| {
        send(
            plain
                .get(server.url("/private"))
                .header(COOKIE, format!("auth={cookie}")),
        )
    };

    // Logged out, the private page redirects home.
    let reply = send(c.get(server.url("/private"))).await;
    assert_eq!(reply.url.path(), "/");

    // A failed login leaves an anonymous session (with its notice).
    let page = login_form(&c, base, "wrong").await;
    assert!(page.contains("Wrong user name or password."), "{page}");
    let before = jar_value(&jar, base, "auth").unwrap();
    let anonymous = Session::<login::Auth>::unseal(&config, &before).unwrap();
    assert!(anonymous.user().is_none());

    // Logging in regenerates the id and sets the user.
    let page = login_form(&c, base, "letmein").await;
    assert!(page.contains("Welcome, ada!"), "{page}");
    let after = jar_value(&jar, base, "auth").unwrap();
    let signed_in = Session::<login::Auth>::unseal(&config, &after).unwrap();
    assert_eq!(signed_in.user().map(String::as_str), Some("ada"));
    assert_ne!(signed_in.id(), anonymous.id());
    let reply = send(c.get(server.url("/private"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains("Only ada can read this."),
        "{}",
        reply.body
    );

    // What "the old id is no longer valid" means for sealed cookies: the
    // pre-login cookie still opens, but only as the anonymous session it
    // was; the login never reaches it.
    let reply = private_with(before.clone()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[LOCATION], "/");

    // Logout destroys the session: the cookie is removed.
    let reply = send(c.post(server.url("/logout"))).await;
    assert_eq!(reply.url.path(), "/");
    assert_eq!(jar_value(&jar, base, "auth"), None);
    let reply = send(c.get(server.url("/private"))).await;
    assert_eq!(reply.url.path(), "/");

    // The limit of stateless cookies: a copy of the logged-in cookie taken
    // before logout still works until its idle timeout (30 minutes)...
    let reply = private_with(after.clone()).await;
    assert_eq!(reply.status, StatusCode::OK);
    // ...and not after.
    clock.advance(Duration::from_secs(30 * 60 + 1));
    let reply = private_with(after).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_read_only_second_copy_keeps_the_first_copys_flash() {
    let server = serve(two_type_app()).await;
    let c = jar_client(&jar());
    // The request carries flash "old"; one copy flashes "new", another only reads.
    assert_eq!(send(c.get(server.url("/flash/old"))).await.body, "");
    assert_eq!(send(c.get(server.url("/flash/new"))).await.body, "old");
    assert_eq!(send(c.get(server.url("/note"))).await.body, "new");
    assert_eq!(send(c.get(server.url("/note"))).await.body, "-");
}

#[tokio::test]
async fn copies_of_a_new_session_share_one_id_and_the_cookie_carries_it() {
    let server = serve(two_type_app()).await;
    let c = jar_client(&jar());
    let ids = send(c.get(server.url("/two-new"))).await.body;
    let (first, second) = ids.split_once(' ').unwrap();
    assert_eq!(first, second);
    assert_eq!(send(c.get(server.url("/id"))).await.body, first);
}
