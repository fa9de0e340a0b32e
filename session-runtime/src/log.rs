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
