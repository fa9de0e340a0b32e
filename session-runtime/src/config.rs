//! Per-schema configuration: keys, cookie name, lifetimes, limits, clock.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::UnsealError;
use crate::format::SessionFormat;
use crate::key::KeyRing;
use crate::schema::SessionSchema;

/// Makes session ids (see [`SessionConfig::with_id_generator`]).
pub(crate) type IdGenerator = Arc<dyn Fn() -> String + Send + Sync>;

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
    generate_id: IdGenerator,
    cookie: CookieOptions,
    format: SessionFormat,
    on_rejected: Option<RejectionHook>,
    schema: PhantomData<fn() -> T>,
}

/// Called with why a sealed session a request carried was rejected.
type RejectionHook = Arc<dyn Fn(&UnsealError) + Send + Sync>;

/// The `SameSite` attribute of the session cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`: sent only with same-site requests.
    Strict,
    /// `SameSite=Lax` (the default): also sent on top-level navigations.
    Lax,
    /// `SameSite=None`: sent with cross-site requests too (implies `Secure`).
    None,
}

/// Where the session header's name comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HeaderSetting {
    /// `x-<cookie name lowercased>-session`, as h3 does.
    Derived,
    Named(Cow<'static, str>),
    Off,
}

/// Cookie attributes and the session header: how a session travels over HTTP.
#[derive(Clone, Debug)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one bool per cookie attribute"
)]
struct CookieOptions {
    path: Cow<'static, str>,
    domain: Option<Cow<'static, str>>,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
    partitioned: bool,
    host_prefix: bool,
    header: HeaderSetting,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            path: Cow::Borrowed("/"),
            domain: None,
            secure: true,
            http_only: true,
            same_site: Some(SameSite::Lax),
            partitioned: false,
            host_prefix: false,
            header: HeaderSetting::Derived,
        }
    }
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
            cookie: CookieOptions::default(),
            format: SessionFormat::Native,
            on_rejected: None,
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

    /// Calls `hook` whenever a request's sealed session is rejected (tampered,
    /// expired, sealed with an unknown key, ...) and replaced by a fresh one,
    /// so that operators can log or count it; the request itself goes on.
    /// Used by the HTTP layers; the errors never hold plaintext or keys.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use session_runtime::{Key, Session, SessionConfig};
    ///
    /// #[derive(Session)]
    /// struct App {
    ///     user: Option<String>,
    /// }
    ///
    /// let rejected = Arc::new(AtomicUsize::new(0));
    /// let count = Arc::clone(&rejected);
    /// let config = SessionConfig::<App>::new(Key::generate())
    ///     .with_rejection_hook(move |_error| { count.fetch_add(1, Ordering::Relaxed); });
    /// config.report_rejection(&session_runtime::UnsealError::Malformed);
    /// assert_eq!(rejected.load(Ordering::Relaxed), 1);
    /// ```
    #[must_use]
    pub fn with_rejection_hook(
        mut self,
        hook: impl Fn(&UnsealError) + Send + Sync + 'static,
    ) -> Self {
        self.on_rejected = Some(Arc::new(hook));
        self
    }

    /// Passes `error` to the hook set with [`with_rejection_hook`](Self::with_rejection_hook), if any.
    pub fn report_rejection(&self, error: &UnsealError) {
        if let Some(hook) = &self.on_rejected {
            hook(error);
        }
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

    pub(crate) fn id_generator(&self) -> &IdGenerator {
        &self.generate_id
    }

    /// Sets the sealed format (default [`SessionFormat::Native`]; with
    /// feature `h3`, `SessionConfig::h3` selects h3's).
    #[must_use]
    pub fn with_format(mut self, format: SessionFormat) -> Self {
        self.format = format;
        self
    }

    /// The sealed format.
    pub fn format(&self) -> &SessionFormat {
        &self.format
    }
}

/// Cookie attributes and the session header. They shape how a session
/// travels over HTTP (see the `http` feature) and do not change the seal.
impl<T> SessionConfig<T> {
    /// Sets the cookie's `Path` (default `/`).
    #[must_use]
    pub fn with_cookie_path(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.cookie.path = path.into();
        self
    }

    /// Sets the cookie's `Domain` (default none: the host that set it).
    #[must_use]
    pub fn with_cookie_domain(mut self, domain: impl Into<Option<Cow<'static, str>>>) -> Self {
        self.cookie.domain = domain.into();
        self
    }

    /// Sets `Secure` (default `true`: browsers then send the cookie over
    /// HTTPS and to `localhost` only).
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.cookie.secure = secure;
        self
    }

    /// Sets `HttpOnly` (default `true`: scripts cannot read the cookie).
    #[must_use]
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.cookie.http_only = http_only;
        self
    }

    /// Sets `SameSite` (default [`SameSite::Lax`]); `None` omits the attribute.
    #[must_use]
    pub fn with_same_site(mut self, same_site: impl Into<Option<SameSite>>) -> Self {
        self.cookie.same_site = same_site.into();
        self
    }

    /// Sets `Partitioned` (CHIPS; default `false`). A partitioned cookie is
    /// always `Secure`.
    #[must_use]
    pub fn with_partitioned(mut self, partitioned: bool) -> Self {
        self.cookie.partitioned = partitioned;
        self
    }

    /// Sends the cookie as `__Host-<name>` (default `false`). Browsers accept
    /// such a cookie only with `Secure`, `Path=/` and no `Domain`, so the
    /// prefix overrides those three settings. The seal stays bound to the
    /// unprefixed name.
    #[must_use]
    pub fn with_host_prefix(mut self, host_prefix: bool) -> Self {
        self.cookie.host_prefix = host_prefix;
        self
    }

    /// Names the request header that carries a sealed session (it takes
    /// precedence over the cookie). The default is
    /// `x-<cookie name lowercased>-session`, as in h3.
    #[must_use]
    pub fn with_session_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.cookie.header = HeaderSetting::Named(name.into());
        self
    }

    /// Reads sessions from the cookie only, never from a header.
    #[must_use]
    pub fn without_session_header(mut self) -> Self {
        self.cookie.header = HeaderSetting::Off;
        self
    }

    /// The cookie's `Path`.
    pub fn cookie_path(&self) -> &str {
        &self.cookie.path
    }

    /// The cookie's `Domain`, if any.
    pub fn cookie_domain(&self) -> Option<&str> {
        self.cookie.domain.as_deref()
    }

    /// Whether the cookie is `Secure`.
    pub fn secure(&self) -> bool {
        self.cookie.secure
    }

    /// Whether the cookie is `HttpOnly`.
    pub fn http_only(&self) -> bool {
        self.cookie.http_only
    }

    /// The cookie's `SameSite`, if any.
    pub fn same_site(&self) -> Option<SameSite> {
        self.cookie.same_site
    }

    /// Whether the cookie is `Partitioned`.
    pub fn partitioned(&self) -> bool {
        self.cookie.partitioned
    }

    /// Whether the cookie is sent as `__Host-<name>`.
    pub fn host_prefix(&self) -> bool {
        self.cookie.host_prefix
    }

    /// The length of the cookie's name on the wire (with `__Host-` when
    /// asked for): what the size limit counts beside the value.
    pub(crate) fn wire_name_len(&self) -> usize {
        self.cookie_name().len()
            + if self.host_prefix() {
                "__Host-".len()
            } else {
                0
            }
    }

    /// The name of the session header, lowercased, or `None` when turned off.
    ///
    /// ```
    /// use session_runtime::{Key, Session, SessionConfig};
    ///
    /// #[derive(Session)]
    /// #[session(cookie = "H3-Test")]
    /// struct App {
    ///     user: Option<String>,
    /// }
    ///
    /// let config = SessionConfig::<App>::new(Key::generate());
    /// assert_eq!(config.session_header().as_deref(), Some("x-h3-test-session"));
    /// assert_eq!(config.without_session_header().session_header(), None);
    /// ```
    pub fn session_header(&self) -> Option<Cow<'_, str>> {
        match &self.cookie.header {
            HeaderSetting::Derived => Some(Cow::Owned(format!(
                "x-{}-session",
                self.cookie_name.to_lowercase()
            ))),
            HeaderSetting::Named(name) => Some(Cow::Owned(name.to_lowercase())),
            HeaderSetting::Off => None,
        }
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
            cookie: self.cookie.clone(),
            format: self.format.clone(),
            on_rejected: self.on_rejected.clone(),
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
            .field("cookie", &self.cookie)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}
