//! The sealed format: tamper resistance, expiry, rotation, size, and
//! tolerant decoding across schema changes.

use std::time::Duration;

use proptest::prelude::*;
use session_runtime::{
    Expiry, Key, KeyError, KeyRing, ManualClock, SaveError, Saved, SealError, Session,
    SessionConfig, UnsealError,
};

#[derive(Session)]
#[session(cookie = "sid")]
struct App {
    user: Option<String>,
    visits: u32,
    note: String,
}

const T0: u64 = 1_700_000_000_000;

fn key(byte: u8) -> Key {
    Key::derive([byte; 32]).unwrap()
}

fn sealed_sample(config: &SessionConfig<App>) -> String {
    let mut session = Session::<App>::new(config);
    session.set_user("ada");
    session.set_visits(7);
    session.seal(config).unwrap()
}

#[test]
fn short_secret_is_a_clear_error() {
    assert_eq!(
        Key::derive(b"0123456789012345678901234567890").unwrap_err(),
        KeyError::SecretTooShort { len: 31 }
    );
    assert!(Key::derive(b"01234567890123456789012345678901").is_ok());
    let message = Key::derive("short").unwrap_err().to_string();
    assert!(message.contains("at least 32 bytes"), "{message}");
}

#[test]
fn key_debug_shows_no_material() {
    let shown = format!("{:?}", KeyRing::new(key(1)));
    assert!(shown.contains("Key { id:"));
    assert!(!shown.contains("cipher"));
}

#[test]
fn every_single_bit_flip_is_rejected_without_panic() {
    let config = SessionConfig::<App>::new(key(1));
    let sealed = sealed_sample(&config);
    let mut checked = 0;
    for i in 0..sealed.len() {
        for bit in 0..8 {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] ^= 1 << bit;
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let err =
                Session::<App>::unseal(&config, &text).expect_err("a flipped bit must be rejected");
            assert!(
                matches!(
                    err,
                    UnsealError::Malformed
                        | UnsealError::Tampered
                        | UnsealError::UnknownKeyFingerprint(_)
                        // A flipped format byte may read as format 1.
                        | UnsealError::UnknownKey(_)
                        | UnsealError::UnsupportedVersion(_)
                ),
                "{err:?}"
            );
            checked += 1;
        }
    }
    // Flipping the top bit makes invalid UTF-8, which no `&str` can hold.
    assert_eq!(checked, sealed.len() * 7);
}

#[test]
fn truncation_and_extension_are_rejected() {
    let config = SessionConfig::<App>::new(key(1));
    let sealed = sealed_sample(&config);
    for len in 0..sealed.len() {
        assert!(
            Session::<App>::unseal(&config, &sealed[..len]).is_err(),
            "truncated to {len}"
        );
    }
    for extra in ["A", "a", "-", "_", "0", "=", " "] {
        assert!(
            Session::<App>::unseal(&config, &format!("{sealed}{extra}")).is_err(),
            "extra {extra:?}"
        );
    }
    assert_eq!(
        Session::<App>::unseal(&config, "").unwrap_err(),
        UnsealError::Malformed
    );
    assert_eq!(
        Session::<App>::unseal(&config, "not base64!").unwrap_err(),
        UnsealError::Malformed
    );
}

#[test]
fn a_value_moved_to_another_cookie_name_is_rejected() {
    let config = SessionConfig::<App>::new(key(1));
    let sealed = sealed_sample(&config);
    let other = config.clone().with_cookie_name("admin_sid");
    assert_eq!(
        Session::<App>::unseal(&other, &sealed).unwrap_err(),
        UnsealError::Tampered
    );
}

#[test]
fn a_wrong_key_is_rejected_as_unknown() {
    let config = SessionConfig::<App>::new(key(1));
    let sealed = sealed_sample(&config);
    assert_ne!(key(1).fingerprint(), key(2).fingerprint());
    let stranger = SessionConfig::<App>::new(key(2));
    assert_eq!(
        Session::<App>::unseal(&stranger, &sealed).unwrap_err(),
        UnsealError::UnknownKeyFingerprint(key(1).fingerprint())
    );
}

#[test]
fn errors_do_not_leak_plaintext() {
    let config = SessionConfig::<App>::new(key(1));
    let mut session = Session::<App>::new(&config);
    session.set_user("top-secret-user");
    let sealed = session.seal(&config).unwrap();
    assert!(!sealed.contains("top-secret-user"));
    let mut bytes = sealed.into_bytes();
    let last = bytes.len() - 1;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let err = Session::<App>::unseal(&config, &String::from_utf8(bytes).unwrap()).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("top-secret-user"));
}

#[test]
fn absolute_expiry_boundary() {
    let clock = ManualClock::new(T0);
    let config = SessionConfig::<App>::new(key(1))
        .with_clock(clock.clone())
        .with_max_age(Duration::from_mins(1));
    let sealed = sealed_sample(&config);
    clock.set_ms(T0 + 60_000);
    assert!(
        Session::<App>::unseal(&config, &sealed).is_ok(),
        "exactly max_age is still valid"
    );
    clock.set_ms(T0 + 60_001);
    assert_eq!(
        Session::<App>::unseal(&config, &sealed).unwrap_err(),
        UnsealError::Expired(Expiry::Absolute)
    );
}

#[test]
fn writes_do_not_extend_the_absolute_lifetime() {
    let clock = ManualClock::new(T0);
    let config = SessionConfig::<App>::new(key(1))
        .with_clock(clock.clone())
        .with_max_age(Duration::from_mins(1));
    let sealed = sealed_sample(&config);
    clock.set_ms(T0 + 59_000);
    let mut session = Session::<App>::unseal(&config, &sealed).unwrap();
    session.set_visits(8);
    let resealed = session.seal(&config).unwrap();
    assert_eq!(session.expires_at_ms(&config), Some(T0 + 60_000));
    clock.set_ms(T0 + 60_001);
    assert_eq!(
        Session::<App>::unseal(&config, &resealed).unwrap_err(),
        UnsealError::Expired(Expiry::Absolute)
    );
}

#[test]
fn idle_expiry_boundary_and_sliding() {
    let clock = ManualClock::new(T0);
    let config = SessionConfig::<App>::new(key(1))
        .with_clock(clock.clone())
        .with_idle_timeout(Duration::from_mins(1));
    let sealed = sealed_sample(&config);

    clock.set_ms(T0 + 30_000);
    let read = Session::<App>::unseal(&config, &sealed).unwrap();
    assert_eq!(
        read.save(&config).now().unwrap().unwrap(),
        Saved::Unchanged,
        "no re-seal before half the window"
    );

    clock.set_ms(T0 + 45_000);
    let read = Session::<App>::unseal(&config, &sealed).unwrap();
    let Saved::Write(slid) = read.save(&config).now().unwrap().unwrap() else {
        panic!("past half the window the seal slides")
    };
    assert_eq!(read.expires_at_ms(&config), Some(T0 + 105_000));

    clock.set_ms(T0 + 60_000);
    assert!(
        Session::<App>::unseal(&config, &sealed).is_ok(),
        "exactly idle_timeout is still valid"
    );
    clock.set_ms(T0 + 60_001);
    assert_eq!(
        Session::<App>::unseal(&config, &sealed).unwrap_err(),
        UnsealError::Expired(Expiry::Idle)
    );
    let alive = Session::<App>::unseal(&config, &slid).unwrap();
    assert_eq!(*alive.visits(), 7, "the slid seal lives on");
    clock.set_ms(T0 + 105_001);
    assert_eq!(
        Session::<App>::unseal(&config, &slid).unwrap_err(),
        UnsealError::Expired(Expiry::Idle)
    );
}

#[test]
fn max_age_caps_idle_sliding() {
    let clock = ManualClock::new(T0);
    let config = SessionConfig::<App>::new(key(1))
        .with_clock(clock.clone())
        .with_max_age(Duration::from_mins(2))
        .with_idle_timeout(Duration::from_mins(1));
    let mut sealed = sealed_sample(&config);
    for at in [45_000, 90_000] {
        clock.set_ms(T0 + at);
        let session = Session::<App>::unseal(&config, &sealed).unwrap();
        assert_eq!(
            session.expires_at_ms(&config),
            Some(T0 + (at + 60_000).min(120_000))
        );
        let Saved::Write(next) = session.save(&config).now().unwrap().unwrap() else {
            panic!("slides")
        };
        sealed = next;
    }
    clock.set_ms(T0 + 120_001);
    assert_eq!(
        Session::<App>::unseal(&config, &sealed).unwrap_err(),
        UnsealError::Expired(Expiry::Absolute)
    );
}

#[test]
fn rotation_old_keys_unseal_primary_seals_and_old_sessions_are_resealed() {
    let old = SessionConfig::<App>::new(key(1));
    let sealed_with_old = sealed_sample(&old);
    let ring = KeyRing::new(key(2)).with_previous(key(1)).unwrap();
    let rotated = SessionConfig::<App>::new(ring);

    let session = Session::<App>::unseal(&rotated, &sealed_with_old).unwrap();
    assert_eq!(*session.visits(), 7);
    let Saved::Write(resealed) = session.save(&rotated).now().unwrap().unwrap() else {
        panic!("a session opened with an old key is sealed again")
    };
    let only_new = SessionConfig::<App>::new(key(2));
    let again = Session::<App>::unseal(&only_new, &resealed).unwrap();
    assert_eq!(
        again.save(&only_new).now().unwrap().unwrap(),
        Saved::Unchanged
    );
    assert_eq!(
        Session::<App>::unseal(&only_new, &sealed_with_old).unwrap_err(),
        UnsealError::UnknownKeyFingerprint(key(1).fingerprint())
    );
    assert_eq!(
        KeyRing::new(key(1)).with_previous(key(1)).unwrap_err(),
        KeyError::DuplicateKeyId { id: key(1).id() }
    );
    assert_eq!(
        KeyRing::from_secrets(&[[2u8; 32], [1u8; 32]])
            .unwrap()
            .primary()
            .id(),
        key(2).id()
    );
}

#[test]
fn oversized_session_is_a_typed_error_and_nothing_is_written() {
    let config = SessionConfig::<App>::new(key(1));
    let mut session = Session::<App>::new(&config);
    session.set_note("x".repeat(2000));
    let ok = session.seal(&config).unwrap();
    assert!(ok.len() + 4 <= 4096);
    session.set_note("x".repeat(4000));
    match session.save(&config).now().unwrap() {
        Err(SaveError::Seal(SealError::TooLarge { len, limit: 4096 })) => assert!(len > 4096),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let tight = config.clone().with_max_size(80);
    session.set_note("x");
    assert!(matches!(
        session.seal(&tight),
        Err(SealError::TooLarge { limit: 80, .. })
    ));
    assert!(matches!(
        Session::<App>::unseal(&tight, &ok),
        Err(UnsealError::TooLarge { limit, .. }) if limit < 80
    ));
}

#[test]
fn sealed_size_is_checked_against_name_and_value() {
    let config = SessionConfig::<App>::new(key(1));
    let mut session = Session::<App>::new(&config);
    // Grow the note until sealing fails, then check the last success fits exactly.
    let mut last_ok = 0;
    for n in 2800..3100 {
        session.set_note("y".repeat(n));
        match session.seal(&config) {
            Ok(sealed) => last_ok = sealed.len() + "sid=".len(),
            Err(SealError::TooLarge { len, .. }) => {
                assert!(len > 4096);
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(last_ok > 4090 && last_ok <= 4096, "{last_ok}");
}

mod v1 {
    use session_runtime::Session;
    #[derive(Session)]
    #[session(cookie = "app")]
    pub(crate) struct App {
        pub(crate) user: Option<String>,
        pub(crate) visits: u32,
    }
}

mod v2 {
    use session_runtime::Session;
    #[derive(Session)]
    #[session(cookie = "app")]
    pub(crate) struct App {
        pub(crate) user: Option<String>,
        pub(crate) visits: u32,
        pub(crate) theme: Option<String>,
    }
}

mod v3 {
    use session_runtime::Session;
    /// `user` removed, `visits` changed type.
    #[derive(Session)]
    #[session(cookie = "app")]
    pub(crate) struct App {
        pub(crate) visits: Vec<u8>,
        pub(crate) theme: Option<String>,
    }
}

#[test]
fn tolerant_decoding_across_schema_changes() {
    let secret = [9u8; 32];
    let c1 = SessionConfig::<v1::App>::new(Key::derive(secret).unwrap());
    let c2 = SessionConfig::<v2::App>::new(Key::derive(secret).unwrap());
    let c3 = SessionConfig::<v3::App>::new(Key::derive(secret).unwrap());

    let mut s1 = Session::<v1::App>::new(&c1);
    s1.set_user("ada");
    s1.set_visits(3);
    let sealed1 = s1.seal(&c1).unwrap();

    // A field was added: it takes its default, the rest survives.
    let mut s2 = Session::<v2::App>::unseal(&c2, &sealed1).unwrap();
    assert_eq!(s2.user().map(String::as_str), Some("ada"));
    assert_eq!(*s2.visits(), 3);
    assert_eq!(s2.theme(), None);
    s2.set_theme("dark");
    let sealed2 = s2.seal(&c2).unwrap();

    // Fields were removed and a type changed: the session survives, the
    // changed field falls back to its default.
    let s3 = Session::<v3::App>::unseal(&c3, &sealed2).unwrap();
    assert_eq!(s3.visits(), &Vec::<u8>::new());
    assert_eq!(s3.theme().map(String::as_str), Some("dark"));
    assert_eq!(s3.id(), s1.id());

    // Keys an older version does not know are written back unchanged.
    let mut old = Session::<v1::App>::unseal(&c1, &sealed2).unwrap();
    old.set_visits(4);
    let back = Session::<v2::App>::unseal(&c2, &old.seal(&c1).unwrap()).unwrap();
    assert_eq!(back.theme().map(String::as_str), Some("dark"));
    assert_eq!(*back.visits(), 4);
}

#[test]
fn load_falls_back_to_a_fresh_session_and_says_why() {
    let config = SessionConfig::<App>::new(key(1));
    let (session, error) = Session::<App>::load(&config, Some("garbage"))
        .now()
        .unwrap()
        .unwrap();
    assert_eq!(error, Some(UnsealError::Malformed));
    assert!(session.is_new());
    assert_eq!(session.user(), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn seal_unseal_round_trips(user in proptest::option::of(any::<String>()), visits in any::<u32>(), note in any::<String>()) {
        let config = SessionConfig::<App>::new(key(3));
        let mut session = Session::<App>::new(&config);
        if let Some(user) = &user {
            session.set_user(user.clone());
        }
        session.set_visits(visits);
        session.set_note(note.clone());
        let sealed = session.seal(&config).unwrap();
        let back = Session::<App>::unseal(&config, &sealed).unwrap();
        prop_assert_eq!(back.user(), user.as_ref());
        prop_assert_eq!(*back.visits(), visits);
        prop_assert_eq!(back.note(), &note);
        prop_assert_eq!(back.id(), session.id());
    }

    #[test]
    fn arbitrary_input_never_panics(input in ".{0,300}") {
        let config = SessionConfig::<App>::new(key(3));
        prop_assert!(Session::<App>::unseal(&config, &input).is_err());
    }

    #[test]
    fn arbitrary_structured_values_round_trip(values in proptest::collection::vec(any::<(String, i64, bool)>(), 0..8)) {
        #[derive(Session)]
        struct Bag {
            items: Vec<(String, i64, bool)>,
        }
        let config = SessionConfig::<Bag>::new(key(4));
        let mut session = Session::<Bag>::new(&config);
        session.set_items(values.clone());
        let back = Session::<Bag>::unseal(&config, &session.seal(&config).unwrap()).unwrap();
        prop_assert_eq!(back.items(), &values);
    }
}

mod escaped_writer {
    use session_runtime::Session;
    #[derive(Session)]
    #[session(cookie = "esc")]
    pub(crate) struct App {
        #[session(rename = "quote\"back\\slash \u{e9}\u{2028}")]
        pub(crate) odd: Option<String>,
        pub(crate) plain: u32,
    }
}

mod escaped_reader {
    use session_runtime::Session;
    #[derive(Session)]
    #[session(cookie = "esc")]
    pub(crate) struct App {
        pub(crate) plain: u32,
    }
}

#[test]
fn keys_with_escapes_round_trip_and_survive_a_reader_that_does_not_know_them() {
    let secret = [5u8; 32];
    let writer = SessionConfig::<escaped_writer::App>::new(Key::derive(secret).unwrap());
    let reader = SessionConfig::<escaped_reader::App>::new(Key::derive(secret).unwrap());
    let mut session = Session::<escaped_writer::App>::new(&writer);
    session.set_odd("v\"alue");
    session.set_plain(2);
    let sealed = session.seal(&writer).unwrap();
    let back = Session::<escaped_writer::App>::unseal(&writer, &sealed).unwrap();
    assert_eq!(back.odd().map(String::as_str), Some("v\"alue"));

    let mut other = Session::<escaped_reader::App>::unseal(&reader, &sealed).unwrap();
    assert_eq!(*other.plain(), 2);
    other.set_plain(3);
    let resealed = other.seal(&reader).unwrap();
    let again = Session::<escaped_writer::App>::unseal(&writer, &resealed).unwrap();
    assert_eq!(again.odd().map(String::as_str), Some("v\"alue"));
    assert_eq!(*again.plain(), 3);
}

#[test]
fn times_from_the_future_are_rejected() {
    let clock = ManualClock::new(T0 + 3_600_000);
    let ahead = SessionConfig::<App>::new(key(1))
        .with_clock(clock.clone())
        .with_max_age(Duration::from_mins(1));
    let sealed = sealed_sample(&ahead);
    // A server whose clock is an hour behind must not extend the session's life.
    clock.set_ms(T0);
    assert_eq!(
        Session::<App>::unseal(&ahead, &sealed).unwrap_err(),
        UnsealError::Corrupt
    );
    // Ordinary skew between servers (up to 60 s) is accepted.
    clock.set_ms(T0 + 3_600_000 - 59_000);
    assert!(Session::<App>::unseal(&ahead, &sealed).is_ok());
}
