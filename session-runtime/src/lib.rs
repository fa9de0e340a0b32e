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
//! | `tower` | `tower::SessionLayer`: sessions for any tower-based server, on `http` types (implies `http`) |
//! | `axum` | the `Session<T>` extractor for axum, with the tower layer (implies `tower`) |
//! | `actix` | `actix::SessionMiddleware` and the `Session<T>` extractor for actix-web 4 (implies `http`) |
//! | `redis` | `store::RedisStore`: sessions in Redis or Valkey |
//! | `redis-tls` | `rediss://` for `store::RedisStore`: TLS through rustls (its `ring` provider), the server verified against the system's roots or a CA of your own (implies `redis`) |
//! | `tracing` (default) | events for operators: rejected tokens (debug), failed saves (warn), store faults (error); never session data |
//! | `h3` | the `h3` module: h3/Nuxt's sealed sessions (iron `Fe26.2`), to share sessions with a Nuxt/h3 app |
//!
//! # Guarantees and limits
//!
//! **Logging out.** In cookie mode ([`SessionConfig::new`] with a [`Key`])
//! the whole session is in the cookie: [`destroy`](SessionState::destroy),
//! [`clear`](SessionState::clear) and
//! [`regenerate_id`](SessionState::regenerate_id) change what the response
//! sets, but a copy of the old cookie still opens the old session until it
//! expires (`max_age`, `idle_timeout`). In store mode
//! ([`SessionConfig::with_store`]) the cookie holds only a sealed id:
//! `destroy()` deletes the session for every copy, `regenerate_id(true)`
//! deletes the old record, and [`SessionConfig::revoke_owner`] logs a user
//! out everywhere.
//!
//! **Concurrent requests.** Only store mode merges them: each save writes
//! the fields it changed, so requests writing different fields of one
//! session all land. In cookie mode each response carries its own copy of
//! the whole session and the browser keeps the last cookie it receives, so
//! the last response wins. Within one request, copies of the session merge
//! per field in both modes.
//!
//! **Key rotation.** Each seal of our format draws a random 96-bit nonce;
//! NIST SP 800-38D allows at most 2<sup>32</sup> seals per key with random
//! nonces, counted over every process that shares the secret. Estimate
//! seals per second (responses setting the session cookie) times seconds:
//! 1 000 seals a second reach the bound in about 50 days, 100 in about 497
//! days. Rotate well before with [`KeyRing`] (a new primary, the old key
//! kept to open existing cookies, which are then re-sealed).
//!
//! **What is sealed is what is read.** Floats round-trip bit for bit; a
//! field value the next load would not read back (nested deeper than
//! [`MAX_FIELD_DEPTH`], or a float that is not finite) is refused when
//! sealing or saving ([`SealError::TooDeep`], [`SealError::NonFinite`]).
//!
//! **Processes and memory.** Nonces, ids, salts and IVs stay unique across
//! `fork()` (the generator is reseeded in the child; a raw `fork`/`clone`
//! system call, which runs no atfork handler, is not covered: reseed with
//! `rand::rng().reseed()` in such a child). Key material is wiped when
//! dropped (`zeroize`), except copies a move leaves on the stack and the
//! secrets callers pass in.
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
//! 5. `integrations/`: web frameworks ([`tower`], [`axum`], [`actix`]).
//!
//! `error.rs` holds the errors every layer shares; `private.rs` is what the
//! derive's code calls.

#![cfg_attr(docsrs, feature(doc_cfg))]
// The model and crypto layers serve backends and integrations that are
// features; with some of them off, parts of that crate-internal API go
// unused. Built with every feature (as CI lints it), nothing is dead.
#![cfg_attr(
    not(all(feature = "axum", feature = "actix", feature = "h3")),
    allow(dead_code)
)]

pub mod backend;
mod crypto;
mod error;
mod log;
mod model;

#[cfg(feature = "h3")]
#[cfg_attr(docsrs, doc(cfg(feature = "h3")))]
pub mod h3;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod transport;

mod integrations;

pub mod store;

#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use integrations::tower;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use integrations::axum;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub use integrations::actix;

pub use crate::backend::{SameSite, Saved, SealedCookie, SessionConfig};
pub use crate::crypto::{Key, KeyError, KeyRing, MIN_SECRET_LEN, generate_id};
pub use crate::error::{
    Expiry, LoadError, SaveError, SealError, StoreError, StoreErrorKind, UnsealError,
};
pub use crate::model::{
    Clock, DEFAULT_MAX_SIZE, IntoValue, MAX_FIELD_DEPTH, ManualClock, Session, SessionOwner,
    SessionSchema, SessionState, SessionValue, Settings, SystemClock,
};
// What rustc names when a field type breaks a rule (see `model/rules.rs`):
// at the root, so that its messages print these by their name alone, never
// by a path through `__private`. Not API.
#[doc(hidden)]
pub use crate::model::rules::{
    FieldTypeOk, HasDefault, NoDefault, NotDeserialize, NotSend, NotSerialize, NotSync,
    Serializable, ThreadSafe,
};
#[cfg(feature = "derive")]
pub use session_macros::Session;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

// The fuzz targets' hooks (`fuzz/`); never in an ordinary build.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
