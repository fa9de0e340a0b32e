//! The plaintext inside a sealed cookie:
//!
//! ```text
//! id_len:u8 ‖ id ‖ created_ms:u64be ‖ last_seen_ms:u64be ‖ JSON object of fields
//! ```
//!
//! The JSON object is the model's ([`fields`](crate::model::fields)).

use crate::error::{SealError, UnsealError};
use crate::model::fields;
use crate::model::settings::IdGenerator;
use crate::model::{SessionSchema, SessionState};

const TIMES_LEN: usize = 16;

/// Bytes the envelope adds to the fields' JSON, besides the id.
pub(super) const HEADER_LEN: usize = 1 + TIMES_LEN;

/// Appends the plaintext of `state`, created at `created_ms` and last seen
/// at `now_ms`, to `out`.
pub(super) fn encode<T: SessionSchema>(
    state: &SessionState<T>,
    created_ms: u64,
    now_ms: u64,
    out: &mut Vec<u8>,
) -> Result<(), SealError> {
    let id = state.id();
    let id_len = u8::try_from(id.len()).map_err(|_| SealError::IdTooLong)?;
    out.push(id_len);
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(&created_ms.to_be_bytes());
    out.extend_from_slice(&now_ms.to_be_bytes());
    fields::encode(state, out)
}

/// Rebuilds a session from its plaintext.
pub(super) fn decode<T: SessionSchema>(
    plaintext: &[u8],
    id_generator: &IdGenerator,
) -> Result<Box<SessionState<T>>, UnsealError> {
    let (&id_len, rest) = plaintext.split_first().ok_or(UnsealError::Corrupt)?;
    let id_len = usize::from(id_len);
    if rest.len() < id_len + TIMES_LEN {
        return Err(UnsealError::Corrupt);
    }
    let (id, rest) = rest.split_at(id_len);
    let id = std::str::from_utf8(id)
        .map_err(|_| UnsealError::Corrupt)?
        .to_owned();
    let (times, json) = rest.split_at(TIMES_LEN);
    let created_ms = u64::from_be_bytes(times[..8].try_into().expect("8 bytes"));
    let last_seen_ms = u64::from_be_bytes(times[8..].try_into().expect("8 bytes"));
    let mut state = Box::new(SessionState::restored(
        id,
        created_ms,
        last_seen_ms,
        Some(id_generator.clone()),
    ));
    fields::decode(&mut state, json).map_err(|_| UnsealError::Corrupt)?;
    Ok(state)
}
