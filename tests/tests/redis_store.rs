//! `RedisStore` on a real `redis-server` (started per test): the shared
//! store contract, on plain TCP (RESP2 and RESP3) and over TLS with a
//! password.

use std::sync::LazyLock;

use session_runtime::store::{RedisStore, Store};
use session_tests::redis::{RedisOptions, RedisServer};
use session_tests::tls::{ServerCert, TestCa};

/// A CA for the TLS servers, and the certificate it signed for them.
static CA: LazyLock<(TestCa, ServerCert)> = LazyLock::new(|| {
    let ca = TestCa::generate("session-tests CA");
    let cert = ca.issue(&["IP:127.0.0.1"]);
    (ca, cert)
});

/// A store on a private server; the server stops when this is dropped.
struct Redis {
    store: RedisStore,
    _server: RedisServer,
}

impl Redis {
    async fn start() -> Self {
        let server = RedisServer::start();
        let store = RedisStore::connect(server.url()).await.expect("connects");
        Self {
            store,
            _server: server,
        }
    }

    /// Speaking RESP3 (`?protocol=resp3`), where replies such as a
    /// session's hash come as maps.
    async fn start_resp3() -> Self {
        let server = RedisServer::start();
        let store = RedisStore::connect(format!("{}?protocol=resp3", server.url()))
            .await
            .expect("connects with RESP3");
        Self {
            store,
            _server: server,
        }
    }

    /// On a TLS-only server with a password (`rediss://:password@`),
    /// trusting the test CA.
    async fn start_tls() -> Self {
        let (ca, cert) = &*CA;
        let server = RedisServer::start_with(RedisOptions {
            password: Some("a password".to_owned()),
            tls: Some(cert.clone()),
        });
        let store = RedisStore::builder(server.url())
            .with_tls_root_certificates(ca.cert_pem())
            .connect()
            .await
            .expect("connects over TLS");
        Self {
            store,
            _server: server,
        }
    }
}

/// The contract's cases run against the store, which delegates.
macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        impl Store for Redis {
            $(fn $name(&self, $($arg: $ty),*) -> session_runtime::backend::Pending<Result<$out, session_runtime::StoreError>> {
                self.store.$name($($arg),*)
            })*
        }
    };
}

delegate! {
    load(id: &str, now_ms: u64) -> Option<session_runtime::store::Record>;
    save(save: session_runtime::store::Save) -> session_runtime::store::SaveOutcome;
    delete(id: &str) -> bool;
    touch(id: &str, last_seen_ms: u64, expires_ms: Option<u64>) -> bool;
    len(now_ms: u64) -> usize;
    ids(now_ms: u64) -> Vec<String>;
    clear() -> ();
    owned_by(owner: &str, now_ms: u64) -> Vec<String>;
    revoke_owner(owner: &str) -> usize;
}

session_runtime::store_conformance!(conformance, Redis::start().await);

session_runtime::store_conformance!(conformance_over_tls, Redis::start_tls().await);

session_runtime::store_conformance!(conformance_over_resp3, Redis::start_resp3().await);

/// Redis removes a session by itself at its expiry: the key's own expiry
/// (`PEXPIRETIME`) is `__e` after every save, whether the save keeps the
/// expiry (which the store then leaves alone), moves it, removes it or
/// sets it again.
#[tokio::test]
async fn the_key_expires_with_the_session() {
    use session_runtime::store::{OwnerUpdate, Save, SaveMode, SaveOutcome};

    let server = RedisServer::start();
    let store = RedisStore::connect(server.url()).await.expect("connects");
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs()
        * 1000;
    let save = |mode, at: u64, expires_ms, count: &str| Save {
        id: "expiring".to_owned(),
        mode,
        set: vec![("count".to_owned(), count.to_owned())],
        remove: Vec::new(),
        last_seen_ms: at,
        expires_ms,
        owner: OwnerUpdate::Keep,
    };
    let key_expiry = || server.cli(&["pexpiretime", "session:s:expiring"]);
    let stored_expiry = || server.cli(&["hget", "session:s:expiring", "__e"]);
    let first = t + 60_000;
    let create = SaveMode::Create {
        created_ms: t,
        replaces: None,
    };
    for (mode, at, expires_ms, count) in [
        (create, t, Some(first), "1"),
        (SaveMode::Update, t + 1, Some(first), "2"),
        (SaveMode::Update, t + 2, Some(first + 5_000), "3"),
        (SaveMode::Update, t + 3, None, "4"),
        (SaveMode::Update, t + 4, None, "5"),
        (SaveMode::Update, t + 5, Some(first), "6"),
    ] {
        let outcome = store
            .save(save(mode, at, expires_ms, count))
            .await
            .expect("saves");
        assert_eq!(outcome, SaveOutcome::Saved);
        let record = store
            .load("expiring", at)
            .await
            .expect("loads")
            .expect("live");
        assert_eq!(record.expires_ms, expires_ms, "save {count}");
        assert_eq!(
            record.fields,
            [("count".to_owned(), count.to_owned())],
            "save {count}"
        );
        let (shown, stored) = expires_ms.map_or_else(
            || ("-1".to_owned(), String::new()),
            |at| (at.to_string(), at.to_string()),
        );
        assert_eq!(key_expiry(), shown, "the key's expiry after save {count}");
        assert_eq!(stored_expiry(), stored, "__e after save {count}");
    }
}
