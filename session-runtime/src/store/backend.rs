//! [`StoreBackend`]: a [`Store`] as a [`Backend`]. The token is the session
//! id sealed under the key ring (name-bound, rotated like a cookie
//! session); the data lives in the store, written field by field.

use std::fmt;
use std::sync::Arc;

use super::{OwnerUpdate, Record, Save, SaveMode, SaveOutcome, Store};
use crate::backend::{
    Backend, IntoBackend, Opened, Pending, Reply, SessionConfig, TokenOut, private,
};
use crate::crypto::KeyRing;
use crate::crypto::{aead, random};
use crate::error::{LoadError, SaveError, SealError, StoreError, StoreErrorKind, UnsealError};
use crate::model::lifecycle::Action;
use crate::model::schema::SessionData;
use crate::model::schema::{SessionOwner, SessionValue};
use crate::model::slots::{self, OwnerChange, Persist};
use crate::model::{SessionSchema, SessionState, Settings};

/// The `format` bytes of a sealed session id (see [`aead`]), distinct from
/// a sealed session's: one never opens as the other. The plaintext is the
/// id: in format 2 as its 16 bytes when it has the form of a generated id
/// (22 characters of base64url), else as its text; in format 1 (read only,
/// a whole key id in the header) as its text.
const ID_V1: u8 = 0x49;
/// Format 2, the id as its 16 bytes.
const ID_V2_BYTES: u8 = 0x4a;
/// Format 2, the id as text.
const ID_V2_TEXT: u8 = 0x4b;
/// The formats an id token is opened in.
const ID_ACCEPTED: &[(u8, aead::Header)] = &[
    (ID_V2_BYTES, aead::Header::Fingerprint),
    (ID_V2_TEXT, aead::Header::Fingerprint),
    (ID_V1, aead::Header::KeyId),
];

/// Sessions in a [`Store`]; the cookie carries the session id, sealed with
/// the key ring. Built by [`SessionConfig::with_store`].
#[derive(Clone)]
pub struct StoreBackend {
    keys: KeyRing,
    store: Arc<dyn Store>,
}

impl StoreBackend {
    /// Keeps sessions in `store`, with ids sealed under `keys`.
    pub fn new(keys: impl Into<KeyRing>, store: impl Store) -> Self {
        Self {
            keys: keys.into(),
            store: Arc::new(store),
        }
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// The id `token` seals, if it is authentic.
    fn unseal_id(&self, settings: &Settings, token: &str) -> Result<(String, bool), UnsealError> {
        let (id, by_primary) = aead::open(
            &self.keys,
            ID_ACCEPTED,
            settings.cookie_name(),
            token,
            |format, plaintext, by_primary| {
                let id = if format == ID_V2_BYTES {
                    plaintext.try_into().ok().map(random::id_from_bytes)
                } else {
                    std::str::from_utf8(plaintext).ok().map(str::to_owned)
                };
                (id, by_primary)
            },
        )?;
        let id = id.ok_or(UnsealError::Corrupt)?;
        if id.is_empty() {
            return Err(UnsealError::Corrupt);
        }
        Ok((id, by_primary))
    }

    /// Writes the sealed `id` to `out`.
    fn seal_id(&self, settings: &Settings, id: &str, out: &mut TokenOut<'_>) {
        let bytes = random::id_bytes(id);
        let format = if bytes.is_some() {
            ID_V2_BYTES
        } else {
            ID_V2_TEXT
        };
        let sealed = aead::seal::<std::convert::Infallible>(
            &self.keys,
            format,
            settings.cookie_name(),
            |frame| {
                match &bytes {
                    Some(bytes) => frame.extend_from_slice(bytes),
                    None => frame.extend_from_slice(id.as_bytes()),
                }
                Ok(())
            },
            |len| out.start(len),
        );
        // Writing an id cannot fail.
        let Ok(()) = sealed;
    }
}

impl fmt::Debug for StoreBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreBackend")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl private::Sealed for StoreBackend {}

impl<T: SessionSchema> Backend<T> for StoreBackend {
    fn open(&self, settings: &Settings, token: &str) -> Pending<Result<Opened<T>, LoadError>> {
        // A token that fails authentication never reaches the store.
        let (id, by_primary) = match self.unseal_id(settings, token) {
            Ok(opened) => opened,
            Err(e) => return Pending::ready(Err(LoadError::Rejected(e))),
        };
        let generator = Arc::clone(settings.id_generator());
        let now = settings.now_ms();
        self.store.load(&id, now).map(move |loaded| {
            // An id the store does not hold is never adopted.
            let record = loaded?.ok_or(LoadError::Rejected(UnsealError::UnknownSession))?;
            let mut opened = restore::<T>(id, &record, generator);
            if !by_primary {
                opened.state.mark_reseal();
            }
            Ok(opened)
        })
    }

    fn commit(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        action: Action,
        now_ms: u64,
        out: &mut TokenOut<'_>,
    ) -> Pending<Result<Reply, SaveError>> {
        match action {
            Action::Keep => Pending::ready(Ok(Reply::Keep)),
            Action::Remove => match session.stored_id() {
                Some(id) => self
                    .store
                    .delete(id)
                    .map(|deleted| deleted.map(|_| Reply::Remove).map_err(SaveError::Store)),
                None => Pending::ready(Ok(Reply::Remove)),
            },
            Action::Write => match self.write(settings, session, now_ms) {
                Ok(writing) => {
                    // Every write sends the cookie again, so that its lifetime
                    // follows the session's (as a cookie session's does).
                    self.seal_id(settings, session.id(), out);
                    writing
                }
                Err(e) => Pending::ready(Err(SaveError::Seal(e))),
            },
        }
    }

    fn sealer(&self) -> Option<&dyn crate::backend::Sealer<T>> {
        None
    }

    fn key_ring(&self) -> Option<&KeyRing> {
        Some(&self.keys)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl StoreBackend {
    /// The store operation a write of `session` at `now_ms` needs.
    fn write<T: SessionSchema>(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        now_ms: u64,
    ) -> Result<Pending<Result<Reply, SaveError>>, SealError> {
        let expires_ms = session.expiry_if_saved(settings, now_ms);
        let persist = session.persist();
        let writes = session.writes(matches!(persist, Persist::Create { .. }))?;
        let mode = match persist {
            Persist::Create { replaces } => SaveMode::Create {
                created_ms: session.created_for_save(now_ms),
                replaces: replaces.map(str::to_owned),
            },
            Persist::Update => {
                if writes.set.is_empty()
                    && writes.remove.is_empty()
                    && writes.owner == OwnerChange::Keep
                {
                    // Only the idle window slides (or the key rotated).
                    return Ok(self
                        .store
                        .touch(session.id(), now_ms, expires_ms)
                        .map(|touched| match touched {
                            Ok(true) => Ok(Reply::Set),
                            Ok(false) => Ok(Reply::Remove),
                            Err(e) => Err(SaveError::Store(e)),
                        }));
                }
                SaveMode::Update
            }
            Persist::Rename { from, keep_old } => SaveMode::Rename {
                from: from.to_owned(),
                keep_old,
            },
        };
        let save = Save {
            id: session.id().to_owned(),
            mode,
            set: writes.set,
            remove: writes.remove,
            last_seen_ms: now_ms,
            expires_ms,
            owner: match writes.owner {
                OwnerChange::Keep => OwnerUpdate::Keep,
                OwnerChange::Set(owner) => OwnerUpdate::Set(owner),
                OwnerChange::Clear => OwnerUpdate::Clear,
            },
        };
        Ok(self.store.save(save).map(|saved| match saved {
            Ok(SaveOutcome::Saved) => Ok(Reply::Set),
            // Destroyed (or expired) meanwhile: nothing was written, and
            // the client loses the cookie of a session that is gone.
            Ok(SaveOutcome::Gone) => Ok(Reply::Remove),
            Ok(SaveOutcome::Conflict) => Err(SaveError::Store(StoreError::new(
                StoreErrorKind::Conflict,
                "the new session id is already in use",
            ))),
            Err(e) => Err(SaveError::Store(e)),
        }))
    }
}

/// A session from its record.
fn restore<T: SessionData>(
    id: String,
    record: &Record,
    generator: crate::model::settings::IdGenerator,
) -> Opened<T> {
    let mut state =
        SessionState::restored(id, record.created_ms, record.last_seen_ms, Some(generator));
    for (key, json) in &record.fields {
        slots::decode(&mut state, key, json);
    }
    slots::finish_decode(&mut state);
    Opened {
        state: Box::new(state),
        created_ms: Some(record.created_ms),
        last_seen_ms: Some(record.last_seen_ms),
    }
}

/// Store mode: where a configuration keeps its sessions server-side.
impl<T: SessionSchema> SessionConfig<T> {
    /// Keeps sessions in `store`: the cookie (or the session header) then
    /// carries only the session id, sealed with this configuration's keys
    /// exactly as a cookie session is; the data lives in the store, written
    /// field by field. Handlers do not change.
    ///
    /// # Panics
    /// If the configuration has no key ring (it was built for the h3 format,
    /// which keeps sessions in its cookie): build it with
    /// `SessionConfig::new(key)`.
    #[must_use]
    pub fn with_store(self, store: impl Store) -> Self {
        let keys = self
            .backend()
            .key_ring()
            .expect(
                "a store needs the configuration's keys to seal session ids: build it with `SessionConfig::new(key)`",
            )
            .clone();
        self.with_backend(StoreBackend::new(keys, store))
    }

    /// The store, when sessions live in one.
    pub fn store(&self) -> Option<&dyn Store> {
        let backend = self.backend().as_any().downcast_ref::<StoreBackend>()?;
        Some(backend.store())
    }
}

/// Log out everywhere: the sessions of one owner (the schema's
/// `#[session(owner)]` field), listed or revoked, typed by the owner field.
impl<T: SessionSchema> SessionConfig<T> {
    /// The ids of `owner`'s live sessions (a "your devices" page).
    ///
    /// # Errors
    /// A [`StoreError`]: the store failed, or the configuration keeps
    /// sessions in cookies, which cannot be listed.
    pub fn sessions_of(&self, owner: &T::Owner) -> Pending<Result<Vec<String>, StoreError>>
    where
        T: SessionOwner,
        T::Owner: SessionValue,
    {
        match self.owner_store(owner) {
            Ok((store, key)) => store.owned_by(&key, self.now_ms()),
            Err(e) => Pending::ready(Err(e)),
        }
    }

    /// Deletes every session of `owner` (after a password change, say):
    /// their cookies open nothing from now on. How many there were.
    ///
    /// # Errors
    /// A [`StoreError`]: the store failed, or the configuration keeps
    /// sessions in cookies, which cannot be revoked.
    pub fn revoke_owner(&self, owner: &T::Owner) -> Pending<Result<usize, StoreError>>
    where
        T: SessionOwner,
        T::Owner: SessionValue,
    {
        match self.owner_store(owner) {
            Ok((store, key)) => store.revoke_owner(&key),
            Err(e) => Pending::ready(Err(e)),
        }
    }

    fn owner_store(&self, owner: &T::Owner) -> Result<(&dyn Store, String), StoreError>
    where
        T: SessionOwner,
        T::Owner: SessionValue,
    {
        let store = self.store().ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::Unsupported,
                "sessions kept in cookies cannot be listed or revoked: configure a store",
            )
        })?;
        let json = serde_json::to_string(owner).map_err(|e| {
            StoreError::new(
                StoreErrorKind::Other,
                format!("the owner does not serialize: {e}"),
            )
        })?;
        Ok((store, slots::owner_key(&json)))
    }
}

impl<T: SessionSchema> IntoBackend<T> for StoreBackend {
    fn into_backend(self) -> Arc<dyn Backend<T>> {
        Arc::new(self)
    }
}
