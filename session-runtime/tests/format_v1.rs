//! Values sealed in format 1, by the code as it was before format 2
//! (whole key ids, fixed-width times, text ids), still open: a cookie lives
//! as long as its session's `max_age`. The fixtures below were sealed by
//! that code; they must never be regenerated.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use session_runtime::backend::Pending;
use session_runtime::store::MemoryStore;
use session_runtime::{Key, KeyRing, ManualClock, Saved, Session, SessionConfig, UnsealError};

/// The schema the fixtures were sealed with.
#[derive(Session)]
#[session(cookie = "sid", max_age = "7d", idle_timeout = "1d")]
struct Fixture {
    user: Option<String>,
    #[session(default)]
    visits: u32,
    note: String,
    #[session(flash)]
    notice: Option<String>,
    legacy: Option<Vec<u8>>,
}

/// The same schema without `legacy`: a reader that does not know a key.
mod older {
    use session_runtime::Session;
    #[derive(Session)]
    #[session(cookie = "sid", max_age = "7d", idle_timeout = "1d")]
    pub(crate) struct Fixture {
        pub(crate) user: Option<String>,
        #[session(default)]
        pub(crate) visits: u32,
        pub(crate) note: String,
        #[session(flash)]
        pub(crate) notice: Option<String>,
    }
}

const T0: u64 = 1_700_000_000_000;

/// Sealed with `Key::derive([1; 32])` for cookie `sid`, created at `T0`
/// and sealed at `T0 + 61_234`: `user = "ada"`, `visits = 7`,
/// `note = "format 1 ✓"`, the flash `notice = "saved"`, `legacy = [1, 2, 3]`.
const SESSION_V1: &str = "ATtp_jaOoZMHwmuTDr2ZvsQhp-scGjU2F1Cvq8dmbxOULnvdrrs9w4FOS8v0V0ar4ebf0FUwR6auQl9Dw_T7Baw_sls-1jjBORdSV1JB9ZI2BiefkcNq4sBrraIDiZFPMKpbZxH0dBuYAK7kQ2Zej55Jq5-M-RjdpR8zpF7pyU9Kr2cCiH71BUnkKFJ1ZBZHO3EPtyXIVbHHOoPB5T0USGY";
const SESSION_V1_ID: &str = "-3eR3SnVve9zs2WocgOWng";

/// Sealed with the same key, with the id of a custom generator: `user =
/// "bob"`, created at `T0 + 61_234` and sealed after the clock was set back
/// to `T0 + 2` (last seen before it was created).
const CUSTOM_ID_V1: &str = "ATtp_jYGGNHfcK9YXpgedrmERykWqieLnOho4R5--bQ_KPHJg2tc-E26kdwBMur88OvAX1Orwu3O_8vXcFmup85GhBdb7_VmBd60j7pK";
const CUSTOM_ID: &str = "custom:id/\u{e4}\u{f6}";

/// A store-mode token (format byte `0x49`): the id `STORE_ID`, sealed with
/// `Key::derive([3; 32])` for cookie `sid`.
const STORE_TOKEN_V1: &str =
    "SQZRYee_w-yB5HRxM-F-BPlUyUb4hgXO3OkgiP_f08wmG2UEG9CnsTnoLaOF1P-aX0Fl8lJTNg";
const STORE_ID: &str = "LVMwQU5Hp4s6RWUB2FWY2g";

fn key(byte: u8) -> Key {
    Key::derive([byte; 32]).unwrap()
}

fn config(keys: impl Into<KeyRing>) -> (SessionConfig<Fixture>, ManualClock) {
    let clock = ManualClock::new(T0 + 120_000);
    let config = SessionConfig::<Fixture>::new(keys.into()).with_clock(clock.clone());
    (config, clock)
}

fn ready<T>(pending: Pending<T>) -> T {
    pending.now().expect("no I/O")
}

/// The format byte of a sealed value.
fn format_of(sealed: &str) -> u8 {
    URL_SAFE_NO_PAD.decode(sealed).unwrap()[0]
}

#[test]
fn a_format_1_session_opens_with_its_id_times_fields_flash_and_unknown_keys() {
    let (config, clock) = config(key(1));
    assert_eq!(format_of(SESSION_V1), 0x01);
    let session = Session::<Fixture>::unseal(&config, SESSION_V1).unwrap();
    assert_eq!(session.id(), SESSION_V1_ID);
    assert_eq!(session.created_at_ms(), T0);
    assert_eq!(session.last_seen_ms(), T0 + 61_234);
    assert_eq!(session.user().map(String::as_str), Some("ada"));
    assert_eq!(*session.visits(), 7);
    assert_eq!(session.note(), "format 1 \u{2713}");
    assert_eq!(session.notice().map(String::as_str), Some("saved"));
    assert_eq!(session.legacy(), Some(&vec![1, 2, 3]));

    let config = config.with_id_generator(|| CUSTOM_ID.to_owned());
    let session = Session::<Fixture>::unseal(&config, CUSTOM_ID_V1).unwrap();
    assert_eq!(session.id(), CUSTOM_ID);
    assert_eq!(session.created_at_ms(), T0 + 61_234);
    assert_eq!(session.last_seen_ms(), T0 + 2);
    assert_eq!(session.user().map(String::as_str), Some("bob"));
    // Format 2 keeps times in that order too (the last-seen time is a
    // signed difference), and the id as text.
    clock.set_ms(T0 + 10_000);
    let resealed = session.seal(&config).unwrap();
    assert_eq!(format_of(&resealed), 0x03, "format 2, the id as text");
    let again = Session::<Fixture>::unseal(&config, &resealed).unwrap();
    assert_eq!(again.id(), CUSTOM_ID);
    assert_eq!(again.created_at_ms(), T0 + 61_234);
    assert_eq!(again.last_seen_ms(), T0 + 10_000);
}

#[test]
fn a_format_1_session_is_saved_in_format_2_keeping_what_its_reader_does_not_know() {
    let (config, _) = config(key(1));
    let older =
        SessionConfig::<older::Fixture>::new(key(1)).with_clock(ManualClock::new(T0 + 120_000));
    let mut session = Session::<older::Fixture>::unseal(&older, SESSION_V1).unwrap();
    session.set_visits(8);
    let Saved::Write(resealed) = ready(session.save(&older)).unwrap() else {
        panic!("a written session is sealed")
    };
    assert_eq!(format_of(&resealed), 0x02, "format 2, the id as its bytes");
    assert!(resealed.len() < SESSION_V1.len());
    let again = Session::<Fixture>::unseal(&config, &resealed).unwrap();
    assert_eq!(again.id(), SESSION_V1_ID);
    assert_eq!(again.created_at_ms(), T0);
    assert_eq!(again.last_seen_ms(), T0 + 120_000);
    assert_eq!(*again.visits(), 8);
    assert_eq!(again.legacy(), Some(&vec![1, 2, 3]));
    // The flash that arrived was dropped by the save.
    assert_eq!(again.notice(), None);
}

#[test]
fn a_format_1_session_sealed_with_an_older_key_is_resealed_with_the_primary() {
    let ring = KeyRing::new(key(2)).with_previous(key(1)).unwrap();
    let (config, _) = config(ring);
    let session = Session::<Fixture>::unseal(&config, SESSION_V1).unwrap();
    let Saved::Write(resealed) = ready(session.save(&config)).unwrap() else {
        panic!("a session opened with an older key is sealed again")
    };
    let (only_new, _) = self::config(key(2));
    let again = Session::<Fixture>::unseal(&only_new, &resealed).unwrap();
    assert_eq!(again.id(), SESSION_V1_ID);
    assert_eq!(again.note(), "format 1 \u{2713}");
    assert_eq!(
        Session::<Fixture>::unseal(&only_new, SESSION_V1).unwrap_err(),
        UnsealError::UnknownKey(key(1).id()),
        "format 1 names the whole key id"
    );
}

#[test]
fn a_format_1_session_keeps_every_check() {
    let (config, clock) = config(key(1));
    // Every flipped bit is rejected.
    for i in 0..SESSION_V1.len() {
        for bit in 0..7 {
            let mut bytes = SESSION_V1.as_bytes().to_vec();
            bytes[i] ^= 1 << bit;
            let text = String::from_utf8(bytes).unwrap();
            let err = Session::<Fixture>::unseal(&config, &text)
                .expect_err("a flipped bit must be rejected");
            assert!(
                matches!(
                    err,
                    UnsealError::Malformed
                        | UnsealError::Tampered
                        | UnsealError::UnknownKey(_)
                        | UnsealError::UnknownKeyFingerprint(_)
                        | UnsealError::UnsupportedVersion(_)
                ),
                "{err:?}"
            );
        }
    }
    for len in 0..SESSION_V1.len() {
        assert!(Session::<Fixture>::unseal(&config, &SESSION_V1[..len]).is_err());
    }
    // The cookie name is bound.
    let renamed = config.clone().with_cookie_name("other");
    assert_eq!(
        Session::<Fixture>::unseal(&renamed, SESSION_V1).unwrap_err(),
        UnsealError::Tampered
    );
    // Expiry counts from the times inside: idle one day after the last save.
    clock.set_ms(T0 + 61_234 + 86_400_000 + 1);
    assert!(matches!(
        Session::<Fixture>::unseal(&config, SESSION_V1).unwrap_err(),
        UnsealError::Expired(_)
    ));
}

#[test]
fn a_format_1_store_token_opens_its_session() {
    let clock = ManualClock::new(T0);
    let config = SessionConfig::<Fixture>::new(key(3))
        .with_clock(clock.clone())
        .with_id_generator(|| STORE_ID.to_owned())
        .with_store(MemoryStore::new());
    // The store holds the session the old token names.
    let mut session = Session::<Fixture>::new(&config);
    session.set_visits(1);
    let Saved::Write(token) = ready(session.save(&config)).unwrap() else {
        panic!("a new session is written")
    };
    assert_eq!(format_of(&token), 0x4a, "format 2, the id as its bytes");
    assert!(token.len() < STORE_TOKEN_V1.len());
    assert_eq!(format_of(STORE_TOKEN_V1), 0x49);

    let (loaded, error) = ready(Session::<Fixture>::load(&config, Some(STORE_TOKEN_V1))).unwrap();
    assert_eq!(error, None);
    assert_eq!(loaded.id(), STORE_ID);
    assert_eq!(*loaded.visits(), 1);

    let renamed = config.clone().with_cookie_name("other");
    let (_, error) = ready(Session::<Fixture>::load(&renamed, Some(STORE_TOKEN_V1))).unwrap();
    assert_eq!(error, Some(UnsealError::Tampered));
}
