//! Framework-free HTTP transport on the [`http`](::http) crate's types
//! (feature `http`): find the sealed session in a request's headers, load a
//! [`Session<T>`], and after the handler turn it into the response's
//! `Set-Cookie`, or nothing when nothing changed.
//!
//! ```
//! use http::{HeaderMap, header};
//! use session_runtime::http::Transport;
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! #[session(cookie = "sid")]
//! struct App {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! let transport = Transport::new(SessionConfig::<App>::new(Key::generate()));
//!
//! // First request: no cookie, a fresh session.
//! let mut loaded = transport.load(&HeaderMap::new());
//! loaded.session.set_count(loaded.session.count() + 1);
//! let set_cookie = transport.save(&loaded.session, loaded.source).unwrap().unwrap();
//! let cookie = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
//! assert!(set_cookie.to_str().unwrap().ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/"));
//!
//! // Second request: the browser sends the cookie back.
//! let mut headers = HeaderMap::new();
//! headers.insert(header::COOKIE, cookie.parse().unwrap());
//! let loaded = transport.load(&headers);
//! assert_eq!(*loaded.session.count(), 1);
//! // A plain read sends no cookie.
//! assert_eq!(transport.save(&loaded.session, loaded.source).unwrap(), None);
//! ```
//!
//! # Transport rules (those of h3)
//!
//! * The session header (default `x-<cookie name lowercased>-session`, see
//!   [`SessionConfig::with_session_header`]) takes precedence over the
//!   cookie. An empty header falls back to the cookie; a present but
//!   invalid header does **not**: the request gets a fresh session.
//! * With several cookies of the session's name, the first one wins.
//! * An invalid, tampered or expired seal gives a fresh session, never an
//!   error; [`Loaded::error`] says why.
//! * A session that came in a header is never sealed into a cookie on a
//!   plain read (no idle sliding, no key-rotation reseal); a write does set
//!   the cookie.
//! * [`clear`](SessionState::clear) and [`destroy`](SessionState::destroy)
//!   give a removal cookie (empty value, `Max-Age=0`).
//! * A written cookie carries `Max-Age` and `Expires` from
//!   [`SessionState::expires_at_ms`]; neither when the session has no
//!   lifetime (a browser-session cookie).

use std::fmt;

use cookie::time::{Duration as CookieDuration, OffsetDateTime};
use cookie::{Cookie, CookieBuilder};
use http::header::{COOKIE, HeaderMap, HeaderName, HeaderValue, SET_COOKIE};

use crate::config::{SameSite, SessionConfig};
use crate::error::{SealError, UnsealError};
use crate::schema::SessionSchema;
use crate::session::{Saved, Session};
use crate::state::SessionState;

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

/// A session loaded from a request.
pub struct Loaded<T: SessionSchema> {
    /// The session: unsealed, or fresh when there was none or it was rejected.
    pub session: Session<T>,
    /// Where the sealed value was found.
    pub source: Source,
    /// Why a sealed value was rejected, when it was.
    pub error: Option<UnsealError>,
}

impl<T: SessionSchema> fmt::Debug for Loaded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("session", &*self.session)
            .field("source", &self.source)
            .field("error", &self.error)
            .finish()
    }
}

/// A [`SessionConfig`] prepared for HTTP: the header name and the cookie
/// name are computed once. Build one per application and share it.
pub struct Transport<T> {
    config: SessionConfig<T>,
    /// The name on the wire (with `__Host-` when asked for).
    cookie_name: String,
    header: Option<HeaderName>,
}

impl<T: SessionSchema> Transport<T> {
    /// Prepares `config` for HTTP.
    ///
    /// # Panics
    /// If the configured session header is not a valid header name.
    pub fn new(config: SessionConfig<T>) -> Self {
        let header = config.session_header().map(|name| {
            HeaderName::try_from(name.as_ref())
                .unwrap_or_else(|_| panic!("`{name}` is not a valid session header name"))
        });
        let cookie_name = if config.host_prefix() {
            format!("__Host-{}", config.cookie_name())
        } else {
            config.cookie_name().to_owned()
        };
        Self {
            config,
            cookie_name,
            header,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig<T> {
        &self.config
    }

    /// The cookie's name on the wire (`__Host-<name>` with the host prefix).
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    /// The session header, unless turned off.
    pub fn header_name(&self) -> Option<&HeaderName> {
        self.header.as_ref()
    }

    /// The sealed value a request carries, and where it was found.
    ///
    /// A session header that is not visible ASCII counts as present and
    /// invalid (it is returned as `""`, which no seal matches).
    pub fn find<'h>(&self, headers: &'h HeaderMap) -> Option<(Source, &'h str)> {
        if let Some(value) = self.header.as_ref().and_then(|name| headers.get(name))
            && !value.is_empty()
        {
            return Some((Source::Header, value.to_str().unwrap_or("")));
        }
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|line| self.find_cookie(line))
            .map(|value| (Source::Cookie, value))
    }

    fn find_cookie<'h>(&self, line: &'h str) -> Option<&'h str> {
        Cookie::split_parse(line)
            .filter_map(Result::ok)
            .find(|c| c.name() == self.cookie_name)
            // A borrowed parse keeps the value's place in `line`.
            .and_then(|c| c.value_raw())
    }

    /// Loads the request's session; a missing or rejected seal gives a
    /// fresh session.
    pub fn load(&self, headers: &HeaderMap) -> Loaded<T> {
        let (source, sealed) = self
            .find(headers)
            .map_or((Source::None, None), |(s, v)| (s, Some(v)));
        let (session, error) = SessionState::load(&self.config, sealed);
        Loaded {
            session,
            source,
            error,
        }
    }

    /// The `Set-Cookie` value the response needs, or `None` when the
    /// cookie stays as it is.
    ///
    /// `source` is where the session came from ([`Loaded::source`]): a
    /// session read from the header is sealed into a cookie only when it
    /// was written to, never just to slide its idle window.
    ///
    /// # Errors
    /// As [`SessionState::save`]: a session too large for its cookie, or a
    /// field that does not serialize.
    pub fn save(
        &self,
        session: &SessionState<T>,
        source: Source,
    ) -> Result<Option<HeaderValue>, SealError> {
        let status = session.status;
        let removing = status.destroyed || (status.cleared && !session.is_dirty());
        if source == Source::Header && !removing && !session.is_dirty() {
            return Ok(None);
        }
        match session.save(&self.config)? {
            Saved::Unchanged => Ok(None),
            Saved::Remove => Ok(Some(self.removal_cookie())),
            Saved::Write(sealed) => Ok(Some(
                self.set_cookie(&sealed, session.expires_at_ms(&self.config)),
            )),
        }
    }

    /// Appends the `Set-Cookie` the session needs, if any, to `headers`;
    /// returns whether it did.
    ///
    /// # Errors
    /// As [`save`](Self::save).
    pub fn write(
        &self,
        session: &SessionState<T>,
        source: Source,
        headers: &mut HeaderMap,
    ) -> Result<bool, SealError> {
        Ok(match self.save(session, source)? {
            Some(value) => {
                headers.append(SET_COOKIE, value);
                true
            }
            None => false,
        })
    }
}

impl<T> Transport<T> {
    /// A `Set-Cookie` value carrying `sealed`, expiring at `expires_at_ms`
    /// (milliseconds since the epoch; `None` for a browser-session cookie).
    ///
    /// # Panics
    /// If `sealed`, the path or the domain hold bytes a header cannot (a
    /// seal never does).
    pub fn set_cookie(&self, sealed: &str, expires_at_ms: Option<u64>) -> HeaderValue {
        let mut cookie = self.cookie(sealed);
        if let Some(at) = expires_at_ms {
            let now = self.config.now_ms();
            let left = i64::try_from(at.saturating_sub(now) / 1000).unwrap_or(i64::MAX);
            let at = i64::try_from(at / 1000).unwrap_or(i64::MAX);
            // h3 sends `Expires` only.
            if self.config.format().cookie_max_age() {
                cookie = cookie.max_age(CookieDuration::seconds(left));
            }
            if let Ok(at) = OffsetDateTime::from_unix_timestamp(at) {
                cookie = cookie.expires(at);
            }
        }
        HeaderValue::try_from(cookie.to_string()).expect("a seal is a valid header value")
    }

    /// The `Set-Cookie` value that removes the session cookie: an empty
    /// value with `Max-Age=0`.
    ///
    /// # Panics
    /// If the configured path or domain holds bytes a header cannot.
    pub fn removal_cookie(&self) -> HeaderValue {
        let mut cookie = self.cookie("");
        // h3 v1 clears with an empty value and no lifetime.
        if self.config.format().removal_max_age() {
            cookie = cookie.max_age(CookieDuration::ZERO);
        }
        HeaderValue::try_from(cookie.to_string())
            .expect("cookie attributes are valid header values")
    }

    fn cookie<'c>(&'c self, value: &'c str) -> CookieBuilder<'c> {
        let config = &self.config;
        let mut cookie = Cookie::build((self.cookie_name.as_str(), value))
            .http_only(config.http_only())
            .partitioned(config.partitioned());
        if let Some(same_site) = config.same_site() {
            cookie = cookie.same_site(match same_site {
                SameSite::Strict => cookie::SameSite::Strict,
                SameSite::Lax => cookie::SameSite::Lax,
                SameSite::None => cookie::SameSite::None,
            });
        }
        if config.host_prefix() {
            return cookie.secure(true).path("/");
        }
        cookie = cookie.secure(config.secure()).path(config.cookie_path());
        if let Some(domain) = config.cookie_domain() {
            cookie = cookie.domain(domain);
        }
        cookie
    }
}

impl<T> fmt::Debug for Transport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .field("cookie_name", &self.cookie_name)
            .field("header", &self.header)
            .finish()
    }
}
