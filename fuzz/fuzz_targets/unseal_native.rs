//! Our format, from both sides of the AEAD tag:
//! - any text as a token, in a cookie (a sealed session) and in store mode
//!   (a sealed id): rejected or opened, never a panic;
//! - any bytes as an authentic plaintext (the first byte is the frame's
//!   format, the rest is sealed with the right key and cookie name), so that
//!   the envelope, the id and the field decoders see what a forger never
//!   gets past the tag: rejected as corrupt or opened, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_runtime::Session;
use session_runtime::fuzzing::seal_frame;
use session_runtime_fuzz::{App, COOKIE, configs, key_ring, open_and_save};

fuzz_target!(|data: &[u8]| {
    let configs = configs();
    if let Ok(token) = std::str::from_utf8(data) {
        let _ = Session::<App>::unseal(&configs.cookie, token);
        open_and_save(&configs.cookie, token);
        open_and_save(&configs.store, token);
    }
    if let Some((&format, plaintext)) = data.split_first() {
        let sealed = seal_frame(key_ring(), format, COOKIE, plaintext);
        let _ = Session::<App>::unseal(&configs.cookie, &sealed);
        open_and_save(&configs.cookie, &sealed);
        open_and_save(&configs.store, &sealed);
    }
});
