//! Session ids.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A new session id: 128 random bits from a CSPRNG, as 22 URL-safe characters.
///
/// ```
/// let id = session_runtime::generate_id();
/// assert_eq!(id.len(), 22);
/// assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// ```
pub fn generate_id() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
