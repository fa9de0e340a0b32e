//! The plaintext inside a sealed cookie, and the formats it comes in.
//!
//! # Format 2 (written)
//!
//! ```text
//! id ‖ created_ms:varint ‖ (last_seen_ms − created_ms):zigzag varint ‖ members of the JSON object of fields
//! ```
//!
//! * `id`: with format byte `0x02`, the 16 bytes whose base64url text is
//!   the id (ids as [`generate_id`](crate::generate_id) makes them: 22
//!   characters of canonical base64url); with `0x03`, `id_len:u8 ‖ id`
//!   (any other id, UTF-8).
//! * Times are milliseconds since the epoch, as the session reports them:
//!   exact, so that expiry is decided to the millisecond as before. A
//!   varint (LEB128) holds 7 bits a byte: today's times take 6 bytes, and
//!   the last-seen time, as the signed difference from creation (zigzag,
//!   wrapping, so any pair of times round-trips), takes 1 byte for a new
//!   session and 4 for one seen a day after its creation.
//! * The members of the fields' JSON object ([`fields`]) follow without
//!   the object's braces: the plaintext ends where they end.
//!
//! Format 1 spent 1 + 22 + 8 + 8 bytes and 2 braces on what format 2
//! writes in 16 + 7 (a new session, default id): with the shorter frame
//! header ([`aead`](crate::crypto::aead)), a cookie is 21 bytes (28
//! characters) shorter.
//!
//! # Format 1 (read only: `0x01`)
//!
//! ```text
//! id_len:u8 ‖ id ‖ created_ms:u64be ‖ last_seen_ms:u64be ‖ JSON object of fields
//! ```

use crate::crypto::aead::Header;
use crate::crypto::random::{ID_BYTES, id_bytes, id_from_bytes};
use crate::error::{SealError, UnsealError};
use crate::model::fields;
use crate::model::settings::IdGenerator;
use crate::model::{SessionSchema, SessionState};

/// Format 1: read only.
const V1: u8 = 0x01;
/// Format 2, the id as its 16 bytes.
const V2_ID_BYTES: u8 = 0x02;
/// Format 2, the id as text.
const V2_ID_TEXT: u8 = 0x03;

/// The formats a sealed cookie is opened in.
pub(super) const ACCEPTED: &[(u8, Header)] = &[
    (V2_ID_BYTES, Header::Fingerprint),
    (V2_ID_TEXT, Header::Fingerprint),
    (V1, Header::KeyId),
];

/// The longest a varint of a `u64` is.
const MAX_VARINT: usize = 10;

/// Bytes the envelope adds to the fields' members, at most, besides a
/// text id: the id's bytes and two varints.
pub(super) const MAX_HEADER_LEN: usize = ID_BYTES + 2 * MAX_VARINT;

/// How a session's id is sealed.
pub(super) enum SealedId<'a> {
    /// As its 16 bytes (format `0x02`).
    Bytes([u8; ID_BYTES]),
    /// As its text (format `0x03`).
    Text(&'a str),
}

impl<'a> SealedId<'a> {
    /// The shortest form of `id`.
    pub(super) fn of(id: &'a str) -> Self {
        id_bytes(id).map_or(Self::Text(id), Self::Bytes)
    }

    /// The format byte of a session sealed with this form of its id.
    pub(super) fn format(&self) -> u8 {
        match self {
            Self::Bytes(_) => V2_ID_BYTES,
            Self::Text(_) => V2_ID_TEXT,
        }
    }
}

/// Appends the plaintext (format 2, as `id` says) of `state`, created at
/// `created_ms` and last seen at `now_ms`, to `out`.
///
/// # Errors
/// [`SealError::IdTooLong`] for a text id over 255 bytes, or what
/// encoding the fields gives.
pub(super) fn encode<T: SessionSchema>(
    id: &SealedId<'_>,
    state: &SessionState<T>,
    created_ms: u64,
    now_ms: u64,
    out: &mut Vec<u8>,
) -> Result<(), SealError> {
    match id {
        SealedId::Bytes(bytes) => out.extend_from_slice(bytes),
        SealedId::Text(text) => {
            let len = u8::try_from(text.len()).map_err(|_| SealError::IdTooLong)?;
            out.push(len);
            out.extend_from_slice(text.as_bytes());
        }
    }
    write_varint(out, created_ms);
    write_varint(out, zigzag(now_ms.wrapping_sub(created_ms)));
    fields::encode_members(state, out)
}

/// Rebuilds a session from its plaintext in `format` (one of [`ACCEPTED`]).
///
/// # Errors
/// [`UnsealError::Corrupt`] when the plaintext is not a session.
pub(super) fn decode<T: SessionSchema>(
    format: u8,
    plaintext: &[u8],
    id_generator: &IdGenerator,
) -> Result<Box<SessionState<T>>, UnsealError> {
    let (id, created_ms, last_seen_ms, json) = match format {
        V2_ID_BYTES | V2_ID_TEXT => {
            let (id, rest) = if format == V2_ID_BYTES {
                let (bytes, rest) = plaintext
                    .split_first_chunk::<ID_BYTES>()
                    .ok_or(UnsealError::Corrupt)?;
                (id_from_bytes(bytes), rest)
            } else {
                text_id(plaintext)?
            };
            let (created_ms, rest) = read_varint(rest)?;
            let (age, json) = read_varint(rest)?;
            let last_seen_ms = created_ms.wrapping_add(unzigzag(age));
            (id, created_ms, last_seen_ms, json)
        }
        V1 => {
            let (id, rest) = text_id(plaintext)?;
            let (created, rest) = rest.split_first_chunk::<8>().ok_or(UnsealError::Corrupt)?;
            let (last_seen, json) = rest.split_first_chunk::<8>().ok_or(UnsealError::Corrupt)?;
            (
                id,
                u64::from_be_bytes(*created),
                u64::from_be_bytes(*last_seen),
                json,
            )
        }
        _ => return Err(UnsealError::Corrupt),
    };
    let mut state = Box::new(SessionState::restored(
        id,
        created_ms,
        last_seen_ms,
        Some(id_generator.clone()),
    ));
    let decoded = if format == V1 {
        fields::decode(&mut state, json)
    } else {
        fields::decode_members(&mut state, json)
    };
    decoded.map_err(|_| UnsealError::Corrupt)?;
    Ok(state)
}

/// `id_len:u8 ‖ id` at the start of `plaintext`, and what follows.
fn text_id(plaintext: &[u8]) -> Result<(String, &[u8]), UnsealError> {
    let (&len, rest) = plaintext.split_first().ok_or(UnsealError::Corrupt)?;
    let (id, rest) = rest
        .split_at_checked(usize::from(len))
        .ok_or(UnsealError::Corrupt)?;
    let id = std::str::from_utf8(id).map_err(|_| UnsealError::Corrupt)?;
    Ok((id.to_owned(), rest))
}

/// Appends `n` as a varint: 7 bits a byte, least significant first, the
/// high bit set on every byte but the last (LEB128).
fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        // Truncation intended: the low 7 bits, with the continuation bit.
        #[allow(clippy::cast_possible_truncation)]
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    #[allow(clippy::cast_possible_truncation)]
    out.push(n as u8);
}

/// The varint at the start of `bytes`, and what follows it.
///
/// # Errors
/// [`UnsealError::Corrupt`] when it is cut short or does not fit a `u64`.
fn read_varint(bytes: &[u8]) -> Result<(u64, &[u8]), UnsealError> {
    let mut n = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(MAX_VARINT) {
        let bits = u64::from(byte & 0x7f);
        // The tenth byte holds the 64th bit only.
        if i == MAX_VARINT - 1 && bits > 1 {
            return Err(UnsealError::Corrupt);
        }
        n |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((n, &bytes[i + 1..]));
        }
    }
    Err(UnsealError::Corrupt)
}

/// A difference of two `u64` as a `u64` that is small when the difference
/// is small either way (zigzag: 0, -1, 1, -2, ... as 0, 1, 2, 3, ...).
fn zigzag(difference: u64) -> u64 {
    // Reinterpreted, not converted: the wrapping difference as two's complement.
    #[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
    let signed = difference as i64;
    #[allow(clippy::cast_sign_loss)]
    let zigzagged = ((signed << 1) ^ (signed >> 63)) as u64;
    zigzagged
}

/// The inverse of [`zigzag`].
fn unzigzag(n: u64) -> u64 {
    (n >> 1) ^ (n & 1).wrapping_neg()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{UnsealError, read_varint, unzigzag, write_varint, zigzag};

    fn varint(n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(&mut out, n);
        out
    }

    #[test]
    fn varint_lengths() {
        assert_eq!(varint(0), [0]);
        assert_eq!(varint(127), [127]);
        assert_eq!(varint(128), [0x80, 1]);
        // A time in 2026, in milliseconds: six bytes.
        assert_eq!(varint(1_780_000_000_000).len(), 6);
        assert_eq!(varint(u64::MAX).len(), 10);
        // A day, in milliseconds, as a zigzag difference: four bytes.
        assert_eq!(varint(zigzag(86_400_000)).len(), 4);
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(u64::MAX), 1, "-1");
        assert_eq!(zigzag(1), 2);
    }

    #[test]
    fn bad_varints_are_corrupt() {
        assert_eq!(read_varint(&[]), Err(UnsealError::Corrupt));
        assert_eq!(read_varint(&[0x80]), Err(UnsealError::Corrupt));
        // Eleven bytes, or a tenth byte past the 64th bit.
        assert_eq!(read_varint(&[0xff; 11]), Err(UnsealError::Corrupt));
        let mut over = vec![0xff; 9];
        over.push(0x02);
        assert_eq!(read_varint(&over), Err(UnsealError::Corrupt));
    }

    proptest! {
        #[test]
        fn varints_and_differences_round_trip(a in any::<u64>(), b in any::<u64>(), tail in any::<u8>()) {
            let mut bytes = varint(a);
            bytes.push(tail);
            prop_assert_eq!(read_varint(&bytes), Ok((a, &[tail][..])));
            prop_assert_eq!(b.wrapping_add(unzigzag(zigzag(a.wrapping_sub(b)))), a);
        }
    }
}
