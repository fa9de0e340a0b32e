//! How a backend's cookies look by convention. The native format follows
//! today's browsers; the h3 format writes cookies exactly as h3 does, so a
//! Nuxt/h3 app and a Rust service can take turns on one cookie.
//!
//! It also holds the limits of h3 v2's chunked cookies, the format the
//! transport splits a session into when one cookie cannot hold it.

/// The longest value of one chunk cookie: h3 v2's `chunkMaxLength` (4000).
/// A value up to this long stays one cookie; a longer one is split into
/// chunks of this length (the last one shorter).
pub const CHUNK_LEN: usize = 4000;

/// The most chunk cookies one session may be split into: h3 v2's
/// `MAX_CHUNKED_COOKIE_COUNT` (100). A main cookie that announces more is
/// not a session.
pub const MAX_CHUNKS: usize = 100;

/// The longest value a chunked session can have: [`MAX_CHUNKS`] chunks of
/// [`CHUNK_LEN`], 400 000 bytes, h3 v2's own limit. A larger total limit is
/// capped at this.
pub const MAX_CHUNKED_LEN: usize = MAX_CHUNKS * CHUNK_LEN;

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

/// How a backend's cookies look unless the transport is told otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conventions {
    /// `SameSite` when the transport sets none (`None`: no attribute).
    pub same_site: Option<SameSite>,
    /// Whether a written cookie carries `Max-Age` next to `Expires` (h3
    /// sends `Expires` only).
    pub max_age: bool,
    /// Whether the removal cookie carries `Max-Age=0` (h3 v1 removes with
    /// an empty value and no lifetime).
    pub removal_max_age: bool,
    /// Whether a session too large for one cookie is split into chunk
    /// cookies (h3 v2's format, see the transport's
    /// `CookieOptions::with_chunking`), and the most bytes of sealed value they may hold in all; `None`: one
    /// cookie, no chunks. The h3 v2 format chunks, up to what its codec
    /// opens again.
    pub chunking: Option<usize>,
}

impl Default for Conventions {
    fn default() -> Self {
        Self {
            same_site: Some(SameSite::Lax),
            max_age: true,
            removal_max_age: true,
            chunking: None,
        }
    }
}
