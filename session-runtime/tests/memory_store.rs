//! `MemoryStore`: the shared store contract (the conformance suite), and
//! what is particular to it: bounded growth, the capacity policy, and
//! writes from many threads at once.

use std::sync::Arc;

use session_runtime::store::{MemoryStore, OwnerUpdate, Save, SaveMode, SaveOutcome, Store};

session_runtime::store_conformance!(conformance, MemoryStore::new());

fn create(id: &str, at: u64, expires_ms: Option<u64>) -> Save {
    Save {
        id: id.to_owned(),
        mode: SaveMode::Create {
            created_ms: at,
            replaces: None,
        },
        set: vec![("a".into(), "1".into())],
        remove: vec![],
        last_seen_ms: at,
        expires_ms,
        owner: OwnerUpdate::Keep,
    }
}

fn ready<T>(pending: session_runtime::backend::Pending<T>) -> T {
    pending.now().expect("the memory store answers at once")
}

#[test]
fn sessions_nobody_reads_again_do_not_pile_up() {
    let store = MemoryStore::new();
    // 20 000 sessions that each live one second, created over 20 000 s and
    // never read again: the amortised sweeps keep memory bounded by the
    // live ones (plus what one sweep interval lets through).
    for n in 0..20_000u64 {
        let at = n * 1000;
        let outcome = ready(store.save(create(&format!("s{n}"), at, Some(at + 1000))));
        assert_eq!(outcome.unwrap(), SaveOutcome::Saved);
    }
    let held = ready(store.ids(0)).unwrap().len();
    assert!(held < 32 * 64 + 64, "the store still holds {held} sessions");
    assert_eq!(ready(store.len(20_000_000)).unwrap(), 0);
    assert_eq!(store.prune(20_000_000), held);
    assert!(ready(store.ids(0)).unwrap().is_empty());
}

#[test]
fn a_full_store_evicts_the_session_closest_to_expiry_in_its_shard() {
    let store = MemoryStore::new().with_capacity(100);
    for n in 0..100u64 {
        ready(store.save(create(&format!("s{n}"), 0, Some(1_000_000 + n)))).unwrap();
    }
    assert_eq!(ready(store.len(0)).unwrap(), 100);
    assert_eq!(store.evictions(), 0);
    ready(store.save(create("late", 0, Some(2_000_000)))).unwrap();
    assert_eq!(ready(store.len(0)).unwrap(), 100, "still at capacity");
    assert_eq!(store.evictions(), 1);
    assert!(ready(store.load("late", 0)).unwrap().is_some());
    // Expired sessions go before live ones are evicted.
    ready(store.save(create("short", 0, Some(10)))).unwrap();
    ready(store.save(create("after", 20, Some(3_000_000)))).unwrap();
    assert!(ready(store.load("after", 20)).unwrap().is_some());
    assert!(ready(store.len(20)).unwrap() <= 100);
}

#[test]
fn a_full_store_stays_within_capacity_when_the_new_session_lands_in_an_empty_shard() {
    // With room for one session, almost every new id hashes to a shard
    // other than the one holding the session: that one must still go.
    let store = MemoryStore::new().with_capacity(1);
    for n in 0..64u64 {
        ready(store.save(create(&format!("s{n}"), n, Some(1_000_000)))).unwrap();
        assert_eq!(ready(store.len(n)).unwrap(), 1, "after s{n}");
        assert!(ready(store.load(&format!("s{n}"), n)).unwrap().is_some());
    }
    assert_eq!(store.evictions(), 63);
}

#[test]
fn threads_writing_their_own_fields_of_one_session_all_land() {
    let store = Arc::new(MemoryStore::new());
    ready(store.save(create("shared", 0, None))).unwrap();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let store = Arc::clone(&store);
            scope.spawn(move || {
                for n in 0..200 {
                    let save = Save {
                        id: "shared".into(),
                        mode: SaveMode::Update,
                        set: vec![(format!("t{t}"), n.to_string())],
                        remove: vec![],
                        last_seen_ms: 1,
                        expires_ms: None,
                        owner: OwnerUpdate::Keep,
                    };
                    assert_eq!(ready(store.save(save)).unwrap(), SaveOutcome::Saved);
                }
            });
        }
    });
    let record = ready(store.load("shared", 2)).unwrap().unwrap();
    for t in 0..8 {
        let value = record.fields.iter().find(|(k, _)| *k == format!("t{t}"));
        assert_eq!(value.map(|(_, v)| v.as_str()), Some("199"), "thread {t}");
    }
}
