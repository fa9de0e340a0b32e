//! Writing `Set-Cookie`: the attributes, computed once per transport, the
//! lifetime (`Max-Age`, `Expires`) of each written cookie, and the lines of
//! a response ([`SetCookies`]), chunked when one cookie cannot hold the
//! session.

use cookie::time::{Duration as CookieDuration, OffsetDateTime};
use cookie::{Cookie, CookieBuilder};
use http::{HeaderMap, HeaderValue, header::SET_COOKIE};

use crate::backend::{CHUNK_LEN, Conventions, MAX_CHUNKED_LEN, SameSite};
use crate::transport::CookieOptions;

/// Everything about the session cookie that does not change per response.
pub(super) struct Wire {
    /// The name on the wire (with `__Host-` when asked for).
    pub(super) cookie_name: String,
    /// `cookie_name=`, the start of a written cookie.
    pub(super) name_eq: String,
    /// The attributes after `name=value`, as the `cookie` crate writes them
    /// (without `Max-Age` and `Expires`, which come last).
    pub(super) attributes: String,
    /// The whole removal `Set-Cookie`.
    pub(super) removal: HeaderValue,
    /// What follows `name.i=` in the removal of a chunk: the attributes and
    /// `Max-Age=0`, whatever the conventions say of the main cookie's
    /// removal (an emptied chunk kept by the browser would be dead weight).
    chunk_removal: String,
    /// The chunking total limit (capped at [`MAX_CHUNKED_LEN`]), if
    /// sessions are chunked.
    pub(super) chunking: Option<usize>,
    /// Whether a written cookie carries `Max-Age` besides `Expires`.
    max_age: bool,
}

impl Wire {
    /// The cookie `name` with `options`, as the backend's `conventions` have it.
    ///
    /// # Panics
    /// If the cookie name is not an HTTP token (RFC 6265: no separators,
    /// spaces or control characters), or the path or domain holds `;` or a
    /// control character (it would inject cookie attributes). These are
    /// configuration mistakes, caught once at start-up.
    pub(super) fn new(name: &str, options: &CookieOptions, conventions: Conventions) -> Self {
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)),
            "`{name}` is not a valid cookie name: use letters, digits and `-`, `_`, `.`"
        );
        for (what, value) in [("path", Some(options.path())), ("domain", options.domain())] {
            if let Some(value) = value {
                assert!(
                    value.bytes().all(|b| b != b';' && !b.is_ascii_control()),
                    "the cookie {what} `{value}` holds `;` or a control character"
                );
            }
        }
        let cookie_name = if options.host_prefix() {
            format!("__Host-{name}")
        } else {
            name.to_owned()
        };
        let attributes = cookie_attributes(options, conventions, &cookie_name).to_string();
        let attributes = attributes[cookie_name.len() + 1..].to_owned();
        let mut removal = cookie_attributes(options, conventions, &cookie_name);
        if conventions.removal_max_age {
            removal = removal.max_age(CookieDuration::ZERO);
        }
        let removal = HeaderValue::try_from(removal.to_string())
            .expect("the cookie path and domain are valid header values");
        let chunk_removal = cookie_attributes(options, conventions, &cookie_name)
            .max_age(CookieDuration::ZERO)
            .to_string()[cookie_name.len() + 1..]
            .to_owned();
        let chunking = options
            .chunking_or(conventions.chunking)
            .map(|total| total.min(MAX_CHUNKED_LEN));
        Self {
            name_eq: format!("{cookie_name}="),
            cookie_name,
            attributes,
            removal,
            chunk_removal,
            chunking,
            max_age: conventions.max_age,
        }
    }

    /// The lines that set a token: `written` is the whole line for one
    /// cookie (`name=token`, the attributes, the lifetime), `token_len` the
    /// token's length in it. `stale` chunks the request announced are
    /// removed where the new value does not use them (h3 v2's
    /// `setChunkedCookie`: removals first, then the main cookie, then the
    /// chunks in order).
    pub(super) fn set_lines(&self, written: Vec<u8>, token_len: usize, stale: usize) -> SetCookies {
        if self.chunking.is_none() || token_len <= CHUNK_LEN {
            if stale == 0 {
                return SetCookies::one(header_value(written));
            }
            let mut lines = self.chunk_removals(1, stale);
            lines.push(header_value(written));
            return SetCookies::many(lines);
        }
        let (token, suffix) = written[self.name_eq.len()..].split_at(token_len);
        let count = token_len.div_ceil(CHUNK_LEN);
        let mut lines = self.chunk_removals(count + 1, stale);
        lines.reserve_exact(count + 1);
        let mut main = Vec::with_capacity(self.name_eq.len() + 16 + suffix.len());
        main.extend_from_slice(self.name_eq.as_bytes());
        main.extend_from_slice(CHUNKED_MARKER.as_bytes());
        push_decimal(&mut main, count as u64);
        main.extend_from_slice(suffix);
        lines.push(header_value(main));
        for (index, chunk) in (1..).zip(token.chunks(CHUNK_LEN)) {
            let mut line = self.chunk_name_eq(index, chunk.len() + suffix.len());
            line.extend_from_slice(chunk);
            line.extend_from_slice(suffix);
            lines.push(header_value(line));
        }
        SetCookies::many(lines)
    }

    /// The lines that remove the session: the main cookie, then the `stale`
    /// chunks the request announced (h3 v2's `deleteChunkedCookie`).
    pub(super) fn removal_lines(&self, stale: usize) -> SetCookies {
        if stale == 0 {
            return SetCookies::one(self.removal.clone());
        }
        let mut lines = Vec::with_capacity(stale + 1);
        lines.push(self.removal.clone());
        lines.extend(self.chunk_removals(1, stale));
        SetCookies::many(lines)
    }

    /// The removals of chunks `from` to `to` (none when `from > to`).
    fn chunk_removals(&self, from: usize, to: usize) -> Vec<HeaderValue> {
        (from..=to)
            .map(|index| {
                let mut line = self.chunk_name_eq(index, self.chunk_removal.len());
                line.extend_from_slice(self.chunk_removal.as_bytes());
                header_value(line)
            })
            .collect()
    }

    /// `name.<index>=`, in a buffer with `room` to spare.
    fn chunk_name_eq(&self, index: usize, room: usize) -> Vec<u8> {
        let mut line = Vec::with_capacity(self.name_eq.len() + 4 + room);
        line.extend_from_slice(self.cookie_name.as_bytes());
        line.push(b'.');
        push_decimal(&mut line, index as u64);
        line.push(b'=');
        line
    }

    /// The lifetime attributes of a cookie expiring at `expires_at_ms`
    /// (`None`: a browser-session cookie), written at `now_ms`.
    pub(super) fn lifetime(&self, expires_at_ms: Option<u64>, now_ms: u64) -> Lifetime {
        let Some(at) = expires_at_ms else {
            return Lifetime::default();
        };
        let max_age = self.max_age.then(|| at.saturating_sub(now_ms) / 1000);
        let expires = i64::try_from(at / 1000)
            .ok()
            .and_then(|at| OffsetDateTime::from_unix_timestamp(at).ok());
        Lifetime { max_age, expires }
    }
}

/// The cookie with the configured attributes (but no lifetime) and an empty value.
fn cookie_attributes<'c>(
    options: &'c CookieOptions,
    conventions: Conventions,
    name: &'c str,
) -> CookieBuilder<'c> {
    let same_site = options.same_site_or(conventions.same_site);
    let mut cookie = Cookie::build((name, ""))
        .http_only(options.http_only())
        .partitioned(options.partitioned());
    if let Some(same_site) = same_site {
        cookie = cookie.same_site(match same_site {
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::None => cookie::SameSite::None,
        });
    }
    if options.host_prefix() {
        return cookie.secure(true).path("/");
    }
    // Browsers reject `SameSite=None` without `Secure`.
    let secure = options.secure() || same_site == Some(SameSite::None);
    cookie = cookie.secure(secure).path(options.path());
    if let Some(domain) = options.domain() {
        cookie = cookie.domain(domain);
    }
    cookie
}

/// What the main cookie of a chunked session holds, before the number of
/// chunks (h3 v2's `CHUNKED_COOKIE`).
pub(super) const CHUNKED_MARKER: &str = "__chunked__";

/// The `Set-Cookie` lines a response needs for its session, in the order
/// they are sent: none when the cookie stays as it is, usually one, more
/// when the session is split into chunk cookies or chunks the request
/// carried are removed.
///
/// ```
/// use http::HeaderMap;
/// use session_runtime::transport::{Arrival, Transport};
/// use session_runtime::{Key, Session, SessionConfig};
///
/// #[derive(Session)]
/// struct App {
///     #[session(default)]
///     count: u32,
/// }
///
/// let transport = Transport::new(SessionConfig::<App>::new(Key::generate()));
/// let mut session = transport.load(&HeaderMap::new()).now().unwrap().unwrap().session;
/// session.set_count(1);
/// let lines = transport.save(&session, Arrival::default()).now().unwrap().unwrap();
/// assert_eq!(lines.len(), 1);
/// let mut headers = HeaderMap::new();
/// lines.append_to(&mut headers);
/// assert!(headers["set-cookie"].to_str().unwrap().starts_with("session="));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetCookies {
    lines: Lines,
}

/// The lines, without an allocation for the usual single one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Lines {
    #[default]
    None,
    One(HeaderValue),
    Many(Vec<HeaderValue>),
}

impl SetCookies {
    /// No line: the cookie stays as it is.
    pub fn none() -> Self {
        Self::default()
    }

    fn one(line: HeaderValue) -> Self {
        Self {
            lines: Lines::One(line),
        }
    }

    fn many(lines: Vec<HeaderValue>) -> Self {
        Self {
            lines: Lines::Many(lines),
        }
    }

    /// The lines, in order.
    pub fn as_slice(&self) -> &[HeaderValue] {
        match &self.lines {
            Lines::None => &[],
            Lines::One(line) => std::slice::from_ref(line),
            Lines::Many(lines) => lines,
        }
    }

    /// Whether there is no line to send.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// How many lines there are.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// The lines, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, HeaderValue> {
        self.as_slice().iter()
    }

    /// Appends every line to `headers` as a `Set-Cookie`, in order.
    pub fn append_to(self, headers: &mut HeaderMap) {
        for line in self {
            headers.append(SET_COOKIE, line);
        }
    }
}

impl IntoIterator for SetCookies {
    type Item = HeaderValue;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter(match self.lines {
            Lines::None => LinesIter::One(None),
            Lines::One(line) => LinesIter::One(Some(line)),
            Lines::Many(lines) => LinesIter::Many(lines.into_iter()),
        })
    }
}

impl<'a> IntoIterator for &'a SetCookies {
    type Item = &'a HeaderValue;
    type IntoIter = std::slice::Iter<'a, HeaderValue>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The lines of a [`SetCookies`], by value.
#[derive(Debug)]
pub struct IntoIter(LinesIter);

#[derive(Debug)]
enum LinesIter {
    One(Option<HeaderValue>),
    Many(std::vec::IntoIter<HeaderValue>),
}

impl Iterator for IntoIter {
    type Item = HeaderValue;

    fn next(&mut self) -> Option<HeaderValue> {
        match &mut self.0 {
            LinesIter::One(line) => line.take(),
            LinesIter::Many(lines) => lines.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            LinesIter::One(line) => (
                usize::from(line.is_some()),
                Some(usize::from(line.is_some())),
            ),
            LinesIter::Many(lines) => lines.size_hint(),
        }
    }
}

impl ExactSizeIterator for IntoIter {}

/// A `Set-Cookie` line as a header value.
///
/// # Panics
/// If the line holds bytes a header cannot: a token never does, and the
/// attributes were checked when the transport was built.
pub(super) fn header_value(line: Vec<u8>) -> HeaderValue {
    HeaderValue::try_from(line).expect("a session token is a valid header value")
}

/// `Max-Age` (seconds left) and `Expires` of a written cookie; neither for
/// a browser-session cookie.
#[derive(Default)]
pub(super) struct Lifetime {
    pub(super) max_age: Option<u64>,
    pub(super) expires: Option<OffsetDateTime>,
}

impl Lifetime {
    const MAX_AGE: &'static str = "; Max-Age=";
    const EXPIRES: &'static str = "; Expires=";
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    const DATE_LEN: usize = 29;

    /// How many bytes [`write`](Self::write) appends.
    pub(super) fn len(&self) -> usize {
        let max_age = self
            .max_age
            .map_or(0, |n| Self::MAX_AGE.len() + decimal_len(n));
        let expires = self
            .expires
            .map_or(0, |_| Self::EXPIRES.len() + Self::DATE_LEN);
        max_age + expires
    }

    pub(super) fn write(&self, out: &mut Vec<u8>) {
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

#[cfg(test)]
mod tests {
    use super::{SetCookies, Wire};
    use crate::backend::{CHUNK_LEN, Conventions, MAX_CHUNKED_LEN};
    use crate::transport::CookieOptions;

    const ATTRS: &str = "; HttpOnly; SameSite=Lax; Secure; Path=/";

    fn wire(options: &CookieOptions) -> Wire {
        Wire::new("sid", options, Conventions::default())
    }

    /// The line a save builds for `token`, before it is split.
    fn written(wire: &Wire, token: &str) -> Vec<u8> {
        format!("{}{token}{}", wire.name_eq, wire.attributes).into_bytes()
    }

    fn text(lines: &SetCookies) -> Vec<String> {
        lines
            .iter()
            .map(|line| line.to_str().unwrap().to_owned())
            .collect()
    }

    /// `name=value` of each line, with the value shortened to its length
    /// and first byte when long.
    fn pairs(lines: &SetCookies) -> Vec<String> {
        text(lines)
            .iter()
            .map(|line| {
                let pair = line.split(';').next().unwrap();
                let (name, value) = pair.split_once('=').unwrap();
                if value.len() > 20 {
                    format!("{name}=<{} x {}>", value.len(), &value[..1])
                } else {
                    pair.to_owned()
                }
            })
            .collect()
    }

    fn token(len: usize) -> String {
        // Distinct bytes per chunk, so that a misplaced chunk shows.
        (0..len)
            .map(|i| char::from(b'a' + u8::try_from(i / CHUNK_LEN).unwrap()))
            .collect()
    }

    #[test]
    fn a_value_up_to_one_chunk_stays_one_cookie() {
        let wire = wire(&CookieOptions::new().with_chunking(MAX_CHUNKED_LEN));
        for len in [1, 100, CHUNK_LEN] {
            let lines = wire.set_lines(written(&wire, &token(len)), len, 0);
            assert_eq!(lines.len(), 1);
            assert_eq!(text(&lines)[0], format!("sid={}{ATTRS}", token(len)));
        }
    }

    #[test]
    fn a_longer_value_is_split_into_chunks_of_4000() {
        let wire = wire(&CookieOptions::new().with_chunking(MAX_CHUNKED_LEN));
        let lines = wire.set_lines(written(&wire, &token(CHUNK_LEN + 1)), CHUNK_LEN + 1, 0);
        assert_eq!(
            pairs(&lines),
            ["sid=__chunked__2", "sid.1=<4000 x a>", "sid.2=b"]
        );
        let value = token(9000);
        let lines = wire.set_lines(written(&wire, &value), 9000, 0);
        assert_eq!(
            pairs(&lines),
            [
                "sid=__chunked__3",
                "sid.1=<4000 x a>",
                "sid.2=<4000 x b>",
                "sid.3=<1000 x c>"
            ]
        );
        // Every line carries the attributes; the chunks join to the value.
        let all = text(&lines);
        assert!(all.iter().all(|line| line.ends_with(ATTRS)), "{all:?}");
        let joined: String = all[1..]
            .iter()
            .map(|line| line.split(';').next().unwrap().split_once('=').unwrap().1)
            .collect();
        assert_eq!(joined, value);
        // The most there can be: 100 chunks.
        let lines = wire.set_lines(
            written(&wire, &"x".repeat(MAX_CHUNKED_LEN)),
            MAX_CHUNKED_LEN,
            0,
        );
        assert_eq!(lines.len(), 101);
        assert_eq!(pairs(&lines)[0], "sid=__chunked__100");
        assert_eq!(pairs(&lines)[100], "sid.100=<4000 x x>");
    }

    #[test]
    fn stale_chunks_are_removed_first() {
        let wire = wire(&CookieOptions::new().with_chunking(MAX_CHUNKED_LEN));
        let removal = |i: u32| format!("sid.{i}={ATTRS}; Max-Age=0");
        // 5 chunks before, 3 now: 4 and 5 go.
        let lines = wire.set_lines(written(&wire, &token(9000)), 9000, 5);
        let all = text(&lines);
        assert_eq!(all[..2], [removal(4), removal(5)]);
        assert_eq!(
            pairs(&lines)[2..],
            [
                "sid=__chunked__3",
                "sid.1=<4000 x a>",
                "sid.2=<4000 x b>",
                "sid.3=<1000 x c>"
            ]
        );
        // As many or fewer before: nothing to remove.
        for stale in [0, 2, 3] {
            let lines = wire.set_lines(written(&wire, &token(9000)), 9000, stale);
            assert_eq!(lines.len(), 4, "{stale}");
        }
        // Unchunked again: every chunk goes, then the plain cookie.
        let lines = wire.set_lines(written(&wire, "small"), 5, 3);
        assert_eq!(
            text(&lines),
            [
                removal(1),
                removal(2),
                removal(3),
                format!("sid=small{ATTRS}")
            ]
        );
    }

    #[test]
    fn removal_removes_the_announced_chunks_after_the_main_cookie() {
        let wire = wire(&CookieOptions::new().with_chunking(MAX_CHUNKED_LEN));
        assert_eq!(
            text(&wire.removal_lines(0)),
            [format!("sid={ATTRS}; Max-Age=0")]
        );
        assert_eq!(
            text(&wire.removal_lines(2)),
            [
                format!("sid={ATTRS}; Max-Age=0"),
                format!("sid.1={ATTRS}; Max-Age=0"),
                format!("sid.2={ATTRS}; Max-Age=0"),
            ]
        );
        // A chunk is removed with `Max-Age=0` even where the main cookie is
        // removed by an empty value (h3 v1's convention).
        let v1 = Conventions {
            removal_max_age: false,
            ..Conventions::default()
        };
        let wire = Wire::new("sid", &CookieOptions::new().with_chunking(8000), v1);
        assert_eq!(
            text(&wire.removal_lines(1)),
            [format!("sid={ATTRS}"), format!("sid.1={ATTRS}; Max-Age=0")]
        );
    }

    #[test]
    fn without_chunking_a_long_value_stays_one_cookie() {
        // The size limit refused it before; the writer never splits it.
        let wire = wire(&CookieOptions::new());
        assert_eq!(wire.chunking, None);
        let lines = wire.set_lines(written(&wire, &token(9000)), 9000, 0);
        assert_eq!(lines.len(), 1);
    }

    #[test]
    fn the_total_limit_is_capped_at_100_chunks() {
        assert_eq!(
            wire(&CookieOptions::new().with_chunking(usize::MAX)).chunking,
            Some(MAX_CHUNKED_LEN)
        );
        assert_eq!(
            wire(&CookieOptions::new().with_chunking(12_000)).chunking,
            Some(12_000)
        );
    }

    #[test]
    fn set_cookies_iterates_in_order() {
        let wire = wire(&CookieOptions::new().with_chunking(MAX_CHUNKED_LEN));
        let lines = wire.removal_lines(2);
        let by_ref: Vec<_> = (&lines).into_iter().cloned().collect();
        let owned = lines.clone().into_iter();
        assert_eq!(owned.len(), 3);
        assert_eq!(owned.collect::<Vec<_>>(), by_ref);
        assert!(SetCookies::none().is_empty());
        assert_eq!(SetCookies::none().into_iter().next(), None);
        let mut headers = http::HeaderMap::new();
        lines.append_to(&mut headers);
        assert_eq!(headers.get_all("set-cookie").iter().count(), 3);
    }
}
