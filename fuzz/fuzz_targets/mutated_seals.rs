//! Valid tokens of every format, mutated (bytes replaced, inserted,
//! deleted): a mutated token is rejected, or it opens to exactly the
//! session that was sealed (base64url can spell the same bytes twice), and
//! never to anything else: no forgery, no panic.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use session_runtime::{Session, SessionConfig};
use session_runtime_fuzz::{App, configs, sample, token};

#[derive(Arbitrary, Debug)]
enum Edit {
    Replace { at: u16, byte: u8 },
    Insert { at: u16, byte: u8 },
    Delete { at: u16 },
    Truncate { at: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    format: u8,
    edits: Vec<Edit>,
}

struct Valid {
    config: &'static SessionConfig<App>,
    token: String,
    id: String,
}

fn valid() -> &'static [Valid; 4] {
    static VALID: OnceLock<[Valid; 4]> = OnceLock::new();
    VALID.get_or_init(|| {
        let c = configs();
        [&c.cookie, &c.store, &c.h3_v1, &c.h3_v2].map(|config| {
            let session = sample(config);
            Valid {
                token: token(config, &session),
                id: session.id().to_owned(),
                config,
            }
        })
    })
}

fuzz_target!(|input: Input| {
    let valid = &valid()[usize::from(input.format % 4)];
    let mut bytes = valid.token.clone().into_bytes();
    for edit in &input.edits {
        let at = |at: u16, len: usize| usize::from(at) % (len + 1);
        match *edit {
            Edit::Replace { at: i, byte } if !bytes.is_empty() => {
                let i = usize::from(i) % bytes.len();
                bytes[i] = byte;
            }
            Edit::Insert { at: i, byte } => {
                let i = at(i, bytes.len());
                bytes.insert(i, byte);
            }
            Edit::Delete { at: i } if !bytes.is_empty() => {
                let i = usize::from(i) % bytes.len();
                bytes.remove(i);
            }
            Edit::Truncate { at: i } => {
                let i = at(i, bytes.len());
                bytes.truncate(i);
            }
            _ => {}
        }
    }
    let Ok(mutated) = String::from_utf8(bytes) else {
        return;
    };
    let (session, error) = Session::<App>::load(valid.config, Some(&mutated))
        .now()
        .expect("at once")
        .expect("no store error");
    if error.is_none() && !session.is_new() {
        // Opened: it must be the very session that was sealed.
        assert_eq!(session.id(), valid.id, "{mutated}");
        assert_eq!(session.user().map(String::as_str), Some("ada"), "{mutated}");
        assert_eq!(*session.visits(), 41, "{mutated}");
        assert_eq!(
            session.notice().map(String::as_str),
            Some("saved"),
            "{mutated}"
        );
    }
});
