//! PARSE: the shape of the input (a struct with named fields) and its attributes.

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
    /// Parses the input; `None` when its shape rules out going further
    /// (the errors are in `cx`).
    pub(crate) fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_attrs(cx, &node.attrs);
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
        let fields = named
            .named
            .iter()
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

/// `T` for a type written `Option<T>` (also `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
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
