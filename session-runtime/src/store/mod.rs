//! Server-side sessions: the [`Store`] trait a session store implements,
//! [`MemoryStore`] (the embedded default), and the contract every store
//! follows, with a [`conformance`] suite that checks it.
//!
//! With a store the cookie (or the session header) carries only the
//! session id, sealed with the key ring exactly as a cookie session is (the
//! cookie name bound, keys rotated), and the data lives in the store, one
//! slot per field. Choose it on the configuration; handlers do not change:
//!
//! ```
//! use session_runtime::store::MemoryStore;
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! struct App {
//!     #[session(owner)]
//!     user: Option<String>,
//!     #[session(default)]
//!     visits: u32,
//! }
//!
//! let config = SessionConfig::<App>::new(Key::generate()).with_store(MemoryStore::new());
//! # let _ = config;
//! ```
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | [`Store`], [`Record`], [`Save`]: the contract |
//! | `backend.rs` | the store as a [`Backend`](crate::backend::Backend): the sealed id, per-field writes, revocation |
//! | `memory.rs` | [`MemoryStore`] |
//! | `conformance.rs` | [`conformance`]: the contract as tests, for any store |
//! | `redis/` | `RedisStore` (feature `redis`): one hash per session, one script per operation; `rediss://` with feature `redis-tls` |
//!
//! # The contract
//!
//! A record is one session: its times, its owner (see below) and its
//! fields, each stored under its session key as the JSON text of its value.
//! Every operation is atomic for the session it names (or the two a rename
//! names): a concurrent reader sees it whole or not at all.
//!
//! * **Expiry.** A record whose `expires_ms` is at or before the `now_ms` an
//!   operation is given has expired: it is never served, counted or listed,
//!   and the store removes it (on read, or in the background); a store may
//!   also rely on its engine's own expiry. `None` never expires.
//! * **Writes apply only to what exists.** [`Save`] in `Update` or `Rename`
//!   mode answers [`SaveOutcome::Gone`] and changes nothing when the
//!   session is not there (destroyed or expired meanwhile): a destroy
//!   racing a slow write never brings the session back. `Create` never
//!   merges two sessions: an id that is taken answers
//!   [`SaveOutcome::Conflict`].
//! * **Writes touch only what they name.** An update sets the slots in
//!   `set`, removes those in `remove`, moves the times, and leaves every
//!   other slot as it is, so two requests writing different fields of one
//!   session both land.
//! * **The owner index.** A session may have an owner (the signed-in user,
//!   named by the schema's `#[session(owner)]` field). The store keeps, per
//!   owner, the ids of the owner's live sessions, exactly: a save, delete,
//!   rename or expiry updates it with the session.
//!   [`owned_by`](Store::owned_by) lists them, [`revoke_owner`](Store::revoke_owner)
//!   deletes them all ("log out everywhere").
//! * **Failures.** An unreachable or failing store answers a
//!   [`StoreError`], in bounded time; the HTTP layers turn it into a
//!   `503` and never into a fresh session.
//!
//! Operations return a [`Pending`]: an in-memory store answers at once
//! ([`Pending::ready`]); one that does I/O returns [`Pending::later`] with a
//! future that owns what it needs (clone the client's handle into it).

mod backend;
pub mod conformance;
mod memory;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;

pub use backend::StoreBackend;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};

use std::sync::Arc;

use crate::backend::Pending;
use crate::error::StoreError;

/// A session as a store keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// When the session was created, in milliseconds since the epoch.
    pub created_ms: u64,
    /// When it was last saved.
    pub last_seen_ms: u64,
    /// When it expires (`None`: never).
    pub expires_ms: Option<u64>,
    /// Its owner's key, if it has one.
    pub owner: Option<String>,
    /// The session key and the JSON text of each field that has a value.
    pub fields: Vec<(String, String)>,
}

/// One atomic write of a session: create it, update it, or move it to a
/// new id, setting and removing slots and moving its times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Save {
    /// The id the session is saved under.
    pub id: String,
    /// How the record comes to be at `id`.
    pub mode: SaveMode,
    /// Slots to write: session key and JSON text.
    pub set: Vec<(String, String)>,
    /// Slots to remove.
    pub remove: Vec<String>,
    /// The session's new last-seen time.
    pub last_seen_ms: u64,
    /// Its new expiry (`None`: never).
    pub expires_ms: Option<u64>,
    /// What happens to its owner.
    pub owner: OwnerUpdate,
}

/// How a [`Save`] finds or makes its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveMode {
    /// A new session created at `created_ms`; [`SaveOutcome::Conflict`] if
    /// the id is taken. With `replaces`, the record at that id (the session
    /// this one was cleared from) is deleted in the same operation.
    Create {
        /// The creation time.
        created_ms: u64,
        /// An id to delete at the same time.
        replaces: Option<String>,
    },
    /// An existing session; [`SaveOutcome::Gone`] if it is not there.
    Update,
    /// A session whose id was regenerated: the record at `from` moves to
    /// `id` (with `keep_old`, is copied and stays at `from` too), then the
    /// save applies. [`SaveOutcome::Gone`] if `from` is not there,
    /// [`SaveOutcome::Conflict`] if `id` is taken.
    Rename {
        /// The id the session had.
        from: String,
        /// Keep the record at `from` as well (`regenerate_id(false)`).
        keep_old: bool,
    },
}

/// What a [`Save`] does to the session's owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerUpdate {
    /// Keep the owner it has.
    Keep,
    /// Make this the owner (moving the session between owners' indexes).
    Set(String),
    /// It has no owner any more.
    Clear,
}

/// What became of a [`Save`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Written.
    Saved,
    /// The session was not there (destroyed or expired): nothing written.
    Gone,
    /// The new id is taken: nothing written.
    Conflict,
}

/// A server-side session store. See the [module docs](self) for the
/// contract every operation follows, and [`conformance`] for its tests.
pub trait Store: Send + Sync + 'static {
    /// The record at `id`, unless it is missing or expired at `now_ms`.
    fn load(&self, id: &str, now_ms: u64) -> Pending<Result<Option<Record>, StoreError>>;

    /// Applies `save` atomically.
    fn save(&self, save: Save) -> Pending<Result<SaveOutcome, StoreError>>;

    /// Deletes the record at `id`; whether there was one.
    fn delete(&self, id: &str) -> Pending<Result<bool, StoreError>>;

    /// Moves the times of the record at `id` (idle sliding) without
    /// touching its slots; whether there was one.
    fn touch(
        &self,
        id: &str,
        last_seen_ms: u64,
        expires_ms: Option<u64>,
    ) -> Pending<Result<bool, StoreError>>;

    /// How many live sessions the store holds at `now_ms`.
    fn len(&self, now_ms: u64) -> Pending<Result<usize, StoreError>>;

    /// The ids of the live sessions at `now_ms`, in no particular order.
    fn ids(&self, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>>;

    /// Deletes every session.
    fn clear(&self) -> Pending<Result<(), StoreError>>;

    /// The ids of `owner`'s live sessions at `now_ms`.
    fn owned_by(&self, owner: &str, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>>;

    /// Deletes every session of `owner`; how many there were.
    fn revoke_owner(&self, owner: &str) -> Pending<Result<usize, StoreError>>;
}

/// A shared store is a store: keep one handle for administration and give
/// the configuration another.
impl<S: Store + ?Sized> Store for Arc<S> {
    fn load(&self, id: &str, now_ms: u64) -> Pending<Result<Option<Record>, StoreError>> {
        (**self).load(id, now_ms)
    }

    fn save(&self, save: Save) -> Pending<Result<SaveOutcome, StoreError>> {
        (**self).save(save)
    }

    fn delete(&self, id: &str) -> Pending<Result<bool, StoreError>> {
        (**self).delete(id)
    }

    fn touch(
        &self,
        id: &str,
        last_seen_ms: u64,
        expires_ms: Option<u64>,
    ) -> Pending<Result<bool, StoreError>> {
        (**self).touch(id, last_seen_ms, expires_ms)
    }

    fn len(&self, now_ms: u64) -> Pending<Result<usize, StoreError>> {
        (**self).len(now_ms)
    }

    fn ids(&self, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        (**self).ids(now_ms)
    }

    fn clear(&self) -> Pending<Result<(), StoreError>> {
        (**self).clear()
    }

    fn owned_by(&self, owner: &str, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        (**self).owned_by(owner, now_ms)
    }

    fn revoke_owner(&self, owner: &str) -> Pending<Result<usize, StoreError>> {
        (**self).revoke_owner(owner)
    }
}

/// Whether a record expiring at `expires_ms` has expired at `now_ms`.
pub(crate) fn expired(expires_ms: Option<u64>, now_ms: u64) -> bool {
    expires_ms.is_some_and(|at| at <= now_ms)
}
