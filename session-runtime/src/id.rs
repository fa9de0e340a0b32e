//! Session ids.

use crate::seal::encode_base64;

/// A new session id: 128 random bits from a CSPRNG, as 22 URL-safe characters.
///
/// # Panics
/// Never: base64url text is ASCII.
///
/// ```
/// let id = session_runtime::generate_id();
/// assert_eq!(id.len(), 22);
/// assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// ```
pub fn generate_id() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let mut text = Vec::with_capacity(22);
    encode_base64(&bytes, &mut text);
    String::from_utf8(text).expect("base64url is ASCII")
}
