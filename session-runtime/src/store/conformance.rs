//! The store contract as tests: run them against any [`Store`] to check it
//! does what sessions rely on (see the [contract](super#the-contract)).
//!
//! Each case is an `async fn(&dyn Store)` that panics with what went wrong.
//! [`store_conformance!`](crate::store_conformance) turns them into one
//! `#[tokio::test]` each (it needs `tokio` with `macros` and `rt` among the
//! caller's dev-dependencies):
//!
//! ```ignore
//! session_runtime::store_conformance!(my_store, MyStore::connect("...").await.unwrap());
//! ```
//!
//! or call them yourself: [`run_all`] runs every case in turn.
//!
//! The cases use times around the real clock (a store may also expire
//! records with its engine's own clock) and ids of their own (`conformance:`
//! followed by the case and a random suffix); each case starts by clearing
//! the store, so do not point it at one that holds real sessions.

// Every case panics when the store breaks the contract: that is its job.
#![allow(clippy::missing_panics_doc)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{OwnerUpdate, Record, Save, SaveMode, SaveOutcome, Store};
use crate::backend::Pending;
use crate::crypto::generate_id;

/// One case of the suite.
pub type Case = for<'s> fn(&'s dyn Store) -> Pin<Box<dyn Future<Output = ()> + 's>>;

/// Every case, with its name.
pub const CASES: &[(&str, Case)] = &[
    ("unknown_ids_load_nothing", |s| {
        Box::pin(unknown_ids_load_nothing(s))
    }),
    ("created_sessions_load_whole", |s| {
        Box::pin(created_sessions_load_whole(s))
    }),
    ("creating_never_merges_two_sessions", |s| {
        Box::pin(creating_never_merges_two_sessions(s))
    }),
    ("updates_write_only_the_named_slots", |s| {
        Box::pin(updates_write_only_the_named_slots(s))
    }),
    ("updates_never_create", |s| {
        Box::pin(updates_never_create(s))
    }),
    ("deletes_are_final", |s| Box::pin(deletes_are_final(s))),
    ("touch_moves_only_the_times", |s| {
        Box::pin(touch_moves_only_the_times(s))
    }),
    ("expired_sessions_are_never_served", |s| {
        Box::pin(expired_sessions_are_never_served(s))
    }),
    ("renames_move_or_copy_atomically", |s| {
        Box::pin(renames_move_or_copy_atomically(s))
    }),
    ("renames_need_a_source_and_a_free_target", |s| {
        Box::pin(renames_need_a_source_and_a_free_target(s))
    }),
    ("creates_can_replace_a_session", |s| {
        Box::pin(creates_can_replace_a_session(s))
    }),
    ("counts_lists_and_clears", |s| {
        Box::pin(counts_lists_and_clears(s))
    }),
    ("owners_sessions_are_listed_and_revoked", |s| {
        Box::pin(owners_sessions_are_listed_and_revoked(s))
    }),
    ("owner_index_follows_every_change", |s| {
        Box::pin(owner_index_follows_every_change(s))
    }),
    ("concurrent_writes_to_different_fields_all_land", |s| {
        Box::pin(concurrent_writes_to_different_fields_all_land(s))
    }),
    ("values_round_trip_exactly", |s| {
        Box::pin(values_round_trip_exactly(s))
    }),
];

/// Runs every case against `store`, in turn.
pub async fn run_all(store: &dyn Store) {
    for (_, case) in CASES {
        case(store).await;
    }
}

/// A `#[tokio::test]` for every case of the
/// [conformance suite](crate::store::conformance), in a module named
/// `$module`; `$store` (which may `.await`) makes a fresh store for each.
#[macro_export]
macro_rules! store_conformance {
    ($module:ident, $store:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $crate::store_conformance!(@cases $store;
                unknown_ids_load_nothing,
                created_sessions_load_whole,
                creating_never_merges_two_sessions,
                updates_write_only_the_named_slots,
                updates_never_create,
                deletes_are_final,
                touch_moves_only_the_times,
                expired_sessions_are_never_served,
                renames_move_or_copy_atomically,
                renames_need_a_source_and_a_free_target,
                creates_can_replace_a_session,
                counts_lists_and_clears,
                owners_sessions_are_listed_and_revoked,
                owner_index_follows_every_change,
                concurrent_writes_to_different_fields_all_land,
                values_round_trip_exactly
            );
        }
    };
    (@cases $store:expr; $($case:ident),*) => {
        $(
            #[tokio::test]
            async fn $case() {
                let store = $store;
                $crate::store::conformance::$case(&store).await;
            }
        )*
    };
}

/// The time the cases start from: now, in whole seconds.
fn t0() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    now * 1000
}

/// An id for this case, unique across runs.
fn id(case: &str, n: u32) -> String {
    format!("conformance:{case}:{n}:{}", generate_id())
}

fn slot(key: &str, json: &str) -> (String, String) {
    (key.to_owned(), json.to_owned())
}

fn create(id: &str, at: u64, set: Vec<(String, String)>, owner: Option<&str>) -> Save {
    Save {
        id: id.to_owned(),
        mode: SaveMode::Create {
            created_ms: at,
            replaces: None,
        },
        set,
        remove: Vec::new(),
        last_seen_ms: at,
        expires_ms: Some(at + 3_600_000),
        owner: owner.map_or(OwnerUpdate::Keep, |o| OwnerUpdate::Set(o.to_owned())),
    }
}

fn update(id: &str, at: u64, set: Vec<(String, String)>, remove: &[&str]) -> Save {
    Save {
        id: id.to_owned(),
        mode: SaveMode::Update,
        set,
        remove: remove.iter().map(|k| (*k).to_owned()).collect(),
        last_seen_ms: at,
        expires_ms: Some(at + 3_600_000),
        owner: OwnerUpdate::Keep,
    }
}

async fn saved(store: &dyn Store, save: Save) -> SaveOutcome {
    store.save(save).await.expect("the store answers a save")
}

async fn load(store: &dyn Store, id: &str, now: u64) -> Option<Record> {
    store.load(id, now).await.expect("the store answers a load")
}

async fn fresh(store: &dyn Store) {
    store.clear().await.expect("the store clears");
}

/// The fields of a record, sorted, for comparison.
fn fields(record: &Record) -> Vec<(String, String)> {
    let mut fields = record.fields.clone();
    fields.sort();
    fields
}

async fn sorted_owned(store: &dyn Store, owner: &str, now: u64) -> Vec<String> {
    let mut ids = store
        .owned_by(owner, now)
        .await
        .expect("the store lists an owner's sessions");
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Loading an id the store never saw gives nothing.
pub async fn unknown_ids_load_nothing(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    assert_eq!(load(store, &id("unknown", 0), t).await, None);
    assert!(!store.delete(&id("unknown", 1)).await.unwrap());
    assert!(
        !store
            .touch(&id("unknown", 2), t, Some(t + 1000))
            .await
            .unwrap()
    );
}

/// A created session loads with its slots, times, expiry and owner.
pub async fn created_sessions_load_whole(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("whole", 0);
    let save = create(
        &s,
        t,
        vec![slot("user", r#""ada""#), slot("visits", "3")],
        Some("ada"),
    );
    assert_eq!(saved(store, save).await, SaveOutcome::Saved);
    let record = load(store, &s, t + 1).await.expect("the session is there");
    assert_eq!(record.created_ms, t);
    assert_eq!(record.last_seen_ms, t);
    assert_eq!(record.expires_ms, Some(t + 3_600_000));
    assert_eq!(record.owner.as_deref(), Some("ada"));
    assert_eq!(
        fields(&record),
        [slot("user", r#""ada""#), slot("visits", "3")]
    );
}

/// Creating under a taken id answers `Conflict` and leaves the first
/// session as it was.
pub async fn creating_never_merges_two_sessions(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("merge", 0);
    saved(store, create(&s, t, vec![slot("a", "1")], None)).await;
    let second = create(&s, t + 5, vec![slot("b", "2")], Some("mallory"));
    assert_eq!(saved(store, second).await, SaveOutcome::Conflict);
    let record = load(store, &s, t + 10).await.unwrap();
    assert_eq!(fields(&record), [slot("a", "1")]);
    assert_eq!(record.created_ms, t);
    assert_eq!(record.owner, None);
    assert!(sorted_owned(store, "mallory", t + 10).await.is_empty());
}

/// An update sets and removes exactly the slots it names, moves the times
/// and keeps every other slot.
pub async fn updates_write_only_the_named_slots(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("named", 0);
    let first = vec![slot("a", "1"), slot("b", "2"), slot("c", "3")];
    saved(store, create(&s, t, first, None)).await;
    let change = update(&s, t + 1000, vec![slot("a", "10"), slot("d", "4")], &["c"]);
    assert_eq!(saved(store, change).await, SaveOutcome::Saved);
    let record = load(store, &s, t + 1001).await.unwrap();
    assert_eq!(
        fields(&record),
        [slot("a", "10"), slot("b", "2"), slot("d", "4")]
    );
    assert_eq!(record.created_ms, t);
    assert_eq!(record.last_seen_ms, t + 1000);
    assert_eq!(record.expires_ms, Some(t + 1000 + 3_600_000));
}

/// An update of a session that is not there answers `Gone` and creates
/// nothing.
pub async fn updates_never_create(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("never", 0);
    let change = update(&s, t, vec![slot("a", "1")], &[]);
    assert_eq!(saved(store, change).await, SaveOutcome::Gone);
    assert_eq!(load(store, &s, t).await, None);
    assert_eq!(store.len(t).await.unwrap(), 0);
}

/// A deleted session stays deleted: a write that comes after the delete
/// (a slow request racing a logout) does not bring it back.
pub async fn deletes_are_final(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("final", 0);
    saved(
        store,
        create(&s, t, vec![slot("user", r#""ada""#)], Some("ada")),
    )
    .await;
    assert!(store.delete(&s).await.unwrap());
    assert!(
        !store.delete(&s).await.unwrap(),
        "a second delete finds nothing"
    );
    let late = update(&s, t + 1, vec![slot("user", r#""ada""#)], &[]);
    assert_eq!(saved(store, late).await, SaveOutcome::Gone);
    assert!(!store.touch(&s, t + 2, Some(t + 60_000)).await.unwrap());
    assert_eq!(load(store, &s, t + 3).await, None);
    assert!(sorted_owned(store, "ada", t + 3).await.is_empty());
}

/// Touch moves the times of a session and nothing else.
pub async fn touch_moves_only_the_times(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("touch", 0);
    saved(store, create(&s, t, vec![slot("a", "1")], None)).await;
    assert!(store.touch(&s, t + 500, Some(t + 9_000_000)).await.unwrap());
    let record = load(store, &s, t + 501).await.unwrap();
    assert_eq!(record.last_seen_ms, t + 500);
    assert_eq!(record.expires_ms, Some(t + 9_000_000));
    assert_eq!(record.created_ms, t);
    assert_eq!(fields(&record), [slot("a", "1")]);
}

/// A session whose expiry has come is not served, counted, listed, updated
/// or touched, and is gone.
pub async fn expired_sessions_are_never_served(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("expired", 0);
    let mut save = create(&s, t, vec![slot("a", "1")], Some("ada"));
    save.expires_ms = Some(t + 60_000);
    saved(store, save).await;
    assert!(load(store, &s, t + 59_999).await.is_some(), "alive before");
    let after = t + 60_000;
    assert_eq!(store.len(after).await.unwrap(), 0);
    assert!(store.ids(after).await.unwrap().is_empty());
    assert!(sorted_owned(store, "ada", after).await.is_empty());
    assert_eq!(load(store, &s, after).await, None, "expired at its expiry");
    let late = update(&s, after, vec![slot("a", "2")], &[]);
    assert_eq!(saved(store, late).await, SaveOutcome::Gone);
    assert!(!store.touch(&s, after, Some(after + 60_000)).await.unwrap());
    assert_eq!(
        load(store, &s, t + 1).await,
        None,
        "removed, not just hidden"
    );
}

/// A rename moves the session to its new id (or copies it, keeping the old
/// one), with the save applied, and carries its owner along.
pub async fn renames_move_or_copy_atomically(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let (old, new, copy) = (id("rename", 0), id("rename", 1), id("rename", 2));
    saved(store, create(&old, t, vec![slot("a", "1")], Some("ada"))).await;
    let moved = Save {
        id: new.clone(),
        mode: SaveMode::Rename {
            from: old.clone(),
            keep_old: false,
        },
        ..update(&new, t + 10, vec![slot("b", "2")], &[])
    };
    assert_eq!(saved(store, moved).await, SaveOutcome::Saved);
    assert_eq!(load(store, &old, t + 11).await, None, "the old id is gone");
    let record = load(store, &new, t + 11).await.unwrap();
    assert_eq!(fields(&record), [slot("a", "1"), slot("b", "2")]);
    assert_eq!(record.created_ms, t, "the session keeps its creation time");
    assert_eq!(record.owner.as_deref(), Some("ada"));
    assert_eq!(
        sorted_owned(store, "ada", t + 11).await,
        std::slice::from_ref(&new)
    );

    let copied = Save {
        id: copy.clone(),
        mode: SaveMode::Rename {
            from: new.clone(),
            keep_old: true,
        },
        ..update(&copy, t + 20, vec![], &["a"])
    };
    assert_eq!(saved(store, copied).await, SaveOutcome::Saved);
    let kept = load(store, &new, t + 21).await.unwrap();
    assert_eq!(fields(&kept), [slot("a", "1"), slot("b", "2")]);
    let copy_record = load(store, &copy, t + 21).await.unwrap();
    assert_eq!(fields(&copy_record), [slot("b", "2")]);
    assert_eq!(
        sorted_owned(store, "ada", t + 21).await,
        sorted(vec![new, copy])
    );
}

/// A rename needs its source (`Gone` without it) and a free target
/// (`Conflict` when it is taken); neither changes anything.
pub async fn renames_need_a_source_and_a_free_target(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let (a, b, missing) = (id("source", 0), id("source", 1), id("source", 2));
    saved(store, create(&a, t, vec![slot("x", "1")], None)).await;
    saved(store, create(&b, t, vec![slot("y", "2")], None)).await;
    let from_missing = Save {
        mode: SaveMode::Rename {
            from: missing.clone(),
            keep_old: false,
        },
        ..update(&id("source", 3), t + 1, vec![], &[])
    };
    assert_eq!(saved(store, from_missing).await, SaveOutcome::Gone);
    let onto_taken = Save {
        mode: SaveMode::Rename {
            from: a.clone(),
            keep_old: false,
        },
        ..update(&b, t + 1, vec![slot("z", "3")], &[])
    };
    assert_eq!(saved(store, onto_taken).await, SaveOutcome::Conflict);
    assert_eq!(
        fields(&load(store, &a, t + 2).await.unwrap()),
        [slot("x", "1")]
    );
    assert_eq!(
        fields(&load(store, &b, t + 2).await.unwrap()),
        [slot("y", "2")]
    );
    assert_eq!(store.len(t + 2).await.unwrap(), 2);
}

/// A create that replaces a session (one cleared and written again) deletes
/// the old one.
pub async fn creates_can_replace_a_session(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let (old, new) = (id("replace", 0), id("replace", 1));
    saved(store, create(&old, t, vec![slot("a", "1")], Some("ada"))).await;
    let mut save = create(&new, t + 5, vec![slot("b", "2")], None);
    save.mode = SaveMode::Create {
        created_ms: t + 5,
        replaces: Some(old.clone()),
    };
    assert_eq!(saved(store, save).await, SaveOutcome::Saved);
    assert_eq!(load(store, &old, t + 6).await, None);
    assert_eq!(
        fields(&load(store, &new, t + 6).await.unwrap()),
        [slot("b", "2")]
    );
    assert!(sorted_owned(store, "ada", t + 6).await.is_empty());
}

/// `len`, `ids` and `clear` see every live session and only those.
pub async fn counts_lists_and_clears(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let ids: Vec<String> = (0..5).map(|n| id("count", n)).collect();
    for s in &ids {
        saved(store, create(s, t, vec![slot("a", "1")], None)).await;
    }
    assert_eq!(store.len(t + 1).await.unwrap(), 5);
    assert_eq!(sorted(store.ids(t + 1).await.unwrap()), sorted(ids.clone()));
    store.delete(&ids[0]).await.unwrap();
    assert_eq!(store.len(t + 1).await.unwrap(), 4);
    fresh(store).await;
    assert_eq!(store.len(t + 1).await.unwrap(), 0);
    assert!(store.ids(t + 1).await.unwrap().is_empty());
    assert_eq!(load(store, &ids[1], t + 1).await, None);
}

/// Log out everywhere: three sessions of one owner and one of another;
/// revoking the first owner's leaves only the other's.
pub async fn owners_sessions_are_listed_and_revoked(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let ada: Vec<String> = (0..3).map(|n| id("revoke-ada", n)).collect();
    let bob = id("revoke-bob", 0);
    for s in &ada {
        saved(
            store,
            create(s, t, vec![slot("user", r#""ada""#)], Some("ada")),
        )
        .await;
    }
    saved(
        store,
        create(&bob, t, vec![slot("user", r#""bob""#)], Some("bob")),
    )
    .await;
    assert_eq!(sorted_owned(store, "ada", t + 1).await, sorted(ada.clone()));
    assert_eq!(
        sorted_owned(store, "bob", t + 1).await,
        std::slice::from_ref(&bob)
    );
    assert_eq!(store.revoke_owner("ada").await.unwrap(), 3);
    for s in &ada {
        assert_eq!(load(store, s, t + 2).await, None, "{s} is revoked");
    }
    assert!(load(store, &bob, t + 2).await.is_some(), "bob keeps his");
    assert!(sorted_owned(store, "ada", t + 2).await.is_empty());
    assert_eq!(sorted_owned(store, "bob", t + 2).await, [bob]);
    assert_eq!(store.revoke_owner("ada").await.unwrap(), 0);
}

/// The owner index stays exact as owners are set, changed and cleared, and
/// as sessions are deleted or expire.
pub async fn owner_index_follows_every_change(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let (s, other) = (id("follow", 0), id("follow", 1));
    saved(store, create(&s, t, vec![], None)).await;
    assert!(sorted_owned(store, "ada", t).await.is_empty());
    let mut sign_in = update(&s, t + 1, vec![slot("user", r#""ada""#)], &[]);
    sign_in.owner = OwnerUpdate::Set("ada".into());
    saved(store, sign_in).await;
    assert_eq!(
        sorted_owned(store, "ada", t + 1).await,
        std::slice::from_ref(&s)
    );
    let mut switch = update(&s, t + 2, vec![slot("user", r#""bob""#)], &[]);
    switch.owner = OwnerUpdate::Set("bob".into());
    saved(store, switch).await;
    assert!(sorted_owned(store, "ada", t + 2).await.is_empty());
    assert_eq!(
        sorted_owned(store, "bob", t + 2).await,
        std::slice::from_ref(&s)
    );
    assert_eq!(
        store.revoke_owner("ada").await.unwrap(),
        0,
        "not ada's any more"
    );
    let mut sign_out = update(&s, t + 3, vec![], &["user"]);
    sign_out.owner = OwnerUpdate::Clear;
    saved(store, sign_out).await;
    assert!(sorted_owned(store, "bob", t + 3).await.is_empty());
    assert_eq!(load(store, &s, t + 3).await.unwrap().owner, None);

    // Expiry by the store's clock, an hour ahead of the real one: a store
    // that also expires keys in real time (Redis) must not drop the session
    // while the case runs, however slowly.
    let u = t + 3_600_000;
    let mut short = create(&other, u, vec![], Some("cy"));
    short.expires_ms = Some(u + 1000);
    saved(store, short).await;
    assert_eq!(
        sorted_owned(store, "cy", u + 999).await,
        std::slice::from_ref(&other)
    );
    assert!(
        sorted_owned(store, "cy", u + 1000).await.is_empty(),
        "expired"
    );
    saved(store, create(&other, u + 2000, vec![], Some("cy"))).await;
    store.delete(&other).await.unwrap();
    assert!(
        sorted_owned(store, "cy", u + 2001).await.is_empty(),
        "deleted"
    );
}

/// Many writes of one session at once, each to its own field: every one
/// lands (per-field writes, no read-modify-write of the whole record).
pub async fn concurrent_writes_to_different_fields_all_land(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("concurrent", 0);
    saved(store, create(&s, t, vec![], None)).await;
    let writes: Vec<Pending<_>> = (0..64u64)
        .map(|n| {
            let field = format!("f{n}");
            store.save(update(&s, t + n, vec![(field, n.to_string())], &[]))
        })
        .collect();
    for outcome in JoinAll(writes.into_iter().map(Some).collect(), Vec::new()).await {
        assert_eq!(outcome.unwrap(), SaveOutcome::Saved);
    }
    let record = load(store, &s, t + 100).await.unwrap();
    let mut expected: Vec<(String, String)> = (0..64u64)
        .map(|n| (format!("f{n}"), n.to_string()))
        .collect();
    expected.sort();
    assert_eq!(fields(&record), expected);
}

/// Slot values come back byte for byte: escapes, Unicode, large values.
pub async fn values_round_trip_exactly(store: &dyn Store) {
    fresh(store).await;
    let t = t0();
    let s = id("exact", 0);
    let big = format!("\"{}\"", "x".repeat(100_000));
    let values = vec![
        slot("escaped", r#""a\"b\\c\n\u0000""#),
        slot("unicode", r#""héllo ✓ 日本 😀""#),
        slot("nested", r#"{"a":[1,2,{"b":null}],"c":1.5e300}"#),
        slot("big", &big),
        slot("key with spaces and :colons:", "true"),
    ];
    saved(store, create(&s, t, values.clone(), Some("o:w\"ner"))).await;
    let record = load(store, &s, t + 1).await.unwrap();
    let mut expected = values;
    expected.sort();
    assert_eq!(fields(&record), expected);
    assert_eq!(record.owner.as_deref(), Some("o:w\"ner"));
    assert_eq!(sorted_owned(store, "o:w\"ner", t + 1).await, [s]);
}

/// Polls every pending operation until all are done (so a store that does
/// I/O runs them concurrently), in order of the results.
struct JoinAll<T>(Vec<Option<Pending<T>>>, Vec<Option<T>>);

// Results are moved out, never pinned in place; `Pending` is `Unpin`.
impl<T> Unpin for JoinAll<T> {}

impl<T> Future for JoinAll<T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        let this = self.get_mut();
        if this.1.is_empty() {
            this.1 = (0..this.0.len()).map(|_| None).collect();
        }
        let mut pending = false;
        for (slot, out) in this.0.iter_mut().zip(this.1.iter_mut()) {
            if let Some(future) = slot {
                match Pin::new(future).poll(cx) {
                    Poll::Ready(value) => {
                        *out = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(this.1.iter_mut().map(|v| v.take().expect("done")).collect())
        }
    }
}
