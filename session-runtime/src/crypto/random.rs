//! Randomness: nonces, salts and session ids. Every random draw of the crate
//! goes through [`fill`].
//!
//! # Fork safety
//!
//! `rand`'s thread-local generator is not reseeded in a forked child (rand
//! 0.9 dropped that), so without care a pre-fork server's workers would all
//! repeat their parent's next nonces and ids: AES-GCM nonce reuse under one
//! key. Each thread therefore keeps a fork guard (`forkguard`, feature
//! `atfork`): a `pthread_atfork` child handler bumps a process-wide counter,
//! and [`fill`] compares it with the thread's copy, one relaxed atomic load,
//! no system call. When it changed (this process is a forked child) or the
//! thread has not drawn through [`fill`] before (its generator may have been
//! used, and copied by a fork, before the guard existed), the generator is
//! reseeded from the operating system first.
//!
//! Not covered: a child made without running the `pthread_atfork` handlers,
//! that is a raw `fork`/`clone` system call or glibc's `_Fork()`; such a
//! program must call `rand::rng().reseed()` in the child before it seals.
//! Ordinary `fork()` (libc, `nix`, Python's `os.fork`) and `posix_spawn`/
//! `Command` are covered. Neither is a VM snapshot restored twice.

use std::cell::Cell;

use rand::Rng as _;

use crate::crypto::encoding::{decode_base64, encode_base64};

/// The bytes behind an id [`generate_id`] makes.
pub(crate) const ID_BYTES: usize = 16;

thread_local! {
    /// `None` until this thread first draws: the generator may have been
    /// used, and copied by a fork, before that, so the first draw reseeds.
    static FORK_GUARD: Cell<Option<forkguard::Guard>> = const { Cell::new(None) };
}

/// Fills `bytes` from a CSPRNG (the thread-local generator of `rand`, seeded
/// from the operating system) that no forked process shares.
pub(crate) fn fill(bytes: &mut [u8]) {
    FORK_GUARD.with(|cell| {
        let mut guard = cell.take();
        let stale = guard.as_mut().is_none_or(forkguard::Guard::detected_fork);
        // A new guard registers the fork handler before the reseed below, so
        // no fork can fall between the two unseen.
        let guard = guard.unwrap_or_default();
        if stale {
            reseed();
        }
        cell.set(Some(guard));
    });
    rand::rng().fill_bytes(bytes);
}

/// Reseeds this thread's generator from the operating system.
///
/// # Panics
/// If the operating system gives no randomness: sealing with a generator
/// that may repeat another process's output is never an option.
#[cold]
#[inline(never)]
fn reseed() {
    rand::rng()
        .reseed()
        .unwrap_or_else(|e| panic!("could not reseed the CSPRNG from the OS: {e}"));
}

/// A new session id: 128 random bits from a CSPRNG, as 22 URL-safe characters.
///
/// ```
/// let id = session_runtime::generate_id();
/// assert_eq!(id.len(), 22);
/// assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// ```
pub fn generate_id() -> String {
    let mut bytes = [0u8; ID_BYTES];
    fill(&mut bytes);
    id_from_bytes(&bytes)
}

/// The id whose bytes these are (see [`id_bytes`]).
pub(crate) fn id_from_bytes(bytes: &[u8; ID_BYTES]) -> String {
    let mut text = Vec::with_capacity(22);
    encode_base64(bytes, &mut text);
    // base64url is ASCII: the lossy branch is never taken.
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The 16 bytes `id` is the text of, when it has the form of the ids
/// [`generate_id`] makes (22 characters of canonical base64url), so that a
/// sealed value carries 16 bytes instead of 22; [`id_from_bytes`] gives the
/// same text back.
pub(crate) fn id_bytes(id: &str) -> Option<[u8; ID_BYTES]> {
    let mut bytes = [0u8; ID_BYTES];
    (id.len() == 22 && decode_base64(id.as_bytes(), &mut bytes)).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::{generate_id, id_bytes, id_from_bytes};

    #[test]
    fn generated_ids_have_bytes_that_give_them_back() {
        for _ in 0..100 {
            let id = generate_id();
            let bytes = id_bytes(&id).expect("a generated id");
            assert_eq!(id_from_bytes(&bytes), id);
        }
        // Not canonical (bits set past the 128th), too short, not base64url.
        for id in [
            "AAAAAAAAAAAAAAAAAAAAAB",
            "AAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAA+A",
        ] {
            assert_eq!(id_bytes(id), None, "{id}");
        }
    }
}
