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
//! | `http` | `http::Transport`: sessions from `http::HeaderMap`s, and the response's `Set-Cookie` |
//! | `axum` | `axum::SessionLayer` and the `Session<T>` extractor (implies `http`) |
//! | `h3` | the `h3` and `iron` modules: h3/Nuxt's sealed sessions (iron `Fe26.2`), to share sessions with a Nuxt/h3 app |

#![cfg_attr(docsrs, feature(doc_cfg))]

mod clock;
mod config;
mod envelope;
mod error;
mod format;
mod id;
mod key;
mod schema;
mod seal;
mod session;
mod state;

#[cfg(feature = "h3")]
pub mod iron;

#[cfg(feature = "h3")]
#[cfg_attr(docsrs, doc(cfg(feature = "h3")))]
pub mod h3;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{DEFAULT_MAX_SIZE, SameSite, SessionConfig};
pub use crate::error::{Expiry, KeyError, SealError, UnsealError};
pub use crate::format::SessionFormat;
pub use crate::id::generate_id;
pub use crate::key::{Key, KeyRing, MIN_SECRET_LEN};
pub use crate::schema::{SessionFields, SessionSchema, SessionValue};
pub use crate::session::{Saved, Session};
pub use crate::state::SessionState;
#[cfg(feature = "derive")]
pub use session_macros::Session;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
