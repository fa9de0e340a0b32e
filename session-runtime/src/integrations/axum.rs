//! axum (feature `axum`): the `Session<T>` extractor, on top of the
//! [tower layer](crate::tower), which is axum's `SessionLayer` as it is.
//!
//! ```
//! use axum::{Router, routing::get};
//! use session_runtime::axum::SessionLayer;
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! struct App {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! async fn index(mut session: Session<App>) -> String {
//!     session.set_count(session.count() + 1);
//!     format!("visit {}", session.count())
//! } // dropped here: the layer sees the change and sets the cookie
//!
//! let app: Router = Router::new()
//!     .route("/", get(index))
//!     .layer(SessionLayer::new(SessionConfig::<App>::new(Key::generate())));
//! ```
//!
//! How a request goes, what two extractions in one handler do, and how
//! failures are answered: see the [tower layer](crate::tower). The
//! extractor's rejection ([`SessionRejection`]) answers with the layer's
//! failure response (`503` when the store failed; `500`, naming no type,
//! when no layer wraps the route).
//!
//! # The extractor
//!
//! `Session<T>` is a type generated in the user's crate, so the
//! `FromRequestParts` impl is generated there too, by `#[derive(Session)]`
//! when this feature is on. It calls [`from_parts`].

use std::future::Future;

use axum_core::response::{IntoResponse, Response};
use http::request::Parts;

use crate::model::{Session, SessionSchema};

pub use crate::tower::{
    ResponseFuture, SessionFailure, SessionLayer, SessionRejection, SessionService, from_parts,
};

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

/// A schema whose sessions can be extracted (`T: SessionSchema + Send +
/// Sync`), written with the extractor's state type `S` and without
/// supertraits, so that the bound of the generated extractor names a
/// parameter and is checked where the extractor is used, not where it is
/// generated: a schema that is not `Send + Sync` then gets its one error
/// on the field's type, from the derive. Not API: generated code names it.
#[doc(hidden)]
pub trait Extractable<S> {
    /// [`from_parts`], as a `Send` future.
    fn extract(
        parts: &mut Parts,
    ) -> impl Future<Output = Result<Session<Self>, SessionRejection>> + Send + '_
    where
        Self: SessionSchema;
}

impl<T: SessionSchema<Fields: Send> + Send + Sync, S> Extractable<S> for T {
    fn extract(
        parts: &mut Parts,
    ) -> impl Future<Output = Result<Session<T>, SessionRejection>> + Send + '_ {
        from_parts::<T>(parts)
    }
}

/// Implements axum's `FromRequestParts` for the session type of `$schema`.
///
/// `#[derive(Session)]` calls it through `impl_extractor!`; the expansion
/// is empty unless the runtime's `axum` feature is on.
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_axum_extractor {
    ($schema:ty, $fields:ty) => {
        impl<__S: ::core::marker::Sync> $crate::__private::FromRequestParts<__S> for $fields
        where
            $schema: $crate::__private::Extractable<__S>,
        {
            type Rejection = $crate::axum::SessionRejection;

            fn from_request_parts(
                parts: &mut $crate::__private::Parts,
                _state: &__S,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self, Self::Rejection>>
            + ::core::marker::Send {
                <$schema as $crate::__private::Extractable<__S>>::extract(parts)
            }
        }
    };
}
