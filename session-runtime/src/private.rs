//! What generated code calls. Not public API: names may change in any release.

pub use core::convert::Into;
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use std::time::Duration;
pub use std::vec::Vec;

pub use crate::schema::{
    FieldBits, Schema, SessionDefault, SessionFields, SessionSchema, SessionValue,
};
pub use crate::state::SessionState;

/// Writes the JSON of a field value.
///
/// # Errors
/// What `serde_json` reports for a value JSON cannot hold.
#[inline]
pub fn encode<T: SessionValue>(value: &T, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    serde_json::to_writer(out, value)
}

/// Decodes the JSON value at the start of `json` into `slot` and returns
/// its length; on failure `slot` is left as it was.
#[inline]
pub fn decode<T: SessionValue>(json: &[u8], slot: &mut T) -> Option<usize> {
    let (value, used) = crate::envelope::one_value::<T>(json)?;
    *slot = value;
    Some(used)
}

/// The default value of a field type.
#[inline]
pub fn default<T: SessionDefault>() -> T {
    T::default()
}

/// The bit of field `index`.
#[inline]
pub const fn bit(index: usize) -> FieldBits {
    1 << index
}

/// What encoding a field can fail with.
pub type EncodeError = serde_json::Error;
pub use crate::config::SessionConfig;
pub use crate::error::UnsealError;
pub use core::fmt::{Debug, Formatter, Result as FmtResult};
pub use core::ops::{Deref, DerefMut};

/// `impl_extractor!(Schema);` implements axum's `FromRequestParts` for
/// `Session<Schema>` (feature `axum`; without it, expands to nothing).
pub use crate::__session_impl_extractor as impl_extractor;
#[cfg(feature = "axum")]
pub use axum_core::extract::FromRequestParts;
#[cfg(feature = "axum")]
pub use http::request::Parts;

/// Without the `axum` feature there is no extractor to implement.
#[cfg(not(feature = "axum"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_extractor {
    ($schema:ty) => {};
}
