//! What a session seals is what the next load reads (issue 12, findings 5
//! and 6): floats round-trip bit for bit, and a value the load would not
//! read back (nested too deep, a float that is not finite) is refused when
//! sealing or saving with a typed error, in every backend, never silently
//! dropped later.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use session_runtime::store::MemoryStore;
use session_runtime::{Key, MAX_FIELD_DEPTH, SaveError, Saved, SealError, Session, SessionConfig};

#[derive(Session)]
#[session(cookie = "sid")]
struct Floats {
    #[session(default)]
    x: f64,
    y: Option<f32>,
    #[session(default)]
    list: Vec<f64>,
    #[session(flash)]
    flashed: Option<f64>,
}

/// The backends a session may live in: sealed into the cookie (our format
/// and h3's) or kept in a store.
fn backends<T: session_runtime::SessionSchema>() -> Vec<(&'static str, SessionConfig<T>)> {
    let key = || Key::derive([9u8; 32]).unwrap();
    #[cfg_attr(not(feature = "h3"), allow(unused_mut))]
    let mut all = vec![
        (
            "cookie",
            SessionConfig::<T>::new(key()).with_max_size(1 << 20),
        ),
        (
            "store",
            SessionConfig::<T>::new(key()).with_store(MemoryStore::new()),
        ),
    ];
    #[cfg(feature = "h3")]
    all.push((
        "h3",
        SessionConfig::<T>::h3(session_runtime::h3::H3Version::V1, "p".repeat(32))
            .unwrap()
            .with_max_size(1 << 20),
    ));
    all
}

/// Saves `session` and loads what was saved.
fn save<T: session_runtime::SessionSchema>(
    config: &SessionConfig<T>,
    session: &Session<T>,
) -> Result<String, SaveError> {
    match session.save(config).now().expect("ready")? {
        Saved::Write(token) => Ok(token),
        other => panic!("expected a write, got {other:?}"),
    }
}

fn load<T: session_runtime::SessionSchema>(config: &SessionConfig<T>, token: &str) -> Session<T> {
    let (session, error) = session_runtime::SessionState::<T>::load(config, Some(token))
        .now()
        .expect("ready")
        .expect("no store error");
    assert_eq!(error, None);
    session
}

/// Any `f64` bit pattern: normal, subnormal, zeros, infinities and NaNs.
fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![any::<u64>().prop_map(f64::from_bits), any::<f64>()]
}

fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![any::<u32>().prop_map(f32::from_bits), any::<f32>()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn floats_round_trip_bit_for_bit_or_are_refused(
        x in any_f64(),
        y in any_f32(),
        list in proptest::collection::vec(any_f64(), 0..4),
        flashed in any_f64(),
    ) {
        for (backend, config) in backends::<Floats>() {
            let mut session = Session::<Floats>::new(&config);
            session.set_x(x);
            session.set_y(y);
            session.set_list(list.clone());
            session.flash_flashed(flashed);
            let saved = save(&config, &session);
            // The first field (in declaration order) that is not finite is named.
            let not_finite = [
                ("x", x.is_finite()),
                ("y", y.is_finite()),
                ("list", list.iter().all(|v| v.is_finite())),
                ("flashed", flashed.is_finite()),
            ]
            .into_iter()
            .find(|(_, finite)| !finite);
            if let Some((key, _)) = not_finite {
                match saved {
                    Err(SaveError::Seal(SealError::NonFinite { key: k })) => prop_assert_eq!(k, key),
                    other => prop_assert!(false, "{backend}: {key} not finite, got {other:?}"),
                }
                continue;
            }
            let token = saved.unwrap();
            let back = load(&config, &token);
            prop_assert_eq!(back.x().to_bits(), x.to_bits(), "{} x {:e}", backend, x);
            prop_assert_eq!(back.y().map(|v| v.to_bits()), Some(y.to_bits()), "{} y {:e}", backend, y);
            let bits: Vec<u64> = back.list().iter().map(|v| v.to_bits()).collect();
            prop_assert_eq!(bits, list.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "{}", backend);
            prop_assert_eq!(back.flashed().map(|v| v.to_bits()), Some(flashed.to_bits()), "{}", backend);
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Leaf,
    Wrap(Box<Shape>),
    Pair(Box<Shape>, u8),
    Named { inner: Box<Shape> },
}

#[derive(Session)]
#[session(cookie = "sid")]
struct Deep {
    #[session(default)]
    count: u32,
    value: Option<Value>,
    shape: Option<Shape>,
    raw: Option<Box<RawValue>>,
    map: Option<BTreeMap<String, Value>>,
    #[session(flash)]
    notice: Option<Value>,
}

/// `depth` nested arrays around a number: `[[…[0]…]]`.
fn nested(depth: usize) -> Value {
    (0..depth).fold(Value::from(0), |inner, _| Value::Array(vec![inner]))
}

/// A `Shape` whose JSON nests `depth` levels, built from `step` (each
/// externally tagged newtype variant is one object level, a tuple or struct
/// variant two).
fn shape(depth: usize, step: fn(Shape) -> Shape, levels: usize) -> Shape {
    (0..depth / levels).fold(Shape::Leaf, |inner, _| step(inner))
}

fn check_refused<T: session_runtime::SessionSchema>(
    backend: &str,
    config: &SessionConfig<T>,
    session: &Session<T>,
    key: &str,
) {
    match save(config, session) {
        Err(SaveError::Seal(SealError::TooDeep { key: k, limit })) => {
            assert_eq!(k, key, "{backend}");
            assert_eq!(limit, MAX_FIELD_DEPTH);
        }
        other => panic!("{backend}: {key} too deep, got {other:?}"),
    }
    if backend != "store" {
        match session.seal(config) {
            Err(SealError::TooDeep { key: k, .. }) => assert_eq!(k, key, "{backend}"),
            other => panic!("{backend}: seal of {key} too deep, got {other:?}"),
        }
    }
}

#[test]
fn values_as_deep_as_the_limit_round_trip_in_every_backend() {
    assert_eq!(MAX_FIELD_DEPTH, 127);
    let depth = MAX_FIELD_DEPTH;
    let deep_raw = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    for (backend, config) in backends::<Deep>() {
        let mut session = Session::<Deep>::new(&config);
        session.set_value(nested(depth));
        session.set_shape(shape(depth, |s| Shape::Wrap(Box::new(s)), 1));
        // A raw value is read back whatever its depth.
        session.set_raw(RawValue::from_string(deep_raw.clone()).unwrap());
        session.set_map(BTreeMap::from([("a".to_owned(), nested(depth - 1))]));
        session.flash_notice(nested(depth));
        let back = load(&config, &save(&config, &session).unwrap());
        assert_eq!(back.value(), Some(&nested(depth)), "{backend}");
        assert_eq!(back.shape(), session.shape(), "{backend}");
        assert_eq!(
            back.raw().map(|r| r.get()),
            Some(deep_raw.as_str()),
            "{backend}"
        );
        assert_eq!(back.map(), session.map(), "{backend}");
        assert_eq!(back.notice(), Some(&nested(depth)), "{backend}");
    }
}

#[test]
fn a_value_too_deep_to_read_back_is_refused_and_nothing_is_lost() {
    type Set = fn(&mut Session<Deep>);
    let over = MAX_FIELD_DEPTH + 1;
    let cases: [(&str, Set); 6] = [
        ("value", |s| s.set_value(nested(MAX_FIELD_DEPTH + 1))),
        ("shape", |s| {
            s.set_shape(shape(MAX_FIELD_DEPTH + 1, |s| Shape::Wrap(Box::new(s)), 1));
        }),
        ("shape", |s| {
            s.set_shape(shape(
                MAX_FIELD_DEPTH + 1,
                |s| Shape::Pair(Box::new(s), 0),
                2,
            ));
        }),
        ("shape", |s| {
            let inner = |s| Shape::Named { inner: Box::new(s) };
            s.set_shape(shape(MAX_FIELD_DEPTH + 1, inner, 2));
        }),
        ("map", |s| {
            s.set_map(BTreeMap::from([("a".to_owned(), nested(MAX_FIELD_DEPTH))]));
        }),
        ("notice", |s| s.flash_notice(nested(MAX_FIELD_DEPTH + 1))),
    ];
    for (backend, config) in backends::<Deep>() {
        // A saved session, to show that a refused save leaves it as it was.
        let mut first = Session::<Deep>::new(&config);
        first.set_count(1);
        let token = save(&config, &first).unwrap();
        for (key, set) in cases {
            let mut session = load(&config, &token);
            session.set_count(2);
            set(&mut session);
            check_refused(backend, &config, &session, key);
            // Nothing is lost: the session still holds the value for the
            // handler to fix, and what was saved before is intact.
            assert_eq!(*session.count(), 2);
            assert_eq!(*load(&config, &token).count(), 1, "{backend} {key}");
        }
        // One level less than refused is fine (the odd depth of a two-level
        // step rounds down).
        let mut session = load(&config, &token);
        session.set_value(nested(over - 1));
        assert!(save(&config, &session).is_ok(), "{backend}");
    }
}
