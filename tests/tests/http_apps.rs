//! End-to-end tests of the example apps and of the layer's edges, on a real
//! server (127.0.0.1:0) with a real HTTP client and cookie jar.

#[allow(
    dead_code,
    unreachable_pub,
    reason = "the example is a binary; only its app is used here"
)]
#[path = "../../examples/counter.rs"]
mod counter;
#[allow(
    dead_code,
    unreachable_pub,
    reason = "the example is a binary; only its app is used here"
)]
#[path = "../../examples/login.rs"]
mod login;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use http::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;
use session_runtime::axum::SessionLayer;
use session_runtime::{Key, ManualClock, Session, SessionConfig};

const SECRET: &str = "the secret of the end-to-end tests, 32+ bytes";

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn client(jar: Option<Arc<Jar>>, follow: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(if follow {
            Policy::limited(5)
        } else {
            Policy::none()
        });
    if let Some(jar) = jar {
        builder = builder.cookie_provider(jar);
    }
    builder.build().unwrap()
}

/// The value of cookie `name` in `jar` for `base`.
fn jar_value(jar: &Jar, base: &str, name: &str) -> Option<String> {
    let header = jar.cookies(&base.parse().unwrap())?;
    let prefix = format!("{name}=");
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&prefix))
        .map(str::to_owned)
}

async fn text(request: reqwest::RequestBuilder) -> (StatusCode, String) {
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn counter_config() -> SessionConfig<counter::Counter> {
    SessionConfig::new(Key::derive(SECRET).unwrap())
}

#[tokio::test]
async fn counter_counts_and_clears() {
    let base = serve(counter::app(counter_config())).await;
    let c = client(Some(Arc::new(Jar::default())), true);
    for n in 1..=3 {
        let (status, body) = text(c.get(format!("{base}/"))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            format!("Hello world! You have visited this page {n} times.")
        );
    }
    let response = c.get(format!("{base}/clear")).send().await.unwrap();
    let removal = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert_eq!(response.text().await.unwrap(), "Session cleared");
    let (_, body) = text(c.get(format!("{base}/"))).await;
    assert_eq!(body, "Hello world! You have visited this page 1 times.");
}

#[tokio::test]
async fn tampered_cookie_gives_fresh_session_and_200() {
    let rejected = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&rejected);
    let config = counter_config().with_rejection_hook(move |error| {
        seen.lock().unwrap().push(error.clone());
    });
    let base = serve(counter::app(config)).await;
    let jar = Arc::new(Jar::default());
    let c = client(Some(Arc::clone(&jar)), true);
    text(c.get(format!("{base}/"))).await;
    text(c.get(format!("{base}/"))).await;
    let mut sealed = jar_value(&jar, &base, "counter").unwrap().into_bytes();
    let at = sealed.len() / 2;
    sealed[at] = if sealed[at] == b'A' { b'B' } else { b'A' };
    let sealed = String::from_utf8(sealed).unwrap();
    let plain = client(None, false);
    let (status, body) = text(
        plain
            .get(format!("{base}/"))
            .header(COOKIE, format!("counter={sealed}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Hello world! You have visited this page 1 times.");
    // The operator hears about it, once.
    assert_eq!(
        *rejected.lock().unwrap(),
        [session_runtime::UnsealError::Tampered]
    );
}

#[tokio::test]
async fn header_beats_cookie() {
    let base = serve(counter::app(counter_config())).await;
    // Session A, in the jar, at 3 visits; session B, elsewhere, at 1.
    let jar = Arc::new(Jar::default());
    let a = client(Some(Arc::clone(&jar)), true);
    for _ in 0..3 {
        text(a.get(format!("{base}/"))).await;
    }
    let other = Arc::new(Jar::default());
    text(client(Some(Arc::clone(&other)), true).get(format!("{base}/"))).await;
    let b = jar_value(&other, &base, "counter").unwrap();

    let plain = client(None, false);
    let a_cookie = format!("counter={}", jar_value(&jar, &base, "counter").unwrap());
    let (_, body) = text(
        plain
            .get(format!("{base}/"))
            .header(COOKIE, &a_cookie)
            .header("x-counter-session", &b),
    )
    .await;
    assert_eq!(body, "Hello world! You have visited this page 2 times.");
    // An empty header falls back to the cookie.
    let (_, body) = text(
        plain
            .get(format!("{base}/"))
            .header(COOKIE, &a_cookie)
            .header("x-counter-session", ""),
    )
    .await;
    assert_eq!(body, "Hello world! You have visited this page 4 times.");
    // A bad header does not: a fresh session.
    let (status, body) = text(
        plain
            .get(format!("{base}/"))
            .header(COOKIE, &a_cookie)
            .header("x-counter-session", "not-a-seal"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Hello world! You have visited this page 1 times.");
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

fn two_type_app() -> Router {
    Router::new()
        .route("/flash/{note}", get(flash_then_read))
        .route("/note", get(read_note))
        .route("/two-new", get(two_new_copies))
        .route("/id", get(cart_id))
        .route("/add", get(add))
        .route("/theme/{theme}", get(theme))
        .route("/both", get(both))
        .route("/empty", get(empty_cart))
        .layer(SessionLayer::new(SessionConfig::<Cart>::new(
            Key::derive(SECRET).unwrap(),
        )))
        .layer(SessionLayer::new(
            SessionConfig::<Prefs>::new(Key::derive(SECRET).unwrap()).with_max_size(200),
        ))
}

#[tokio::test]
async fn two_session_types_in_one_app() {
    let base = serve(two_type_app()).await;
    let jar = Arc::new(Jar::default());
    let c = client(Some(Arc::clone(&jar)), true);
    text(c.get(format!("{base}/add"))).await;
    text(c.get(format!("{base}/add"))).await;
    text(c.get(format!("{base}/theme/dark"))).await;
    assert!(jar_value(&jar, &base, "cart").is_some());
    assert!(jar_value(&jar, &base, "prefs").is_some());
    assert_eq!(
        text(c.get(format!("{base}/both"))).await.1,
        "items=2 theme=dark"
    );
    // Clearing one leaves the other.
    text(c.get(format!("{base}/empty"))).await;
    assert_eq!(
        text(c.get(format!("{base}/both"))).await.1,
        "items=0 theme=dark"
    );
    // A value sealed for one cookie does not open under the other's name.
    let prefs = jar_value(&jar, &base, "prefs").unwrap();
    let plain = client(None, false);
    let (_, body) = text(
        plain
            .get(format!("{base}/both"))
            .header(COOKIE, format!("cart={prefs}; prefs={prefs}")),
    )
    .await;
    assert_eq!(body, "items=0 theme=dark");
}

#[tokio::test]
async fn session_too_large_is_a_500_not_a_lost_cookie() {
    let base = serve(two_type_app()).await;
    let c = client(Some(Arc::new(Jar::default())), true);
    let long = "x".repeat(300);
    let response = c.get(format!("{base}/theme/{long}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn extractor_without_layer_is_a_500() {
    let base = serve(Router::new().route("/add", get(add))).await;
    let (status, body) = text(client(None, false).get(format!("{base}/add"))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("no SessionLayer"), "{body}");
}

fn login_config(clock: &ManualClock) -> SessionConfig<login::Auth> {
    SessionConfig::new(Key::derive(SECRET).unwrap()).with_clock(clock.clone())
}

async fn login_form(c: &reqwest::Client, base: &str, password: &str) -> String {
    let response = c
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=ada&password={password}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.url().path(), "/");
    response.text().await.unwrap()
}

#[tokio::test]
async fn flash_is_shown_exactly_once() {
    let clock = ManualClock::new(1_700_000_000_000);
    let base = serve(login::app(login_config(&clock))).await;
    let c = client(Some(Arc::new(Jar::default())), true);
    // 1: log in (POST), then the redirect's page shows the notice.
    let page = login_form(&c, &base, "letmein").await;
    assert!(page.contains("Welcome, ada!"), "{page}");
    // 2 and 3: gone.
    for _ in 0..2 {
        let (_, page) = text(c.get(format!("{base}/"))).await;
        assert!(!page.contains("Welcome"), "{page}");
        assert!(page.contains("Signed in as <b>ada</b>"), "{page}");
    }
}

#[tokio::test]
async fn login_flow() {
    let clock = ManualClock::new(1_700_000_000_000);
    let config = login_config(&clock);
    let base = serve(login::app(config.clone())).await;
    let jar = Arc::new(Jar::default());
    let c = client(Some(Arc::clone(&jar)), true);
    let plain = client(None, false);
    let private_with = |cookie: String| {
        plain
            .get(format!("{base}/private"))
            .header(COOKIE, format!("auth={cookie}"))
            .send()
    };

    // Logged out, the private page redirects home.
    let response = c.get(format!("{base}/private")).send().await.unwrap();
    assert_eq!(response.url().path(), "/");

    // A failed login leaves an anonymous session (with its notice).
    let page = login_form(&c, &base, "wrong").await;
    assert!(page.contains("Wrong user name or password."), "{page}");
    let before = jar_value(&jar, &base, "auth").unwrap();
    let anonymous = Session::<login::Auth>::unseal(&config, &before).unwrap();
    assert!(anonymous.user().is_none());

    // Logging in regenerates the id and sets the user.
    let page = login_form(&c, &base, "letmein").await;
    assert!(page.contains("Welcome, ada!"), "{page}");
    let after = jar_value(&jar, &base, "auth").unwrap();
    let signed_in = Session::<login::Auth>::unseal(&config, &after).unwrap();
    assert_eq!(signed_in.user().map(String::as_str), Some("ada"));
    assert_ne!(signed_in.id(), anonymous.id());
    let (status, page) = text(c.get(format!("{base}/private"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Only ada can read this."), "{page}");

    // What "the old id is no longer valid" means for sealed cookies: the
    // pre-login cookie still opens, but only as the anonymous session it
    // was; the login never reaches it.
    let response = private_with(before.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/");

    // Logout destroys the session: the cookie is removed.
    let response = c.post(format!("{base}/logout")).send().await.unwrap();
    assert_eq!(response.url().path(), "/");
    assert_eq!(jar_value(&jar, &base, "auth"), None);
    let response = c.get(format!("{base}/private")).send().await.unwrap();
    assert_eq!(response.url().path(), "/");

    // The limit of stateless cookies: a copy of the logged-in cookie taken
    // before logout still works until its idle timeout (30 minutes)...
    let response = private_with(after.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // ...and not after.
    clock.advance(Duration::from_secs(30 * 60 + 1));
    let response = private_with(after).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_read_only_second_copy_keeps_the_first_copys_flash() {
    let base = serve(two_type_app()).await;
    let c = client(Some(Arc::new(Jar::default())), true);
    // The request carries flash "old"; one copy flashes "new", another only reads.
    assert_eq!(text(c.get(format!("{base}/flash/old"))).await.1, "");
    assert_eq!(text(c.get(format!("{base}/flash/new"))).await.1, "old");
    assert_eq!(text(c.get(format!("{base}/note"))).await.1, "new");
    assert_eq!(text(c.get(format!("{base}/note"))).await.1, "-");
}

#[tokio::test]
async fn copies_of_a_new_session_share_one_id_and_the_cookie_carries_it() {
    let base = serve(two_type_app()).await;
    let c = client(Some(Arc::new(Jar::default())), true);
    let ids = text(c.get(format!("{base}/two-new"))).await.1;
    let (first, second) = ids.split_once(' ').unwrap();
    assert_eq!(first, second);
    assert_eq!(text(c.get(format!("{base}/id"))).await.1, first);
}
