//! Stand-ins for the accessors a field does not have, where rustc alone
//! would answer "no method named ..." and suggest the wrong one (`unset_f`
//! for `set_f` on a flash field): `set_f` on a flash field, `flash_f` on a
//! plain one, `unset_f` and `has_f` on a field that is not an `Option`, the
//! getter and setter of a skipped field.
//!
//! Each is hidden from the docs and can never be called: it requires a
//! per-field trait that no type implements (its one impl needs the
//! runtime's sealed `Unavailable`), whose `on_unimplemented` names the field
//! and the accessor to use instead. The bound is spanned at the user's token
//! that explains it (`flash`, `skip`, the field's type), so rustc's
//! "required by this bound" points there.

use std::collections::HashSet;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::Ident;

use crate::ast::{Field, Input, peel};
use crate::check::{compact, type_problem};
use crate::reserved::SESSION_METHODS;

/// What a stand-in returns.
enum Returns {
    Nothing,
    Bool,
    /// `&T`, the field's type, for a skipped field's getter.
    Field,
}

struct Stub<'a> {
    field: &'a Field<'a>,
    method: Ident,
    /// `true` for methods taking a value.
    takes_value: bool,
    returns: Returns,
    /// Where the reason is written: rustc's "required by this bound" note.
    reason_at: TokenStream,
    message: String,
    label: String,
    note: String,
}

/// The stand-ins, for inside the `const _`: the traits that carry their
/// messages with their impls, and the methods, for the one inherent impl
/// of the session type there.
#[derive(Default)]
pub(crate) struct Stubs {
    pub(crate) items: TokenStream,
    pub(crate) methods: TokenStream,
}

/// The stand-ins of a schema's fields.
pub(crate) fn stubs(p: &syn::Path, input: &Input<'_>) -> Stubs {
    let mut taken: HashSet<String> = SESSION_METHODS.iter().map(|m| (*m).to_owned()).collect();
    for f in &input.fields {
        if let Some(accessors) = f.accessors() {
            taken.extend(accessors.names().map(unraw));
        }
    }
    let mut stubs = Vec::new();
    // A type that cannot be written again (after its error) gets none.
    for f in input.fields.iter().filter(|f| type_problem(f.ty).is_none()) {
        for stub in wanted(f) {
            if taken.insert(unraw(&stub.method)) {
                stubs.push(stub);
            }
        }
    }
    if stubs.is_empty() {
        return Stubs::default();
    }
    let vis = &input.node.vis;
    let lifetime = syn::Lifetime::new("'__session", Span::mixed_site());
    let mut traits = TokenStream::new();
    let mut impls = TokenStream::new();
    let mut methods = TokenStream::new();
    let mut trait_names = HashSet::new();
    for stub in &stubs {
        let name = unraw(&stub.method);
        // `flash_value` and `flash___value` are both `FlashValue`.
        let mut trait_name = camel(&name);
        while !trait_names.insert(trait_name.clone()) {
            trait_name.push('_');
        }
        let trait_ident = format_ident!("{}", trait_name);
        let (message, label, note) = (
            Literal::string(&stub.message),
            Literal::string(&stub.label),
            Literal::string(&stub.note),
        );
        traits.extend(quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #trait_ident {}
        });
        impls.extend(quote! {
            #[diagnostic::do_not_recommend]
            impl<T: #p::Unavailable> __session_misuse::#trait_ident for T {}
        });
        methods.extend(stub_method(p, vis, &lifetime, stub, &trait_ident));
    }
    Stubs {
        items: quote! {
            mod __session_misuse {
                #traits
            }

            #impls
        },
        methods,
    }
}

/// The stand-in method for `stub`, which requires `trait_ident`: a bound
/// at the user's token that explains it, built there. Each case is one
/// `quote!` of plain tokens (nested token streams cost the macro more
/// than the tokens themselves).
fn stub_method(
    p: &syn::Path,
    vis: &syn::Visibility,
    lifetime: &syn::Lifetime,
    stub: &Stub<'_>,
    trait_ident: &Ident,
) -> TokenStream {
    let at = span_of(&stub.reason_at);
    let (module, colons, bound) = (
        Ident::new("__session_misuse", at),
        syn::Token![::](at),
        Ident::new(&trait_ident.to_string(), at),
    );
    let method = &stub.method;
    match stub.returns {
        Returns::Nothing if stub.takes_value => quote! {
            #[doc(hidden)]
            #[inline]
            #vis fn #method<#lifetime>(&#lifetime mut self, _value: impl ::core::marker::Sized)
            where
                &#lifetime mut Self: #module #colons #bound,
            {
                #p::unavailable()
            }
        },
        Returns::Nothing => quote! {
            #[doc(hidden)]
            #[inline]
            #vis fn #method<#lifetime>(&#lifetime mut self)
            where
                &#lifetime mut Self: #module #colons #bound,
            {
                #p::unavailable()
            }
        },
        Returns::Bool => quote! {
            #[doc(hidden)]
            #[inline]
            #vis fn #method<#lifetime>(&#lifetime self) -> bool
            where
                &#lifetime Self: #module #colons #bound,
            {
                #p::unavailable()
            }
        },
        Returns::Field => {
            let ty = stub.field.ty;
            quote! {
                #[doc(hidden)]
                #[inline]
                #vis fn #method<#lifetime>(&#lifetime self) -> &#lifetime #ty
                where
                    &#lifetime Self: #module #colons #bound,
                {
                    #p::unavailable()
                }
            }
        }
    }
}

/// The stand-ins a field would want (those whose names are free are kept).
fn wanted<'a>(f: &'a Field<'a>) -> Vec<Stub<'a>> {
    let n = f.name();
    let span = f.ident.span();
    let method = |prefix: &str| {
        if prefix.is_empty() {
            f.ident.clone()
        } else {
            format_ident!("{prefix}{n}", span = span)
        }
    };
    let ty = compact(&peel(f.ty).to_token_stream().to_string());
    let mut out = Vec::new();
    if let Some(skip) = &f.attrs.skip.key {
        let skipped = format!("`{n}` is `#[session(skip)]`: it is not stored and has no accessors");
        let note = "remove `#[session(skip)]` to store it in the session".to_owned();
        out.push(Stub {
            field: f,
            method: method(""),
            takes_value: false,
            returns: Returns::Field,
            reason_at: skip.to_token_stream(),
            message: format!("{skipped}; read it with `session.data().{n}`"),
            label: "a skipped field has no getter".to_owned(),
            note: note.clone(),
        });
        out.push(Stub {
            field: f,
            method: method("set_"),
            takes_value: true,
            returns: Returns::Nothing,
            reason_at: skip.to_token_stream(),
            message: format!("{skipped}; change it with `session.update(|data| data.{n} = ..)`"),
            label: "a skipped field has no setter".to_owned(),
            note,
        });
        return out;
    }
    if let Some(flash) = &f.attrs.flash.key {
        out.push(Stub {
            field: f,
            method: method("set_"),
            takes_value: true,
            returns: Returns::Nothing,
            reason_at: flash.to_token_stream(),
            message: format!(
                "`{n}` is a flash field and has no `set_{n}`; flash a value for the next request with `flash_{n}(..)`"
            ),
            label: "a flash field has no setter".to_owned(),
            note: "a flashed value is readable in the next request only; for a value that stays, remove `#[session(flash)]`".to_owned(),
        });
    } else {
        out.push(Stub {
            field: f,
            method: method("flash_"),
            takes_value: true,
            returns: Returns::Nothing,
            reason_at: f.ident.to_token_stream(),
            message: format!(
                "`{n}` is not a flash field and has no `flash_{n}`; set it with `set_{n}(..)`, or mark it `#[session(flash)]`"
            ),
            label: "not a flash field".to_owned(),
            note: "a flash field is an `Option<T>` marked `#[session(flash)]`; what it flashes is readable in the next request only".to_owned(),
        });
    }
    if f.option_inner.is_none() {
        let optional = format!("or declare it `Option<{ty}>` for a value that can be absent");
        out.push(Stub {
            field: f,
            method: method("unset_"),
            takes_value: false,
            returns: Returns::Nothing,
            reason_at: f.ty.to_token_stream(),
            message: format!(
                "`{n}` is not an `Option` and has no `unset_{n}`; give it another value with `set_{n}(..)`, {optional}"
            ),
            label: "only `Option` fields can be unset".to_owned(),
            note: format!("`{n}` always holds a `{ty}`"),
        });
        out.push(Stub {
            field: f,
            method: method("has_"),
            takes_value: false,
            returns: Returns::Bool,
            reason_at: f.ty.to_token_stream(),
            message: format!(
                "`{n}` is not an `Option` and has no `has_{n}`: it always holds a value; read it with `{n}()`, {optional}"
            ),
            label: "only `Option` fields can be absent".to_owned(),
            note: format!("`{n}` always holds a `{ty}`"),
        });
    }
    out
}

fn unraw(ident: &Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}

/// `set_notice` as `SetNotice`.
fn camel(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// The span of the first token: where rustc's note points.
fn span_of(tokens: &TokenStream) -> Span {
    tokens
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}
