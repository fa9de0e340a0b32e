//! Sessions kept in a store (the `MemoryStore`), framework-free: the token
//! is a sealed id, writes are per field, ids from a token the store does
//! not hold are never adopted, destroy and revocation are final, expiry is
//! enforced, and a request that changed nothing writes nothing. The seeds'
//! store behaviours (seed-systems §7.4 memory storage, §7.5 loading,
//! regenerate, destroy, touch) where they apply.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use session_runtime::backend::Pending;
use session_runtime::store::{MemoryStore, Record, Save, SaveOutcome, Store};
use session_runtime::{
    Key, KeyRing, ManualClock, Saved, SealError, Session, SessionConfig, StoreError, UnsealError,
};

#[derive(Session)]
#[session(cookie = "sid", max_age = "1d", idle_timeout = "30m")]
struct App {
    #[session(owner)]
    user: Option<String>,
    #[session(default)]
    visits: u32,
    #[session(flash)]
    notice: Option<String>,
    theme: Option<String>,
}

const T0: u64 = 1_700_000_000_000;

/// A store that counts what it is asked, to show what a request costs.
#[derive(Default)]
struct Counting {
    inner: MemoryStore,
    loads: AtomicUsize,
    saves: AtomicUsize,
    deletes: AtomicUsize,
    touches: AtomicUsize,
    last_save: std::sync::Mutex<Option<Save>>,
}

impl Store for Counting {
    fn load(&self, id: &str, now_ms: u64) -> Pending<Result<Option<Record>, StoreError>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(id, now_ms)
    }
    fn save(&self, save: Save) -> Pending<Result<SaveOutcome, StoreError>> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        *self.last_save.lock().unwrap() = Some(save.clone());
        self.inner.save(save)
    }
    fn delete(&self, id: &str) -> Pending<Result<bool, StoreError>> {
        self.deletes.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(id)
    }
    fn touch(&self, id: &str, at: u64, expires: Option<u64>) -> Pending<Result<bool, StoreError>> {
        self.touches.fetch_add(1, Ordering::SeqCst);
        self.inner.touch(id, at, expires)
    }
    fn len(&self, now_ms: u64) -> Pending<Result<usize, StoreError>> {
        self.inner.len(now_ms)
    }
    fn ids(&self, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        self.inner.ids(now_ms)
    }
    fn clear(&self) -> Pending<Result<(), StoreError>> {
        self.inner.clear()
    }
    fn owned_by(&self, owner: &str, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        self.inner.owned_by(owner, now_ms)
    }
    fn revoke_owner(&self, owner: &str) -> Pending<Result<usize, StoreError>> {
        self.inner.revoke_owner(owner)
    }
}

impl Counting {
    fn counts(&self) -> [usize; 4] {
        [
            self.loads.load(Ordering::SeqCst),
            self.saves.load(Ordering::SeqCst),
            self.deletes.load(Ordering::SeqCst),
            self.touches.load(Ordering::SeqCst),
        ]
    }
}

struct Env {
    config: SessionConfig<App>,
    store: Arc<Counting>,
    clock: ManualClock,
}

fn env() -> Env {
    let store = Arc::new(Counting::default());
    let clock = ManualClock::new(T0);
    let config = SessionConfig::<App>::new(Key::derive([3u8; 32]).unwrap())
        .with_clock(clock.clone())
        .with_store(Arc::clone(&store));
    Env {
        config,
        store,
        clock,
    }
}

fn ready<T>(pending: Pending<T>) -> T {
    pending.now().expect("the memory store answers at once")
}

impl Env {
    /// The next request carrying `token`: the session and why a token was rejected.
    fn load(&self, token: &str) -> (Session<App>, Option<UnsealError>) {
        ready(Session::<App>::load(&self.config, Some(token))).unwrap()
    }

    fn save(&self, session: &Session<App>) -> Saved {
        ready(session.save(&self.config)).unwrap()
    }

    fn token(&self, session: &Session<App>) -> String {
        match self.save(session) {
            Saved::Write(token) => token,
            other => panic!("expected a token, got {other:?}"),
        }
    }

    fn live(&self) -> usize {
        ready(self.store.len(self.clock.now_ms())).unwrap()
    }
}

use session_runtime::Clock as _;

#[test]
fn the_cookie_carries_a_short_sealed_id_and_the_data_lives_in_the_store() {
    let env = env();
    let mut session = Session::<App>::new(&env.config);
    session.set_theme("x".repeat(3000));
    let token = env.token(&session);
    assert!(token.len() < 100, "a sealed id, not the session: {token}");
    assert!(!token.contains(session.id()), "the id is sealed");
    let (back, error) = env.load(&token);
    assert_eq!(error, None);
    assert_eq!(back.id(), session.id());
    assert_eq!(back.theme().map(String::len), Some(3000));
    assert_eq!(env.live(), 1);
}

#[test]
fn a_counter_persists_over_three_requests_and_destroy_resets_it() {
    let env = env();
    let mut token = env.token(&{
        let mut s = Session::<App>::new(&env.config);
        s.set_visits(1);
        s
    });
    for n in 2..=3 {
        let (mut s, _) = env.load(&token);
        assert_eq!(*s.visits(), n - 1);
        s.set_visits(n);
        token = env.token(&s);
    }
    let (mut s, _) = env.load(&token);
    assert_eq!(*s.visits(), 3);
    s.destroy();
    assert_eq!(env.save(&s), Saved::Remove);
    assert_eq!(env.live(), 0, "destroy deletes the record");
    // Any copy of the cookie is anonymous from now on.
    let (replayed, error) = env.load(&token);
    assert_eq!(error, Some(UnsealError::UnknownSession));
    assert_eq!(*replayed.visits(), 0);
    assert_ne!(replayed.id(), s.id(), "a fresh session, with a new id");
}

#[test]
fn an_id_the_store_does_not_hold_is_never_adopted() {
    let env = env();
    let other =
        SessionConfig::<App>::new(Key::derive([3u8; 32]).unwrap()).with_store(MemoryStore::new());
    let mut planted = Session::<App>::new(&other);
    planted.set_visits(9);
    let Saved::Write(token) = ready(planted.save(&other)).unwrap() else {
        panic!("a token");
    };
    // Authentic (same key) but unknown to this store: fresh, new id.
    let (session, error) = env.load(&token);
    assert_eq!(error, Some(UnsealError::UnknownSession));
    assert_ne!(session.id(), planted.id());
    assert!(session.is_new());
    let written = env.token(&{
        let mut s = session;
        s.set_visits(1);
        s
    });
    let (back, _) = env.load(&written);
    assert_ne!(back.id(), planted.id(), "the planted id never becomes live");
}

#[test]
fn a_token_that_fails_authentication_never_reaches_the_store() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_visits(1);
    let token = env.token(&s);
    let loads = env.store.counts()[0];
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let (_, error) = env.load(std::str::from_utf8(&tampered).unwrap());
    assert!(matches!(
        error,
        Some(UnsealError::Tampered | UnsealError::Malformed)
    ));
    // Sealed for another cookie name: bound, so rejected too.
    let renamed = env.config.clone().with_cookie_name("other");
    let (_, error) = ready(Session::<App>::load(&renamed, Some(&token))).unwrap();
    assert_eq!(error, Some(UnsealError::Tampered));
    // A whole sealed session is not an id token either.
    let cookie_config = SessionConfig::<App>::new(Key::derive([3u8; 32]).unwrap());
    let whole = s.seal(&cookie_config).unwrap();
    let (_, error) = env.load(&whole);
    assert!(matches!(error, Some(UnsealError::UnsupportedVersion(_))));
    assert_eq!(
        env.store.counts()[0],
        loads,
        "no store round trip for any of them"
    );
}

#[test]
fn a_request_that_changed_nothing_writes_nothing() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_visits(1);
    let token = env.token(&s);
    let before = env.store.counts();
    let (read, _) = env.load(&token);
    assert_eq!(*read.visits(), 1);
    assert_eq!(env.save(&read), Saved::Unchanged);
    let after = env.store.counts();
    assert_eq!(after[0], before[0] + 1, "one load");
    assert_eq!(after[1..], before[1..], "no save, delete or touch");
    // Past half the idle window a read slides it: a touch, no write.
    env.clock.advance(Duration::from_mins(16));
    let (read, _) = env.load(&token);
    assert!(
        matches!(env.save(&read), Saved::Write(_)),
        "the cookie slides too"
    );
    let slid = env.store.counts();
    assert_eq!(
        (slid[1], slid[3]),
        (after[1], after[3] + 1),
        "a touch, no save"
    );
}

#[test]
fn a_save_writes_only_the_fields_that_changed() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_user("ada");
    s.set_visits(1);
    s.set_theme("dark");
    s.flash_notice("hi");
    let token = env.token(&s);
    let created = env.store.last_save.lock().unwrap().take().unwrap();
    let mut keys: Vec<&str> = created.set.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["notice", "theme", "user", "visits"],
        "a new session is written whole"
    );

    let (mut next, _) = env.load(&token);
    next.set_visits(2);
    next.unset_theme();
    env.save(&next);
    let update = env.store.last_save.lock().unwrap().take().unwrap();
    assert_eq!(update.set, [("visits".to_owned(), "2".to_owned())]);
    let mut removed = update.remove.clone();
    removed.sort();
    // The flash that arrived is read once, then removed.
    assert_eq!(removed, ["notice", "theme"]);
    assert_eq!(update.owner, session_runtime::store::OwnerUpdate::Keep);
}

#[test]
fn writes_of_different_fields_by_concurrent_requests_both_land() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_visits(1);
    let token = env.token(&s);
    let (mut a, _) = env.load(&token);
    let (mut b, _) = env.load(&token);
    a.set_visits(2);
    b.set_theme("dark");
    env.save(&a);
    env.save(&b);
    let (back, _) = env.load(&token);
    assert_eq!(*back.visits(), 2);
    assert_eq!(back.theme().map(String::as_str), Some("dark"));
}

#[test]
fn a_destroy_racing_a_slow_write_never_resurrects_the_session() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_user("ada");
    let token = env.token(&s);
    let (mut slow, _) = env.load(&token);
    let (mut logout, _) = env.load(&token);
    slow.set_theme("dark");
    logout.destroy();
    assert_eq!(env.save(&logout), Saved::Remove);
    // The slow request finishes after the logout: nothing comes back, and
    // its client loses the cookie.
    assert_eq!(env.save(&slow), Saved::Remove);
    assert_eq!(env.live(), 0);
    let (replayed, error) = env.load(&token);
    assert_eq!(error, Some(UnsealError::UnknownSession));
    assert_eq!(replayed.user(), None);
}

#[test]
fn flash_is_invisible_where_set_visible_next_and_gone_after() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.flash_notice("saved");
    assert_eq!(s.notice(), None, "not in the request that set it");
    let token = env.token(&s);
    let (next, _) = env.load(&token);
    assert_eq!(next.notice().map(String::as_str), Some("saved"));
    assert!(next.is_dirty(), "reading drops it on save");
    env.save(&next);
    let (after, _) = env.load(&token);
    assert_eq!(after.notice(), None);
}

#[test]
fn regenerate_id_deletes_or_keeps_the_old_record() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_visits(5);
    let token = env.token(&s);

    let (mut keep, _) = env.load(&token);
    keep.regenerate_id(false);
    assert_eq!(keep.delete_id(), None);
    let kept_token = env.token(&keep);
    assert_eq!(env.live(), 2, "regenerate_id(false) keeps the old data");
    assert_eq!(*env.load(&token).0.visits(), 5);
    assert_eq!(*env.load(&kept_token).0.visits(), 5);

    let (mut fresh, _) = env.load(&kept_token);
    let old = fresh.id().to_owned();
    fresh.regenerate_id(true);
    assert_eq!(fresh.delete_id(), Some(old.as_str()));
    let new_token = env.token(&fresh);
    assert_eq!(env.live(), 2, "the old record went, the new one came");
    assert_eq!(env.load(&kept_token).1, Some(UnsealError::UnknownSession));
    let (moved, _) = env.load(&new_token);
    assert_eq!(*moved.visits(), 5);
    assert_eq!(moved.id(), fresh.id());
}

#[test]
fn clear_and_rewrite_replaces_the_stored_session() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_user("ada");
    let token = env.token(&s);
    let (mut cleared, _) = env.load(&token);
    cleared.clear();
    cleared.set_visits(1);
    let new_token = env.token(&cleared);
    assert_eq!(env.live(), 1);
    assert_eq!(env.load(&token).1, Some(UnsealError::UnknownSession));
    let (back, _) = env.load(&new_token);
    assert_eq!((back.user(), *back.visits()), (None, 1));
    // Cleared and not written again: removed.
    let (mut gone, _) = env.load(&new_token);
    gone.clear();
    assert_eq!(env.save(&gone), Saved::Remove);
    assert_eq!(env.live(), 0);
}

#[test]
fn max_age_is_absolute_and_idle_timeout_slides_and_expired_entries_go() {
    let env = env();
    let mut s = Session::<App>::new(&env.config);
    s.set_visits(1);
    let mut token = env.token(&s);
    // Active every 20 minutes: the 30-minute idle window keeps sliding...
    for _ in 0..10 {
        env.clock.advance(Duration::from_mins(20));
        let (mut s, error) = env.load(&token);
        assert_eq!(error, None);
        s.set_visits(s.visits() + 1);
        token = env.token(&s);
    }
    // ...but not past one day from creation.
    env.clock.set_ms(T0 + 86_400_000 + 1);
    let (fresh, error) = env.load(&token);
    assert!(matches!(
        error,
        Some(UnsealError::Expired(_) | UnsealError::UnknownSession)
    ));
    assert_eq!(*fresh.visits(), 0);
    assert_eq!(env.live(), 0, "an expired entry is removed, never served");

    // Idle: 31 minutes without a request.
    let mut s = Session::<App>::new(&env.config);
    s.set_visits(1);
    let token = env.token(&s);
    env.clock.advance(Duration::from_mins(31));
    assert!(env.load(&token).1.is_some());
    assert_eq!(env.live(), 0);
}

#[test]
fn log_out_everywhere_revokes_one_owners_sessions_only() {
    let env = env();
    let sign_in = |user: &str| {
        let mut s = Session::<App>::new(&env.config);
        s.set_user(user);
        env.token(&s)
    };
    let ada: Vec<String> = (0..3).map(|_| sign_in("ada")).collect();
    let bob = sign_in("bob");
    let mut devices = ready(env.config.sessions_of(&"ada".to_owned())).unwrap();
    devices.sort();
    let mut expected: Vec<String> = ada.iter().map(|t| env.load(t).0.id().to_owned()).collect();
    expected.sort();
    assert_eq!(devices, expected);
    assert_eq!(
        ready(env.config.revoke_owner(&"ada".to_owned())).unwrap(),
        3
    );
    for token in &ada {
        let (s, error) = env.load(token);
        assert_eq!(error, Some(UnsealError::UnknownSession));
        assert_eq!(s.user(), None);
    }
    assert_eq!(env.load(&bob).0.user().map(String::as_str), Some("bob"));
    // Signing out clears the owner from the index.
    let (mut out, _) = env.load(&bob);
    out.unset_user();
    env.save(&out);
    assert!(
        ready(env.config.sessions_of(&"bob".to_owned()))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_rotated_key_still_opens_ids_and_reseals_them_without_a_write() {
    let old = Key::derive([1u8; 32]).unwrap();
    let new = Key::derive([2u8; 32]).unwrap();
    let store = Arc::new(Counting::default());
    let before = SessionConfig::<App>::new(old.clone()).with_store(Arc::clone(&store));
    let after = SessionConfig::<App>::new(KeyRing::new(new).with_previous(old).unwrap())
        .with_store(Arc::clone(&store));
    let mut s = Session::<App>::new(&before);
    s.set_visits(4);
    let Saved::Write(token) = ready(s.save(&before)).unwrap() else {
        panic!()
    };
    let saves = store.counts()[1];
    let (opened, error) = ready(Session::<App>::load(&after, Some(&token))).unwrap();
    assert_eq!((error, *opened.visits()), (None, 4));
    let Saved::Write(resealed) = ready(opened.save(&after)).unwrap() else {
        panic!("resealed under the primary key")
    };
    assert_ne!(resealed, token);
    assert_eq!(store.counts()[1], saves, "no field was written");
    let (again, _) = ready(Session::<App>::load(&after, Some(&resealed))).unwrap();
    assert_eq!(ready(again.save(&after)).unwrap(), Saved::Unchanged);
}

#[test]
fn seal_and_unseal_say_the_sessions_live_in_a_store() {
    let env = env();
    let s = Session::<App>::new(&env.config);
    assert!(matches!(s.seal(&env.config), Err(SealError::StoreMode)));
    assert_eq!(
        Session::<App>::unseal(&env.config, "x").unwrap_err(),
        UnsealError::StoreMode
    );
}

#[test]
fn cookie_sessions_cannot_be_revoked() {
    let config = SessionConfig::<App>::new(Key::generate());
    let error = ready(config.revoke_owner(&"ada".to_owned())).unwrap_err();
    assert_eq!(error.kind(), session_runtime::StoreErrorKind::Unsupported);
}
