//! The actix-web integration over real HTTP: actix's own `HttpServer` on a
//! loopback port (`serve_actix`), a real client. The cases of the axum
//! counter (`http_apps.rs`), store mode, a store outage, a missing
//! middleware, and handlers that panic, with and without a panic-catching
//! middleware.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::{App, HttpRequest, HttpResponse, web};
use http::StatusCode;
use http::header::COOKIE;
use session_examples::counter_actix;
use session_runtime::actix::{SessionFailure, SessionMiddleware, session};
use session_runtime::store::{MemoryStore, Store as _};
use session_runtime::transport::Transport;
use session_runtime::{Key, Session, SessionConfig, UnsealError};
use session_tests::http::{
    ActixServer, Reply, SECRET, TIMEOUT, jar, jar_client, jar_value, plain_client, send,
    serve_actix,
};
use session_tests::store::Down;

fn key() -> Key {
    Key::derive(SECRET).unwrap()
}

fn visits(n: u32) -> String {
    format!("Hello world! You have visited this page {n} times.")
}

/// The `counter_actix` example's app, with `config`.
fn counter(config: SessionConfig<counter_actix::Counter>) -> ActixServer {
    let sessions = SessionMiddleware::new(config);
    serve_actix(move || counter_actix::app(sessions.clone()))
}

/// `sealed` with one character in the middle changed.
fn tamper(sealed: &str) -> String {
    let mut sealed = sealed.as_bytes().to_vec();
    let at = sealed.len() / 2;
    sealed[at] = if sealed[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(sealed).unwrap()
}

/// A GET of `path`, with `cookie` (a whole `Cookie` line) when given.
async fn get(server: &ActixServer, path: &str, cookie: Option<&str>) -> Reply {
    let mut request = plain_client().get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    send(request).await
}

/// How many live sessions `store` holds.
fn stored(store: &MemoryStore) -> usize {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let now_ms = u64::try_from(now.as_millis()).unwrap();
    store.len(now_ms).now().unwrap().unwrap()
}

#[tokio::test]
async fn the_example_counts_and_clears_in_cookie_and_store_mode() {
    let store = Arc::new(MemoryStore::new());
    for (config, store) in [
        (SessionConfig::new(key()), None),
        (
            SessionConfig::new(key()).with_store(Arc::clone(&store)),
            Some(store),
        ),
    ] {
        let server = counter(config);
        let jar = jar();
        let c = jar_client(&jar);
        for n in 1..=3 {
            let reply = send(c.get(server.url("/"))).await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.body, visits(n));
        }
        // The cookie as configured, in both modes.
        let reply = send(c.get(server.url("/"))).await;
        let set = reply.cookie();
        assert_eq!(
            (set.name(), set.http_only(), set.secure(), set.path()),
            ("counter", Some(true), Some(true), Some("/"))
        );
        if let Some(store) = &store {
            // The session is in the store; the cookie carries its sealed id.
            assert_eq!(stored(store), 1);
        }
        let reply = send(c.get(server.url("/clear"))).await;
        let removal = &reply.cookies[0];
        assert!(removal.contains("Max-Age=0"), "{removal}");
        assert_eq!(reply.body, "Session cleared");
        if let Some(store) = &store {
            assert_eq!(stored(store), 0);
        }
        assert_eq!(send(c.get(server.url("/"))).await.body, visits(1));
    }
}

#[tokio::test]
async fn a_tampered_cookie_gives_a_fresh_session_and_the_operator_hears_once() {
    let server = counter(SessionConfig::new(key()));
    let jar = jar();
    let c = jar_client(&jar);
    send(c.get(server.url("/"))).await;
    send(c.get(server.url("/"))).await;
    let sealed = tamper(&jar_value(&jar, &server.base, "counter").unwrap());
    let reply = get(&server, "/", Some(&format!("counter={sealed}"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, visits(1));

    // The rejection hook, once per request however often the session is
    // extracted (`/two-fields` extracts it twice).
    let rejected = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&rejected);
    let cart = Transport::new(cart_config()).with_rejection_hook(move |error| {
        seen.lock().unwrap().push(error.clone());
    });
    let server = two_type_server(cart);
    let jar = self::jar();
    let c = jar_client(&jar);
    send(c.get(server.url("/add"))).await;
    assert_eq!(send(c.get(server.url("/add"))).await.body, "2");
    let sealed = tamper(&jar_value(&jar, &server.base, "cart").unwrap());
    let reply = get(&server, "/two-fields", Some(&format!("cart={sealed}"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "items=1", "a fresh session");
    assert_eq!(*rejected.lock().unwrap(), [UnsealError::Tampered]);
}

#[tokio::test]
async fn the_header_beats_the_cookie() {
    let server = counter(SessionConfig::new(key()));
    // Session A, in the jar, at 3 visits; session B, elsewhere, at 1.
    let jar = jar();
    let a = jar_client(&jar);
    for _ in 0..3 {
        send(a.get(server.url("/"))).await;
    }
    let other = self::jar();
    send(jar_client(&other).get(server.url("/"))).await;
    let b = jar_value(&other, &server.base, "counter").unwrap();

    let a_cookie = format!(
        "counter={}",
        jar_value(&jar, &server.base, "counter").unwrap()
    );
    let with_header = |value: &str| {
        send(
            plain_client()
                .get(server.url("/"))
                .header(COOKIE, &a_cookie)
                .header("x-counter-session", value),
        )
    };
    assert_eq!(with_header(&b).await.body, visits(2));
    // An empty header falls back to the cookie.
    assert_eq!(with_header("").await.body, visits(4));
    // A bad header does not: a fresh session.
    let reply = with_header("not-a-seal").await;
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

async fn theme(mut prefs: Session<Prefs>, theme: web::Path<String>) -> String {
    prefs.set_theme(theme.into_inner());
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
    note: web::Path<String>,
) -> String {
    first.flash_note(note.into_inner());
    drop(first);
    let seen = second.note().cloned().unwrap_or_default();
    drop(second);
    seen
}

/// Two copies out at once, each writing its own field: both writes land.
async fn two_fields(mut first: Session<Cart>, mut second: Session<Cart>) -> String {
    first.set_items(first.items() + 1);
    second.flash_note("from the second copy");
    format!("items={}", first.items())
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

/// Writes, then answers `401`: the session is saved all the same.
async fn denied(mut cart: Session<Cart>) -> HttpResponse {
    cart.set_items(41);
    HttpResponse::Unauthorized().body("denied")
}

/// Takes no session: nothing is loaded.
async fn plain() -> &'static str {
    "plain"
}

/// The session through the function instead of the extractor.
async fn by_function(request: HttpRequest) -> Result<String, actix_web::Error> {
    let mut cart = session::<Cart>(&request).await?;
    cart.set_items(cart.items() + 10);
    Ok(cart.items().to_string())
}

fn cart_config() -> SessionConfig<Cart> {
    SessionConfig::<Cart>::new(key())
}

/// The routes of the two-schema app, for `cart` sessions.
fn cart_routes(config: &mut web::ServiceConfig) {
    config
        .route("/flash/{note}", web::get().to(flash_then_read))
        .route("/note", web::get().to(read_note))
        .route("/two-fields", web::get().to(two_fields))
        .route("/two-new", web::get().to(two_new_copies))
        .route("/id", web::get().to(cart_id))
        .route("/add", web::get().to(add))
        .route("/theme/{theme}", web::get().to(theme))
        .route("/both", web::get().to(both))
        .route("/empty", web::get().to(empty_cart))
        .route("/denied", web::get().to(denied))
        .route("/plain", web::get().to(plain))
        .route("/by-function", web::get().to(by_function));
}

/// The two-schema app, carrying `Cart` sessions with `cart`.
fn two_type_server(cart: Transport<Cart>) -> ActixServer {
    let cart = SessionMiddleware::from_transport(cart);
    let prefs = SessionMiddleware::new(SessionConfig::<Prefs>::new(key()).with_max_size(200));
    serve_actix(move || {
        App::new()
            .configure(cart_routes)
            .wrap(cart.clone())
            .wrap(prefs.clone())
    })
}

fn two_type_app() -> ActixServer {
    two_type_server(Transport::new(cart_config()))
}

#[tokio::test]
async fn two_session_types_in_one_app() {
    let server = two_type_app();
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
    let reply = get(
        &server,
        "/both",
        Some(&format!("cart={prefs}; prefs={prefs}")),
    )
    .await;
    assert_eq!(reply.body, "items=0 theme=dark");
}

#[tokio::test]
async fn a_session_too_large_is_a_500_not_a_lost_cookie() {
    let server = two_type_app();
    let long = "x".repeat(300);
    let reply = get(&server, &format!("/theme/{long}"), None).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.body, "the session could not be saved");
    assert!(reply.cookies.is_empty(), "{:?}", reply.cookies);
}

#[tokio::test]
async fn copies_in_one_handler_merge_by_field() {
    for (config, mode) in [
        (cart_config(), "cookie"),
        (cart_config().with_store(MemoryStore::new()), "store"),
    ] {
        let server = two_type_server(Transport::new(config));
        let c = jar_client(&jar());
        // Two copies out at once, writing different fields: both land.
        assert_eq!(send(c.get(server.url("/two-fields"))).await.body, "items=1");
        assert_eq!(
            send(c.get(server.url("/note"))).await.body,
            "from the second copy",
            "{mode}"
        );
        assert_eq!(send(c.get(server.url("/add"))).await.body, "2", "{mode}");
        // The request carries flash "old"; one copy flashes "new", another
        // only reads: the read-only copy does not undo the flash.
        assert_eq!(send(c.get(server.url("/flash/old"))).await.body, "");
        assert_eq!(send(c.get(server.url("/flash/new"))).await.body, "old");
        assert_eq!(send(c.get(server.url("/note"))).await.body, "new", "{mode}");
        assert_eq!(send(c.get(server.url("/note"))).await.body, "-", "{mode}");
        // Copies of a brand-new session are one session, and the cookie
        // carries it.
        let c = jar_client(&jar());
        let ids = send(c.get(server.url("/two-new"))).await.body;
        let (first, second) = ids.split_once(' ').unwrap();
        assert_eq!(first, second, "{mode}");
        assert_eq!(send(c.get(server.url("/id"))).await.body, first, "{mode}");
    }
}

#[tokio::test]
async fn nothing_is_loaded_unless_extracted_and_every_status_saves() {
    let loads = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&loads);
    let cart = Transport::new(cart_config()).with_rejection_hook(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
    });
    let server = two_type_server(cart);
    // A route that takes no session: a bad cookie is never even opened,
    // and no cookie is set.
    let reply = get(&server, "/plain", Some("cart=not-a-seal")).await;
    assert_eq!(reply.body, "plain");
    assert!(reply.cookies.is_empty(), "{:?}", reply.cookies);
    assert_eq!(loads.load(Ordering::Relaxed), 0);
    // The same cookie on a route that takes the session is opened (and
    // rejected).
    get(&server, "/id", Some("cart=not-a-seal")).await;
    assert_eq!(loads.load(Ordering::Relaxed), 1);

    // A 401 that wrote the session sets its cookie, as h3 does.
    let jar = jar();
    let c = jar_client(&jar);
    let reply = send(c.get(server.url("/denied"))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.cookie().name(), "cart");
    assert_eq!(send(c.get(server.url("/add"))).await.body, "42");
    // The function form loads the same session.
    assert_eq!(send(c.get(server.url("/by-function"))).await.body, "52");
}

#[tokio::test]
async fn an_extractor_without_its_middleware_is_a_500_naming_no_type() {
    let server = serve_actix(|| {
        App::new()
            .route("/add", web::get().to(add))
            .route("/by-function", web::get().to(by_function))
    });
    for path in ["/add", "/by-function"] {
        let reply = get(&server, path, None).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(reply.body, "the session layer is not installed", "{path}");
        assert!(reply.cookies.is_empty());
    }
    // The operator's message (the rejection's `Display`) names the schema.
    let request = actix_web::test::TestRequest::default().to_http_request();
    let rejection = session::<Cart>(&request).await.unwrap_err();
    assert!(
        matches!(rejection.failure(), SessionFailure::MissingLayer { schema } if schema.ends_with("Cart")),
        "{rejection:?}"
    );
    let message = rejection.to_string();
    assert!(message.contains("SessionMiddleware<"), "{message}");
}

async fn visit(mut cart: Session<Cart>) -> String {
    cart.set_items(cart.items() + 1);
    cart.items().to_string()
}

/// An app whose `Cart` sessions are kept in `store`, answering failures
/// with `sessions`' failure response; an outer middleware copies the
/// `SessionFailure` it finds in the response's extensions into the header
/// `x-failure`, as an operator's logging middleware would read it.
fn store_app(sessions: SessionMiddleware<Cart>) -> ActixServer {
    serve_actix(move || {
        App::new()
            .route("/", web::get().to(visit))
            .route("/plain", web::get().to(plain))
            .wrap(sessions.clone())
            .wrap_fn(|request, service| {
                let response = service.call(request);
                async move {
                    let mut response = response.await?;
                    let failure = response
                        .response()
                        .extensions()
                        .get::<SessionFailure>()
                        .map(|failure| failure.status().as_u16().to_string());
                    if let Some(failure) = failure {
                        response.headers_mut().insert(
                            "x-failure".parse().unwrap(),
                            HeaderValue::from_str(&failure).unwrap(),
                        );
                    }
                    Ok(response)
                }
            })
    })
}

#[tokio::test]
async fn a_store_outage_is_a_503_by_default_or_as_rendered() {
    // A cookie the store-mode app issues (the same key and cookie name).
    let working = store_app(SessionMiddleware::new(
        cart_config().with_store(MemoryStore::new()),
    ));
    let cookie = get(&working, "/", None).await.cookie_value("cart").unwrap();
    let cookie = format!("cart={cookie}");

    let down = store_app(SessionMiddleware::new(cart_config().with_store(Down)));
    // A new visitor: nothing to load, the save fails.
    let new = get(&down, "/", None).await;
    assert_eq!(new.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(new.body, "the session store is unavailable");
    assert_eq!(new.header("x-failure"), Some("503"));
    assert!(new.cookies.is_empty());
    // A returning visitor: the load fails, the extractor answers.
    let back = get(&down, "/", Some(&cookie)).await;
    assert_eq!(back.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(back.body, "the session store is unavailable");
    assert_eq!(back.header("x-failure"), Some("503"));
    assert!(back.cookies.is_empty());
    // A route that takes no session never reaches the store.
    assert_eq!(
        get(&down, "/plain", Some(&cookie)).await.status,
        StatusCode::OK
    );

    // The failure response, rendered.
    let rendered = store_app(
        SessionMiddleware::new(cart_config().with_store(Down)).with_failure_response(|failure| {
            http::Response::builder()
                .status(failure.status())
                .header("retry-after", "5")
                .body(format!("try again later ({})", failure.status()))
                .unwrap()
        }),
    );
    for cookie in [None, Some(cookie.as_str())] {
        let reply = get(&rendered, "/", cookie).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.body, "try again later (503 Service Unavailable)");
        assert_eq!(reply.header("retry-after"), Some("5"));
        assert_eq!(reply.header("x-failure"), Some("503"));
    }
}

/// The schema of the panic tests.
#[derive(Session)]
#[session(cookie = "sid")]
struct Board {
    #[session(default)]
    count: u32,
    user: Option<String>,
}

async fn hit(mut s: Session<Board>) -> String {
    let count = s.count() + 1;
    s.set_count(count);
    format!(
        "count={count} user={}",
        s.user().map_or("-", String::as_str)
    )
}

async fn read(s: Session<Board>) -> String {
    format!(
        "count={} user={}",
        s.count(),
        s.user().map_or("-", String::as_str)
    )
}

/// Writes, then panics half-way.
async fn half_done(mut s: Session<Board>) -> String {
    s.set_count(1000);
    s.set_user("mallory");
    panic!("the handler failed half-way");
}

/// Writes through one copy, drops it (written back as usual), then panics
/// while holding a second copy.
async fn two_copies(mut first: Session<Board>, mut second: Session<Board>) -> String {
    first.set_user("mallory");
    drop(first);
    second.set_count(1000);
    panic!("the handler failed after its first copy was written back");
}

fn board_routes(config: &mut web::ServiceConfig) {
    config
        .route("/hit", web::get().to(hit))
        .route("/read", web::get().to(read))
        .route("/half-done", web::get().to(half_done))
        .route("/two-copies", web::get().to(two_copies));
}

/// [`board_routes`], the handlers that panic behind [`catch_panics`].
fn board_routes_catching_panics(config: &mut web::ServiceConfig) {
    config
        .route("/hit", web::get().to(hit))
        .route("/read", web::get().to(read))
        .service(
            web::resource("/half-done")
                .wrap_fn(catch_panics)
                .route(web::get().to(half_done)),
        )
        .service(
            web::resource("/two-copies")
                .wrap_fn(catch_panics)
                .route(web::get().to(two_copies)),
        );
}

/// A middleware that turns a panic of `service` into a `500`, as
/// tower-http's `CatchPanicLayer` does for tower (actix-web has none). It
/// keeps a clone of the request to answer with, so it must run after
/// routing (on a resource): actix-web needs the request alone while it
/// routes.
fn catch_panics<S, B>(request: ServiceRequest, service: &S) -> CatchPanic<S::Future>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let clone = request.request().clone();
    CatchPanic {
        inner: Box::pin(service.call(request)),
        request: Some(clone),
    }
}

/// The future of [`catch_panics`].
struct CatchPanic<F> {
    inner: Pin<Box<F>>,
    request: Option<HttpRequest>,
}

impl<F, B> Future for CatchPanic<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
    B: MessageBody + 'static,
{
    type Output = Result<ServiceResponse, actix_web::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match catch_unwind(AssertUnwindSafe(|| this.inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(response)) => {
                Poll::Ready(response.map(ServiceResponse::map_into_boxed_body))
            }
            Err(_) => {
                let request = this.request.take().expect("polled after completion");
                Poll::Ready(Ok(ServiceResponse::new(
                    request,
                    HttpResponse::InternalServerError().body("the handler panicked"),
                )))
            }
        }
    }
}

/// The board app; with `catch`, the handlers that panic run behind
/// [`catch_panics`], inside the session middleware.
fn board_app(config: SessionConfig<Board>, catch: bool) -> ActixServer {
    let sessions = SessionMiddleware::new(config);
    serve_actix(move || {
        App::new()
            .configure(if catch {
                board_routes_catching_panics
            } else {
                board_routes
            })
            .wrap(sessions.clone())
    })
}

async fn check_panics(config: SessionConfig<Board>, mode: &str) {
    // With a panic-catching middleware: a `500` without `Set-Cookie`.
    let server = board_app(config.clone(), true);
    let first = get(&server, "/hit", None).await;
    assert_eq!(first.body, "count=1 user=-");
    let cookie = format!(
        "sid={}",
        first.cookie_value("sid").expect("a session cookie")
    );
    for path in ["/half-done", "/two-copies"] {
        let failed = get(&server, path, Some(&cookie)).await;
        assert_eq!(
            failed.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{mode} {path}"
        );
        assert_eq!(failed.body, "the handler panicked");
        assert!(
            failed.cookies.is_empty(),
            "{mode} {path}: a panicking handler's writes were saved: {:?}",
            failed.cookies
        );
        // Nothing reached the store either: the session is as it was.
        let next = get(&server, "/read", Some(&cookie)).await;
        assert_eq!(next.body, "count=1 user=-", "{mode} {path}");
        // A request without a session that panics starts none.
        let fresh = get(&server, path, None).await;
        assert_eq!(fresh.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            fresh.cookies.is_empty(),
            "{mode} {path}: {:?}",
            fresh.cookies
        );
    }
    drop(server);

    // Without one, as actix-web is by default: the connection closes with
    // no response, nothing is saved, and the server goes on serving.
    let server = board_app(config, false);
    let first = get(&server, "/hit", None).await;
    let cookie = format!(
        "sid={}",
        first.cookie_value("sid").expect("a session cookie")
    );
    for path in ["/half-done", "/two-copies"] {
        let result = plain_client()
            .get(server.url(path))
            .header(COOKIE, &cookie)
            .timeout(TIMEOUT)
            .send()
            .await;
        assert!(result.is_err(), "{mode} {path}: a response: {result:?}");
        let next = get(&server, "/read", Some(&cookie)).await;
        assert_eq!(next.status, StatusCode::OK, "{mode} {path}");
        assert_eq!(next.body, "count=1 user=-", "{mode} {path}");
    }
    assert_eq!(
        get(&server, "/hit", Some(&cookie)).await.body,
        "count=2 user=-"
    );
}

#[tokio::test]
async fn a_panicking_handler_saves_nothing_in_cookie_mode() {
    check_panics(SessionConfig::new(key()), "cookie").await;
}

#[tokio::test]
async fn a_panicking_handler_saves_nothing_in_store_mode() {
    check_panics(
        SessionConfig::new(key()).with_store(MemoryStore::new()),
        "store",
    )
    .await;
}

#[tokio::test]
async fn an_error_of_the_inner_service_goes_on_and_saves_nothing() {
    let sessions = SessionMiddleware::new(cart_config());
    let server = serve_actix(move || {
        App::new()
            .route("/", web::get().to(visit))
            // Inside the session middleware: runs the handler, then fails.
            .wrap_fn(|request, service| {
                let response = service.call(request);
                async move {
                    drop(response.await?);
                    Err::<ServiceResponse, _>(actix_web::error::ErrorForbidden("refused"))
                }
            })
            .wrap(sessions.clone())
    });
    let reply = get(&server, "/", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.cookies.is_empty(), "{:?}", reply.cookies);
}
