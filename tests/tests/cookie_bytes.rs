//! The session cookie is found whatever bytes the other cookies carry
//! (issue 12, finding 2): `Cookie: theme=café; counter=<valid>` continues
//! the session instead of starting a fresh one. For both formats (native
//! and h3 v1/v2), on the transport and over HTTP, where the real h3 finds
//! the same cookie.

use http::header::{COOKIE, HeaderMap, HeaderValue};
use session_examples::counter::{self, Counter};
use session_runtime::h3::H3Version;
use session_runtime::transport::{Source, Transport};
use session_runtime::{Key, SessionConfig};
use session_tests::http::{Reply, Server, plain_client, send, serve};
use session_tests::node::{NodeServer, P, flag};

/// Neighbours a browser may send next to the session cookie: UTF-8,
/// Latin-1 and bytes that are not UTF-8 at all, tabs, pairs that cannot be
/// parsed, and a look-alike name. (`http` refuses control bytes other than
/// the tab in a header value, as hyper does on the wire; the transport's
/// unit tests feed those to the parser directly.)
const NEIGHBOURS: [&[u8]; 10] = [
    "theme=café".as_bytes(),
    "emoji=🍪; lang=français".as_bytes(),
    b"latin1=caf\xe9",
    b"broken=\xff\xfe\xc3",
    b"tab=\ta\tb",
    b"noequals",
    b"=novalue",
    b";;",
    b"\"quoted=x\"",
    "caf\u{e9}=name".as_bytes(),
];

/// Every way of putting `name=token` next to `neighbour` in one line.
fn lines(name: &str, token: &str, neighbour: &[u8]) -> Vec<Vec<u8>> {
    let pair = format!("{name}={token}");
    let pair = pair.as_bytes();
    vec![
        [neighbour, b"; ", pair].concat(),
        [pair, b"; ", neighbour].concat(),
        [neighbour, b";", pair, b";", neighbour].concat(),
    ]
}

fn cookie_headers(line: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_bytes(line).expect("a header value"),
    );
    headers
}

/// Seals a first visit (a count of 1) through `transport`: the cookie value.
fn first_visit(transport: &Transport<Counter>) -> String {
    let mut loaded = transport
        .load(&HeaderMap::new())
        .into_ready()
        .unwrap()
        .unwrap();
    loaded.session.set_count(1);
    let lines = transport
        .save(&loaded.session, loaded.arrival)
        .into_ready()
        .unwrap()
        .unwrap();
    let set_cookie = lines
        .as_slice()
        .first()
        .expect("a new session sets its cookie");
    let set_cookie = set_cookie.to_str().unwrap();
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

fn transports() -> Vec<(&'static str, Transport<Counter>)> {
    vec![
        (
            "native",
            Transport::new(SessionConfig::<Counter>::new(
                Key::derive("a test secret that is long enough, really").unwrap(),
            )),
        ),
        (
            "h3 v1",
            Transport::new(SessionConfig::<Counter>::h3(H3Version::V1, P).unwrap()),
        ),
        (
            "h3 v2",
            Transport::new(SessionConfig::<Counter>::h3(H3Version::V2, P).unwrap()),
        ),
    ]
}

#[test]
fn the_session_cookie_is_found_next_to_any_neighbour_in_both_formats() {
    for (format, transport) in transports() {
        let token = first_visit(&transport);
        let name = transport.cookie_name().to_owned();
        for neighbour in NEIGHBOURS {
            for line in lines(&name, &token, neighbour) {
                let shown = String::from_utf8_lossy(&line);
                let loaded = transport
                    .load(&cookie_headers(&line))
                    .into_ready()
                    .unwrap()
                    .unwrap();
                assert_eq!(loaded.arrival.source, Source::Cookie, "{format}: {shown}");
                assert_eq!(loaded.error, None, "{format}: {shown}");
                assert_eq!(*loaded.session.count(), 1, "{format}: {shown}");
                assert!(!loaded.session.is_new(), "{format}: {shown}");
            }
        }
    }
}

#[test]
fn a_session_value_or_header_that_is_not_text_is_present_and_invalid() {
    for (format, transport) in transports() {
        let token = first_visit(&transport);
        let name = transport.cookie_name().to_owned();
        // The first session cookie wins, as in h3: bytes that are not UTF-8
        // are a token no seal matches, not a reason to look further.
        let line = [
            name.as_bytes(),
            b"=caf\xe9; ",
            name.as_bytes(),
            b"=",
            token.as_bytes(),
        ]
        .concat();
        let loaded = transport
            .load(&cookie_headers(&line))
            .into_ready()
            .unwrap()
            .unwrap();
        assert_eq!(loaded.arrival.source, Source::Cookie, "{format}");
        assert!(loaded.error.is_some(), "{format}");
        assert!(loaded.session.is_new(), "{format}");

        // The session header is read as bytes too: present and invalid, and
        // the valid cookie behind it is not used (h3's rule).
        let mut headers = cookie_headers(format!("{name}={token}").as_bytes());
        let header = transport.header_name().unwrap().clone();
        headers.insert(header, HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let loaded = transport.load(&headers).into_ready().unwrap().unwrap();
        assert_eq!(loaded.arrival.source, Source::Header, "{format}");
        assert!(loaded.error.is_some(), "{format}");
        assert!(loaded.session.is_new(), "{format}");
    }
}

/// `GET /` with one `Cookie` line of raw bytes.
async fn visit_with(server: &Server, line: &[u8]) -> Reply {
    let value = HeaderValue::from_bytes(line).expect("a header value");
    send(plain_client().get(server.url("/")).header(COOKIE, value)).await
}

fn count_body(n: u32) -> String {
    format!("Hello world! You have visited this page {n} times.")
}

#[tokio::test]
async fn over_http_the_count_goes_on_next_to_a_utf8_neighbour() {
    // Native format: the counter example's own cookie.
    let rust = serve(counter::app(SessionConfig::<Counter>::new(
        Key::derive("a test secret that is long enough, really").unwrap(),
    )))
    .await;
    let first = send(plain_client().get(rust.url("/"))).await;
    let token = first.cookie_value("counter").unwrap();
    for neighbour in NEIGHBOURS {
        let line = [neighbour, b"; counter=", token.as_bytes()].concat();
        let reply = visit_with(&rust, &line).await;
        assert_eq!(
            reply.body,
            count_body(2),
            "{}",
            String::from_utf8_lossy(&line)
        );
    }

    // h3's format: the real h3 and the Rust counter read the same line alike.
    for v in [H3Version::V1, H3Version::V2] {
        let node = NodeServer::start("counter.mjs", &["--version", flag(v), "--password", P]);
        let rust = serve(counter::app(SessionConfig::<Counter>::h3(v, P).unwrap())).await;
        let first = send(plain_client().get(node.url("/"))).await;
        let token = first.cookie_value("h3").expect("h3 sets its cookie");
        for neighbour in ["theme=café".as_bytes(), b"broken=\xff", b"noequals"] {
            let line = [neighbour, b"; h3=", token.as_bytes()].concat();
            let shown = String::from_utf8_lossy(&line).into_owned();
            assert_eq!(
                visit_with(&node.server, &line).await.body,
                count_body(2),
                "{v:?} h3: {shown}"
            );
            assert_eq!(
                visit_with(&rust, &line).await.body,
                count_body(2),
                "{v:?} Rust: {shown}"
            );
        }
    }
}
