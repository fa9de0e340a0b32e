//! Connecting `RedisStore` to a real `redis-server`: URLs with a password
//! (and a user, a database, characters to escape) on a password-protected
//! server, and `rediss://` (feature `redis-tls`) on a TLS-only server with
//! a CA of the test's own: the counter example over TLS, and the servers a
//! client must refuse (another CA's certificate, another host's, the
//! system roots that do not know the CA), each as a `StoreError`.

use std::sync::LazyLock;
use std::time::Duration;

use session_examples::counter;
use session_runtime::store::{RedisStore, Store as _};
use session_runtime::{Key, SessionConfig, StoreError, StoreErrorKind};
use session_tests::http::{SECRET, jar, jar_client, send, serve};
use session_tests::redis::{RedisOptions, RedisServer, percent_encode};
use session_tests::tls::{ServerCert, TestCa};

const PASSWORD: &str = "correct horse";

/// The test CA and a certificate it signed for `127.0.0.1` and `localhost`.
static CA: LazyLock<(TestCa, ServerCert)> = LazyLock::new(|| {
    let ca = TestCa::generate("session-tests CA");
    let cert = ca.issue(&["IP:127.0.0.1", "DNS:localhost"]);
    (ca, cert)
});

fn with_password() -> RedisServer {
    RedisServer::start_with(RedisOptions {
        password: Some(PASSWORD.to_owned()),
        tls: None,
    })
}

/// A TLS-only server with a password, presenting `cert`.
fn tls_server(cert: &ServerCert) -> RedisServer {
    RedisServer::start_with(RedisOptions {
        password: Some(PASSWORD.to_owned()),
        tls: Some(cert.clone()),
    })
}

async fn connect(url: String) -> Result<RedisStore, StoreError> {
    RedisStore::builder(url)
        .with_timeout(Duration::from_secs(2))
        .connect()
        .await
}

async fn connect_tls(url: String, roots: &[u8]) -> Result<RedisStore, StoreError> {
    RedisStore::builder(url)
        .with_tls_root_certificates(roots)
        .with_timeout(Duration::from_secs(2))
        .connect()
        .await
}

/// The store works: a write lands and reads back.
async fn assert_works(store: &RedisStore) {
    store.clear().await.expect("clear");
    assert_eq!(store.len(0).await.expect("len"), 0);
    assert_eq!(store.load("nobody", 0).await.expect("load"), None);
}

#[tokio::test]
async fn a_password_in_the_url_authenticates() {
    let server = with_password();
    let port = server.addr().port();
    let password = percent_encode(PASSWORD);
    for url in [
        format!("redis://:{password}@127.0.0.1:{port}"),
        format!("redis://default:{password}@127.0.0.1:{port}/0"),
    ] {
        let store = connect(url.clone()).await.expect(&url);
        assert_works(&store).await;
    }
}

#[tokio::test]
async fn a_user_password_and_database_in_the_url_are_used() {
    let server = with_password();
    let password = "p@ss:w/rd %?#";
    let acl = format!(">{password}");
    assert_eq!(
        server.cli(&["acl", "setuser", "ada", "on", &acl, "~*", "+@all"]),
        "OK"
    );
    let url = format!(
        "redis://ada:{}@127.0.0.1:{}/3",
        percent_encode(password),
        server.addr().port()
    );
    let store = connect(url).await.expect("ada signs in");
    let config =
        SessionConfig::<counter::Counter>::new(Key::derive(SECRET).unwrap()).with_store(store);
    let app = serve(counter::app(config)).await;
    let browser = jar_client(&jar());
    for n in 1..=2 {
        let page = send(browser.get(app.url("/"))).await;
        assert_eq!(
            page.body,
            format!("Hello world! You have visited this page {n} times.")
        );
    }
    // The session is in database 3 and nowhere else, written as ada.
    assert_eq!(server.cli(&["-n", "3", "dbsize"]), "1");
    assert_eq!(server.cli(&["-n", "0", "dbsize"]), "0");
    let clients = server.cli(&["client", "list"]);
    assert!(clients.contains("user=ada"), "{clients}");
}

#[tokio::test]
async fn a_wrong_or_missing_password_is_a_store_error() {
    let server = with_password();
    let port = server.addr().port();
    let wrong = connect(format!("redis://:wrong@127.0.0.1:{port}")).await;
    let error = wrong.expect_err("a wrong password is refused");
    assert!(error.to_string().contains("redis"), "{error}");
    // Without a password the connection opens, and the first command is
    // refused.
    let outcome = match connect(format!("redis://127.0.0.1:{port}")).await {
        Ok(store) => store.load("someone", 0).await.map(|_| ()),
        Err(error) => Err(error),
    };
    let error = outcome.expect_err("no password, no data");
    assert!(error.to_string().contains("NOAUTH"), "{error}");
}

#[tokio::test]
async fn the_password_stays_out_of_debug_output() {
    let builder = RedisStore::builder("redis://ada:s3cret@127.0.0.1:6379/2");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(
        shown.contains("redis://ada:***@127.0.0.1:6379/2"),
        "{shown}"
    );
}

/// The counter example (`SessionConfig::with_store`) over `rediss://` with
/// a password: each visit loads and saves through TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_runs_over_tls_with_a_password() {
    let (ca, cert) = &*CA;
    let server = tls_server(cert);
    assert!(server.url().starts_with("rediss://:"), "{}", server.url());
    let store = connect_tls(server.url(), ca.cert_pem())
        .await
        .expect("trusts the test CA");
    let config =
        SessionConfig::<counter::Counter>::new(Key::derive(SECRET).unwrap()).with_store(store);
    let app = serve(counter::app(config)).await;
    let browser = jar_client(&jar());
    for n in 1..=3 {
        let page = send(browser.get(app.url("/"))).await;
        assert_eq!(
            page.body,
            format!("Hello world! You have visited this page {n} times.")
        );
    }
    let keys = server.cli(&["--scan", "--pattern", "session:s:*"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    // The store's connection is TLS: the server counts it as such (it has
    // no plain port at all).
    assert_eq!(server.cli(&["config", "get", "port"]), "port\n0");
}

/// A refused certificate: a `StoreError` in bounded time, no panic.
fn assert_refused(outcome: Result<RedisStore, StoreError>, why: &str) {
    let error = outcome.expect_err(why);
    assert_eq!(error.kind(), StoreErrorKind::Other, "{why}: {error}");
    let message = error.to_string();
    assert!(
        message.contains("TLS: ") && message.contains("certificate"),
        "{why}: {error}"
    );
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let (_, cert) = &*CA;
    let server = tls_server(cert);
    let other = TestCa::generate("another CA");
    assert_refused(
        connect_tls(server.url(), other.cert_pem()).await,
        "another CA's server",
    );
}

#[tokio::test]
async fn without_the_ca_the_system_roots_refuse_the_server() {
    let (_, cert) = &*CA;
    let server = tls_server(cert);
    assert_refused(connect(server.url()).await, "a CA the system does not know");
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    let (ca, _) = &*CA;
    let server = tls_server(&ca.issue(&["DNS:redis.example"]));
    assert_refused(
        connect_tls(server.url(), ca.cert_pem()).await,
        "a certificate for another name",
    );
}

#[tokio::test]
async fn the_host_name_in_the_certificate_is_accepted() {
    let (ca, cert) = &*CA;
    let server = tls_server(cert);
    let url = server.url().replace("127.0.0.1", "localhost");
    let store = connect_tls(url, ca.cert_pem())
        .await
        .expect("the certificate names localhost");
    assert_works(&store).await;
}

#[tokio::test]
async fn unusable_tls_settings_are_store_errors() {
    let (ca, cert) = &*CA;
    let server = tls_server(cert);
    let refused = |outcome: Result<RedisStore, StoreError>, why: &str, says: &str| {
        let error = outcome.expect_err(why);
        assert_eq!(error.kind(), StoreErrorKind::Other, "{why}: {error}");
        assert!(error.to_string().contains(says), "{why}: {error}");
    };
    refused(
        connect_tls(server.url(), b"not a certificate").await,
        "roots without a certificate",
        "no PEM CERTIFICATE",
    );
    let garbled = b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
    refused(
        connect_tls(server.url(), garbled).await,
        "roots that are not base64",
        "not PEM certificates",
    );
    // Roots for a plain URL: refused rather than connecting without TLS.
    refused(
        connect_tls(format!("redis://{}", server.addr()), ca.cert_pem()).await,
        "roots with redis://",
        "rediss://",
    );
    // Skipping verification needs a redis feature this crate leaves off.
    refused(
        connect_tls(format!("{}#insecure", server.url()), ca.cert_pem()).await,
        "#insecure",
        "insecure",
    );
}
