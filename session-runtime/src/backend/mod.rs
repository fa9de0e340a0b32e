//! Layer 3, backends: where a session lives between requests. This is the
//! seam: a session is loaded and saved through [`Backend`], with one
//! implementation per way a session lives.
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | the [`Backend`] and [`Sealer`] traits, [`Opened`], [`Reply`] |
//! | `config.rs` | [`SessionConfig`]: the settings and the backend, and the load/seal/save entry points every transport uses |
//! | `sealed_cookie.rs` | [`SealedCookie`]: the whole session sealed into the cookie under a [`KeyRing`] |
//! | `envelope.rs` | the plaintext inside a sealed cookie |
//! | `conventions.rs` | how a backend's cookies look: `SameSite`, `Max-Age`, removal |
//! | `pending.rs` | [`Pending`]: a result ready now (cookies) or later (stores) |
//!
//! The h3 format ([`crate::h3`]) is another [`Sealer`].
//!
//! # The contract
//!
//! The rules every session follows live in the model and in
//! [`SessionConfig`], once, whatever the backend: the size limit, expiry
//! (`max_age`, `idle_timeout`, times from the future), when a save writes,
//! and what destroy, clear and id regeneration mean. A backend only turns a
//! token (what the cookie or header carries) into a session and back:
//!
//! * [`Backend::open`] reads the session a token names. A token it cannot
//!   authenticate is [`LoadError::Rejected`]:
//!   the request goes on with a fresh session. It reports the stored
//!   session's times; the caller checks them.
//! * [`Backend::commit`] makes an [`Action`] durable and says what the
//!   client must keep: a new token (appended to `out`), the same one, or
//!   none.
//!
//! A [`Sealer`] keeps the whole session in the token: opening is unsealing,
//! writing is sealing, removing needs no work. Every sealer serves as a
//! backend.
//!
//! # How a server-side store fits
//!
//! A store backend keeps the token small (the session id, sealed with the
//! key ring exactly as a cookie session is: the cookie name bound, keys
//! rotated) and the data in a store, one slot per field:
//!
//! * `open` unseals the id without I/O (a token that fails authentication
//!   never reaches the store), then returns a [`Pending`] future that reads
//!   the record; an id the store does not hold is a rejection, never
//!   adopted; a store that fails is [`LoadError::Store`].
//! * `commit` reads from the session what changed (its dirty and present
//!   bits, the flash that arrived, a regenerated or deleted id) and writes
//!   only that, asynchronously; it sets a new token only when the id
//!   changed, the session is new, the key rotated or the idle window slid.
//!
//! No other part changes: the transport and the integrations await the
//! same [`Pending`] results whichever backend answers.

mod config;
mod conventions;
mod envelope;
mod pending;
mod sealed_cookie;
mod token;

pub use crate::model::Action;
#[cfg(feature = "http")]
pub(crate) use config::TokenLimit;
pub use config::{Loading, Saved, SessionConfig};
pub use conventions::{CHUNK_LEN, Conventions, MAX_CHUNKED_LEN, MAX_CHUNKS, SameSite};
pub use pending::Pending;
pub use sealed_cookie::SealedCookie;
pub use token::TokenOut;

use std::sync::Arc;

use crate::crypto::{Key, KeyRing};
use crate::error::{LoadError, SaveError, SealError, UnsealError};
use crate::model::{SessionSchema, SessionState, Settings};

/// Where sessions of schema `T` live between requests: the seam every way of
/// keeping a session implements. See the [module docs](self) for the contract.
///
/// Implemented for the sealers ([`SealedCookie`], the h3 format) and the
/// store backend; custom storage plugs in as a
/// [`Store`](crate::store::Store), not as a backend.
pub trait Backend<T>: private::Sealed + Send + Sync + 'static {
    /// Opens the session `token` names.
    fn open(&self, settings: &Settings, token: &str) -> Pending<Result<Opened<T>, LoadError>>;

    /// Makes `action` durable for `session` at `now_ms`. A new token for the
    /// client is written to `out`. Nothing may happen before the returned
    /// operation is polled: a caller that refuses the token (too large)
    /// drops it unpolled.
    fn commit(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        action: Action,
        now_ms: u64,
        out: &mut TokenOut<'_>,
    ) -> Pending<Result<Reply, SaveError>>;

    /// This backend as a [`Sealer`], when the token carries the whole session.
    fn sealer(&self) -> Option<&dyn Sealer<T>>;

    /// How its cookies look by convention.
    fn conventions(&self) -> Conventions {
        Conventions::default()
    }

    /// Adjusts the schema's settings to the backend's defaults, once, when a
    /// configuration is built (the h3 format names its cookie `h3`).
    fn adapt(&self, settings: &mut Settings) {
        let _ = settings;
    }

    /// The key ring that seals its tokens, if it uses one.
    fn key_ring(&self) -> Option<&KeyRing> {
        None
    }

    /// The backend as `Any`, for the layers above that add their own
    /// (the store module finds its store this way).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// A backend that keeps the whole session in its token.
pub trait Sealer<T>: private::Sealed + Send + Sync + 'static {
    /// Writes the sealed session, last seen at `now_ms`, to `out`.
    ///
    /// # Errors
    /// Why the session cannot be sealed.
    fn seal(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        now_ms: u64,
        out: &mut TokenOut<'_>,
    ) -> Result<(), SealError>;

    /// Opens a sealed session.
    ///
    /// # Errors
    /// Why the sealed value was rejected.
    fn unseal(&self, settings: &Settings, sealed: &str) -> Result<Opened<T>, UnsealError>;

    /// As [`Backend::conventions`].
    fn conventions(&self) -> Conventions {
        Conventions::default()
    }

    /// As [`Backend::adapt`].
    fn adapt(&self, settings: &mut Settings) {
        let _ = settings;
    }

    /// As [`Backend::key_ring`].
    fn key_ring(&self) -> Option<&KeyRing> {
        None
    }
}

/// A [`Sealer`] as a [`Backend`]: opening is unsealing, writing is sealing,
/// removing needs no work.
pub(crate) struct Sealing<S>(pub(crate) S);

impl<S> private::Sealed for Sealing<S> {}

impl<T: SessionSchema, S: Sealer<T> + 'static> Backend<T> for Sealing<S> {
    fn open(&self, settings: &Settings, token: &str) -> Pending<Result<Opened<T>, LoadError>> {
        Pending::ready(self.0.unseal(settings, token).map_err(LoadError::Rejected))
    }

    fn commit(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        action: Action,
        now_ms: u64,
        out: &mut TokenOut<'_>,
    ) -> Pending<Result<Reply, SaveError>> {
        Pending::ready(match action {
            Action::Keep => Ok(Reply::Keep),
            Action::Remove => Ok(Reply::Remove),
            Action::Write => self
                .0
                .seal(settings, session, now_ms, out)
                .map(|()| Reply::Set)
                .map_err(SaveError::Seal),
        })
    }

    fn sealer(&self) -> Option<&dyn Sealer<T>> {
        Some(&self.0)
    }

    fn conventions(&self) -> Conventions {
        self.0.conventions()
    }

    fn adapt(&self, settings: &mut Settings) {
        self.0.adapt(settings);
    }

    fn key_ring(&self) -> Option<&KeyRing> {
        self.0.key_ring()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A session a backend opened, with the times it recorded (`None` where it
/// recorded nothing usable), which the caller checks against the lifetimes.
pub struct Opened<T> {
    /// Boxed from the start: a session moves through several layers.
    pub(crate) state: Box<SessionState<T>>,
    pub(crate) created_ms: Option<u64>,
    pub(crate) last_seen_ms: Option<u64>,
}

impl<T: SessionSchema> Opened<T> {
    /// A session whose recorded times are its own.
    pub(crate) fn new(state: Box<SessionState<T>>) -> Self {
        Self {
            created_ms: Some(state.created_at_ms()),
            last_seen_ms: Some(state.last_seen_ms()),
            state,
        }
    }
}

impl<T: SessionSchema> std::fmt::Debug for Opened<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("state", &self.state)
            .field("created_ms", &self.created_ms)
            .field("last_seen_ms", &self.last_seen_ms)
            .finish()
    }
}

/// What the client must keep after a save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The token it has.
    Keep,
    /// The new token appended to `out`.
    Set,
    /// Nothing: remove the cookie.
    Remove,
}

/// Builds a backend from what [`SessionConfig::new`] is given.
pub trait IntoBackend<T> {
    /// The backend.
    fn into_backend(self) -> Arc<dyn Backend<T>>;
}

impl<T: SessionSchema> IntoBackend<T> for SealedCookie {
    fn into_backend(self) -> Arc<dyn Backend<T>> {
        Arc::new(Sealing(self))
    }
}

/// A key seals whole sessions into cookies.
impl<T: SessionSchema> IntoBackend<T> for Key {
    fn into_backend(self) -> Arc<dyn Backend<T>> {
        SealedCookie::new(self).into_backend()
    }
}

/// A key ring seals whole sessions into cookies.
impl<T: SessionSchema> IntoBackend<T> for KeyRing {
    fn into_backend(self) -> Arc<dyn Backend<T>> {
        SealedCookie::new(self).into_backend()
    }
}

/// Keeps [`Backend`] and [`Sealer`] to this crate's implementations.
pub(crate) mod private {
    pub trait Sealed {}
}
