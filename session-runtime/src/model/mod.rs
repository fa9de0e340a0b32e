//! Layer 2, the model: what a session is and how it changes, whatever
//! keeps it. It knows no format, store or framework.
//!
//! | file | what it holds |
//! |---|---|
//! | `schema.rs` | what the derive describes: fields, keys, codecs (`SessionData`); [`SessionValue`], [`IntoValue`] |
//! | `rules.rs` | what a field type must be, checked one rule at a time for the derive |
//! | `session.rs` | [`SessionSchema`] and `Session<T>`, the type the derive generates |
//! | `state.rs` | [`SessionState<T>`]: data, id, times, dirty and present bits, flash |
//! | `lifecycle.rs` | destroy, clear, regenerate; expiry; when a save writes ([`Action`]) |
//! | `merge.rs` | merging two copies of one request's session |
//! | `checked.rs` | a field value's JSON, refused when it would not read back (too deep, not finite) |
//! | `fields.rs` | the fields as one JSON object, the form sealed sessions keep them in |
//! | `slots.rs` | the fields as slots, one per field, the form a store keeps them in; the owner |
//! | `settings.rs` | [`Settings`]: name, lifetimes, size limit, clock, id generator |
//! | `clock.rs` | [`Clock`], [`SystemClock`], [`ManualClock`] |

pub(crate) mod checked;
pub(crate) mod clock;
pub(crate) mod fields;
pub(crate) mod lifecycle;
mod merge;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod session;
pub(crate) mod settings;
pub(crate) mod slots;
pub(crate) mod state;

pub use checked::MAX_FIELD_DEPTH;
pub use clock::{Clock, ManualClock, SystemClock};
pub use lifecycle::Action;
pub use schema::{IntoValue, SessionOwner, SessionValue};
pub use session::{Session, SessionSchema};
pub use settings::{DEFAULT_MAX_SIZE, Settings};
pub use state::SessionState;
