//! h3/Nuxt sessions (feature `h3`): read and write the sessions of h3's
//! `useSession` (h3 1.x, vinxi, Nuxt 3, and h3 2.x), so that a Rust service
//! and a Nuxt/h3 app share one session cookie.
//!
//! A [`SessionConfig`](crate::SessionConfig) built by
//! [`SessionConfig::h3`](crate::SessionConfig::h3) (or with an [`H3Format`]
//! backend) seals a `Session<T>` the way h3 does:
//!
//! * the sealed object is `{"id":…,"createdAt":…,"data":{…}}` (plus
//!   `"lastSeenAt"` when an idle timeout is set, as h3 v2 does), serialised
//!   compactly in that key order, like `JSON.stringify`;
//! * `data` holds the session's fields under their keys; keys the struct does
//!   not declare are kept and written back unchanged, so h3-only data survives
//!   a Rust request;
//! * the seal is iron `Fe26.2` ([`iron`]) with h3's parameters:
//!   one PBKDF2 iteration for [`H3Version::V1`], 8192 for [`H3Version::V2`]
//!   (which also opens one-iteration seals and re-seals them on save), and a
//!   ttl of `maxAge` (v2: `maxAge`, else `idleTimeout`);
//! * `max_age` is absolute from `createdAt`: a session is accepted while
//!   `now - createdAt <= max_age` (h3's check, on top of iron's ttl and its
//!   60 s skew), and the idle timeout counts from `lastSeenAt`, else
//!   `createdAt`;
//! * new sessions get a random UUID v4 id, like `crypto.randomUUID()`; a seal
//!   without an `id` keeps its data and gets a new id and `createdAt`, as in h3.
//!
//! Over HTTP (feature `http`) the cookie is `h3`, the header `x-h3-session`
//! takes precedence, a written cookie has `Expires` only (no `Max-Age`), and a
//! cleared session is removed as the version does it (v1: an empty value, v2:
//! `Max-Age=0`). v2 splits a session larger than one cookie into chunk
//! cookies (`h3=__chunked__N`, `h3.1` ... `h3.N`) and removes the chunks it
//! no longer uses, as h3 v2's `setChunkedCookie` does; see
//! `CookieOptions::with_chunking` in the transport.
//!
//! ```
//! use session_runtime::h3::H3Version;
//! use session_runtime::{Session, SessionConfig};
//!
//! #[derive(Session)]
//! struct Counter {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! // h3: useSession(event, { password, maxAge: 3600 })
//! let config = SessionConfig::<Counter>::h3(H3Version::V2, "a password of at least 32 characters")?
//!     .with_max_age(std::time::Duration::from_secs(3600));
//! assert_eq!(config.cookie_name(), "h3");
//!
//! let mut session = Session::<Counter>::new(&config);
//! session.set_count(1);
//! let sealed = session.seal(&config).unwrap();
//! assert!(sealed.starts_with("Fe26.2**"));
//!
//! let back = Session::<Counter>::unseal(&config, &sealed).unwrap();
//! assert_eq!(*back.count(), 1);
//! assert_eq!(back.id(), session.id());
//! # Ok::<(), session_runtime::h3::iron::IronError>(())
//! ```
//!
//! | file | what it holds |
//! |---|---|
//! | `format.rs` | [`H3Format`], the backend: seal, unseal, h3's ttl, defaults and cookie conventions |
//! | `envelope.rs` | the object h3 seals, `{id, createdAt, data, lastSeenAt}` |
//! | `iron/` | the iron `Fe26.2` codec ([`iron`]) |

mod envelope;
mod format;
pub mod iron;

pub use format::{H3_COOKIE_NAME, H3Format, H3Version, uuid_v4};
