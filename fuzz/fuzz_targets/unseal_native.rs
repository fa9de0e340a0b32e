//! Any text as a token of our format: in a cookie (a sealed session) and in
//! store mode (a sealed id). Rejected or opened, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_runtime::Session;
use session_runtime_fuzz::{App, configs, open_and_save};

fuzz_target!(|token: &str| {
    let configs = configs();
    let _ = Session::<App>::unseal(&configs.cookie, token);
    open_and_save(&configs.cookie, token);
    open_and_save(&configs.store, token);
});
