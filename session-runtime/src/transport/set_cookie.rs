//! Writing `Set-Cookie`: the attributes, computed once per transport, and
//! the lifetime (`Max-Age`, `Expires`) of each written cookie.

use cookie::time::{Duration as CookieDuration, OffsetDateTime};
use cookie::{Cookie, CookieBuilder};
use http::HeaderValue;

use crate::backend::{Conventions, SameSite};
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
        Self {
            name_eq: format!("{cookie_name}="),
            cookie_name,
            attributes,
            removal,
            max_age: conventions.max_age,
        }
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
