//! EXPAND: turns a validated input into the schema impl and the accessor
//! type. Infallible: every rule was checked before.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{DeriveInput, Ident, Type};

use crate::ast::{Field, Input};
use crate::attr::DefaultValue;
use crate::check;
use crate::ctxt::Ctxt;
use crate::fallback;

pub(crate) fn derive(node: &DeriveInput) -> TokenStream {
    match try_expand(node) {
        Ok(tokens) => tokens,
        Err(errors) => fallback::expand(node, &errors),
    }
}

fn try_expand(node: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let Some(input) = Input::from_syn(&cx, node) else {
        cx.check()?;
        unreachable!("a shape error was reported");
    };
    check::check(&cx, &input);
    cx.check()?;
    Ok(generate(&input))
}

/// The runtime path: `::session_runtime` or `#[session(crate = "...")]`.
pub(crate) fn runtime_path(node: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = crate::attr::Container::from_attrs(&cx, &node.attrs);
    let _ = cx.check();
    if let Some(path) = attrs.krate.get() {
        quote!(#path)
    } else {
        quote!(::session_runtime)
    }
}

/// The name of the generated session type. It lives inside `const _`, so
/// users never name it (they write `Session<T>`), but rustc shows it in
/// messages such as "no method named `set_usr` found for struct `AppSession`".
///
/// It carries the span of the struct's name, so that "method not found for
/// this struct" points at the user's `struct App`, not at the derive.
pub(crate) fn fields_type(node: &DeriveInput) -> Ident {
    format_ident!("{}Session", node.ident, span = node.ident.span())
}

fn generate(input: &Input<'_>) -> TokenStream {
    let rt = runtime_path(input.node);
    let p = quote!(#rt::__private);
    let ident = &input.node.ident;
    let fields_ty = fields_type(input.node);
    let stored: Vec<&Field<'_>> = input.stored().collect();

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
    let lifetime = |secs: Option<&u64>| {
        if let Some(secs) = secs {
            quote!(#p::Some(#p::Duration::from_secs(#secs)))
        } else {
            quote!(#p::None)
        }
    };
    let max_age = lifetime(input.attrs.max_age.get());
    let idle_timeout = lifetime(input.attrs.idle_timeout.get());

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
    let (codecs, encode_arms, decode_arms) = codec_items(&p, ident, &stored);
    let accessors = stored
        .iter()
        .enumerate()
        .map(|(i, f)| accessors(&p, &input.node.vis, i, f, &input.attrs));
    let session_type = session_type(&p, input.node, &fields_ty);

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, non_camel_case_types, non_snake_case, unused_qualifications, unreachable_pub, clippy::all, clippy::pedantic)]
        const _: () = {
            #[automatically_derived]
            impl #p::SessionSchema for #ident {
                type Fields = #fields_ty;

                const SCHEMA: #p::Schema = #p::Schema {
                    keys: &[#(#keys),*],
                    flash: 0 #(#flash_bits)*,
                    cookie: #cookie,
                    max_age: #max_age,
                    idle_timeout: #idle_timeout,
                };

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

            #(#codecs)*

            #session_type

            // `Session<T>` as an axum extractor (nothing without the runtime's `axum` feature).
            #p::impl_extractor!(#ident);

            #[automatically_derived]
            impl #fields_ty {
                #(#accessors)*
            }
        };
    }
}

/// The session type, its `Deref` to the state, and its constructors. Shared
/// with the fallback, so that uses of `Session<T>` elsewhere type-check after
/// an error.
pub(crate) fn session_type(p: &TokenStream, node: &DeriveInput, fields_ty: &Ident) -> TokenStream {
    let ident = &node.ident;
    let vis = &node.vis;
    let doc = format!(" The session of `{ident}`: `Session<{ident}>`.");
    // Spanned at the user's struct name: rustc's "method not found for this
    // struct" label then points at `struct App`, not at the derive.
    let decl = respan(
        quote!(#vis struct #fields_ty(#p::SessionState<#ident>);),
        ident.span(),
    );
    quote! {
        #[doc = #doc]
        #decl

        #[automatically_derived]
        impl #p::SessionFields<#ident> for #fields_ty {
            fn from_inner(state: #p::SessionState<#ident>) -> Self {
                Self(state)
            }
            fn into_inner(self) -> #p::SessionState<#ident> {
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

        #[automatically_derived]
        impl #fields_ty {
            /// A new, empty session with a fresh id.
            #vis fn new(config: &#p::SessionConfig<#ident>) -> Self {
                #p::SessionState::new(config)
            }

            /// Opens a sealed value.
            ///
            /// # Errors
            /// Why the value was rejected.
            #vis fn unseal(config: &#p::SessionConfig<#ident>, sealed: &str) -> #p::Result<Self, #p::UnsealError> {
                #p::SessionState::unseal(config, sealed)
            }

            /// Opens a sealed value if there is one, else starts a fresh session.
            #vis fn load(config: &#p::SessionConfig<#ident>, sealed: #p::Option<&str>) -> (Self, #p::Option<#p::UnsealError>) {
                #p::SessionState::load(config, sealed)
            }
        }
    }
}

/// The codec constants of the stored fields, and the `encode_field` and
/// `decode_field` match arms that call them.
///
/// Every trait bound on a field type is checked once, in one `const` per
/// field spanned at the type: rustc then reports a missing `Serialize` or
/// `Deserialize` once, on the user's type, instead of once per use.
fn codec_items(
    p: &TokenStream,
    schema: &Ident,
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
        encode_arms.push(quote!(#i => (#codec.#encode)(&self.#name, __out)));
        decode_arms.push(quote!(#i => (#codec.#decode)(__json, &mut self.#name)));
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
            let flash = quote_spanned!(at=> #p::SessionState::<#schema>::flash::<#inner>);
            let flash_ty = quote!(fn(&mut #p::SessionState<#schema>, usize, &#inner));
            quote! {
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

fn accessors(
    p: &TokenStream,
    vis: &syn::Visibility,
    index: usize,
    f: &Field<'_>,
    container: &crate::attr::Container,
) -> TokenStream {
    let name = f.ident;
    let field = f.name();
    let key = f.key(container).0;
    let set = format_ident!("set_{}", field, span = name.span());
    let unset = format_ident!("unset_{}", field, span = name.span());
    let has = format_ident!("has_{}", field, span = name.span());
    let flash = format_ident!("flash_{}", field, span = name.span());
    let data = Ident::new("__data", Span::mixed_site());
    let codec = codec_ident(index);

    if f.is_flash() {
        let inner = f
            .option_inner
            .expect("checked: flash fields are `Option<T>`");
        let (param, value) = setter_param(p, inner);
        let get_doc = format!(" The `{key}` value flashed by the previous request, if any.");
        let flash_doc = format!(" Flashes a `{key}` value: readable in the next request only.");
        let unset_doc = format!(" Cancels a `{key}` flash set in this request.");
        let has_doc = format!(" Whether a `{key}` value was flashed by the previous request.");
        return quote! {
            #[doc = #get_doc]
            #vis fn #name(&self) -> #p::Option<&#inner> {
                self.0.data().#name.as_ref()
            }
            #[doc = #flash_doc]
            #vis fn #flash(&mut self, #param) {
                let __value: #inner = #value;
                (#codec.0)(&mut self.0, #index, &__value);
            }
            #[doc = #unset_doc]
            #vis fn #unset(&mut self) {
                self.0.unflash(#index);
            }
            #[doc = #has_doc]
            #vis fn #has(&self) -> bool {
                self.0.data().#name.is_some()
            }
        };
    }

    if let Some(inner) = f.option_inner {
        let (param, value) = setter_param(p, inner);
        let get_doc = format!(" The `{key}` session value, if set.");
        let set_doc = format!(" Sets the `{key}` session value.");
        let unset_doc = format!(" Removes the `{key}` session value.");
        let has_doc = format!(" Whether the `{key}` session value is set.");
        return quote! {
            #[doc = #get_doc]
            #vis fn #name(&self) -> #p::Option<&#inner> {
                self.0.data().#name.as_ref()
            }
            #[doc = #set_doc]
            #vis fn #set(&mut self, #param) {
                let __value: #inner = #value;
                self.0.write(#index, true, move |#data: &mut _| #data.#name = #p::Some(__value));
            }
            #[doc = #unset_doc]
            #vis fn #unset(&mut self) {
                self.0.write(#index, false, |#data: &mut _| #data.#name = #p::None);
            }
            #[doc = #has_doc]
            #vis fn #has(&self) -> bool {
                self.0.data().#name.is_some()
            }
        };
    }

    let ty = f.ty;
    let (param, value) = setter_param(p, ty);
    let get_doc = format!(" The `{key}` session value.");
    let set_doc = format!(" Sets the `{key}` session value.");
    quote! {
        #[doc = #get_doc]
        #vis fn #name(&self) -> &#ty {
            &self.0.data().#name
        }
        #[doc = #set_doc]
        #vis fn #set(&mut self, #param) {
            let __value: #ty = #value;
            self.0.write(#index, true, move |#data: &mut _| #data.#name = __value);
        }
    }
}
