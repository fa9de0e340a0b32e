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
