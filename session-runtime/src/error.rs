//! The errors of keys, sealing and unsealing. None of them carries plaintext
//! or key material, so they are safe to log.

use std::fmt;

/// A key or key ring could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes.
    SecretTooShort {
        /// The length that was given.
        len: usize,
    },
    /// Two keys in one ring share a key id.
    DuplicateKeyId {
        /// The shared id.
        id: u32,
    },
    /// A ring needs at least one key.
    NoKeys,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SecretTooShort { len } => write!(
                f,
                "session secret is {len} bytes long; it must be at least {} bytes of random data",
                crate::MIN_SECRET_LEN
            ),
            Self::DuplicateKeyId { id } => write!(f, "key id {id:08x} is already in the key ring"),
            Self::NoKeys => f.write_str("a key ring needs at least one secret"),
        }
    }
}

impl std::error::Error for KeyError {}

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
    /// default, what browsers keep); browsers would drop it silently.
    TooLarge {
        /// The length of `name=value`.
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
    /// The session was destroyed and can no longer be written.
    Destroyed,
    /// The session id is longer than 255 bytes.
    IdTooLong,
    /// The iron codec refused to seal (h3 format, feature `h3`).
    #[cfg(feature = "h3")]
    Iron(crate::iron::IronError),
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
            Self::Destroyed => f.write_str("the session was destroyed and cannot be sealed"),
            Self::IdTooLong => f.write_str("session ids are at most 255 bytes long"),
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
    /// Sealed with a key that is not in the key ring (rotated out, or another service's).
    UnknownKey(u32),
    /// Authentication failed: the value was altered, truncated, or moved from
    /// another cookie name.
    Tampered,
    /// The authenticated plaintext is not a session (a bug, or a key shared
    /// with something else).
    Corrupt,
    /// The session outlived its lifetime.
    Expired(Expiry),
    /// The sealed value is longer than the configured size limit.
    TooLarge {
        /// The length that arrived.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The iron seal was rejected (h3 format, feature `h3`): malformed,
    /// expired seal, unknown password id, bad HMAC, or not JSON. The
    /// message is iron's own where it has one (`Bad hmac value`, ...).
    #[cfg(feature = "h3")]
    Iron(crate::iron::IronError),
}

impl fmt::Display for UnsealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("sealed session is not well-formed"),
            Self::UnsupportedVersion(v) => {
                write!(f, "sealed session has unsupported format version {v}")
            }
            Self::UnknownKey(id) => write!(f, "sealed session names unknown key id {id:08x}"),
            Self::Tampered => f.write_str(
                "sealed session failed authentication (tampered, truncated or from another cookie)",
            ),
            Self::Corrupt => {
                f.write_str("sealed session authenticated but its contents are not a session")
            }
            Self::Expired(Expiry::Absolute) => f.write_str("session expired (max age reached)"),
            Self::Expired(Expiry::Idle) => f.write_str("session expired (idle timeout reached)"),
            Self::TooLarge { len, limit } => write!(
                f,
                "sealed session is {len} bytes, over the limit of {limit}"
            ),
            #[cfg(feature = "h3")]
            Self::Iron(e) => write!(f, "h3 session rejected: {e}"),
        }
    }
}

impl std::error::Error for UnsealError {}
