//! The state behind a `Session<T>`: identity, times, dirty and present bits,
//! flash, and the typed data. Generated accessors call into it.

use serde_json::value::RawValue;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{IdGenerator, SessionConfig};
use crate::envelope;
use crate::error::{Expiry, SealError, UnsealError};
use crate::schema::{FieldBits, SessionFields, SessionSchema, SessionValue};
use crate::seal;
use crate::session::{Saved, Session};

/// Everything a session knows besides its typed fields: identity, times,
/// change tracking and lifecycle. Every [`Session<T>`] dereferences to it, so
/// these methods are called on the session directly.
pub struct SessionState<T> {
    pub(crate) data: T,
    pub(crate) id: String,
    /// The id the session had when it was loaded or created, once the id
    /// changed (`None` while it is still [`id`](Self::id): a loaded session
    /// then holds its id once).
    pub(crate) original_id: Option<String>,
    pub(crate) delete_id: Option<String>,
    pub(crate) created_ms: u64,
    pub(crate) last_seen_ms: u64,
    /// Fields written in this request (set, unset, flash, update).
    pub(crate) dirty: FieldBits,
    /// Fields that hold a value (loaded, or set in this request).
    pub(crate) present: FieldBits,
    /// Flash fields whose value arrived with this request.
    pub(crate) flash_in: FieldBits,
    /// Flash values set in this request for the next one, as JSON, by ordinal.
    pub(crate) flash_out: Vec<(usize, Box<RawValue>)>,
    /// Keys the schema does not declare, kept so that they are written back.
    pub(crate) extra: Vec<(String, Box<RawValue>)>,
    /// A flash value that could not be serialized, reported when sealing.
    pub(crate) flash_error: Option<(usize, String)>,
    pub(crate) status: Status,
    /// Where this state goes when it is dropped (set by the HTTP layers:
    /// a handler never has to hand the session back).
    pub(crate) sink: Option<Sink<T>>,
    /// The configuration's id generator, for ids given after loading
    /// (`regenerate_id`, `clear`); `None` uses [`generate_id`](crate::generate_id).
    pub(crate) id_generator: Option<IdGenerator>,
}

/// Receives a session state when it is dropped.
pub(crate) trait WriteBack<T>: Send + Sync {
    /// Takes what it needs from `state`, which is dropped right after.
    fn write_back(&self, state: &mut SessionState<T>);
}

/// A handle to a [`WriteBack`].
pub(crate) type Sink<T> = Arc<dyn WriteBack<T>>;

/// Hands the state to its sink, if it has one.
impl<T> Drop for SessionState<T> {
    fn drop(&mut self) {
        if let Some(sink) = self.sink.take() {
            sink.write_back(self);
        }
    }
}

/// Lifecycle flags: independent facts, not a state machine, hence bools.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Status {
    /// Created in this request, never sealed before.
    pub(crate) is_new: bool,
    pub(crate) destroyed: bool,
    /// `clear()` was called: unless written again, the cookie is removed.
    pub(crate) cleared: bool,
    pub(crate) id_changed: bool,
    /// Opened with an older key: seal again with the primary.
    pub(crate) reseal: bool,
}

impl<T: SessionSchema> SessionState<T> {
    pub(crate) fn fresh(id: String, now_ms: u64) -> Self {
        Self {
            data: T::new_default(),
            original_id: None,
            id,
            delete_id: None,
            created_ms: now_ms,
            last_seen_ms: now_ms,
            dirty: 0,
            present: 0,
            flash_in: 0,
            flash_out: Vec::new(),
            extra: Vec::new(),
            flash_error: None,
            status: Status {
                is_new: true,
                ..Status::default()
            },
            sink: None,
            id_generator: None,
        }
    }

    /// Moves the state out, leaving an empty one (with no sink) behind.
    #[cfg(feature = "axum")]
    pub(crate) fn take(&mut self) -> Self {
        Self {
            data: std::mem::replace(&mut self.data, T::new_default()),
            id: std::mem::take(&mut self.id),
            original_id: self.original_id.take(),
            delete_id: self.delete_id.take(),
            created_ms: self.created_ms,
            last_seen_ms: self.last_seen_ms,
            dirty: self.dirty,
            present: self.present,
            flash_in: self.flash_in,
            flash_out: std::mem::take(&mut self.flash_out),
            extra: std::mem::take(&mut self.extra),
            flash_error: self.flash_error.take(),
            status: self.status,
            sink: self.sink.take(),
            id_generator: self.id_generator.take(),
        }
    }

    /// Runs a write to field `index`, unless the session is destroyed.
    #[inline]
    #[doc(hidden)]
    pub fn write(&mut self, index: usize, present: bool, write: impl FnOnce(&mut T)) {
        if self.status.destroyed || index >= T::SCHEMA.keys.len() {
            return;
        }
        write(&mut self.data);
        let bit = 1 << index;
        self.dirty |= bit;
        if present {
            self.present |= bit;
        } else {
            self.present &= !bit;
        }
    }

    /// Flashes `value` into field `index` for the next request.
    #[doc(hidden)]
    pub fn flash<V: SessionValue>(&mut self, index: usize, value: &V) {
        if self.status.destroyed || index >= T::SCHEMA.keys.len() {
            return;
        }
        self.flash_out.retain(|(i, _)| *i != index);
        match serde_json::value::to_raw_value(value) {
            Ok(json) => self.flash_out.push((index, json)),
            // Kept until the seal, which then fails with this error.
            Err(e) => self.flash_error = Some((index, e.to_string())),
        }
        self.dirty |= 1 << index;
    }

    /// Cancels a flash set in this request for field `index`.
    #[doc(hidden)]
    pub fn unflash(&mut self, index: usize) {
        if self.status.destroyed || index >= T::SCHEMA.keys.len() {
            return;
        }
        self.flash_out.retain(|(i, _)| *i != index);
        if self.flash_error.as_ref().is_some_and(|(i, _)| *i == index) {
            self.flash_error = None;
        }
        self.dirty |= 1 << index;
    }

    /// A new id from the configuration's generator.
    fn next_id(&self) -> String {
        self.id_generator
            .as_ref()
            .map_or_else(crate::id::generate_id, |generate| generate())
    }

    /// Gives the session the id `id`, remembering the id it had when it
    /// was loaded or created; returns that original id.
    pub(crate) fn replace_id(&mut self, id: String) -> &str {
        let old = std::mem::replace(&mut self.id, id);
        self.original_id.get_or_insert(old)
    }

    pub(crate) fn reset_data(&mut self) {
        self.data = T::new_default();
        self.present = 0;
        self.flash_in = 0;
        self.flash_out.clear();
        self.flash_error = None;
        self.extra.clear();
    }
}

impl<T: SessionSchema> SessionState<T> {
    /// A new, empty session with a fresh id.
    #[allow(clippy::new_ret_no_self, reason = "the session type wraps this state")]
    pub fn new(config: &SessionConfig<T>) -> Session<T> {
        let mut state = Self::fresh(config.new_id(), config.now_ms());
        state.id_generator = Some(Arc::clone(config.id_generator()));
        T::Fields::from_inner(state)
    }

    /// Opens a sealed value.
    ///
    /// # Errors
    /// An [`UnsealError`] that says why the value was rejected; it never
    /// contains the plaintext.
    pub fn unseal(config: &SessionConfig<T>, sealed: &str) -> Result<Session<T>, UnsealError> {
        #[cfg(feature = "h3")]
        if let crate::format::SessionFormat::H3(format) = config.format() {
            let mut session = crate::h3::unseal(config, format, sealed)?;
            session.id_generator = Some(Arc::clone(config.id_generator()));
            return Ok(session);
        }
        let limit = config.max_size().saturating_sub(config.wire_name_len() + 1);
        let (inner, by_primary) = seal::open(
            config.key_ring(),
            config.cookie_name(),
            sealed,
            limit,
            |plaintext, by_primary| (envelope::decode::<T>(plaintext), by_primary),
        )?;
        let mut inner = inner?;
        // The clock is read only when there is a lifetime to check.
        if config.max_age().is_some() || config.idle_timeout().is_some() {
            let now = config.now_ms();
            // Times ahead of this clock (beyond ordinary skew between
            // servers) would postpone expiry until the clock catches up.
            if inner.created_ms.max(inner.last_seen_ms) > now.saturating_add(FUTURE_SKEW_MS) {
                return Err(UnsealError::Corrupt);
            }
            if let Some(max_age) = config.max_age()
                && now.saturating_sub(inner.created_ms) > as_ms(max_age)
            {
                return Err(UnsealError::Expired(Expiry::Absolute));
            }
            if let Some(idle) = config.idle_timeout()
                && now.saturating_sub(inner.last_seen_ms) > as_ms(idle)
            {
                return Err(UnsealError::Expired(Expiry::Idle));
            }
        }
        inner.status.reseal = !by_primary;
        inner.id_generator = Some(Arc::clone(config.id_generator()));
        Ok(T::Fields::from_inner(inner))
    }

    /// Opens a sealed value if there is one, and falls back to a fresh
    /// session when it is absent or rejected; the error says why.
    pub fn load(
        config: &SessionConfig<T>,
        sealed: Option<&str>,
    ) -> (Session<T>, Option<UnsealError>) {
        match sealed.map(|s| Self::unseal(config, s)) {
            Some(Ok(session)) => (session, None),
            Some(Err(e)) => (Self::new(config), Some(e)),
            None => (Self::new(config), None),
        }
    }

    /// Seals the session as it is now, stamped as last seen now.
    ///
    /// # Errors
    /// [`SealError::TooLarge`] when `name=value` would exceed the size limit,
    /// [`SealError::Destroyed`] for a destroyed session, [`SealError::Encode`]
    /// when a field does not serialize.
    pub fn seal(&self, config: &SessionConfig<T>) -> Result<String, SealError> {
        #[cfg(feature = "h3")]
        if let crate::format::SessionFormat::H3(format) = config.format() {
            return crate::h3::seal(self, config, format);
        }
        let sealed = self.seal_native(config, &[], 0)?;
        // base64url is ASCII: the lossy branch is never taken.
        Ok(String::from_utf8(sealed)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Seals the session as [`seal`](Self::seal) does, into a buffer that
    /// starts with `prefix` and has exactly `room` bytes to spare after the
    /// sealed value (for the rest of a `Set-Cookie` line).
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    #[cfg(feature = "http")]
    pub(crate) fn seal_into(
        &self,
        config: &SessionConfig<T>,
        prefix: &[u8],
        room: usize,
    ) -> Result<Vec<u8>, SealError> {
        #[cfg(feature = "h3")]
        if let crate::format::SessionFormat::H3(format) = config.format() {
            let sealed = crate::h3::seal(self, config, format)?;
            let mut out = Vec::with_capacity(prefix.len() + sealed.len() + room);
            out.extend_from_slice(prefix);
            out.extend_from_slice(sealed.as_bytes());
            return Ok(out);
        }
        self.seal_native(config, prefix, room)
    }

    /// The native format's seal, after `prefix`, with `room` to spare.
    fn seal_native(
        &self,
        config: &SessionConfig<T>,
        prefix: &[u8],
        room: usize,
    ) -> Result<Vec<u8>, SealError> {
        let inner = self;
        if inner.status.destroyed {
            return Err(SealError::Destroyed);
        }
        let now = config.now_ms();
        let mut frame = seal::frame_with_header(64 + inner.id.len() + 32 * T::SCHEMA.keys.len());
        let created = if inner.status.cleared {
            now
        } else {
            inner.created_ms
        };
        envelope::encode(inner, created, now, &mut frame)?;
        let name_len = config.wire_name_len() + 1;
        let plaintext_len = frame.len() - seal::HEADER_LEN;
        let sealed_len = seal::encoded_len(plaintext_len + seal::OVERHEAD);
        let len = name_len + sealed_len;
        if len > config.max_size() {
            return Err(SealError::TooLarge {
                len,
                limit: config.max_size(),
            });
        }
        let mut out = Vec::with_capacity(prefix.len() + sealed_len + room);
        out.extend_from_slice(prefix);
        seal::seal_frame_into(
            config.key_ring(),
            config.cookie_name(),
            frame,
            &mut out,
            room,
        );
        Ok(out)
    }

    /// Decides what the response does with the cookie, sealing if needed.
    ///
    /// A session is written when a field changed, its id was regenerated, it
    /// was opened with an older key, or more than half its idle window has
    /// passed; it is removed when destroyed or cleared (and not written
    /// again); otherwise nothing is sent.
    ///
    /// # Errors
    /// As [`SessionState::seal`].
    pub fn save(&self, config: &SessionConfig<T>) -> Result<Saved, SealError> {
        match self.save_action(config) {
            Saved::Write(_) => self.seal(config).map(Saved::Write),
            action => Ok(action),
        }
    }

    /// What [`save`](Self::save) does, without sealing: `Write` carries
    /// an empty string.
    pub(crate) fn save_action(&self, config: &SessionConfig<T>) -> Saved {
        let inner = self;
        let status = inner.status;
        if status.destroyed || (status.cleared && !inner.was_written()) {
            return Saved::Remove;
        }
        if inner.is_dirty() || status.reseal || self.idle_window_half_gone(config) {
            return Saved::Write(String::new());
        }
        Saved::Unchanged
    }

    fn idle_window_half_gone(&self, config: &SessionConfig<T>) -> bool {
        let inner = self;
        !inner.status.is_new
            && config.idle_timeout().is_some_and(|idle| {
                config.now_ms().saturating_sub(inner.last_seen_ms) > as_ms(idle) / 2
            })
    }

    /// When the session expires if it is saved now, in milliseconds since the
    /// epoch: the earlier of `created + max_age` and `now + idle_timeout`.
    /// `None` means a browser-session cookie.
    pub fn expires_at_ms(&self, config: &SessionConfig<T>) -> Option<u64> {
        // A cleared session that is written again starts now (see `seal`).
        let created = if self.status.cleared {
            config.now_ms()
        } else {
            self.created_ms
        };
        let absolute = config.max_age().map(|d| created.saturating_add(as_ms(d)));
        let idle = config
            .idle_timeout()
            .map(|d| config.now_ms().saturating_add(as_ms(d)));
        match (absolute, idle) {
            (Some(a), Some(i)) => Some(a.min(i)),
            (a, i) => a.or(i),
        }
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the session was created, in milliseconds since the epoch.
    pub fn created_at_ms(&self) -> u64 {
        self.created_ms
    }

    /// When the session was last sealed, in milliseconds since the epoch.
    pub fn last_seen_ms(&self) -> u64 {
        self.last_seen_ms
    }

    /// Whether the session was created in this request rather than unsealed.
    pub fn is_new(&self) -> bool {
        self.status.is_new
    }

    /// The typed data, read-only.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// Changes several fields at once; every stored field counts as changed.
    /// Does nothing on a destroyed session.
    pub fn update(&mut self, change: impl FnOnce(&mut T)) {
        let inner = self;
        if inner.status.destroyed {
            return;
        }
        change(&mut inner.data);
        let plain = !T::SCHEMA.flash & all_fields::<T>();
        inner.dirty |= plain;
        inner.present = (inner.present & T::SCHEMA.flash) | (inner.data.present_fields() & plain);
    }

    /// Whether anything was written in this request (a field, a flash, a new id).
    ///
    /// A session that arrived with flash values is dirty too, so that saving
    /// drops them; those fields do not count as written
    /// ([`changed_fields`](Self::changed_fields)).
    pub fn is_dirty(&self) -> bool {
        self.was_written() || self.flash_in != 0
    }

    /// Whether a field, a flash or the id was written in this request.
    pub(crate) fn was_written(&self) -> bool {
        self.dirty != 0 || self.status.id_changed
    }

    /// The session keys of the fields written in this request, in declaration order.
    pub fn changed_fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        let dirty = self.dirty;
        T::SCHEMA
            .keys
            .iter()
            .enumerate()
            .filter(move |(i, _)| dirty & (1 << i) != 0)
            .map(|(_, k)| *k)
    }

    /// How many fields hold a value (flash values that arrived count; those
    /// flashed for the next request do not).
    pub fn len(&self) -> usize {
        self.present.count_ones() as usize
    }

    /// Whether no field holds a value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Destroys the session: its data is gone, writes are ignored from now
    /// on, and saving removes the cookie.
    pub fn destroy(&mut self) {
        let inner = self;
        inner.reset_data();
        inner.dirty = 0;
        inner.status.destroyed = true;
    }

    /// Whether [`destroy`](Self::destroy) was called.
    pub fn is_destroyed(&self) -> bool {
        self.status.destroyed
    }

    /// Gives the session a new id, keeping its data (call it on login, against
    /// session fixation). With `delete_old`, [`delete_id`](Self::delete_id)
    /// names the id the session had when it was loaded, however often the id
    /// changes, so a store can delete it.
    pub fn regenerate_id(&mut self, delete_old: bool) {
        let inner = self;
        if inner.status.destroyed {
            return;
        }
        // A session created in this request was never stored: nothing to delete.
        let delete_old = delete_old && !inner.status.is_new;
        let original = inner.replace_id(inner.next_id());
        let original = delete_old.then(|| original.to_owned());
        inner.status.id_changed = true;
        if original.is_some() {
            inner.delete_id = original;
        }
    }

    /// The id a store should delete after [`regenerate_id(true)`](Self::regenerate_id)
    /// or [`clear`](Self::clear).
    pub fn delete_id(&self) -> Option<&str> {
        self.delete_id.as_deref()
    }

    /// Clears the session as h3's `clearSession` does: the data is gone and
    /// saving removes the cookie; anything written afterwards starts a new
    /// session with a new id.
    pub fn clear(&mut self) {
        let inner = self;
        inner.reset_data();
        inner.dirty = 0;
        inner.status.id_changed = false;
        inner.status.cleared = true;
        inner.status.is_new = true;
        let original = inner.replace_id(inner.next_id()).to_owned();
        inner.delete_id = Some(original);
    }
}

fn all_fields<T: SessionSchema>() -> FieldBits {
    let n = T::SCHEMA.keys.len();
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// How far a sealed session's times may be ahead of this server's clock.
const FUTURE_SKEW_MS: u64 = 60_000;

pub(crate) fn as_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Shows the session's identity and state, never its data.
impl<T: SessionSchema> fmt::Debug for SessionState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self;
        f.debug_struct("Session")
            .field("id", &inner.id)
            .field("created_at_ms", &inner.created_ms)
            .field("changed", &self.changed_fields().collect::<Vec<_>>())
            .field("destroyed", &inner.status.destroyed)
            .finish_non_exhaustive()
    }
}
