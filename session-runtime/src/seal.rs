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

/// Seals `frame[HEADER_LEN..]` in place and appends the base64url text to
/// `out`, which it first grows by exactly the text's length plus `room`.
///
/// `frame` must start with `HEADER_LEN` bytes of room (see [`frame_with_header`]);
/// taking the plaintext in its final buffer saves a copy, and writing the
/// text where the caller wants it (a `Set-Cookie` line) saves another.
pub(crate) fn seal_frame_into(
    keys: &KeyRing,
    cookie_name: &str,
    mut frame: Vec<u8>,
    out: &mut Vec<u8>,
    room: usize,
) {
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
    out.reserve_exact(encoded_len(frame.len()) + room);
    encode_base64(&frame, out);
}

/// A buffer with room for the header, ready for the plaintext to be appended.
pub(crate) fn frame_with_header(plaintext_hint: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + plaintext_hint + TAG_LEN);
    frame.resize(HEADER_LEN, 0);
    frame
}

/// Decoded values up to this length are opened on the stack.
const STACK_FRAME: usize = 512;

/// Decodes and authenticates a sealed value and hands the plaintext, and
/// whether the primary key opened it (if not, it is sealed again on save),
/// to `read`.
///
/// The frame is decoded and decrypted in place, on the stack for values of
/// ordinary size: opening allocates nothing.
pub(crate) fn open<R>(
    keys: &KeyRing,
    cookie_name: &str,
    sealed: &str,
    limit: usize,
    read: impl FnOnce(&[u8], bool) -> R,
) -> Result<R, UnsealError> {
    if sealed.len() > limit {
        return Err(UnsealError::TooLarge {
            len: sealed.len(),
            limit,
        });
    }
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
    Ok(read(body, by_primary))
}

/// The base64url alphabet (RFC 4648 §5).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Not a base64url character.
const INVALID: u8 = 0x80;

/// Each byte's 6-bit value, or [`INVALID`].
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut value: u8 = 0;
    while value < 64 {
        table[ALPHABET[value as usize] as usize] = value;
        value += 1;
    }
    table
};

/// Appends the base64url text (no padding) of `bytes` to `out`, as the
/// `base64` crate's `URL_SAFE_NO_PAD` writes it.
///
/// Written here rather than taken from the crate: sealing is hot, and the
/// crate's `encode` zero-fills a buffer and validates it as UTF-8 again.
pub(crate) fn encode_base64(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(bytes.len()), 0);
    let text = &mut out[start..];
    // Six bytes make eight symbols.
    let (groups, tail) = bytes.as_chunks::<6>();
    let (texts, text_tail) = text.as_chunks_mut::<8>();
    for (group, text) in groups.iter().zip(texts) {
        let mut n = [0; 8];
        n[2..].copy_from_slice(group);
        let n = u64::from_be_bytes(n);
        for (i, symbol) in text.iter_mut().enumerate() {
            *symbol = ALPHABET[(n >> (42 - 6 * i) & 63) as usize];
        }
    }
    // The last bits are padded with zeros to a whole symbol.
    let mut n = [0; 8];
    n[8 - tail.len()..].copy_from_slice(tail);
    let bits = tail.len() * 8;
    let n = u64::from_be_bytes(n) << (text_tail.len() * 6 - bits);
    for (i, symbol) in text_tail.iter_mut().rev().enumerate() {
        *symbol = ALPHABET[(n >> (6 * i) & 63) as usize];
    }
}

/// How many bytes the base64url text (no padding) of length `n` decodes
/// to, or `None` if no text has that length.
const fn decoded_len(n: usize) -> Option<usize> {
    match n % 4 {
        1 => None,
        rem => Some(n / 4 * 3 + rem.saturating_sub(1)),
    }
}

/// Decodes base64url `text` (no padding) into `out`, which must be
/// [`decoded_len`] long. Accepts what the `base64` crate's
/// `URL_SAFE_NO_PAD` accepts: the alphabet only (no padding, no
/// whitespace), and no set bits after the last byte.
fn decode_base64(text: &[u8], out: &mut [u8]) -> bool {
    // Eight symbols make six bytes; an invalid symbol sets bit 7 of
    // `invalid` (and garbles `n`, which is then thrown away).
    let (groups, tail) = text.as_chunks::<8>();
    let (outs, out_tail) = out.as_chunks_mut::<6>();
    let mut invalid = 0;
    for (group, out) in groups.iter().zip(outs) {
        let mut n = 0u64;
        for &symbol in group {
            let value = DECODE[usize::from(symbol)];
            invalid |= value;
            n = n << 6 | u64::from(value);
        }
        out.copy_from_slice(&n.to_be_bytes()[2..]);
    }
    let mut n = 0u64;
    for &symbol in tail {
        let value = DECODE[usize::from(symbol)];
        invalid |= value;
        n = n << 6 | u64::from(value);
    }
    // The bits of the last symbol past the last byte must be 0.
    let Some(extra) = (tail.len() * 6).checked_sub(out_tail.len() * 8) else {
        return false;
    };
    if extra >= 6 || n & ((1 << extra) - 1) != 0 {
        return false;
    }
    out_tail.copy_from_slice(&(n >> extra).to_be_bytes()[8 - out_tail.len()..]);
    invalid & INVALID == 0
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

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    use super::{decode_base64, decoded_len, encode_base64};

    fn decode(text: &str) -> Option<Vec<u8>> {
        let mut out = vec![0; decoded_len(text.len())?];
        decode_base64(text.as_bytes(), &mut out).then_some(out)
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let mut out = b"x=".to_vec();
            encode_base64(&bytes, &mut out);
            let expected = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(&out[2..], expected.as_bytes());
            prop_assert_eq!(decode(std::str::from_utf8(&out[2..]).unwrap()), Some(bytes));
        }

        #[test]
        fn decodes_as_the_base64_crate(text in "[A-Za-z0-9_\\-+/= .\u{e9}]{0,40}") {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }

        #[test]
        fn rejects_trailing_bits_as_the_base64_crate(
            text in "([A-Za-z0-9_\\-]{4}){0,3}[A-Za-z0-9_\\-]{2,3}",
        ) {
            prop_assert_eq!(decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }
    }

    #[test]
    fn every_symbol_decodes_as_the_base64_crate() {
        for byte in 0..=255u8 {
            for at in 0..4 {
                let mut text = *b"AAAA";
                text[at] = byte;
                let text = String::from_utf8_lossy(&text).into_owned();
                assert_eq!(
                    decode(&text),
                    URL_SAFE_NO_PAD.decode(&text).ok(),
                    "{text:?}"
                );
            }
        }
    }
}
