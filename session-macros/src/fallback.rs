//! After an error: the errors, plus a stub impl so that uses of the schema
//! elsewhere do not add follow-on errors (thiserror's `fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::dummy::{Runtime, wrap_in_const};
use crate::expand::{session_type_decl, session_type_ident, session_type_impls};

pub(crate) fn expand(rt: &Runtime, node: &DeriveInput, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    // A stub for a generic or borrowing type would only add errors.
    if !node.generics.params.is_empty() {
        return errors;
    }
    let p = rt.private();
    let ident = &node.ident;
    let fields_ty = session_type_ident(node);
    let decl = session_type_decl(rt, node, &fields_ty);
    let session_impls = session_type_impls(&p, node, &fields_ty);
    let body = quote! {
        #[automatically_derived]
        impl #p::SessionData for #ident {
            const SCHEMA: #p::Schema = #p::Schema {
                keys: &[],
                flash: 0,
                owner: #p::None,
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

        #session_impls
    };
    let wrapped = wrap_in_const(&body);
    quote! {
        #errors
        #decl
        #wrapped
    }
}
