//! Randomness: nonces, salts and session ids.

use crate::crypto::encoding::encode_base64;

/// Fills `bytes` from a CSPRNG (the thread-local generator of `rand`, seeded
/// from the operating system).
pub(crate) fn fill(bytes: &mut [u8]) {
    rand::fill(bytes);
}

/// A new session id: 128 random bits from a CSPRNG, as 22 URL-safe characters.
///
/// ```
/// let id = session_runtime::generate_id();
/// assert_eq!(id.len(), 22);
/// assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// ```
pub fn generate_id() -> String {
    let mut bytes = [0u8; 16];
    fill(&mut bytes);
    let mut text = Vec::with_capacity(22);
    encode_base64(&bytes, &mut text);
    // base64url is ASCII: the lossy branch is never taken.
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
