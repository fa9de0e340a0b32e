//! The examples of session-runtime, also as a library, so that the tests
//! serve the very apps the examples run (see the `[[example]]` entries).

// Each example includes the environment helpers (`env.rs`) as its own
// module, as a standalone example binary must.
#![allow(clippy::duplicate_mod)]

#[allow(
    dead_code,
    reason = "the example's `main` runs only as the example binary"
)]
#[path = "counter.rs"]
pub mod counter;

#[allow(
    dead_code,
    reason = "the example's `main` runs only as the example binary"
)]
#[path = "login.rs"]
pub mod login;

#[allow(
    dead_code,
    reason = "the example's `main` runs only as the example binary"
)]
#[path = "counter_actix.rs"]
pub mod counter_actix;
