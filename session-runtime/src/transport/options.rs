//! [`CookieOptions`]: the attributes of the session cookie.

use std::borrow::Cow;

use crate::backend::SameSite;

/// The attributes of the session cookie: how it travels, not what it holds.
///
/// Every setting starts at its default and changes with a `with_*` method; a
/// setting that can be off takes an `Option` (`with_domain(None)`).
///
/// ```
/// use session_runtime::transport::CookieOptions;
/// use session_runtime::SameSite;
///
/// // A development host served over plain HTTP (not `localhost`): without
/// // `Secure`, or browsers drop the cookie.
/// let dev = CookieOptions::new().with_secure(false);
/// assert!(!dev.secure());
/// let strict = CookieOptions::new().with_same_site(SameSite::Strict).with_domain("example.com");
/// assert_eq!(strict.domain(), Some("example.com"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one bool per cookie attribute"
)]
pub struct CookieOptions {
    path: Cow<'static, str>,
    domain: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: SameSiteSetting,
    partitioned: bool,
    host_prefix: bool,
}

/// `SameSite` as the options have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SameSiteSetting {
    /// Not set: the backend's convention applies.
    Convention,
    /// Set (`None`: no attribute).
    Set(Option<SameSite>),
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl CookieOptions {
    /// The defaults: `Path=/`, no `Domain`, `Secure`, `HttpOnly`, `SameSite`
    /// as the backend has it (`Lax`; h3 v1: none), not `Partitioned`, no
    /// `__Host-` prefix.
    pub fn new() -> Self {
        Self {
            path: Cow::Borrowed("/"),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSiteSetting::Convention,
            partitioned: false,
            host_prefix: false,
        }
    }

    /// Sets `Path` (default `/`).
    #[must_use]
    pub fn with_path(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets `Domain` (default none: the host that set it).
    #[must_use]
    pub fn with_domain<'a>(mut self, domain: impl Into<Option<&'a str>>) -> Self {
        self.domain = domain.into().map(str::to_owned);
        self
    }

    /// Sets `Secure` (default `true`: browsers then send the cookie over
    /// HTTPS and to `localhost` only; turn it off for a development host
    /// served over plain HTTP).
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets `HttpOnly` (default `true`: scripts cannot read the cookie).
    #[must_use]
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// Sets `SameSite` (default [`SameSite::Lax`], or what the backend's
    /// convention says); `None` omits the attribute.
    #[must_use]
    pub fn with_same_site(mut self, same_site: impl Into<Option<SameSite>>) -> Self {
        self.same_site = SameSiteSetting::Set(same_site.into());
        self
    }

    /// Sets `Partitioned` (CHIPS; default `false`). A partitioned cookie is
    /// always `Secure`.
    #[must_use]
    pub fn with_partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        self
    }

    /// Sends the cookie as `__Host-<name>` (default `false`). Browsers accept
    /// such a cookie only with `Secure`, `Path=/` and no `Domain`, so the
    /// prefix overrides those three settings. The seal stays bound to the
    /// unprefixed name.
    #[must_use]
    pub fn with_host_prefix(mut self, host_prefix: bool) -> Self {
        self.host_prefix = host_prefix;
        self
    }

    /// `Path`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `Domain`, if any.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// Whether the cookie is `Secure`.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Whether the cookie is `HttpOnly`.
    pub fn http_only(&self) -> bool {
        self.http_only
    }

    /// `SameSite` as set, or `convention` when it was not set.
    pub fn same_site_or(&self, convention: Option<SameSite>) -> Option<SameSite> {
        match self.same_site {
            SameSiteSetting::Convention => convention,
            SameSiteSetting::Set(same_site) => same_site,
        }
    }

    /// Whether the cookie is `Partitioned`.
    pub fn partitioned(&self) -> bool {
        self.partitioned
    }

    /// Whether the cookie is sent as `__Host-<name>`.
    pub fn host_prefix(&self) -> bool {
        self.host_prefix
    }
}
