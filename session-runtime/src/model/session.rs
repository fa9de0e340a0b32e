//! `Session<T>`: the type `#[derive(Session)]` generates for a schema, and
//! [`SessionSchema`], the trait that ties the two.

use std::ops::{Deref, DerefMut};

use crate::model::schema::SessionData;
use crate::model::state::SessionState;

/// A session schema: a struct with `#[derive(Session)]`.
///
/// Implemented by the derive, with the generated session type as
/// [`Fields`](Self::Fields), also named [`Session<Self>`](tyalias@crate::Session).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a session schema",
    label = "`Session<{Self}>` needs `{Self}` to derive `Session`",
    note = "add `#[derive(Session)]` to `{Self}` (with `use session_runtime::Session;`)"
)]
pub trait SessionSchema: SessionData {
    /// The generated session type, also named [`Session<Self>`](tyalias@crate::Session).
    type Fields: SessionFields<Self>;
}

/// The generated session type: the typed accessors over a [`SessionState`].
#[doc(hidden)]
pub trait SessionFields<T>: Deref<Target = SessionState<T>> + DerefMut + Sized + 'static {
    /// Wraps the state.
    fn from_inner(state: Box<SessionState<T>>) -> Self;
}

/// A typed session: the data of schema `T` plus the session's identity,
/// lifetime and change tracking.
///
/// `Session<T>` is the type `#[derive(Session)]` generates for `T`: it carries
/// the typed accessors (`user()`, `set_user(..)`, `unset_user()`,
/// `has_user()`, `flash_notice(..)`) as inherent methods, so no trait has to
/// be imported, and dereferences to [`SessionState<T>`](crate::SessionState) for the rest (`id()`,
/// `seal(..)`, `destroy()`, ...). Create one with `Session::<T>::new(&config)`,
/// `Session::<T>::unseal(&config, sealed)` or `Session::<T>::load(..)`.
///
/// ```
/// use session_runtime::{Key, Session, SessionConfig};
///
/// #[derive(Session)]
/// struct App {
///     user: Option<String>,
///     visits: u32,
/// }
///
/// let config = SessionConfig::<App>::new(Key::generate());
/// let mut session = Session::<App>::new(&config);
/// session.set_user("ada");
/// session.set_visits(session.visits() + 1);
/// let sealed = session.seal(&config).unwrap();
///
/// let back = Session::<App>::unseal(&config, &sealed).unwrap();
/// assert_eq!(back.user().map(String::as_str), Some("ada"));
/// assert_eq!(*back.visits(), 1);
/// assert_eq!(back.id(), session.id());
/// ```
pub type Session<T> = <T as SessionSchema>::Fields;
