//! Interop with the real h3 (v1 and v2 lines) through the node harness in `interop/h3`.
//!
//! Requires `interop/h3/setup.sh` to have run (it installs h3@1 and h3@2 with npm); the
//! tests fail, not skip, when the harness is missing.

use session_runtime::h3::H3Version;
use session_runtime::h3::iron::{IronCodec, IronError, Passwords};
use session_tests::node::{P, h3_seal, h3_unseal};

const SESSION: &str = r#"{"id":"3b4c9f5e-1f00-4d1f-9a57-6f1f0e0f2a11","createdAt":1700000000000,"data":{"count":3,"other":"x"}}"#;
const NOW: u64 = 1_700_000_000_000;

fn codec(v: H3Version, secret: &str) -> IronCodec {
    IronCodec::new(Passwords::single(secret).unwrap(), v.params()).unwrap()
}

#[test]
fn h3_seals_rust_unseals() {
    for v in [H3Version::V1, H3Version::V2] {
        let sealed = h3_seal(v, P, SESSION, &[]);
        assert!(sealed.starts_with("Fe26.2**"), "{sealed}");
        let opened = codec(v, P).unseal(&sealed, NOW).unwrap();
        assert_eq!(opened.json, SESSION, "{v:?}");
        assert!(!opened.legacy);
        assert_eq!(opened.expiration_ms, None);
    }
}

#[test]
fn rust_seals_h3_unseals() {
    for v in [H3Version::V1, H3Version::V2] {
        let c = codec(v, P);
        // Twice: the second seal reuses the codec's salts and keys (warm path).
        for _ in 0..2 {
            let sealed = c.seal(SESSION, NOW).unwrap();
            let (json, legacy) = h3_unseal(v, P, &sealed, &[]).unwrap();
            assert_eq!(json, SESSION, "{v:?}");
            assert!(!legacy);
        }
    }
}

#[test]
fn unicode_and_javascript_escapes_cross_both_ways() {
    // Exactly JSON.stringify's form: raw non-ASCII and U+2028, \u00xx controls, lone surrogates.
    let json = "{\"id\":\"u\",\"createdAt\":1700000000000,\"data\":{\"msg\":\"héllo ✓ 日本 😀\",\"ctl\":\"\\u0001\\n\\\"\",\"ls\":\"\u{2028}\",\"lone\":\"\\ud800\",\"big\":1e+21,\"f\":0.1}}";
    for v in [H3Version::V1, H3Version::V2] {
        let sealed = h3_seal(v, P, json, &[]);
        assert_eq!(
            codec(v, P).unseal(&sealed, NOW).unwrap().json,
            json,
            "{v:?}"
        );
        let ours = codec(v, P).seal(json, NOW).unwrap();
        assert_eq!(h3_unseal(v, P, &ours, &[]).unwrap().0, json, "{v:?}");
    }
}

/// The fixed sealing material and results of the known-answer vectors of
/// `shared/reference/seed-systems.md` §1.6 (produced there by h3@1.15.11 and h3@2.0.8),
/// copied from `session-runtime/src/h3/iron/tests.rs`, whose
/// `h3_vectors_seal_byte_for_byte` asserts that our codec, sealing with this material,
/// gives exactly these tickets. This file asserts that the real h3 still does: the two
/// together keep Rust and h3 byte-for-byte equal.
mod kat {
    /// §1.6 encSalt.
    pub(crate) const ENC_SALT: &str =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    /// §1.6 hmacSalt.
    pub(crate) const MAC_SALT: &str =
        "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    /// §1.6 iv (hex `000102…0f`).
    pub(crate) const IV_B64: &str = "AAECAwQFBgcICQoLDA0ODw";
    /// §1.6 session.
    pub(crate) const SESSION: &str = r#"{"id":"1","createdAt":1700000000000,"data":{"foo":"bar"}}"#;
    /// §1.6 Unicode session.
    pub(crate) const SESSION_UNICODE: &str =
        r#"{"id":"u","createdAt":1700000000000,"data":{"msg":"héllo ✓ 日本"}}"#;
    /// §1.6 ciphertext, h3@1 (1 iteration), `SESSION`.
    pub(crate) const CT_V1: &str =
        "zdNfqmd895uFXMu5wnhAD7xOhxCsy5nZIbHXXSla0N0Q-LGoPVEnQ4B7--w6bEG8UM6H4vIV_8h-VGmcrr2RBg";
    /// §1.6 ciphertext, h3@2 (8192 iterations), `SESSION`.
    pub(crate) const CT_V2: &str =
        "Q8sgZy2fu4KRd0Pr9Xv9bHdY86BfAD6tZLvBZEqPJNEySEm6eaKGOXfoi1Cfqp3qUSatHLHwKqdgI0PIweA0kQ";
    /// §1.6 ciphertext, h3@1, `SESSION_UNICODE`.
    pub(crate) const CT_V1_UNICODE: &str = "M25JPf90rTYDFxseb__7bAajRp55dq7RPQFDa58ANEmhWdXHFuQfdub-xKuN87XWkFYEceIsDSrSdhd8vFQCLQgIcyFyRV-p4pYtjThkZ4I";
    /// §1.6 ciphertext, h3@2, `SESSION_UNICODE`.
    pub(crate) const CT_V2_UNICODE: &str = "n31pg7BP7dE-YF94XSk4ji558Wgl7T5e3zL_4XhMeuyXCj7wAXHOGaCiuhjDwXi5EtjtaVgapwKGfqaHAVMyu1x0wgBCsqpm1N8QuUEhDyE";

    /// The ticket of §1.6: `Fe26.2**salt*iv*ct*expiration*salt*hmac`.
    pub(crate) fn ticket(ct: &str, expiration: &str, hmac: &str) -> String {
        format!("Fe26.2**{ENC_SALT}*{IV_B64}*{ct}*{expiration}*{MAC_SALT}*{hmac}")
    }
}

#[test]
fn fixed_salts_reproduce_h3_byte_for_byte() {
    use kat::{CT_V1, CT_V1_UNICODE, CT_V2, CT_V2_UNICODE, SESSION, SESSION_UNICODE, ticket};
    // (version, session, maxAge, the §1.6 ticket).
    let cases = [
        (
            H3Version::V1,
            SESSION,
            None,
            ticket(CT_V1, "", "pvQDs5Emurp04Ujrlb3j5EKCdjWg8_OyUijDTtLHOng"),
        ),
        (
            H3Version::V1,
            SESSION,
            Some(3600_u64),
            ticket(
                CT_V1,
                "1700003600000",
                "khv0TLuDKB2Gz-RLhAbx4HSBDSFbPWO0IvMeANcacl0",
            ),
        ),
        (
            H3Version::V2,
            SESSION,
            None,
            ticket(CT_V2, "", "HmrzAQdz-Aq2IM2r_XXj24Ycm4Nbta2HGUkRWC53Lj0"),
        ),
        (
            H3Version::V2,
            SESSION,
            Some(3600),
            ticket(
                CT_V2,
                "1700003600000",
                "jkOGVvTzmkqceUbP3f_L3fKfdrQ2lmtBOBbUEX5MDp8",
            ),
        ),
        (
            H3Version::V1,
            SESSION_UNICODE,
            None,
            ticket(
                CT_V1_UNICODE,
                "",
                "S6h5gwIZNlPrSXg2KXmVtUMU9pFKZo1NZgRdbWBRNdc",
            ),
        ),
        (
            H3Version::V2,
            SESSION_UNICODE,
            None,
            ticket(
                CT_V2_UNICODE,
                "",
                "YOyM4Sz08IM0jwuMkPc9L-yrCiExcNh0sdf0MziiGmw",
            ),
        ),
    ];
    let now = NOW.to_string();
    for (v, session, max_age, expected) in cases {
        let mut extra = vec![
            "--enc-salt",
            kat::ENC_SALT,
            "--mac-salt",
            kat::MAC_SALT,
            "--iv-b64",
            kat::IV_B64,
            "--now",
            now.as_str(),
        ];
        let max_age_text = max_age.map(|m| m.to_string());
        if let Some(m) = &max_age_text {
            extra.extend(["--max-age", m.as_str()]);
        }
        let theirs = h3_seal(v, P, session, &extra);
        assert_eq!(theirs, expected, "h3 {v:?} maxAge {max_age:?} {session}");
        // And our codec opens h3's ticket to the same session.
        let opened = codec(v, P).unseal(&theirs, NOW).unwrap();
        assert_eq!(opened.json, session, "{v:?} maxAge {max_age:?}");
        assert_eq!(
            opened.expiration_ms,
            max_age.map(|m| NOW + m * 1000),
            "{v:?} maxAge {max_age:?}"
        );
    }
}

#[test]
fn legacy_fallback_matches_h3_v2() {
    // h3 v1 seal -> Rust v2 opens it as legacy; Rust v1 seal -> h3 v2 opens it as legacy.
    let h3_v1_sealed = h3_seal(H3Version::V1, P, SESSION, &[]);
    let opened = codec(H3Version::V2, P).unseal(&h3_v1_sealed, NOW).unwrap();
    assert!(opened.legacy);
    assert_eq!(opened.json, SESSION);

    let rust_v1_sealed = codec(H3Version::V1, P).seal(SESSION, NOW).unwrap();
    assert_eq!(
        h3_unseal(H3Version::V2, P, &rust_v1_sealed, &[]).unwrap(),
        (SESSION.to_owned(), true)
    );
    assert_eq!(
        h3_unseal(H3Version::V2, P, &rust_v1_sealed, &["--no-legacy-fallback"]).unwrap_err(),
        "Bad hmac value"
    );

    // Neither v1 reads v2 seals.
    let rust_v2_sealed = codec(H3Version::V2, P).seal(SESSION, NOW).unwrap();
    assert_eq!(
        h3_unseal(H3Version::V1, P, &rust_v2_sealed, &[]).unwrap_err(),
        "Bad hmac value"
    );
    let h3_v2_sealed = h3_seal(H3Version::V2, P, SESSION, &[]);
    assert_eq!(
        codec(H3Version::V1, P)
            .unseal(&h3_v2_sealed, NOW)
            .unwrap_err(),
        IronError::BadHmac
    );
}

#[test]
fn rotation_matches_h3_runtime_password_maps() {
    const OLD: &str = "old secret, at least thirty-two characters";
    const NEW: &str = "new secret, at least thirty-two characters";
    let map = serde_json::json!({ "1": OLD, "2": NEW }).to_string();
    for v in [H3Version::V1, H3Version::V2] {
        let rust = IronCodec::new(
            Passwords::rotating("2", NEW)
                .unwrap()
                .with_previous("1", OLD)
                .unwrap(),
            v.params(),
        )
        .unwrap();
        // h3 seals with {id: "1", secret}; Rust opens it through its map.
        let theirs = h3_seal(v, &map, SESSION, &["--seal-id", "1"]);
        assert!(theirs.starts_with("Fe26.2*1*"), "{theirs}");
        let opened = rust.unseal(&theirs, NOW).unwrap();
        assert_eq!(
            (opened.json.as_str(), opened.password_id.as_str()),
            (SESSION, "1")
        );
        // Rust seals with id "2"; h3 opens it with the map.
        let ours = rust.seal(SESSION, NOW).unwrap();
        assert!(ours.starts_with("Fe26.2*2*"));
        assert_eq!(h3_unseal(v, &map, &ours, &[]).unwrap().0, SESSION);
        // An id h3 does not know: the same message.
        let only_old = serde_json::json!({ "1": OLD }).to_string();
        assert_eq!(
            h3_unseal(v, &only_old, &ours, &[]).unwrap_err(),
            "Cannot find password: 2"
        );
    }
}

#[test]
fn seal_expiry_boundary_matches_h3() {
    // maxAge 60 -> ttl 60 s. createdAt is far in the future so that h3's own
    // `createdAt + maxAge` check never fires and only iron's expiration (+ 60 s skew) decides.
    let session = r#"{"id":"e","createdAt":99999999999999,"data":{}}"#;
    for v in [H3Version::V1, H3Version::V2] {
        let now = NOW.to_string();
        let sealed = h3_seal(v, P, session, &["--now", now.as_str(), "--max-age", "60"]);
        let exp = NOW + 60_000;
        assert_eq!(sealed.split('*').nth(5), Some(exp.to_string().as_str()));
        let c = IronCodec::new(
            Passwords::single(P).unwrap(),
            v.params().with_ttl_ms(60_000),
        )
        .unwrap();
        for (at, accepted) in [
            (exp + 59_999, true),
            (exp + 60_000, false),
            (exp + 60_001, false),
        ] {
            let at_text = at.to_string();
            let theirs = h3_unseal(
                v,
                P,
                &sealed,
                &["--now", at_text.as_str(), "--max-age", "60"],
            );
            let ours = c.unseal(&sealed, at);
            assert_eq!(theirs.is_ok(), accepted, "h3 {v:?} at exp+{}", at - exp);
            assert_eq!(ours.is_ok(), accepted, "rust {v:?} at exp+{}", at - exp);
            if !accepted {
                assert_eq!(theirs.unwrap_err(), "Expired seal");
                assert!(matches!(ours, Err(IronError::Expired { .. })));
            }
        }
    }
}

#[test]
fn failures_carry_the_same_messages_as_h3() {
    for v in [H3Version::V1, H3Version::V2] {
        let sealed = codec(v, P).seal(SESSION, NOW).unwrap();
        let cases = [
            format!("x*{sealed}"),
            sealed.replacen("Fe26.2", "Fe27.2", 1),
            format!("{sealed}A"),
        ];
        for case in cases {
            let theirs = h3_unseal(v, P, &case, &[]).unwrap_err();
            let ours = codec(v, P).unseal(&case, NOW).unwrap_err();
            assert_eq!(ours.to_string(), theirs, "{v:?}");
        }
        let other = "another password that is long enough!!";
        assert_eq!(
            h3_unseal(v, other, &sealed, &[]).unwrap_err(),
            "Bad hmac value"
        );
        assert_eq!(
            codec(v, other).unseal(&sealed, NOW).unwrap_err(),
            IronError::BadHmac
        );
    }
}
