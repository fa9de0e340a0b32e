//! The fields of a session as one JSON object, the form every backend
//! stores them in:
//!
//! ```json
//! {"user":"ada","visits":3,"legacy_key":[1,2],"__f":{"notice":"saved"}}
//! ```
//!
//! Each stored field that has a value sits under its key; keys the schema
//! does not know are kept and written back (for other versions of the
//! service, or h3's own data); `"__f"` holds the flash values for the next
//! request. Decoding is tolerant: unknown keys are kept, missing keys take
//! their default, and a value that no longer decodes falls back to its
//! default.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Visitor};
use serde_json::value::RawValue;

use crate::error::SealError;
use crate::model::checked::{EncodeError, MAX_FIELD_DEPTH};
use crate::model::schema::SessionData;
use crate::model::state::SessionState;

/// The reserved key of the flash map.
pub(crate) const FLASH_KEY: &str = "__f";

/// Appends the JSON object of the session's fields: each stored field that
/// has a value, the keys the schema does not know, and `"__f"` with the
/// flash values for the next request.
///
/// # Errors
/// [`SealError::Encode`] when a field (or a flash value set in this
/// request) does not serialize, [`SealError::TooDeep`] or
/// [`SealError::NonFinite`] when it would not be read back.
pub(crate) fn encode<T: SessionData>(
    inner: &SessionState<T>,
    out: &mut Vec<u8>,
) -> Result<(), SealError> {
    out.push(b'{');
    encode_members(inner, out)?;
    out.push(b'}');
    Ok(())
}

/// Appends the members of the object [`encode`] writes, without its
/// braces (a sealed cookie knows where they end: two bytes saved).
///
/// # Errors
/// As [`encode`].
pub(crate) fn encode_members<T: SessionData>(
    inner: &SessionState<T>,
    out: &mut Vec<u8>,
) -> Result<(), SealError> {
    if let Some((index, error)) = &inner.flash_error {
        return Err(seal_error(T::SCHEMA.keys[*index], error.clone()));
    }
    let mut comma = Comma::default();
    let stored = inner.present & !T::SCHEMA.flash;
    for (index, key) in T::SCHEMA.keys.iter().enumerate() {
        if stored & (1 << index) == 0 {
            continue;
        }
        comma.write(out);
        write_key(out, key);
        inner
            .data
            .encode_field(index, out)
            .map_err(|e| seal_error(key, e))?;
    }
    for (key, json) in &inner.extra {
        comma.write(out);
        write_key(out, key);
        out.extend_from_slice(json.get().as_bytes());
    }
    if !inner.flash_out.is_empty() {
        comma.write(out);
        write_key(out, FLASH_KEY);
        let mut inner_comma = Comma::default();
        out.push(b'{');
        for (index, json) in &inner.flash_out {
            inner_comma.write(out);
            write_key(out, T::SCHEMA.keys[*index]);
            out.extend_from_slice(json.get().as_bytes());
        }
        out.push(b'}');
    }
    Ok(())
}

/// The seal error of field `key` that did not encode.
pub(crate) fn seal_error(key: &'static str, error: EncodeError) -> SealError {
    match error {
        EncodeError::Json(message) => SealError::Encode { key, message },
        EncodeError::TooDeep => SealError::TooDeep {
            key,
            limit: MAX_FIELD_DEPTH,
        },
        EncodeError::NonFinite => SealError::NonFinite { key },
    }
}

#[derive(Default)]
struct Comma(bool);

impl Comma {
    fn write(&mut self, out: &mut Vec<u8>) {
        if self.0 {
            out.push(b',');
        }
        self.0 = true;
    }
}

/// Writes `"key":`, escaped as `serde_json` escapes strings.
fn write_key(out: &mut Vec<u8>, key: &str) {
    // Keys seldom need escaping: those that do not are copied as they are,
    // without a trip through the serializer (`serde_json` escapes only the
    // quote, the backslash and control characters).
    if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        return;
    }
    serde_json::to_writer(&mut *out, key).expect("writing a string to a Vec cannot fail");
    out.push(b':');
}

/// Decodes a JSON object of fields (as [`encode`] writes it) into `inner`,
/// a restored state with no fields yet.
///
/// One pass: each known key's value is decoded straight into its field
/// (the field's own codec reports how many bytes it took); a value that no
/// longer fits its field is skipped and the field keeps its default; unknown
/// keys are kept as raw JSON.
pub(crate) fn decode<T: SessionData>(
    inner: &mut SessionState<T>,
    json: &[u8],
) -> Result<(), serde_json::Error> {
    let used = decode_object(inner, json, false)?;
    if json.len() != skip_whitespace(json, used) {
        return Err(invalid("trailing characters after the session object"));
    }
    finish_decode(inner);
    Ok(())
}

/// Decodes the members of a JSON object of fields without its braces (as
/// [`encode_members`] writes them), the whole of `json`, into `inner`, a
/// restored state with no fields yet.
pub(crate) fn decode_members<T: SessionData>(
    inner: &mut SessionState<T>,
    json: &[u8],
) -> Result<(), serde_json::Error> {
    let pos = skip_whitespace(json, 0);
    if pos != json.len() {
        decode_members_from(inner, json, pos, false, None)?;
    }
    finish_decode(inner);
    Ok(())
}

fn finish_decode<T: SessionData>(inner: &mut SessionState<T>) {
    // A `null` in an optional field decodes to `None`: not a value.
    inner.present &= inner.data.present_fields();
    // Flash values that arrived make the session dirty (see
    // `SessionState::is_dirty`), without counting as written fields.
}

/// Decodes the object at the start of `json` (the top level, or with
/// `flash` the `"__f"` object) and returns its length.
fn decode_object<T: SessionData>(
    inner: &mut SessionState<T>,
    json: &[u8],
    flash: bool,
) -> Result<usize, serde_json::Error> {
    let mut pos = skip_whitespace(json, 0);
    expect(json, pos, b'{')?;
    pos = skip_whitespace(json, pos + 1);
    if json.get(pos) == Some(&b'}') {
        return Ok(pos + 1);
    }
    decode_members_from(inner, json, pos, flash, Some(b'}'))
}

/// Decodes the members starting at `pos` (at least one) up to `close` and
/// returns the length up to and with it; with no `close`, up to the end of
/// `json`.
fn decode_members_from<T: SessionData>(
    inner: &mut SessionState<T>,
    json: &[u8],
    mut pos: usize,
    flash: bool,
    close: Option<u8>,
) -> Result<usize, serde_json::Error> {
    let flash_fields = T::SCHEMA.flash;
    loop {
        let (key, used) = object_key(&json[pos..]).ok_or_else(|| invalid("expected a key"))?;
        pos = skip_whitespace(json, pos + used);
        expect(json, pos, b':')?;
        pos = skip_whitespace(json, pos + 1);
        let value = &json[pos..];
        let index = T::SCHEMA.field_index(&key);
        let used = if !flash && key == FLASH_KEY {
            decode_object(inner, value, true)?
        } else if let Some(index) = index
            // A flash key outside `"__f"`, or a plain key inside it, is skipped.
            && (flash_fields & (1 << index) != 0) == flash
            && let Some(used) = inner.data.decode_field(index, value)
        {
            inner.present |= 1 << index;
            if flash {
                inner.flash_in |= 1 << index;
            }
            used
        } else {
            let (raw, used) =
                one_value::<&RawValue>(value).ok_or_else(|| invalid("expected a value"))?;
            if index.is_none() && !flash {
                inner.extra.push((key.into_owned(), raw.to_owned()));
            }
            used
        };
        pos = skip_whitespace(json, pos + used);
        match json.get(pos).copied() {
            Some(b',') => pos = skip_whitespace(json, pos + 1),
            Some(b) if Some(b) == close => return Ok(pos + 1),
            None if close.is_none() => return Ok(pos),
            _ => return Err(invalid("expected `,` or the end of the object")),
        }
    }
}

/// The object key at the start of `json`, and how many bytes it took.
/// Keys without escapes (all that the encoder writes for field names) are
/// borrowed without running a deserializer.
fn object_key(json: &[u8]) -> Option<(Cow<'_, str>, usize)> {
    let body = json.strip_prefix(b"\"")?;
    let end = body
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    if body[end] == b'"' {
        let key = std::str::from_utf8(&body[..end]).ok()?;
        return Some((Cow::Borrowed(key), end + 2));
    }
    one_value::<Key<'_>>(json).map(|(Key(key), used)| (key, used))
}

/// The JSON value at the start of `json`, and how many bytes it took.
pub(crate) fn one_value<'de, V: de::Deserialize<'de>>(json: &'de [u8]) -> Option<(V, usize)> {
    let mut stream = serde_json::Deserializer::from_slice(json).into_iter::<V>();
    match stream.next() {
        Some(Ok(value)) => Some((value, stream.byte_offset())),
        _ => None,
    }
}

fn skip_whitespace(json: &[u8], mut pos: usize) -> usize {
    while json
        .get(pos)
        .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
    {
        pos += 1;
    }
    pos
}

fn expect(json: &[u8], pos: usize, byte: u8) -> Result<(), serde_json::Error> {
    if json.get(pos) == Some(&byte) {
        Ok(())
    } else {
        Err(invalid("unexpected character in the session object"))
    }
}

fn invalid(message: &str) -> serde_json::Error {
    de::Error::custom(message)
}

/// A map key, borrowed from the input unless it had escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A guess at the JSON length of a session of `T`, to size buffers.
pub(crate) fn size_hint<T: SessionData>() -> usize {
    48 + 32 * T::SCHEMA.keys.len()
}
