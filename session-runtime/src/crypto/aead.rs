//! The sealed frame: AES-256-GCM under a [`KeyRing`], as base64url text.
//!
//! # Format 2 (written)
//!
//! ```text
//! base64url-nopad( format:u8 ‖ fingerprint:u8 ‖ nonce:[u8; 12] ‖ AES-256-GCM(plaintext) ‖ tag:[u8; 16] )
//! associated data = format ‖ fingerprint ‖ name
//! ```
//!
//! The `format` byte says what the plaintext is (a whole session, or only
//! a session id for a server-side store, and how the id is written) and is
//! authenticated with the `name` (the cookie name), so a value never opens
//! as another format or under another cookie. What the plaintext holds is
//! the caller's business.
//!
//! The key is named by its [fingerprint](crate::Key::fingerprint), the first
//! byte of its 32-bit id, and the value is opened with each key of the ring
//! that has it, primary first (usually one; two keys of a ring share a
//! fingerprint with a chance of one in 256). A fingerprint belongs to its
//! key, not to a position in the ring, so adding or removing keys never
//! makes a value name another key; an index would. A value is tried with
//! at most as many keys as the ring holds, each a full constant-time tag
//! check (`aes-gcm` compares tags with `ct_eq` and decrypts nothing before),
//! and which keys share a fingerprint is public anyway.
//!
//! # Format 1 (read only)
//!
//! ```text
//! base64url-nopad( format:u8 ‖ key_id:u32be ‖ nonce:[u8; 12] ‖ AES-256-GCM(plaintext) ‖ tag:[u8; 16] )
//! associated data = format ‖ name
//! ```
//!
//! Format 1 named the key by its whole id: three bytes more, four base64
//! characters, in every cookie. Values of format 1 still open (they live
//! as long as a session's `max_age`); a session opened from one is sealed
//! again in format 2 when it is next saved.

use std::cell::Cell;

use aes_gcm::aead::{AeadInOut as _, Nonce};
use aes_gcm::{Aes256Gcm, Tag};

use crate::crypto::encoding::{decode_base64, decoded_len, encode_base64, encoded_len};
use crate::crypto::key::{Key, KeyRing};
use crate::crypto::random;
use crate::error::UnsealError;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Bytes in front of the ciphertext in format 2: format, fingerprint, nonce.
const HEADER_LEN: usize = 1 + 1 + NONCE_LEN;
/// Bytes in front of the ciphertext in format 1: format, key id, nonce.
const V1_HEADER_LEN: usize = 1 + 4 + NONCE_LEN;

/// How a format's header names its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Header {
    /// Format 1: the key's 32-bit id; the associated data is `format ‖ name`.
    KeyId,
    /// Format 2: the key's fingerprint; the associated data is
    /// `format ‖ fingerprint ‖ name`.
    Fingerprint,
}

impl Header {
    const fn len(self) -> usize {
        match self {
            Self::KeyId => V1_HEADER_LEN,
            Self::Fingerprint => HEADER_LEN,
        }
    }

    /// The header bytes the associated data binds besides the name.
    const fn bound(self) -> usize {
        match self {
            Self::KeyId => 1,
            Self::Fingerprint => 2,
        }
    }
}

thread_local! {
    /// The frame buffer sealing reuses, so that a seal allocates only its
    /// output. Between seals it holds ciphertext, or zeros after a failed one.
    static FRAME: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A frame buffer larger than this is not kept for the next seal (cookies
/// stay below 4096 bytes; a larger one would only hold memory).
const KEPT_FRAME: usize = 8 * 1024;

/// Seals, in format 2 with the primary key, the plaintext `write` appends
/// to the buffer it is given, and appends the base64url text to the buffer
/// `out` gives for the text's length.
///
/// The plaintext is written once, into a buffer that the thread reuses,
/// and encrypted there in place; the text goes straight where the caller
/// wants it (a `Set-Cookie` line), so sealing allocates nothing but the
/// caller's output.
///
/// # Errors
/// What `write` returns; then nothing is written to `out`.
pub(crate) fn seal<'o, E>(
    keys: &KeyRing,
    format: u8,
    name: &str,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    out: impl FnOnce(usize) -> &'o mut Vec<u8>,
) -> Result<(), E> {
    // Taken, not borrowed: a field's `Serialize` that seals another session
    // gets a buffer of its own instead of a panic.
    let mut frame = FRAME.take();
    frame.clear();
    frame.resize(HEADER_LEN, 0);
    let written = write(&mut frame);
    match written {
        Ok(()) => {
            encrypt_frame(keys.primary(), format, name, &mut frame);
            let out = out(encoded_len(frame.len()));
            encode_base64(&frame, out);
        }
        // What was written of the plaintext is not left behind.
        Err(_) => frame.fill(0),
    }
    if frame.capacity() <= KEPT_FRAME {
        FRAME.set(frame);
    }
    written
}

/// Fills the header of `frame` (format, fingerprint, a fresh nonce),
/// encrypts the plaintext after it in place and appends the tag.
fn encrypt_frame(key: &Key, format: u8, name: &str, frame: &mut Vec<u8>) {
    frame[0] = format;
    frame[1] = key.fingerprint();
    random::fill(&mut frame[2..HEADER_LEN]);
    let (header, body) = frame.split_at_mut(HEADER_LEN);
    let nonce = nonce(header);
    let mut aad = AssociatedData::default();
    let tag = key
        .cipher()
        .encrypt_inout_detached(&nonce, aad.get(&header[..2], name), body.into())
        .expect("AES-GCM seals any plaintext under 64 GiB");
    frame.extend_from_slice(&tag);
}

/// The nonce at the end of a header.
fn nonce(header: &[u8]) -> Nonce<Aes256Gcm> {
    Nonce::<Aes256Gcm>::try_from(&header[header.len() - NONCE_LEN..]).expect("a 12-byte nonce")
}

/// Decoded values up to this length are opened on the stack.
const STACK_FRAME: usize = 512;

/// Decodes and authenticates a sealed value of one of the `accepted`
/// formats and hands its format, its plaintext, and whether the primary
/// key opened it (if not, the caller seals it again with the primary), to
/// `read`.
///
/// The frame is decoded and decrypted in place, on the stack for values of
/// ordinary size: opening allocates nothing.
///
/// # Errors
/// [`UnsealError::Malformed`] (not base64url, too short),
/// [`UnsealError::UnsupportedVersion`] (a format not accepted),
/// [`UnsealError::UnknownKey`] or [`UnsealError::UnknownKeyFingerprint`]
/// (no key of the ring is named), [`UnsealError::Tampered`] (no named key
/// authenticates it).
pub(crate) fn open<R>(
    keys: &KeyRing,
    accepted: &[(u8, Header)],
    name: &str,
    sealed: &str,
    read: impl FnOnce(u8, &[u8], bool) -> R,
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
    let format = *frame.first().ok_or(UnsealError::Malformed)?;
    let header = accepted
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, header)| *header);
    let Some(header) = header else {
        // A frame too short for any format is malformed, whatever its first byte.
        return Err(if frame.len() < HEADER_LEN + TAG_LEN {
            UnsealError::Malformed
        } else {
            UnsealError::UnsupportedVersion(format)
        });
    };
    if frame.len() < header.len() + TAG_LEN {
        return Err(UnsealError::Malformed);
    }
    let tag_at = frame.len() - TAG_LEN;
    let (rest, tag) = frame.split_at_mut(tag_at);
    let tag = Tag::try_from(&*tag).expect("TAG_LEN bytes");
    let (header_bytes, body) = rest.split_at_mut(header.len());
    let nonce = nonce(header_bytes);
    let mut aad = AssociatedData::default();
    let aad = aad.get(&header_bytes[..header.bound()], name);
    let by_primary = match header {
        Header::KeyId => {
            let key_id = u32::from_be_bytes(header_bytes[1..5].try_into().expect("4 bytes"));
            let (key, by_primary) = keys.find(key_id).ok_or(UnsealError::UnknownKey(key_id))?;
            key.cipher()
                .decrypt_inout_detached(&nonce, aad, body.into(), &tag)
                .map_err(|_| UnsealError::Tampered)?;
            by_primary
        }
        Header::Fingerprint => {
            let fingerprint = header_bytes[1];
            let mut named = false;
            let mut opened = None;
            // A failed check leaves `body` as it was (`aes-gcm` decrypts
            // only after the tag matched), so the next key sees the
            // ciphertext.
            for (key, by_primary) in keys.with_fingerprint(fingerprint) {
                named = true;
                if key
                    .cipher()
                    .decrypt_inout_detached(&nonce, aad, (&mut *body).into(), &tag)
                    .is_ok()
                {
                    opened = Some(by_primary);
                    break;
                }
            }
            match opened {
                Some(by_primary) => by_primary,
                None if named => return Err(UnsealError::Tampered),
                None => return Err(UnsealError::UnknownKeyFingerprint(fingerprint)),
            }
        }
    };
    Ok(read(format, body, by_primary))
}

/// The associated data, `header bytes ‖ name`, built on the stack for names
/// of ordinary length: sealing is hot enough that one allocation shows.
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
    fn get(&mut self, header: &[u8], name: &str) -> &[u8] {
        let name = name.as_bytes();
        let len = header.len() + name.len();
        if len <= self.stack.len() {
            self.stack[..header.len()].copy_from_slice(header);
            self.stack[header.len()..len].copy_from_slice(name);
            &self.stack[..len]
        } else {
            self.heap.extend_from_slice(header);
            self.heap.extend_from_slice(name);
            &self.heap
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Header, open, seal};
    use crate::crypto::key::{Key, KeyRing};
    use crate::error::UnsealError;

    const FORMAT: u8 = 0x7e;
    const ACCEPTED: &[(u8, Header)] = &[(FORMAT, Header::Fingerprint)];

    fn sealed(keys: &KeyRing, plaintext: &[u8]) -> String {
        let mut out = Vec::new();
        seal::<()>(
            keys,
            FORMAT,
            "sid",
            |frame| {
                frame.extend_from_slice(plaintext);
                Ok(())
            },
            |_| &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn opened(keys: &KeyRing, text: &str) -> Result<(Vec<u8>, bool), UnsealError> {
        open(
            keys,
            ACCEPTED,
            "sid",
            text,
            |format, plaintext, by_primary| {
                assert_eq!(format, FORMAT);
                (plaintext.to_vec(), by_primary)
            },
        )
    }

    /// The key of secret number `n`.
    fn nth_key(n: u16) -> Key {
        let mut secret = [0u8; 32];
        secret[..2].copy_from_slice(&n.to_le_bytes());
        Key::derive(secret).unwrap()
    }

    /// Two keys that share a fingerprint (found by search, as a ring holding
    /// both would by chance).
    fn colliding_keys() -> (Key, Key) {
        let first = nth_key(0);
        let second = (1..=u16::MAX)
            .map(nth_key)
            .find(|k| k.fingerprint() == first.fingerprint() && k.id() != first.id())
            .expect("thousands of keys give a shared fingerprint");
        (first, second)
    }

    #[test]
    fn keys_sharing_a_fingerprint_are_each_tried() {
        let (a, b) = colliding_keys();
        let by_a = sealed(&KeyRing::new(a.clone()), b"from a");
        let by_b = sealed(&KeyRing::new(b.clone()), b"from b");
        let ring = KeyRing::new(a.clone()).with_previous(b.clone()).unwrap();
        assert_eq!(opened(&ring, &by_a).unwrap(), (b"from a".to_vec(), true));
        // The primary shares the fingerprint and fails first: the value is
        // still opened, with the older key, and reported as such.
        assert_eq!(opened(&ring, &by_b).unwrap(), (b"from b".to_vec(), false));
        // A ring that has the fingerprint but not the key: tampered.
        assert_eq!(
            opened(&KeyRing::new(a), &by_b).unwrap_err(),
            UnsealError::Tampered
        );
    }

    #[test]
    fn an_unknown_fingerprint_is_named() {
        let (a, _) = colliding_keys();
        let other = (1..=u16::MAX)
            .map(nth_key)
            .find(|k| k.fingerprint() != a.fingerprint())
            .unwrap();
        let text = sealed(&KeyRing::new(other.clone()), b"x");
        assert_eq!(
            opened(&KeyRing::new(a), &text).unwrap_err(),
            UnsealError::UnknownKeyFingerprint(other.fingerprint())
        );
    }

    #[test]
    fn a_failed_write_leaves_no_plaintext_and_writes_nothing() {
        let keys = KeyRing::new(Key::derive([1u8; 32]).unwrap());
        let mut out = Vec::new();
        let result = seal(
            &keys,
            FORMAT,
            "sid",
            |frame| {
                frame.extend_from_slice(b"secret");
                Err("refused")
            },
            |_| &mut out,
        );
        assert_eq!(result, Err("refused"));
        assert!(out.is_empty());
        let kept = super::FRAME.take();
        assert!(kept.len() > b"secret".len());
        assert!(kept.iter().all(|&b| b == 0));
        super::FRAME.set(kept);
        // The next seal on this thread reuses the buffer and works.
        let text = sealed(&keys, b"next");
        assert_eq!(opened(&keys, &text).unwrap().0, b"next");
    }
}
