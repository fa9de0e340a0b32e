//! Typed, sealed sessions for Rust web services.
//!
//! `#[derive(Session)]` on a plain struct makes it a session schema: typed
//! getters, setters, `unset_`/`has_` for optional fields, flash accessors and
//! per-field dirty tracking, reached through [`Session<T>`](tyalias@Session). A session is
//! sealed (AES-256-GCM, authenticated, bound to its cookie name, with its
//! expiry inside) into one cookie value and unsealed again.
//!
//! ```
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! #[session(cookie = "sid", max_age = "7d", idle_timeout = "30m")]
//! pub struct App {
//!     user: Option<String>,
//!     #[session(default)]
//!     visits: u32,
//!     #[session(flash)]
//!     notice: Option<String>,
//! }
//!
//! let config = SessionConfig::<App>::new(Key::generate());
//! let mut session = Session::<App>::new(&config);
//! session.set_visits(session.visits() + 1);
//! session.flash_notice("welcome back");
//! let cookie_value = session.seal(&config).unwrap();
//!
//! let next = Session::<App>::unseal(&config, &cookie_value).unwrap();
//! assert_eq!(*next.visits(), 1);
//! assert_eq!(next.notice().map(String::as_str), Some("welcome back"));
//! ```
//!
//! # Attributes
//!
//! On the struct:
//!
//! | attribute | meaning |
//! |---|---|
//! | `cookie = "sid"` | the default cookie name (else `"session"`) |
//! | `max_age = "7d"` | absolute lifetime from creation; units `s`, `m`, `h`, `d`, `w`, combinable (`"1h30m"`), checked at compile time |
//! | `idle_timeout = "30m"` | lifetime since the last seal; slides with activity |
//! | `rename_all = "camelCase"` | key rule for all fields: `lowercase`, `UPPERCASE`, `PascalCase`, `camelCase`, `snake_case`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE` |
//! | `crate = "path"` | where the runtime is, when it is re-exported |
//!
//! On a field:
//!
//! | attribute | meaning |
//! |---|---|
//! | `rename = "k"` | store the field under key `k` |
//! | `default` | a new session starts from `Default::default()` (the default for every field) |
//! | `default = "path"` | a new session starts from `path()` |
//! | `flash` | a flash field (`Option<T>`): `flash_<f>(v)` sets it for the next request only; `<f>()` reads what arrived |
//! | `skip` | not stored and no accessors; starts from `Default` |
//! | `owner` | the field naming the session's owner (`Option<T>`): in store mode, [`SessionConfig::sessions_of`] and [`SessionConfig::revoke_owner`] list and revoke an owner's sessions |
//!
//! Every field generates `<f>()` (a reference; `Option<&T>` for `Option<T>`
//! fields) and `set_<f>(v)`; optional fields also get `unset_<f>()` and
//! `has_<f>()`. Keys starting with `__` are reserved.

//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `derive` (default) | `#[derive(Session)]`, re-exported here |
//! | `http` | [`transport::Transport`]: sessions from `http::HeaderMap`s, and the response's `Set-Cookie` |
//! | `axum` | `axum::SessionLayer` and the `Session<T>` extractor (implies `http`) |
//! | `h3` | the `h3` module: h3/Nuxt's sealed sessions (iron `Fe26.2`), to share sessions with a Nuxt/h3 app |
//!
//! # Layers
//!
//! The crate is built in layers; each depends only on those above it in
//! this list, and each folder's `mod.rs` lists its files:
//!
//! 1. `crypto/`: keys, the sealed frame (AES-256-GCM), randomness, base64url.
//! 2. `model/`: what a session is and how it changes, whatever keeps it:
//!    the schema, [`SessionState`], lifecycle rules, merging, settings.
//! 3. `backend/`: where a session lives between requests, behind one trait,
//!    [`Backend`](backend::Backend): [`SealedCookie`] by default; [`SessionConfig`] joins the
//!    settings and the backend. `h3/` is another backend (h3's format,
//!    with the iron codec), and [`store`] keeps sessions server-side
//!    ([`store::MemoryStore`]).
//! 4. `transport/`: how it travels over HTTP: the cookie and the session
//!    header ([`transport::Transport`], feature `http`).
//! 5. `integrations/`: web frameworks ([`axum`], feature `axum`).
//!
//! `error.rs` holds the errors every layer shares; `private.rs` is what the
//! derive's code calls.

#![cfg_attr(docsrs, feature(doc_cfg))]
// The model and crypto layers serve backends and integrations that are
// features; with some of them off, parts of that crate-internal API go
// unused. Built with every feature (as CI lints it), nothing is dead.
#![cfg_attr(not(all(feature = "axum", feature = "h3")), allow(dead_code))]

pub mod backend;
mod crypto;
mod error;
mod model;

#[cfg(feature = "h3")]
#[cfg_attr(docsrs, doc(cfg(feature = "h3")))]
pub mod h3;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod transport;

mod integrations;

pub mod store;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use integrations::axum;

pub use crate::backend::{SameSite, Saved, SealedCookie, SessionConfig};
pub use crate::crypto::{Key, KeyError, KeyRing, MIN_SECRET_LEN, generate_id};
pub use crate::error::{
    Expiry, LoadError, SaveError, SealError, StoreError, StoreErrorKind, UnsealError,
};
pub use crate::model::{
    Clock, DEFAULT_MAX_SIZE, MAX_FIELD_DEPTH, ManualClock, Session, SessionOwner, SessionSchema,
    SessionState, SessionValue, Settings, SystemClock,
};
#[cfg(feature = "derive")]
pub use session_macros::Session;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
