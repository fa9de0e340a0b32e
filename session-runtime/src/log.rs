//! What the runtime reports to operators, through `tracing` (feature
//! `tracing`, on by default; without it, nothing). Events name what
//! happened and why, never session data or key material.

use crate::error::StoreError;

/// A store operation failed.
pub(crate) fn store_fault(operation: &str, error: &StoreError) {
    #[cfg(feature = "tracing")]
    tracing::error!(operation, kind = ?error.kind(), %error, "session store failed");
    #[cfg(not(feature = "tracing"))]
    let _ = (operation, error);
}

/// A token a request carried was rejected; the request goes on with a
/// fresh session.
pub(crate) fn rejected(error: &crate::error::UnsealError) {
    #[cfg(feature = "tracing")]
    tracing::debug!(reason = %error, "session token rejected; a fresh session replaces it");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A session could not be saved (too large, a field that does not
/// serialize); the response is replaced.
pub(crate) fn save_failed(error: &crate::error::SaveError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(%error, "session could not be saved");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// A `Secure` cookie went to a host served over plain HTTP (debug builds).
pub(crate) fn insecure_cookie(host: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        host,
        "a Secure session cookie was set for a host served over plain HTTP: browsers drop it \
         (localhost excepted); for development use CookieOptions::new().with_secure(false)"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = host;
}
