//! Layer 4, transport (feature `http`): how a session travels over HTTP, on
//! the [`http`] crate's types. Find the token in a request's headers, load
//! the session, and after the handler turn it into the response's
//! `Set-Cookie`, or nothing when nothing changed. Framework-free: the
//! integrations build on it.
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | [`Transport`]: find, load, save; [`Source`], [`Arrival`], [`Loaded`] |
//! | `options.rs` | [`CookieOptions`]: the cookie's attributes |
//! | `cookie_header.rs` | finding the session's pair (and its chunks) in a `Cookie` header |
//! | `set_cookie.rs` | writing `Set-Cookie`: attributes, `Max-Age`, `Expires`; [`SetCookies`], chunked or not |
//!
//! ```
//! use http::{HeaderMap, header};
//! use session_runtime::transport::Transport;
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! #[session(cookie = "sid")]
//! struct App {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let transport = Transport::new(SessionConfig::<App>::new(Key::generate()));
//!
//! // First request: no cookie, a fresh session.
//! let mut loaded = transport.load(&HeaderMap::new()).await.unwrap();
//! loaded.session.set_count(loaded.session.count() + 1);
//! let lines = transport.save(&loaded.session, loaded.arrival).await.unwrap();
//! let set_cookie = &lines.as_slice()[0];
//! let cookie = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
//! assert!(set_cookie.to_str().unwrap().ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/"));
//!
//! // Second request: the browser sends the cookie back.
//! let mut headers = HeaderMap::new();
//! headers.insert(header::COOKIE, cookie.parse().unwrap());
//! let loaded = transport.load(&headers).await.unwrap();
//! assert_eq!(*loaded.session.count(), 1);
//! // A plain read sends no cookie.
//! assert!(transport.save(&loaded.session, loaded.arrival).await.unwrap().is_empty());
//! # });
//! ```
//!
//! # Transport rules (those of h3)
//!
//! * The session header (default `x-<cookie name lowercased>-session`, see
//!   [`Transport::with_session_header`]) takes precedence over the
//!   cookie. An empty header falls back to the cookie; a present but
//!   invalid header does **not**: the request gets a fresh session.
//! * With several cookies of the session's name, the first one wins.
//!   Other cookies may hold any bytes (`theme=café`): the `Cookie` header
//!   is read as bytes, and a pair that cannot be parsed is skipped.
//! * An invalid, tampered or expired token gives a fresh session, never an
//!   error; [`Loaded::error`] says why. A store that fails is an error.
//! * A session that came in a header is never written into a cookie on a
//!   plain read (no idle sliding, no key-rotation reseal); a write does set
//!   the cookie.
//! * [`clear`](SessionState::clear) and [`destroy`](SessionState::destroy)
//!   give a removal cookie (empty value, `Max-Age=0`).
//! * A written cookie carries `Max-Age` and `Expires` from
//!   [`SessionState::expires_at_ms`]; neither when the session has no
//!   lifetime (a browser-session cookie). The backend's
//!   [`Conventions`](crate::backend::Conventions) may differ: the h3 format writes
//!   `Expires` only, and h3 v1's removal cookie has no `Max-Age=0`, as h3
//!   writes them.
//!
//! # Chunked cookies (h3 v2's format)
//!
//! With [`CookieOptions::with_chunking`] (on by default for the h3 v2
//! format, off otherwise), a session larger than one cookie holds is split
//! into the main cookie `name=__chunked__N` and the chunks `name.1` ...
//! `name.N`; loading joins them again. A response removes the chunks the
//! request's cookie announced and no longer uses (the session shrank, or was
//! removed), so [`save`](Transport::save) takes the request's [`Arrival`]
//! ([`Loaded::arrival`]) and gives every line a response needs
//! ([`SetCookies`]). The session header is never chunked.

mod cookie_header;
mod options;
mod set_cookie;

pub use crate::backend::{CHUNK_LEN, MAX_CHUNKED_LEN, MAX_CHUNKS};
pub use options::CookieOptions;
pub use set_cookie::{IntoIter, SetCookies};

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::header::{COOKIE, HeaderMap, HeaderName, HeaderValue};

use crate::backend::{Pending, Reply, SessionConfig, TokenLimit, TokenOut};
use crate::error::{LoadError, SaveError, StoreError, UnsealError};
use crate::model::lifecycle::Action;
use crate::model::session::SessionFields;
use crate::model::{Session, SessionSchema, SessionState};

use set_cookie::{Wire, header_value};

/// Where a request's session came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Source {
    /// The request carried no session.
    #[default]
    None,
    /// The session header.
    Header,
    /// The session cookie.
    Cookie,
}

/// How a request's session arrived, as a save needs to know it: where it
/// came from, and how many chunk cookies the request's session cookie
/// announced (those the response must remove when it no longer uses them).
///
/// Pass on the one [`Loaded::arrival`] gives; `Arrival::default()` (or
/// `Source::None.into()`) is a request that carried nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Arrival {
    /// Where the token was found.
    pub source: Source,
    /// The `N` of the request's `name=__chunked__N` cookie (at most 100),
    /// whether or not the session came from it (the session header wins)
    /// or its chunks were whole; `0` when it was not chunked, or chunking
    /// is off.
    pub chunks: u8,
}

impl From<Source> for Arrival {
    /// A session from `source`, with no chunk cookies.
    fn from(source: Source) -> Self {
        Self { source, chunks: 0 }
    }
}

/// A session loaded from a request.
pub struct Loaded<T: SessionSchema> {
    /// The session: loaded, or fresh when there was none or it was rejected.
    pub session: Session<T>,
    /// How it arrived: pass it on to [`Transport::save`].
    pub arrival: Arrival,
    /// Why a token was rejected, when it was.
    pub error: Option<UnsealError>,
}

impl<T: SessionSchema> fmt::Debug for Loaded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("session", &*self.session)
            .field("arrival", &self.arrival)
            .field("error", &self.error)
            .finish()
    }
}

/// What a request carries for the session, as the transport finds it.
struct Located<'h> {
    /// Where the token was, and the token, or why the chunks that should
    /// have held it are broken; `None` when there is none.
    found: Option<(Source, Result<Cow<'h, str>, UnsealError>)>,
    /// The chunks the session cookie announced (see [`Arrival::chunks`]).
    chunks: u8,
}

/// Where the session header's name comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HeaderSetting {
    /// `x-<cookie name lowercased>-session`, as h3 does.
    Derived,
    Named(String),
    Off,
}

/// Called with why a token a request carried was rejected.
type RejectionHook = Arc<dyn Fn(&UnsealError) + Send + Sync>;

/// A [`SessionConfig`] with how its sessions travel over HTTP: the cookie's
/// attributes ([`CookieOptions`]) and the session header. Everything that
/// does not change per request is computed once. Build one per application
/// and share it.
pub struct Transport<T> {
    config: SessionConfig<T>,
    options: CookieOptions,
    header_setting: HeaderSetting,
    on_rejected: Option<RejectionHook>,
    /// Shared with the saves that wait for a store.
    wire: Arc<Wire>,
    header: Option<HeaderName>,
}

impl<T: SessionSchema> Transport<T> {
    /// Carries sessions of `config` in a cookie with the default
    /// [`CookieOptions`] (and the backend's conventions), and in the header
    /// `x-<cookie name>-session`.
    ///
    /// # Panics
    /// If the cookie name is not an HTTP token (RFC 6265: no separators,
    /// spaces or control characters). These are configuration mistakes,
    /// caught once at start-up (as are those of the `with_*` methods).
    pub fn new(config: SessionConfig<T>) -> Self {
        let options = CookieOptions::new();
        let header_setting = HeaderSetting::Derived;
        let (wire, header) = prepare(&config, &options, &header_setting);
        Self {
            config,
            options,
            header_setting,
            on_rejected: None,
            wire,
            header,
        }
    }

    /// Sets the cookie's attributes, chunking included
    /// ([`CookieOptions::with_chunking`]).
    ///
    /// # Panics
    /// If the path or domain holds `;` or a control character (it would
    /// inject cookie attributes).
    #[must_use]
    pub fn with_cookie(mut self, options: CookieOptions) -> Self {
        self.options = options;
        self.prepare();
        self
    }

    /// Names the request header that carries a token (it takes precedence
    /// over the cookie); `None` reads the cookie only. The default is
    /// `x-<cookie name lowercased>-session`, as in h3.
    ///
    /// # Panics
    /// If the name is not a valid header name.
    #[must_use]
    pub fn with_session_header<'a>(mut self, name: impl Into<Option<&'a str>>) -> Self {
        self.header_setting = match name.into() {
            Some(name) => HeaderSetting::Named(name.to_owned()),
            None => HeaderSetting::Off,
        };
        self.prepare();
        self
    }

    /// Calls `hook` whenever a request's token is rejected (tampered,
    /// expired, sealed with an unknown key, unknown to the store, ...) and
    /// replaced by a fresh session, so that operators can log or count it;
    /// the request itself goes on. The integrations call it once per
    /// request; the errors never hold plaintext or keys.
    #[must_use]
    pub fn with_rejection_hook(
        mut self,
        hook: impl Fn(&UnsealError) + Send + Sync + 'static,
    ) -> Self {
        self.on_rejected = Some(Arc::new(hook));
        self
    }

    fn prepare(&mut self) {
        (self.wire, self.header) = prepare(&self.config, &self.options, &self.header_setting);
    }
}

/// The wire form of the cookie, and the header name.
fn prepare<T: SessionSchema>(
    config: &SessionConfig<T>,
    options: &CookieOptions,
    header: &HeaderSetting,
) -> (Arc<Wire>, Option<HeaderName>) {
    let name = config.cookie_name();
    let wire = Arc::new(Wire::new(name, options, config.backend().conventions()));
    let header = match header {
        HeaderSetting::Derived => Some(format!("x-{}-session", name.to_lowercase())),
        HeaderSetting::Named(name) => Some(name.to_lowercase()),
        HeaderSetting::Off => None,
    };
    let header = header.map(|name| {
        HeaderName::try_from(name.as_str())
            .unwrap_or_else(|_| panic!("`{name}` is not a valid session header name"))
    });
    (wire, header)
}

impl<T> Transport<T> {
    /// The configuration.
    pub fn config(&self) -> &SessionConfig<T> {
        &self.config
    }

    /// The cookie's attributes.
    pub fn cookie_options(&self) -> &CookieOptions {
        &self.options
    }

    /// The cookie's name on the wire (`__Host-<name>` with the host prefix).
    pub fn cookie_name(&self) -> &str {
        &self.wire.cookie_name
    }

    /// The session header, unless turned off.
    pub fn header_name(&self) -> Option<&HeaderName> {
        self.header.as_ref()
    }

    /// The chunking total limit, when sessions too large for one cookie are
    /// split into chunk cookies (as set with [`CookieOptions::with_chunking`]
    /// or by the backend's convention, capped at [`MAX_CHUNKED_LEN`]).
    pub fn chunking(&self) -> Option<usize> {
        self.wire.chunking
    }

    /// The size limit tokens are held to, loading and saving.
    fn token_limit(&self) -> TokenLimit {
        match self.wire.chunking {
            Some(total) => TokenLimit::Chunked { total },
            None => TokenLimit::Cookie {
                name_len: self.wire.cookie_name.len(),
            },
        }
    }

    /// Passes `error` to the hook set with
    /// [`with_rejection_hook`](Transport::with_rejection_hook), if any.
    pub fn report_rejection(&self, error: &UnsealError) {
        if let Some(hook) = &self.on_rejected {
            hook(error);
        }
    }

    /// The token a request carries, and where it was found.
    ///
    /// Headers are read as bytes: a `Cookie` line is split into pairs
    /// whatever bytes the other cookies hold (UTF-8, Latin-1, control
    /// bytes), and a pair that cannot be parsed is skipped, not the line.
    /// A session header, or the first session cookie, whose value is not
    /// UTF-8 counts as present and invalid (it is returned as `""`, which
    /// no token matches). With chunking on, a chunked cookie's token is
    /// joined from its chunks (then owned); a broken chunk set, or one over
    /// the total limit, also counts as present and invalid.
    pub fn find<'h>(&self, headers: &'h HeaderMap) -> Option<(Source, Cow<'h, str>)> {
        let (source, token) = self.locate(headers).found?;
        Some((source, token.unwrap_or(Cow::Borrowed(""))))
    }

    /// What `headers` carry for the session: the session header if present
    /// and not empty, else the first session cookie, joined from its chunks
    /// when it is a chunked one; and the chunks the cookie announced.
    fn locate<'h>(&self, headers: &'h HeaderMap) -> Located<'h> {
        let header = self
            .header
            .as_ref()
            .and_then(|name| headers.get(name))
            .filter(|value| !value.is_empty());
        let main = || {
            headers
                .get_all(COOKIE)
                .iter()
                .find_map(|line| cookie_header::find(line.as_bytes(), &self.wire.cookie_name))
        };
        let from_header = |value: &'h HeaderValue| {
            (
                Source::Header,
                Ok(Cow::Borrowed(cookie_header::token(value.as_bytes()))),
            )
        };
        let Some(total) = self.wire.chunking else {
            // No chunks: the main cookie's value is the token, whatever it holds.
            let found = match header {
                Some(value) => Some(from_header(value)),
                None => main().map(|value| {
                    (
                        Source::Cookie,
                        Ok(Cow::Borrowed(cookie_header::token(value))),
                    )
                }),
            };
            return Located { found, chunks: 0 };
        };
        // The cookie is read even when the header wins: its chunks are
        // removed once a response no longer uses them.
        let main = main();
        let announced = main.and_then(cookie_header::announced_chunks);
        let chunks = match announced {
            Some(Ok(count)) => u8::try_from(count).unwrap_or(0),
            _ => 0,
        };
        let found = match (header, main, announced) {
            (Some(value), _, _) => Some(from_header(value)),
            (None, None, _) => None,
            (None, Some(value), None) => Some((
                Source::Cookie,
                Ok(Cow::Borrowed(cookie_header::token(value))),
            )),
            (None, Some(_), Some(Ok(count))) if count > 0 => {
                Some((Source::Cookie, self.join_chunks(headers, count, total)))
            }
            (None, Some(_), Some(_)) => Some((Source::Cookie, Err(UnsealError::BadChunks))),
        };
        Located { found, chunks }
    }

    /// The token of a session cookie split into `count` chunks, joined, or
    /// why not: a chunk is missing, empty or not text
    /// ([`UnsealError::BadChunks`]), or they hold more than `total` bytes in
    /// all ([`UnsealError::TooLarge`], checked before joining).
    fn join_chunks<'h>(
        &self,
        headers: &'h HeaderMap,
        count: usize,
        total: usize,
    ) -> Result<Cow<'h, str>, UnsealError> {
        let mut slots = [None; MAX_CHUNKS];
        let slots = &mut slots[..count];
        for line in headers.get_all(COOKIE) {
            cookie_header::find_chunks(line.as_bytes(), &self.wire.cookie_name, slots);
        }
        let mut len = 0;
        for slot in slots.iter() {
            match slot {
                Some(chunk) if !chunk.is_empty() => len += chunk.len(),
                _ => return Err(UnsealError::BadChunks),
            }
        }
        if len > total {
            return Err(UnsealError::TooLarge { len, limit: total });
        }
        let mut joined = Vec::with_capacity(len);
        for chunk in slots.iter().flatten() {
            joined.extend_from_slice(chunk);
        }
        String::from_utf8(joined)
            .map(Cow::Owned)
            .map_err(|_| UnsealError::BadChunks)
    }

    /// A `Set-Cookie` value carrying `token`, expiring at `expires_at_ms`
    /// (milliseconds since the epoch; `None` for a browser-session cookie):
    /// `Max-Age` counts from the configured clock's now, `Expires` is the
    /// same instant as an HTTP date. One cookie, never chunked: for chunks
    /// use [`save`](Self::save).
    ///
    /// # Panics
    /// If `token` holds bytes a header cannot (a token never does).
    pub fn set_cookie(&self, token: &str, expires_at_ms: Option<u64>) -> HeaderValue {
        let lifetime = self
            .wire
            .lifetime(expires_at_ms, self.config.settings().now_ms());
        let mut out = Vec::with_capacity(
            self.wire.name_eq.len() + token.len() + self.wire.attributes.len() + lifetime.len(),
        );
        out.extend_from_slice(self.wire.name_eq.as_bytes());
        out.extend_from_slice(token.as_bytes());
        out.extend_from_slice(self.wire.attributes.as_bytes());
        lifetime.write(&mut out);
        header_value(out)
    }

    /// The `Set-Cookie` value that removes the session cookie: an empty
    /// value with `Max-Age=0`. The main cookie only: [`save`](Self::save)
    /// also removes the chunks of a removed session.
    pub fn removal_cookie(&self) -> HeaderValue {
        self.wire.removal.clone()
    }
}

impl<T: SessionSchema> Transport<T> {
    /// Loads the request's session; a missing or rejected token gives a
    /// fresh session ([`Loaded::error`] says why).
    ///
    /// The future borrows neither the headers nor the transport; with a
    /// backend that needs no I/O it is ready at once.
    ///
    /// # Errors
    /// A [`StoreError`] when the store failed: then no fresh session may
    /// replace the user's.
    pub fn load(&self, headers: &HeaderMap) -> Pending<Result<Loaded<T>, StoreError>> {
        let Located { found, chunks } = self.locate(headers);
        let Some((source, token)) = found else {
            return Pending::ready(Self::finish_load(
                &self.config,
                Ok(self.config.fresh()),
                Arrival::default(),
            ));
        };
        let arrival = Arrival { source, chunks };
        let token = match token {
            Ok(token) => token,
            Err(error) => {
                return Pending::ready(Self::finish_load(
                    &self.config,
                    Err(LoadError::Rejected(error)),
                    arrival,
                ));
            }
        };
        match self.config.open(&token, self.token_limit()).into_ready() {
            Ok(opened) => Pending::ready(Self::finish_load(&self.config, opened, arrival)),
            Err(later) => {
                let config = self.config.clone();
                later.map(move |opened| Self::finish_load(&config, opened, arrival))
            }
        }
    }

    /// What a load gives once the backend answered.
    fn finish_load(
        config: &SessionConfig<T>,
        opened: Result<Box<SessionState<T>>, LoadError>,
        arrival: Arrival,
    ) -> Result<Loaded<T>, StoreError> {
        let (state, error) = match opened {
            Ok(state) => (state, None),
            Err(LoadError::Rejected(e)) => (config.fresh(), Some(e)),
            Err(LoadError::Store(e)) => return Err(e),
        };
        Ok(Loaded {
            session: T::Fields::from_inner(state),
            arrival,
            error,
        })
    }

    /// Saves the session if it needs saving and gives the `Set-Cookie`
    /// lines the response needs: none when the cookie stays as it is,
    /// usually one; with chunking, the main cookie and its chunks, and the
    /// removal of the chunks the request carried and the new value does not
    /// use.
    ///
    /// `arrival` is how the session arrived ([`Loaded::arrival`]): a session
    /// read from the header is written into a cookie only when it was
    /// written to, never just to slide its idle window; the chunks its
    /// cookie announced are removed when no longer used.
    ///
    /// The future borrows neither the session nor the transport; with a
    /// backend that needs no I/O it is ready at once.
    ///
    /// # Errors
    /// A [`SaveError`]: a session too large for its cookie (or, chunked,
    /// for the total limit), a field that does not serialize, or a store
    /// that failed.
    pub fn save(
        &self,
        session: &SessionState<T>,
        arrival: Arrival,
    ) -> Pending<Result<SetCookies, SaveError>> {
        if arrival.source == Source::Header && !session.is_removed() && !session.was_written() {
            return Pending::ready(Ok(SetCookies::none()));
        }
        let settings = self.config.settings();
        let now = settings.now_ms();
        let action = session.action(settings, now);
        if action == Action::Keep {
            return Pending::ready(Ok(SetCookies::none()));
        }
        let lifetime = self
            .wire
            .lifetime(session.expiry_if_saved(settings, now), now);
        let room = self.wire.attributes.len() + lifetime.len();
        let mut out = Vec::new();
        let committing = self.config.commit(
            session,
            action,
            now,
            &mut TokenOut::new(&mut out, self.wire.name_eq.as_bytes(), room),
            self.token_limit(),
        );
        let token_len = out.len().saturating_sub(self.wire.name_eq.len());
        if !out.is_empty() {
            out.extend_from_slice(self.wire.attributes.as_bytes());
            lifetime.write(&mut out);
        }
        let stale = usize::from(arrival.chunks);
        let answer = move |wire: &Wire, reply: Reply, out: Vec<u8>| match reply {
            Reply::Keep => SetCookies::none(),
            Reply::Set => wire.set_lines(out, token_len, stale),
            Reply::Remove => wire.removal_lines(stale),
        };
        match committing.into_ready() {
            Ok(reply) => Pending::ready(reply.map(|reply| answer(&self.wire, reply, out))),
            Err(later) => {
                let wire = Arc::clone(&self.wire);
                later.map(move |reply| reply.map(|reply| answer(&wire, reply, out)))
            }
        }
    }

    /// Appends the `Set-Cookie` lines the session needs, if any, to
    /// `headers`; returns whether it did.
    ///
    /// # Errors
    /// As [`save`](Self::save).
    pub async fn write(
        &self,
        session: &SessionState<T>,
        arrival: Arrival,
        headers: &mut HeaderMap,
    ) -> Result<bool, SaveError> {
        let lines = self.save(session, arrival).await?;
        let wrote = !lines.is_empty();
        lines.append_to(headers);
        Ok(wrote)
    }
}

impl<T> fmt::Debug for Transport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("cookie_name", &self.wire.cookie_name)
            .field("header", &self.header)
            .field("attributes", &self.wire.attributes)
            .field("chunking", &self.wire.chunking)
            .finish_non_exhaustive()
    }
}
