//! Which sealed format a configuration reads and writes.

/// How sessions are sealed into a cookie or header value.
///
/// [`SessionConfig::new`](crate::SessionConfig::new) uses
/// [`Native`](Self::Native); with feature `h3`, `SessionConfig::h3` selects
/// `H3`. Sealing, unsealing, saving and the HTTP transport all follow the
/// configured format.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum SessionFormat {
    /// This crate's own format: AES-256-GCM under the configuration's
    /// [`KeyRing`](crate::KeyRing), bound to the cookie name.
    #[default]
    Native,
    /// h3/Nuxt's sessions: `{id, createdAt, data}` sealed with iron
    /// (`Fe26.2`), readable and writable by h3's `useSession`.
    #[cfg(feature = "h3")]
    #[cfg_attr(docsrs, doc(cfg(feature = "h3")))]
    H3(crate::h3::H3Format),
}

#[cfg_attr(not(feature = "http"), allow(dead_code))]
impl SessionFormat {
    /// Whether a written cookie carries `Max-Age` next to `Expires` (h3
    /// sends `Expires` only).
    pub(crate) fn cookie_max_age(&self) -> bool {
        match self {
            Self::Native => true,
            #[cfg(feature = "h3")]
            Self::H3(_) => false,
        }
    }

    /// Whether the removal cookie carries `Max-Age=0` (h3 v1 clears with an
    /// empty value and no lifetime at all).
    pub(crate) fn removal_max_age(&self) -> bool {
        match self {
            Self::Native => true,
            #[cfg(feature = "h3")]
            Self::H3(format) => format.version() != crate::h3::H3Version::V1,
        }
    }
}
