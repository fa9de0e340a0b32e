//! After an error: the errors, plus a stub impl so that uses of the schema
//! elsewhere do not add follow-on errors (thiserror's `fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::expand::{fields_type, runtime_path, session_type};

pub(crate) fn expand(node: &DeriveInput, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    // A stub for a generic or borrowing type would only add errors.
    if !node.generics.params.is_empty() {
        return errors;
    }
    let rt = runtime_path(node);
    let p = quote!(#rt::__private);
    let ident = &node.ident;
    let fields_ty = fields_type(node);
    let session_type = session_type(&p, node, &fields_ty);
    quote! {
        #errors

        #[doc(hidden)]
        #[allow(unused_qualifications, unreachable_pub, clippy::all, clippy::pedantic)]
        const _: () = {
            #[automatically_derived]
            impl #p::SessionSchema for #ident {
                type Fields = #fields_ty;
                const SCHEMA: #p::Schema = #p::Schema {
                    keys: &[],
                    flash: 0,
                    cookie: "session",
                    max_age: #p::None,
                    idle_timeout: #p::None,
                };
                fn new_default() -> Self { ::core::unreachable!() }
                fn present_fields(&self) -> #p::FieldBits { ::core::unreachable!() }
                fn field_index(_: &str) -> #p::Option<usize> { ::core::unreachable!() }
                fn encode_field(&self, _: usize, _: &mut #p::Vec<u8>) -> #p::Result<(), #p::EncodeError> { ::core::unreachable!() }
                fn decode_field(&mut self, _: usize, _: &[u8]) -> #p::Option<usize> { ::core::unreachable!() }
            }

            #session_type

            // `Session<T>` as an axum extractor (nothing without the runtime's `axum` feature).
            #p::impl_extractor!(#ident);
        };
    }
}
