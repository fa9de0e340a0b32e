//! What generated code calls. Not public API: names may change in any release.
//!
//! Everything here is a free function or a trait the derive implements:
//! nothing generated code needs is a method users could call, or that rustc
//! could suggest for a typo.

pub use core::convert::Into;
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use std::time::Duration;
pub use std::vec::Vec;

pub use crate::backend::{Loading, Pending, SessionConfig};
pub use crate::error::{StoreError, UnsealError};
pub use crate::model::schema::{
    FieldBits, Schema, SessionData, SessionDefault, SessionOwner, SessionValue,
};
pub use crate::model::session::{SessionFields, SessionSchema};
pub use crate::model::state::SessionState;
pub use core::fmt::{Debug, Formatter, Result as FmtResult};
pub use core::ops::{Deref, DerefMut};

/// Writes the JSON of a field value, unless it would not read back.
///
/// # Errors
/// What `serde_json` reports for a value JSON cannot hold, a value nested
/// too deep, a float that is not finite.
#[inline]
pub fn encode<T: SessionValue>(value: &T, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    crate::model::checked::encode(value, out)
}

/// Decodes the JSON value at the start of `json` into `slot` and returns
/// its length; on failure `slot` is left as it was.
#[inline]
pub fn decode<T: SessionValue>(json: &[u8], slot: &mut T) -> Option<usize> {
    let (value, used) = crate::model::fields::one_value::<T>(json)?;
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
pub use crate::model::checked::EncodeError;

/// Runs `write` on the data and marks field `index` written (and holding a
/// value when `present`), unless the session is destroyed.
#[inline]
pub fn write<T: SessionData>(
    state: &mut SessionState<T>,
    index: usize,
    present: bool,
    write: impl FnOnce(&mut T),
) {
    state.write_field(index, present, write);
}

/// Flashes `value` into field `index` for the next request.
#[inline]
pub fn flash<T: SessionData, V: SessionValue>(
    state: &mut SessionState<T>,
    index: usize,
    value: &V,
) {
    state.flash_field(index, value);
}

/// Cancels a flash of field `index` set in this request.
#[inline]
pub fn unflash<T: SessionData>(state: &mut SessionState<T>, index: usize) {
    state.unflash_field(index);
}

/// `Session::<T>::new(&config)`.
#[inline]
pub fn new_session<T: SessionSchema>(config: &SessionConfig<T>) -> T::Fields {
    SessionState::new(config)
}

/// `Session::<T>::unseal(&config, sealed)`.
///
/// # Errors
/// Why the value was rejected.
#[inline]
pub fn unseal<T: SessionSchema>(
    config: &SessionConfig<T>,
    sealed: &str,
) -> Result<T::Fields, UnsealError> {
    SessionState::unseal(config, sealed)
}

/// `Session::<T>::load(&config, token)`.
pub fn load<T: SessionSchema>(
    config: &SessionConfig<T>,
    token: Option<&str>,
) -> Pending<Loading<T>> {
    SessionState::load(config, token)
}

/// `impl_extractor!(Schema, SchemaSession);` implements axum's
/// `FromRequestParts` for the generated session type (feature `axum`;
/// without it, expands to nothing). It names the concrete type, not
/// `Session<Schema>`: impls for a projection would overlap across crates.
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
    ($schema:ty, $fields:ty) => {};
}
