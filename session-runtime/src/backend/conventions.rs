//! How a backend's cookies look by convention. The native format follows
//! today's browsers; the h3 format writes cookies exactly as h3 does, so a
//! Nuxt/h3 app and a Rust service can take turns on one cookie.

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
}

impl Default for Conventions {
    fn default() -> Self {
        Self {
            same_site: Some(SameSite::Lax),
            max_age: true,
            removal_max_age: true,
        }
    }
}
