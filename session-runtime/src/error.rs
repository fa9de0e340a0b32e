//! The errors of sealing and unsealing a session, shared by every layer.
//! None of them carries plaintext or key material, so they are safe to log.

use std::fmt;

/// Which lifetime a session outlived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// `max_age`, counted from the session's creation.
    Absolute,
    /// `idle_timeout`, counted from the last time the session was sealed.
    Idle,
}

/// A session could not be sealed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SealError {
    /// The sealed value is larger than the configured limit (4096 bytes by
    /// default, what browsers keep); browsers would drop it silently. With
    /// chunked cookies the limit is the total one for all chunks.
    TooLarge {
        /// The length of `name=value`; with chunked cookies, of the sealed
        /// value across its chunks.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A field value could not be serialized (for example a map whose keys
    /// are not strings).
    Encode {
        /// The session key of the field.
        key: &'static str,
        /// What serde said.
        message: String,
    },
    /// A field value nests arrays and objects deeper than
    /// [`MAX_FIELD_DEPTH`](crate::MAX_FIELD_DEPTH) levels: it would be
    /// written, but not read back (`serde_json`'s recursion limit), so it is
    /// refused now rather than silently dropped by the next load.
    TooDeep {
        /// The session key of the field.
        key: &'static str,
        /// The deepest nesting a field value may have.
        limit: usize,
    },
    /// A field value holds a float that is not finite (NaN or an infinity):
    /// JSON has no such number (`serde_json` writes `null`), so it would not
    /// be read back.
    NonFinite {
        /// The session key of the field.
        key: &'static str,
    },
    /// The session was destroyed and can no longer be written.
    Destroyed,
    /// The session id is longer than 255 bytes.
    IdTooLong,
    /// The configuration keeps sessions in a store, where only their id is
    /// sealed: save them with `save`, not `seal`.
    StoreMode,
    /// The iron codec refused to seal (h3 format, feature `h3`).
    #[cfg(feature = "h3")]
    Iron(crate::h3::iron::IronError),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len, limit } => write!(
                f,
                "sealed session cookie is {len} bytes, over the limit of {limit}; store less in the session or use a server-side store"
            ),
            Self::Encode { key, message } => {
                write!(f, "session field `{key}` cannot be serialized: {message}")
            }
            Self::TooDeep { key, limit } => write!(
                f,
                "session field `{key}` nests deeper than {limit} levels and would not be read back"
            ),
            Self::NonFinite { key } => write!(
                f,
                "session field `{key}` holds a float that is not finite (NaN or infinity), which JSON cannot hold"
            ),
            Self::Destroyed => f.write_str("the session was destroyed and cannot be sealed"),
            Self::IdTooLong => f.write_str("session ids are at most 255 bytes long"),
            Self::StoreMode => f.write_str(
                "this configuration keeps sessions in a store: save them with `save`, not `seal`",
            ),
            #[cfg(feature = "h3")]
            Self::Iron(e) => write!(f, "h3 session cannot be sealed: {e}"),
        }
    }
}

impl std::error::Error for SealError {}

/// A sealed value was rejected. Every variant means "start a fresh session";
/// they differ only in what they tell the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnsealError {
    /// Not base64url, or too short to hold a sealed session.
    Malformed,
    /// Sealed by a format version this build does not read.
    UnsupportedVersion(u8),
    /// Sealed (format 1) with a key that is not in the key ring (rotated
    /// out, or another service's): its [`Key::id`](crate::Key::id).
    UnknownKey(u32),
    /// Sealed with a key that is not in the key ring: no key of the ring has
    /// this [`Key::fingerprint`](crate::Key::fingerprint). (A foreign key
    /// that shares a fingerprint with one of the ring is [`Tampered`](Self::Tampered).)
    UnknownKeyFingerprint(u8),
    /// Authentication failed: the value was altered, truncated, or moved from
    /// another cookie name.
    Tampered,
    /// The authenticated plaintext is not a session (a bug, or a key shared
    /// with something else).
    Corrupt,
    /// The session outlived its lifetime.
    Expired(Expiry),
    /// The configuration keeps sessions in a store: load them with `load`,
    /// not `unseal`.
    StoreMode,
    /// The token is authentic but the store holds no session under its id
    /// (destroyed, revoked or expired): it is never adopted.
    UnknownSession,
    /// The sealed value is longer than the configured size limit (with
    /// chunked cookies: the total limit, counted on the joined value).
    TooLarge {
        /// The length that arrived.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A chunked session cookie (`name=__chunked__N` and the chunks
    /// `name.1` ... `name.N`) is broken: `N` is not a number from 1 to 100,
    /// or a chunk is missing or empty.
    BadChunks,
    /// The iron seal was rejected (h3 format, feature `h3`): malformed,
    /// expired seal, unknown password id, bad HMAC, not JSON, or refused
    /// unchecked because the PBKDF2 budget for unknown salts was spent. The
    /// message is iron's own where it has one (`Bad hmac value`, ...).
    #[cfg(feature = "h3")]
    Iron(crate::h3::iron::IronError),
}

impl fmt::Display for UnsealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("sealed session is not well-formed"),
            Self::UnsupportedVersion(v) => {
                write!(f, "sealed session has unsupported format version {v}")
            }
            Self::UnknownKey(id) => write!(f, "sealed session names unknown key id {id:08x}"),
            Self::UnknownKeyFingerprint(fingerprint) => write!(
                f,
                "sealed session names a key fingerprint no key has: {fingerprint:02x}"
            ),
            Self::Tampered => f.write_str(
                "sealed session failed authentication (tampered, truncated or from another cookie)",
            ),
            Self::Corrupt => {
                f.write_str("sealed session authenticated but its contents are not a session")
            }
            Self::Expired(Expiry::Absolute) => f.write_str("session expired (max age reached)"),
            Self::Expired(Expiry::Idle) => f.write_str("session expired (idle timeout reached)"),
            Self::StoreMode => f.write_str(
                "this configuration keeps sessions in a store: load them with `load`, not `unseal`",
            ),
            Self::UnknownSession => f.write_str(
                "the session store holds no session under this id (destroyed, revoked or expired)",
            ),
            Self::TooLarge { len, limit } => write!(
                f,
                "sealed session is {len} bytes, over the limit of {limit}"
            ),
            Self::BadChunks => f.write_str(
                "chunked session cookie is broken (a chunk is missing, or the chunk count is invalid)",
            ),
            #[cfg(feature = "h3")]
            Self::Iron(e) => write!(f, "h3 session rejected: {e}"),
        }
    }
}

impl std::error::Error for UnsealError {}

/// A server-side store failed: it is unreachable, timed out, or answered
/// something that is not a session. The request cannot go on with its
/// session (the HTTP layers answer `503 Service Unavailable`); a fresh
/// session must not silently replace the user's.
///
/// The message describes the failure, never session data.
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What kind of failure a [`StoreError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The store cannot be reached (connection refused or lost).
    Unavailable,
    /// The store did not answer in time.
    Timeout,
    /// The store answered with something that is not a session record.
    Corrupt,
    /// A new session's id is already taken (a custom id generator repeats
    /// itself): nothing was written.
    Conflict,
    /// The configuration keeps sessions in cookies: there is no store to ask.
    Unsupported,
    /// Any other failure of the store.
    Other,
}

impl StoreError {
    /// A store error of `kind` that says `message` (never session data).
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error (a client library's).
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            StoreErrorKind::Unavailable => "session store unavailable",
            StoreErrorKind::Timeout => "session store timed out",
            StoreErrorKind::Corrupt => "session store returned a corrupt record",
            StoreErrorKind::Conflict => "session id already in use",
            StoreErrorKind::Unsupported => "no session store",
            StoreErrorKind::Other => "session store failed",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Why loading a session did not give the stored session.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The value the request carried was rejected (tampered, expired,
    /// unknown...): the request goes on with a fresh session.
    Rejected(UnsealError),
    /// The store failed: the request cannot go on with its session.
    Store(StoreError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(e) => e.fmt(f),
            Self::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Rejected(e) => Some(e),
            Self::Store(e) => Some(e),
        }
    }
}

impl From<UnsealError> for LoadError {
    fn from(e: UnsealError) -> Self {
        Self::Rejected(e)
    }
}

impl From<StoreError> for LoadError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Why a session could not be saved.
#[derive(Debug)]
#[non_exhaustive]
pub enum SaveError {
    /// The session could not be sealed (too large, a field that does not
    /// serialize, ...).
    Seal(SealError),
    /// The store failed.
    Store(StoreError),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seal(e) => e.fmt(f),
            Self::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SaveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Seal(e) => Some(e),
            Self::Store(e) => Some(e),
        }
    }
}

impl From<SealError> for SaveError {
    fn from(e: SealError) -> Self {
        Self::Seal(e)
    }
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
