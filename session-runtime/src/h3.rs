//! h3/Nuxt sessions (feature `h3`): read and write the sessions of h3's
//! `useSession` (h3 1.x, vinxi, Nuxt 3, and h3 2.x), so that a Rust service
//! and a Nuxt/h3 app share one session cookie.
//!
//! A [`SessionConfig`] built by [`SessionConfig::h3`] seals a
//! `Session<T>` the way h3 does:
//!
//! * the sealed object is `{"id":…,"createdAt":…,"data":{…}}` (plus
//!   `"lastSeenAt"` when an idle timeout is set, as h3 v2 does), serialised
//!   compactly in that key order, like `JSON.stringify`;
//! * `data` holds the session's fields under their keys; keys the struct does
//!   not declare are kept and written back unchanged, so h3-only data survives
//!   a Rust request;
//! * the seal is iron `Fe26.2` ([`crate::iron`]) with h3's parameters:
//!   one PBKDF2 iteration for [`H3Version::V1`], 8192 for [`H3Version::V2`]
//!   (which also opens one-iteration seals and re-seals them on save), and a
//!   ttl of `maxAge` (v2: `maxAge`, else `idleTimeout`);
//! * `max_age` is absolute from `createdAt`: a session is accepted while
//!   `now - createdAt <= max_age` (h3's check, on top of iron's ttl and its
//!   60 s skew), and the idle timeout counts from `lastSeenAt`, else
//!   `createdAt`;
//! * new sessions get a random UUID v4 id, like `crypto.randomUUID()`; a seal
//!   without an `id` keeps its data and gets a new id and `createdAt`, as in h3.
//!
//! Over HTTP (feature `http`) the cookie is `h3`, the header `x-h3-session`
//! takes precedence, a written cookie has `Expires` only (no `Max-Age`), and a
//! cleared session is removed as the version does it (v1: an empty value, v2:
//! `Max-Age=0`).
//!
//! ```
//! use session_runtime::h3::H3Version;
//! use session_runtime::{Session, SessionConfig};
//!
//! #[derive(Session)]
//! struct Counter {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! // h3: useSession(event, { password, maxAge: 3600 })
//! let config = SessionConfig::<Counter>::h3(H3Version::V2, "a password of at least 32 characters")?
//!     .with_max_age(std::time::Duration::from_secs(3600));
//! assert_eq!(config.cookie_name(), "h3");
//!
//! let mut session = Session::<Counter>::new(&config);
//! session.set_count(1);
//! let sealed = session.seal(&config).unwrap();
//! assert!(sealed.starts_with("Fe26.2**"));
//!
//! let back = Session::<Counter>::unseal(&config, &sealed).unwrap();
//! assert_eq!(*back.count(), 1);
//! assert_eq!(back.id(), session.id());
//! # Ok::<(), session_runtime::iron::IronError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::config::{SameSite, SessionConfig};
use crate::envelope;
use crate::error::{Expiry, SealError, UnsealError};
use crate::format::SessionFormat;
use crate::iron::{IronCodec, IronError, IronParams, Passwords};
use crate::key::Key;
use crate::schema::{SessionFields, SessionSchema};
use crate::session::Session;
use crate::state::SessionState;
use crate::state::as_ms;

/// The h3 cookie and session name.
pub const H3_COOKIE_NAME: &str = "h3";

/// Which h3 line the sessions are shared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum H3Version {
    /// h3 1.x (also vinxi and Nuxt 3): one PBKDF2 iteration; cookies are
    /// `Path=/; HttpOnly; Secure` and cleared with an empty value.
    V1,
    /// h3 2.x: 8192 PBKDF2 iterations with the one-iteration legacy fallback;
    /// cookies add `SameSite=Lax` and are cleared with `Max-Age=0`.
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

impl<T: SessionSchema> SessionConfig<T> {
    /// A configuration that shares sessions with h3's
    /// `useSession(event, { password })`: see [`from_h3`](Self::from_h3).
    ///
    /// # Errors
    /// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`]: h3
    /// needs at least 32 characters (UTF-16 code units).
    pub fn h3(version: H3Version, password: impl Into<String>) -> Result<Self, IronError> {
        Ok(Self::from_h3(H3Format::new(
            version,
            Passwords::single(password)?,
        )?))
    }

    /// A configuration in h3's format with h3's defaults: cookie (and
    /// session name) `h3`, header `x-h3-session`, cookie `Path=/; HttpOnly;
    /// Secure` (v2 adds `SameSite=Lax`), UUID v4 ids. `max_age` comes from
    /// the schema (h3 has no default: set it to h3's `maxAge`); the idle
    /// timeout comes from the schema for v2 (h3's `idleTimeout`) and is
    /// turned off for v1, which has none. Every setting can be changed
    /// afterwards (`with_cookie_name` for another h3 `name`).
    ///
    /// The configuration's key ring is not used by this format.
    pub fn from_h3(format: H3Format) -> Self {
        let version = format.version();
        let config = Self::new(Key::generate())
            .with_cookie_name(H3_COOKIE_NAME)
            .with_id_generator(uuid_v4)
            .with_cookie_path("/")
            .with_secure(true)
            .with_http_only(true)
            .with_format(SessionFormat::H3(format));
        match version {
            H3Version::V1 => config.with_same_site(None).with_idle_timeout(None),
            H3Version::V2 => config.with_same_site(SameSite::Lax),
        }
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
    rand::fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        crate::iron::push_hex(&mut out, *b);
    }
    out
}

/// Seals `state` as h3 does.
pub(crate) fn seal<T: SessionSchema>(
    state: &SessionState<T>,
    config: &SessionConfig<T>,
    format: &H3Format,
) -> Result<String, SealError> {
    if state.status.destroyed {
        return Err(SealError::Destroyed);
    }
    let now = config.now_ms();
    let created = if state.status.cleared {
        now
    } else {
        state.created_ms
    };
    let mut json = Vec::with_capacity(96 + state.id.len() + 32 * T::SCHEMA.keys.len());
    json.extend_from_slice(b"{\"id\":");
    serde_json::to_writer(&mut json, &state.id).map_err(|e| SealError::Encode {
        key: "id",
        message: e.to_string(),
    })?;
    json.extend_from_slice(b",\"createdAt\":");
    json.extend_from_slice(created.to_string().as_bytes());
    json.extend_from_slice(b",\"data\":");
    envelope::encode_fields(state, &mut json)?;
    if config.idle_timeout().is_some() {
        json.extend_from_slice(b",\"lastSeenAt\":");
        json.extend_from_slice(now.to_string().as_bytes());
    }
    json.push(b'}');
    let json = String::from_utf8(json).map_err(|e| SealError::Encode {
        key: "data",
        message: e.to_string(),
    })?;
    let ttl = format.ttl_ms(config.max_age(), config.idle_timeout());
    let sealed = format
        .codec()
        .seal_with_ttl(&json, now, ttl)
        .map_err(SealError::Iron)?;
    let len = config.wire_name_len() + 1 + sealed.len();
    if len > config.max_size() {
        return Err(SealError::TooLarge {
            len,
            limit: config.max_size(),
        });
    }
    Ok(sealed)
}

/// Unseals an h3 session, with h3's checks after iron's.
pub(crate) fn unseal<T: SessionSchema>(
    config: &SessionConfig<T>,
    format: &H3Format,
    sealed: &str,
) -> Result<Session<T>, UnsealError> {
    let limit = config.max_size().saturating_sub(config.wire_name_len() + 1);
    if sealed.len() > limit {
        return Err(UnsealError::TooLarge {
            len: sealed.len(),
            limit,
        });
    }
    let now = config.now_ms();
    let codec = format.codec();
    let opened = codec.unseal(sealed, now).map_err(UnsealError::Iron)?;
    let fields = parse_envelope(&opened.json).map_err(|_| UnsealError::Corrupt)?;
    let created = fields.created_at.as_deref().and_then(js_time);
    let last_seen = fields.last_seen_at.as_deref().and_then(js_time);

    // h3: `Date.now() - (createdAt || -Infinity) > maxAge * 1000`.
    if let Some(max_age) = config.max_age()
        && created.is_none_or(|c| now.saturating_sub(c) > as_ms(max_age))
    {
        return Err(UnsealError::Expired(Expiry::Absolute));
    }
    // h3 v2: `Date.now() - (lastSeenAt || createdAt || -Infinity) > idleTimeout * 1000`.
    if let Some(idle) = config.idle_timeout()
        && last_seen
            .or(created)
            .is_none_or(|seen| now.saturating_sub(seen) > as_ms(idle))
    {
        return Err(UnsealError::Expired(Expiry::Idle));
    }

    let id = fields
        .id
        .as_deref()
        .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
        .filter(|id| !id.is_empty());
    let mut state = match &id {
        Some(id) => SessionState::<T>::fresh(id.clone(), created.unwrap_or(now)),
        None => SessionState::<T>::fresh(config.new_id(), now),
    };
    if let Some(data) = fields.data
        && data.get() != "null"
    {
        envelope::decode_fields(&mut state, data.get().as_bytes())
            .map_err(|_| UnsealError::Corrupt)?;
    } else {
        state.status = crate::state::Status::default();
    }
    state.last_seen_ms = last_seen.or(created).unwrap_or(now);
    if id.is_none() {
        // h3 gives it a new id and `createdAt` and writes it at once.
        state.status.is_new = true;
        state.status.id_changed = true;
        state.last_seen_ms = now;
    }
    let current = codec.passwords().current_id();
    state.status.reseal = opened.legacy || (!current.is_empty() && opened.password_id != current);
    Ok(T::Fields::from_inner(state))
}

/// The top-level members h3 reads; others are ignored.
#[derive(Default)]
struct EnvelopeFields {
    id: Option<Box<RawValue>>,
    created_at: Option<Box<RawValue>>,
    data: Option<Box<RawValue>>,
    last_seen_at: Option<Box<RawValue>>,
}

fn parse_envelope(json: &str) -> Result<EnvelopeFields, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let fields = de.deserialize_map(EnvelopeVisitor)?;
    de.end()?;
    Ok(fields)
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = EnvelopeFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an h3 session object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvelopeFields, A::Error> {
        let mut fields = EnvelopeFields::default();
        // As `JSON.parse`, a repeated key keeps its last value.
        while let Some(envelope::Key(key)) = map.next_key()? {
            let slot = match key.as_ref() {
                "id" => &mut fields.id,
                "createdAt" => &mut fields.created_at,
                "data" => &mut fields.data,
                "lastSeenAt" => &mut fields.last_seen_at,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(fields)
    }
}

/// A JavaScript timestamp (`Date.now()`): a finite, positive number of
/// milliseconds, truncated. Anything else (`0`, `null`, a string) is falsy or
/// unusable for h3's arithmetic, and counts as absent.
fn js_time(raw: &RawValue) -> Option<u64> {
    let text = raw.get();
    if let Ok(ms) = text.parse::<u64>() {
        return (ms > 0).then_some(ms);
    }
    let ms = serde_json::from_str::<f64>(text).ok()?;
    // NaN and the infinities are outside the range too.
    if !(1.0..18_446_744_073_709_551_615.0).contains(&ms) {
        return None;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked above: finite, at least 1 and below u64::MAX"
    )]
    Some(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

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
    fn timestamps_follow_javascript() {
        assert_eq!(js_time(&raw("1700000000000")), Some(1_700_000_000_000));
        assert_eq!(js_time(&raw("1700000000000.9")), Some(1_700_000_000_000));
        assert_eq!(js_time(&raw("1.7e12")), Some(1_700_000_000_000));
        for falsy in ["0", "-5", "null", "\"1\"", "true", "1e400", "[]"] {
            assert_eq!(js_time(&raw(falsy)), None, "{falsy}");
        }
    }

    #[test]
    fn envelope_takes_last_duplicate_and_ignores_others() {
        let f = parse_envelope(r#"{"id":"a","x":{"y":[1]},"id":"b","data":{"k":1},"\u0069d":"c"}"#)
            .unwrap();
        assert_eq!(f.id.unwrap().get(), "\"c\"");
        assert_eq!(f.data.unwrap().get(), r#"{"k":1}"#);
        assert!(f.created_at.is_none());
        for bad in ["", "[]", "null", "{", r#"{"id":1}x"#, "\"s\""] {
            assert!(parse_envelope(bad).is_err(), "{bad}");
        }
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
