//! Per-schema configuration: keys, cookie name, lifetimes, limits, clock.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::key::KeyRing;
use crate::schema::SessionSchema;

/// What browsers keep of one cookie (`name=value`), and so the default size limit.
pub const DEFAULT_MAX_SIZE: usize = 4096;

/// How sessions of schema `T` are sealed and unsealed.
///
/// Starts from the defaults the struct declares (`#[session(cookie = "...",
/// max_age = "...", idle_timeout = "...")]`); every knob can be overridden.
///
/// ```
/// use std::time::Duration;
/// use session_runtime::{Key, Session, SessionConfig};
///
/// #[derive(Session)]
/// #[session(cookie = "sid", max_age = "7d")]
/// struct App {
///     user: Option<String>,
/// }
///
/// let config = SessionConfig::<App>::new(Key::generate());
/// assert_eq!(config.cookie_name(), "sid");
/// assert_eq!(config.max_age(), Some(Duration::from_secs(7 * 86_400)));
/// let config = config.with_idle_timeout(Duration::from_secs(1800));
/// assert_eq!(config.idle_timeout(), Some(Duration::from_secs(1800)));
/// ```
pub struct SessionConfig<T> {
    keys: KeyRing,
    cookie_name: Cow<'static, str>,
    max_age: Option<Duration>,
    idle_timeout: Option<Duration>,
    max_size: usize,
    clock: Arc<dyn Clock>,
    generate_id: Arc<dyn Fn() -> String + Send + Sync>,
    schema: PhantomData<fn() -> T>,
}

impl<T: SessionSchema> SessionConfig<T> {
    /// A configuration with the schema's declared defaults.
    pub fn new(keys: impl Into<KeyRing>) -> Self {
        let schema = &T::SCHEMA;
        Self {
            keys: keys.into(),
            cookie_name: Cow::Borrowed(schema.cookie),
            max_age: schema.max_age,
            idle_timeout: schema.idle_timeout,
            max_size: DEFAULT_MAX_SIZE,
            clock: Arc::new(SystemClock),
            generate_id: Arc::new(crate::id::generate_id),
            schema: PhantomData,
        }
    }
}

impl<T> SessionConfig<T> {
    /// Sets the cookie name. The name is bound into every seal, so a value
    /// sealed for one name never unseals under another.
    #[must_use]
    pub fn with_cookie_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// Sets the absolute lifetime, counted from the session's creation.
    #[must_use]
    pub fn with_max_age(mut self, max_age: impl Into<Option<Duration>>) -> Self {
        self.max_age = max_age.into();
        self
    }

    /// Sets the idle lifetime, counted from the last time the session was sealed.
    #[must_use]
    pub fn with_idle_timeout(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.idle_timeout = idle.into();
        self
    }

    /// Sets the largest sealed `name=value` accepted and produced, in bytes.
    #[must_use]
    pub fn with_max_size(mut self, bytes: usize) -> Self {
        self.max_size = bytes;
        self
    }

    /// Replaces the clock (tests use [`ManualClock`](crate::ManualClock)).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Replaces the id generator used for new sessions.
    #[must_use]
    pub fn with_id_generator(
        mut self,
        generate: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.generate_id = Arc::new(generate);
        self
    }

    /// Replaces the key ring.
    #[must_use]
    pub fn with_keys(mut self, keys: impl Into<KeyRing>) -> Self {
        self.keys = keys.into();
        self
    }

    /// The name of the cookie (and of the seal's associated data).
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The absolute lifetime.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// The idle lifetime.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// The size limit for a sealed `name=value`.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// The key ring.
    pub fn key_ring(&self) -> &KeyRing {
        &self.keys
    }

    /// The current time, from the configured clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    pub(crate) fn new_id(&self) -> String {
        (self.generate_id)()
    }
}

impl<T> Clone for SessionConfig<T> {
    fn clone(&self) -> Self {
        Self {
            keys: self.keys.clone(),
            cookie_name: self.cookie_name.clone(),
            max_age: self.max_age,
            idle_timeout: self.idle_timeout,
            max_size: self.max_size,
            clock: Arc::clone(&self.clock),
            generate_id: Arc::clone(&self.generate_id),
            schema: PhantomData,
        }
    }
}

impl<T> fmt::Debug for SessionConfig<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("keys", &self.keys)
            .field("cookie_name", &self.cookie_name)
            .field("max_age", &self.max_age)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_size", &self.max_size)
            .finish_non_exhaustive()
    }
}
