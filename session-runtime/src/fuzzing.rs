//! Hooks for the fuzz targets in `fuzz/`, compiled only under
//! `cfg(fuzzing)` (cargo-fuzz sets it). A forged token never gets past the
//! AEAD tag, so on its own the fuzzer would never reach what is parsed
//! after decryption; these seal plaintexts the fuzzer picks, so that the
//! envelope and field decoders are fuzzed too.

use crate::crypto::KeyRing;
use crate::crypto::aead;

/// Seals `plaintext` as a frame of `format` (any byte, so that unknown
/// formats are tried too) under the primary key of `keys`, bound to the
/// cookie `name`, exactly as a session or a store's id is sealed.
pub fn seal_frame(keys: &KeyRing, format: u8, name: &str, plaintext: &[u8]) -> String {
    let mut out = Vec::new();
    let sealed = aead::seal::<std::convert::Infallible>(
        keys,
        format,
        name,
        |frame| {
            frame.extend_from_slice(plaintext);
            Ok(())
        },
        |_| &mut out,
    );
    let Ok(()) = sealed;
    String::from_utf8(out).expect("base64url is ASCII")
}
