//! After an error: the errors, plus stand-ins so that the user's code
//! around the schema adds no follow-on errors (thiserror's `fallback.rs`):
//! the schema impls, the session type with its constructors, and the
//! accessors of every field that parsed, with the signatures they would
//! have had. The first error is then the only one.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ast::Input;
use crate::check::type_problem;
use crate::dummy::{Runtime, wrap_in_const};
use crate::expand::{Bodies, accessors, session_type_decl, session_type_ident, session_type_impls};
use crate::misuse;
use crate::reserved::SESSION_METHODS;

pub(crate) fn expand(
    rt: &Runtime,
    node: &DeriveInput,
    input: Option<&Input<'_>>,
    errors: &syn::Error,
) -> TokenStream {
    let errors = errors.to_compile_error();
    // A stub for a generic or borrowing type would only add errors, and
    // for a struct named `Session` every use of its name is ambiguous.
    if !node.generics.params.is_empty() || node.ident == "Session" {
        return errors;
    }
    let p = rt.private();
    let ident = &node.ident;
    let fields_ty = session_type_ident(node);
    let decl = session_type_decl(rt, node, &fields_ty);
    let accessors = input.map(|input| fallback_accessors(&p, input));
    let misuse = input
        .map(|input| misuse::stubs(&p, input))
        .unwrap_or_default();
    let session_impls = session_type_impls(&p, node, &fields_ty, &misuse.methods);
    let misuse = misuse.items;
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
            fn encode_field(&self, _: usize, _: &mut #p::Vec<u8>) -> #p::Result<(), #p::EncodeError> { ::core::unreachable!() }
            fn decode_field(&mut self, _: usize, _: &[u8]) -> #p::Option<usize> { ::core::unreachable!() }
        }

        #misuse

        #session_impls
    };
    let wrapped = wrap_in_const(&body);
    let import = rt.import();
    quote! {
        #errors
        #import
        #decl

        #[automatically_derived]
        #[allow(non_snake_case, unused_qualifications, unreachable_pub, unused_variables, clippy::all, clippy::pedantic)]
        impl #fields_ty {
            #accessors
        }

        #wrapped
    }
}

/// The accessors of every stored field whose type can be named, each name
/// once, none that would shadow a method of every session.
fn fallback_accessors(p: &syn::Path, input: &Input<'_>) -> TokenStream {
    let mut taken: HashSet<String> = SESSION_METHODS.iter().map(|m| (*m).to_owned()).collect();
    let mut out = TokenStream::new();
    for (index, f) in input.stored().enumerate() {
        let Some(names) = f.accessors() else {
            continue;
        };
        // `impl Trait` or an undeclared lifetime cannot be written again.
        if type_problem(f.ty).is_some() {
            continue;
        }
        let names: Vec<String> = names
            .names()
            .map(|n| n.to_string().trim_start_matches("r#").to_owned())
            .collect();
        if names.iter().any(|n| taken.contains(n)) {
            continue;
        }
        taken.extend(names);
        out.extend(accessors(p, input, index, f, Bodies::Fallback));
    }
    out
}
