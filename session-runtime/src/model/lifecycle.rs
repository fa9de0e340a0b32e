//! The rules every backend follows, written once: destroying, clearing and
//! regenerating a session, when it has expired, when saving must write,
//! and until when a saved session lives.

use std::time::Duration;

use crate::error::{Expiry, UnsealError};
use crate::model::schema::SessionData;
use crate::model::settings::Settings;
use crate::model::state::SessionState;

/// What saving a session must do, whatever keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing changed: write nothing, send no cookie.
    Keep,
    /// Write the session (its changes, a new id, a slid idle window, or
    /// a reseal under the current key).
    Write,
    /// The session was destroyed, or cleared and not written again:
    /// delete it and remove the cookie.
    Remove,
}

/// How far a session's recorded times may be ahead of this server's clock
/// (ordinary skew between servers); beyond it they are not trusted.
const FUTURE_SKEW_MS: u64 = 60_000;

/// The lifecycle operations users call.
impl<T: SessionData> SessionState<T> {
    /// Destroys the session: its data is gone, writes are ignored from now
    /// on, and saving removes it (and its cookie).
    pub fn destroy(&mut self) {
        self.reset_data();
        self.dirty = 0;
        self.status.destroyed = true;
    }

    /// Gives the session a new id, keeping its data (call it on login, against
    /// session fixation). With `delete_old`, [`delete_id`](Self::delete_id)
    /// names the id the session had when it was loaded, however often the id
    /// changes, so a store can delete it.
    pub fn regenerate_id(&mut self, delete_old: bool) {
        if self.status.destroyed {
            return;
        }
        // A session created in this request was never stored: nothing to delete.
        let delete_old = delete_old && !self.status.is_new;
        let original = self.replace_id(self.next_id());
        let original = delete_old.then(|| original.to_owned());
        self.status.id_changed = true;
        if original.is_some() {
            self.delete_id = original;
        }
    }

    /// Clears the session as h3's `clearSession` does: the data is gone and
    /// saving removes the cookie; anything written afterwards starts a new
    /// session with a new id.
    pub fn clear(&mut self) {
        self.reset_data();
        self.dirty = 0;
        self.status.id_changed = false;
        self.status.cleared = true;
        self.status.is_new = true;
        let original = self.replace_id(self.next_id()).to_owned();
        self.delete_id = Some(original);
    }

    /// A new id from the configuration's generator.
    fn next_id(&self) -> String {
        self.id_generator
            .as_ref()
            .map_or_else(crate::crypto::generate_id, |generate| generate())
    }

    /// Gives the session the id `id`, remembering the id it had when it
    /// was loaded or created; returns that original id.
    pub(super) fn replace_id(&mut self, id: String) -> &str {
        let old = std::mem::replace(&mut self.id, id);
        self.original_id.get_or_insert(old)
    }

    pub(super) fn reset_data(&mut self) {
        self.data = T::new_default();
        self.present = 0;
        self.flash_in = 0;
        self.flash_out.clear();
        self.flash_error = None;
        self.extra.clear();
    }
}

/// The rules backends and transports apply.
impl<T: SessionData> SessionState<T> {
    /// What saving must do at `now_ms`.
    ///
    /// A session is written when a field changed, its id was regenerated, it
    /// was opened with an older key, or more than half its idle window has
    /// passed; it is removed when destroyed or cleared (and not written
    /// again); otherwise nothing happens.
    pub(crate) fn action(&self, settings: &Settings, now_ms: u64) -> Action {
        if self.is_removed() {
            Action::Remove
        } else if self.is_dirty()
            || self.status.reseal
            || self.idle_window_half_gone(settings, now_ms)
        {
            Action::Write
        } else {
            Action::Keep
        }
    }

    /// Whether more than half the idle window passed since the session was
    /// last saved: time to slide it (h3 v2's throttle).
    pub(crate) fn idle_window_half_gone(&self, settings: &Settings, now_ms: u64) -> bool {
        !self.status.is_new
            && settings
                .idle_timeout()
                .is_some_and(|idle| now_ms.saturating_sub(self.last_seen_ms) > as_ms(idle) / 2)
    }

    /// When the session expires if it is saved at `now_ms`, in milliseconds
    /// since the epoch: the earlier of `created + max_age` and
    /// `now + idle_timeout`. `None`: it has no lifetime (a browser-session
    /// cookie).
    pub(crate) fn expiry_if_saved(&self, settings: &Settings, now_ms: u64) -> Option<u64> {
        let created = self.created_for_save(now_ms);
        let absolute = settings.max_age().map(|d| created.saturating_add(as_ms(d)));
        let idle = settings
            .idle_timeout()
            .map(|d| now_ms.saturating_add(as_ms(d)));
        match (absolute, idle) {
            (Some(a), Some(i)) => Some(a.min(i)),
            (a, i) => a.or(i),
        }
    }
}

/// Checks a stored session's times against the lifetimes, now (the clock is
/// read only when there is a lifetime to check).
///
/// `created_ms` and `last_seen_ms` are what the stored session recorded;
/// `None` where it recorded nothing usable, which counts as expired for a
/// lifetime that needs it (as h3 treats a missing `createdAt`). The idle
/// window counts from `last_seen_ms`, else from `created_ms`.
///
/// # Errors
/// [`UnsealError::Expired`] when a lifetime has run out,
/// [`UnsealError::Corrupt`] for times further ahead of this clock than
/// ordinary skew (they would postpone expiry until the clock caught up).
pub(crate) fn check_times(
    settings: &Settings,
    created_ms: Option<u64>,
    last_seen_ms: Option<u64>,
) -> Result<(), UnsealError> {
    let (max_age, idle) = (settings.max_age(), settings.idle_timeout());
    if max_age.is_none() && idle.is_none() {
        return Ok(());
    }
    let now_ms = settings.now_ms();
    let latest = created_ms.max(last_seen_ms);
    if latest.is_some_and(|t| t > now_ms.saturating_add(FUTURE_SKEW_MS)) {
        return Err(UnsealError::Corrupt);
    }
    if let Some(max_age) = max_age
        && created_ms.is_none_or(|c| now_ms.saturating_sub(c) > as_ms(max_age))
    {
        return Err(UnsealError::Expired(Expiry::Absolute));
    }
    if let Some(idle) = idle
        && last_seen_ms
            .or(created_ms)
            .is_none_or(|seen| now_ms.saturating_sub(seen) > as_ms(idle))
    {
        return Err(UnsealError::Expired(Expiry::Idle));
    }
    Ok(())
}

/// A duration in whole milliseconds, saturated.
pub(crate) fn as_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
