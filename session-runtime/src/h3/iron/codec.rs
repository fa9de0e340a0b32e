//! [`IronCodec`]: seals and unseals with a [`Passwords`] set and
//! [`IronParams`], caching PBKDF2-derived keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use aes::Aes256;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt as _, BlockModeEncrypt as _, KeyIvInit as _};
use hmac::Mac as _;

#[cfg(test)]
use super::primitives::check_salt;
use super::primitives::{
    check_json, derive_key, hmac_for, parse_expiration, random_iv, random_salt,
};
use super::{DerivedKey, IV_LEN, IronError, IronParams, KEY_LEN, MAC_PREFIX, Passwords};
use crate::crypto::encoding::{decode_base64_vec, encode_base64};

type Aes256CbcEnc = cbc::Encryptor<Aes256>;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

/// Fixed salts and IV for [`IronCodec::seal_with`] (known-answer tests, reproducible seals).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SealMaterial {
    /// The encryption salt text (field 2), normally 64 lowercase hex characters.
    pub(crate) encryption_salt: String,
    /// The integrity salt text (field 6), normally 64 lowercase hex characters.
    pub(crate) integrity_salt: String,
    /// The AES-CBC IV (field 3).
    pub(crate) iv: [u8; IV_LEN],
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

/// Default cap on the length of a seal [`IronCodec::unseal`] looks at, in
/// bytes ([`IronCodec::with_max_seal_len`]): far above a cookie (4096 bytes)
/// or a header, so that a huge input is refused before it is split, hashed
/// or decoded.
pub const DEFAULT_MAX_SEAL_LEN: usize = 64 * 1024;

/// Default budget of PBKDF2 work for seals not verified yet, in iterations per
/// second ([`IronCodec::with_derivation_budget`]): 128 derivations of h3 v2's
/// 8192 iterations, about a quarter of one core here (1.9 ms each); for h3 v1
/// (one iteration, as cheap as the HMAC itself) it is no bound in practice.
pub const DEFAULT_DERIVATION_BUDGET: u64 = 128 * 8192;

/// A token bucket of PBKDF2 iterations, in thousandths of an iteration so that
/// refilling by the millisecond is exact.
#[derive(Debug)]
struct Bucket {
    /// Iterations per second; `u64::MAX`: no limit.
    per_second: u64,
    /// What is left, in milli-iterations.
    milli: u128,
    /// When it was last refilled (the caller's clock, ms).
    at_ms: u64,
}

impl Bucket {
    fn full(per_second: u64) -> Self {
        Self {
            per_second,
            milli: u128::from(per_second) * 1000,
            at_ms: 0,
        }
    }

    /// Takes `iterations` at `now_ms`, refilling first; `false` (and nothing
    /// taken) when not enough is left. A clock that goes back refills nothing.
    fn take(&mut self, iterations: u32, now_ms: u64) -> bool {
        if self.per_second == u64::MAX {
            return true;
        }
        let capacity = u128::from(self.per_second) * 1000;
        if now_ms > self.at_ms {
            let refill = u128::from(now_ms - self.at_ms) * u128::from(self.per_second);
            self.milli = (self.milli + refill).min(capacity);
            self.at_ms = now_ms;
        }
        let cost = u128::from(iterations) * 1000;
        if self.milli >= cost {
            self.milli -= cost;
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    slot: usize,
    iterations: u32,
    salt: Box<str>,
}

struct KeyCache {
    capacity: usize,
    keys: HashMap<CacheKey, DerivedKey>,
}

impl KeyCache {
    fn get(&self, key: &CacheKey) -> Option<DerivedKey> {
        self.keys.get(key).cloned()
    }

    fn insert(&mut self, key: CacheKey, value: DerivedKey) {
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
    encryption_key: DerivedKey,
    integrity_salt: String,
    integrity_key: DerivedKey,
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
/// use session_runtime::h3::iron::{IronCodec, IronParams, Passwords};
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
/// # Ok::<(), session_runtime::h3::iron::IronError>(())
/// ```
pub struct IronCodec {
    passwords: Passwords,
    params: IronParams,
    salt_reuse_ms: u64,
    cache: Mutex<KeyCache>,
    sealing: Mutex<Option<SealingState>>,
    derivations: AtomicU64,
    budget: Mutex<Bucket>,
    refused: AtomicU64,
    max_seal_len: usize,
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
            .field("derivation_budget", &lock(&self.budget).per_second)
            .field("derivations_refused", &self.derivations_refused())
            .finish_non_exhaustive()
    }
}

/// The key as the AES-256 block cipher takes it, borrowed (a copy would stay
/// on the stack unwiped).
fn cbc_key(key: &[u8; KEY_LEN]) -> &cbc::cipher::Key<Aes256> {
    key.into()
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
            budget: Mutex::new(Bucket::full(DEFAULT_DERIVATION_BUDGET)),
            refused: AtomicU64::new(0),
            max_seal_len: DEFAULT_MAX_SEAL_LEN,
        })
    }

    /// Caps the length of the seals [`unseal`](Self::unseal) accepts, in bytes
    /// (default [`DEFAULT_MAX_SEAL_LEN`]); a longer one is
    /// [`IronError::TooLarge`] before any work is done on it.
    #[must_use]
    pub fn with_max_seal_len(mut self, bytes: usize) -> Self {
        self.max_seal_len = bytes;
        self
    }

    /// The length of the longest seal [`unseal`](Self::unseal) accepts
    /// ([`with_max_seal_len`](Self::with_max_seal_len)).
    pub fn max_seal_len(&self) -> usize {
        self.max_seal_len
    }

    /// Bounds the PBKDF2 work that seals not verified yet may cost, in
    /// iterations per second (default [`DEFAULT_DERIVATION_BUDGET`]; up to one
    /// second's worth at once; `u64::MAX`: no bound).
    ///
    /// Unsealing derives the integrity key of a salt it has not cached before
    /// it can check the HMAC, so with h3 v2 (8192 iterations) every forged
    /// cookie with fresh salts costs about 1.9 ms of CPU. That work is charged
    /// to this budget (by the caller's clock, the `now_ms` given to
    /// [`unseal`](Self::unseal)); beyond it the seal is refused unchecked with
    /// [`IronError::DerivationBudget`], which the HTTP layers treat as any
    /// invalid cookie (a fresh session, reported to the rejection hook).
    /// Seals whose keys are cached (every cookie this codec sealed or already
    /// opened) cost nothing and are never refused; neither is sealing. During
    /// a flood, a genuine cookie whose keys are not cached yet (sealed by
    /// another process, or by h3 itself, which uses fresh salts for every
    /// seal) may be refused too: size the budget for the rate of such cookies.
    #[must_use]
    pub fn with_derivation_budget(self, iterations_per_second: u64) -> Self {
        *lock(&self.budget) = Bucket::full(iterations_per_second);
        self
    }

    /// How many seals were refused unchecked because the derivation budget was
    /// spent ([`with_derivation_budget`](Self::with_derivation_budget)), for
    /// monitoring.
    pub fn derivations_refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
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

    fn cached_or_derive(&self, slot: usize, salt: &str, iterations: u32) -> DerivedKey {
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

    /// The key of a salt taken from a seal not verified yet: from the cache,
    /// else derived if the budget allows.
    fn cached_or_derive_unverified(
        &self,
        slot: usize,
        salt: &str,
        iterations: u32,
        now_ms: u64,
    ) -> Result<DerivedKey, IronError> {
        let key = CacheKey {
            slot,
            iterations,
            salt: salt.into(),
        };
        if let Some(found) = lock(&self.cache).get(&key) {
            return Ok(found);
        }
        if !lock(&self.budget).take(iterations, now_ms) {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(IronError::DerivationBudget);
        }
        Ok(self.derive(slot, salt, iterations))
    }

    fn derive(&self, slot: usize, salt: &str, iterations: u32) -> DerivedKey {
        self.derivations.fetch_add(1, Ordering::Relaxed);
        derive_key(self.passwords.secrets[slot].bytes(), salt, iterations)
    }

    fn remember(&self, slot: usize, salt: &str, iterations: u32, value: &DerivedKey) {
        lock(&self.cache).insert(
            CacheKey {
                slot,
                iterations,
                salt: salt.into(),
            },
            value.clone(),
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
    /// tests (iron's `salt` and `iv` options).
    #[cfg(test)]
    pub(crate) fn seal_with(
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
            &encryption_key,
        );
        self.remember(
            0,
            &material.integrity_salt,
            p.integrity_iterations,
            &integrity_key,
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
        self.remember(
            0,
            &encryption_salt,
            p.encryption_iterations,
            &encryption_key,
        );
        self.remember(0, &integrity_salt, p.integrity_iterations, &integrity_key);
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
        let ciphertext = Aes256CbcEnc::new(cbc_key(encryption_key), &(*iv).into())
            .encrypt_padded_vec::<Pkcs7>(json.as_bytes());
        let expiration = if ttl_ms == 0 {
            String::new()
        } else {
            (now + i128::from(ttl_ms)).to_string()
        };
        let mut out = Vec::with_capacity(
            json.len() * 4 / 3 + encryption_salt.len() + integrity_salt.len() + 128,
        );
        out.extend_from_slice(MAC_PREFIX.as_bytes());
        out.push(b'*');
        out.extend_from_slice(self.passwords.current_id().as_bytes());
        out.push(b'*');
        out.extend_from_slice(encryption_salt.as_bytes());
        out.push(b'*');
        encode_base64(iv, &mut out);
        out.push(b'*');
        encode_base64(&ciphertext, &mut out);
        out.push(b'*');
        out.extend_from_slice(expiration.as_bytes());
        let digest = hmac_for(integrity_key, &out).finalize().into_bytes();
        out.push(b'*');
        out.extend_from_slice(integrity_salt.as_bytes());
        out.push(b'*');
        encode_base64(&digest, &mut out);
        // Prefix, id, salts and base64url are ASCII: the lossy branch is never taken.
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Unseals at `now_ms` (milliseconds since the Unix epoch), checking in iron's order
    /// (after the length cap, [`with_max_seal_len`](Self::with_max_seal_len)): field count, prefix, expiration (before the HMAC), password id, HMAC, then IV,
    /// decryption and JSON. With [`IronParams::legacy_fallback`], a [`IronError::BadHmac`]
    /// is retried once with one iteration, and a success is flagged [`Unsealed::legacy`].
    ///
    /// # Errors
    /// Every cause is a distinct [`IronError`] variant. Unsealing never panics.
    pub fn unseal(&self, sealed: &str, now_ms: u64) -> Result<Unsealed, IronError> {
        if sealed.len() > self.max_seal_len {
            return Err(IronError::TooLarge {
                len: sealed.len(),
                limit: self.max_seal_len,
            });
        }
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

        // Integrity first; keys of unverified seals never enter the cache, and
        // deriving them is bounded by the budget.
        let integrity_key = self.cached_or_derive_unverified(
            slot,
            parts.integrity_salt,
            p.integrity_iterations,
            now_ms,
        )?;
        let Some(digest) = decode_base64_vec(parts.hmac.as_bytes()) else {
            return Err(IronError::BadHmac);
        };
        hmac_for(&integrity_key, parts.mac_base.as_bytes())
            .verify_slice(&digest)
            .map_err(|_| IronError::BadHmac)?;
        self.remember(
            slot,
            parts.integrity_salt,
            p.integrity_iterations,
            &integrity_key,
        );

        let ciphertext =
            decode_base64_vec(parts.ciphertext.as_bytes()).ok_or(IronError::InvalidBase64 {
                field: "ciphertext",
            })?;
        let iv = decode_base64_vec(parts.iv.as_bytes())
            .ok_or(IronError::InvalidBase64 { field: "iv" })?;
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
            &encryption_key,
        );
        let plaintext = Aes256CbcDec::new(cbc_key(&encryption_key), &iv.into())
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
