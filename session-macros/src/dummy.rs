//! Where generated code lives and what it names: the runtime path, settled
//! once from `#[session(crate = "...")]`, and the `const _` every expansion
//! is wrapped in (serde's `dummy.rs`).

use proc_macro2::TokenStream;
use quote::quote;

/// The path of the runtime crate: `::session_runtime`, or what
/// `#[session(crate = "...")]` names.
pub(crate) struct Runtime(TokenStream);

impl Runtime {
    pub(crate) fn new(krate: Option<&syn::Path>) -> Self {
        Self(krate.map_or_else(|| quote!(::session_runtime), |path| quote!(#path)))
    }

    /// The runtime's public root.
    pub(crate) fn path(&self) -> &TokenStream {
        &self.0
    }

    /// `<runtime>::__private`, all generated code calls.
    pub(crate) fn private(&self) -> TokenStream {
        let path = &self.0;
        quote!(#path::__private)
    }
}

/// `const _: () = { body };`, with the lints generated code must not raise
/// in the user's crate turned off.
pub(crate) fn wrap_in_const(body: &TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(
            non_upper_case_globals,
            non_camel_case_types,
            non_snake_case,
            unused_qualifications,
            unreachable_pub,
            clippy::all,
            clippy::pedantic
        )]
        const _: () = {
            #body
        };
    }
}
