//! The sealed format, version 1:
//!
//! ```text
//! base64url-nopad( version:u8 ‖ key_id:u32be ‖ nonce:[u8; 12] ‖ AES-256-GCM(plaintext) ‖ tag:[u8; 16] )
//! associated data = version ‖ cookie name
//! ```
//!
//! Binding the cookie name means a value sealed for one cookie does not
//! unseal under another.

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Nonce, Tag};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::UnsealError;
use crate::key::KeyRing;

/// The format version this build writes.
pub(crate) const VERSION: u8 = 1;
pub(crate) const HEADER_LEN: usize = 1 + 4 + 12;
const TAG_LEN: usize = 16;
/// Bytes a sealed value adds to its plaintext, before base64.
pub(crate) const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// The length of the base64url (no padding) text of `n` bytes.
pub(crate) const fn encoded_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// Seals `frame[HEADER_LEN..]` in place and returns the base64url text.
///
/// `frame` must start with `HEADER_LEN` bytes of room (see [`frame_with_header`]);
/// taking the plaintext in its final buffer saves a copy.
pub(crate) fn seal_frame(keys: &KeyRing, cookie_name: &str, mut frame: Vec<u8>) -> String {
    let key = keys.primary();
    frame[0] = VERSION;
    frame[1..5].copy_from_slice(&key.id().to_be_bytes());
    rand::fill(&mut frame[5..HEADER_LEN]);
    let (header, body) = frame.split_at_mut(HEADER_LEN);
    let nonce = Nonce::from_slice(&header[5..HEADER_LEN]);
    let mut aad = AssociatedData::default();
    let tag = key
        .cipher()
        .encrypt_in_place_detached(nonce, aad.get(cookie_name), body)
        .expect("AES-GCM seals any plaintext under 64 GiB");
    frame.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(&frame)
}

/// A buffer with room for the header, ready for the plaintext to be appended.
pub(crate) fn frame_with_header(plaintext_hint: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + plaintext_hint + TAG_LEN);
    frame.resize(HEADER_LEN, 0);
    frame
}

/// The result of opening a sealed value.
pub(crate) struct Opened {
    /// The decrypted plaintext.
    pub(crate) plaintext: Vec<u8>,
    /// Whether the primary key opened it (if not, it is sealed again on save).
    pub(crate) by_primary: bool,
}

/// Decodes and authenticates a sealed value.
pub(crate) fn open(
    keys: &KeyRing,
    cookie_name: &str,
    sealed: &str,
    limit: usize,
) -> Result<Opened, UnsealError> {
    if sealed.len() > limit {
        return Err(UnsealError::TooLarge {
            len: sealed.len(),
            limit,
        });
    }
    let mut frame = URL_SAFE_NO_PAD
        .decode(sealed)
        .map_err(|_| UnsealError::Malformed)?;
    if frame.len() < OVERHEAD {
        return Err(UnsealError::Malformed);
    }
    if frame[0] != VERSION {
        return Err(UnsealError::UnsupportedVersion(frame[0]));
    }
    let key_id = u32::from_be_bytes(frame[1..5].try_into().expect("4 bytes"));
    let (key, by_primary) = keys.find(key_id).ok_or(UnsealError::UnknownKey(key_id))?;
    let tag_at = frame.len() - TAG_LEN;
    let (rest, tag) = frame.split_at_mut(tag_at);
    let tag = Tag::clone_from_slice(tag);
    let (header, body) = rest.split_at_mut(HEADER_LEN);
    let nonce = Nonce::from_slice(&header[5..]);
    key.cipher()
        .decrypt_in_place_detached(
            nonce,
            AssociatedData::default().get(cookie_name),
            body,
            &tag,
        )
        .map_err(|_| UnsealError::Tampered)?;
    frame.truncate(tag_at);
    frame.drain(..HEADER_LEN);
    Ok(Opened {
        plaintext: frame,
        by_primary,
    })
}

/// The associated data, `version ‖ cookie name`, built on the stack for
/// names of ordinary length: sealing is hot enough that one allocation shows.
struct AssociatedData {
    stack: [u8; 64],
    heap: Vec<u8>,
}

impl Default for AssociatedData {
    fn default() -> Self {
        Self {
            stack: [0; 64],
            heap: Vec::new(),
        }
    }
}

impl AssociatedData {
    fn get(&mut self, cookie_name: &str) -> &[u8] {
        let name = cookie_name.as_bytes();
        if name.len() < self.stack.len() {
            self.stack[0] = VERSION;
            self.stack[1..=name.len()].copy_from_slice(name);
            &self.stack[..=name.len()]
        } else {
            self.heap.push(VERSION);
            self.heap.extend_from_slice(name);
            &self.heap
        }
    }
}
