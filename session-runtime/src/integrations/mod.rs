//! Layer 5, integrations: the transport inside web frameworks. Each file is
//! one framework, re-exported at the crate root under its name.
//!
//! | file | what it holds |
//! |---|---|
//! | `slot.rs` | the per-request slot every integration shares: extraction, write-back, the response |
//! | `tower.rs` | [`SessionLayer`](crate::tower::SessionLayer) for any tower server (feature `tower`) |
//! | `axum.rs` | the `Session<T>` extractor for axum (feature `axum`) |
//! | `actix.rs` | [`SessionMiddleware`](crate::actix::SessionMiddleware) and the `Session<T>` extractor for actix-web 4 (feature `actix`) |

#[cfg(any(feature = "tower", feature = "actix"))]
mod slot;

#[cfg(feature = "tower")]
pub mod tower;

#[cfg(feature = "axum")]
pub mod axum;

#[cfg(feature = "actix")]
pub mod actix;
