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
    chunking: ChunkingSetting,
}

/// Chunking as the options have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkingSetting {
    /// Not set: the backend's convention applies (h3 v2 chunks).
    Convention,
    /// Set (`None`: off; `Some`: the total limit).
    Set(Option<usize>),
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
    /// `__Host-` prefix, chunking as the backend has it (off; h3 v2: on).
    pub fn new() -> Self {
        Self {
            path: Cow::Borrowed("/"),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSiteSetting::Convention,
            partitioned: false,
            host_prefix: false,
            chunking: ChunkingSetting::Convention,
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

    /// Splits a session too large for one cookie into chunk cookies, in h3
    /// v2's format, holding at most `max_total_bytes` of sealed value in
    /// all; `None` keeps one cookie. Default: off, except for the h3 v2
    /// format, which chunks as h3 v2 does, up to the seal length its iron
    /// codec opens (64 KiB by default).
    ///
    /// The format: a sealed value up to [`CHUNK_LEN`](crate::backend::CHUNK_LEN)
    /// (4000) bytes stays one cookie `name=value`; a longer one becomes the
    /// main cookie `name=__chunked__N` and the chunks `name.1` ... `name.N`,
    /// 4000 bytes each (the last shorter), at most
    /// [`MAX_CHUNKS`](crate::backend::MAX_CHUNKS) (100): a limit above
    /// 400 000 bytes is capped there. Every chunk carries the cookie's
    /// attributes and lifetime. A response removes (`Max-Age=0`) the chunks
    /// the request's cookie announced and the new value no longer uses, and
    /// a removed session removes them all.
    ///
    /// With chunking on, the total limit replaces the configuration's
    /// [`max_size`](crate::SessionConfig::with_max_size) for the token,
    /// loading and saving (from the cookie or the session header, which is
    /// never chunked); a larger session is still
    /// [`SealError::TooLarge`](crate::SealError::TooLarge), and a broken
    /// chunk set (a chunk missing, `N` not from 1 to 100) is rejected
    /// ([`UnsealError::BadChunks`](crate::UnsealError::BadChunks)): the
    /// request gets a fresh session. With chunking off, chunk cookies are
    /// not read, and `name=__chunked__N` is just an invalid token.
    ///
    /// Browsers keep each chunk as a cookie of its own (about 4 KiB each, a
    /// few dozen per site) and send them all back with every request:
    /// servers and proxies refuse large request headers (8 to 16 KiB is
    /// common), so keep the limit near what they accept.
    ///
    /// ```
    /// use session_runtime::transport::CookieOptions;
    ///
    /// // Up to 12 000 bytes of sealed session, in at most 3 chunk cookies.
    /// let options = CookieOptions::new().with_chunking(12_000);
    /// assert_eq!(options.chunking_or(None), Some(12_000));
    /// // Off, even for a format that chunks by convention.
    /// let single = CookieOptions::new().with_chunking(None);
    /// assert_eq!(single.chunking_or(Some(400_000)), None);
    /// ```
    #[must_use]
    pub fn with_chunking(mut self, max_total_bytes: impl Into<Option<usize>>) -> Self {
        self.chunking = ChunkingSetting::Set(max_total_bytes.into());
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

    /// The chunking total limit as set, or `convention` when it was not set
    /// (`None`: no chunking).
    pub fn chunking_or(&self, convention: Option<usize>) -> Option<usize> {
        match self.chunking {
            ChunkingSetting::Convention => convention,
            ChunkingSetting::Set(total) => total,
        }
    }
}
