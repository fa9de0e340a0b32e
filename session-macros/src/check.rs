//! VALIDATE: the rules that need more than one attribute or field at a time.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{GenericArgument, GenericParam, PathArguments, Type, TypeParamBound};

use crate::ast::{self, Field, Input, KeySource};
use crate::ctxt::Ctxt;
use crate::reserved::SESSION_METHODS;

/// The most stored fields a schema can have (one bit each in the dirty set).
const MAX_FIELDS: usize = 128;

pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    check_name(cx, input);
    check_generics(cx, input);
    check_repr_packed(cx, input);
    check_lifetimes(cx, input);
    for field in &input.fields {
        check_field(cx, field);
        // A lifetime parameter is reported once, on the struct.
        if input.node.generics.params.is_empty() {
            check_field_type(cx, field);
        }
    }
    check_keys(cx, input);
    check_accessors(cx, input);
    check_one_owner(cx, input);
    check_field_count(cx, input);
}

/// `struct Session` would take the name the derive and `Session<T>` are
/// imported under: every `Session` in the module would then be ambiguous.
fn check_name(cx: &Ctxt, input: &Input<'_>) {
    let ident = &input.node.ident;
    if ident == "Session" {
        cx.error_spanned_by(
            ident,
            "a session schema cannot be named `Session`: that name is `#[derive(Session)]` and `Session<T>`; name the struct after what it holds, e.g. `struct App`",
        );
    }
}

/// One bit per stored field: past the limit, say which field is one too
/// many and how to make room.
fn check_field_count(cx: &Ctxt, input: &Input<'_>) {
    if let Some(field) = input.stored().nth(MAX_FIELDS) {
        cx.error_spanned_by(
            field.ident,
            format!(
                "a session schema stores at most {MAX_FIELDS} fields and `{}` is field {}; group related fields into a struct stored as one field, or split the schema into two session types",
                field.name(),
                MAX_FIELDS + 1
            ),
        );
    }
}

/// `idle_timeout` longer than `max_age` would never apply.
fn check_lifetimes(cx: &Ctxt, input: &Input<'_>) {
    let (Some(max_age), Some(idle)) = (input.attrs.max_age.get(), input.attrs.idle_timeout.get())
    else {
        return;
    };
    if idle.secs > max_age.secs {
        cx.error_spanned_by(
            &idle.lit,
            format!(
                "`idle_timeout = \"{}\"` is longer than `max_age = \"{}\"`, so it never applies: a session ends at `max_age` however active it is; make `idle_timeout` shorter, e.g. `idle_timeout = \"30m\"` ({})",
                idle.lit.value(),
                max_age.lit.value(),
                crate::duration::GRAMMAR
            ),
        );
    }
}

/// What the macro must see in a field's type itself: a borrow (the type
/// system only finds it late, as a lifetime error inside serde) and
/// `impl Trait` (rustc rejects it in fields). Everything else about the
/// type is checked by the type system, on the type (see `expand::ladder`).
fn check_field_type(cx: &Ctxt, field: &Field<'_>) {
    if let Some((at, problem)) = type_problem(field.ty) {
        let ty = ast::peel(field.ty).to_token_stream().to_string();
        let message = match problem {
            TypeProblem::Reference { owned, written } => format!(
                "session fields cannot borrow: a session is read back from its cookie or store in a later request, so a field must own its data; use `{owned}` instead of `{written}`"
            ),
            TypeProblem::Lifetime => format!(
                "session fields cannot borrow: a session is read back from its cookie or store in a later request, so `{}` must own its data; remove this lifetime (or write `'static`)",
                compact(&ty)
            ),
            TypeProblem::ImplTrait => "a session field needs a concrete type, not `impl Trait`; name the type (it must be `Send + Sync`, `Serialize` and `Deserialize`)".to_owned(),
        };
        cx.error_spanned_by(at, message);
    }
}

/// Why a type cannot be a session field whatever traits it has.
pub(crate) enum TypeProblem {
    /// `&T` as written, with the owned type to use instead.
    Reference {
        owned: String,
        written: String,
    },
    /// A lifetime other than `'static` (`Cow<'a, str>`).
    Lifetime,
    ImplTrait,
}

/// The first borrow or `impl Trait` in `ty`, and where it is.
pub(crate) fn type_problem(ty: &Type) -> Option<(TokenStream, TypeProblem)> {
    match ast::peel(ty) {
        Type::Reference(r) => {
            if let Some(lifetime) = &r.lifetime
                && lifetime.ident != "static"
            {
                return Some((lifetime.to_token_stream(), TypeProblem::Lifetime));
            }
            let owned = owned_of(&r.elem);
            let written = compact(&r.to_token_stream().to_string());
            Some((
                r.to_token_stream(),
                TypeProblem::Reference { owned, written },
            ))
        }
        Type::ImplTrait(i) => Some((i.to_token_stream(), TypeProblem::ImplTrait)),
        Type::Array(a) => type_problem(&a.elem),
        Type::Slice(s) => type_problem(&s.elem),
        Type::Ptr(p) => type_problem(&p.elem),
        Type::Tuple(t) => t.elems.iter().find_map(type_problem),
        Type::TraitObject(t) => t.bounds.iter().find_map(|b| match b {
            TypeParamBound::Lifetime(l) if l.ident != "static" => {
                Some((l.to_token_stream(), TypeProblem::Lifetime))
            }
            _ => None,
        }),
        Type::Path(p) => {
            if let Some(q) = &p.qself
                && let Some(found) = type_problem(&q.ty)
            {
                return Some(found);
            }
            p.path.segments.iter().find_map(|segment| {
                let PathArguments::AngleBracketed(args) = &segment.arguments else {
                    return None;
                };
                args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Lifetime(l) if l.ident != "static" => {
                        Some((l.to_token_stream(), TypeProblem::Lifetime))
                    }
                    GenericArgument::Type(t) => type_problem(t),
                    _ => None,
                })
            })
        }
        _ => None,
    }
}

/// The owned type to store instead of `&elem`.
fn owned_of(elem: &Type) -> String {
    let elem = ast::peel(elem);
    match elem {
        Type::Path(p) if p.path.is_ident("str") => "String".to_owned(),
        Type::Path(p) if p.path.is_ident("Path") => "PathBuf".to_owned(),
        Type::Slice(s) => format!("Vec<{}>", compact(&s.elem.to_token_stream().to_string())),
        _ => compact(&elem.to_token_stream().to_string()),
    }
}

/// A type's tokens as written, without the spaces `to_string` puts in.
pub(crate) fn compact(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            // Keep the spaces that separate words (`dyn Trait`, `'a str`)
            // and those a person writes after `,` and around `+`.
            let prev = out.chars().last();
            let next = chars.peek().copied();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            let after_lifetime = out
                .trim_end_matches(|c: char| c.is_alphanumeric() || c == '_')
                .ends_with('\'');
            let keep = (word(prev) && (word(next) || next == Some('\'') || after_lifetime))
                || matches!(prev, Some(',' | ';' | '+'))
                || next == Some('+');
            if keep {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
    }
    out
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
                    compact(&ast::peel(field.ty).to_token_stream().to_string())
                ),
            );
        }
    }
    if field.is_flash() && !field.is_skipped() {
        if field.option_inner.is_none() {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "flash fields must be declared as `Option<T>` (the macro reads the declaration to write the accessors); found `{}`",
                    compact(&ast::peel(field.ty).to_token_stream().to_string())
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
            cx.error_spanned_by(
                &at,
                format!(
                    "session key must not be empty; remove `rename` to keep the field's name, or write a key, e.g. `rename = \"{}\"`",
                    field.name()
                ),
            );
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
                    format!(" (after `rename_all = \"{}\"`)", rule.name())
                }
                _ => String::new(),
            };
            let fix = match &source {
                KeySource::Rename(_) => "give this field another key",
                KeySource::Ident | KeySource::RenameAll => {
                    "keep one of them under another key with `#[session(rename = \"...\")]`"
                }
            };
            cx.error_spanned_by(
                &at,
                format!(
                    "session key `{key}`{why} is already the key of field `{}`; {fix}",
                    first.name()
                ),
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
