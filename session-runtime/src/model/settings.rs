//! What a session is, whatever keeps it: its name, lifetimes, size limit,
//! clock and id generator.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::model::clock::{Clock, SystemClock};
use crate::model::schema::Schema;

/// Makes session ids (see [`SessionConfig::with_id_generator`](crate::SessionConfig::with_id_generator)).
pub(crate) type IdGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// What browsers keep of one cookie (`name=value`), and so the default size limit.
pub const DEFAULT_MAX_SIZE: usize = 4096;

/// What a session is: the settings every backend honours. Built through
/// [`SessionConfig`](crate::SessionConfig)'s `with_*` methods, read through
/// its getters; backends receive it.
#[derive(Clone)]
pub struct Settings {
    pub(crate) cookie_name: Cow<'static, str>,
    pub(crate) max_age: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_size: usize,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) id_generator: IdGenerator,
}

impl Settings {
    /// The settings a schema declares (`#[session(cookie = "...", max_age =
    /// "...", idle_timeout = "...")]`), with the system clock, random ids
    /// and the 4096-byte limit.
    pub(crate) fn from_schema(schema: &Schema) -> Self {
        Self {
            cookie_name: Cow::Borrowed(schema.cookie),
            max_age: schema.max_age,
            idle_timeout: schema.idle_timeout,
            max_size: DEFAULT_MAX_SIZE,
            clock: Arc::new(SystemClock),
            id_generator: Arc::new(crate::crypto::generate_id),
        }
    }

    /// The session's name: its cookie's name, bound into every seal.
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The absolute lifetime, counted from the session's creation.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// The idle lifetime, counted from the last time the session was saved.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// The size limit of a sealed `name=value`, in bytes.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// The current time, from the configured clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// A new session id from the configured generator.
    pub fn new_id(&self) -> String {
        (self.id_generator)()
    }

    /// The id generator, for sessions that give themselves new ids.
    pub(crate) fn id_generator(&self) -> &IdGenerator {
        &self.id_generator
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("cookie_name", &self.cookie_name)
            .field("max_age", &self.max_age)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_size", &self.max_size)
            .finish_non_exhaustive()
    }
}
