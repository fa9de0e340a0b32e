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
    /// `cookie_name=`, the start of a written cookie.
    name_eq: String,
    /// Whether a `Cookie` pair can carry this name at all: a name with `=`
    /// or `;` in it, or with whitespace around it, never matches.
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
    /// If the configured session header is not a valid header name, the
    /// cookie name is not an HTTP token (RFC 6265: no separators, spaces or
    /// control characters), or the cookie path or domain holds `;` or a
    /// control character (it would inject cookie attributes). These are
    /// configuration mistakes, caught once at start-up.
    pub fn new(config: SessionConfig<T>) -> Self {
        let name = config.cookie_name();
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)),
            "`{name}` is not a valid cookie name: use letters, digits and `-`, `_`, `.`"
        );
        for (what, value) in [
            ("path", Some(config.cookie_path())),
            ("domain", config.cookie_domain()),
        ] {
            if let Some(value) = value {
                assert!(
                    value.bytes().all(|b| b != b';' && !b.is_ascii_control()),
                    "the cookie {what} `{value}` holds `;` or a control character"
                );
            }
        }
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
        let name_eq = format!("{cookie_name}=");
        Self {
            config,
            cookie_name,
            name_eq,
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
    ///
    /// The line is visible ASCII (`HeaderValue::to_str`), so the only
    /// whitespace to trim is spaces and tabs.
    fn find_cookie<'h>(&self, line: &'h str) -> Option<&'h str> {
        let name = self.cookie_name.as_bytes();
        let bytes = line.as_bytes();
        let mut at = 0;
        loop {
            let end = line[at..].find(';').map_or(line.len(), |i| at + i);
            let start = skip_blanks(bytes, at, end);
            if bytes[start..end].starts_with(name) {
                let eq = skip_blanks(bytes, start + name.len(), end);
                if eq < end && bytes[eq] == b'=' {
                    let from = skip_blanks(bytes, eq + 1, end);
                    let mut to = end;
                    while to > from && matches!(bytes[to - 1], b' ' | b'\t') {
                        to -= 1;
                    }
                    let value = &line[from..to];
                    return Some(
                        value
                            .strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or(value),
                    );
                }
            }
            if end == line.len() {
                return None;
            }
            at = end + 1;
        }
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
        let removing = status.destroyed || (status.cleared && !session.was_written());
        if source == Source::Header && !removing && !session.was_written() {
            return Ok(None);
        }
        match session.save_action(&self.config) {
            Saved::Unchanged => Ok(None),
            Saved::Remove => Ok(Some(self.removal_cookie())),
            Saved::Write(_) => {
                // Sealed straight into the `Set-Cookie` line, sized exactly.
                let lifetime = self.lifetime(session.expires_at_ms(&self.config));
                let mut out = session.seal_into(
                    &self.config,
                    self.name_eq.as_bytes(),
                    self.attributes.len() + lifetime.len(),
                )?;
                out.extend_from_slice(self.attributes.as_bytes());
                lifetime.write(&mut out);
                Ok(Some(header_value(out)))
            }
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
        let lifetime = self.lifetime(expires_at_ms);
        let mut out = Vec::with_capacity(
            self.name_eq.len() + sealed.len() + self.attributes.len() + lifetime.len(),
        );
        out.extend_from_slice(self.name_eq.as_bytes());
        out.extend_from_slice(sealed.as_bytes());
        out.extend_from_slice(self.attributes.as_bytes());
        lifetime.write(&mut out);
        header_value(out)
    }

    /// The lifetime attributes of a cookie expiring at `expires_at_ms`.
    fn lifetime(&self, expires_at_ms: Option<u64>) -> Lifetime {
        let Some(at) = expires_at_ms else {
            return Lifetime::default();
        };
        let max_age = self
            .max_age
            .then(|| at.saturating_sub(self.config.now_ms()) / 1000);
        let expires = i64::try_from(at / 1000)
            .ok()
            .and_then(|at| OffsetDateTime::from_unix_timestamp(at).ok());
        Lifetime { max_age, expires }
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
    // Browsers reject `SameSite=None` without `Secure`.
    let secure = config.secure() || config.same_site() == Some(SameSite::None);
    cookie = cookie.secure(secure).path(config.cookie_path());
    if let Some(domain) = config.cookie_domain() {
        cookie = cookie.domain(domain);
    }
    cookie
}

/// A `Set-Cookie` line as a header value.
///
/// # Panics
/// If the line holds bytes a header cannot: a seal never does, and the
/// attributes were checked when the transport was built.
fn header_value(line: Vec<u8>) -> HeaderValue {
    HeaderValue::try_from(line).expect("a seal is a valid header value")
}

/// The index of the first byte at or after `at` (and before `end`) that
/// is not a space or a tab.
fn skip_blanks(bytes: &[u8], mut at: usize, end: usize) -> usize {
    while at < end && matches!(bytes[at], b' ' | b'\t') {
        at += 1;
    }
    at
}

/// `Max-Age` (seconds left) and `Expires` of a written cookie; neither for
/// a browser-session cookie.
#[derive(Default)]
struct Lifetime {
    max_age: Option<u64>,
    expires: Option<OffsetDateTime>,
}

impl Lifetime {
    const MAX_AGE: &'static str = "; Max-Age=";
    const EXPIRES: &'static str = "; Expires=";
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    const DATE_LEN: usize = 29;

    /// How many bytes [`write`](Self::write) appends.
    fn len(&self) -> usize {
        let max_age = self
            .max_age
            .map_or(0, |n| Self::MAX_AGE.len() + decimal_len(n));
        let expires = self
            .expires
            .map_or(0, |_| Self::EXPIRES.len() + Self::DATE_LEN);
        max_age + expires
    }

    fn write(&self, out: &mut Vec<u8>) {
        if let Some(n) = self.max_age {
            out.extend_from_slice(Self::MAX_AGE.as_bytes());
            push_decimal(out, n);
        }
        if let Some(at) = self.expires {
            out.extend_from_slice(Self::EXPIRES.as_bytes());
            http_date(out, at);
        }
    }
}

/// The number of decimal digits of `n`.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Appends `n` (below 10 000) as `width` zero-padded decimal digits.
fn push_padded(out: &mut Vec<u8>, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(b'0' + (n / 10u32.pow(place) % 10) as u8);
    }
}

/// Writes `at` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the
/// form the `cookie` crate writes `Expires` in. `at` is after 1970 and,
/// as `OffsetDateTime` goes, before the year 10 000: the year has 4 digits.
fn http_date(out: &mut Vec<u8>, at: OffsetDateTime) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    out.extend_from_slice(DAYS[usize::from(at.weekday().number_days_from_monday())].as_bytes());
    out.extend_from_slice(b", ");
    push_padded(out, u32::from(at.day()), 2);
    out.push(b' ');
    out.extend_from_slice(MONTHS[usize::from(u8::from(at.month()) - 1)].as_bytes());
    out.push(b' ');
    push_padded(out, at.year().unsigned_abs(), 4);
    out.push(b' ');
    push_padded(out, u32::from(at.hour()), 2);
    out.push(b':');
    push_padded(out, u32::from(at.minute()), 2);
    out.push(b':');
    push_padded(out, u32::from(at.second()), 2);
    out.extend_from_slice(b" GMT");
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
