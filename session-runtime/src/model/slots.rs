//! The fields as slots, one per field, the form a server-side store keeps
//! them in: what a save must write and remove, who owns the session, and
//! under which id it is stored.

use crate::error::SealError;
use crate::model::fields::{FLASH_KEY, seal_error};
use crate::model::schema::SessionData;
use crate::model::state::{SessionState, all_fields};

/// What a save writes: slots to set (session key, JSON text), slots to
/// remove, and the owner.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    pub(crate) set: Vec<(String, String)>,
    pub(crate) remove: Vec<String>,
    pub(crate) owner: OwnerChange,
}

/// What a save does to the session's owner.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum OwnerChange {
    #[default]
    Keep,
    Set(String),
    Clear,
}

/// How a store makes a save of this session.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Persist<'a> {
    /// A session new in this request (or cleared and written again, which
    /// then replaces the stored one).
    Create { replaces: Option<&'a str> },
    /// The stored session, under its id.
    Update,
    /// The stored session, moved to its regenerated id (`keep_old`: copied).
    Rename { from: &'a str, keep_old: bool },
}

impl<T: SessionData> SessionState<T> {
    /// How a store saves this session (which must not be removed).
    pub(crate) fn persist(&self) -> Persist<'_> {
        match self.stored_id() {
            Some(stored) if self.status.cleared => Persist::Create {
                replaces: Some(stored),
            },
            None => Persist::Create { replaces: None },
            Some(stored) if self.status.id_changed => Persist::Rename {
                from: stored,
                keep_old: self.delete_id.is_none(),
            },
            Some(_) => Persist::Update,
        }
    }

    /// The slots a save writes: with `whole` (a new record) every field that
    /// holds a value and every flash set for the next request; otherwise
    /// only what changed: written fields, flashes set or cancelled, and the
    /// flash values that arrived (they are read once, then gone).
    ///
    /// # Errors
    /// [`SealError::Encode`] when a written field or flash does not serialize,
    /// [`SealError::TooDeep`] or [`SealError::NonFinite`] when it would not be
    /// read back.
    pub(crate) fn writes(&self, whole: bool) -> Result<Writes, SealError> {
        if let Some((index, error)) = &self.flash_error {
            return Err(seal_error(T::SCHEMA.keys[*index], error.clone()));
        }
        let flash = T::SCHEMA.flash;
        let plain = all_fields::<T>() & !flash;
        let mut writes = Writes::default();
        let (set_plain, touched) = if whole {
            (self.present & plain, plain | flash)
        } else {
            (
                self.dirty & self.present & plain,
                self.dirty | self.flash_in,
            )
        };
        for (index, key) in T::SCHEMA.keys.iter().enumerate() {
            let bit = 1 << index;
            if touched & bit == 0 {
                continue;
            }
            if set_plain & bit != 0 {
                let mut json = Vec::new();
                self.data
                    .encode_field(index, &mut json)
                    .map_err(|e| seal_error(key, e))?;
                writes.set.push(((*key).to_owned(), into_text(json)));
            } else if let Some((_, json)) = self.flash_out.iter().find(|(i, _)| *i == index) {
                writes.set.push(((*key).to_owned(), json.get().to_owned()));
            } else if !whole {
                writes.remove.push((*key).to_owned());
            }
        }
        writes.owner = self.owner_change(whole)?;
        Ok(writes)
    }

    /// The owner a save records: the owner field's value, when it was
    /// written (or the record is new).
    fn owner_change(&self, whole: bool) -> Result<OwnerChange, SealError> {
        let Some(index) = T::SCHEMA.owner else {
            return Ok(OwnerChange::Keep);
        };
        let bit = 1 << index;
        if !whole && self.dirty & bit == 0 {
            return Ok(OwnerChange::Keep);
        }
        if self.present & bit == 0 {
            return Ok(if whole {
                OwnerChange::Keep
            } else {
                OwnerChange::Clear
            });
        }
        let mut json = Vec::new();
        self.data
            .encode_field(index, &mut json)
            .map_err(|e| seal_error(T::SCHEMA.keys[index], e))?;
        Ok(OwnerChange::Set(owner_key(&into_text(json))))
    }
}

/// Decodes the slot `key` (JSON text) of a stored session into `state`, a
/// restored state: a field's value, a flash that arrived, or a key this
/// schema does not know (kept, never written back).
pub(crate) fn decode<T: SessionData>(state: &mut SessionState<T>, key: &str, json: &str) {
    let Some(index) = T::SCHEMA.field_index(key) else {
        if key != FLASH_KEY
            && let Ok(raw) = serde_json::value::RawValue::from_string(json.to_owned())
        {
            state.extra.push((key.to_owned(), raw));
        }
        return;
    };
    let bit = 1 << index;
    if state.data.decode_field(index, json.as_bytes()).is_none() {
        // No longer fits its field: the field keeps its default.
        return;
    }
    state.present |= bit;
    if T::SCHEMA.flash & bit != 0 {
        state.flash_in |= bit;
    }
}

/// Marks what [`decode`] read as loaded: a `null` optional holds no value.
pub(crate) fn finish_decode<T: SessionData>(state: &mut SessionState<T>) {
    state.present &= state.data.present_fields();
    state.flash_in &= state.present;
}

/// The key of an owner in the owner index: the owner field's value, a JSON
/// string's text as it is, anything else as its JSON text.
///
/// ```text
/// "ada" -> ada        42 -> 42        {"org":1} -> {"org":1}
/// ```
pub(crate) fn owner_key(json: &str) -> String {
    if json.starts_with('"')
        && let Ok(text) = serde_json::from_str::<String>(json)
    {
        return text;
    }
    json.to_owned()
}

/// JSON written by serde is UTF-8: the lossy branch is never taken.
fn into_text(json: Vec<u8>) -> String {
    String::from_utf8(json).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::owner_key;

    #[test]
    fn owner_keys_are_the_values_text() {
        assert_eq!(owner_key(r#""ada""#), "ada");
        assert_eq!(owner_key(r#""a\"b""#), "a\"b");
        assert_eq!(owner_key("42"), "42");
        assert_eq!(owner_key(r#"{"org":1}"#), r#"{"org":1}"#);
    }
}
