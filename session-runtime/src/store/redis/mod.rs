//! [`RedisStore`] (feature `redis`): sessions in Redis or Valkey, for more
//! than one machine.
//!
//! # Layout
//!
//! With the key prefix `p` (default `session:`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `p` `s:` id | hash | one hash field per session field (its session key → the JSON text of its value), plus `__c` (created, ms), `__l` (last seen, ms), `__e` (expiry, ms; absent for none) and `__o` (the owner's key, when it has one); `PEXPIREAT` at `__e` |
//! | `p` `o:` owner | sorted set | the ids of the owner's sessions, each scored by its expiry (`+inf` for none), pruned by score when read; it expires with its longest-lived session |
//!
//! Session keys of the schema never start with `__` (the derive reserves
//! them), so the metadata cannot collide with a field.
//!
//! # Round trips
//!
//! A load is one plain `HGETALL` (a second round trip, a script, only to
//! remove a session that has expired by the store's clock but not yet by
//! Redis's, which expires it by itself at `__e`). Every other operation is
//! one server-side script (`EVALSHA`; after a server restart the client
//! loads the script once and retries): a save is one round trip whatever it
//! changes (set fields, `HDEL` removals, a rename, the owner index and the
//! expiry in one step), a request that only reads writes nothing. The
//! scripts check that a session exists before writing to it, so a write
//! racing a logout never brings the session back, and they keep the owner
//! index exact in the same step. Only the administrative `len`, `ids` and
//! `clear` walk the keys (`SCAN`).
//!
//! # Faults
//!
//! Every operation is bounded by a timeout ([`RedisStoreBuilder::with_timeout`],
//! 2 s by default): a server that is down or hung gives a
//! [`StoreError`] in bounded time (the HTTP layers answer `503`), never a
//! fresh session in place of the user's. The connection is multiplexed and
//! reconnects by itself when the server comes back. Faults are logged (the
//! operation and the error, never session data).
//!
//! # Connecting: passwords and TLS
//!
//! The URL carries the credentials:
//! `redis://:password@host:6379` (the `default` user, `requirepass`) or
//! `redis://user:password@host:6379/2` (an ACL user, database 2), with
//! `%`-escapes for characters such as `@`, `:` or `/` in either. A
//! builder's `Debug` output hides the password.
//!
//! With feature `redis-tls`, `rediss://host:6380` connects over TLS
//! (rustls). The server's certificate must name the URL's host (a DNS name
//! or an IP address) and chain to a root of the system's store (read on
//! every connection and reconnection), or, with
//! [`with_tls_root_certificates`](RedisStoreBuilder::with_tls_root_certificates),
//! to the given CA certificates only: private deployments often have a CA
//! of their own. A certificate that fails this refuses the connection with
//! a [`StoreError`] ([`StoreErrorKind::Other`]: a setting to fix, not an
//! outage). There is no way to skip verification (`#insecure` URLs are
//! refused), and no client certificates.
//!
//! rustls needs a process-wide crypto provider. The first `rediss://`
//! connection installs `ring`'s, unless the application installed one
//! before (that one is then used, e.g. `aws-lc-rs` for FIPS); this also
//! keeps rustls from panicking when another dependency compiles in
//! `aws-lc-rs` beside `ring`. Feature `redis` alone builds no TLS code.
//!
//! # Past one machine: Redis Cluster, Valkey Cluster
//!
//! Everything about one session is one key, so loads, saves, touches and
//! deletes are single-key and work on a cluster as they are, except where a
//! script also touches a second key: the owner index (a different hash
//! slot from the session, in general), a rename (old and new id) and a
//! create that replaces a cleared session. A cluster rejects a script whose
//! keys span slots (`CROSSSLOT`), and these scripts build the owner index
//! key inside the script, which a cluster does not allow at all. What would
//! change for a cluster:
//!
//! * put the owner in a hash tag of every session key of an owner
//!   (`p{owner}s:id`, `p{owner}o`), so a session and its owner's index
//!   share a slot; anonymous sessions get their id as the tag. The owner is
//!   then fixed when the session is created: signing in (which regenerates
//!   the id) creates the session under its owner's tag, so `regenerate_id`
//!   on login moves it into the right slot in the same step. Revoking an
//!   owner stays one script (one slot).
//! * or keep the key layout and split the multi-key steps into idempotent
//!   single-key operations (write the session, then update the index in a
//!   pipeline), accepting a short window where the index lags the session
//!   and repairing it on read (the index is already pruned on read).
//!
//! The first keeps every guarantee and is the one to build; this store does
//! not support cluster mode today.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script, Value};

use super::{OwnerUpdate, Record, Save, SaveMode, SaveOutcome, Store};
use crate::backend::Pending;
use crate::error::{StoreError, StoreErrorKind};

#[cfg(feature = "redis-tls")]
mod tls;

static LOAD: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("load.lua")));
static SAVE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("save.lua")));
static TOUCH: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("touch.lua")));
static DELETE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("delete.lua")));
static OWNED: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("owned.lua")));
static REVOKE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("revoke.lua")));

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "session:";

/// The default bound on every operation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Sessions in Redis (or Valkey): one hash per session, written field by
/// field, with an owner index. See the [module docs](self) for the layout,
/// the round trips and fault handling.
///
/// ```no_run
/// # async fn run() -> Result<(), session_runtime::StoreError> {
/// use session_runtime::store::RedisStore;
///
/// let store = RedisStore::builder("redis://:password@127.0.0.1:6379/0")
///     .with_prefix("myapp:session:")
///     .connect()
///     .await?;
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    keys: Arc<Keys>,
    timeout: Duration,
}

/// How keys are named.
struct Keys {
    /// `prefix` + `s:`.
    session: String,
    /// `prefix` + `o:`.
    owner: String,
    /// The prefix itself, for `clear`.
    all: String,
}

impl Keys {
    fn session(&self, id: &str) -> String {
        format!("{}{id}", self.session)
    }

    fn owner(&self, owner: &str) -> String {
        format!("{}{owner}", self.owner)
    }
}

/// Builds a [`RedisStore`].
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
    /// PEM certificates trusted in place of the system roots.
    #[cfg(feature = "redis-tls")]
    tls_root_certificates: Option<Vec<u8>>,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut builder = f.debug_struct("RedisStoreBuilder");
        // The URL may carry a password: builders end up in logs.
        builder
            .field("url", &without_password(&self.url))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout);
        #[cfg(feature = "redis-tls")]
        builder.field(
            "tls_root_certificates",
            &self.tls_root_certificates.as_ref().map(Vec::len),
        );
        builder.finish()
    }
}

/// `url` with the password of its user info (`user:password@`) replaced by
/// `***`.
fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let Some(colon) = rest[..at].find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}***{}",
        &url[..scheme_end],
        &rest[..=colon],
        &rest[at..]
    )
}

impl RedisStoreBuilder {
    /// Prefixes every key (default [`DEFAULT_PREFIX`]), so that several
    /// applications can share one server.
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Bounds every operation, reconnecting included (default
    /// [`DEFAULT_TIMEOUT`]).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Trusts only the CA certificates in `pem` (one or more PEM
    /// `CERTIFICATE` blocks) for the server's certificate, in place of the
    /// system's roots: for a deployment with its own CA. Needs a
    /// `rediss://` URL.
    #[cfg(feature = "redis-tls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis-tls")))]
    #[must_use]
    pub fn with_tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_root_certificates = Some(pem.into());
        self
    }

    /// Connects.
    ///
    /// # Errors
    /// A [`StoreError`] when the URL is not a Redis URL (`redis://`, or
    /// `rediss://` with feature `redis-tls`), root certificates are given
    /// that hold no certificate or with a URL that is not `rediss://`, the
    /// password is refused, or the server cannot be reached in time; with
    /// TLS, also when the server's certificate is not trusted or does not
    /// name the URL's host.
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let client = self.client()?;
        #[cfg(feature = "redis-tls")]
        if matches!(
            client.get_connection_info().addr(),
            redis::ConnectionAddr::TcpTls { .. }
        ) {
            tls::install_crypto_provider();
        }
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.timeout))
            .set_connection_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connecting = client.get_connection_manager_with_config(config);
        let connection = match tokio::time::timeout(self.timeout, connecting).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => return Err(store_error("connect", &e)),
            Err(_) => return Err(timed_out("connect")),
        };
        Ok(RedisStore {
            connection,
            keys: Arc::new(Keys {
                session: format!("{}s:", self.prefix),
                owner: format!("{}o:", self.prefix),
                all: self.prefix,
            }),
            timeout: self.timeout,
        })
    }
}

impl RedisStoreBuilder {
    /// The client for the URL (and the TLS roots).
    fn client(&self) -> Result<Client, StoreError> {
        #[cfg(feature = "redis-tls")]
        if let Some(pem) = &self.tls_root_certificates {
            tls::check_root_certificates(pem)?;
            let certificates = redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.clone()),
            };
            return Client::build_with_tls(self.url.as_str(), certificates)
                .map_err(|e| unusable_url(&e));
        }
        #[cfg(not(feature = "redis-tls"))]
        if self.url.split_once("://").is_some_and(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("rediss") || scheme.eq_ignore_ascii_case("valkeys")
        }) {
            return Err(StoreError::new(
                StoreErrorKind::Other,
                "not a usable Redis URL: TLS (rediss://) needs the `redis-tls` feature of session-runtime",
            ));
        }
        Client::open(self.url.as_str()).map_err(|e| unusable_url(&e))
    }
}

fn unusable_url(error: &redis::RedisError) -> StoreError {
    StoreError::new(
        StoreErrorKind::Other,
        format!("not a usable Redis URL: {error}"),
    )
}

impl RedisStore {
    /// A builder for the server at `url`:
    /// `redis://[[user]:password@]host[:port][/db]`, or `rediss://` (TLS,
    /// feature `redis-tls`). The user and password are percent-decoded
    /// (`%40` for `@`); the user defaults to `default`.
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            #[cfg(feature = "redis-tls")]
            tls_root_certificates: None,
        }
    }

    /// Connects to `url` with the default prefix and timeout.
    ///
    /// # Errors
    /// As [`RedisStoreBuilder::connect`].
    pub async fn connect(url: impl Into<String>) -> Result<Self, StoreError> {
        Self::builder(url).connect().await
    }

    /// Runs `operation` on a clone of the connection, bounded by the
    /// timeout, logging a fault.
    fn run<T, F>(
        &self,
        what: &'static str,
        operation: impl FnOnce(ConnectionManager) -> F + Send + 'static,
    ) -> Pending<Result<T, StoreError>>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send,
    {
        let connection = self.connection.clone();
        let timeout = self.timeout;
        Pending::later(async move {
            let result = match tokio::time::timeout(timeout, operation(connection)).await {
                Ok(result) => result,
                Err(_) => Err(timed_out(what)),
            };
            if let Err(error) = &result {
                crate::log::store_fault(what, error);
            }
            result
        })
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.keys.all)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn timed_out(what: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Timeout,
        format!("redis {what}: no answer in time"),
    )
}

fn store_error(what: &str, error: &redis::RedisError) -> StoreError {
    #[cfg(feature = "redis-tls")]
    let refused_by_tls = tls::is_tls_failure(error);
    #[cfg(not(feature = "redis-tls"))]
    let refused_by_tls = false;
    let kind = if refused_by_tls {
        // The server was reached, and its certificate (or its TLS) refused:
        // a setting to fix, not an outage to wait out.
        StoreErrorKind::Other
    } else if error.is_timeout() {
        StoreErrorKind::Timeout
    } else if error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal()
    {
        StoreErrorKind::Unavailable
    } else {
        StoreErrorKind::Other
    };
    let layer = if refused_by_tls { "TLS: " } else { "" };
    StoreError::new(kind, format!("redis {what}: {layer}{error}"))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Corrupt,
        format!("redis {what}: unexpected reply"),
    )
}

/// A reply as text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A session's hash (flattened `HGETALL`) as a record.
fn record(reply: &Value) -> Result<Option<Record>, StoreError> {
    let items = match reply {
        Value::Nil => return Ok(None),
        Value::Array(items) => items,
        // RESP3 (`?protocol=resp3` in the URL): a missing key is an empty map.
        Value::Map(pairs) if pairs.is_empty() => return Ok(None),
        Value::Map(pairs) => {
            return record_from(pairs.iter().map(|(k, v)| (text(k), text(v))));
        }
        _ => return Err(corrupt("load")),
    };
    if items.is_empty() {
        return Ok(None);
    }
    record_from(
        items
            .chunks(2)
            .map(|pair| (pair.first().and_then(text), pair.get(1).and_then(text))),
    )
}

fn record_from(
    pairs: impl Iterator<Item = (Option<String>, Option<String>)>,
) -> Result<Option<Record>, StoreError> {
    let mut record = Record::default();
    let number = |v: &str| v.parse::<u64>().map_err(|_| corrupt("load"));
    let mut created = false;
    for (name, value) in pairs {
        let (Some(name), Some(value)) = (name, value) else {
            return Err(corrupt("load"));
        };
        match name.as_str() {
            "__c" => {
                record.created_ms = number(&value)?;
                created = true;
            }
            "__l" => record.last_seen_ms = number(&value)?,
            "__e" => record.expires_ms = Some(number(&value)?),
            "__o" => record.owner = Some(value),
            _ => record.fields.push((name, value)),
        }
    }
    if created {
        Ok(Some(record))
    } else {
        // A hash without its metadata is not a session of ours.
        Err(corrupt("load"))
    }
}

fn ids(reply: &Value) -> Result<Vec<String>, StoreError> {
    match reply {
        Value::Array(items) => items
            .iter()
            .map(|v| text(v).ok_or_else(|| corrupt("list")))
            .collect(),
        Value::Nil => Ok(Vec::new()),
        _ => Err(corrupt("list")),
    }
}

fn expiry_arg(expires_ms: Option<u64>) -> String {
    expires_ms.map(|at| at.to_string()).unwrap_or_default()
}

impl Store for RedisStore {
    fn load(&self, id: &str, now_ms: u64) -> Pending<Result<Option<Record>, StoreError>> {
        let key = self.keys.session(id);
        // The owner prefix and the id are only needed on the rare expired
        // path: taken from there, not copied for every load.
        let keys = Arc::clone(&self.keys);
        self.run("load", move |mut connection| async move {
            // A plain HGETALL: Redis runs it several times faster than the
            // same command inside a script. Redis expires the key by itself
            // (PEXPIREAT at `__e`), so a hash expired by our clock is rare
            // (clocks apart); only then does the load script remove it with
            // its owner index entry, checking the expiry again atomically.
            let reply: Value = redis::cmd("HGETALL")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .map_err(|e| store_error("load", &e))?;
            let found = record(&reply)?;
            if !found
                .as_ref()
                .is_some_and(|record| super::expired(record.expires_ms, now_ms))
            {
                return Ok(found);
            }
            let id = &key[keys.session.len()..];
            let reply: Value = LOAD
                .key(&key)
                .arg(now_ms)
                .arg(&keys.owner)
                .arg(id)
                .invoke_async(&mut connection)
                .await
                .map_err(|e| store_error("load", &e))?;
            record(&reply)
        })
    }

    fn save(&self, save: Save) -> Pending<Result<SaveOutcome, StoreError>> {
        let key = self.keys.session(&save.id);
        let (mode, other_id, created) = match &save.mode {
            SaveMode::Create {
                created_ms,
                replaces,
            } => ("create", replaces.clone(), created_ms.to_string()),
            SaveMode::Update => ("update", None, String::new()),
            SaveMode::Rename { from, keep_old } => (
                if *keep_old { "copy" } else { "rename" },
                Some(from.clone()),
                String::new(),
            ),
        };
        let other = other_id
            .as_deref()
            .map_or_else(|| key.clone(), |id| self.keys.session(id));
        let (owner_action, owner) = match save.owner {
            OwnerUpdate::Keep => ("keep", String::new()),
            OwnerUpdate::Set(owner) => ("set", owner),
            OwnerUpdate::Clear => ("clear", String::new()),
        };
        let mut invocation = SAVE.key(key);
        invocation
            .key(other)
            .arg(mode)
            .arg(save.last_seen_ms)
            .arg(expiry_arg(save.expires_ms))
            .arg(created)
            .arg(owner_action)
            .arg(owner)
            .arg(self.keys.owner.as_str())
            .arg(save.id.as_str())
            .arg(other_id.unwrap_or_default())
            .arg(save.set.len());
        for (name, json) in &save.set {
            invocation.arg(name.as_str()).arg(json.as_str());
        }
        for name in &save.remove {
            invocation.arg(name.as_str());
        }
        self.run("save", move |mut connection| async move {
            let reply: String = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| store_error("save", &e))?;
            match reply.as_str() {
                "saved" => Ok(SaveOutcome::Saved),
                "gone" => Ok(SaveOutcome::Gone),
                "conflict" => Ok(SaveOutcome::Conflict),
                _ => Err(corrupt("save")),
            }
        })
    }

    fn delete(&self, id: &str) -> Pending<Result<bool, StoreError>> {
        let mut invocation = DELETE.key(self.keys.session(id));
        invocation.arg(self.keys.owner.as_str()).arg(id);
        self.run("delete", move |mut connection| async move {
            let deleted: i64 = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| store_error("delete", &e))?;
            Ok(deleted > 0)
        })
    }

    fn touch(
        &self,
        id: &str,
        last_seen_ms: u64,
        expires_ms: Option<u64>,
    ) -> Pending<Result<bool, StoreError>> {
        let mut invocation = TOUCH.key(self.keys.session(id));
        invocation
            .arg(last_seen_ms)
            .arg(expiry_arg(expires_ms))
            .arg(self.keys.owner.as_str())
            .arg(id);
        self.run("touch", move |mut connection| async move {
            let touched: i64 = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| store_error("touch", &e))?;
            Ok(touched > 0)
        })
    }

    fn len(&self, now_ms: u64) -> Pending<Result<usize, StoreError>> {
        let keys = Arc::clone(&self.keys);
        self.run("len", move |mut connection| async move {
            Ok(live_ids(&mut connection, &keys, now_ms).await?.len())
        })
    }

    fn ids(&self, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        let keys = Arc::clone(&self.keys);
        self.run("ids", move |mut connection| async move {
            live_ids(&mut connection, &keys, now_ms).await
        })
    }

    fn clear(&self) -> Pending<Result<(), StoreError>> {
        let pattern = format!("{}*", escape_glob(&self.keys.all));
        self.run("clear", move |mut connection| async move {
            let keys = scan(&mut connection, &pattern).await?;
            for batch in keys.chunks(512) {
                redis::cmd("UNLINK")
                    .arg(batch)
                    .query_async::<()>(&mut connection)
                    .await
                    .map_err(|e| store_error("clear", &e))?;
            }
            Ok(())
        })
    }

    fn owned_by(&self, owner: &str, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        let mut invocation = OWNED.key(self.keys.owner(owner));
        invocation.arg(now_ms);
        self.run("owned_by", move |mut connection| async move {
            let reply: Value = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| store_error("owned_by", &e))?;
            let mut ids = ids(&reply)?;
            ids.sort_unstable();
            Ok(ids)
        })
    }

    fn revoke_owner(&self, owner: &str) -> Pending<Result<usize, StoreError>> {
        let mut invocation = REVOKE.key(self.keys.owner(owner));
        invocation.arg(self.keys.session.as_str()).arg(owner);
        self.run("revoke_owner", move |mut connection| async move {
            let revoked: i64 = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|e| store_error("revoke_owner", &e))?;
            Ok(usize::try_from(revoked).unwrap_or(0))
        })
    }
}

/// Every key matching `pattern` (`SCAN`, in batches).
async fn scan(
    connection: &mut ConnectionManager,
    pattern: &str,
) -> Result<Vec<String>, StoreError> {
    let mut cursor = 0u64;
    let mut keys = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(connection)
            .await
            .map_err(|e| store_error("scan", &e))?;
        keys.extend(batch);
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// The ids of the sessions live at `now_ms`.
async fn live_ids(
    connection: &mut ConnectionManager,
    keys: &Keys,
    now_ms: u64,
) -> Result<Vec<String>, StoreError> {
    let found = scan(connection, &format!("{}*", escape_glob(&keys.session))).await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for key in &found {
        pipe.hget(key, "__e");
    }
    let expiries: Vec<Option<u64>> = pipe
        .query_async(connection)
        .await
        .map_err(|e| store_error("list", &e))?;
    Ok(found
        .into_iter()
        .zip(expiries)
        .filter(|(_, expires)| !super::expired(*expires, now_ms))
        .filter_map(|(key, _)| key.strip_prefix(&keys.session).map(str::to_owned))
        .collect())
}

/// `text` with the glob characters of `SCAN MATCH` escaped.
fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password_only() {
        for (url, shown) in [
            ("redis://:pw@h:1/0", "redis://:***@h:1/0"),
            ("rediss://ada:p%40ss@h", "rediss://ada:***@h"),
            ("redis://ada:a:b@c@h/1?x=@", "redis://ada:***@h/1?x=@"),
            ("redis://h:6379/0", "redis://h:6379/0"),
            ("redis://ada@h", "redis://ada@h"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(without_password(url), shown, "{url}");
        }
        let builder = RedisStore::builder("redis://:hunter2@127.0.0.1/");
        assert!(!format!("{builder:?}").contains("hunter2"));
    }

    #[cfg(not(feature = "redis-tls"))]
    #[test]
    fn tls_without_the_feature_names_the_feature() {
        for url in ["rediss://127.0.0.1/", "VALKEYS://127.0.0.1/"] {
            let error = RedisStore::builder(url).client().expect_err(url);
            assert!(error.to_string().contains("redis-tls"), "{error}");
        }
    }
}
