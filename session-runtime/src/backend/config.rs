//! [`SessionConfig`]: what a session is (its [`Settings`]) and where it
//! lives (its [`Backend`]), and the entry points every way in goes through:
//! the framework-free methods of [`SessionState`] and the HTTP transport.
//! The rules that hold for every backend run here, once: the size limit,
//! expiry, and what a save must do.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::{Backend, IntoBackend, Pending, Reply, TokenOut};
use crate::error::{LoadError, SaveError, SealError, StoreError, UnsealError};
use crate::model::lifecycle::{self, Action};
use crate::model::session::SessionFields;
use crate::model::{Clock, Session, SessionSchema, SessionState, Settings};

/// How sessions of schema `T` are kept: what a session is ([`Settings`]:
/// name, lifetimes, size limit, clock, ids) and where it lives (its
/// [`Backend`]). How it travels over HTTP (cookie attributes, the session
/// header) is the transport's: see [`Transport`](crate::transport::Transport).
///
/// Starts from what the struct declares (`#[session(cookie = "...",
/// max_age = "...", idle_timeout = "...")]`); every setting can be changed
/// with a `with_*` method, and a setting that can be off takes an `Option`
/// (`with_max_age(None)`).
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
    settings: Settings,
    backend: Arc<dyn Backend<T>>,
}

/// What a session is.
impl<T: SessionSchema> SessionConfig<T> {
    /// A configuration with the schema's declared settings, keeping sessions
    /// in `backend`: a [`Key`](crate::Key) or [`KeyRing`](crate::KeyRing)
    /// seals them into their cookie ([`SealedCookie`](crate::SealedCookie)).
    pub fn new(backend: impl IntoBackend<T>) -> Self {
        let backend = backend.into_backend();
        let mut settings = Settings::from_schema(&T::SCHEMA);
        backend.adapt(&mut settings);
        Self { settings, backend }
    }
}

impl<T> SessionConfig<T> {
    /// Sets the session's name: its cookie's name. The name is bound into
    /// every seal, so a value sealed for one name never opens under another.
    #[must_use]
    pub fn with_cookie_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.settings.cookie_name = name.into();
        self
    }

    /// Sets the absolute lifetime, counted from the session's creation
    /// (`None`: no limit).
    #[must_use]
    pub fn with_max_age(mut self, max_age: impl Into<Option<Duration>>) -> Self {
        self.settings.max_age = max_age.into();
        self
    }

    /// Sets the idle lifetime, counted from the last time the session was
    /// saved (`None`: no limit).
    #[must_use]
    pub fn with_idle_timeout(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.settings.idle_timeout = idle.into();
        self
    }

    /// Sets the largest `name=value` accepted and produced, in bytes
    /// (default [`DEFAULT_MAX_SIZE`](crate::DEFAULT_MAX_SIZE), what browsers keep).
    #[must_use]
    pub fn with_max_size(mut self, bytes: usize) -> Self {
        self.settings.max_size = bytes;
        self
    }

    /// Replaces the clock (tests use [`ManualClock`](crate::ManualClock)).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }

    /// Replaces the id generator used for new sessions.
    #[must_use]
    pub fn with_id_generator(
        mut self,
        generate: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.settings.id_generator = Arc::new(generate);
        self
    }

    /// The same settings with another backend (no adaptation: the settings
    /// stay as they are).
    pub(crate) fn with_backend(self, backend: impl IntoBackend<T>) -> Self
    where
        T: SessionSchema,
    {
        Self {
            settings: self.settings,
            backend: backend.into_backend(),
        }
    }

    /// The settings: what a session is.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The backend: where sessions live.
    pub fn backend(&self) -> &dyn Backend<T> {
        &*self.backend
    }

    /// The name of the cookie (and of the seal's associated data).
    pub fn cookie_name(&self) -> &str {
        self.settings.cookie_name()
    }

    /// The absolute lifetime.
    pub fn max_age(&self) -> Option<Duration> {
        self.settings.max_age()
    }

    /// The idle lifetime.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.settings.idle_timeout()
    }

    /// The size limit for a sealed `name=value`.
    pub fn max_size(&self) -> usize {
        self.settings.max_size()
    }

    /// The current time, from the configured clock.
    pub fn now_ms(&self) -> u64 {
        self.settings.now_ms()
    }
}

/// The entry points, where the shared rules run.
impl<T: SessionSchema> SessionConfig<T> {
    /// A new, empty session with a fresh id.
    pub(crate) fn fresh(&self) -> Box<SessionState<T>> {
        let settings = &self.settings;
        Box::new(SessionState::fresh(
            settings.new_id(),
            settings.now_ms(),
            Some(Arc::clone(settings.id_generator())),
        ))
    }

    /// Opens the session `token` names: within the size `limit`, not
    /// expired.
    pub(crate) fn open(
        &self,
        token: &str,
        limit: TokenLimit,
    ) -> Pending<Result<Box<SessionState<T>>, LoadError>> {
        let longest = limit.longest_token(&self.settings);
        if token.len() > longest {
            return Pending::ready(Err(LoadError::Rejected(UnsealError::TooLarge {
                len: token.len(),
                limit: longest,
            })));
        }
        let accept = |settings: &Settings, opened: Result<super::Opened<T>, LoadError>| {
            let opened = opened?;
            lifecycle::check_times(settings, opened.created_ms, opened.last_seen_ms)?;
            Ok(opened.state)
        };
        match self.backend.open(&self.settings, token).into_ready() {
            Ok(opened) => Pending::ready(accept(&self.settings, opened)),
            Err(later) => {
                let settings = self.settings.clone();
                later.map(move |opened| accept(&settings, opened))
            }
        }
    }

    /// Makes `action` durable for `session` at `now_ms`, writing a new
    /// token to `out`; a token over the size `limit` is refused before
    /// anything is written (a store's future is never polled).
    pub(crate) fn commit(
        &self,
        session: &SessionState<T>,
        action: Action,
        now_ms: u64,
        out: &mut TokenOut<'_>,
        limit: TokenLimit,
    ) -> Pending<Result<Reply, SaveError>> {
        let pending = self
            .backend
            .commit(&self.settings, session, action, now_ms, out);
        if let Some(token) = out.token()
            && let Some(error) = limit.overrun(&self.settings, token.len())
        {
            out.discard();
            return Pending::ready(Err(SaveError::Seal(error)));
        }
        pending
    }

    /// The size limit of a token carried in one cookie of the configured
    /// name.
    fn cookie_limit(&self) -> TokenLimit {
        TokenLimit::Cookie {
            name_len: self.cookie_name().len(),
        }
    }

    /// The sealed text of `session` when the backend keeps whole sessions in
    /// their token.
    fn seal(&self, session: &SessionState<T>) -> Result<String, SealError> {
        if session.is_destroyed() {
            return Err(SealError::Destroyed);
        }
        let sealer = self.backend.sealer().ok_or(SealError::StoreMode)?;
        let now = self.settings.now_ms();
        let mut out = Vec::new();
        sealer.seal(
            &self.settings,
            session,
            now,
            &mut TokenOut::new(&mut out, &[], 0),
        )?;
        let len = self.cookie_name().len() + 1 + out.len();
        if len > self.settings.max_size() {
            return Err(SealError::TooLarge {
                len,
                limit: self.settings.max_size(),
            });
        }
        Ok(into_text(out))
    }

    /// Opens a sealed session when the backend keeps whole sessions in
    /// their token.
    fn unseal(&self, sealed: &str) -> Result<Box<SessionState<T>>, UnsealError> {
        if self.backend.sealer().is_none() {
            return Err(UnsealError::StoreMode);
        }
        match self.open(sealed, self.cookie_limit()).into_ready() {
            Ok(Ok(state)) => Ok(state),
            Ok(Err(LoadError::Rejected(e))) => Err(e),
            // A sealer answers at once and never fails as a store.
            Ok(Err(_)) | Err(_) => Err(UnsealError::StoreMode),
        }
    }
}

/// The size limit a token is held to, loading and saving: it depends on how
/// the token travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenLimit {
    /// In one cookie named with `name_len` bytes: `name=value` within the
    /// settings' `max_size`.
    Cookie {
        /// The length of the cookie's name on the wire.
        name_len: usize,
    },
    /// Split into chunk cookies: the value within `total` bytes, whatever
    /// `max_size` says (each chunk is short enough by construction).
    Chunked {
        /// The most bytes of value all chunks hold together.
        total: usize,
    },
}

impl TokenLimit {
    /// The longest token allowed.
    fn longest_token(self, settings: &Settings) -> usize {
        match self {
            Self::Cookie { name_len } => settings.max_size().saturating_sub(name_len + 1),
            Self::Chunked { total } => total,
        }
    }

    /// The error for a token of `token_len` bytes over the limit, if it is:
    /// the length of `name=value` against `max_size` for one cookie, the
    /// token's own length against the total for chunks.
    fn overrun(self, settings: &Settings, token_len: usize) -> Option<SealError> {
        let (len, limit) = match self {
            Self::Cookie { name_len } => (name_len + 1 + token_len, settings.max_size()),
            Self::Chunked { total } => (token_len, total),
        };
        (len > limit).then_some(SealError::TooLarge { len, limit })
    }
}

/// A seal is base64url or iron text: ASCII, so the lossy branch is never taken.
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// What [`SessionState::load`] gives: the session (fresh when the token was
/// rejected) and why it was rejected, or the store's failure.
pub type Loading<T> = Result<(Session<T>, Option<UnsealError>), StoreError>;

/// What the response must do with the session cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Nothing changed for the client: send no cookie.
    Unchanged,
    /// Send this token (a sealed session, or a store's sealed id).
    Write(String),
    /// Remove the cookie (the session was destroyed or cleared).
    Remove,
}

/// Loading and saving without a framework (the seed systems' `useSession`,
/// `sealSession` and `unsealSession`).
impl<T: SessionSchema> SessionState<T> {
    /// A new, empty session with a fresh id.
    #[allow(clippy::new_ret_no_self, reason = "the session type wraps this state")]
    pub fn new(config: &SessionConfig<T>) -> Session<T> {
        T::Fields::from_inner(config.fresh())
    }

    /// Opens a sealed value (h3's `unsealSession`).
    ///
    /// # Errors
    /// An [`UnsealError`] that says why the value was rejected; it never
    /// contains the plaintext. [`UnsealError::StoreMode`] when the
    /// configuration keeps sessions in a store (use [`load`](Self::load)).
    pub fn unseal(config: &SessionConfig<T>, sealed: &str) -> Result<Session<T>, UnsealError> {
        config.unseal(sealed).map(T::Fields::from_inner)
    }

    /// Loads the session `token` names, whatever keeps it, and falls back to
    /// a fresh session when there is none or it is rejected; the second
    /// value says why it was rejected.
    ///
    /// Await it; with a backend that needs no I/O (cookies) it is ready at
    /// once ([`Pending::into_ready`]).
    ///
    /// # Errors
    /// A [`StoreError`] when the store failed: then no fresh session may
    /// replace the user's.
    pub fn load(config: &SessionConfig<T>, token: Option<&str>) -> Pending<Loading<T>> {
        let Some(token) = token else {
            return Pending::ready(Ok((Self::new(config), None)));
        };
        let finish = |config: &SessionConfig<T>,
                      opened: Result<Box<SessionState<T>>, LoadError>| {
            match opened {
                Ok(state) => Ok((T::Fields::from_inner(state), None)),
                Err(LoadError::Rejected(e)) => Ok((Self::new(config), Some(e))),
                Err(LoadError::Store(e)) => Err(e),
            }
        };
        match config.open(token, config.cookie_limit()).into_ready() {
            Ok(opened) => Pending::ready(finish(config, opened)),
            Err(later) => {
                let config = config.clone();
                later.map(move |opened| finish(&config, opened))
            }
        }
    }

    /// Seals the session as it is now, stamped as last seen now (h3's
    /// `sealSession`).
    ///
    /// # Errors
    /// [`SealError::TooLarge`] when `name=value` would exceed the size limit,
    /// [`SealError::Destroyed`] for a destroyed session, [`SealError::Encode`]
    /// when a field does not serialize, [`SealError::StoreMode`] when the
    /// configuration keeps sessions in a store.
    pub fn seal(&self, config: &SessionConfig<T>) -> Result<String, SealError> {
        config.seal(self)
    }

    /// Saves the session if it needs saving and says what the client must
    /// do with its cookie.
    ///
    /// A session is written when a field changed, its id was regenerated, it
    /// was opened with an older key, or more than half its idle window has
    /// passed; it is removed when destroyed or cleared (and not written
    /// again); otherwise nothing happens.
    ///
    /// Await it; with a backend that needs no I/O (cookies) it is ready at
    /// once ([`Pending::into_ready`]).
    ///
    /// # Errors
    /// A [`SaveError`]: the session cannot be sealed, or the store failed.
    pub fn save(&self, config: &SessionConfig<T>) -> Pending<Result<Saved, SaveError>> {
        let now = config.now_ms();
        let action = self.action(config.settings(), now);
        if action == Action::Keep {
            return Pending::ready(Ok(Saved::Unchanged));
        }
        let mut out = Vec::new();
        let committing = config.commit(
            self,
            action,
            now,
            &mut TokenOut::new(&mut out, &[], 0),
            config.cookie_limit(),
        );
        let finish = move |reply: Result<Reply, SaveError>| {
            Ok(match reply? {
                Reply::Keep => Saved::Unchanged,
                Reply::Set => Saved::Write(into_text(out)),
                Reply::Remove => Saved::Remove,
            })
        };
        committing.map(finish)
    }

    /// When the session expires if it is saved now, in milliseconds since the
    /// epoch: the earlier of `created + max_age` and `now + idle_timeout`.
    /// `None` means a browser-session cookie.
    pub fn expires_at_ms(&self, config: &SessionConfig<T>) -> Option<u64> {
        self.expiry_if_saved(config.settings(), config.now_ms())
    }
}

impl<T> Clone for SessionConfig<T> {
    fn clone(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            backend: Arc::clone(&self.backend),
        }
    }
}

impl<T> fmt::Debug for SessionConfig<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
