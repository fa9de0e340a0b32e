//! Store mode over real HTTP (the `login` example on a `MemoryStore`, and a
//! small app of its own): logout revokes a copied cookie, no session
//! fixation, flash across three loads, log out everywhere, concurrent
//! requests writing different fields, and a failing store answered with a
//! 503 rather than a fresh session.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use http::header::{COOKIE, LOCATION};
use session_examples::login;
use session_runtime::axum::SessionLayer;
use session_runtime::store::MemoryStore;
use session_runtime::{Key, Session, SessionConfig};
use session_tests::http::{SECRET, form, jar, jar_client, jar_value, plain_client, send, serve};
use session_tests::store::Down;

fn store_config() -> SessionConfig<login::Auth> {
    SessionConfig::new(Key::derive(SECRET).unwrap()).with_store(MemoryStore::new())
}

fn cookie_config() -> SessionConfig<login::Auth> {
    SessionConfig::new(Key::derive(SECRET).unwrap())
}

async fn sign_in(c: &reqwest::Client, base: &str, user: &str) -> String {
    let reply = send(form(
        c.post(format!("{base}/login")),
        &[("username", user), ("password", "letmein")],
    ))
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body
}

/// `GET path` with exactly this `auth` cookie, no redirects followed.
async fn with_cookie(base: &str, path: &str, auth: &str) -> session_tests::http::Reply {
    send(
        plain_client()
            .get(format!("{base}{path}"))
            .header(COOKIE, format!("auth={auth}")),
    )
    .await
}

#[tokio::test]
async fn a_cookie_copied_before_logout_opens_nothing_afterwards() {
    let server = serve(login::app(store_config())).await;
    let base = &server.base;
    let cookies = jar();
    let browser = jar_client(&cookies);
    sign_in(&browser, base, "ada").await;
    let copied = jar_value(&cookies, base, "auth").expect("a session cookie");
    assert!(copied.len() < 100, "the cookie carries a sealed id only");
    let private = with_cookie(base, "/private", &copied).await;
    assert_eq!(private.status, StatusCode::OK);
    assert!(private.body.contains("Only ada can read this."));

    let out = send(browser.post(format!("{base}/logout"))).await;
    assert!(out.body.contains("Log in"), "signed out: {}", out.body);
    // The replay of the copy: the record is gone, so it is anonymous.
    let replay = with_cookie(base, "/private", &copied).await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert_eq!(replay.header(LOCATION.as_str()), Some("/"));
}

#[tokio::test]
async fn in_cookie_mode_the_copy_outlives_logout_as_documented() {
    let server = serve(login::app(cookie_config())).await;
    let base = &server.base;
    let cookies = jar();
    let browser = jar_client(&cookies);
    sign_in(&browser, base, "ada").await;
    let copied = jar_value(&cookies, base, "auth").unwrap();
    send(browser.post(format!("{base}/logout"))).await;
    let replay = with_cookie(base, "/private", &copied).await;
    assert_eq!(
        replay.status,
        StatusCode::OK,
        "a sealed cookie cannot be revoked; that is why store mode exists"
    );
    // And log out everywhere has nothing to revoke: it says so.
    let browser = jar_client(&jar());
    sign_in(&browser, base, "bob").await;
    let page = send(browser.post(format!("{base}/logout-everywhere"))).await;
    assert!(
        page.body.contains("Could not log out everywhere"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_planted_pre_login_cookie_never_becomes_the_signed_in_session() {
    let server = serve(login::app(store_config())).await;
    let base = &server.base;
    // The attacker gets an anonymous session (a failed login flashes a
    // notice, so the session is stored) and plants its cookie.
    let attacker = jar();
    let attacker_browser = jar_client(&attacker);
    let page = send(form(
        attacker_browser.post(format!("{base}/login")),
        &[("username", "x"), ("password", "wrong")],
    ))
    .await;
    assert!(page.body.contains("Wrong user name or password."));
    let planted = jar_value(&attacker, base, "auth").unwrap();

    // The victim signs in with the planted cookie.
    let login = send(form(
        plain_client()
            .post(format!("{base}/login"))
            .header(COOKIE, format!("auth={planted}")),
        &[("username", "victim"), ("password", "letmein")],
    ))
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let issued = login.cookie_value("auth").expect("a new cookie on login");
    assert_ne!(issued, planted);
    assert!(
        with_cookie(base, "/private", &issued)
            .await
            .body
            .contains("Only victim")
    );
    // The planted id was deleted with the login (regenerate_id(true)).
    let replay = with_cookie(base, "/private", &planted).await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_welcome_flash_shows_exactly_once_in_store_mode() {
    let server = serve(login::app(store_config())).await;
    let base = &server.base;
    let browser = jar_client(&jar());
    // POST /login, then the redirect to / shows the notice: load 1 sets it,
    // load 2 shows it, load 3 no longer has it.
    let first = sign_in(&browser, base, "ada").await;
    assert!(first.contains("Welcome, ada!"), "{first}");
    let second = send(browser.get(format!("{base}/"))).await;
    assert!(!second.body.contains("Welcome"), "{}", second.body);
    assert!(second.body.contains("Signed in as <b>ada</b>"));
}

#[tokio::test]
async fn log_out_everywhere_signs_out_every_device_of_one_user_only() {
    let server = serve(login::app(store_config())).await;
    let base = &server.base;
    let ada: Vec<_> = (0..3).map(|_| jar_client(&jar())).collect();
    for browser in &ada {
        sign_in(browser, base, "ada").await;
    }
    let bob = jar_client(&jar());
    sign_in(&bob, base, "bob").await;
    let devices = send(ada[0].get(format!("{base}/private"))).await;
    assert!(
        devices.body.contains("signed in on 3 device(s)"),
        "{}",
        devices.body
    );

    let out = send(ada[1].post(format!("{base}/logout-everywhere"))).await;
    assert!(out.body.contains("Log in"), "{}", out.body);
    for browser in &ada {
        let page = send(browser.get(format!("{base}/private"))).await;
        assert!(
            page.body.contains("Log in"),
            "redirected home: {}",
            page.body
        );
    }
    let still = send(bob.get(format!("{base}/private"))).await;
    assert!(still.body.contains("Only bob can read this."));
    assert!(still.body.contains("signed in on 1 device(s)"));
}

/// Eight fields, one per writer.
#[derive(Session)]
#[session(cookie = "board")]
struct Board {
    #[session(default)]
    f0: u32,
    #[session(default)]
    f1: u32,
    #[session(default)]
    f2: u32,
    #[session(default)]
    f3: u32,
    #[session(default)]
    f4: u32,
    #[session(default)]
    f5: u32,
    #[session(default)]
    f6: u32,
    #[session(default)]
    f7: u32,
}

async fn write(mut board: Session<Board>, Path((field, value)): Path<(u8, u32)>) -> String {
    match field {
        0 => board.set_f0(value),
        1 => board.set_f1(value),
        2 => board.set_f2(value),
        3 => board.set_f3(value),
        4 => board.set_f4(value),
        5 => board.set_f5(value),
        6 => board.set_f6(value),
        _ => board.set_f7(value),
    }
    board.id().to_owned()
}

async fn show(board: Session<Board>) -> String {
    format!(
        "{} {} {} {} {} {} {} {}",
        board.f0(),
        board.f1(),
        board.f2(),
        board.f3(),
        board.f4(),
        board.f5(),
        board.f6(),
        board.f7()
    )
}

fn board_app(config: SessionConfig<Board>) -> Router {
    Router::new()
        .route("/", get(show))
        .route("/write/{field}/{value}", get(write))
        .layer(SessionLayer::new(config))
}

/// 8 writers x 40 concurrent requests on one session, each writer its own
/// field: with a store every write lands (the final value of each field is
/// its writer's last); with sealed cookies the last response's cookie would
/// win and lose the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_writing_different_fields_all_land() {
    let config =
        SessionConfig::<Board>::new(Key::derive(SECRET).unwrap()).with_store(MemoryStore::new());
    let server = serve(board_app(config)).await;
    let base = server.base.clone();
    let first = send(plain_client().get(format!("{base}/write/0/0"))).await;
    let cookie = first.cookie_value("board").expect("a session");
    let writers = (0..8u8).map(|field| {
        let (base, cookie) = (base.clone(), cookie.clone());
        tokio::spawn(async move {
            let client = plain_client();
            let mut sent = Vec::new();
            for value in 1..=40u32 {
                sent.push(
                    client
                        .get(format!("{base}/write/{field}/{value}"))
                        .header(COOKIE, format!("board={cookie}"))
                        .send(),
                );
                // Each writer's requests go in order; writers overlap.
                let reply = sent.pop().unwrap().await.unwrap();
                assert_eq!(reply.status(), StatusCode::OK);
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    let board = send(
        plain_client()
            .get(format!("{base}/"))
            .header(COOKIE, format!("board={cookie}")),
    )
    .await;
    assert_eq!(board.body, "40 40 40 40 40 40 40 40");
}

#[tokio::test]
async fn a_failing_store_is_a_503_never_a_fresh_session() {
    let config = SessionConfig::<Board>::new(Key::derive(SECRET).unwrap());
    // A valid cookie, from a working store with the same key.
    let working = serve(board_app(config.clone().with_store(MemoryStore::new()))).await;
    let cookie = send(plain_client().get(working.url("/write/1/7")))
        .await
        .cookie_value("board")
        .unwrap();

    let app = board_app(config.with_store(Arc::new(Down))).route("/health", get(|| async { "ok" }));
    let server = serve(app).await;
    let read = send(
        plain_client()
            .get(server.url("/"))
            .header(COOKIE, format!("board={cookie}")),
    )
    .await;
    assert_eq!(read.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        read.cookies.is_empty(),
        "no fresh session replaces the user's"
    );
    assert!(
        !read.body.contains("Board"),
        "no internal names: {}",
        read.body
    );
    // A new visitor's write cannot be saved either: a 503, no cookie.
    let write = send(plain_client().get(server.url("/write/1/1"))).await;
    assert_eq!(write.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(write.cookies.is_empty());
    // A request that does not touch the session is unaffected.
    let health = send(plain_client().get(server.url("/health"))).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
}
