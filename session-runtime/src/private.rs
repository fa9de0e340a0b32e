//! What generated code calls. Not public API: names may change in any release.
//!
//! Everything here is a free function, a trait the derive implements, or
//! the field-type ladder (`model/rules.rs`): nothing generated code needs
//! is a method users could call on a session, or that rustc could suggest
//! for a typo. Traits whose names appear in error messages are re-exported
//! at the crate root too, so that rustc prints them without this module's
//! name.

pub use core::convert::Into;
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use std::boxed::Box;
pub use std::time::Duration;
pub use std::vec::Vec;

pub use crate::backend::{Loading, Pending, SessionConfig};
pub use crate::error::{StoreError, UnsealError};
pub use crate::model::IntoValue;
pub use crate::model::rules::{
    Codec, Defaulted, DefaultedField, EncodeError, FieldTypeOk, NoDefault, NotDeserialize, NotSend,
    NotSerialize, NotSync, OptionalField, SkippedField, StoredField,
};
pub use crate::model::schema::{FieldBits, Schema, SessionData, SessionOwner};
pub use crate::model::session::{SessionFields, SessionSchema};
pub use crate::model::state::SessionState;
pub use core::fmt::{Debug, Formatter, Result as FmtResult};
pub use core::ops::{Deref, DerefMut};

/// Marks field `index` written (and holding a value when `present`) and
/// gives the data to write it into, unless the session is destroyed. A
/// setter is then `if let Some(data) = write(..) { data.field = value }`:
/// no closure per field.
#[inline]
pub fn write<T: SessionData>(
    state: &mut SessionState<T>,
    index: usize,
    present: bool,
) -> Option<&mut T> {
    state.write_field(index, present)
}

/// Flashes `value` into field `index` for the next request, written with
/// the field's codec.
#[inline]
pub fn flash<T: SessionData, V>(
    state: &mut SessionState<T>,
    index: usize,
    value: &V,
    encode: fn(&V, &mut Vec<u8>) -> Result<(), EncodeError>,
) {
    state.flash_field(index, value, encode);
}

/// What a misused accessor requires, so that calling it fails: no type
/// implements it, or can (it is sealed). The derive puts it behind a
/// per-field trait whose message names the fix.
pub trait Unavailable: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

/// The body of a misused accessor's stand-in: never runs, since a call to
/// it does not compile. A function rather than `unreachable!()` in every
/// stand-in, which rustc would expand each time.
#[cold]
pub fn unavailable() -> ! {
    unreachable!("a misused accessor does not compile")
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

/// `impl_extractor!(Schema, SchemaSession);` implements the extractors of
/// the enabled integrations for the generated session type: axum's
/// `FromRequestParts` (feature `axum`) and actix-web's `FromRequest`
/// (feature `actix`); with neither, it expands to nothing. It names the
/// concrete type, not `Session<Schema>`: impls for a projection would
/// overlap across crates.
pub use crate::__session_impl_extractor as impl_extractor;
#[cfg(feature = "axum")]
pub use crate::integrations::axum::Extractable;
#[cfg(feature = "axum")]
pub use axum_core::extract::FromRequestParts;
#[cfg(feature = "axum")]
pub use http::request::Parts;

#[cfg(feature = "actix")]
pub use crate::integrations::actix::Extractable as ActixExtractable;
#[cfg(feature = "actix")]
pub use actix_web::FromRequest as ActixFromRequest;
#[cfg(feature = "actix")]
pub use actix_web::HttpRequest as ActixHttpRequest;
#[cfg(feature = "actix")]
pub use actix_web::dev::Payload as ActixPayload;

/// Each enabled integration's extractor (see [`impl_extractor`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_extractor {
    ($schema:ty, $fields:ty) => {
        $crate::__session_impl_axum_extractor!($schema, $fields);
        $crate::__session_impl_actix_extractor!($schema, $fields);
    };
}

/// Without the `axum` feature there is no axum extractor to implement.
#[cfg(not(feature = "axum"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_axum_extractor {
    ($schema:ty, $fields:ty) => {};
}

/// Without the `actix` feature there is no actix-web extractor to implement.
#[cfg(not(feature = "actix"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_actix_extractor {
    ($schema:ty, $fields:ty) => {};
}
