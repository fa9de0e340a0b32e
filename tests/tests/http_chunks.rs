//! Chunked session cookies in the native format, over real HTTP through the
//! axum layer: a session too large for one cookie travels as
//! `sid=__chunked__N` and `sid.1` ... `sid.N` when the transport is told to
//! chunk ([`CookieOptions::with_chunking`]); a response removes the chunks
//! the request carried and no longer uses; a broken chunk set gives a fresh
//! session; over the total limit, the save fails as an oversized cookie
//! does.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use http::StatusCode;
use http::header::COOKIE;
use session_runtime::axum::SessionLayer;
use session_runtime::transport::{Arrival, CookieOptions, Transport};
use session_runtime::{
    Key, SaveError, SealError, Session, SessionConfig, SessionState, UnsealError,
};
use session_tests::http::{
    Cookies, Reply, SECRET, Server, jar, jar_client, plain_client, send, serve,
};

#[derive(Session)]
#[session(cookie = "sid")]
struct Notes {
    #[session(default)]
    visits: u32,
    note: Option<String>,
    #[session(flash)]
    notice: Option<String>,
}

/// `id visits note-length notice-length`.
fn show(s: &Session<Notes>) -> String {
    format!(
        "{} {} {} {}",
        s.id(),
        s.visits(),
        s.note().map_or(0, String::len),
        s.notice().map_or(0, String::len)
    )
}

async fn visit(mut s: Session<Notes>) -> String {
    s.set_visits(s.visits() + 1);
    show(&s)
}

async fn read(s: Session<Notes>) -> String {
    show(&s)
}

async fn flash(mut s: Session<Notes>, Path(n): Path<usize>) -> String {
    s.flash_notice("f".repeat(n));
    show(&s)
}

async fn note(mut s: Session<Notes>, Path(n): Path<usize>) -> String {
    s.set_note("n".repeat(n));
    show(&s)
}

async fn note_401(mut s: Session<Notes>, Path(n): Path<usize>) -> StatusCode {
    s.set_note("n".repeat(n));
    StatusCode::UNAUTHORIZED
}

async fn unnote(mut s: Session<Notes>) -> String {
    s.unset_note();
    show(&s)
}

async fn clear(mut s: Session<Notes>) -> &'static str {
    s.clear();
    "cleared"
}

/// The total limit of the chunking apps: 4 chunks.
const TOTAL: usize = 16_000;

fn config() -> SessionConfig<Notes> {
    SessionConfig::new(Key::derive(SECRET).unwrap())
}

/// The reasons of the rejected tokens an app saw.
type Rejections = Arc<Mutex<Vec<UnsealError>>>;

/// The app, carrying sessions in cookies with `options`.
async fn app(options: CookieOptions) -> (Server, Rejections) {
    let rejections = Rejections::default();
    let seen = Arc::clone(&rejections);
    let transport = Transport::new(config())
        .with_cookie(options)
        .with_rejection_hook(move |error| seen.lock().unwrap().push(error.clone()));
    let app = Router::new()
        .route("/", get(visit))
        .route("/read", get(read))
        .route("/flash/{n}", get(flash))
        .route("/note/{n}", get(note))
        .route("/note-401/{n}", get(note_401))
        .route("/unnote", get(unnote))
        .route("/clear", get(clear))
        .layer(SessionLayer::from_transport(transport));
    (serve(app).await, rejections)
}

async fn chunking_app() -> (Server, Rejections) {
    app(CookieOptions::new().with_chunking(TOTAL)).await
}

/// `GET path` with `cookies`.
async fn get_with(server: &Server, path: &str, cookies: &Cookies) -> Reply {
    let mut request = plain_client().get(server.url(path));
    if !cookies.names().is_empty() {
        request = request.header(COOKIE, cookies.header());
    }
    send(request).await
}

/// `GET path` with `cookies`, which must answer 200; `cookies` then holds
/// what a browser would.
async fn step(server: &Server, path: &str, cookies: &mut Cookies) -> Reply {
    let reply = get_with(server, path, cookies).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {reply:?}");
    cookies.apply(&reply);
    reply
}

/// The fields of a `show` body: id, visits, note length, notice length.
fn fields(reply: &Reply) -> (String, u32, usize, usize) {
    let parts: Vec<&str> = reply.body.split(' ').collect();
    assert_eq!(parts.len(), 4, "{:?}", reply.body);
    (
        parts[0].to_owned(),
        parts[1].parse().unwrap(),
        parts[2].parse().unwrap(),
        parts[3].parse().unwrap(),
    )
}

/// `sid` and its `n` chunk names, in the order they are written.
fn chunked_names(n: usize) -> Vec<String> {
    std::iter::once("sid".to_owned())
        .chain((1..=n).map(|i| format!("sid.{i}")))
        .collect()
}

/// How many chunks a reply writes (its main cookie's `__chunked__N`).
fn written_chunks(reply: &Reply) -> usize {
    let (_, main) = reply
        .pairs()
        .into_iter()
        .find(|(name, _)| name == "sid")
        .expect("the main cookie");
    main.strip_prefix("__chunked__")
        .unwrap_or_else(|| panic!("not chunked: {main}"))
        .parse()
        .unwrap()
}

/// Whether `line` removes its cookie as the layer does.
fn is_removal(line: &str) -> bool {
    line.contains("=; ") && line.ends_with("; Max-Age=0")
}

#[tokio::test]
async fn a_large_flash_travels_in_chunks_whose_stale_ones_go_once_it_is_read() {
    let (server, rejections) = chunking_app().await;
    let mut cookies = Cookies::new();

    let flashed = step(&server, "/flash/5000", &mut cookies).await;
    let (id, ..) = fields(&flashed);
    // 5000 characters seal to about 6 700 bytes: two chunks.
    assert_eq!(
        flashed.cookie_names(),
        chunked_names(2),
        "{:?}",
        flashed.cookies
    );
    let pairs = flashed.pairs();
    assert_eq!(pairs[0].1, "__chunked__2");
    assert_eq!(pairs[1].1.len(), 4000, "a full chunk is 4000 bytes");
    assert!(!pairs[2].1.is_empty() && pairs[2].1.len() <= 4000);
    for line in &flashed.cookies {
        assert!(
            line.len() < 4096,
            "each cookie fits a browser: {}",
            line.len()
        );
        assert!(
            line.ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/"),
            "every chunk carries the attributes: {line}"
        );
    }

    // The next request reads the flash whole: the chunks were joined.
    let read = step(&server, "/", &mut cookies).await;
    assert_eq!(fields(&read), (id.clone(), 1, 0, 5000));
    // The flash is gone from what is saved: one cookie again, and both
    // chunks are removed, before the new value.
    let lines = &read.cookies;
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("sid.1=; ") && is_removal(&lines[0]),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("sid.2=; ") && is_removal(&lines[1]),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("sid=") && !lines[2].starts_with("sid=__chunked__"));
    assert_eq!(cookies.names(), ["sid"]);

    let again = step(&server, "/", &mut cookies).await;
    assert_eq!(fields(&again), (id, 2, 0, 0));
    assert_eq!(again.cookie_names(), ["sid"], "no chunk left to remove");
    assert!(rejections.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_shrinking_session_removes_exactly_the_chunks_it_no_longer_uses() {
    let (server, _) = chunking_app().await;
    let mut cookies = Cookies::new();

    let large = step(&server, "/note/8000", &mut cookies).await;
    let (id, ..) = fields(&large);
    let before = written_chunks(&large);
    assert_eq!(before, 3, "8000 characters seal to about 10 700 bytes");
    assert_eq!(large.cookie_names(), chunked_names(3));

    let smaller = step(&server, "/note/5000", &mut cookies).await;
    let after = written_chunks(&smaller);
    assert_eq!(after, 2);
    // `sid.3` goes first, then the new set.
    let mut expected = vec!["sid.3".to_owned()];
    expected.extend(chunked_names(2));
    assert_eq!(smaller.cookie_names(), expected);
    assert!(is_removal(&smaller.cookies[0]), "{}", smaller.cookies[0]);
    assert_eq!(cookies.names(), ["sid", "sid.1", "sid.2"]);

    // Growing again needs no removal.
    let grown = step(&server, "/note/8000", &mut cookies).await;
    assert_eq!(grown.cookie_names(), chunked_names(3));

    let plain = step(&server, "/unnote", &mut cookies).await;
    assert_eq!(plain.cookie_names(), ["sid.1", "sid.2", "sid.3", "sid"]);
    assert_eq!(cookies.names(), ["sid"]);
    let read = step(&server, "/read", &mut cookies).await;
    assert_eq!(fields(&read), (id, 0, 0, 0));
    assert!(read.cookies.is_empty());
}

#[tokio::test]
async fn a_browser_cookie_jar_keeps_and_drops_the_chunks() {
    // reqwest's cookie store sends `Secure` cookies over HTTPS only.
    let (server, _) = app(CookieOptions::new().with_chunking(TOTAL).with_secure(false)).await;
    let jar = jar();
    let browser = jar_client(&jar);
    let chunk = |name: &str| session_tests::http::jar_value(&jar, &server.base, name);

    let flashed = send(browser.get(server.url("/flash/5000"))).await;
    assert_eq!(flashed.status, StatusCode::OK);
    assert_eq!(chunk("sid").as_deref(), Some("__chunked__2"));
    assert!(chunk("sid.1").is_some() && chunk("sid.2").is_some());

    let read = send(browser.get(server.url("/"))).await;
    let (_, visits, _, notice) = fields(&read);
    assert_eq!((visits, notice), (1, 5000), "the jar sent the chunks back");
    assert_eq!(chunk("sid.1"), None, "removed by the response");
    assert_eq!(chunk("sid.2"), None);
    assert!(!chunk("sid").unwrap().starts_with("__chunked__"));
}

#[tokio::test]
async fn every_chunk_is_set_on_an_error_response() {
    let (server, _) = chunking_app().await;
    let reply = get_with(&server, "/note-401/5000", &Cookies::new()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.cookie_names(), chunked_names(2));
    let mut cookies = Cookies::from_reply(&reply);
    let read = step(&server, "/read", &mut cookies).await;
    assert_eq!(fields(&read).2, 5000);
}

#[tokio::test]
async fn clear_removes_the_main_cookie_and_every_chunk() {
    let (server, _) = chunking_app().await;
    let mut cookies = Cookies::new();
    step(&server, "/note/8000", &mut cookies).await;
    let cleared = step(&server, "/clear", &mut cookies).await;
    assert_eq!(cleared.cookie_names(), chunked_names(3));
    assert!(
        cleared.cookies.iter().all(|line| is_removal(line)),
        "{:?}",
        cleared.cookies
    );
    assert!(cookies.names().is_empty());
}

#[tokio::test]
async fn a_broken_chunk_set_gives_a_fresh_session() {
    let (server, rejections) = chunking_app().await;
    let mut good = Cookies::new();
    let written = step(&server, "/note/5000", &mut good).await;
    let (id, ..) = fields(&written);
    assert_eq!(good.names(), ["sid", "sid.1", "sid.2"]);

    let mut tampered = good.clone();
    let chunk = tampered.get("sid.1").unwrap().to_owned();
    let flipped = if chunk.as_bytes()[100] == b'A' {
        "B"
    } else {
        "A"
    };
    tampered.set(
        "sid.1",
        &format!("{}{flipped}{}", &chunk[..100], &chunk[101..]),
    );
    let mut missing = good.clone();
    missing.remove("sid.2");
    let mut empty = good.clone();
    empty.set("sid.2", "");
    let mut swapped = good.clone();
    let (one, two) = (good.get("sid.1").unwrap(), good.get("sid.2").unwrap());
    swapped.set("sid.1", two);
    swapped.set("sid.2", one);
    let announcing = |main: &str| {
        let mut cookies = good.clone();
        cookies.set("sid", main);
        cookies
    };
    // What each gives: `None` for any rejection but `BadChunks` (swapped
    // chunks join to another valid-looking token, whose first bytes decide
    // how it fails).
    let bad = Some(UnsealError::BadChunks);
    let cases = [
        (tampered, "tampered", Some(UnsealError::Tampered)),
        (missing, "missing", bad.clone()),
        (empty, "empty", bad.clone()),
        (swapped, "swapped", None),
        (
            announcing("__chunked__3"),
            "one more announced",
            bad.clone(),
        ),
        (announcing("__chunked__0"), "none announced", bad.clone()),
        (announcing("__chunked__101"), "over 100", bad.clone()),
        (announcing("__chunked__two"), "not a number", bad.clone()),
        (announcing("__chunked__"), "no number", bad),
    ];
    for (cookies, case, expected) in cases {
        rejections.lock().unwrap().clear();
        let reply = get_with(&server, "/read", &cookies).await;
        assert_eq!(reply.status, StatusCode::OK, "{case}");
        let (fresh_id, visits, note, _) = fields(&reply);
        assert_ne!(fresh_id, id, "{case}: a fresh session");
        assert_eq!((visits, note), (0, 0), "{case}");
        let seen = rejections.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "{case}: {seen:?}");
        match &expected {
            Some(error) => assert_eq!(&seen[0], error, "{case}"),
            None => assert_ne!(seen[0], UnsealError::BadChunks, "{case}"),
        }
    }

    // A chunk beyond the announced count is not read; the session opens.
    let mut extra = good.clone();
    extra.set("sid.3", "whatever");
    let reply = get_with(&server, "/read", &extra).await;
    assert_eq!(fields(&reply).0, id);
    // The session itself is still whole.
    let reply = get_with(&server, "/read", &good).await;
    assert_eq!(fields(&reply), (id, 0, 5000, 0));
}

#[tokio::test]
async fn over_the_total_limit_the_save_fails_and_nothing_is_set() {
    let (server, _) = chunking_app().await;
    let mut cookies = Cookies::new();
    step(&server, "/note/5000", &mut cookies).await;
    // 20 000 characters seal to about 26 700 bytes, over the 16 000 total.
    let reply = get_with(&server, "/note/20000", &cookies).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.cookies.is_empty(), "{:?}", reply.cookies);

    // The typed error: the total against the sealed length.
    let transport = Transport::new(config()).with_cookie(CookieOptions::new().with_chunking(TOTAL));
    let mut session = SessionState::new(transport.config());
    session.set_note("n".repeat(20_000));
    match transport.save(&session, Arrival::default()).await {
        Err(SaveError::Seal(SealError::TooLarge { len, limit })) => {
            assert_eq!(limit, TOTAL);
            assert!(len > TOTAL, "{len}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn without_chunking_an_oversized_session_stays_an_error_and_chunks_are_not_read() {
    let (chunking, _) = chunking_app().await;
    let (single, rejections) = app(CookieOptions::new()).await;
    assert_eq!(
        Transport::new(config()).chunking(),
        None,
        "the native format does not chunk by default"
    );

    let reply = get_with(&single, "/flash/5000", &Cookies::new()).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.cookies.is_empty());

    // Chunks written by a chunking app (same key) are not read here:
    // `__chunked__2` is just an invalid token.
    let mut cookies = Cookies::new();
    step(&chunking, "/note/5000", &mut cookies).await;
    let reply = get_with(&single, "/read", &cookies).await;
    assert_eq!(fields(&reply).2, 0, "a fresh session");
    assert_eq!(*rejections.lock().unwrap(), [UnsealError::Malformed]);
}

#[tokio::test]
async fn a_session_from_the_header_removes_the_cookies_stale_chunks_when_written() {
    let (server, _) = chunking_app().await;
    let mut chunked = Cookies::new();
    step(&server, "/note/8000", &mut chunked).await;
    let small = step(&server, "/", &mut Cookies::new()).await;
    let token = Cookies::from_reply(&small).get("sid").unwrap().to_owned();

    // The header wins; the cookie's three chunks are removed once the
    // header's session is written into the cookie.
    let reply = send(
        plain_client()
            .get(server.url("/"))
            .header("x-sid-session", &token)
            .header(COOKIE, chunked.header()),
    )
    .await;
    assert_eq!(fields(&reply).1, 2, "the header's session");
    assert_eq!(reply.cookie_names(), ["sid.1", "sid.2", "sid.3", "sid"]);
    // A plain read from the header writes nothing, so removes nothing.
    let reply = send(
        plain_client()
            .get(server.url("/read"))
            .header("x-sid-session", &token)
            .header(COOKIE, chunked.header()),
    )
    .await;
    assert!(reply.cookies.is_empty(), "{:?}", reply.cookies);
}
