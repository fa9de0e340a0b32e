//! EXPAND: turns a validated input into the schema impls and the session
//! type. Infallible: every rule was checked before.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{DeriveInput, Ident, Type};

use crate::ast::{Field, Input};
use crate::attr::{self, DefaultValue};
use crate::check;
use crate::ctxt::Ctxt;
use crate::dummy::{Runtime, wrap_in_const};
use crate::fallback;

pub(crate) fn derive(node: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::Container::from_attrs(&cx, &node.attrs);
    // The runtime path is settled once, from the parsed attributes.
    let rt = Runtime::new(attrs.krate.get());
    let input = Input::from_syn(&cx, node, attrs);
    if let Some(input) = &input {
        check::check(&cx, input);
    }
    match (cx.check(), input) {
        (Ok(()), Some(input)) => generate(&rt, &input),
        (Err(errors), _) => fallback::expand(&rt, node, &errors),
        (Ok(()), None) => unreachable!("a shape error is always reported"),
    }
}

/// The name of the generated session type, `AppSession` for `App`: what
/// `Session<App>` names. It carries the span of the struct's name, so that
/// "method not found for this struct" points at the user's `struct App`.
pub(crate) fn session_type_ident(node: &DeriveInput) -> Ident {
    format_ident!("{}Session", node.ident, span = node.ident.span())
}

fn generate(rt: &Runtime, input: &Input<'_>) -> TokenStream {
    let p = rt.private();
    let ident = &input.node.ident;
    let fields_ty = session_type_ident(input.node);
    let stored: Vec<&Field<'_>> = input.stored().collect();

    let schema = schema_description(&p, input, &stored);
    let owner_impl = input.owner().map(|(_, f)| {
        let inner = f
            .option_inner
            .expect("checked: the owner field is `Option<T>`");
        quote! {
            #[automatically_derived]
            impl #p::SessionOwner for #ident {
                type Owner = #inner;
            }
        }
    });

    let defaults = input.fields.iter().map(|f| {
        let name = f.ident;
        let value = default_value(&p, f);
        quote!(#name: #value)
    });
    let present = stored.iter().enumerate().map(|(i, f)| {
        let name = f.ident;
        if f.option_inner.is_some() {
            quote!(| if self.#name.is_some() { #p::bit(#i) } else { 0 })
        } else {
            quote!(| #p::bit(#i))
        }
    });
    let index_arms = stored.iter().enumerate().map(|(i, f)| {
        let key = f.key(&input.attrs).0;
        quote!(#key => #p::Some(#i))
    });
    let (codecs, encode_arms, decode_arms) = codec_items(&p, ident, &fields_ty, &stored);
    let accessors = stored
        .iter()
        .enumerate()
        .map(|(i, f)| accessors(&p, input, i, f));
    let decl = session_type_decl(rt, input.node, &fields_ty);
    let session_impls = session_type_impls(&p, input.node, &fields_ty);

    let body = quote! {
        #[automatically_derived]
        impl #p::SessionData for #ident {
            const SCHEMA: #p::Schema = #schema;

            fn new_default() -> Self {
                Self { #(#defaults),* }
            }

            fn present_fields(&self) -> #p::FieldBits {
                0 #(#present)*
            }

            fn field_index(__key: &str) -> #p::Option<usize> {
                match __key {
                    #(#index_arms,)*
                    _ => #p::None,
                }
            }

            fn encode_field(&self, __index: usize, __out: &mut #p::Vec<u8>) -> #p::Result<(), #p::EncodeError> {
                match __index {
                    #(#encode_arms,)*
                    _ => #p::Ok(()),
                }
            }

            fn decode_field(&mut self, __index: usize, __json: &[u8]) -> #p::Option<usize> {
                match __index {
                    #(#decode_arms,)*
                    _ => #p::None,
                }
            }
        }

        #owner_impl

        #[automatically_derived]
        impl #fields_ty {
            #(#codecs)*
        }

        #session_impls
    };
    let wrapped = wrap_in_const(&body);
    // The accessors sit beside the type, not inside the `const _`, so that
    // rustc names them `AppSession::set_user` in its messages.
    quote! {
        #decl

        #[automatically_derived]
        #[allow(non_snake_case, unused_qualifications, unreachable_pub, clippy::all, clippy::pedantic)]
        impl #fields_ty {
            #(#accessors)*
        }

        #wrapped
    }
}

/// The static description of the schema: keys, flash and owner fields,
/// cookie name, lifetimes.
fn schema_description(p: &TokenStream, input: &Input<'_>, stored: &[&Field<'_>]) -> TokenStream {
    let keys = stored.iter().map(|f| f.key(&input.attrs).0);
    let flash_bits = stored
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is_flash())
        .map(|(i, _)| quote!(| #p::bit(#i)));
    let cookie = input
        .attrs
        .cookie
        .get()
        .map_or_else(|| "session".to_owned(), syn::LitStr::value);
    let optional = |value: Option<TokenStream>| {
        value.map_or_else(|| quote!(#p::None), |value| quote!(#p::Some(#value)))
    };
    let owner = optional(input.owner().map(|(index, _)| quote!(#index)));
    let lifetime =
        |secs: Option<&u64>| optional(secs.map(|secs| quote!(#p::Duration::from_secs(#secs))));
    let max_age = lifetime(input.attrs.max_age.get());
    let idle_timeout = lifetime(input.attrs.idle_timeout.get());
    quote! {
        #p::Schema {
            keys: &[#(#keys),*],
            flash: 0 #(#flash_bits)*,
            owner: #owner,
            cookie: #cookie,
            max_age: #max_age,
            idle_timeout: #idle_timeout,
        }
    }
}

/// The declaration of the session type, outside the `const _` so that the
/// user's `cargo doc` lists it (with its accessors, and everything
/// `SessionState` offers through `Deref`). Shared with the fallback.
pub(crate) fn session_type_decl(
    rt: &Runtime,
    node: &DeriveInput,
    fields_ty: &Ident,
) -> TokenStream {
    let ident = &node.ident;
    let vis = &node.vis;
    let path = rt.path();
    let doc = format!(
        " The session of [`{ident}`]: what `Session<{ident}>` names, generated by `#[derive(Session)]`."
    );
    let doc2 = format!(
        " It has a getter and a setter for each field of `{ident}` (and `unset_`, `has_` \
         for optional fields, `flash_` for flash fields), and dereferences to \
         `SessionState<{ident}>` for the rest: `id()`, `destroy()`, `regenerate_id(..)`, ..."
    );
    // Spanned at the user's struct name: rustc's "method not found for this
    // struct" label then points at `struct App`, not at the derive.
    let decl = respan(
        quote!(#vis struct #fields_ty(#path::__private::Box<#path::SessionState<#ident>>);),
        ident.span(),
    );
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #[doc = #doc2]
        #[allow(unreachable_pub, unused_qualifications)]
        #decl
    }
}

/// The session type's trait impls (`SessionSchema`, `Deref` to the state)
/// and its constructors. Shared with the fallback, so that uses of
/// `Session<T>` elsewhere type-check after an error.
pub(crate) fn session_type_impls(
    p: &TokenStream,
    node: &DeriveInput,
    fields_ty: &Ident,
) -> TokenStream {
    let ident = &node.ident;
    let vis = &node.vis;
    quote! {
        #[automatically_derived]
        impl #p::SessionSchema for #ident {
            type Fields = #fields_ty;
        }

        #[automatically_derived]
        impl #p::SessionFields<#ident> for #fields_ty {
            fn from_inner(state: #p::Box<#p::SessionState<#ident>>) -> Self {
                Self(state)
            }
            fn into_inner(self) -> #p::Box<#p::SessionState<#ident>> {
                self.0
            }
        }

        #[automatically_derived]
        impl #p::Deref for #fields_ty {
            type Target = #p::SessionState<#ident>;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        #[automatically_derived]
        impl #p::DerefMut for #fields_ty {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }

        #[automatically_derived]
        impl #p::Debug for #fields_ty {
            fn fmt(&self, f: &mut #p::Formatter<'_>) -> #p::FmtResult {
                #p::Debug::fmt(&self.0, f)
            }
        }

        // `Session<T>` as an axum extractor (nothing without the runtime's `axum` feature).
        #p::impl_extractor!(#ident, #fields_ty);

        #[automatically_derived]
        impl #fields_ty {
            /// A new, empty session with a fresh id.
            #vis fn new(config: &#p::SessionConfig<#ident>) -> Self {
                #p::new_session(config)
            }

            /// Opens a sealed value (h3's `unsealSession`).
            ///
            /// # Errors
            /// Why the value was rejected.
            #vis fn unseal(config: &#p::SessionConfig<#ident>, sealed: &str) -> #p::Result<Self, #p::UnsealError> {
                #p::unseal(config, sealed)
            }

            /// Loads the session `token` names, whatever keeps it; a fresh
            /// session when there is none or it is rejected (and why). Await
            /// it; with cookies it is ready at once.
            #vis fn load(config: &#p::SessionConfig<#ident>, token: #p::Option<&str>) -> #p::Pending<#p::Result<(Self, #p::Option<#p::UnsealError>), #p::StoreError>> {
                #p::load(config, token)
            }
        }
    }
}

/// The codec constants of the stored fields (associated constants of the
/// session type), and the `encode_field` and
/// `decode_field` match arms that call them.
///
/// Every trait bound on a field type is checked once, in one `const` per
/// field spanned at the type: rustc then reports a missing `Serialize` or
/// `Deserialize` once, on the user's type, instead of once per use.
fn codec_items(
    p: &TokenStream,
    schema: &Ident,
    fields_ty: &Ident,
    stored: &[&Field<'_>],
) -> (Vec<TokenStream>, Vec<TokenStream>, Vec<TokenStream>) {
    let mut codecs = Vec::new();
    let mut encode_arms = Vec::new();
    let mut decode_arms = Vec::new();
    for (i, f) in stored.iter().enumerate() {
        let name = f.ident;
        let codec = codec_ident(i);
        let (encode, decode) = (codec_slot(f, 0), codec_slot(f, 1));
        codecs.push(codec_const(p, schema, i, f));
        encode_arms.push(quote!(#i => (#fields_ty::#codec.#encode)(&self.#name, __out)));
        decode_arms.push(quote!(#i => (#fields_ty::#codec.#decode)(__json, &mut self.#name)));
    }
    (codecs, encode_arms, decode_arms)
}

/// The name of field `index`'s codec constant (see `codec_const`).
fn codec_ident(index: usize) -> Ident {
    format_ident!("__SESSION_CODEC_{}", index, span = Span::mixed_site())
}

/// `const __SESSION_CODEC_i = (encode, decode[, flash]);` for one stored
/// field. The only place the field type meets `SessionValue`, spanned at
/// the type, so a type serde cannot store is reported once per missing
/// trait, on the user's type, with our `on_unimplemented` message.
fn codec_const(p: &TokenStream, schema: &Ident, index: usize, f: &Field<'_>) -> TokenStream {
    let codec = codec_ident(index);
    let encode_ty =
        |ty: &TokenStream| quote!(fn(&#ty, &mut #p::Vec<u8>) -> #p::Result<(), #p::EncodeError>);
    let decode_ty = |ty: &TokenStream| quote!(fn(&[u8], &mut #ty) -> #p::Option<usize>);
    match f.option_inner {
        Some(inner) if f.is_flash() => {
            // Everything at `T` in `Option<T>`, so that the bounds of the
            // codec and of `flash` land on the same tokens and rustc reports
            // each missing trait once.
            let at = inner.span();
            let ty = respan(quote!(#p::Option<#inner>), at);
            let (encode_ty, decode_ty) = (encode_ty(&ty), decode_ty(&ty));
            let encode = quote_spanned!(at=> #p::encode::<#ty>);
            let decode = quote_spanned!(at=> #p::decode::<#ty>);
            let flash = quote_spanned!(at=> #p::flash::<#schema, #inner>);
            let flash_ty = quote!(fn(&mut #p::SessionState<#schema>, usize, &#inner));
            quote! {
                #[doc(hidden)]
                const #codec: (#flash_ty, #encode_ty, #decode_ty) = (#flash, #encode, #decode);
            }
        }
        _ => {
            let ty = f.ty;
            let at = ty.span();
            let (encode_ty, decode_ty) = (encode_ty(&quote!(#ty)), decode_ty(&quote!(#ty)));
            let encode = quote_spanned!(at=> #p::encode::<#ty>);
            let decode = quote_spanned!(at=> #p::decode::<#ty>);
            quote! {
                #[doc(hidden)]
                const #codec: (#encode_ty, #decode_ty) = (#encode, #decode);
            }
        }
    }
}

/// Where encode (0) or decode (1) sits in a field's codec tuple: a flash
/// field's tuple starts with `flash`, checked first so that rustc words a
/// missing trait with our `SessionValue` message.
fn codec_slot(f: &Field<'_>, which: usize) -> syn::Index {
    let shift = usize::from(f.is_flash() && f.option_inner.is_some());
    syn::Index::from(which + shift)
}

/// `tokens` with every span set to `span`, so that rustc reports a bound on
/// them at the user's token rather than at `#[derive(Session)]`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

fn default_value(p: &TokenStream, f: &Field<'_>) -> TokenStream {
    match f.attrs.default.get() {
        Some(DefaultValue::Path(path)) => quote_spanned!(path.span()=> #path()),
        _ if f.option_inner.is_some() => quote!(#p::None),
        _ => {
            let ty = f.ty;
            quote_spanned!(ty.span()=> #p::default::<#ty>())
        }
    }
}

/// Numbers, `bool` and `char` are taken by value, so that literals infer;
/// everything else as `impl Into<T>`, so that `set_name("ada")` works.
fn setter_param(p: &TokenStream, ty: &Type) -> (TokenStream, TokenStream) {
    const BY_VALUE: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char",
    ];
    let by_value = matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.get_ident().is_some_and(|i| BY_VALUE.iter().any(|b| i == b)));
    // Hygienic, but located at the field type: rustc's "method defined here"
    // and "required by this bound" notes then point at the user's type
    // rather than at `#[derive(Session)]`.
    let value = Ident::new("value", Span::mixed_site().located_at(ty.span()));
    if by_value {
        (quote!(#value: #ty), quote!(#value))
    } else {
        let into_trait = respan(quote!(#p::Into), ty.span());
        let into = quote_spanned!(ty.span()=> impl #into_trait<#ty>);
        (quote!(#value: #into), quote!(#value.into()))
    }
}

/// The accessors of stored field `index`, documented with what they do,
/// which field they belong to, and (on the getter) the field's own doc
/// comment. Their names come from [`Field::accessors`], as the checks saw them.
fn accessors(p: &TokenStream, input: &Input<'_>, index: usize, f: &Field<'_>) -> TokenStream {
    let names = f.accessors().expect("stored fields have accessors");
    let docs = Docs {
        key: f.key(&input.attrs).0,
        getter: f.ident,
        flash: f.is_flash(),
    };
    let vis = &input.node.vis;
    let name = f.ident;
    let data = Ident::new("__data", Span::mixed_site());
    let mut out = TokenStream::new();

    out.extend(getter(p, input, f, &docs));
    if let Some(set) = &names.set {
        let ty = f.option_inner.unwrap_or(f.ty);
        let (param, value) = setter_param(p, ty);
        let stored = if f.option_inner.is_some() {
            quote!(#p::Some(__value))
        } else {
            quote!(__value)
        };
        let doc = docs.see("Sets the `{}` session value.");
        out.extend(quote! {
            #doc
            #vis fn #set(&mut self, #param) {
                let __value: #ty = #value;
                #p::write(&mut *self.0, #index, true, move |#data: &mut _| #data.#name = #stored);
            }
        });
    }
    if let Some(flash) = &names.flash {
        let inner = f
            .option_inner
            .expect("checked: flash fields are `Option<T>`");
        let (param, value) = setter_param(p, inner);
        let codec = codec_ident(index);
        let doc = docs.see("Flashes a `{}` value: readable in the next request only.");
        out.extend(quote! {
            #doc
            #vis fn #flash(&mut self, #param) {
                let __value: #inner = #value;
                (Self::#codec.0)(&mut *self.0, #index, &__value);
            }
        });
    }
    if let Some(unset) = &names.unset {
        let (doc, body) = if f.is_flash() {
            (
                docs.see("Cancels a `{}` flash set in this request."),
                quote!(#p::unflash(&mut *self.0, #index)),
            )
        } else {
            (
                docs.see("Removes the `{}` session value."),
                quote!(#p::write(&mut *self.0, #index, false, |#data: &mut _| #data.#name = #p::None)),
            )
        };
        out.extend(quote! {
            #doc
            #vis fn #unset(&mut self) {
                #body;
            }
        });
    }
    if let Some(has) = &names.has {
        let doc = docs.see(if f.is_flash() {
            "Whether a `{}` value was flashed by the previous request."
        } else {
            "Whether the `{}` session value is set."
        });
        out.extend(quote! {
            #doc
            #vis fn #has(&self) -> bool {
                self.0.data().#name.is_some()
            }
        });
    }
    out
}

/// `f()`, documented with the field's own doc comment.
fn getter(p: &TokenStream, input: &Input<'_>, f: &Field<'_>, docs: &Docs<'_>) -> TokenStream {
    let vis = &input.node.vis;
    let name = f.ident;
    let owner = format!(" Field `{}` of `{}`.", f.name(), input.node.ident);
    let field_docs = f.original.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let summary = docs.summary(if f.is_flash() {
        "The `{}` value flashed by the previous request, if any."
    } else if f.option_inner.is_some() {
        "The `{}` session value, if set."
    } else {
        "The `{}` session value."
    });
    let signature = if let Some(inner) = f.option_inner {
        quote! {
            #vis fn #name(&self) -> #p::Option<&#inner> {
                self.0.data().#name.as_ref()
            }
        }
    } else {
        let ty = f.ty;
        quote! {
            #vis fn #name(&self) -> &#ty {
                &self.0.data().#name
            }
        }
    };
    quote! {
        #[doc = #summary]
        #[doc = ""]
        #[doc = #owner]
        #(#field_docs)*
        #signature
    }
}

/// The doc comments of one field's accessors.
struct Docs<'a> {
    key: String,
    getter: &'a Ident,
    flash: bool,
}

impl Docs<'_> {
    /// `template` with the session key in place of `{}`, as a doc line.
    fn summary(&self, template: &str) -> String {
        format!(" {}", template.replace("{}", &self.key))
    }

    /// A summary line, then a pointer to the getter (which carries the
    /// field's own docs).
    fn see(&self, template: &str) -> TokenStream {
        let summary = self.summary(template);
        let getter = self.getter;
        let kind = if self.flash { "flashed value" } else { "value" };
        let see = format!(" The {kind} itself: [`{getter}`](Self::{getter}).");
        quote! {
            #[doc = #summary]
            #[doc = ""]
            #[doc = #see]
        }
    }
}
