//! Where generated code lives and what it names: the runtime path, settled
//! once from `#[session(crate = "...")]`, and the `const _` every expansion
//! is wrapped in (serde's `dummy.rs`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;
use syn::{DeriveInput, Ident};

/// Where generated code finds the runtime's `__private`: at
/// `::session_runtime::__private`, or, with `#[session(crate = "path")]`,
/// through one import of `path::__private` beside the struct. A path where
/// the runtime is not then fails once, on that import, on the user's
/// literal; every use of the import after a failed one is silent.
pub(crate) struct Runtime {
    /// `<runtime>::__private`, interpolated everywhere in the expansion.
    private: syn::Path,
    import: Option<TokenStream>,
}

impl Runtime {
    pub(crate) fn new(node: &DeriveInput, krate: Option<&syn::Path>) -> Self {
        let Some(path) = krate else {
            return Self {
                private: syn::parse_quote!(::session_runtime::__private),
                import: None,
            };
        };
        // At the literal, like the path's own segments (`LitStr::parse`),
        // so that the import's one error is there.
        let at = path
            .segments
            .last()
            .map_or_else(proc_macro2::Span::call_site, |s| s.ident.span());
        let alias = format_ident!("__session_runtime_{}", node.ident.unraw(), span = at);
        let private = Ident::new("__private", at);
        Self {
            import: Some(quote! {
                #[allow(unused_imports)]
                use #path::#private as #alias;
            }),
            private: syn::Path::from(alias),
        }
    }

    /// `<runtime>::__private`, all generated code calls.
    pub(crate) fn private(&self) -> syn::Path {
        self.private.clone()
    }

    /// The import `private` names, if any; emitted once, beside the struct.
    pub(crate) fn import(&self) -> Option<&TokenStream> {
        self.import.as_ref()
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
