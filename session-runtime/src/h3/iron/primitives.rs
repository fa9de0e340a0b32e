//! The iron primitives: PBKDF2 key derivation from salt text, the HMAC,
//! random salts and IVs, and the checks of JSON, salts and expirations.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

use zeroize::Zeroize as _;

use super::{DerivedKey, IV_LEN, IronError, KEY_LEN};
use crate::crypto::encoding::push_hex;
use crate::crypto::random;

/// HMAC-SHA256, iron's integrity algorithm.
pub(super) type HmacSha256 = Hmac<Sha256>;

/// Random bytes behind each salt; the salt itself is their lowercase hex text.
const SALT_BYTES: usize = 32;

/// Derives an iron key: `PBKDF2-HMAC-SHA1(password, salt, iterations, 32 bytes)`, where the
/// salt is the UTF-8 of the salt *text* (the 64 hex characters), not the bytes it spells.
pub(super) fn derive_key(password: &[u8], salt: &str, iterations: u32) -> DerivedKey {
    let mut key = DerivedKey::default();
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt.as_bytes(), iterations, key.as_mut_slice());
    key
}

/// HMAC-SHA256 of `data` under an iron integrity key, ready to finalize or verify.
pub(super) fn hmac_for(key: &[u8; KEY_LEN], data: &[u8]) -> HmacSha256 {
    // HMAC zero-pads short keys to the block size, so padding here changes nothing and
    // lets us use the infallible constructor.
    let mut block_key = hmac::digest::Key::<HmacSha256>::default();
    block_key[..KEY_LEN].copy_from_slice(key);
    let mut mac = HmacSha256::new(&block_key);
    block_key.as_mut_slice().zeroize();
    mac.update(data);
    mac
}

/// A fresh salt: 32 random bytes as 64 lowercase hex characters.
pub(super) fn random_salt() -> String {
    let mut bytes = [0u8; SALT_BYTES];
    random::fill(&mut bytes);
    let mut out = String::with_capacity(SALT_BYTES * 2);
    for b in bytes {
        push_hex(&mut out, b);
    }
    out
}

/// A fresh AES-CBC IV.
pub(super) fn random_iv() -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    random::fill(&mut iv);
    iv
}

/// Checks that `text` is JSON, as iron parses what it unseals.
pub(super) fn check_json(text: &str) -> Result<(), IronError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| IronError::InvalidJson(e.to_string()))
}

/// Checks an explicit salt: not empty, no `*`.
#[cfg(test)]
pub(super) fn check_salt(salt: &str) -> Result<(), IronError> {
    if salt.is_empty() || salt.contains('*') {
        Err(IronError::InvalidSalt)
    } else {
        Ok(())
    }
}

/// Parses `^\d+$`, saturating at `u64::MAX` (JavaScript would compare a huge float).
pub(super) fn parse_expiration(text: &str) -> Result<u64, IronError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IronError::InvalidExpiration);
    }
    Ok(text.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}
