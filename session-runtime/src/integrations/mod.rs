//! Layer 5, integrations: the transport inside web frameworks. Each file is
//! one framework, re-exported at the crate root under its name.
//!
//! | file | what it holds |
//! |---|---|
//! | `axum.rs` | [`SessionLayer`](crate::axum::SessionLayer) and the `Session<T>` extractor (feature `axum`) |

#[cfg(feature = "axum")]
pub mod axum;
