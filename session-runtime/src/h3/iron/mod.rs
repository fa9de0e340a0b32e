//! The iron `Fe26.2` seal format, as used by h3 (Nuxt, vinxi) sessions.
//!
//! A seal is eight `*`-separated fields:
//!
//! ```text
//! Fe26.2 * [passwordId] * encSalt(64 hex) * iv(b64url) * ciphertext(b64url) * [expiration ms] * hmacSalt(64 hex) * hmac(b64url)
//! ```
//!
//! * keys are `PBKDF2-HMAC-SHA1(password, salt_hex_text, iterations, 32 bytes)`, one per salt;
//! * the payload (JSON text) is encrypted with AES-256-CBC (PKCS#7 padding);
//! * the first six fields are authenticated with HMAC-SHA256, checked in constant time;
//! * base64url is written without padding;
//! * a non-empty expiration is accepted while `expiration > now - 60 s` (the iron clock skew).
//!
//! Two parameter sets matter in practice: [`IronParams::H3_V1`] (h3 1.x, hapi iron,
//! iron-webcrypto: one PBKDF2 iteration) and [`IronParams::H3_V2`] (h3 2.x: 8192 iterations,
//! with a one-shot retry at one iteration when the HMAC does not match, so that old cookies
//! still open; such a result is flagged [`Unsealed::legacy`] so the caller can re-seal it).
//!
//! [`IronCodec`] seals and unseals with a [`Passwords`] set and caches derived keys, so a warm
//! codec pays no PBKDF2 work for cookies it has already seen or sealed itself.
//!
//! ```
//! use session_runtime::h3::iron::{IronCodec, IronParams, Passwords};
//!
//! let passwords = Passwords::single("a password of at least thirty-two characters")?;
//! let codec = IronCodec::new(passwords, IronParams::H3_V1.with_ttl_ms(3_600_000))?;
//!
//! let now_ms = 1_700_000_000_000;
//! let sealed = codec.seal(r#"{"id":"1","createdAt":1700000000000,"data":{}}"#, now_ms)?;
//! assert!(sealed.starts_with("Fe26.2**"));
//!
//! let opened = codec.unseal(&sealed, now_ms + 1_000)?;
//! assert_eq!(opened.json, r#"{"id":"1","createdAt":1700000000000,"data":{}}"#);
//! assert!(!opened.legacy);
//!
//! // One hour of ttl plus the 60 s skew: rejected from then on.
//! assert!(codec.unseal(&sealed, now_ms + 3_600_000 + 60_000).is_err());
//! # Ok::<(), session_runtime::h3::iron::IronError>(())
//! ```

//! | file | what it holds |
//! |---|---|
//! | `error.rs` | [`IronError`], with iron's messages |
//! | `params.rs` | [`IronParams`]: iterations, ttl, skew, the legacy fallback |
//! | `passwords.rs` | [`Passwords`]: the sealing secret and the ones that unseal, by id |
//! | `primitives.rs` | PBKDF2 from salt text, the HMAC, salts, IVs, checks |
//! | `codec.rs` | [`IronCodec`]: seal and unseal, with the key cache |

mod codec;
mod error;
mod params;
mod passwords;
mod primitives;
#[cfg(test)]
mod tests;

pub use codec::{
    DEFAULT_DERIVATION_BUDGET, DEFAULT_KEY_CACHE_CAPACITY, DEFAULT_MAX_SEAL_LEN,
    DEFAULT_SALT_REUSE_MS, IronCodec, Unsealed,
};
pub use error::IronError;
pub use params::IronParams;
pub use passwords::Passwords;

/// The seal prefix: `Fe26.` followed by the MAC format version `2`.
pub const MAC_PREFIX: &str = "Fe26.2";

/// Minimum password length, counted in UTF-16 code units like JavaScript's `String.length`.
pub const MIN_PASSWORD_LEN: usize = 32;

/// Length of the derived AES-256 and HMAC keys, in bytes.
const KEY_LEN: usize = 32;

/// A derived key, wiped when dropped (in the cache, the sealing state and on
/// the way).
type DerivedKey = zeroize::Zeroizing<[u8; KEY_LEN]>;

/// Length of the AES-CBC initialisation vector, in bytes.
const IV_LEN: usize = 16;
