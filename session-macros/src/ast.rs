//! PARSE: the shape of the input (a struct with named fields) and its attributes.

use std::collections::HashSet;

use quote::format_ident;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type};

use crate::attr;
use crate::ctxt::Ctxt;

pub(crate) struct Input<'a> {
    pub(crate) node: &'a DeriveInput,
    pub(crate) attrs: attr::Container,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    pub(crate) original: &'a syn::Field,
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::Field,
    /// `T` when the type is written `Option<T>`.
    pub(crate) option_inner: Option<&'a Type>,
}

/// Where a field's session key came from, for error messages.
pub(crate) enum KeySource<'a> {
    Ident,
    Rename(&'a LitStr),
    RenameAll,
}

impl<'a> Input<'a> {
    /// Parses the input, with its container attributes already parsed;
    /// `None` when its shape rules out going further (the errors are in `cx`).
    pub(crate) fn from_syn(
        cx: &Ctxt,
        node: &'a DeriveInput,
        attrs: attr::Container,
    ) -> Option<Self> {
        let named = match &node.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        "`#[derive(Session)]` needs named fields; each field becomes a session key",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &node.ident,
                        "`#[derive(Session)]` needs named fields; each field becomes a session key",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "`#[derive(Session)]` supports structs only, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Session)]` supports structs only, not unions",
                );
                return None;
            }
        };
        let mut seen = HashSet::new();
        let fields = named
            .named
            .iter()
            // A field declared twice is rustc's error (E0124), reported on
            // the second declaration; the schema keeps the first, as rustc
            // does, so that nothing here adds to it.
            .filter(|field| {
                let ident = field.ident.as_ref().expect("named fields have idents");
                seen.insert(ident.to_string().trim_start_matches("r#").to_owned())
            })
            .map(|field| Field {
                original: field,
                ident: field.ident.as_ref().expect("named fields have idents"),
                ty: &field.ty,
                attrs: attr::Field::from_attrs(cx, &field.attrs),
                option_inner: option_inner(&field.ty),
            })
            .collect();
        Some(Self {
            node,
            attrs,
            fields,
        })
    }

    /// The stored field that names the session's owner, and its ordinal.
    pub(crate) fn owner(&self) -> Option<(usize, &Field<'a>)> {
        self.stored().enumerate().find(|(_, f)| f.is_owner())
    }

    /// The fields that are stored in the session, in order (their ordinals).
    pub(crate) fn stored(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| !f.is_skipped())
    }
}

impl Field<'_> {
    pub(crate) fn is_skipped(&self) -> bool {
        self.attrs.skip.get().is_some()
    }

    pub(crate) fn is_flash(&self) -> bool {
        self.attrs.flash.get().is_some()
    }

    /// Whether the field names the session's owner (`#[session(owner)]`).
    pub(crate) fn is_owner(&self) -> bool {
        self.attrs.owner.get().is_some()
    }

    /// The field name without `r#`.
    pub(crate) fn name(&self) -> String {
        let name = self.ident.to_string();
        name.strip_prefix("r#")
            .map_or_else(|| name.clone(), str::to_owned)
    }

    /// The session key and where it came from.
    pub(crate) fn key(&self, container: &attr::Container) -> (String, KeySource<'_>) {
        if let Some(lit) = self.attrs.rename.get() {
            return (lit.value(), KeySource::Rename(lit));
        }
        match container.rename_all.get() {
            Some(rule) => (rule.apply(&self.name()), KeySource::RenameAll),
            None => (self.name(), KeySource::Ident),
        }
    }
}

/// The methods a stored field generates, named in this one place for the
/// checks and the expansion.
pub(crate) struct Accessors {
    /// `f()`: the value (`Option<&T>` for optional and flash fields).
    pub(crate) get: Ident,
    /// `set_f(v)`, for every field but flash fields.
    pub(crate) set: Option<Ident>,
    /// `flash_f(v)`, for flash fields.
    pub(crate) flash: Option<Ident>,
    /// `unset_f()`, for optional and flash fields.
    pub(crate) unset: Option<Ident>,
    /// `has_f()`, for optional and flash fields.
    pub(crate) has: Option<Ident>,
}

impl Accessors {
    /// Every generated name, getter first.
    pub(crate) fn names(&self) -> impl Iterator<Item = &Ident> {
        std::iter::once(&self.get).chain(
            [&self.set, &self.flash, &self.unset, &self.has]
                .into_iter()
                .flatten(),
        )
    }
}

impl Field<'_> {
    /// The accessors this field generates; `None` for a skipped field.
    /// Derived names (`set_type` for `r#type`) carry the field's span.
    pub(crate) fn accessors(&self) -> Option<Accessors> {
        if self.is_skipped() {
            return None;
        }
        let name = self.name();
        let span = self.ident.span();
        let optional = self.option_inner.is_some();
        let derived = |prefix: &str| Some(format_ident!("{prefix}{name}", span = span));
        Some(Accessors {
            get: self.ident.clone(),
            set: if self.is_flash() {
                None
            } else {
                derived("set_")
            },
            flash: if self.is_flash() {
                derived("flash_")
            } else {
                None
            },
            unset: if optional { derived("unset_") } else { None },
            has: if optional { derived("has_") } else { None },
        })
    }
}

/// The type itself, without the invisible groups a `macro_rules!` `$ty:ty`
/// fragment wraps it in, and without parentheses: what the user wrote.
pub(crate) fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => peel(&group.elem),
        Type::Paren(paren) => peel(&paren.elem),
        _ => ty,
    }
}

/// `T` for a type written `Option<T>` (also `std::option::Option<T>`, and
/// through a `macro_rules!` fragment).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}
