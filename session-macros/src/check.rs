//! VALIDATE: the rules that need more than one attribute or field at a time.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::GenericParam;

use crate::ast::{Field, Input, KeySource};
use crate::ctxt::Ctxt;
use crate::reserved::SESSION_METHODS;

/// The most stored fields a schema can have (one bit each in the dirty set).
const MAX_FIELDS: usize = 128;

pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    check_generics(cx, input);
    check_repr_packed(cx, input);
    for field in &input.fields {
        check_field(cx, field);
    }
    check_keys(cx, input);
    check_accessors(cx, input);
    check_one_owner(cx, input);
    if input.stored().count() > MAX_FIELDS {
        cx.error_spanned_by(
            &input.node.ident,
            format!("a session schema can store at most {MAX_FIELDS} fields"),
        );
    }
}

fn check_generics(cx: &Ctxt, input: &Input<'_>) {
    for param in &input.node.generics.params {
        match param {
            GenericParam::Lifetime(l) => cx.error_spanned_by(
                &l.lifetime,
                "session structs cannot borrow; remove this lifetime and store owned data",
            ),
            GenericParam::Type(t) => cx.error_spanned_by(
                &t.ident,
                "generic session structs are not supported; use a concrete type",
            ),
            GenericParam::Const(c) => cx.error_spanned_by(
                &c.ident,
                "generic session structs are not supported; use a concrete type",
            ),
        }
    }
}

fn check_repr_packed(cx: &Ctxt, input: &Input<'_>) {
    for attr in input
        .node
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("repr"))
    {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("packed") {
                cx.error_spanned_by(
                    &meta.path,
                    "`#[derive(Session)]` cannot be used on `#[repr(packed)]` structs; getters borrow fields",
                );
            }
            Ok(())
        });
    }
}

fn check_field(cx: &Ctxt, field: &Field<'_>) {
    if let Some((eq, expr)) = &field.original.default {
        let mut tokens = eq.to_token_stream();
        expr.to_tokens(&mut tokens);
        cx.error_spanned_by(
            tokens,
            "default field values are not supported by `#[derive(Session)]`; use `#[session(default = \"path::to::fn\")]`",
        );
    }
    let attrs = &field.attrs;
    if let Some(skip) = &attrs.skip.key {
        for other in [&attrs.flash.key, &attrs.rename.key, &attrs.owner.key]
            .into_iter()
            .flatten()
        {
            cx.error_spanned_by(
                other,
                format!("`{other}` has no effect on a `skip` field; remove one of them"),
            );
            cx.error_spanned_by(skip, "field is skipped here");
        }
    }
    if attrs.owner.key.is_some() && !field.is_skipped() {
        if let Some(flash) = &attrs.flash.key {
            cx.error_spanned_by(
                flash,
                "an owner field cannot be a flash field: it names who the session belongs to for as long as it lives; remove `flash` or `owner`",
            );
        } else if field.option_inner.is_none() {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "the `owner` field must be declared as `Option<T>` (a session has no owner until someone signs in); found `{}`",
                    field.ty.to_token_stream().to_string().replace(' ', "")
                ),
            );
        }
    }
    if field.is_flash() && !field.is_skipped() {
        if field.option_inner.is_none() {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "flash fields must be declared as `Option<T>`; found `{}`",
                    field.ty.to_token_stream().to_string().replace(' ', "")
                ),
            );
        }
        if let Some(default) = &attrs.default.key {
            cx.error_spanned_by(default, "a flash field starts empty; remove `default`");
        }
    }
}

fn check_keys(cx: &Ctxt, input: &Input<'_>) {
    let mut seen: HashMap<String, &Field<'_>> = HashMap::new();
    for field in input.stored() {
        let (key, source) = field.key(&input.attrs);
        let at: TokenStream = match &source {
            KeySource::Rename(lit) => lit.to_token_stream(),
            KeySource::Ident | KeySource::RenameAll => field.ident.to_token_stream(),
        };
        if key.is_empty() {
            cx.error_spanned_by(&at, "session key must not be empty");
            continue;
        }
        if key.starts_with("__") {
            cx.error_spanned_by(
                &at,
                format!("session key `{key}` is reserved: keys starting with `__` belong to session-runtime; rename the field or use `#[session(rename = \"...\")]`"),
            );
            continue;
        }
        if let Some(first) = seen.get(&key) {
            let why = match (&source, input.attrs.rename_all.get()) {
                (KeySource::RenameAll, Some(rule)) => {
                    format!(" after `rename_all = \"{}\"`", rule.name())
                }
                _ => String::new(),
            };
            cx.error_spanned_by(
                &at,
                format!("session key `{key}` is used by two fields{why}"),
            );
            cx.error_spanned_by(
                first.ident,
                format!("`{key}` first used by field `{}` here", first.name()),
            );
            continue;
        }
        seen.insert(key, field);
    }
}

fn check_accessors(cx: &Ctxt, input: &Input<'_>) {
    let mut seen: HashMap<String, &Field<'_>> = HashMap::new();
    for field in &input.fields {
        let Some(accessors) = field.accessors() else {
            continue;
        };
        for method in accessors.names() {
            let method = method.to_string().trim_start_matches("r#").to_owned();
            if SESSION_METHODS.contains(&method.as_str()) {
                cx.error_spanned_by(
                    field.ident,
                    format!(
                        "field `{}` generates an accessor `{method}` that clashes with `Session::{method}`; rename the field and keep its key with `#[session(rename = \"{}\")]`",
                        field.name(),
                        field.name()
                    ),
                );
            } else if let Some(first) = seen.get(&method) {
                cx.error_spanned_by(
                    field.ident,
                    format!(
                        "field `{}` collides with the method `{method}` generated for field `{}`; rename one of them (the key can stay with `#[session(rename = \"...\")]`)",
                        field.name(),
                        first.name()
                    ),
                );
                cx.error_spanned_by(
                    first.ident,
                    format!("`{method}` is generated for field `{}` here", first.name()),
                );
            } else {
                seen.insert(method, field);
            }
        }
    }
}

/// A session has one owner: the owner index keys each session by one value.
fn check_one_owner(cx: &Ctxt, input: &Input<'_>) {
    let mut owners = input
        .fields
        .iter()
        .filter_map(|f| f.attrs.owner.key.as_ref().map(|key| (f, key)));
    let Some((first, _)) = owners.next() else {
        return;
    };
    for (_, key) in owners {
        cx.error_spanned_by(
            key,
            format!(
                "a session has one owner, and field `{}` already is it; remove this `owner`",
                first.name()
            ),
        );
    }
}
