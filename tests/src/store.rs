//! [`Down`]: a session store that cannot be reached, for the tests of how
//! failures are answered.

use session_runtime::backend::Pending;
use session_runtime::store::{Record, Save, SaveOutcome, Store};
use session_runtime::{StoreError, StoreErrorKind};

/// A store whose every operation fails as an unreachable server does
/// (`StoreErrorKind::Unavailable`, "connection refused"), after a real
/// await for loads and saves.
#[derive(Clone, Copy, Debug, Default)]
pub struct Down;

/// The error [`Down`] answers with.
pub fn refused() -> StoreError {
    StoreError::new(StoreErrorKind::Unavailable, "connection refused")
}

impl Store for Down {
    fn load(&self, _: &str, _: u64) -> Pending<Result<Option<Record>, StoreError>> {
        Pending::later(async { Err(refused()) })
    }
    fn save(&self, _: Save) -> Pending<Result<SaveOutcome, StoreError>> {
        Pending::later(async { Err(refused()) })
    }
    fn delete(&self, _: &str) -> Pending<Result<bool, StoreError>> {
        Pending::ready(Err(refused()))
    }
    fn touch(&self, _: &str, _: u64, _: Option<u64>) -> Pending<Result<bool, StoreError>> {
        Pending::ready(Err(refused()))
    }
    fn len(&self, _: u64) -> Pending<Result<usize, StoreError>> {
        Pending::ready(Err(refused()))
    }
    fn ids(&self, _: u64) -> Pending<Result<Vec<String>, StoreError>> {
        Pending::ready(Err(refused()))
    }
    fn clear(&self) -> Pending<Result<(), StoreError>> {
        Pending::ready(Err(refused()))
    }
    fn owned_by(&self, _: &str, _: u64) -> Pending<Result<Vec<String>, StoreError>> {
        Pending::ready(Err(refused()))
    }
    fn revoke_owner(&self, _: &str) -> Pending<Result<usize, StoreError>> {
        Pending::ready(Err(refused()))
    }
}
