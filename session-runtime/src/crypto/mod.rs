//! Layer 1, crypto: keys, the sealed frame, randomness and text encodings.
//! It knows nothing of sessions.
//!
//! | file | what it holds |
//! |---|---|
//! | `key.rs` | [`Key`] (HKDF-SHA256 from a secret), [`KeyRing`] (rotation), [`KeyError`] |
//! | `aead.rs` | the sealed frame: AES-256-GCM, format byte, key fingerprint (format 2) or key id (format 1, read only), nonce, bound name |
//! | `random.rs` | the CSPRNG behind nonces, salts and [`generate_id`] |
//! | `encoding.rs` | base64url (no padding) and hex |

pub(crate) mod aead;
pub(crate) mod encoding;
pub(crate) mod key;
pub(crate) mod random;

pub use key::{Key, KeyError, KeyRing, MIN_SECRET_LEN};
pub use random::generate_id;
