//! [`MemoryStore`]: sessions in this process's memory, sharded so that
//! requests for different sessions rarely wait on one lock.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use super::{OwnerUpdate, Record, Save, SaveMode, SaveOutcome, Store, expired};
use crate::backend::Pending;
use crate::error::StoreError;

/// How many shards the sessions (and, separately, the owner index) are
/// spread over.
const SHARDS: usize = 32;

/// Operations a shard sees between two sweeps of its expired sessions,
/// at least: sweeping is amortised over the operations of the shard.
const SWEEP_EVERY: usize = 64;

/// The embedded session store: sessions live in this process, for one
/// machine. Clones of an `Arc<MemoryStore>` share it.
///
/// * **Concurrent:** sessions are spread over 32 shards by id, each with its
///   own lock, held only for the map operation; the owner index is sharded
///   the same way.
/// * **Expiry:** an expired session is never served; it is removed when it
///   is read, and every shard sweeps its expired sessions after a number of
///   operations proportional to its size, so entries nobody reads again do
///   not pile up (memory stays proportional to the live sessions).
///   [`prune`](Self::prune) sweeps everything at once.
/// * **Capacity** (optional, [`with_capacity`](Self::with_capacity)): when
///   the store is full, creating a session first sweeps the expired ones of
///   its shard, then evicts the session of that shard that expires soonest
///   (one without a lifetime counts as expiring last); if its shard is
///   empty, the next shard that holds a session gives one up the same way.
///   Updates never evict. Under contention (every other shard locked at
///   that moment) a creation may go one over the capacity.
///
/// ```
/// use session_runtime::store::{MemoryStore, OwnerUpdate, Save, SaveMode, SaveOutcome, Store};
///
/// let store = MemoryStore::new();
/// let save = Save {
///     id: "s1".into(),
///     mode: SaveMode::Create { created_ms: 0, replaces: None },
///     set: vec![("user".into(), "\"ada\"".into())],
///     remove: vec![],
///     last_seen_ms: 0,
///     expires_ms: Some(60_000),
///     owner: OwnerUpdate::Set("ada".into()),
/// };
/// assert_eq!(store.save(save).now().unwrap().unwrap(), SaveOutcome::Saved);
/// let record = store.load("s1", 1_000).now().unwrap().unwrap().unwrap();
/// assert_eq!(record.fields, [("user".to_owned(), "\"ada\"".to_owned())]);
/// assert_eq!(store.owned_by("ada", 1_000).now().unwrap().unwrap(), ["s1"]);
/// // Expired at 60 s: never served again.
/// assert!(store.load("s1", 60_000).now().unwrap().unwrap().is_none());
/// ```
pub struct MemoryStore {
    sessions: Box<[Mutex<Shard>]>,
    owners: Box<[Mutex<OwnerIndex>]>,
    hasher: RandomState,
    len: AtomicUsize,
    capacity: Option<usize>,
    evictions: AtomicUsize,
}

/// Owner key to the ids of the owner's sessions.
type OwnerIndex = HashMap<String, HashSet<String>>;

#[derive(Default)]
struct Shard {
    map: HashMap<String, Entry>,
    /// Operations since the last sweep.
    ops: usize,
}

struct Entry {
    created_ms: u64,
    last_seen_ms: u64,
    expires_ms: Option<u64>,
    owner: Option<String>,
    fields: Vec<(String, String)>,
}

impl Entry {
    fn record(&self) -> Record {
        Record {
            created_ms: self.created_ms,
            last_seen_ms: self.last_seen_ms,
            expires_ms: self.expires_ms,
            owner: self.owner.clone(),
            fields: self.fields.clone(),
        }
    }

    /// Sets and removes slots, moves the times.
    fn apply(&mut self, save: &Save) {
        for key in &save.remove {
            self.fields.retain(|(k, _)| k != key);
        }
        for (key, json) in &save.set {
            match self.fields.iter_mut().find(|(k, _)| k == key) {
                Some((_, slot)) => slot.clone_from(json),
                None => self.fields.push((key.clone(), json.clone())),
            }
        }
        self.last_seen_ms = save.last_seen_ms;
        self.expires_ms = save.expires_ms;
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store without a capacity bound.
    pub fn new() -> Self {
        Self {
            sessions: (0..SHARDS).map(|_| Mutex::default()).collect(),
            owners: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            len: AtomicUsize::new(0),
            capacity: None,
            evictions: AtomicUsize::new(0),
        }
    }

    /// Holds at most `sessions` sessions; see the policy in the type's docs.
    #[must_use]
    pub fn with_capacity(mut self, sessions: usize) -> Self {
        self.capacity = Some(sessions.max(1));
        self
    }

    /// How many sessions were evicted to respect the capacity.
    pub fn evictions(&self) -> usize {
        self.evictions.load(Ordering::Relaxed)
    }

    /// Removes every session expired at `now_ms`; how many there were.
    pub fn prune(&self, now_ms: u64) -> usize {
        (0..SHARDS)
            .map(|i| {
                let mut shard = lock(&self.sessions[i]);
                self.sweep(&mut shard, now_ms)
            })
            .sum()
    }

    fn shard_of(&self, key: &str) -> usize {
        // The low bits of a keyed hash: spread evenly, not guessable.
        usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0)
    }

    fn shard(&self, id: &str) -> MutexGuard<'_, Shard> {
        lock(&self.sessions[self.shard_of(id)])
    }

    /// Notes an operation on `shard`, sweeping it when its turn came.
    fn tick(&self, shard: &mut Shard, now_ms: u64) {
        shard.ops += 1;
        if shard.ops >= SWEEP_EVERY.max(shard.map.len()) {
            self.sweep(shard, now_ms);
        }
    }

    /// Removes the expired sessions of `shard`.
    fn sweep(&self, shard: &mut Shard, now_ms: u64) -> usize {
        shard.ops = 0;
        let mut gone = Vec::new();
        shard.map.retain(|id, entry| {
            let keep = !expired(entry.expires_ms, now_ms);
            if !keep {
                gone.push((id.clone(), entry.owner.take()));
            }
            keep
        });
        self.len.fetch_sub(gone.len(), Ordering::Relaxed);
        for (id, owner) in &gone {
            self.unindex(owner.as_deref(), id);
        }
        gone.len()
    }

    /// Removes `id` from its shard (the caller holds the lock), keeping the
    /// count and the owner index exact.
    fn remove_entry(&self, shard: &mut Shard, id: &str) -> Option<Entry> {
        let entry = shard.map.remove(id)?;
        self.len.fetch_sub(1, Ordering::Relaxed);
        self.unindex(entry.owner.as_deref(), id);
        Some(entry)
    }

    fn index(&self, owner: &str, id: &str) {
        lock(&self.owners[self.shard_of(owner)])
            .entry(owner.to_owned())
            .or_default()
            .insert(id.to_owned());
    }

    fn unindex(&self, owner: Option<&str>, id: &str) {
        let Some(owner) = owner else { return };
        let mut owners = lock(&self.owners[self.shard_of(owner)]);
        if let Some(ids) = owners.get_mut(owner) {
            ids.remove(id);
            if ids.is_empty() {
                owners.remove(owner);
            }
        }
    }

    /// Applies the owner update of a save to `entry` (stored at `id`).
    fn set_owner(&self, entry: &mut Entry, id: &str, update: &OwnerUpdate) {
        let new = match update {
            OwnerUpdate::Keep => return,
            OwnerUpdate::Set(owner) => Some(owner.clone()),
            OwnerUpdate::Clear => None,
        };
        if entry.owner == new {
            return;
        }
        self.unindex(entry.owner.as_deref(), id);
        if let Some(owner) = &new {
            self.index(owner, id);
        }
        entry.owner = new;
    }

    /// Makes room for one more session when the store is full: in `shard`
    /// (number `home`, locked by the caller) if it holds any, or else in the
    /// next shard that holds one and is free to lock, so that a new
    /// session landing in an empty shard still keeps the store within its
    /// capacity.
    fn make_room(&self, home: usize, shard: &mut Shard, now_ms: u64) {
        let Some(capacity) = self.capacity else {
            return;
        };
        if self.len.load(Ordering::Relaxed) < capacity {
            return;
        }
        if self.evict_from(shard, now_ms) {
            return;
        }
        for other in (1..SHARDS).map(|step| (home + step) % SHARDS) {
            // Only `try_lock`: two creations that each hold their own shard
            // must never wait for each other's.
            let mut other = match self.sessions[other].try_lock() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => continue,
            };
            if self.evict_from(&mut other, now_ms) {
                return;
            }
        }
    }

    /// Sweeps the expired sessions of `shard`, or if there are none evicts
    /// the one that expires soonest; whether a session left.
    fn evict_from(&self, shard: &mut Shard, now_ms: u64) -> bool {
        if self.sweep(shard, now_ms) > 0 {
            return true;
        }
        let soonest = shard
            .map
            .iter()
            .min_by_key(|(_, e)| e.expires_ms.unwrap_or(u64::MAX))
            .map(|(id, _)| id.clone());
        let Some(id) = soonest else {
            return false;
        };
        self.remove_entry(shard, &id);
        self.evictions.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn create(&self, save: &Save, created_ms: u64, replaces: Option<&str>) -> SaveOutcome {
        if let Some(old) = replaces {
            let mut shard = self.shard(old);
            self.remove_entry(&mut shard, old);
        }
        let home = self.shard_of(&save.id);
        let mut shard = lock(&self.sessions[home]);
        self.tick(&mut shard, save.last_seen_ms);
        if shard
            .map
            .get(&save.id)
            .is_some_and(|e| !expired(e.expires_ms, save.last_seen_ms))
        {
            return SaveOutcome::Conflict;
        }
        self.remove_entry(&mut shard, &save.id);
        self.make_room(home, &mut shard, save.last_seen_ms);
        let mut entry = Entry {
            created_ms,
            last_seen_ms: save.last_seen_ms,
            expires_ms: save.expires_ms,
            owner: None,
            fields: Vec::with_capacity(save.set.len()),
        };
        entry.apply(save);
        self.set_owner(&mut entry, &save.id, &save.owner);
        shard.map.insert(save.id.clone(), entry);
        self.len.fetch_add(1, Ordering::Relaxed);
        SaveOutcome::Saved
    }

    fn update(&self, save: &Save) -> SaveOutcome {
        let mut shard = self.shard(&save.id);
        self.tick(&mut shard, save.last_seen_ms);
        match shard.map.get_mut(&save.id) {
            Some(entry) if !expired(entry.expires_ms, save.last_seen_ms) => {
                entry.apply(save);
                self.set_owner(entry, &save.id, &save.owner);
                SaveOutcome::Saved
            }
            Some(_) => {
                // Expired: gone for good (and out of the index).
                self.remove_entry(&mut shard, &save.id);
                SaveOutcome::Gone
            }
            None => SaveOutcome::Gone,
        }
    }

    fn rename(&self, save: &Save, from: &str, keep_old: bool) -> SaveOutcome {
        let now = save.last_seen_ms;
        let (a, b) = (self.shard_of(from), self.shard_of(&save.id));
        // Both shards at once, in index order: the move is atomic and two
        // renames cannot deadlock.
        let (mut first, mut second) = if a == b {
            (lock(&self.sessions[a]), None)
        } else {
            let (low, high) = (a.min(b), a.max(b));
            let low_guard = lock(&self.sessions[low]);
            let high_guard = lock(&self.sessions[high]);
            if a == low {
                (low_guard, Some(high_guard))
            } else {
                (high_guard, Some(low_guard))
            }
        };
        // `first` holds `from`; the target is in `second`, or also in `first`.
        let target_taken = {
            let target = second.as_deref().unwrap_or(&*first);
            target
                .map
                .get(&save.id)
                .is_some_and(|e| !expired(e.expires_ms, now))
        };
        if target_taken {
            return SaveOutcome::Conflict;
        }
        let Some(old) = first.map.get(from).filter(|e| !expired(e.expires_ms, now)) else {
            return SaveOutcome::Gone;
        };
        let mut entry = Entry {
            created_ms: old.created_ms,
            last_seen_ms: old.last_seen_ms,
            expires_ms: old.expires_ms,
            owner: None,
            fields: old.fields.clone(),
        };
        let owner = old.owner.clone();
        if !keep_old {
            self.remove_entry(&mut first, from);
        }
        entry.apply(save);
        let update = match (&save.owner, owner) {
            (OwnerUpdate::Keep, Some(owner)) => OwnerUpdate::Set(owner),
            (update, _) => update.clone(),
        };
        self.set_owner(&mut entry, &save.id, &update);
        let target = second.as_deref_mut().unwrap_or(&mut *first);
        if let Some(stale) = target.map.insert(save.id.clone(), entry) {
            // An expired session under the new id: replaced.
            self.unindex(stale.owner.as_deref(), &save.id);
        } else {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
        SaveOutcome::Saved
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store for MemoryStore {
    fn load(&self, id: &str, now_ms: u64) -> Pending<Result<Option<Record>, StoreError>> {
        let mut shard = self.shard(id);
        self.tick(&mut shard, now_ms);
        let record = match shard.map.get(id) {
            Some(entry) if !expired(entry.expires_ms, now_ms) => Some(entry.record()),
            Some(_) => {
                self.remove_entry(&mut shard, id);
                None
            }
            None => None,
        };
        Pending::ready(Ok(record))
    }

    fn save(&self, save: Save) -> Pending<Result<SaveOutcome, StoreError>> {
        let outcome = match &save.mode {
            SaveMode::Create {
                created_ms,
                replaces,
            } => self.create(&save, *created_ms, replaces.as_deref()),
            SaveMode::Update => self.update(&save),
            SaveMode::Rename { from, keep_old } => self.rename(&save, from, *keep_old),
        };
        Pending::ready(Ok(outcome))
    }

    fn delete(&self, id: &str) -> Pending<Result<bool, StoreError>> {
        let mut shard = self.shard(id);
        Pending::ready(Ok(self.remove_entry(&mut shard, id).is_some()))
    }

    fn touch(
        &self,
        id: &str,
        last_seen_ms: u64,
        expires_ms: Option<u64>,
    ) -> Pending<Result<bool, StoreError>> {
        let mut shard = self.shard(id);
        self.tick(&mut shard, last_seen_ms);
        let touched = match shard.map.get_mut(id) {
            Some(entry) if !expired(entry.expires_ms, last_seen_ms) => {
                entry.last_seen_ms = last_seen_ms;
                entry.expires_ms = expires_ms;
                true
            }
            Some(_) => {
                self.remove_entry(&mut shard, id);
                false
            }
            None => false,
        };
        Pending::ready(Ok(touched))
    }

    fn len(&self, now_ms: u64) -> Pending<Result<usize, StoreError>> {
        let live = (0..SHARDS)
            .map(|i| {
                let shard = lock(&self.sessions[i]);
                shard
                    .map
                    .values()
                    .filter(|e| !expired(e.expires_ms, now_ms))
                    .count()
            })
            .sum();
        Pending::ready(Ok(live))
    }

    fn ids(&self, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        let mut ids = Vec::new();
        for shard in &self.sessions {
            let shard = lock(shard);
            ids.extend(
                shard
                    .map
                    .iter()
                    .filter(|(_, e)| !expired(e.expires_ms, now_ms))
                    .map(|(id, _)| id.clone()),
            );
        }
        Pending::ready(Ok(ids))
    }

    fn clear(&self) -> Pending<Result<(), StoreError>> {
        for shard in &self.sessions {
            let mut shard = lock(shard);
            self.len.fetch_sub(shard.map.len(), Ordering::Relaxed);
            shard.map.clear();
            shard.ops = 0;
        }
        for owners in &self.owners {
            lock(owners).clear();
        }
        Pending::ready(Ok(()))
    }

    fn owned_by(&self, owner: &str, now_ms: u64) -> Pending<Result<Vec<String>, StoreError>> {
        // The index lock is not held while sessions are looked at: locks are
        // always taken sessions first, owners second.
        let ids: Vec<String> = lock(&self.owners[self.shard_of(owner)])
            .get(owner)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        let mut live = Vec::with_capacity(ids.len());
        for id in ids {
            let mut shard = self.shard(&id);
            match shard.map.get(&id) {
                Some(e) if e.owner.as_deref() == Some(owner) && !expired(e.expires_ms, now_ms) => {
                    live.push(id);
                }
                Some(e) if expired(e.expires_ms, now_ms) => {
                    self.remove_entry(&mut shard, &id);
                }
                _ => {}
            }
        }
        live.sort_unstable();
        Pending::ready(Ok(live))
    }

    fn revoke_owner(&self, owner: &str) -> Pending<Result<usize, StoreError>> {
        let ids: Vec<String> = lock(&self.owners[self.shard_of(owner)])
            .get(owner)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        let mut revoked = 0;
        for id in ids {
            let mut shard = self.shard(&id);
            // Only if it still belongs to `owner`: a session that changed
            // hands meanwhile is not theirs to revoke.
            if shard
                .map
                .get(&id)
                .is_some_and(|e| e.owner.as_deref() == Some(owner))
            {
                self.remove_entry(&mut shard, &id);
                revoked += 1;
            }
        }
        Pending::ready(Ok(revoked))
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("sessions", &self.len.load(Ordering::Relaxed))
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
