//! The sealed frame: AES-256-GCM under a [`KeyRing`], as base64url text.
//!
//! ```text
//! base64url-nopad( format:u8 ‖ key_id:u32be ‖ nonce:[u8; 12] ‖ AES-256-GCM(plaintext) ‖ tag:[u8; 16] )
//! associated data = format ‖ name
//! ```
//!
//! The `format` byte says what the plaintext is (a whole session, or only
//! a session id for a server-side store) and is authenticated with the
//! `name` (the cookie name), so a value never opens as another format or
//! under another cookie. What the plaintext holds is the caller's business.

use aes_gcm::aead::{AeadInOut as _, Nonce};
use aes_gcm::{Aes256Gcm, Tag};

use crate::crypto::encoding::{decode_base64, decoded_len, encode_base64, encoded_len};
use crate::crypto::key::KeyRing;
use crate::crypto::random;
use crate::error::UnsealError;

/// Bytes in front of the ciphertext: format, key id, nonce.
pub(crate) const HEADER_LEN: usize = 1 + 4 + 12;
const TAG_LEN: usize = 16;
/// Bytes a sealed frame adds to its plaintext, before base64.
pub(crate) const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// A buffer with room for the header, ready for the plaintext to be appended.
pub(crate) fn frame_with_header(plaintext_hint: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + plaintext_hint + TAG_LEN);
    frame.resize(HEADER_LEN, 0);
    frame
}

/// The length of the sealed text of a frame of `frame_len` bytes (header
/// and plaintext).
pub(crate) const fn sealed_len(frame_len: usize) -> usize {
    encoded_len(frame_len + TAG_LEN)
}

/// Seals `frame[HEADER_LEN..]` in place with the primary key and appends
/// the base64url text (of [`sealed_len`]) to `out`, which the caller sized.
///
/// `frame` must start with `HEADER_LEN` bytes of room (see [`frame_with_header`]);
/// taking the plaintext in its final buffer saves a copy, and writing the
/// text where the caller wants it (a `Set-Cookie` line) saves another.
pub(crate) fn seal_frame_into(
    keys: &KeyRing,
    format: u8,
    name: &str,
    mut frame: Vec<u8>,
    out: &mut Vec<u8>,
) {
    let key = keys.primary();
    frame[0] = format;
    frame[1..5].copy_from_slice(&key.id().to_be_bytes());
    random::fill(&mut frame[5..HEADER_LEN]);
    let (header, body) = frame.split_at_mut(HEADER_LEN);
    let nonce = nonce(header);
    let mut aad = AssociatedData::default();
    let tag = key
        .cipher()
        .encrypt_inout_detached(&nonce, aad.get(format, name), body.into())
        .expect("AES-GCM seals any plaintext under 64 GiB");
    frame.extend_from_slice(&tag);
    encode_base64(&frame, out);
}

/// The nonce in a frame's header (bytes 5 to 17).
fn nonce(header: &[u8]) -> Nonce<Aes256Gcm> {
    Nonce::<Aes256Gcm>::try_from(&header[5..HEADER_LEN]).expect("a 12-byte nonce")
}

/// Decoded values up to this length are opened on the stack.
const STACK_FRAME: usize = 512;

/// Decodes and authenticates a sealed value of `format` and hands the
/// plaintext, and whether the primary key opened it (if not, the caller
/// seals it again with the primary), to `read`.
///
/// The frame is decoded and decrypted in place, on the stack for values of
/// ordinary size: opening allocates nothing.
pub(crate) fn open<R>(
    keys: &KeyRing,
    format: u8,
    name: &str,
    sealed: &str,
    read: impl FnOnce(&[u8], bool) -> R,
) -> Result<R, UnsealError> {
    let len = decoded_len(sealed.len()).ok_or(UnsealError::Malformed)?;
    let mut stack = [0u8; STACK_FRAME];
    let mut heap = Vec::new();
    let frame: &mut [u8] = if len <= STACK_FRAME {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    if !decode_base64(sealed.as_bytes(), frame) {
        return Err(UnsealError::Malformed);
    }
    if frame.len() < OVERHEAD {
        return Err(UnsealError::Malformed);
    }
    if frame[0] != format {
        return Err(UnsealError::UnsupportedVersion(frame[0]));
    }
    let key_id = u32::from_be_bytes(frame[1..5].try_into().expect("4 bytes"));
    let (key, by_primary) = keys.find(key_id).ok_or(UnsealError::UnknownKey(key_id))?;
    let tag_at = frame.len() - TAG_LEN;
    let (rest, tag) = frame.split_at_mut(tag_at);
    let tag = Tag::try_from(&*tag).expect("TAG_LEN bytes");
    let (header, body) = rest.split_at_mut(HEADER_LEN);
    let nonce = nonce(header);
    key.cipher()
        .decrypt_inout_detached(
            &nonce,
            AssociatedData::default().get(format, name),
            body.into(),
            &tag,
        )
        .map_err(|_| UnsealError::Tampered)?;
    Ok(read(body, by_primary))
}

/// The associated data, `format ‖ name`, built on the stack for names of
/// ordinary length: sealing is hot enough that one allocation shows.
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
    fn get(&mut self, format: u8, name: &str) -> &[u8] {
        let name = name.as_bytes();
        if name.len() < self.stack.len() {
            self.stack[0] = format;
            self.stack[1..=name.len()].copy_from_slice(name);
            &self.stack[..=name.len()]
        } else {
            self.heap.push(format);
            self.heap.extend_from_slice(name);
            &self.heap
        }
    }
}
