//! [`H3Format`]: h3's sealed sessions as a [`Sealer`]: the h3 object
//! ([`envelope`](super::envelope)) sealed with iron, h3's ttl and expiry
//! rules, and h3's cookie conventions.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::{
    Backend, Conventions, IntoBackend, MAX_CHUNKED_LEN, Opened, SameSite, Sealer, Sealing,
    SessionConfig, TokenOut, private,
};
use crate::crypto::encoding::push_hex;
use crate::crypto::random;
use crate::error::{SealError, UnsealError};
use crate::model::fields;
use crate::model::lifecycle::as_ms;
use crate::model::{SessionSchema, SessionState, Settings};

use super::envelope;
use super::iron::{IronCodec, IronError, IronParams, Passwords};

/// The h3 cookie and session name.
pub const H3_COOKIE_NAME: &str = "h3";

/// Which h3 line the sessions are shared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum H3Version {
    /// h3 1.x (also vinxi and Nuxt 3): one PBKDF2 iteration; cookies are
    /// `Path=/; HttpOnly; Secure` and cleared with an empty value.
    V1,
    /// h3 2.x: 8192 PBKDF2 iterations with the one-iteration legacy fallback;
    /// cookies add `SameSite=Lax` and are cleared with `Max-Age=0`; a session
    /// larger than one cookie is split into chunk cookies (`h3.1`, `h3.2`,
    /// ...), which the transport reads and writes as h3 does.
    V2,
}

impl H3Version {
    /// The iron parameters h3 seals with (ttl `0`: it is set per seal).
    pub const fn params(self) -> IronParams {
        match self {
            Self::V1 => IronParams::H3_V1,
            Self::V2 => IronParams::H3_V2,
        }
    }
}

/// The h3 session format: the h3 version and the iron codec (passwords and
/// cached keys). Cloning shares the codec and its key cache.
///
/// As a backend it gives a configuration h3's defaults: cookie (and session
/// name) `h3`, UUID v4 ids, cookies `Path=/; HttpOnly; Secure` (v2 adds
/// `SameSite=Lax`) with `Expires` only; for v1, which has no idle timeout,
/// the schema's is turned off. v2 chunks a session too large for one cookie
/// into `h3.1` ... `h3.N` as h3 v2 does (see the transport's
/// `CookieOptions::with_chunking`), up to the codec's
/// [`max_seal_len`](IronCodec::max_seal_len) (64 KiB by default), so that it
/// never writes a seal it would refuse to open; h3 itself goes up to
/// [`MAX_CHUNKED_LEN`](crate::backend::MAX_CHUNKED_LEN), which no node
/// server with its default 16 KiB header limit reads back. v1 never chunks,
/// as h3 v1.
#[derive(Clone)]
pub struct H3Format {
    version: H3Version,
    codec: Arc<IronCodec>,
}

impl H3Format {
    /// The format of `version` with `passwords` (a plain h3 password is
    /// [`Passwords::single`]; rotation by id is [`Passwords::rotating`]).
    ///
    /// # Errors
    /// What [`IronCodec::new`] reports (never, for h3's own parameters).
    pub fn new(version: H3Version, passwords: Passwords) -> Result<Self, IronError> {
        Ok(Self::from_codec(
            version,
            Arc::new(IronCodec::new(passwords, version.params())?),
        ))
    }

    /// The format of `version` with a prepared codec, for example one with
    /// the legacy fallback turned off
    /// (`IronParams::H3_V2.with_legacy_fallback(false)`, h3's
    /// `legacySealFallback: false`). The codec's ttl is ignored: h3 derives
    /// it from the configured lifetimes for every seal.
    pub fn from_codec(version: H3Version, codec: Arc<IronCodec>) -> Self {
        Self { version, codec }
    }

    /// The h3 version.
    pub fn version(&self) -> H3Version {
        self.version
    }

    /// The iron codec (its key cache is shared by every clone).
    pub fn codec(&self) -> &Arc<IronCodec> {
        &self.codec
    }

    /// The seal's ttl in milliseconds as h3 computes it: `maxAge` (v2:
    /// `maxAge || idleTimeout`), `0` for none.
    fn ttl_ms(&self, max_age: Option<Duration>, idle: Option<Duration>) -> u64 {
        let lifetime = match self.version {
            H3Version::V1 => max_age,
            H3Version::V2 => max_age.or(idle),
        };
        lifetime.map_or(0, as_ms)
    }
}

impl fmt::Debug for H3Format {
    /// Shows the version and the codec's configuration, never secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("H3Format")
            .field("version", &self.version)
            .field("codec", &self.codec)
            .finish()
    }
}

impl private::Sealed for H3Format {}

impl<T: SessionSchema> Sealer<T> for H3Format {
    fn seal(
        &self,
        settings: &Settings,
        session: &SessionState<T>,
        now_ms: u64,
        out: &mut TokenOut<'_>,
    ) -> Result<(), SealError> {
        let last_seen = settings.idle_timeout().map(|_| now_ms);
        let json = envelope::encode(session, session.created_for_save(now_ms), last_seen)?;
        let ttl = self.ttl_ms(settings.max_age(), settings.idle_timeout());
        let sealed = self
            .codec
            .seal_with_ttl(&json, now_ms, ttl)
            .map_err(SealError::Iron)?;
        out.start(sealed.len()).extend_from_slice(sealed.as_bytes());
        Ok(())
    }

    fn unseal(&self, settings: &Settings, sealed: &str) -> Result<Opened<T>, UnsealError> {
        let now = settings.now_ms();
        let opened = self.codec.unseal(sealed, now).map_err(UnsealError::Iron)?;
        let fields = envelope::parse(&opened.json).map_err(|_| UnsealError::Corrupt)?;
        let created = fields.created_at.as_deref().and_then(envelope::js_time);
        let last_seen = fields.last_seen_at.as_deref().and_then(envelope::js_time);
        let id = fields
            .id
            .as_deref()
            .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
            .filter(|id| !id.is_empty());
        let generator = Some(Arc::clone(settings.id_generator()));
        let created_ms = created.unwrap_or(now);
        let mut state = SessionState::<T>::restored(
            id.clone().unwrap_or_default(),
            created_ms,
            last_seen.unwrap_or(created_ms),
            generator,
        );
        if let Some(data) = fields.data
            && data.get() != "null"
        {
            fields::decode(&mut state, data.get().as_bytes()).map_err(|_| UnsealError::Corrupt)?;
        }
        if id.is_none() {
            // h3 gives an id-less session a new id and `createdAt`, and writes it at once.
            state.renew_identity(settings.new_id(), now);
        }
        let current = self.codec.passwords().current_id();
        if opened.legacy || (!current.is_empty() && opened.password_id != current) {
            state.mark_reseal();
        }
        Ok(Opened {
            state: Box::new(state),
            created_ms: created,
            last_seen_ms: last_seen.or(created),
        })
    }

    fn conventions(&self) -> Conventions {
        match self.version {
            H3Version::V1 => Conventions {
                same_site: None,
                max_age: false,
                removal_max_age: false,
                // h3 v1 neither writes nor reads chunked cookies.
                chunking: None,
            },
            H3Version::V2 => Conventions {
                same_site: Some(SameSite::Lax),
                max_age: false,
                removal_max_age: true,
                // Never more than this codec opens again.
                chunking: Some(self.codec.max_seal_len().min(MAX_CHUNKED_LEN)),
            },
        }
    }

    fn adapt(&self, settings: &mut Settings) {
        settings.cookie_name = H3_COOKIE_NAME.into();
        settings.id_generator = Arc::new(uuid_v4);
        if self.version == H3Version::V1 {
            settings.idle_timeout = None;
        }
    }
}

impl<T: SessionSchema> IntoBackend<T> for H3Format {
    fn into_backend(self) -> Arc<dyn Backend<T>> {
        Arc::new(Sealing(self))
    }
}

impl<T: SessionSchema> SessionConfig<T> {
    /// A configuration that shares sessions with h3's
    /// `useSession(event, { password })`, with h3's defaults (see
    /// [`H3Format`]). `max_age` comes from the schema (h3 has no default:
    /// set it to h3's `maxAge`); `with_cookie_name` matches another h3 `name`.
    ///
    /// # Errors
    /// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`]: h3
    /// needs at least 32 characters (UTF-16 code units).
    pub fn h3(version: H3Version, password: impl Into<String>) -> Result<Self, IronError> {
        Ok(Self::new(H3Format::new(
            version,
            Passwords::single(password)?,
        )?))
    }
}

/// A random UUID v4 in its lowercase text form, like `crypto.randomUUID()`.
///
/// ```
/// let id = session_runtime::h3::uuid_v4();
/// assert_eq!(id.len(), 36);
/// assert_eq!(&id[14..15], "4");
/// assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
/// ```
pub fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    random::fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        push_hex(&mut out, *b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let id = uuid_v4();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(
            id.bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(uuid_v4(), id);
    }

    #[test]
    fn ttl_per_version() {
        let codec = Arc::new(
            IronCodec::new(
                Passwords::single("x".repeat(32)).unwrap(),
                IronParams::H3_V1,
            )
            .unwrap(),
        );
        let v1 = H3Format::from_codec(H3Version::V1, Arc::clone(&codec));
        let v2 = H3Format::from_codec(H3Version::V2, codec);
        let s = Duration::from_secs;
        assert_eq!(v1.ttl_ms(None, Some(s(5))), 0);
        assert_eq!(v2.ttl_ms(None, Some(s(5))), 5000);
        assert_eq!(v2.ttl_ms(Some(s(7)), Some(s(5))), 7000);
        assert_eq!(v1.ttl_ms(Some(s(7)), None), 7000);
    }
}
