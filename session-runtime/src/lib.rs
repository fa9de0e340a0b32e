//! session-runtime (work in progress)

#[cfg(feature = "h3")]
pub mod iron;
