//! EXPAND: turns a validated input into the schema impls and the session
//! type. Infallible: every rule was checked before.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{DeriveInput, Ident, Type};

use crate::ast::{Field, Input, peel};
use crate::attr::{self, DefaultValue};
use crate::check;
use crate::ctxt::Ctxt;
use crate::dummy::{Runtime, wrap_in_const};
use crate::fallback;
use crate::misuse;

pub(crate) fn derive(node: &DeriveInput) -> TokenStream {
    // A second `#[derive(Session)]` below this one: it generates the
    // schema; this one only says so (its output would clash everywhere).
    if let Some(again) = attr::derived_again(&node.attrs) {
        return syn::Error::new_spanned(
            again,
            format!(
                "`Session` is derived twice for `{}`; remove this `#[derive(Session)]`",
                node.ident
            ),
        )
        .to_compile_error();
    }
    let cx = Ctxt::new();
    let attrs = attr::Container::from_attrs(&cx, &node.attrs);
    // The runtime path is settled once, from the parsed attributes.
    let rt = Runtime::new(node, attrs.krate.get());
    let input = Input::from_syn(&cx, node, attrs);
    if let Some(input) = &input {
        check::check(&cx, input);
    }
    match (cx.check(), input) {
        (Ok(()), Some(input)) => generate(&rt, &input),
        (Err(errors), input) => fallback::expand(&rt, node, input.as_ref(), &errors),
        (Ok(()), None) => unreachable!("a shape error is always reported"),
    }
}

/// The name of the generated session type, `AppSession` for `App`: what
/// `Session<App>` names. It carries the span of the struct's name, so that
/// "method not found for this struct" points at the user's `struct App`.
pub(crate) fn session_type_ident(node: &DeriveInput) -> Ident {
    format_ident!("{}Session", node.ident.unraw(), span = node.ident.span())
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

    let ladders = ladders(&p, input, &stored);
    let accessors = stored
        .iter()
        .enumerate()
        .map(|(i, f)| accessors(&p, input, i, f, Bodies::Real));
    let misuse = misuse::stubs(&p, input);
    let decl = session_type_decl(rt, input.node, &fields_ty);
    // One inherent impl inside the `const _` (rustc checks every pair of
    // a type's inherent impls against each other).
    let hidden_methods = {
        let stubs = &misuse.methods;
        quote!(#ladders #stubs)
    };
    let session_impls = session_type_impls(&p, input.node, &fields_ty, &hidden_methods);
    let misuse = misuse.items;

    let data_impl = data_impl(&p, input, &fields_ty, &stored, &schema);
    let body = quote! {
        #[allow(unused_imports)]
        use #p::{
            FieldTypeOk as _, NoDefault as _, NotDeserialize as _, NotSend as _,
            NotSerialize as _, NotSync as _,
        };

        #data_impl

        #owner_impl

        #misuse

        #session_impls
    };
    let wrapped = wrap_in_const(&body);
    // The accessors sit beside the type, not inside the `const _`, so that
    // rustc names them `AppSession::set_user` in its messages.
    let import = rt.import();
    quote! {
        #import

        #decl

        #[automatically_derived]
        #[allow(non_snake_case, unused_qualifications, unreachable_pub, clippy::all, clippy::pedantic)]
        impl #fields_ty {
            #(#accessors)*
        }

        #wrapped
    }
}

/// `impl SessionData`: the schema, a new session's values, and each
/// field's presence and codec by ordinal.
fn data_impl(
    p: &syn::Path,
    input: &Input<'_>,
    fields_ty: &Ident,
    stored: &[&Field<'_>],
    schema: &TokenStream,
) -> TokenStream {
    let ident = &input.node.ident;
    let mut skipped = stored.len();
    let mut ordinal = 0;
    let mut uses_ladders = false;
    let defaults: Vec<TokenStream> = input
        .fields
        .iter()
        .map(|f| {
            let name = f.ident;
            let value = default_value(p, f, &mut ordinal, &mut skipped, &mut uses_ladders);
            quote!(#name: #value)
        })
        .collect();
    let fields = fields_local();
    let ladders_fn = ladders_ident();
    let ladders = uses_ladders.then(|| quote!(let #fields = #fields_ty::#ladders_fn();));
    let codec_ladders =
        (!stored.is_empty()).then(|| quote!(let #fields = #fields_ty::#ladders_fn();));
    // One literal for the fields that always hold a value, a test for each
    // optional one.
    let always = bits(
        stored
            .iter()
            .enumerate()
            .filter(|(_, f)| f.option_inner.is_none()),
    );
    let optional = stored
        .iter()
        .enumerate()
        .filter(|(_, f)| f.option_inner.is_some())
        .map(|(i, f)| {
            let name = f.ident;
            let bit = bits([(i, f)]);
            quote!(| if self.#name.is_some() { #bit } else { 0 })
        });
    let (encode_arms, decode_arms) = codec_arms(stored);
    quote! {
        #[automatically_derived]
    impl #p::SessionData for #ident {
        const SCHEMA: #p::Schema = #schema;

        #[inline]
        fn new_default() -> Self {
            #ladders
            Self { #(#defaults),* }
        }

        #[inline]
        fn present_fields(&self) -> #p::FieldBits {
            #always #(#optional)*
        }

        #[inline]
        fn encode_field(&self, __index: usize, __out: &mut #p::Vec<u8>) -> #p::Result<(), #p::EncodeError> {
            #codec_ladders
            match __index {
                #(#encode_arms,)*
                _ => #p::Ok(()),
            }
        }

        #[inline]
        fn decode_field(&mut self, __index: usize, __json: &[u8]) -> #p::Option<usize> {
            #codec_ladders
            match __index {
                #(#decode_arms,)*
                _ => #p::None,
            }
        }
    }
    }
}

/// The bits of the fields with these ordinals, as one `FieldBits` literal
/// (at most 128 fields: the checks saw to it).
fn bits<'a>(fields: impl IntoIterator<Item = (usize, &'a &'a Field<'a>)>) -> proc_macro2::Literal {
    let bits = fields.into_iter().fold(0u128, |bits, (i, _)| bits | 1 << i);
    proc_macro2::Literal::u128_suffixed(bits)
}

/// The static description of the schema: keys, flash and owner fields,
/// cookie name, lifetimes.
fn schema_description(p: &syn::Path, input: &Input<'_>, stored: &[&Field<'_>]) -> TokenStream {
    let keys = stored.iter().map(|f| f.key(&input.attrs).0);
    let flash_bits = bits(stored.iter().enumerate().filter(|(_, f)| f.is_flash()));
    let cookie = input
        .attrs
        .cookie
        .get()
        .map_or_else(|| "session".to_owned(), syn::LitStr::value);
    let optional = |value: Option<TokenStream>| {
        value.map_or_else(|| quote!(#p::None), |value| quote!(#p::Some(#value)))
    };
    let owner = optional(input.owner().map(|(index, _)| quote!(#index)));
    let lifetime = |lifetime: Option<&attr::Lifetime>| {
        optional(lifetime.map(|l| {
            let secs = l.secs;
            quote!(#p::Duration::from_secs(#secs))
        }))
    };
    let max_age = lifetime(input.attrs.max_age.get());
    let idle_timeout = lifetime(input.attrs.idle_timeout.get());
    quote! {
        #p::Schema {
            keys: &[#(#keys),*],
            flash: #flash_bits,
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
    let p = rt.private();
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
        quote!(#vis struct #fields_ty(#p::Box<#p::SessionState<#ident>>);),
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
/// and its constructors, beside the `methods` given. Shared with the
/// fallback, so that uses of `Session<T>` elsewhere type-check after an
/// error.
pub(crate) fn session_type_impls(
    p: &syn::Path,
    node: &DeriveInput,
    fields_ty: &Ident,
    methods: &TokenStream,
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
            #[inline]
            fn from_inner(state: #p::Box<#p::SessionState<#ident>>) -> Self {
                Self(state)
            }
        }

        #[automatically_derived]
        impl #p::Deref for #fields_ty {
            type Target = #p::SessionState<#ident>;
            #[inline]
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        #[automatically_derived]
        impl #p::DerefMut for #fields_ty {
            #[inline]
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }

        #[automatically_derived]
        impl #p::Debug for #fields_ty {
            #[inline]
            fn fmt(&self, f: &mut #p::Formatter<'_>) -> #p::FmtResult {
                #p::Debug::fmt(&self.0, f)
            }
        }

        // `Session<T>` as an axum extractor (nothing without the runtime's `axum` feature).
        #p::impl_extractor!(#ident, #fields_ty);

        #[automatically_derived]
        impl #fields_ty {
            /// A new, empty session with a fresh id.
            #[inline]
            #vis fn new(config: &#p::SessionConfig<#ident>) -> Self {
                #p::new_session(config)
            }

            /// Opens a sealed value (h3's `unsealSession`).
            ///
            /// # Errors
            /// Why the value was rejected.
            #[inline]
            #vis fn unseal(config: &#p::SessionConfig<#ident>, sealed: &str) -> #p::Result<Self, #p::UnsealError> {
                #p::unseal(config, sealed)
            }

            /// Loads the session `token` names, whatever keeps it; a fresh
            /// session when there is none or it is rejected (and why). Await
            /// it; with cookies it is ready at once.
            #[inline]
            #vis fn load(config: &#p::SessionConfig<#ident>, token: #p::Option<&str>) -> #p::Pending<#p::Result<(Self, #p::Option<#p::UnsealError>), #p::StoreError>> {
                #p::load(config, token)
            }

            #methods
        }
    }
}

/// The `encode_field` and `decode_field` match arms: each calls the codec
/// its field's ladder gave.
fn codec_arms(stored: &[&Field<'_>]) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut encode_arms = Vec::new();
    let mut decode_arms = Vec::new();
    for (i, f) in stored.iter().enumerate() {
        let name = f.ident;
        let codec = codec_of(i, f);
        encode_arms.push(quote!(#i => (#codec.encode)(&self.#name, __out)));
        decode_arms.push(quote!(#i => (#codec.decode)(__json, &mut self.#name)));
    }
    (encode_arms, decode_arms)
}

/// The codec of stored field `index`, out of the ladders' tuple bound to
/// [`fields_local`].
fn codec_of(index: usize, f: &Field<'_>) -> TokenStream {
    let fields = fields_local();
    let at = syn::Index::from(index);
    match Rules::of(f) {
        Rules::Defaulted => quote!((#fields.#at).0),
        Rules::Optional | Rules::Stored => quote!(#fields.#at),
    }
}

/// Which ladder a stored field's type climbs (see the runtime's
/// `model/rules.rs`).
enum Rules {
    /// `Send + Sync`, `Serialize`, `Deserialize` of the inner type of an
    /// `Option` field.
    Optional,
    /// The same of a field with `default = "path"`.
    Stored,
    /// The same, then `Default`: a new session starts from it.
    Defaulted,
}

/// Whether the field starts from `default = "path"`.
fn has_default_path(f: &Field<'_>) -> bool {
    matches!(f.attrs.default.get(), Some(DefaultValue::Path(..)))
}

impl Rules {
    fn of(f: &Field<'_>) -> Self {
        if f.option_inner.is_some() {
            Self::Optional
        } else if has_default_path(f) {
            Self::Stored
        } else {
            Self::Defaulted
        }
    }
}

/// The name of the function that climbs every field's ladder.
fn ladders_ident() -> Ident {
    Ident::new("__SESSION_FIELDS", Span::mixed_site())
}

/// The local the ladders' tuple is bound to where codecs are used.
fn fields_local() -> Ident {
    Ident::new("__fields", Span::mixed_site())
}

/// `fn __SESSION_FIELDS()`: the one place the field types meet the rules,
/// one ladder per field (see the runtime's `model/rules.rs`), each spanned
/// at the type (the `T` of an `Option<T>`), so that a type breaking them
/// gets one error there, for the first rule it breaks. It returns a tuple:
/// each stored field's codec (and default), by ordinal, then each skipped
/// field's default (those without `default = "path"`). One function for
/// all fields, not one per field: rustc's cost is mostly per item.
fn ladders(p: &syn::Path, input: &Input<'_>, stored: &[&Field<'_>]) -> TokenStream {
    let mut types = Vec::new();
    let mut calls = Vec::new();
    for f in stored {
        let ty = f.option_inner.unwrap_or(f.ty);
        let at = ty.span();
        let (out, call) = match Rules::of(f) {
            Rules::Optional => (
                quote!(#p::Codec<#p::Option<#ty>>),
                quote_spanned!(at=> (&&&&&#p::OptionalField::<#ty>::new()).session_field::<#ty>()),
            ),
            Rules::Stored => (
                quote!(#p::Codec<#ty>),
                quote_spanned!(at=> (&&&&&#p::StoredField::<#ty>::new()).session_field::<#ty>()),
            ),
            Rules::Defaulted => (
                quote!(#p::Defaulted<#ty>),
                quote_spanned!(at=> (&&&&&&#p::DefaultedField::<#ty>::new()).session_field::<#ty>()),
            ),
        };
        types.push(out);
        calls.push(call);
    }
    // A skipped field's type only needs `Default`.
    for f in input
        .fields
        .iter()
        .filter(|f| f.is_skipped() && !has_default_path(f))
    {
        let ty = f.ty;
        types.push(quote!(fn() -> #ty));
        calls.push(
            quote_spanned!(ty.span()=> (&&#p::SkippedField::<#ty>::new()).session_field::<#ty>()),
        );
    }
    let name = ladders_ident();
    quote! {
        #[inline]
        fn #name() -> (#(#types,)*) {
            (#(#calls,)*)
        }
    }
}

/// `tokens` with every span set to `span`, so that rustc reports a bound on
/// them at the user's token rather than at `#[derive(Session)]`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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

/// A field's value in a new session. `ordinal` counts the stored fields
/// seen so far, `skipped` is the place in the ladders' tuple of the next
/// skipped field without a path; `uses_ladders` is set when the value comes
/// from the ladders' tuple.
fn default_value(
    p: &syn::Path,
    f: &Field<'_>,
    ordinal: &mut usize,
    skipped: &mut usize,
    uses_ladders: &mut bool,
) -> TokenStream {
    let fields = fields_local();
    let value = match f.attrs.default.get() {
        Some(DefaultValue::Path(path, lit)) => {
            let key = f.attrs.default.key.as_ref().expect("set with its key");
            default_from_path(f.ty, path, lit, key)
        }
        _ if f.is_skipped() => {
            let at = syn::Index::from(*skipped);
            *skipped += 1;
            *uses_ladders = true;
            quote!((#fields.#at)())
        }
        _ if f.option_inner.is_some() => quote!(#p::None),
        _ => {
            let at = syn::Index::from(*ordinal);
            *uses_ladders = true;
            quote!(((#fields.#at).1)())
        }
    };
    if !f.is_skipped() {
        *ordinal += 1;
    }
    value
}

/// `default = "path"`: the path as a `fn() -> T`, so that anything else (a
/// function with arguments or of another type, a constant, the inner type
/// of an `Option`) is one "expected fn pointer `fn() -> T`" error on the
/// string, with the expected type at `default`, and never a suggestion
/// that edits the string into code.
fn default_from_path(
    ty: &Type,
    path: &syn::ExprPath,
    lit: &syn::LitStr,
    key: &Ident,
) -> TokenStream {
    let expected = respan(quote!(fn() -> #ty), key.span());
    let f = Ident::new("__default", Span::mixed_site());
    let path = respan(quote!(#path), lit.span());
    quote!({
        let #f: #expected = #path;
        #f()
    })
}

/// Numbers, `bool` and `char` are taken by value, so that literals infer;
/// everything else as `impl Into<T>`, so that `set_name("ada")` works.
fn setter_param(p: &syn::Path, ty: &Type) -> (TokenStream, TokenStream) {
    const BY_VALUE: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char",
    ];
    let by_value = matches!(peel(ty), Type::Path(path) if path.qself.is_none() && path.path.get_ident().is_some_and(|i| BY_VALUE.iter().any(|b| i == b)));
    // Hygienic, but located at the field type: rustc's "method defined here"
    // and "required by this bound" notes then point at the user's type
    // rather than at `#[derive(Session)]`.
    let value = Ident::new("value", Span::mixed_site().located_at(ty.span()));
    if by_value {
        (quote!(#value: #ty), quote!(#value))
    } else {
        let into_trait = respan(quote!(#p::IntoValue), ty.span());
        let into = quote_spanned!(ty.span()=> impl #into_trait<#ty>);
        (
            quote!(#value: #into),
            quote!(#p::IntoValue::into_value(#value)),
        )
    }
}

/// Whether accessors do their work, or only stand in after a derive error
/// (so that calls to them add no errors of their own).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Bodies {
    Real,
    Fallback,
}

/// The accessors of stored field `index`, documented with what they do,
/// which field they belong to, and (on the getter) the field's own doc
/// comment. Their names come from [`Field::accessors`], as the checks saw them.
pub(crate) fn accessors(
    p: &syn::Path,
    input: &Input<'_>,
    index: usize,
    f: &Field<'_>,
    bodies: Bodies,
) -> TokenStream {
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

    // After an error the accessors only stand in: no body can fail then
    // (not even a reference to a field of a packed struct).
    let body = |real: TokenStream| match bodies {
        Bodies::Real => real,
        Bodies::Fallback => quote!(::core::unreachable!()),
    };
    out.extend(getter(p, input, f, &docs, bodies));
    if let Some(set) = &names.set {
        let ty = f.option_inner.unwrap_or(f.ty);
        let (param, value) = setter_param(p, ty);
        let stored = if f.option_inner.is_some() {
            quote!(#p::Some(#value))
        } else {
            value
        };
        let doc = docs.see("Sets the `{}` session value.");
        let body = body(quote! {
            if let #p::Some(#data) = #p::write(&mut *self.0, #index, true) {
                #data.#name = #stored;
            }
        });
        out.extend(quote! {
            #doc
            #[inline]
            #vis fn #set(&mut self, #param) {
                #body
            }
        });
    }
    if let Some(flash) = &names.flash {
        // After an error, a flash field may not be an `Option`.
        let inner = f.option_inner.unwrap_or(f.ty);
        let (param, value) = setter_param(p, inner);
        let ladders = ladders_ident();
        let at = syn::Index::from(index);
        let doc = docs.see("Flashes a `{}` value: readable in the next request only.");
        // Written as the field's `Option`, whose codec the ladder gave: the
        // JSON of `Some(v)` is that of `v`.
        let body = body(quote! {
            #p::flash(&mut *self.0, #index, &#p::Some(#value), Self::#ladders().#at.encode);
        });
        out.extend(quote! {
            #doc
            #[inline]
            #vis fn #flash(&mut self, #param) {
                #body
            }
        });
    }
    if let Some(unset) = &names.unset {
        let (doc, body_real) = if f.is_flash() {
            (
                docs.see("Cancels a `{}` flash set in this request."),
                quote!(#p::unflash(&mut *self.0, #index);),
            )
        } else {
            (
                docs.see("Removes the `{}` session value."),
                quote!(if let #p::Some(#data) = #p::write(&mut *self.0, #index, false) {
                    #data.#name = #p::None;
                }),
            )
        };
        let body = body(body_real);
        out.extend(quote! {
            #doc
            #[inline]
            #vis fn #unset(&mut self) {
                #body
            }
        });
    }
    if let Some(has) = &names.has {
        let doc = docs.see(if f.is_flash() {
            "Whether a `{}` value was flashed by the previous request."
        } else {
            "Whether the `{}` session value is set."
        });
        let body = body(quote!(self.0.data().#name.is_some()));
        out.extend(quote! {
            #doc
            #[inline]
            #vis fn #has(&self) -> bool {
                #body
            }
        });
    }
    out
}

/// `f()`, documented with the field's own doc comment.
fn getter(
    p: &syn::Path,
    input: &Input<'_>,
    f: &Field<'_>,
    docs: &Docs<'_>,
    bodies: Bodies,
) -> TokenStream {
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
    let body = |real: TokenStream| match bodies {
        Bodies::Real => real,
        Bodies::Fallback => quote!(::core::unreachable!()),
    };
    let signature = if let Some(inner) = f.option_inner {
        let body = body(quote!(self.0.data().#name.as_ref()));
        quote! {
            #vis fn #name(&self) -> #p::Option<&#inner> {
                #body
            }
        }
    } else {
        let ty = f.ty;
        let body = body(quote!(&self.0.data().#name));
        quote! {
            #vis fn #name(&self) -> &#ty {
                #body
            }
        }
    };
    // One attribute for the lines rustdoc would join anyway.
    let head = format!("{summary}\n\n{owner}");
    quote! {
        #[doc = #head]
        #(#field_docs)*
        #[inline]
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
        // One attribute for the lines rustdoc would join anyway.
        let doc = format!("{summary}\n\n The {kind} itself: [`{getter}`](Self::{getter}).");
        quote! {
            #[doc = #doc]
        }
    }
}
