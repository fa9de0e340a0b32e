//! Merging two copies of one request's session.
//!
//! A handler may hold the session twice (two extractions, or middleware and
//! handler). Each copy tracks what it wrote; when a copy is handed back it
//! is merged into the state the request keeps, field by field, so writes to
//! different fields both land and, for the same field, the copy merged last
//! wins. A `destroy()` in any copy wins over writes; a `clear()` clears what
//! the kept state held before the copy's own writes are applied.

use crate::model::schema::SessionData;
use crate::model::state::SessionState;

impl<T: SessionData> SessionState<T> {
    /// Applies what `from` changed onto `self`.
    pub(crate) fn merge(&mut self, from: &mut Self) {
        if self.status.destroyed {
            return;
        }
        if from.status.destroyed {
            let delete_id = from.delete_id.take().or_else(|| self.delete_id.take());
            self.destroy();
            self.delete_id = delete_id;
            return;
        }
        if from.status.cleared && !self.status.cleared {
            self.clear();
            self.replace_id(std::mem::take(&mut from.id));
        }
        if from.status.id_changed {
            self.replace_id(std::mem::take(&mut from.id));
            self.status.id_changed = true;
        }
        if from.delete_id.is_some() {
            self.delete_id = from.delete_id.take();
        }
        let flash = T::SCHEMA.flash;
        let mut json = Vec::new();
        for index in 0..T::SCHEMA.keys.len() {
            let bit = 1 << index;
            if from.dirty & bit == 0 {
                continue;
            }
            if flash & bit != 0 {
                self.flash_out.retain(|(i, _)| *i != index);
                if let Some(at) = from.flash_out.iter().position(|(i, _)| *i == index) {
                    self.flash_out.push(from.flash_out.swap_remove(at));
                }
                if from.flash_error.as_ref().is_some_and(|(i, _)| *i == index) {
                    self.flash_error = from.flash_error.take();
                }
            } else if from.present & bit != 0 {
                // Field values move through their JSON: `T` need not be `Clone`.
                json.clear();
                if from.data.encode_field(index, &mut json).is_err() {
                    continue;
                }
                if self.data.decode_field(index, &json).is_none() {
                    continue;
                }
                self.present |= bit;
            } else {
                // Unset: only optional fields can be absent, and `null` is `None`.
                self.data.decode_field(index, b"null");
                self.present &= !bit;
            }
            self.dirty |= bit;
        }
    }
}
