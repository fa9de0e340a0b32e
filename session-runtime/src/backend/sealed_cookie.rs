//! [`SealedCookie`]: the whole session sealed into its cookie with
//! AES-256-GCM under a [`KeyRing`], the default backend.

use crate::backend::{Opened, Sealer, TokenOut, envelope, private};
use crate::crypto::KeyRing;
use crate::crypto::aead;
use crate::error::{SealError, UnsealError};
use crate::model::fields;
use crate::model::{SessionSchema, SessionState, Settings};

/// Seals whole sessions into their cookie: `base64url(format ‖ key
/// fingerprint ‖ nonce ‖ AES-256-GCM(envelope) ‖ tag)`, with the format,
/// the fingerprint and the cookie name as associated data. The default
/// backend: `SessionConfig::new(key)` builds one.
///
/// Sessions are sealed in format 2; format 1 (a whole key id, fixed-width
/// times, the id as text) still opens, and is sealed again in format 2 at
/// the next save. See the `envelope` and `aead` module docs for the bytes.
/// A build from before format 2 rejects its cookies (the request gets a
/// fresh session): during a rolling upgrade, instances of both builds
/// serving one user log that user out.
///
/// A session opened with an older key of the ring is sealed again with the
/// primary key when it is saved.
#[derive(Clone, Debug)]
pub struct SealedCookie {
    keys: KeyRing,
}

impl SealedCookie {
    /// Seals with `keys` (a [`Key`](crate::Key) or a [`KeyRing`]).
    pub fn new(keys: impl Into<KeyRing>) -> Self {
        Self { keys: keys.into() }
    }

    /// The key ring.
    pub fn key_ring(&self) -> &KeyRing {
        &self.keys
    }
}

impl private::Sealed for SealedCookie {}

impl<T: SessionSchema> Sealer<T> for SealedCookie {
    fn seal(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        now_ms: u64,
        out: &mut TokenOut<'_>,
    ) -> Result<(), SealError> {
        let id = envelope::SealedId::of(session.id());
        aead::seal(
            &self.keys,
            id.format(),
            settings.cookie_name(),
            |frame| {
                frame.reserve(
                    envelope::MAX_HEADER_LEN + session.id().len() + fields::size_hint::<T>(),
                );
                envelope::encode(
                    &id,
                    session,
                    session.created_for_save(now_ms),
                    now_ms,
                    frame,
                )
            },
            |len| out.start(len),
        )
    }

    fn unseal(&self, settings: &Settings, sealed: &str) -> Result<Opened<T>, UnsealError> {
        let (state, by_primary) = aead::open(
            &self.keys,
            envelope::ACCEPTED,
            settings.cookie_name(),
            sealed,
            |format, plaintext, by_primary| {
                (
                    envelope::decode::<T>(format, plaintext, settings.id_generator()),
                    by_primary,
                )
            },
        )?;
        let mut state = state?;
        if !by_primary {
            state.mark_reseal();
        }
        Ok(Opened::new(state))
    }

    fn key_ring(&self) -> Option<&KeyRing> {
        Some(&self.keys)
    }
}
