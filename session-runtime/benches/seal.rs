//! Seal, unseal and round trip of a 5-field session (about 200 bytes of
//! JSON), against two baselines measured in the same run:
//! - `naive`: `serde_json` + `Aes256Gcm::new` per call + a nonce from the OS + base64;
//! - `cookie_private_jar`: the `cookie` crate's `PrivateJar` add + get with `serde_json`.
//!
//! `cargo bench -p session-runtime --bench seal`, then
//! `python3 scripts/bench_table.py seal` prints medians and ratios.

use std::hint::black_box;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use rand::TryRng as _;
use serde::{Deserialize, Serialize};
use session_runtime::{Key, Session, SessionConfig};

/// The payload as a plain serde struct, for the baselines.
#[derive(Clone, Serialize, Deserialize)]
struct Payload5 {
    user: Option<String>,
    email: Option<String>,
    roles: Vec<String>,
    visits: u32,
    csrf: Option<String>,
}

/// The same payload as a session schema.
#[derive(Session)]
#[session(cookie = "sid")]
struct Bench5 {
    user: Option<String>,
    email: Option<String>,
    roles: Vec<String>,
    visits: u32,
    csrf: Option<String>,
}

fn payload() -> Payload5 {
    Payload5 {
        user: Some("user_0123456789abcdef".into()),
        email: Some("ada.lovelace@analytical-engine.example".into()),
        roles: vec!["admin".into(), "editor".into(), "billing-viewer".into()],
        visits: 4_294_967,
        csrf: Some("q8Jx2nB7vK1mZ0pL4sT9wE6rY3uI5oA8dF2gH7jK".into()),
    }
}

fn session(config: &SessionConfig<Bench5>) -> Session<Bench5> {
    let p = payload();
    let mut s = Session::<Bench5>::new(config);
    s.set_user(p.user.unwrap());
    s.set_email(p.email.unwrap());
    s.set_roles(p.roles);
    s.set_visits(p.visits);
    s.set_csrf(p.csrf.unwrap());
    s
}

const SECRET: [u8; 32] = [42; 32];

fn naive_seal(value: &Payload5) -> String {
    let json = serde_json::to_vec(value).unwrap();
    let cipher = Aes256Gcm::new(&SECRET.into());
    let mut nonce = [0u8; 12];
    rand::rngs::SysRng.try_fill_bytes(&mut nonce).unwrap();
    let nonce = Nonce::<Aes256Gcm>::from(nonce);
    let mut out = nonce.to_vec();
    out.extend(
        cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &json,
                    aad: b"sid",
                },
            )
            .unwrap(),
    );
    URL_SAFE_NO_PAD.encode(out)
}

fn naive_unseal(sealed: &str) -> Payload5 {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).unwrap();
    let cipher = Aes256Gcm::new(&SECRET.into());
    let (nonce, ct) = bytes.split_at(12);
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce).unwrap();
    let json = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ct,
                aad: b"sid",
            },
        )
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

fn benches(c: &mut Criterion) {
    let config = SessionConfig::<Bench5>::new(Key::derive(SECRET).unwrap());
    let s = session(&config);
    let json_len = serde_json::to_vec(&payload()).unwrap().len();
    let sealed = s.seal(&config).unwrap();
    eprintln!(
        "payload JSON: {json_len} bytes; our sealed value: {} bytes",
        sealed.len()
    );

    let mut group = c.benchmark_group("seal");
    group.bench_function("ours_seal", |b| {
        b.iter(|| black_box(&s).seal(&config).unwrap());
    });
    group.bench_function("ours_unseal", |b| {
        b.iter(|| Session::<Bench5>::unseal(&config, black_box(&sealed)).unwrap());
    });
    group.bench_function("ours_round_trip", |b| {
        b.iter(|| {
            let sealed = black_box(&s).seal(&config).unwrap();
            Session::<Bench5>::unseal(&config, &sealed).unwrap()
        });
    });

    let value = payload();
    group.bench_function("naive_round_trip", |b| {
        b.iter(|| naive_unseal(&naive_seal(black_box(&value))));
    });

    let jar_key = cookie::Key::from(&[7u8; 64]);
    group.bench_function("cookie_private_jar_round_trip", |b| {
        b.iter(|| {
            let mut jar = cookie::CookieJar::new();
            let json = serde_json::to_string(black_box(&value)).unwrap();
            jar.private_mut(&jar_key)
                .add(cookie::Cookie::new("sid", json));
            let got = jar.private(&jar_key).get("sid").unwrap();
            serde_json::from_str::<Payload5>(got.value()).unwrap()
        });
    });
    group.finish();
}

criterion_group!(seal, benches);
criterion_main!(seal);
