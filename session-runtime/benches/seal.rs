//! Seal, unseal and round trip of a 5-field session (about 200 bytes of
//! JSON), against two baselines measured in the same run:
//! - `naive`: `serde_json` + `Aes256Gcm::new` per call + a nonce from the OS + base64;
//! - `cookie_private_jar`: the `cookie` crate's `PrivateJar` add + get with `serde_json`.
//!
//! Before the timings it prints what they do not show: allocations per
//! operation (a counting global allocator) and the length of the cookie
//! value, ours against `PrivateJar`'s, for a fresh session and one last
//! seen a day after it was created, at this payload and at a shorter one.
//!
//! `cargo bench -p session-runtime --bench seal`, then
//! `python3 scripts/bench_table.py seal` prints medians and ratios.

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use rand::TryRng as _;
use serde::{Deserialize, Serialize};
use session_runtime::{Clock as _, Key, ManualClock, Session, SessionConfig};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

/// The system allocator, counting allocations and reallocations.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (and reallocations) per call of `op`, averaged over many
/// calls after a warm-up call. Not inlined, so that a profiler shows each
/// operation's cost apart (`valgrind --tool=callgrind` on the bench with a
/// filter that matches no bench: inclusive cost / 1001 calls).
#[inline(never)]
fn allocations_per_call<R>(mut op: impl FnMut() -> R) -> f64 {
    const CALLS: usize = 1_000;
    black_box(op());
    let region = Region::new(GLOBAL);
    for _ in 0..CALLS {
        black_box(op());
    }
    let stats = region.change();
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let per_call = (stats.allocations + stats.reallocations) as f64 / CALLS as f64;
    per_call
}

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

/// Nanoseconds per call of `op` in the fastest of many short batches: on
/// a shared machine, the batch that other work disturbed least, so the
/// figure that moves least between runs (criterion's medians move with the
/// machine's load).
#[inline(never)]
fn fastest_ns_per_call<R>(mut op: impl FnMut() -> R) -> f64 {
    const BATCHES: usize = 100;
    const CALLS: u32 = 100;
    let mut fastest = f64::MAX;
    for _ in 0..BATCHES {
        let started = Instant::now();
        for _ in 0..CALLS {
            black_box(op());
        }
        fastest = fastest.min(started.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS));
    }
    fastest
}

/// The payload of the size figures: 158 bytes of JSON.
fn short_payload() -> Payload5 {
    Payload5 {
        user: Some("user_0123456789".into()),
        email: Some("ada@analytical-engine.example".into()),
        roles: vec!["admin".into(), "editor".into(), "billing".into()],
        visits: 4_294_967,
        csrf: Some("q8Jx2nB7vK1mZ0pL4sT9wE6rY3uI".into()),
    }
}

fn session(config: &SessionConfig<Bench5>) -> Session<Bench5> {
    session_of(config, payload())
}

fn session_of(config: &SessionConfig<Bench5>, p: Payload5) -> Session<Bench5> {
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

/// The value `PrivateJar` puts in its cookie for `value`.
fn private_jar_value(key: &cookie::Key, value: &Payload5) -> String {
    let mut jar = cookie::CookieJar::new();
    let json = serde_json::to_string(value).unwrap();
    jar.private_mut(key).add(cookie::Cookie::new("sid", json));
    jar.get("sid").unwrap().value().to_owned()
}

/// Prints the cookie value lengths, ours against `PrivateJar`'s.
fn print_sizes(jar_key: &cookie::Key) {
    #[allow(clippy::cast_precision_loss, reason = "short lengths")]
    let ratio = |ours: usize, theirs: usize| ours as f64 / theirs as f64;
    for (name, p) in [("bench", payload()), ("short", short_payload())] {
        let json_len = serde_json::to_vec(&p).unwrap().len();
        // A date in 2026: varint-encoded times are as long as today's.
        let clock = ManualClock::new(1_780_000_000_000);
        let config =
            SessionConfig::<Bench5>::new(Key::derive(SECRET).unwrap()).with_clock(clock.clone());
        let s = session_of(&config, p.clone());
        let fresh = s.seal(&config).unwrap().len();
        clock.advance(std::time::Duration::from_hours(24));
        let aged = s.seal(&config).unwrap().len();
        assert_eq!(clock.now_ms(), 1_780_086_400_000);
        let jar = private_jar_value(jar_key, &p).len();
        eprintln!(
            "cookie value, {name} payload ({json_len} bytes of JSON): ours {fresh} chars fresh ({:.3}x PrivateJar), {aged} chars last seen a day after creation ({:.3}x); PrivateJar {jar} chars",
            ratio(fresh, jar),
            ratio(aged, jar),
        );
    }
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
    let jar_key = cookie::Key::from(&[7u8; 64]);
    print_sizes(&jar_key);
    let value = payload();
    eprintln!(
        "allocations per call: ours seal {}, unseal {}, round trip {}; naive round trip {}; PrivateJar round trip {}",
        allocations_per_call(|| s.seal(&config).unwrap()),
        allocations_per_call(|| Session::<Bench5>::unseal(&config, &sealed).unwrap()),
        allocations_per_call(|| {
            let sealed = s.seal(&config).unwrap();
            Session::<Bench5>::unseal(&config, &sealed).unwrap()
        }),
        allocations_per_call(|| naive_unseal(&naive_seal(&value))),
        allocations_per_call(|| jar_round_trip(&jar_key, &value)),
    );
    let naive = fastest_ns_per_call(|| naive_unseal(&naive_seal(&value)));
    let ours = fastest_ns_per_call(|| {
        let sealed = s.seal(&config).unwrap();
        Session::<Bench5>::unseal(&config, &sealed).unwrap()
    });
    let jar = fastest_ns_per_call(|| jar_round_trip(&jar_key, &value));
    eprintln!(
        "fastest batch, ns per round trip: ours {ours:.0}, naive {naive:.0}, PrivateJar {jar:.0}; ours / naive {:.3}, PrivateJar / naive {:.3}",
        ours / naive,
        jar / naive,
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

    group.bench_function("naive_round_trip", |b| {
        b.iter(|| naive_unseal(&naive_seal(black_box(&value))));
    });
    group.bench_function("cookie_private_jar_round_trip", |b| {
        b.iter(|| jar_round_trip(&jar_key, black_box(&value)));
    });
    group.finish();
}

/// `PrivateJar` add + get with `serde_json`.
fn jar_round_trip(jar_key: &cookie::Key, value: &Payload5) -> Payload5 {
    let mut jar = cookie::CookieJar::new();
    let json = serde_json::to_string(value).unwrap();
    jar.private_mut(jar_key)
        .add(cookie::Cookie::new("sid", json));
    let got = jar.private(jar_key).get("sid").unwrap();
    serde_json::from_str::<Payload5>(got.value()).unwrap()
}

criterion_group!(seal, benches);
criterion_main!(seal);
