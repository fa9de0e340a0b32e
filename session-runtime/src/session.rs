//! `Session<T>`: one request's view of a typed session.

use crate::schema::SessionSchema;

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

/// What the response must do with the session cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Nothing changed: send no cookie.
    Unchanged,
    /// Send this sealed value.
    Write(String),
    /// Remove the cookie (the session was destroyed or cleared).
    Remove,
}
