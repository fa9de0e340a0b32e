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
//! use session_runtime::iron::{IronCodec, IronParams, Passwords};
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
//! # Ok::<(), session_runtime::iron::IronError>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt as _, BlockModeEncrypt as _, KeyIvInit as _};
use hmac::{Hmac, KeyInit as _, Mac as _};
use rand::Rng as _;
use sha2::Sha256;

/// The seal prefix: `Fe26.` followed by the MAC format version `2`.
pub const MAC_PREFIX: &str = "Fe26.2";

/// Minimum password length, counted in UTF-16 code units like JavaScript's `String.length`.
pub const MIN_PASSWORD_LEN: usize = 32;

/// Length of the derived AES-256 and HMAC keys, in bytes.
pub const KEY_LEN: usize = 32;

/// Length of the AES-CBC initialisation vector, in bytes.
pub const IV_LEN: usize = 16;

/// Random bytes behind each salt; the salt itself is their lowercase hex text.
const SALT_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;
type Aes256CbcEnc = cbc::Encryptor<Aes256>;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why sealing, unsealing or building a codec failed.
///
/// Where iron has a stable message, [`Display`](fmt::Display) prints exactly that text
/// (for example `"Bad hmac value"` or `"Cannot find password: 1"`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IronError {
    /// The password is empty (`"Empty password"`).
    EmptyPassword,
    /// The password is shorter than [`MIN_PASSWORD_LEN`] UTF-16 code units.
    PasswordTooShort {
        /// The required minimum.
        min: usize,
        /// The password's length in UTF-16 code units.
        len: usize,
    },
    /// A password id is not made of `[A-Za-z0-9_]` (`"Invalid password id"`).
    InvalidPasswordId(String),
    /// The same password id was registered twice in one [`Passwords`] set.
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
        }
    }
}

impl std::error::Error for IronError {}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/// The iron options that shape a seal.
///
/// Start from [`IronParams::H3_V1`] or [`IronParams::H3_V2`] and adjust with the `with_*`
/// methods.
///
/// ```
/// use session_runtime::iron::IronParams;
///
/// // h3 v2 `useSession(event, { password, maxAge: 3600 })`:
/// let params = IronParams::H3_V2.with_ttl_ms(3600 * 1000);
/// assert_eq!(params.encryption_iterations, 8192);
/// assert!(params.legacy_fallback);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IronParams {
    /// PBKDF2 iterations for the encryption key.
    pub encryption_iterations: u32,
    /// PBKDF2 iterations for the integrity (HMAC) key.
    pub integrity_iterations: u32,
    /// Seal lifetime in milliseconds; `0` writes no expiration (iron `ttl`).
    pub ttl_ms: u64,
    /// How long after its expiration a seal is still accepted (iron `timestampSkewSec`, 60 s).
    pub timestamp_skew_ms: u64,
    /// Added to the caller's clock on seal and unseal (iron `localtimeOffsetMsec`).
    pub localtime_offset_ms: i64,
    /// When unsealing fails with [`IronError::BadHmac`] and `integrity_iterations != 1`,
    /// retry once with one iteration for both keys (h3 v2 `legacySealFallback`).
    pub legacy_fallback: bool,
}

impl IronParams {
    /// h3 1.x, hapi iron and iron-webcrypto defaults: one iteration, no ttl, 60 s skew.
    pub const H3_V1: Self = Self {
        encryption_iterations: 1,
        integrity_iterations: 1,
        ttl_ms: 0,
        timestamp_skew_ms: 60_000,
        localtime_offset_ms: 0,
        legacy_fallback: false,
    };

    /// h3 2.x defaults: 8192 iterations for both keys, with the legacy one-iteration fallback.
    pub const H3_V2: Self = Self {
        encryption_iterations: 8192,
        integrity_iterations: 8192,
        ttl_ms: 0,
        timestamp_skew_ms: 60_000,
        localtime_offset_ms: 0,
        legacy_fallback: true,
    };

    /// Sets the seal lifetime (h3 passes `maxAge * 1000`); `0` means no expiration.
    #[must_use]
    pub const fn with_ttl_ms(mut self, ttl_ms: u64) -> Self {
        self.ttl_ms = ttl_ms;
        self
    }

    /// Sets the accepted clock skew after expiration.
    #[must_use]
    pub const fn with_timestamp_skew_ms(mut self, skew_ms: u64) -> Self {
        self.timestamp_skew_ms = skew_ms;
        self
    }

    /// Sets the offset added to the caller's clock.
    #[must_use]
    pub const fn with_localtime_offset_ms(mut self, offset_ms: i64) -> Self {
        self.localtime_offset_ms = offset_ms;
        self
    }

    /// Sets the PBKDF2 iterations of both keys.
    #[must_use]
    pub const fn with_iterations(mut self, iterations: u32) -> Self {
        self.encryption_iterations = iterations;
        self.integrity_iterations = iterations;
        self
    }

    /// Enables or disables the legacy one-iteration fallback.
    #[must_use]
    pub const fn with_legacy_fallback(mut self, enabled: bool) -> Self {
        self.legacy_fallback = enabled;
        self
    }

    fn validate(&self) -> Result<(), IronError> {
        if self.encryption_iterations == 0 || self.integrity_iterations == 0 {
            return Err(IronError::InvalidParams(
                "PBKDF2 iterations must be at least 1",
            ));
        }
        Ok(())
    }

    fn legacy(&self) -> Self {
        Self {
            encryption_iterations: 1,
            integrity_iterations: 1,
            legacy_fallback: false,
            ..*self
        }
    }

    /// The clock as iron sees it: caller time plus the local offset.
    fn now(&self, now_ms: u64) -> i128 {
        i128::from(now_ms) + i128::from(self.localtime_offset_ms)
    }
}

impl Default for IronParams {
    fn default() -> Self {
        Self::H3_V1
    }
}

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

/// A password secret. Its [`Debug`](fmt::Debug) output is redacted.
#[derive(Clone)]
struct Secret(Box<str>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    fn new(secret: String) -> Result<Self, IronError> {
        check_password(&secret)?;
        Ok(Self(secret.into_boxed_str()))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Checks iron's password rules: non-empty and at least [`MIN_PASSWORD_LEN`] UTF-16 units.
///
/// # Errors
/// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`].
///
/// ```
/// use session_runtime::iron::{check_password, IronError};
///
/// // 16 characters, but 32 UTF-16 code units: accepted, as in JavaScript.
/// assert!(check_password(&"😀".repeat(16)).is_ok());
/// assert_eq!(check_password(""), Err(IronError::EmptyPassword));
/// ```
pub fn check_password(secret: &str) -> Result<(), IronError> {
    if secret.is_empty() {
        return Err(IronError::EmptyPassword);
    }
    let len = secret.encode_utf16().count();
    if len < MIN_PASSWORD_LEN {
        return Err(IronError::PasswordTooShort {
            min: MIN_PASSWORD_LEN,
            len,
        });
    }
    Ok(())
}

/// Checks iron's password id rule: empty (no id) or `^\w+$` (ASCII letters, digits, `_`).
fn check_password_id(id: &str) -> Result<(), IronError> {
    if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(())
    } else {
        Err(IronError::InvalidPasswordId(id.to_owned()))
    }
}

/// The id under which iron looks a ticket's password up: the ticket's id, or `default`.
fn lookup_id(id: &str) -> &str {
    if id.is_empty() { "default" } else { id }
}

/// The passwords of a codec: one that seals, and the ones that unseal.
///
/// * [`Passwords::single`] behaves like h3's plain string password: seals carry no id, and
///   unsealing uses the one secret whatever id a seal carries.
/// * [`Passwords::rotating`] behaves like iron's `{id, secret}` for sealing plus an
///   `{[id]: secret}` map for unsealing: seals carry the current id in field 1, and a seal
///   is opened with the secret registered under its id (an empty id is looked up as
///   `default`). Add retired secrets with [`Passwords::with_previous`].
///
/// ```
/// use session_runtime::iron::{IronCodec, IronParams, Passwords};
///
/// let old = Passwords::rotating("1", "the first password, thirty-two chars+")?;
/// let new = Passwords::rotating("2", "the second password, thirty-two chars")?
///     .with_previous("1", "the first password, thirty-two chars+")?;
///
/// let now = 1_700_000_000_000;
/// let sealed = IronCodec::new(old, IronParams::H3_V1)?.seal("{}", now)?;
/// assert!(sealed.starts_with("Fe26.2*1*"));
/// let opened = IronCodec::new(new, IronParams::H3_V1)?.unseal(&sealed, now)?;
/// assert_eq!(opened.password_id, "1");
/// # Ok::<(), session_runtime::iron::IronError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Passwords {
    /// The id written into new seals (`""` for none).
    current_id: String,
    /// Slot 0 is the sealing secret; the others only unseal.
    secrets: Vec<Secret>,
    /// Lookup id (`default` for the empty id) to slot.
    by_id: HashMap<String, usize>,
    /// Whether the ticket's id is ignored (h3 string-password behaviour).
    any_id: bool,
}

impl Passwords {
    /// One secret that seals without an id and unseals every seal, whatever its id.
    ///
    /// # Errors
    /// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`].
    pub fn single(secret: impl Into<String>) -> Result<Self, IronError> {
        Ok(Self {
            current_id: String::new(),
            secrets: vec![Secret::new(secret.into())?],
            by_id: HashMap::new(),
            any_id: true,
        })
    }

    /// A sealing secret identified by `id` (written into field 1 of every seal; `""` writes
    /// no id and registers the secret as `default`).
    ///
    /// # Errors
    /// [`IronError::InvalidPasswordId`], [`IronError::EmptyPassword`] or
    /// [`IronError::PasswordTooShort`].
    pub fn rotating(id: impl Into<String>, secret: impl Into<String>) -> Result<Self, IronError> {
        let id = id.into();
        check_password_id(&id)?;
        let secret = Secret::new(secret.into())?;
        let mut by_id = HashMap::new();
        by_id.insert(lookup_id(&id).to_owned(), 0);
        Ok(Self {
            current_id: id,
            secrets: vec![secret],
            by_id,
            any_id: false,
        })
    }

    /// Adds a secret that only unseals, registered under `id` (`""` registers `default`).
    ///
    /// # Errors
    /// [`IronError::InvalidPasswordId`], [`IronError::DuplicatePasswordId`],
    /// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`].
    pub fn with_previous(
        mut self,
        id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Result<Self, IronError> {
        let id = id.into();
        check_password_id(&id)?;
        let secret = Secret::new(secret.into())?;
        let key = lookup_id(&id).to_owned();
        if self.any_id || self.by_id.contains_key(&key) {
            return Err(IronError::DuplicatePasswordId(key));
        }
        self.by_id.insert(key, self.secrets.len());
        self.secrets.push(secret);
        Ok(self)
    }

    /// The id written into new seals (`""` when seals carry no id).
    pub fn current_id(&self) -> &str {
        &self.current_id
    }

    /// Whether a seal carrying `id` would find a secret.
    pub fn accepts_id(&self, id: &str) -> bool {
        self.any_id || self.by_id.contains_key(lookup_id(id))
    }

    /// The slot of the secret that opens a seal carrying `id`.
    fn slot_for(&self, id: &str) -> Result<usize, IronError> {
        if self.any_id {
            return Ok(0);
        }
        let key = lookup_id(id);
        self.by_id
            .get(key)
            .copied()
            .ok_or_else(|| IronError::UnknownPasswordId(key.to_owned()))
    }
}

// ---------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------

/// Derives an iron key: `PBKDF2-HMAC-SHA1(password, salt, iterations, 32 bytes)`, where the
/// salt is the UTF-8 of the salt *text* (the 64 hex characters), not the bytes it spells.
///
/// ```
/// use session_runtime::iron::derive_key;
///
/// let key = derive_key(
///     "1234567123456712345671234567123456712345671234567",
///     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
///     1,
/// );
/// assert_eq!(key[..4], [0x41, 0xd4, 0x0b, 0x6d]);
/// ```
pub fn derive_key(password: &str, salt: &str, iterations: u32) -> [u8; KEY_LEN] {
    derive_key_bytes(password.as_bytes(), salt, iterations)
}

fn derive_key_bytes(password: &[u8], salt: &str, iterations: u32) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt.as_bytes(), iterations, &mut key);
    key
}

fn hmac_for(key: &[u8; KEY_LEN], data: &str) -> HmacSha256 {
    // HMAC zero-pads short keys to the block size, so padding here changes nothing and
    // lets us use the infallible constructor.
    let mut block_key = hmac::digest::Key::<HmacSha256>::default();
    block_key[..KEY_LEN].copy_from_slice(key);
    let mut mac = HmacSha256::new(&block_key);
    mac.update(data.as_bytes());
    mac
}

fn random_salt() -> String {
    let mut bytes = [0u8; SALT_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    let mut out = String::with_capacity(SALT_BYTES * 2);
    for b in bytes {
        push_hex(&mut out, b);
    }
    out
}

/// Appends `byte` as two lowercase hex digits.
pub(crate) fn push_hex(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
}

fn random_iv() -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    rand::rng().fill_bytes(&mut iv);
    iv
}

fn check_json(text: &str) -> Result<(), IronError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| IronError::InvalidJson(e.to_string()))
}

fn check_salt(salt: &str) -> Result<(), IronError> {
    if salt.is_empty() || salt.contains('*') {
        Err(IronError::InvalidSalt)
    } else {
        Ok(())
    }
}

/// Parses `^\d+$`, saturating at `u64::MAX` (JavaScript would compare a huge float).
fn parse_expiration(text: &str) -> Result<u64, IronError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IronError::InvalidExpiration);
    }
    Ok(text.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

// ---------------------------------------------------------------------------------------------
// Codec
// ---------------------------------------------------------------------------------------------

/// Fixed salts and IV for [`IronCodec::seal_with`] (known-answer tests, reproducible seals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealMaterial {
    /// The encryption salt text (field 2), normally 64 lowercase hex characters.
    pub encryption_salt: String,
    /// The integrity salt text (field 6), normally 64 lowercase hex characters.
    pub integrity_salt: String,
    /// The AES-CBC IV (field 3).
    pub iv: [u8; IV_LEN],
}

/// A successfully unsealed seal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unsealed {
    /// The sealed JSON text, exactly as it was sealed (`"null"` for an empty plaintext, as
    /// iron does).
    pub json: String,
    /// The seal only opened through the one-iteration legacy fallback
    /// ([`IronParams::legacy_fallback`]): re-seal it with the current parameters.
    pub legacy: bool,
    /// The password id in the seal's field 1 (`""` when none).
    pub password_id: String,
    /// The seal's expiration in milliseconds since the epoch, if it has one (saturated).
    pub expiration_ms: Option<u64>,
}

/// Default number of derived keys a codec keeps.
pub const DEFAULT_KEY_CACHE_CAPACITY: usize = 256;

/// Default time a codec reuses its sealing salts and keys.
pub const DEFAULT_SALT_REUSE_MS: u64 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    slot: usize,
    iterations: u32,
    salt: Box<str>,
}

struct KeyCache {
    capacity: usize,
    keys: HashMap<CacheKey, [u8; KEY_LEN]>,
}

impl KeyCache {
    fn get(&self, key: &CacheKey) -> Option<[u8; KEY_LEN]> {
        self.keys.get(key).copied()
    }

    fn insert(&mut self, key: CacheKey, value: [u8; KEY_LEN]) {
        if self.capacity == 0 || self.keys.contains_key(&key) {
            return;
        }
        while self.keys.len() >= self.capacity {
            // Evict an arbitrary entry (HashMap order is randomised): simple and bounded.
            let Some(victim) = self.keys.keys().next().cloned() else {
                break;
            };
            self.keys.remove(&victim);
        }
        self.keys.insert(key, value);
    }
}

/// The salts and keys a codec reuses for sealing for a bounded time.
#[derive(Clone)]
struct SealingState {
    since_ms: u64,
    encryption_salt: String,
    encryption_key: [u8; KEY_LEN],
    integrity_salt: String,
    integrity_key: [u8; KEY_LEN],
}

/// Seals and unseals iron `Fe26.2` strings with a [`Passwords`] set and [`IronParams`],
/// caching PBKDF2-derived keys.
///
/// * Unsealing caches the keys of every seal whose HMAC verified, keyed by (password,
///   salt, iterations), in a bounded map ([`IronCodec::with_key_cache_capacity`]). Keys for
///   seals that fail verification are never cached, so forged cookies cannot flush it.
/// * Sealing reuses one pair of random salts (and their keys) for
///   [`IronCodec::with_salt_reuse_ms`] (60 s by default); the IV is fresh for every seal.
///
/// A new codec is therefore "cold" (h3's cost: two PBKDF2 runs per call) and a reused one
/// "warm" (no PBKDF2 for cookies it sealed or already opened). It is `Send + Sync`; share it
/// behind an `Arc`.
///
/// ```
/// use session_runtime::iron::{IronCodec, IronParams, Passwords};
///
/// let codec = IronCodec::new(
///     Passwords::single("a password of at least thirty-two characters")?,
///     IronParams::H3_V2,
/// )?;
/// let sealed = codec.seal(r#"{"n":1}"#, 0)?;
/// let derivations = codec.key_derivations();
/// codec.unseal(&sealed, 0)?;
/// codec.seal(r#"{"n":2}"#, 1_000)?;
/// assert_eq!(codec.key_derivations(), derivations); // warm: no PBKDF2 at all
/// # Ok::<(), session_runtime::iron::IronError>(())
/// ```
pub struct IronCodec {
    passwords: Passwords,
    params: IronParams,
    salt_reuse_ms: u64,
    cache: Mutex<KeyCache>,
    sealing: Mutex<Option<SealingState>>,
    derivations: AtomicU64,
}

impl fmt::Debug for IronCodec {
    /// Shows the configuration and cache size, never secrets or derived keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IronCodec")
            .field("passwords", &self.passwords)
            .field("params", &self.params)
            .field("salt_reuse_ms", &self.salt_reuse_ms)
            .field("cached_keys", &self.cached_keys())
            .field("key_derivations", &self.key_derivations())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The eight fields of a seal.
struct Parts<'a> {
    prefix: &'a str,
    password_id: &'a str,
    encryption_salt: &'a str,
    iv: &'a str,
    ciphertext: &'a str,
    expiration: &'a str,
    integrity_salt: &'a str,
    hmac: &'a str,
    /// The first six fields joined by `*`, as authenticated.
    mac_base: &'a str,
}

impl<'a> Parts<'a> {
    fn split(sealed: &'a str) -> Result<Self, IronError> {
        let found = sealed.split('*').count();
        let mut it = sealed.split('*');
        let (
            Some(prefix),
            Some(password_id),
            Some(encryption_salt),
            Some(iv),
            Some(ciphertext),
            Some(expiration),
            Some(integrity_salt),
            Some(hmac),
            None,
        ) = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        )
        else {
            return Err(IronError::IncorrectComponentCount { found });
        };
        // The MAC base ends just before the separator in front of the integrity salt.
        let base_len = sealed.len() - hmac.len() - integrity_salt.len() - 2;
        Ok(Self {
            prefix,
            password_id,
            encryption_salt,
            iv,
            ciphertext,
            expiration,
            integrity_salt,
            hmac,
            mac_base: &sealed[..base_len],
        })
    }
}

impl IronCodec {
    /// Builds a codec.
    ///
    /// # Errors
    /// [`IronError::InvalidParams`] when an iteration count is zero.
    pub fn new(passwords: Passwords, params: IronParams) -> Result<Self, IronError> {
        params.validate()?;
        Ok(Self {
            passwords,
            params,
            salt_reuse_ms: DEFAULT_SALT_REUSE_MS,
            cache: Mutex::new(KeyCache {
                capacity: DEFAULT_KEY_CACHE_CAPACITY,
                keys: HashMap::new(),
            }),
            sealing: Mutex::new(None),
            derivations: AtomicU64::new(0),
        })
    }

    /// Sets how many derived keys are cached (`0` disables the cache).
    #[must_use]
    pub fn with_key_cache_capacity(self, capacity: usize) -> Self {
        {
            let mut cache = lock(&self.cache);
            cache.capacity = capacity;
            cache.keys.clear();
        }
        self
    }

    /// Sets how long sealing salts and keys are reused (`0`: fresh salts for every seal, as
    /// h3 does).
    #[must_use]
    pub fn with_salt_reuse_ms(mut self, reuse_ms: u64) -> Self {
        self.salt_reuse_ms = reuse_ms;
        *lock(&self.sealing) = None;
        self
    }

    /// The parameters.
    pub fn params(&self) -> &IronParams {
        &self.params
    }

    /// The password set.
    pub fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// How many PBKDF2 derivations this codec has run (for tests and benchmarks).
    pub fn key_derivations(&self) -> u64 {
        self.derivations.load(Ordering::Relaxed)
    }

    /// How many derived keys are cached right now.
    pub fn cached_keys(&self) -> usize {
        lock(&self.cache).keys.len()
    }

    /// Forgets every cached key and the sealing salts, making the codec cold again.
    pub fn clear_cache(&self) {
        lock(&self.cache).keys.clear();
        *lock(&self.sealing) = None;
    }

    fn cached_or_derive(&self, slot: usize, salt: &str, iterations: u32) -> [u8; KEY_LEN] {
        let key = CacheKey {
            slot,
            iterations,
            salt: salt.into(),
        };
        if let Some(found) = lock(&self.cache).get(&key) {
            return found;
        }
        self.derive(slot, salt, iterations)
    }

    fn derive(&self, slot: usize, salt: &str, iterations: u32) -> [u8; KEY_LEN] {
        self.derivations.fetch_add(1, Ordering::Relaxed);
        derive_key_bytes(self.passwords.secrets[slot].bytes(), salt, iterations)
    }

    fn remember(&self, slot: usize, salt: &str, iterations: u32, value: [u8; KEY_LEN]) {
        lock(&self.cache).insert(
            CacheKey {
                slot,
                iterations,
                salt: salt.into(),
            },
            value,
        );
    }

    /// Seals JSON text (what iron seals is `JSON.stringify(object)`) at `now_ms`
    /// (milliseconds since the Unix epoch), with this codec's current password and salts.
    ///
    /// # Errors
    /// [`IronError::InvalidJson`] when `json` is not JSON text.
    pub fn seal(&self, json: &str, now_ms: u64) -> Result<String, IronError> {
        self.seal_with_ttl(json, now_ms, self.params.ttl_ms)
    }

    /// Seals like [`seal`](Self::seal), with a lifetime of `ttl_ms` (`0`: no expiration)
    /// instead of [`IronParams::ttl_ms`]. h3 derives the ttl from the session's `maxAge`
    /// for each seal; unsealing never needs it, so one codec serves every ttl.
    ///
    /// # Errors
    /// [`IronError::InvalidJson`] when `json` is not JSON text.
    pub fn seal_with_ttl(&self, json: &str, now_ms: u64, ttl_ms: u64) -> Result<String, IronError> {
        check_json(json)?;
        let state = self.sealing_state(now_ms);
        Ok(self.assemble(
            json,
            now_ms,
            ttl_ms,
            &state.encryption_salt,
            &state.encryption_key,
            &random_iv(),
            &state.integrity_salt,
            &state.integrity_key,
        ))
    }

    /// Seals JSON text with explicit salts and IV: reproducible output for known-answer
    /// tests. Do not reuse an IV in production.
    ///
    /// ```
    /// use session_runtime::iron::{IronCodec, IronParams, Passwords, SealMaterial};
    ///
    /// let codec = IronCodec::new(
    ///     Passwords::single("some_not_random_password_that_is_also_long_enough")?,
    ///     IronParams::H3_V1,
    /// )?;
    /// let material = SealMaterial {
    ///     encryption_salt: "0cdd607945dd1dffb7da0b0bf5f1a7daa6218cbae14cac51dcbd91fb077aeb5b".into(),
    ///     integrity_salt: "05b8943049af490e913bbc3a2485bee2aaf7b823f4c41d0ff0b7c168371a3772".into(),
    ///     iv: [0x68, 0xe6, 0x4b, 0x08, 0xa2, 0xe1, 0x0a, 0xdd, 0x03, 0xe4, 0x85, 0x35, 0xa8, 0xb4, 0xed, 0x63],
    /// };
    /// let sealed = codec.seal_with(r#"{"a":1,"b":2,"c":[3,4,5],"d":{"e":"f"}}"#, 0, &material)?;
    /// assert!(sealed.ends_with("*R8yscVdTBRMdsoVbdDiFmUL8zb-c3PQLGJn4Y8C-AqI"));
    /// # Ok::<(), session_runtime::iron::IronError>(())
    /// ```
    ///
    /// # Errors
    /// [`IronError::InvalidJson`], or [`IronError::InvalidSalt`] for an empty salt or one
    /// containing `*`.
    pub fn seal_with(
        &self,
        json: &str,
        now_ms: u64,
        material: &SealMaterial,
    ) -> Result<String, IronError> {
        check_json(json)?;
        check_salt(&material.encryption_salt)?;
        check_salt(&material.integrity_salt)?;
        let p = &self.params;
        let encryption_key =
            self.cached_or_derive(0, &material.encryption_salt, p.encryption_iterations);
        let integrity_key =
            self.cached_or_derive(0, &material.integrity_salt, p.integrity_iterations);
        self.remember(
            0,
            &material.encryption_salt,
            p.encryption_iterations,
            encryption_key,
        );
        self.remember(
            0,
            &material.integrity_salt,
            p.integrity_iterations,
            integrity_key,
        );
        Ok(self.assemble(
            json,
            now_ms,
            self.params.ttl_ms,
            &material.encryption_salt,
            &encryption_key,
            &material.iv,
            &material.integrity_salt,
            &integrity_key,
        ))
    }

    fn sealing_state(&self, now_ms: u64) -> SealingState {
        if self.salt_reuse_ms > 0 {
            let guard = lock(&self.sealing);
            if let Some(state) = guard.as_ref()
                && now_ms >= state.since_ms
                && now_ms - state.since_ms < self.salt_reuse_ms
            {
                return state.clone();
            }
        }
        let p = &self.params;
        let encryption_salt = random_salt();
        let integrity_salt = random_salt();
        let encryption_key = self.derive(0, &encryption_salt, p.encryption_iterations);
        let integrity_key = self.derive(0, &integrity_salt, p.integrity_iterations);
        self.remember(0, &encryption_salt, p.encryption_iterations, encryption_key);
        self.remember(0, &integrity_salt, p.integrity_iterations, integrity_key);
        let state = SealingState {
            since_ms: now_ms,
            encryption_salt,
            encryption_key,
            integrity_salt,
            integrity_key,
        };
        if self.salt_reuse_ms > 0 {
            *lock(&self.sealing) = Some(state.clone());
        }
        state
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        &self,
        json: &str,
        now_ms: u64,
        ttl_ms: u64,
        encryption_salt: &str,
        encryption_key: &[u8; KEY_LEN],
        iv: &[u8; IV_LEN],
        integrity_salt: &str,
        integrity_key: &[u8; KEY_LEN],
    ) -> String {
        let p = &self.params;
        let now = p.now(now_ms);
        let ciphertext = Aes256CbcEnc::new(&(*encryption_key).into(), &(*iv).into())
            .encrypt_padded_vec::<Pkcs7>(json.as_bytes());
        let expiration = if ttl_ms == 0 {
            String::new()
        } else {
            (now + i128::from(ttl_ms)).to_string()
        };
        let mut out = String::with_capacity(
            json.len() * 4 / 3 + encryption_salt.len() + integrity_salt.len() + 128,
        );
        out.push_str(MAC_PREFIX);
        out.push('*');
        out.push_str(self.passwords.current_id());
        out.push('*');
        out.push_str(encryption_salt);
        out.push('*');
        URL_SAFE_NO_PAD.encode_string(iv, &mut out);
        out.push('*');
        URL_SAFE_NO_PAD.encode_string(&ciphertext, &mut out);
        out.push('*');
        out.push_str(&expiration);
        let digest = hmac_for(integrity_key, &out).finalize().into_bytes();
        out.push('*');
        out.push_str(integrity_salt);
        out.push('*');
        URL_SAFE_NO_PAD.encode_string(digest, &mut out);
        out
    }

    /// Unseals at `now_ms` (milliseconds since the Unix epoch), checking in iron's order:
    /// field count, prefix, expiration (before the HMAC), password id, HMAC, then IV,
    /// decryption and JSON. With [`IronParams::legacy_fallback`], a [`IronError::BadHmac`]
    /// is retried once with one iteration, and a success is flagged [`Unsealed::legacy`].
    ///
    /// # Errors
    /// Every cause is a distinct [`IronError`] variant. Unsealing never panics.
    pub fn unseal(&self, sealed: &str, now_ms: u64) -> Result<Unsealed, IronError> {
        let parts = Parts::split(sealed)?;
        match self.unseal_parts(&parts, now_ms, &self.params) {
            Err(IronError::BadHmac)
                if self.params.legacy_fallback && self.params.integrity_iterations != 1 =>
            {
                let mut unsealed = self.unseal_parts(&parts, now_ms, &self.params.legacy())?;
                unsealed.legacy = true;
                Ok(unsealed)
            }
            other => other,
        }
    }

    fn unseal_parts(
        &self,
        parts: &Parts<'_>,
        now_ms: u64,
        p: &IronParams,
    ) -> Result<Unsealed, IronError> {
        if parts.prefix != MAC_PREFIX {
            return Err(IronError::WrongPrefix);
        }
        let expiration_ms = if parts.expiration.is_empty() {
            None
        } else {
            let expiration = parse_expiration(parts.expiration)?;
            if i128::from(expiration) <= p.now(now_ms) - i128::from(p.timestamp_skew_ms) {
                return Err(IronError::Expired {
                    expiration_ms: expiration,
                });
            }
            Some(expiration)
        };
        let slot = self.passwords.slot_for(parts.password_id)?;

        // Integrity first; keys of unverified seals never enter the cache.
        let integrity_key =
            self.cached_or_derive(slot, parts.integrity_salt, p.integrity_iterations);
        let Ok(digest) = URL_SAFE_NO_PAD.decode(parts.hmac) else {
            return Err(IronError::BadHmac);
        };
        hmac_for(&integrity_key, parts.mac_base)
            .verify_slice(&digest)
            .map_err(|_| IronError::BadHmac)?;
        self.remember(
            slot,
            parts.integrity_salt,
            p.integrity_iterations,
            integrity_key,
        );

        let ciphertext =
            URL_SAFE_NO_PAD
                .decode(parts.ciphertext)
                .map_err(|_| IronError::InvalidBase64 {
                    field: "ciphertext",
                })?;
        let iv = URL_SAFE_NO_PAD
            .decode(parts.iv)
            .map_err(|_| IronError::InvalidBase64 { field: "iv" })?;
        let iv: [u8; IV_LEN] = iv
            .as_slice()
            .try_into()
            .map_err(|_| IronError::InvalidIv { len: iv.len() })?;
        let encryption_key =
            self.cached_or_derive(slot, parts.encryption_salt, p.encryption_iterations);
        self.remember(
            slot,
            parts.encryption_salt,
            p.encryption_iterations,
            encryption_key,
        );
        let plaintext = Aes256CbcDec::new(&encryption_key.into(), &iv.into())
            .decrypt_padded_vec::<Pkcs7>(&ciphertext)
            .map_err(|_| IronError::DecryptionFailed)?;

        // TextDecoder semantics: invalid UTF-8 becomes U+FFFD; an empty text parses as null.
        let json = match String::from_utf8(plaintext) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let json = if json.is_empty() {
            "null".to_owned()
        } else {
            json
        };
        check_json(&json)?;
        Ok(Unsealed {
            json,
            legacy: false,
            password_id: parts.password_id.to_owned(),
            expiration_ms,
        })
    }
}
