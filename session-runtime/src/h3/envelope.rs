//! The object h3 seals: `{"id":…,"createdAt":…,"data":{…}}`, plus
//! `"lastSeenAt"` when an idle timeout is set (h3 v2), written compactly in
//! that key order as `JSON.stringify` does, and read as `JSON.parse` does.

use std::fmt;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::SealError;
use crate::model::fields;
use crate::model::{SessionSchema, SessionState};

/// The h3 session object of `state`: created at `created_ms`, last seen at
/// `now_ms` when `last_seen` is asked for.
pub(super) fn encode<T: SessionSchema>(
    state: &SessionState<T>,
    created_ms: u64,
    last_seen_ms: Option<u64>,
) -> Result<String, SealError> {
    let mut json = Vec::with_capacity(96 + state.id().len() + fields::size_hint::<T>());
    json.extend_from_slice(b"{\"id\":");
    serde_json::to_writer(&mut json, state.id()).map_err(|e| SealError::Encode {
        key: "id",
        message: e.to_string(),
    })?;
    json.extend_from_slice(b",\"createdAt\":");
    json.extend_from_slice(created_ms.to_string().as_bytes());
    json.extend_from_slice(b",\"data\":");
    fields::encode(state, &mut json)?;
    if let Some(now) = last_seen_ms {
        json.extend_from_slice(b",\"lastSeenAt\":");
        json.extend_from_slice(now.to_string().as_bytes());
    }
    json.push(b'}');
    String::from_utf8(json).map_err(|e| SealError::Encode {
        key: "data",
        message: e.to_string(),
    })
}

/// The top-level members h3 reads; others are ignored.
#[derive(Default)]
pub(super) struct EnvelopeFields {
    pub(super) id: Option<Box<RawValue>>,
    pub(super) created_at: Option<Box<RawValue>>,
    pub(super) data: Option<Box<RawValue>>,
    pub(super) last_seen_at: Option<Box<RawValue>>,
}

pub(super) fn parse(json: &str) -> Result<EnvelopeFields, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let fields = de.deserialize_map(EnvelopeVisitor)?;
    de.end()?;
    Ok(fields)
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = EnvelopeFields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an h3 session object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvelopeFields, A::Error> {
        let mut fields = EnvelopeFields::default();
        // As `JSON.parse`, a repeated key keeps its last value.
        while let Some(fields::Key(key)) = map.next_key()? {
            let slot = match key.as_ref() {
                "id" => &mut fields.id,
                "createdAt" => &mut fields.created_at,
                "data" => &mut fields.data,
                "lastSeenAt" => &mut fields.last_seen_at,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(fields)
    }
}

/// A JavaScript timestamp (`Date.now()`): a finite, positive number of
/// milliseconds, truncated. Anything else (`0`, `null`, a string) is falsy or
/// unusable for h3's arithmetic, and counts as absent.
pub(super) fn js_time(raw: &RawValue) -> Option<u64> {
    let text = raw.get();
    if let Ok(ms) = text.parse::<u64>() {
        return (ms > 0).then_some(ms);
    }
    let ms = serde_json::from_str::<f64>(text).ok()?;
    // NaN and the infinities are outside the range too.
    if !(1.0..18_446_744_073_709_551_615.0).contains(&ms) {
        return None;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked above: finite, at least 1 and below u64::MAX"
    )]
    Some(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn timestamps_follow_javascript() {
        assert_eq!(js_time(&raw("1700000000000")), Some(1_700_000_000_000));
        assert_eq!(js_time(&raw("1700000000000.9")), Some(1_700_000_000_000));
        assert_eq!(js_time(&raw("1.7e12")), Some(1_700_000_000_000));
        for falsy in ["0", "-5", "null", "\"1\"", "true", "1e400", "[]"] {
            assert_eq!(js_time(&raw(falsy)), None, "{falsy}");
        }
    }

    #[test]
    fn envelope_takes_last_duplicate_and_ignores_others() {
        let f = parse(r#"{"id":"a","x":{"y":[1]},"id":"b","data":{"k":1},"\u0069d":"c"}"#).unwrap();
        assert_eq!(f.id.unwrap().get(), "\"c\"");
        assert_eq!(f.data.unwrap().get(), r#"{"k":1}"#);
        assert!(f.created_at.is_none());
        for bad in ["", "[]", "null", "{", r#"{"id":1}x"#, "\"s\""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
