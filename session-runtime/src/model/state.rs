//! [`SessionState<T>`]: one request's session. The typed data, the
//! identity (id, creation and last-seen times), and what changed: per-field
//! dirty and present bits, flash values in and out.
//!
//! Its fields are private to the model: backends build and read a state
//! through the crate-internal methods at the end of this file, and
//! generated accessors through `__private`.

use std::fmt;
use std::sync::Arc;

use serde_json::value::RawValue;

use crate::model::checked::EncodeError;
use crate::model::schema::{FieldBits, SessionData};
use crate::model::settings::IdGenerator;

/// Everything a session knows besides its typed fields: identity, times,
/// change tracking and lifecycle. Every [`Session<T>`](tyalias@crate::Session)
/// dereferences to it, so these methods are called on the session directly.
pub struct SessionState<T> {
    pub(super) data: T,
    pub(super) id: String,
    /// The id the session had when it was loaded or created, once the id
    /// changed (`None` while it is still [`id`](Self::id): a loaded session
    /// then holds its id once).
    pub(super) original_id: Option<String>,
    pub(super) delete_id: Option<String>,
    pub(super) created_ms: u64,
    pub(super) last_seen_ms: u64,
    /// Fields written in this request (set, unset, flash, update).
    pub(super) dirty: FieldBits,
    /// Fields that hold a value (loaded, or set in this request).
    pub(super) present: FieldBits,
    /// Flash fields whose value arrived with this request.
    pub(super) flash_in: FieldBits,
    /// Flash values set in this request for the next one, as JSON, by ordinal.
    pub(super) flash_out: Vec<(usize, Box<RawValue>)>,
    /// Keys the schema does not declare, kept so that they are written back.
    pub(super) extra: Vec<(String, Box<RawValue>)>,
    /// A flash value that could not be serialized (or would not read back),
    /// reported when sealing.
    pub(super) flash_error: Option<(usize, EncodeError)>,
    pub(super) status: Status,
    /// Where this state goes when it is dropped (set by the HTTP layers:
    /// a handler never has to hand the session back).
    pub(super) sink: Option<Sink<T>>,
    /// The configuration's id generator, for ids given after loading
    /// (`regenerate_id`, `clear`); `None` uses [`generate_id`](crate::generate_id).
    pub(super) id_generator: Option<IdGenerator>,
}

/// Receives a session state when it is dropped.
///
/// It is called whatever the drop's cause, also while the thread unwinds
/// from a panic (`std::thread::panicking()`); the sink decides what that
/// means for the request (the axum layer then saves nothing).
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
pub(super) struct Status {
    /// Created in this request, never stored before.
    pub(super) is_new: bool,
    pub(super) destroyed: bool,
    /// `clear()` was called: unless written again, the cookie is removed.
    pub(super) cleared: bool,
    pub(super) id_changed: bool,
    /// Opened with an older key: store (seal) it again with the current one.
    pub(super) reseal: bool,
    /// Loaded from a backend (not created in this request), whatever
    /// happened to it since: its original id names a stored session.
    pub(super) stored: bool,
}

/// What users read, on every session.
impl<T: SessionData> SessionState<T> {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the session was created, in milliseconds since the epoch.
    pub fn created_at_ms(&self) -> u64 {
        self.created_ms
    }

    /// When the session was last saved, in milliseconds since the epoch.
    pub fn last_seen_ms(&self) -> u64 {
        self.last_seen_ms
    }

    /// Whether the session was created in this request rather than loaded.
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
        if self.status.destroyed {
            return;
        }
        change(&mut self.data);
        let plain = !T::SCHEMA.flash & all_fields::<T>();
        self.dirty |= plain;
        self.present = (self.present & T::SCHEMA.flash) | (self.data.present_fields() & plain);
    }

    /// Whether anything was written in this request (a field, a flash, a new id).
    ///
    /// A session that arrived with flash values is dirty too, so that saving
    /// drops them; those fields do not count as written
    /// ([`changed_fields`](Self::changed_fields)).
    pub fn is_dirty(&self) -> bool {
        self.was_written() || self.flash_in != 0
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

    /// Whether [`destroy`](Self::destroy) was called.
    pub fn is_destroyed(&self) -> bool {
        self.status.destroyed
    }

    /// The id a store should delete after [`regenerate_id(true)`](Self::regenerate_id)
    /// or [`clear`](Self::clear).
    pub fn delete_id(&self) -> Option<&str> {
        self.delete_id.as_deref()
    }
}

/// What generated accessors call (through `__private`, never as methods).
impl<T: SessionData> SessionState<T> {
    /// Marks field `index` written (and holding a value when `present`)
    /// and gives the data to write it into; `None` on a destroyed session,
    /// which ignores writes. The caller writes the field at once.
    #[inline]
    pub(crate) fn write_field(&mut self, index: usize, present: bool) -> Option<&mut T> {
        if self.status.destroyed || index >= T::SCHEMA.keys.len() {
            return None;
        }
        let bit = 1 << index;
        self.dirty |= bit;
        if present {
            self.present |= bit;
        } else {
            self.present &= !bit;
        }
        Some(&mut self.data)
    }

    /// Flashes `value` into field `index` for the next request.
    pub(crate) fn flash_field<V>(
        &mut self,
        index: usize,
        value: &V,
        encode: fn(&V, &mut Vec<u8>) -> Result<(), EncodeError>,
    ) {
        if self.status.destroyed || index >= T::SCHEMA.keys.len() {
            return;
        }
        self.flash_out.retain(|(i, _)| *i != index);
        let mut json = Vec::new();
        let raw = encode(value, &mut json).and_then(|()| {
            String::from_utf8(json)
                .map_err(|e| e.to_string())
                .and_then(|text| RawValue::from_string(text).map_err(|e| e.to_string()))
                .map_err(EncodeError::Json)
        });
        match raw {
            Ok(json) => self.flash_out.push((index, json)),
            // Kept until the save, which then fails with this error.
            Err(e) => self.flash_error = Some((index, e)),
        }
        self.dirty |= 1 << index;
    }

    /// Cancels a flash set in this request for field `index`.
    pub(crate) fn unflash_field(&mut self, index: usize) {
        if self.status.destroyed || index >= T::SCHEMA.keys.len() {
            return;
        }
        self.flash_out.retain(|(i, _)| *i != index);
        if self.flash_error.as_ref().is_some_and(|(i, _)| *i == index) {
            self.flash_error = None;
        }
        self.dirty |= 1 << index;
    }
}

/// What backends and integrations use to build, read and hand over a state.
impl<T: SessionData> SessionState<T> {
    /// A new session, created at `now_ms`.
    pub(crate) fn fresh(id: String, now_ms: u64, id_generator: Option<IdGenerator>) -> Self {
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
            id_generator,
        }
    }

    /// A session that was stored before, with no fields yet (see
    /// [`fields::decode`](crate::model::fields::decode)).
    pub(crate) fn restored(
        id: String,
        created_ms: u64,
        last_seen_ms: u64,
        id_generator: Option<IdGenerator>,
    ) -> Self {
        let mut state = Self::fresh(id, created_ms, id_generator);
        state.last_seen_ms = last_seen_ms;
        state.status.is_new = false;
        state.status.stored = true;
        state
    }

    /// Treats a restored session as new under `id`, created at `now_ms`,
    /// and to be written at once (h3 gives an id-less seal a new identity).
    pub(crate) fn renew_identity(&mut self, id: String, now_ms: u64) {
        self.id = id;
        self.created_ms = now_ms;
        self.last_seen_ms = now_ms;
        self.status.is_new = true;
        self.status.id_changed = true;
        self.status.stored = false;
    }

    /// Marks a restored session as opened with an older key.
    pub(crate) fn mark_reseal(&mut self) {
        self.status.reseal = true;
    }

    /// Whether a field, a flash or the id was written in this request.
    pub(crate) fn was_written(&self) -> bool {
        self.dirty != 0 || self.status.id_changed
    }

    /// Whether saving removes the session: destroyed, or cleared and not
    /// written again.
    pub(crate) fn is_removed(&self) -> bool {
        self.status.destroyed || (self.status.cleared && !self.was_written())
    }

    /// The creation time a save records: now for a session cleared in this
    /// request (it starts over), else the creation time.
    pub(crate) fn created_for_save(&self, now_ms: u64) -> u64 {
        if self.status.cleared {
            now_ms
        } else {
            self.created_ms
        }
    }

    /// Attaches the sink the state is handed to when dropped.
    pub(crate) fn set_sink(&mut self, sink: Sink<T>) {
        self.sink = Some(sink);
    }

    /// Moves the state out, leaving an empty one (with no sink) behind.
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

    /// Gives a copy of a session that was new in this request the identity
    /// of the first copy, so that all copies agree on one new session.
    pub(crate) fn adopt_new_identity(&mut self, id: &str, created_ms: u64) {
        self.id.clear();
        self.id.push_str(id);
        self.created_ms = created_ms;
        self.last_seen_ms = created_ms;
    }
}

impl<T> SessionState<T> {
    /// The id the session is stored under, when it was loaded from a
    /// backend: the id it had then, however it changed since.
    pub(crate) fn stored_id(&self) -> Option<&str> {
        self.status
            .stored
            .then(|| self.original_id.as_deref().unwrap_or(&self.id))
    }
}

/// Every stored field of `T`, as bits.
pub(super) fn all_fields<T: SessionData>() -> FieldBits {
    let n = T::SCHEMA.keys.len();
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// Shows the session's identity and state, never its data.
impl<T: SessionData> fmt::Debug for SessionState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("created_at_ms", &self.created_ms)
            .field("changed", &self.changed_fields().collect::<Vec<_>>())
            .field("destroyed", &self.status.destroyed)
            .finish_non_exhaustive()
    }
}
