//! Framework-free HTTP transport on the [`http`] crate's types
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
//!   lifetime (a browser-session cookie). With the h3 format
//!   ([`SessionConfig::format`]) it carries `Expires` only, and h3 v1's
//!   removal cookie has no `Max-Age=0`, as h3 writes them.

use std::fmt;
use std::fmt::Write as _;

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
    /// The attributes after `name=value`, as the `cookie` crate writes them
    /// (without `Max-Age` and `Expires`, which come last).
    attributes: String,
    /// The whole removal `Set-Cookie`.
    removal: HeaderValue,
    /// Whether a written cookie carries `Max-Age` besides `Expires` (the
    /// h3 format sends `Expires` only, as h3 does).
    max_age: bool,
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
        let attributes = cookie_attributes(&config, &cookie_name, "").to_string();
        let attributes = attributes[cookie_name.len() + 1..].to_owned();
        let mut removal = cookie_attributes(&config, &cookie_name, "");
        // h3 v1 clears with an empty value and no lifetime.
        if config.format().removal_max_age() {
            removal = removal.max_age(CookieDuration::ZERO);
        }
        let removal = removal.to_string();
        let max_age = config.format().cookie_max_age();
        let removal = HeaderValue::try_from(removal)
            .expect("the cookie path and domain are valid header values");
        Self {
            config,
            cookie_name,
            header,
            attributes,
            removal,
            max_age,
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

    /// The value of the session's pair in one `Cookie` header line. The line
    /// is split as the `cookie` crate's `split_parse` does (on `;`, names
    /// and values trimmed), without building a cookie per pair; a
    /// double-quoted value is unquoted.
    fn find_cookie<'h>(&self, line: &'h str) -> Option<&'h str> {
        line.split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            if name.trim() != self.cookie_name {
                return None;
            }
            let value = value.trim();
            Some(
                value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value),
            )
        })
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
    /// (milliseconds since the epoch; `None` for a browser-session cookie):
    /// `Max-Age` counts from the configured clock's now, `Expires` is the
    /// same instant as an HTTP date.
    ///
    /// # Panics
    /// If `sealed` holds bytes a header cannot (a seal never does).
    pub fn set_cookie(&self, sealed: &str, expires_at_ms: Option<u64>) -> HeaderValue {
        let mut out = String::with_capacity(
            self.cookie_name.len() + 1 + sealed.len() + self.attributes.len() + 64,
        );
        out.push_str(&self.cookie_name);
        out.push('=');
        out.push_str(sealed);
        out.push_str(&self.attributes);
        if let Some(at) = expires_at_ms {
            if self.max_age {
                let left = at.saturating_sub(self.config.now_ms()) / 1000;
                let _ = write!(out, "; Max-Age={left}");
            }
            let at = i64::try_from(at / 1000).unwrap_or(i64::MAX);
            if let Ok(at) = OffsetDateTime::from_unix_timestamp(at) {
                out.push_str("; Expires=");
                http_date(&mut out, at);
            }
        }
        HeaderValue::try_from(out).expect("a seal is a valid header value")
    }

    /// The `Set-Cookie` value that removes the session cookie: an empty
    /// value with `Max-Age=0`.
    pub fn removal_cookie(&self) -> HeaderValue {
        self.removal.clone()
    }
}

/// The cookie with the configured attributes (but no lifetime).
fn cookie_attributes<'c, T>(
    config: &'c SessionConfig<T>,
    name: &'c str,
    value: &'c str,
) -> CookieBuilder<'c> {
    let mut cookie = Cookie::build((name, value))
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

/// Writes `at` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the
/// form the `cookie` crate writes `Expires` in.
fn http_date(out: &mut String, at: OffsetDateTime) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = DAYS[usize::from(at.weekday().number_days_from_monday())];
    let month = MONTHS[usize::from(u8::from(at.month()) - 1)];
    let _ = write!(
        out,
        "{day}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        at.day(),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    );
}

impl<T> fmt::Debug for Transport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .field("cookie_name", &self.cookie_name)
            .field("header", &self.header)
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}
