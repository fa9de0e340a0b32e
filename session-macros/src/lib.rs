//! `#[derive(Session)]`: turns a plain struct into a typed session schema.
//!
//! Use it through `session_runtime`, which re-exports it and documents the
//! attributes; the code it generates calls only `session_runtime::__private`.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod dummy;
mod duration;
mod expand;
mod fallback;
mod misuse;
mod reserved;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `session_runtime::SessionSchema` and the typed accessors of
/// `session_runtime::Session<T>`. See the `session_runtime` crate docs.
///
/// `serde` is a helper attribute too, so that `#[serde(...)]` on a schema
/// (which configures nothing of the session) is reported here, on the
/// attribute, with the `#[session(...)]` to write instead.
#[proc_macro_derive(Session, attributes(session, serde))]
pub fn derive_session(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
