//! Any text as an h3 seal (iron `Fe26.2`): the codec alone, then the whole
//! session, for h3 v1 and v2. Rejected or opened, never a panic.
//!
//! Forged seals never get past the HMAC, so text that is JSON is also
//! sealed with the right password, as the h3 object and as its `data`: the
//! authenticated plaintext then reaches the h3 object's parser and the
//! field decoding every backend shares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_runtime::Session;
use session_runtime_fuzz::{App, NOW, configs, open_and_save};

fuzz_target!(|token: &str| {
    let configs = configs();
    for (codec, config) in [
        (&configs.codec_v1, &configs.h3_v1),
        (&configs.codec_v2, &configs.h3_v2),
    ] {
        let _ = codec.unseal(token, NOW);
        let _ = Session::<App>::unseal(config, token);
        open_and_save(config, token);
    }
    if serde_json::from_str::<serde_json::Value>(token).is_ok() {
        let wrapped = format!(r#"{{"id":"fuzz","createdAt":{NOW},"data":{token}}}"#);
        for json in [token, wrapped.as_str()] {
            if let Ok(sealed) = configs.codec_v1.seal(json, NOW) {
                open_and_save(&configs.h3_v1, &sealed);
            }
        }
    }
});
