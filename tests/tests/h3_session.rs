//! `Session<T>` in h3's format against the real h3 v1 and v2 (`interop/h3/cli.mjs`):
//! who seals, who unseals, expiry boundaries on an injected clock, password rotation by
//! id, the v2 legacy fallback, seals without an id, and hostile input.
//!
//! Requires `interop/h3/setup.sh`; the tests fail, not skip, without it.

use std::sync::Arc;
use std::time::Duration;

use session_runtime::backend::Pending;
use session_runtime::h3::iron::{IronCodec, IronError, IronParams, Passwords};
use session_runtime::h3::{H3Format, H3Version};
use session_runtime::{Expiry, ManualClock, SaveError, Saved, Session, SessionConfig, UnsealError};
use session_tests::node::{P, h3_seal, h3_unseal};

#[derive(Session)]
struct Counter {
    #[session(default)]
    count: u32,
}

const NOW: u64 = 1_700_000_000_000;
const ID: &str = "3b4c9f5e-1f00-4d1f-9a57-6f1f0e0f2a11";
const FROM_H3: &str = r#"{"id":"3b4c9f5e-1f00-4d1f-9a57-6f1f0e0f2a11","createdAt":1700000000000,"data":{"count":3,"fromNode":{"deep":[1,"x",null]},"msg":"héllo ✓"}}"#;
const VERSIONS: [H3Version; 2] = [H3Version::V1, H3Version::V2];

fn config(v: H3Version, clock: &ManualClock) -> SessionConfig<Counter> {
    SessionConfig::<Counter>::h3(v, P)
        .unwrap()
        .with_clock(clock.clone())
}

fn now_arg(ms: u64) -> String {
    ms.to_string()
}

/// What a save gives: a cookie backend answers at once, without awaiting.
fn saved(pending: Pending<Result<Saved, SaveError>>) -> Saved {
    pending
        .into_ready()
        .expect("the h3 format saves at once")
        .unwrap()
}

/// An iron codec with the password and parameters of `config(v, _)`'s format.
fn h3_codec(v: H3Version) -> IronCodec {
    IronCodec::new(Passwords::single(P).unwrap(), v.params()).unwrap()
}

/// The expiration field (5) of an iron seal.
fn expiration(sealed: &str) -> &str {
    sealed.split('*').nth(5).unwrap()
}

#[test]
fn h3_seals_rust_unseals_data_id_and_created_at() {
    for v in VERSIONS {
        let sealed = h3_seal(v, P, FROM_H3, &[]);
        let clock = ManualClock::new(NOW + 1_000);
        let session = Session::<Counter>::unseal(&config(v, &clock), &sealed).unwrap();
        assert_eq!(*session.count(), 3, "{v:?}");
        assert_eq!(session.id(), ID);
        assert_eq!(session.created_at_ms(), NOW);
        assert!(!session.is_new());
        assert!(!session.is_dirty());
    }
}

#[test]
fn rust_seals_h3_unseals_exactly_what_h3_would_write() {
    for v in VERSIONS {
        let clock = ManualClock::new(NOW);
        let config = config(v, &clock);
        let mut session = Session::<Counter>::new(&config);
        session.set_count(7);
        let sealed = session.seal(&config).unwrap();
        assert!(sealed.starts_with("Fe26.2**"), "{sealed}");
        let id = session.id();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        let (json, legacy) = h3_unseal(v, P, &sealed, &["--now", &now_arg(NOW)]).unwrap();
        assert_eq!(
            json,
            format!(r#"{{"id":"{id}","createdAt":{NOW},"data":{{"count":7}}}}"#),
            "{v:?}"
        );
        assert!(!legacy);
        // The plaintext is byte-for-byte JSON.stringify's.
        assert_eq!(h3_codec(v).unseal(&sealed, NOW).unwrap().json, json);
    }
}

#[test]
fn keys_only_h3_knows_survive_a_rust_write() {
    for v in VERSIONS {
        let sealed = h3_seal(v, P, FROM_H3, &[]);
        let clock = ManualClock::new(NOW + 1_000);
        let config = config(v, &clock);
        let mut session = Session::<Counter>::unseal(&config, &sealed).unwrap();
        session.set_count(session.count() + 1);
        let Saved::Write(resealed) = saved(session.save(&config)) else {
            panic!("a write must be saved");
        };
        let (json, _) = h3_unseal(v, P, &resealed, &["--now", &now_arg(NOW + 1_000)]).unwrap();
        assert_eq!(
            json,
            FROM_H3.replace(r#""count":3"#, r#""count":4"#),
            "{v:?}"
        );
    }
}

#[test]
fn max_age_is_absolute_from_created_at_inclusive() {
    let max_age = Duration::from_mins(1);
    for v in VERSIONS {
        let clock = ManualClock::new(NOW);
        let config = config(v, &clock).with_max_age(max_age);
        let mut session = Session::<Counter>::new(&config);
        session.set_count(1);
        let ours = session.seal(&config).unwrap();
        // h3's ttl: maxAge * 1000 from the seal.
        assert_eq!(expiration(&ours), (NOW + 60_000).to_string());
        let session_json = format!(
            r#"{{"id":"{}","createdAt":{NOW},"data":{{"count":1}}}}"#,
            session.id()
        );
        let theirs = h3_seal(
            v,
            P,
            &session_json,
            &["--now", &now_arg(NOW), "--max-age", "60"],
        );
        assert_eq!(expiration(&theirs), (NOW + 60_000).to_string());

        for sealed in [&ours, &theirs] {
            clock.set_ms(NOW + 60_000);
            let opened = Session::<Counter>::unseal(&config, sealed).unwrap();
            assert_eq!(*opened.count(), 1);
            clock.set_ms(NOW + 60_001);
            assert_eq!(
                Session::<Counter>::unseal(&config, sealed).unwrap_err(),
                UnsealError::Expired(Expiry::Absolute),
                "{v:?}"
            );
        }
        // h3 draws the same line on our seal.
        let at = |ms: u64| h3_unseal(v, P, &ours, &["--max-age", "60", "--now", &now_arg(ms)]);
        assert_eq!(at(NOW + 60_000).unwrap().0, session_json);
        assert_eq!(at(NOW + 60_001).unwrap_err(), "Session expired!");

        // Without h3's createdAt check, only iron's ttl + 60 s skew would apply.
        let no_max_age = config.clone().with_max_age(None);
        clock.set_ms(NOW + 119_999);
        assert!(Session::<Counter>::unseal(&no_max_age, &ours).is_ok());
        clock.set_ms(NOW + 120_000);
        assert_eq!(
            Session::<Counter>::unseal(&no_max_age, &ours).unwrap_err(),
            UnsealError::Iron(IronError::Expired {
                expiration_ms: NOW + 60_000
            })
        );
    }
}

#[test]
fn idle_timeout_stamps_last_seen_at_and_expires_after_the_window() {
    let clock = ManualClock::new(NOW);
    let config = config(H3Version::V2, &clock).with_idle_timeout(Duration::from_mins(1));
    let mut session = Session::<Counter>::new(&config);
    session.set_count(1);
    let sealed = session.seal(&config).unwrap();
    // v2's ttl falls back to the idle timeout.
    assert_eq!(expiration(&sealed), (NOW + 60_000).to_string());
    let (json, _) = h3_unseal(H3Version::V2, P, &sealed, &["--now", &now_arg(NOW)]).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"id":"{}","createdAt":{NOW},"data":{{"count":1}},"lastSeenAt":{NOW}}}"#,
            session.id()
        )
    );
    clock.set_ms(NOW + 60_000);
    let opened = Session::<Counter>::unseal(&config, &sealed).unwrap();
    assert_eq!(opened.last_seen_ms(), NOW);
    // More than half the window is gone: a plain read slides it.
    assert!(matches!(saved(opened.save(&config)), Saved::Write(_)));
    clock.set_ms(NOW + 60_001);
    assert_eq!(
        Session::<Counter>::unseal(&config, &sealed).unwrap_err(),
        UnsealError::Expired(Expiry::Idle)
    );
}

#[test]
fn password_rotation_by_id() {
    const OLD: &str = "the old password, at least thirty-two chars";
    const NEW: &str = "the new password, at least thirty-two chars";
    let map = format!(r#"{{"1":"{OLD}","2":"{NEW}"}}"#);
    for v in VERSIONS {
        let sealed = h3_seal(v, &map, FROM_H3, &["--seal-id", "1"]);
        assert!(sealed.starts_with("Fe26.2*1*"), "{sealed}");
        let clock = ManualClock::new(NOW);
        let rotating = Passwords::rotating("2", NEW)
            .unwrap()
            .with_previous("1", OLD)
            .unwrap();
        let config =
            SessionConfig::<Counter>::new(H3Format::new(v, rotating).unwrap()).with_clock(clock);
        let session = Session::<Counter>::unseal(&config, &sealed).unwrap();
        assert_eq!(*session.count(), 3);
        // Opened with a previous password: saving re-seals with the current one.
        let Saved::Write(resealed) = saved(session.save(&config)) else {
            panic!("an old-password seal must be re-sealed");
        };
        assert!(resealed.starts_with("Fe26.2*2*"), "{resealed}");
        assert_eq!(h3_unseal(v, &map, &resealed, &[]).unwrap().0, FROM_H3);

        let only_new = SessionConfig::<Counter>::new(
            H3Format::new(v, Passwords::rotating("2", NEW).unwrap()).unwrap(),
        );
        assert_eq!(
            Session::<Counter>::unseal(&only_new, &sealed).unwrap_err(),
            UnsealError::Iron(IronError::UnknownPasswordId("1".into()))
        );
    }
}

#[test]
fn v2_opens_legacy_seals_and_reseals_them_on_save() {
    let legacy = h3_seal(H3Version::V1, P, FROM_H3, &[]);
    let clock = ManualClock::new(NOW);
    let config = config(H3Version::V2, &clock);
    let session = Session::<Counter>::unseal(&config, &legacy).unwrap();
    assert_eq!(*session.count(), 3);
    assert!(!session.is_dirty());
    let Saved::Write(resealed) = saved(session.save(&config)) else {
        panic!("a legacy seal must be re-sealed");
    };
    let (json, was_legacy) = h3_unseal(H3Version::V2, P, &resealed, &[]).unwrap();
    assert_eq!(json, FROM_H3);
    assert!(!was_legacy, "re-sealed with 8192 iterations");
    assert_eq!(
        h3_unseal(H3Version::V1, P, &resealed, &[]).unwrap_err(),
        "Bad hmac value"
    );
    // A current seal is not re-sealed on a plain read.
    let current = Session::<Counter>::unseal(&config, &resealed).unwrap();
    assert_eq!(saved(current.save(&config)), Saved::Unchanged);

    // legacySealFallback: false
    let strict = IronCodec::new(
        Passwords::single(P).unwrap(),
        IronParams::H3_V2.with_legacy_fallback(false),
    )
    .unwrap();
    let strict =
        SessionConfig::<Counter>::new(H3Format::from_codec(H3Version::V2, Arc::new(strict)));
    assert_eq!(
        Session::<Counter>::unseal(&strict, &legacy).unwrap_err(),
        UnsealError::Iron(IronError::BadHmac)
    );
    // And v1 cannot read v2.
    let v2_seal = h3_seal(H3Version::V2, P, FROM_H3, &[]);
    assert_eq!(
        Session::<Counter>::unseal(&self::config(H3Version::V1, &clock), &v2_seal).unwrap_err(),
        UnsealError::Iron(IronError::BadHmac)
    );
}

#[test]
fn a_seal_without_id_keeps_its_data_and_gets_a_new_id_and_created_at() {
    for v in VERSIONS {
        let sealed = h3_seal(
            v,
            P,
            r#"{"createdAt":1700000000000,"data":{"count":2,"fromNode":"x"}}"#,
            &[],
        );
        let clock = ManualClock::new(NOW + 5);
        let config = config(v, &clock);
        let session = Session::<Counter>::unseal(&config, &sealed).unwrap();
        assert_eq!(*session.count(), 2);
        assert_eq!(session.id().len(), 36);
        assert_eq!(session.created_at_ms(), NOW + 5);
        assert!(session.is_new());
        let Saved::Write(resealed) = saved(session.save(&config)) else {
            panic!("the new id must be written");
        };
        let (json, _) = h3_unseal(v, P, &resealed, &[]).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"id":"{}","createdAt":{},"data":{{"count":2,"fromNode":"x"}}}}"#,
                session.id(),
                NOW + 5
            )
        );
    }
}

#[test]
fn hostile_input_is_a_typed_error_never_a_panic() {
    let clock = ManualClock::new(NOW);
    for v in VERSIONS {
        let config = config(v, &clock);
        let mut session = Session::<Counter>::new(&config);
        session.set_count(1);
        let good = session.seal(&config).unwrap();
        let mut inputs: Vec<String> = [
            "",
            "*",
            "Fe26.2",
            "Fe26.2*******",
            "Fe27.2**a*b*c**d*e",
            "Fe26.2**a*b*c*x*d*e",
            "Fe26.2*ä*a*b*c**d*e",
            "\u{0}\u{7f}💥",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        inputs.push(good.replace("Fe26.2**", "Fe26.2*1*"));
        for cut in (0..good.len()).step_by(7) {
            inputs.push(good[..cut].to_owned());
            let mut flipped = good.clone().into_bytes();
            flipped[cut] = if flipped[cut] == b'A' { b'B' } else { b'A' };
            inputs.push(String::from_utf8(flipped).unwrap());
        }
        inputs.push("x".repeat(10_000));
        for input in &inputs {
            if input == &good {
                continue;
            }
            let err = Session::<Counter>::unseal(&config, input).unwrap_err();
            assert!(!err.to_string().is_empty());
        }

        // Authentic seals of odd objects: tolerant where h3 is, `Corrupt` where it
        // cannot be a session, and never a panic.
        let codec = h3_codec(v);
        let open = |json: &str| {
            let sealed = codec.seal(json, NOW).unwrap();
            Session::<Counter>::unseal(&config, &sealed)
        };
        for json in [
            "null",
            "[]",
            "1",
            r#""s""#,
            r#"{"id":"a","data":"s"}"#,
            r#"{"id":"a","data":[1]}"#,
        ] {
            assert_eq!(open(json).unwrap_err(), UnsealError::Corrupt, "{json}");
        }
        let odd = open(r#"{"id":5,"createdAt":"x","data":{"count":"many"},"extra":1}"#).unwrap();
        assert_eq!(
            *odd.count(),
            0,
            "a field that does not decode takes its default"
        );
        assert_eq!(odd.id().len(), 36, "a non-string id is replaced");
        let no_data = open(r#"{"id":"a","createdAt":1700000000000}"#).unwrap();
        assert_eq!((no_data.id(), *no_data.count()), ("a", 0));
        let with_max_age = config.clone().with_max_age(Duration::from_mins(1));
        let sealed = codec.seal(r#"{"id":"a","data":{}}"#, NOW).unwrap();
        assert_eq!(
            Session::<Counter>::unseal(&with_max_age, &sealed).unwrap_err(),
            UnsealError::Expired(Expiry::Absolute),
            "h3: no createdAt with a maxAge is expired"
        );
    }
}

#[test]
fn a_short_password_is_refused_at_configuration_time() {
    assert!(matches!(
        SessionConfig::<Counter>::h3(H3Version::V2, "too short"),
        Err(IronError::PasswordTooShort { min: 32, len: 9 })
    ));
    assert_eq!(
        SessionConfig::<Counter>::h3(H3Version::V1, "").unwrap_err(),
        IronError::EmptyPassword
    );
}

#[test]
fn a_null_optional_value_is_not_a_value() {
    #[derive(Session)]
    struct Profile {
        user: Option<String>,
    }
    let clock = ManualClock::new(NOW);
    let config = SessionConfig::<Profile>::h3(H3Version::V1, P)
        .unwrap()
        .with_clock(clock);
    let codec = IronCodec::new(Passwords::single(P).unwrap(), H3Version::V1.params()).unwrap();
    let sealed = codec
        .seal(
            r#"{"id":"x","createdAt":1700000000000,"data":{"user":null}}"#,
            NOW,
        )
        .unwrap();
    let session = Session::<Profile>::unseal(&config, &sealed).unwrap();
    assert!(!session.has_user());
    assert_eq!(session.len(), 0);
    assert!(session.is_empty());
}
