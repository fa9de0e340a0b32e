//! Known-answer and behaviour tests for the iron `Fe26.2` codec (h3 sessions),
//! inside the crate: they seal with fixed salts and IVs, which the public API does
//! not offer.
//!
//! Vectors: seed-systems.md §1.6 (produced by the real h3@1.15.11 / h3@2.0.8); failures:
//! the iron test suites summarised in §7.2.

use super::codec::SealMaterial;
use super::passwords::check_password;
use super::{IronCodec, IronError, IronParams, Passwords};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt as _, KeyIvInit as _};
use hmac::{KeyInit as _, Mac as _};
use proptest::prelude::*;

/// PBKDF2 of a text password, as the vectors give them.
fn derive_key(password: &str, salt: &str, iterations: u32) -> [u8; 32] {
    *super::primitives::derive_key(password.as_bytes(), salt, iterations)
}

const IRON_PW: &str = "some_not_random_password_that_is_also_long_enough";
const IRON_OBJ: &str = r#"{"a":1,"b":2,"c":[3,4,5],"d":{"e":"f"}}"#;
const IRON_TICKET: &str = "Fe26.2**0cdd607945dd1dffb7da0b0bf5f1a7daa6218cbae14cac51dcbd91fb077aeb5b*aOZLCKLhCt0D5IU1qLTtYw*g0ilNDlQ3TsdFUqJCqAm9iL7Wa60H7eYcHL_5oP136TOJREkS3BzheDC1dlxz5oJ**05b8943049af490e913bbc3a2485bee2aaf7b823f4c41d0ff0b7c168371a3772*R8yscVdTBRMdsoVbdDiFmUL8zb-c3PQLGJn4Y8C-AqI";

const P: &str = "1234567123456712345671234567123456712345671234567";
const ENC_SALT: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const MAC_SALT: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const IV_B64: &str = "AAECAwQFBgcICQoLDA0ODw";
const SESSION: &str = r#"{"id":"1","createdAt":1700000000000,"data":{"foo":"bar"}}"#;
const SESSION_UNICODE: &str =
    r#"{"id":"u","createdAt":1700000000000,"data":{"msg":"héllo ✓ 日本"}}"#;
const NOW: u64 = 1_700_000_000_000;

const CT_V1: &str =
    "zdNfqmd895uFXMu5wnhAD7xOhxCsy5nZIbHXXSla0N0Q-LGoPVEnQ4B7--w6bEG8UM6H4vIV_8h-VGmcrr2RBg";
const CT_V2: &str =
    "Q8sgZy2fu4KRd0Pr9Xv9bHdY86BfAD6tZLvBZEqPJNEySEm6eaKGOXfoi1Cfqp3qUSatHLHwKqdgI0PIweA0kQ";
const CT_V1_UNICODE: &str = "M25JPf90rTYDFxseb__7bAajRp55dq7RPQFDa58ANEmhWdXHFuQfdub-xKuN87XWkFYEceIsDSrSdhd8vFQCLQgIcyFyRV-p4pYtjThkZ4I";
const CT_V2_UNICODE: &str = "n31pg7BP7dE-YF94XSk4ji558Wgl7T5e3zL_4XhMeuyXCj7wAXHOGaCiuhjDwXi5EtjtaVgapwKGfqaHAVMyu1x0wgBCsqpm1N8QuUEhDyE";

fn iv_bytes(b64: &str) -> [u8; 16] {
    URL_SAFE_NO_PAD
        .decode(b64)
        .expect("valid iv")
        .try_into()
        .expect("16 bytes")
}

fn fixed_material() -> SealMaterial {
    SealMaterial {
        encryption_salt: ENC_SALT.into(),
        integrity_salt: MAC_SALT.into(),
        iv: iv_bytes(IV_B64),
    }
}

fn codec(secret: &str, params: IronParams) -> IronCodec {
    IronCodec::new(Passwords::single(secret).expect("password"), params).expect("codec")
}

fn ticket(ct: &str, exp: &str, hmac: &str) -> String {
    format!("Fe26.2**{ENC_SALT}*{IV_B64}*{ct}*{exp}*{MAC_SALT}*{hmac}")
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Builds a ticket whose HMAC is valid (one iteration) over arbitrary fields 0..=5.
fn forge(secret: &str, fields: [&str; 6]) -> String {
    let base = fields.join("*");
    let key = derive_key(secret, MAC_SALT, 1);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(base.as_bytes());
    let digest = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{base}*{MAC_SALT}*{digest}")
}

/// AES-256-CBC of `plaintext` under the one-iteration key for `ENC_SALT`, base64url.
fn encrypt(secret: &str, plaintext: &[u8]) -> String {
    let key = derive_key(secret, ENC_SALT, 1);
    let ct = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv_bytes(IV_B64).into())
        .encrypt_padded_vec::<Pkcs7>(plaintext);
    URL_SAFE_NO_PAD.encode(ct)
}

// ----------------------------------------------------------------------------------------
// Known answers (§1.6)
// ----------------------------------------------------------------------------------------

#[test]
fn pbkdf2_intermediate_keys() {
    let cases = [
        (
            1,
            ENC_SALT,
            "41d40b6d858524d92d22d0d2dd89a6863e5fdcb86ac631661150425363a7026e",
        ),
        (
            1,
            MAC_SALT,
            "bc3749fa79cc2823bfced3ec60571fe772b1d942b9042904b2e96eb2c40f9f15",
        ),
        (
            8192,
            ENC_SALT,
            "fc9758495e2eb06a28e07c9a261c7afdc7d1a8878405db756a5ec7cd8ad0f7af",
        ),
        (
            8192,
            MAC_SALT,
            "6ebc81dbd2f6b522d185fed8a3c5914d25144cfccf92aa63b8d4da96c9fe072e",
        ),
    ];
    for (iterations, salt, expected) in cases {
        assert_eq!(
            hex(&derive_key(P, salt, iterations)),
            expected,
            "{iterations} {salt}"
        );
    }
}

#[test]
fn upstream_iron_vector_seals_byte_for_byte_and_unseals() {
    let fields: Vec<&str> = IRON_TICKET.split('*').collect();
    let material = SealMaterial {
        encryption_salt: fields[2].into(),
        integrity_salt: fields[6].into(),
        iv: iv_bytes(fields[3]),
    };
    let c = codec(IRON_PW, IronParams::H3_V1);
    assert_eq!(c.seal_with(IRON_OBJ, NOW, &material).unwrap(), IRON_TICKET);
    let opened = c.unseal(IRON_TICKET, NOW).unwrap();
    assert_eq!(opened.json, IRON_OBJ);
    assert!(!opened.legacy);
    assert_eq!(opened.password_id, "");
    assert_eq!(opened.expiration_ms, None);
    // A rotating set unseals the id-less ticket through `default`.
    let rotating =
        IronCodec::new(Passwords::rotating("", IRON_PW).unwrap(), IronParams::H3_V1).unwrap();
    assert_eq!(rotating.unseal(IRON_TICKET, NOW).unwrap().json, IRON_OBJ);
}

#[test]
fn h3_vectors_seal_byte_for_byte() {
    let v1 = IronParams::H3_V1;
    let v2 = IronParams::H3_V2;
    let hour = 3_600_000;
    let cases = [
        (
            v1,
            SESSION,
            ticket(CT_V1, "", "pvQDs5Emurp04Ujrlb3j5EKCdjWg8_OyUijDTtLHOng"),
        ),
        (
            v1.with_ttl_ms(hour),
            SESSION,
            ticket(
                CT_V1,
                "1700003600000",
                "khv0TLuDKB2Gz-RLhAbx4HSBDSFbPWO0IvMeANcacl0",
            ),
        ),
        (
            v2,
            SESSION,
            ticket(CT_V2, "", "HmrzAQdz-Aq2IM2r_XXj24Ycm4Nbta2HGUkRWC53Lj0"),
        ),
        (
            v2.with_ttl_ms(hour),
            SESSION,
            ticket(
                CT_V2,
                "1700003600000",
                "jkOGVvTzmkqceUbP3f_L3fKfdrQ2lmtBOBbUEX5MDp8",
            ),
        ),
        (
            v1,
            SESSION_UNICODE,
            ticket(
                CT_V1_UNICODE,
                "",
                "S6h5gwIZNlPrSXg2KXmVtUMU9pFKZo1NZgRdbWBRNdc",
            ),
        ),
        (
            v2,
            SESSION_UNICODE,
            ticket(
                CT_V2_UNICODE,
                "",
                "YOyM4Sz08IM0jwuMkPc9L-yrCiExcNh0sdf0MziiGmw",
            ),
        ),
    ];
    for (i, (params, json, expected)) in cases.iter().enumerate() {
        let c = codec(P, *params);
        let sealed = c.seal_with(json, NOW, &fixed_material()).unwrap();
        assert_eq!(&sealed, expected, "case {i}");
        let opened = c.unseal(&sealed, NOW).unwrap();
        assert_eq!(opened.json, *json, "case {i}");
        assert!(!opened.legacy, "case {i}");
        let expected_exp = (params.ttl_ms > 0).then_some(NOW + params.ttl_ms);
        assert_eq!(opened.expiration_ms, expected_exp, "case {i}");
    }
}

// ----------------------------------------------------------------------------------------
// Iron test-suite behaviours (§7.2)
// ----------------------------------------------------------------------------------------

#[test]
fn round_trips_from_the_iron_suite() {
    // String password, unsealed through a map's `default`.
    let string_pw = codec(IRON_PW, IronParams::H3_V1);
    let sealed = string_pw.seal(IRON_OBJ, NOW).unwrap();
    let by_default =
        IronCodec::new(Passwords::rotating("", IRON_PW).unwrap(), IronParams::H3_V1).unwrap();
    assert_eq!(by_default.unseal(&sealed, NOW).unwrap().json, IRON_OBJ);

    // ttl 200.
    let c = codec(IRON_PW, IronParams::H3_V1.with_ttl_ms(200));
    let sealed = c.seal(IRON_OBJ, NOW).unwrap();
    assert_eq!(sealed.split('*').nth(5), Some("1700000000200"));
    assert_eq!(c.unseal(&sealed, NOW).unwrap().json, IRON_OBJ);

    // ttl with localtimeOffsetMsec -100000 on both sides, and offset 0.
    for offset in [-100_000, 0] {
        let params = IronParams::H3_V1
            .with_ttl_ms(200)
            .with_localtime_offset_ms(offset);
        let c = codec(IRON_PW, params);
        let sealed = c.seal(IRON_OBJ, NOW).unwrap();
        let exp = i128::from(NOW) + i128::from(offset) + 200;
        assert_eq!(sealed.split('*').nth(5), Some(exp.to_string().as_str()));
        assert_eq!(c.unseal(&sealed, NOW).unwrap().json, IRON_OBJ);
    }

    // {id: "1", secret} unsealed by {"1": pw}.
    let with_id = IronCodec::new(
        Passwords::rotating("1", IRON_PW).unwrap(),
        IronParams::H3_V1,
    )
    .unwrap();
    let sealed = with_id.seal(IRON_OBJ, NOW).unwrap();
    assert!(sealed.starts_with("Fe26.2*1*"));
    assert_eq!(with_id.unseal(&sealed, NOW).unwrap().password_id, "1");
}

#[test]
fn seal_failures() {
    assert_eq!(Passwords::single("").unwrap_err(), IronError::EmptyPassword);
    let short = "a".repeat(31);
    assert_eq!(
        Passwords::single(short.as_str()).unwrap_err(),
        IronError::PasswordTooShort { min: 32, len: 31 }
    );
    assert_eq!(
        Passwords::single(short.as_str()).unwrap_err().to_string(),
        "Password string too short (min 32 characters required)"
    );
    assert!(Passwords::single("a".repeat(32)).is_ok());
    // Counted in UTF-16 code units: 16 astral characters are 32 units (64 bytes, 16 chars).
    assert!(check_password(&"😀".repeat(16)).is_ok());
    assert!(matches!(
        check_password(&format!("{}a", "😀".repeat(15))),
        Err(IronError::PasswordTooShort { len: 31, .. })
    ));
    // 31 two-byte characters are 62 bytes but only 31 units.
    assert!(check_password(&"é".repeat(31)).is_err());

    let bad_id = Passwords::rotating("asd$", IRON_PW).unwrap_err();
    assert_eq!(bad_id, IronError::InvalidPasswordId("asd$".into()));
    assert_eq!(bad_id.to_string(), "Invalid password id");
    assert!(Passwords::rotating("a-b", IRON_PW).is_err());
    assert!(Passwords::rotating("Abc_09", IRON_PW).is_ok());

    let c = codec(IRON_PW, IronParams::H3_V1);
    assert!(matches!(
        c.seal("{nope", NOW),
        Err(IronError::InvalidJson(_))
    ));
    assert!(matches!(c.seal("", NOW), Err(IronError::InvalidJson(_))));
    let mut material = fixed_material();
    material.integrity_salt = "a*b".into();
    assert_eq!(
        c.seal_with("{}", NOW, &material).unwrap_err(),
        IronError::InvalidSalt
    );
    material.integrity_salt = String::new();
    assert_eq!(
        c.seal_with("{}", NOW, &material).unwrap_err(),
        IronError::InvalidSalt
    );

    assert!(matches!(
        IronCodec::new(
            Passwords::single(IRON_PW).unwrap(),
            IronParams::H3_V1.with_iterations(0)
        ),
        Err(IronError::InvalidParams(_))
    ));
}

#[test]
fn unseal_failures_with_their_causes() {
    let c = codec(IRON_PW, IronParams::H3_V1);

    let nine = format!("x*{IRON_TICKET}");
    let err = c.unseal(&nine, NOW).unwrap_err();
    assert_eq!(err, IronError::IncorrectComponentCount { found: 9 });
    assert_eq!(err.to_string(), "Incorrect number of sealed components");

    let wrong_prefix = IRON_TICKET.replacen("Fe26.2", "Fe27.2", 1);
    let err = c.unseal(&wrong_prefix, NOW).unwrap_err();
    assert_eq!(err, IronError::WrongPrefix);
    assert_eq!(err.to_string(), "Wrong mac prefix");

    let bad_hmac = format!("{IRON_TICKET}a");
    let err = c.unseal(&bad_hmac, NOW).unwrap_err();
    assert_eq!(err, IronError::BadHmac);
    assert_eq!(err.to_string(), "Bad hmac value");

    // Ticket with id "1" against a set that only knows `default`.
    let with_id = IronCodec::new(
        Passwords::rotating("1", IRON_PW).unwrap(),
        IronParams::H3_V1,
    )
    .unwrap()
    .seal(IRON_OBJ, NOW)
    .unwrap();
    let only_default =
        IronCodec::new(Passwords::rotating("", IRON_PW).unwrap(), IronParams::H3_V1).unwrap();
    let err = only_default.unseal(&with_id, NOW).unwrap_err();
    assert_eq!(err, IronError::UnknownPasswordId("1".into()));
    assert_eq!(err.to_string(), "Cannot find password: 1");
    // ...and an id-less ticket against a set without `default`.
    let only_one = IronCodec::new(
        Passwords::rotating("1", IRON_PW).unwrap(),
        IronParams::H3_V1,
    )
    .unwrap();
    assert_eq!(
        only_one.unseal(IRON_TICKET, NOW).unwrap_err(),
        IronError::UnknownPasswordId("default".into())
    );
    // A single (string) password ignores the ticket's id, like h3.
    assert_eq!(c.unseal(&with_id, NOW).unwrap().json, IRON_OBJ);

    // Wrong password: bad HMAC.
    let other = codec("another password that is long enough!!", IronParams::H3_V1);
    assert_eq!(
        other.unseal(IRON_TICKET, NOW).unwrap_err(),
        IronError::BadHmac
    );

    // Digest with padding or non-canonical trailing bits is not the same text: bad HMAC.
    let mut padded = IRON_TICKET.to_owned();
    padded.push('=');
    assert_eq!(c.unseal(&padded, NOW).unwrap_err(), IronError::BadHmac);
    let non_canonical = IRON_TICKET.replace("AqI", "AqJ");
    assert_eq!(
        c.unseal(&non_canonical, NOW).unwrap_err(),
        IronError::BadHmac
    );

    // Errors are std errors.
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(IronError::BadHmac);
    assert_eq!(boxed.to_string(), "Bad hmac value");
}

#[test]
fn unseal_failures_behind_a_valid_hmac() {
    let c = codec(IRON_PW, IronParams::H3_V1);
    let good_ct = encrypt(IRON_PW, IRON_OBJ.as_bytes());
    let forged =
        |iv: &str, ct: &str, exp: &str| forge(IRON_PW, ["Fe26.2", "", ENC_SALT, iv, ct, exp]);
    // Sanity: the forger makes valid tickets.
    assert_eq!(
        c.unseal(&forged(IV_B64, &good_ct, ""), NOW).unwrap().json,
        IRON_OBJ
    );

    assert_eq!(
        c.unseal(&forged(IV_B64, "not*base64", ""), NOW)
            .unwrap_err(),
        IronError::IncorrectComponentCount { found: 9 }
    );
    assert_eq!(
        c.unseal(&forged(IV_B64, "!!!!", ""), NOW).unwrap_err(),
        IronError::InvalidBase64 {
            field: "ciphertext"
        }
    );
    assert_eq!(
        c.unseal(&forged("$$$", &good_ct, ""), NOW).unwrap_err(),
        IronError::InvalidBase64 { field: "iv" }
    );
    assert_eq!(
        c.unseal(&forged("AAECAwQF", &good_ct, ""), NOW)
            .unwrap_err(),
        IronError::InvalidIv { len: 6 }
    );
    // Not a whole number of blocks, empty, and a wrong decryption (bad padding).
    assert_eq!(
        c.unseal(&forged(IV_B64, &good_ct[..good_ct.len() - 4], ""), NOW)
            .unwrap_err(),
        IronError::DecryptionFailed
    );
    assert_eq!(
        c.unseal(&forged(IV_B64, "", ""), NOW).unwrap_err(),
        IronError::DecryptionFailed
    );
    let other_key_ct = {
        let key = derive_key("another password that is long enough!!", ENC_SALT, 1);
        let ct = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv_bytes(IV_B64).into())
            .encrypt_padded_vec::<Pkcs7>(b"{}");
        URL_SAFE_NO_PAD.encode(ct)
    };
    assert!(matches!(
        c.unseal(&forged(IV_B64, &other_key_ct, ""), NOW)
            .unwrap_err(),
        IronError::DecryptionFailed | IronError::InvalidJson(_)
    ));

    // Valid MAC over non-JSON plaintext.
    let not_json = encrypt(IRON_PW, b"I am not {json}");
    let err = c.unseal(&forged(IV_B64, &not_json, ""), NOW).unwrap_err();
    assert!(matches!(err, IronError::InvalidJson(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("Failed parsing sealed object JSON: ")
    );

    // Empty plaintext is `null`, as in iron.
    let empty = encrypt(IRON_PW, b"");
    assert_eq!(
        c.unseal(&forged(IV_B64, &empty, ""), NOW).unwrap().json,
        "null"
    );

    // Valid MAC, long-past expiration.
    let err = c
        .unseal(&forged(IV_B64, &good_ct, "1380495854060"), NOW)
        .unwrap_err();
    assert_eq!(
        err,
        IronError::Expired {
            expiration_ms: 1_380_495_854_060
        }
    );
    assert_eq!(err.to_string(), "Expired seal");

    // Invalid expirations.
    for exp in ["a", "-1", "1.5", "+5", " 5", "1e9", "١٢"] {
        assert_eq!(
            c.unseal(&forged(IV_B64, &good_ct, exp), NOW).unwrap_err(),
            IronError::InvalidExpiration,
            "{exp}"
        );
    }
    // A huge expiration saturates and is simply in the future.
    let far = "9".repeat(40);
    let opened = c.unseal(&forged(IV_B64, &good_ct, &far), NOW).unwrap();
    assert_eq!(opened.expiration_ms, Some(u64::MAX));

    // Expiration is checked before the HMAC: tampered *and* expired reports "Expired seal".
    let mut tampered = forged(IV_B64, &good_ct, "1380495854060");
    tampered.push('x');
    assert!(matches!(
        c.unseal(&tampered, NOW),
        Err(IronError::Expired { .. })
    ));
}

#[test]
fn json_as_javascript_writes_it_is_accepted() {
    // JSON.stringify output: lone surrogates as \udxxx escapes, raw U+2028, \u00xx controls.
    let c = codec(P, IronParams::H3_V1);
    let json = "{\"s\":\"\\ud800\",\"l\":\"\u{2028}\",\"c\":\"\\u0001\",\"n\":1e+21,\"z\":-0}";
    let sealed = c.seal(json, NOW).unwrap();
    assert_eq!(c.unseal(&sealed, NOW).unwrap().json, json);
    for scalar in ["null", "1", "\"x\"", "[]", "true"] {
        let sealed = c.seal(scalar, NOW).unwrap();
        assert_eq!(c.unseal(&sealed, NOW).unwrap().json, scalar);
    }
}

// ----------------------------------------------------------------------------------------
// Expiry boundaries
// ----------------------------------------------------------------------------------------

#[test]
fn expiry_boundary_follows_iron() {
    // ttl 60 s sealed at NOW: expiration = NOW + 60 000. Iron rejects when
    // expiration <= now - 60 000, so the last accepted instant is expiration + 59.999 s.
    // (h3's separate `createdAt + maxAge` session check, inclusive at +60.000 s, is the
    // session layer's job.)
    let c = codec(P, IronParams::H3_V1.with_ttl_ms(60_000));
    let sealed = c.seal(SESSION, NOW).unwrap();
    let exp = NOW + 60_000;
    assert_eq!(sealed.split('*').nth(5), Some(exp.to_string().as_str()));
    assert!(c.unseal(&sealed, NOW).is_ok());
    assert!(c.unseal(&sealed, exp).is_ok());
    assert!(c.unseal(&sealed, exp + 59_999).is_ok());
    assert_eq!(
        c.unseal(&sealed, exp + 60_000).unwrap_err(),
        IronError::Expired { expiration_ms: exp }
    );
    assert!(c.unseal(&sealed, exp + 60_001).is_err());
    // A clock before the seal time is fine.
    assert!(c.unseal(&sealed, 0).is_ok());

    // The skew is configurable; with zero skew the expiration instant itself is rejected.
    let strict = codec(P, IronParams::H3_V1.with_timestamp_skew_ms(0));
    assert!(strict.unseal(&sealed, exp - 1).is_ok());
    assert!(strict.unseal(&sealed, exp).is_err());

    // The local offset moves the unsealing clock too.
    let behind = codec(P, IronParams::H3_V1.with_localtime_offset_ms(-1_000));
    assert!(behind.unseal(&sealed, exp + 60_000).is_ok());
    assert!(behind.unseal(&sealed, exp + 61_000).is_err());

    // No ttl: never expires.
    let forever = codec(P, IronParams::H3_V1).seal(SESSION, NOW).unwrap();
    assert!(c.unseal(&forever, u64::MAX).is_ok());
}

// ----------------------------------------------------------------------------------------
// Rotation and legacy fallback
// ----------------------------------------------------------------------------------------

#[test]
fn rotation_by_password_id() {
    const OLD: &str = "old secret, at least thirty-two characters";
    const NEW: &str = "new secret, at least thirty-two characters";
    let old = IronCodec::new(Passwords::rotating("1", OLD).unwrap(), IronParams::H3_V2).unwrap();
    let new = IronCodec::new(
        Passwords::rotating("2", NEW)
            .unwrap()
            .with_previous("1", OLD)
            .unwrap(),
        IronParams::H3_V2,
    )
    .unwrap();
    assert_eq!(new.passwords().current_id(), "2");
    assert!(new.passwords().accepts_id("1"));
    assert!(!new.passwords().accepts_id("3"));
    assert!(!new.passwords().accepts_id(""));

    let from_old = old.seal(SESSION, NOW).unwrap();
    let opened = new.unseal(&from_old, NOW).unwrap();
    assert_eq!(
        (opened.json.as_str(), opened.password_id.as_str()),
        (SESSION, "1")
    );
    assert!(!opened.legacy);

    let from_new = new.seal(SESSION, NOW).unwrap();
    assert!(from_new.starts_with("Fe26.2*2*"));
    assert_eq!(new.unseal(&from_new, NOW).unwrap().password_id, "2");
    assert_eq!(
        old.unseal(&from_new, NOW).unwrap_err(),
        IronError::UnknownPasswordId("2".into())
    );

    // A ticket whose id was rewritten to another known id fails the HMAC.
    let relabelled = from_old.replacen("Fe26.2*1*", "Fe26.2*2*", 1);
    assert_eq!(
        new.unseal(&relabelled, NOW).unwrap_err(),
        IronError::BadHmac
    );

    // Duplicate ids are refused.
    assert_eq!(
        Passwords::rotating("1", OLD)
            .unwrap()
            .with_previous("1", NEW)
            .unwrap_err(),
        IronError::DuplicatePasswordId("1".into())
    );
    assert!(
        Passwords::single(OLD)
            .unwrap()
            .with_previous("1", NEW)
            .is_err()
    );
    // "" registers as `default`.
    let default_prev = Passwords::rotating("2", NEW)
        .unwrap()
        .with_previous("", OLD)
        .unwrap();
    assert!(default_prev.accepts_id(""));
    assert!(default_prev.accepts_id("default"));
}

#[test]
fn v2_legacy_fallback() {
    let v1 = codec(P, IronParams::H3_V1);
    let v2 = codec(P, IronParams::H3_V2);
    let v2_strict = codec(P, IronParams::H3_V2.with_legacy_fallback(false));

    let old = v1.seal(SESSION, NOW).unwrap();
    let opened = v2.unseal(&old, NOW).unwrap();
    assert_eq!(opened.json, SESSION);
    assert!(opened.legacy, "opened through the one-iteration fallback");
    assert_eq!(v2_strict.unseal(&old, NOW).unwrap_err(), IronError::BadHmac);

    // The caller re-seals: now a current seal.
    let resealed = v2.seal(&opened.json, NOW).unwrap();
    let reopened = v2.unseal(&resealed, NOW).unwrap();
    assert!(!reopened.legacy);
    assert_eq!(reopened.json, SESSION);

    // v1 cannot read v2 seals; a v2 codec whose fallback is irrelevant (iterations 1) neither
    // retries nor flags.
    assert_eq!(v1.unseal(&resealed, NOW).unwrap_err(), IronError::BadHmac);
    let v2_at_one = codec(P, IronParams::H3_V2.with_iterations(1));
    assert!(!v2_at_one.unseal(&old, NOW).unwrap().legacy);

    // Wrong password: both attempts fail, still a bad HMAC.
    let other = codec("another password that is long enough!!", IronParams::H3_V2);
    assert_eq!(other.unseal(&old, NOW).unwrap_err(), IronError::BadHmac);

    // The fallback only follows a bad HMAC: other failures are returned as is.
    let expired = codec(P, IronParams::H3_V1.with_ttl_ms(1))
        .seal(SESSION, NOW)
        .unwrap();
    assert!(matches!(
        v2.unseal(&expired, NOW + 120_000),
        Err(IronError::Expired { .. })
    ));

    // The §1.6 v1 vector opens in v2 as legacy.
    let kat = ticket(CT_V1, "", "pvQDs5Emurp04Ujrlb3j5EKCdjWg8_OyUijDTtLHOng");
    let opened = v2.unseal(&kat, NOW).unwrap();
    assert!(opened.legacy);
    assert_eq!(opened.json, SESSION);
}

// ----------------------------------------------------------------------------------------
// Caching
// ----------------------------------------------------------------------------------------

#[test]
fn warm_and_cold_codecs_agree() {
    for params in [IronParams::H3_V1, IronParams::H3_V2] {
        let warm = codec(P, params);
        let first = warm.seal_with(SESSION, NOW, &fixed_material()).unwrap();
        let after_first = warm.key_derivations();
        assert_eq!(after_first, 2);
        for round in 0..3 {
            let cold = codec(P, params);
            let cold_sealed = cold.seal_with(SESSION, NOW, &fixed_material()).unwrap();
            let warm_sealed = warm.seal_with(SESSION, NOW, &fixed_material()).unwrap();
            assert_eq!(cold_sealed, first, "round {round}");
            assert_eq!(warm_sealed, first, "round {round}");
            let cold_open = codec(P, params).unseal(&first, NOW).unwrap();
            let warm_open = warm.unseal(&first, NOW).unwrap();
            assert_eq!(cold_open, warm_open);
        }
        assert_eq!(
            warm.key_derivations(),
            after_first,
            "warm codec derived again"
        );

        // A fresh codec pays two derivations to unseal, then none.
        let fresh = codec(P, params);
        fresh.unseal(&first, NOW).unwrap();
        assert_eq!(fresh.key_derivations(), 2);
        fresh.unseal(&first, NOW).unwrap();
        assert_eq!(fresh.key_derivations(), 2);
        fresh.clear_cache();
        assert_eq!(fresh.cached_keys(), 0);
        fresh.unseal(&first, NOW).unwrap();
        assert_eq!(fresh.key_derivations(), 4);
    }
}

#[test]
fn sealing_salts_are_reused_for_a_bounded_time() {
    let c = codec(P, IronParams::H3_V1);
    let first = c.seal(SESSION, NOW).unwrap();
    let second = c.seal(SESSION, NOW + 59_999).unwrap();
    let fa: Vec<&str> = first.split('*').collect();
    let fb: Vec<&str> = second.split('*').collect();
    assert_eq!(
        (fa[2], fa[6]),
        (fb[2], fb[6]),
        "salts reused within the window"
    );
    assert_ne!(fa[3], fb[3], "IV is fresh per seal");
    assert_ne!(fa[4], fb[4]);
    assert_eq!(fa[2].len(), 64);
    assert!(
        fa[2]
            .bytes()
            .all(|x| x.is_ascii_hexdigit() && !x.is_ascii_uppercase())
    );
    assert_ne!(fa[2], fa[6], "independent salts");
    assert_eq!(c.key_derivations(), 2);
    // Our own seal unseals warm.
    c.unseal(&second, NOW + 59_999).unwrap();
    assert_eq!(c.key_derivations(), 2);

    let later = c.seal(SESSION, NOW + 60_000).unwrap();
    assert_ne!(
        later.split('*').nth(2),
        Some(fa[2]),
        "fresh salts after the window"
    );
    assert_eq!(c.key_derivations(), 4);
    // A clock that went backwards also refreshes.
    let earlier = c.seal(SESSION, NOW).unwrap();
    assert_ne!(earlier.split('*').nth(2), later.split('*').nth(2));

    // Reuse disabled: fresh salts every time, like h3.
    let h3_like = codec(P, IronParams::H3_V1).with_salt_reuse_ms(0);
    let one = h3_like.seal(SESSION, NOW).unwrap();
    let two = h3_like.seal(SESSION, NOW).unwrap();
    assert_ne!(one.split('*').nth(2), two.split('*').nth(2));
    assert_ne!(one.split('*').nth(6), two.split('*').nth(6));
    assert_eq!(h3_like.unseal(&one, NOW).unwrap().json, SESSION);
}

#[test]
fn key_cache_is_bounded_and_ignores_forgeries() {
    let writer = codec(P, IronParams::H3_V1).with_salt_reuse_ms(0);
    let c = codec(P, IronParams::H3_V1).with_key_cache_capacity(4);
    for i in 0..10 {
        let sealed = writer.seal(&format!("{{\"i\":{i}}}"), NOW).unwrap();
        c.unseal(&sealed, NOW).unwrap();
        assert!(c.cached_keys() <= 4);
    }
    assert_eq!(c.cached_keys(), 4);

    let fresh = codec(P, IronParams::H3_V1);
    for i in 0..20 {
        let salt = format!("{i:064x}");
        let forged = format!("Fe26.2**{ENC_SALT}*{IV_B64}*{CT_V1}**{salt}*AAAA");
        assert_eq!(fresh.unseal(&forged, NOW).unwrap_err(), IronError::BadHmac);
    }
    assert_eq!(fresh.cached_keys(), 0, "forged seals never enter the cache");

    let uncached = codec(P, IronParams::H3_V1).with_key_cache_capacity(0);
    let sealed = writer.seal(SESSION, NOW).unwrap();
    uncached.unseal(&sealed, NOW).unwrap();
    uncached.unseal(&sealed, NOW).unwrap();
    assert_eq!(uncached.cached_keys(), 0);
    assert_eq!(uncached.key_derivations(), 4);
}

#[test]
fn unverified_derivations_are_bounded_by_the_budget() {
    // 4 derivations of 8192 iterations per second (plus the legacy retries'
    // single iterations), by the caller's clock.
    let params = IronParams::H3_V2.with_iterations(8192);
    let c = codec(P, params).with_derivation_budget(4 * 8192 + 4);
    let genuine = c.seal(SESSION, NOW).unwrap(); // sealing: keys cached, never charged
    let forged = |i: u64| {
        let salt = format!("{i:064x}");
        format!("Fe26.2**{ENC_SALT}*{IV_B64}*{CT_V2}**{salt}*AAAA")
    };
    let before = c.key_derivations();
    let results: Vec<IronError> = (0..10)
        .map(|i| c.unseal(&forged(i), NOW).unwrap_err())
        .collect();
    assert_eq!(results[..4], [const { IronError::BadHmac }; 4]);
    assert_eq!(results[4..], [const { IronError::DerivationBudget }; 6]);
    assert_eq!(c.derivations_refused(), 6);
    // 4 derivations at 8192 iterations and their 4 one-iteration retries.
    assert_eq!(c.key_derivations() - before, 8);

    // With the budget spent, a seal whose keys are cached still opens, and
    // costs nothing.
    assert_eq!(c.unseal(&genuine, NOW).unwrap().json, SESSION);
    assert_eq!(c.key_derivations() - before, 8);

    // A quarter of a second later, one more derivation fits; a clock that goes
    // back refills nothing.
    assert_eq!(
        c.unseal(&forged(10), NOW + 250).unwrap_err(),
        IronError::BadHmac
    );
    assert_eq!(
        c.unseal(&forged(11), NOW + 250).unwrap_err(),
        IronError::DerivationBudget
    );
    assert_eq!(
        c.unseal(&forged(12), NOW).unwrap_err(),
        IronError::DerivationBudget
    );
    // Never more than one second's worth at once, however long it was idle.
    let later = NOW + 3_600_000;
    let refused = (13..23)
        .filter(|&i| c.unseal(&forged(i), later) == Err(IronError::DerivationBudget))
        .count();
    assert_eq!(refused, 6);

    // The default budget is far above what h3 v1's one iteration ever spends.
    let v1 = codec(P, IronParams::H3_V1);
    for i in 0..1000 {
        assert_eq!(v1.unseal(&forged(i), NOW).unwrap_err(), IronError::BadHmac);
    }
    assert_eq!(v1.derivations_refused(), 0);
}

#[test]
fn unseal_caps_its_input() {
    use super::DEFAULT_MAX_SEAL_LEN;
    let c = codec(P, IronParams::H3_V1);
    let sealed = c.seal(SESSION, NOW).unwrap();
    // Eight fields, the rest padding: refused on length alone, before any work.
    let huge = format!(
        "Fe26.2**{}*{IV_B64}*{CT_V1}**{MAC_SALT}*AAAA",
        "a".repeat(DEFAULT_MAX_SEAL_LEN)
    );
    assert_eq!(
        c.unseal(&huge, NOW).unwrap_err(),
        IronError::TooLarge {
            len: huge.len(),
            limit: DEFAULT_MAX_SEAL_LEN
        }
    );
    let derivations = c.key_derivations();
    let at_limit = "a".repeat(DEFAULT_MAX_SEAL_LEN);
    assert_eq!(
        c.unseal(&at_limit, NOW).unwrap_err(),
        IronError::IncorrectComponentCount { found: 1 },
        "the cap itself is allowed"
    );
    assert_eq!(c.key_derivations(), derivations);
    assert_eq!(c.unseal(&sealed, NOW).unwrap().json, SESSION);

    let strict = codec(P, IronParams::H3_V1).with_max_seal_len(sealed.len() - 1);
    assert_eq!(
        strict.unseal(&sealed, NOW).unwrap_err(),
        IronError::TooLarge {
            len: sealed.len(),
            limit: sealed.len() - 1
        }
    );
    assert_eq!(strict.key_derivations(), 0);
}

#[test]
fn codec_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<IronCodec>();
    let c = std::sync::Arc::new(codec(P, IronParams::H3_V1));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || {
                for i in 0..25 {
                    let json = format!("{{\"t\":{t},\"i\":{i}}}");
                    let sealed = c.seal(&json, NOW + i).unwrap();
                    assert_eq!(c.unseal(&sealed, NOW + i).unwrap().json, json);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

// ----------------------------------------------------------------------------------------
// Robustness
// ----------------------------------------------------------------------------------------

#[test]
fn truncations_and_single_character_changes_never_panic_or_open() {
    // The v2 shape (fallback enabled, iterations != 1) at 2 iterations keeps this debug-build
    // test fast while still exercising the legacy retry on every bad HMAC.
    let v2_shaped = IronParams::H3_V2.with_iterations(2).with_ttl_ms(3_600_000);
    for params in [IronParams::H3_V1, v2_shaped] {
        let c = codec(P, params);
        let sealed = c.seal(SESSION, NOW).unwrap();
        assert!(c.unseal(&sealed, NOW).is_ok());
        let chars: Vec<char> = sealed.chars().collect();
        for cut in 0..chars.len() {
            let truncated: String = chars[..cut].iter().collect();
            assert!(c.unseal(&truncated, NOW).is_err(), "truncated at {cut}");
        }
        let replacements = ['A', 'z', '0', '-', '_', '*', '=', '+', '/', '.', 'é', '\0'];
        for i in 0..chars.len() {
            for r in replacements {
                if chars[i] == r {
                    continue;
                }
                let mut changed = chars.clone();
                changed[i] = r;
                let changed: String = changed.into_iter().collect();
                // Only an expiration pushed into the past may report Expired; nothing opens.
                assert!(c.unseal(&changed, NOW).is_err(), "{i} -> {r:?}");
            }
            let mut deleted = chars.clone();
            deleted.remove(i);
            let deleted: String = deleted.into_iter().collect();
            assert!(c.unseal(&deleted, NOW).is_err(), "deleted {i}");
        }
    }
}

#[test]
fn garbage_never_panics() {
    let c = codec(P, IronParams::H3_V2);
    let inputs = [
        "",
        "*",
        "*******",
        "********",
        "Fe26.2*******",
        "Fe26.2*******x",
        "Fe26.2**a*b*c*d*e*f",
        "Fe26.2**a*b*c*99999999999999999999999999*e*f",
        "Fe26.2*\u{0}*a*b*c**e*f",
        "Fe26.2*日本*a*b*c**e*f",
        "Fe26.2**ÿ*ÿ*ÿ**ÿ*ÿ",
    ];
    for input in inputs {
        assert!(c.unseal(input, NOW).is_err(), "{input:?}");
    }
    let long = "A".repeat(100_000);
    assert!(
        c.unseal(&format!("Fe26.2**{long}*{long}*{long}**{long}*{long}"), NOW)
            .is_err()
    );
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_random_json(value in json_value(), delta in 0u64..1_000) {
        // Within one salt-reuse window, so the shared codecs stay warm (debug builds).
        let now = NOW + delta;
        thread_local! {
            static CODECS: (IronCodec, IronCodec) = (
                codec(P, IronParams::H3_V1.with_ttl_ms(1_000)),
                codec(P, IronParams::H3_V2),
            );
        }
        let json = serde_json::to_string(&value).unwrap();
        CODECS.with(|(v1, v2)| {
            for c in [v1, v2] {
                let sealed = c.seal(&json, now).unwrap();
                prop_assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b"*.-_".contains(&b)));
                prop_assert_eq!(sealed.split('*').count(), 8);
                let opened = c.unseal(&sealed, now).unwrap();
                prop_assert_eq!(&opened.json, &json);
                prop_assert!(!opened.legacy);
            }
            Ok(())
        })?;
    }

    #[test]
    fn unseal_arbitrary_text_never_panics(text in ".{0,300}") {
        let c = codec(P, IronParams::H3_V1);
        let _ = c.unseal(&text, NOW);
        let _ = c.unseal(&format!("Fe26.2*{text}"), NOW);
    }
}

#[test]
fn debug_output_redacts_secrets_and_keys() {
    let c = codec(P, IronParams::H3_V2);
    c.seal(SESSION, NOW).unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains(P), "{shown}");
    assert!(shown.contains("cached_keys: 2"), "{shown}");
    let key = hex(&derive_key(P, ENC_SALT, 1));
    assert!(!shown.contains(&key[..8]));
    let passwords = format!("{:?}", Passwords::rotating("7", P).unwrap());
    assert!(
        !passwords.contains(P) && passwords.contains("\"7\""),
        "{passwords}"
    );
}

/// Derived keys (in the cache, the sealing state and on the way), the
/// passwords and the AES-CBC ciphers are wiped on drop (checked at compile
/// time: each type must be `ZeroizeOnDrop`).
#[test]
fn key_material_is_wiped_on_drop() {
    fn wiped<T: zeroize::ZeroizeOnDrop>() {}
    wiped::<super::DerivedKey>();
    wiped::<zeroize::Zeroizing<Box<str>>>();
    wiped::<cbc::Encryptor<aes::Aes256>>();
    wiped::<cbc::Decryptor<aes::Aes256>>();
    wiped::<sha1::Sha1>();
    wiped::<sha2::Sha256>();
}
