//! [`IronError`]: why sealing, unsealing or building a codec failed, with
//! iron's own messages.

use std::fmt;

/// Why sealing, unsealing or building a codec failed.
///
/// Where iron has a stable message, [`Display`](fmt::Display) prints exactly that text
/// (for example `"Bad hmac value"` or `"Cannot find password: 1"`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IronError {
    /// The password is empty (`"Empty password"`).
    EmptyPassword,
    /// The password is shorter than [`MIN_PASSWORD_LEN`](super::MIN_PASSWORD_LEN) UTF-16 code units.
    PasswordTooShort {
        /// The required minimum.
        min: usize,
        /// The password's length in UTF-16 code units.
        len: usize,
    },
    /// A password id is not made of `[A-Za-z0-9_]` (`"Invalid password id"`).
    InvalidPasswordId(String),
    /// The same password id was registered twice in one [`Passwords`](super::Passwords) set.
    DuplicatePasswordId(String),
    /// Parameters that cannot work, such as zero PBKDF2 iterations.
    InvalidParams(&'static str),
    /// An explicit salt is empty or contains `*`.
    InvalidSalt,
    /// The seal does not have exactly eight `*`-separated fields.
    IncorrectComponentCount {
        /// How many fields were found.
        found: usize,
    },
    /// The first field is not `Fe26.2` (`"Wrong mac prefix"`).
    WrongPrefix,
    /// The expiration field is not a decimal integer (`"Invalid expiration"`).
    InvalidExpiration,
    /// The seal expired more than the allowed clock skew ago (`"Expired seal"`).
    Expired {
        /// The seal's expiration, in milliseconds since the Unix epoch (saturated).
        expiration_ms: u64,
    },
    /// The seal names a password id that is not in the password set
    /// (`"Cannot find password: <id>"`; an empty id is looked up as `default`).
    UnknownPasswordId(String),
    /// The HMAC does not match: tampered, wrong password or wrong iterations
    /// (`"Bad hmac value"`).
    BadHmac,
    /// A field that should be base64url is not (after a valid HMAC).
    InvalidBase64 {
        /// Which field: `"iv"` or `"ciphertext"`.
        field: &'static str,
    },
    /// The IV does not decode to 16 bytes (after a valid HMAC).
    InvalidIv {
        /// The decoded length.
        len: usize,
    },
    /// AES-CBC decryption failed: bad length or padding (after a valid HMAC).
    DecryptionFailed,
    /// The plaintext (or the text given to seal) is not JSON.
    InvalidJson(String),
    /// The seal's integrity salt is not cached and the codec's budget of
    /// PBKDF2 work for unverified seals is spent
    /// ([`IronCodec::with_derivation_budget`](super::IronCodec::with_derivation_budget)):
    /// the seal was refused without being checked.
    DerivationBudget,
    /// The seal is longer than the codec accepts
    /// ([`IronCodec::with_max_seal_len`](super::IronCodec::with_max_seal_len)).
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// The cap.
        limit: usize,
    },
}

impl fmt::Display for IronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyPassword => f.write_str("Empty password"),
            Self::PasswordTooShort { min, .. } => {
                write!(
                    f,
                    "Password string too short (min {min} characters required)"
                )
            }
            Self::InvalidPasswordId(_) => f.write_str("Invalid password id"),
            Self::DuplicatePasswordId(id) => write!(f, "Duplicate password id: {id}"),
            Self::InvalidParams(why) => write!(f, "Invalid iron parameters: {why}"),
            Self::InvalidSalt => f.write_str("Invalid salt"),
            Self::IncorrectComponentCount { .. } => {
                f.write_str("Incorrect number of sealed components")
            }
            Self::WrongPrefix => f.write_str("Wrong mac prefix"),
            Self::InvalidExpiration => f.write_str("Invalid expiration"),
            Self::Expired { .. } => f.write_str("Expired seal"),
            // The id comes from the sealed text: shown as is only when it is
            // short and printable, so a forged one cannot flood or forge logs.
            Self::UnknownPasswordId(id)
                if id.len() <= 64 && id.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                write!(f, "Cannot find password: {id}")
            }
            Self::UnknownPasswordId(id) => {
                let shown: String = id.chars().take(32).flat_map(char::escape_default).collect();
                write!(f, "Cannot find password: {shown}... ({} bytes)", id.len())
            }
            Self::BadHmac => f.write_str("Bad hmac value"),
            Self::InvalidBase64 { field } => write!(f, "Invalid base64url in the {field} field"),
            Self::InvalidIv { len } => write!(f, "Invalid IV length: {len} bytes, expected 16"),
            Self::DecryptionFailed => f.write_str("Decryption failed"),
            Self::InvalidJson(why) => write!(f, "Failed parsing sealed object JSON: {why}"),
            Self::TooLarge { len, limit } => {
                write!(f, "Sealed text is {len} bytes, over the limit of {limit}")
            }
            Self::DerivationBudget => f.write_str(
                "Key derivation budget spent: seal refused unchecked (too many unknown salts)",
            ),
        }
    }
}

impl std::error::Error for IronError {}
