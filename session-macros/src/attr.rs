//! PARSE: `#[session(...)]` on the struct and on fields. Parsing never stops
//! at the first problem: every bad item is reported and skipped.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Attribute, Ident, Lit, LitStr, Meta, Token};

use crate::case::{self, RenameRule};
use crate::ctxt::{Ctxt, did_you_mean, one_of};
use crate::duration;

const CONTAINER_KEYS: &[&str] = &["cookie", "max_age", "idle_timeout", "rename_all", "crate"];
const FIELD_KEYS: &[&str] = &["rename", "default", "flash", "skip", "owner"];

/// One `key` or `key = value` inside `#[session(...)]`.
struct Item {
    key: Ident,
    /// The `=` and the value tokens.
    value: Option<(Token![=], TokenStream)>,
}

/// A setting that remembers where it was written, to report duplicates.
pub(crate) struct Setting<T> {
    pub(crate) key: Option<Ident>,
    pub(crate) value: Option<T>,
}

impl<T> Default for Setting<T> {
    fn default() -> Self {
        Self {
            key: None,
            value: None,
        }
    }
}

impl<T> Setting<T> {
    fn set(&mut self, cx: &Ctxt, key: &Ident, value: T) {
        if let Some(first) = &self.key {
            cx.error_spanned_by(key, format!("duplicate `session` attribute `{key}`"));
            cx.error_spanned_by(first, format!("`{key}` first specified here"));
            return;
        }
        self.key = Some(key.clone());
        self.value = Some(value);
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }
}

/// `#[session(...)]` on the struct.
#[derive(Default)]
pub(crate) struct Container {
    pub(crate) cookie: Setting<LitStr>,
    pub(crate) max_age: Setting<Lifetime>,
    pub(crate) idle_timeout: Setting<Lifetime>,
    pub(crate) rename_all: Setting<RenameRule>,
    pub(crate) krate: Setting<syn::Path>,
}

/// A lifetime in whole seconds, and the literal it was written as.
pub(crate) struct Lifetime {
    pub(crate) secs: u64,
    pub(crate) lit: LitStr,
}

/// What `#[session(default ...)]` asked for.
pub(crate) enum DefaultValue {
    /// `default`: `Default::default()`.
    Trait,
    /// `default = "path"`: `path()`; the literal, for errors.
    Path(syn::ExprPath, LitStr),
}

/// `#[session(...)]` on a field.
#[derive(Default)]
pub(crate) struct Field {
    pub(crate) rename: Setting<LitStr>,
    pub(crate) default: Setting<DefaultValue>,
    pub(crate) flash: Setting<()>,
    pub(crate) skip: Setting<()>,
    pub(crate) owner: Setting<()>,
}

impl Container {
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self::default();
        serde_attrs(cx, attrs, Level::Container);
        for item in items(cx, attrs) {
            let key = &item.key;
            match key.to_string().as_str() {
                "cookie" => {
                    if let Some(lit) = string_value(cx, &item) {
                        check_cookie_name(cx, &lit);
                        out.cookie.set(cx, key, lit);
                    }
                }
                which @ ("max_age" | "idle_timeout") => {
                    let Some(lit) = duration_value(cx, &item) else {
                        continue;
                    };
                    match duration::parse(&lit.value()) {
                        Ok(secs) if which == "max_age" => {
                            out.max_age.set(cx, key, Lifetime { secs, lit });
                        }
                        Ok(secs) => out.idle_timeout.set(cx, key, Lifetime { secs, lit }),
                        Err(message) => cx.error_spanned_by(&lit, message),
                    }
                }
                "rename_all" => {
                    let Some(lit) = string_value(cx, &item) else {
                        continue;
                    };
                    match RenameRule::from_name(&lit.value()) {
                        Some(rule) => out.rename_all.set(cx, key, rule),
                        None => cx.error_spanned_by(&lit, unknown_rule(&lit.value())),
                    }
                }
                "crate" => {
                    let Some(lit) = string_value(cx, &item) else {
                        continue;
                    };
                    match lit.parse::<syn::Path>() {
                        Ok(path) => out.krate.set(cx, key, path),
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            "`crate` must be a path, e.g. `crate = \"::my_framework::session\"`",
                        ),
                    }
                }
                other => unknown_key(
                    cx,
                    key,
                    other,
                    CONTAINER_KEYS,
                    FIELD_KEYS,
                    "struct",
                    "a field",
                ),
            }
        }
        out
    }
}

impl Field {
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = Self::default();
        serde_attrs(cx, attrs, Level::Field);
        for item in items(cx, attrs) {
            let key = &item.key;
            match key.to_string().as_str() {
                "rename" => {
                    if let Some(lit) = string_value(cx, &item) {
                        out.rename.set(cx, key, lit);
                    }
                }
                "default" => {
                    if item.value.is_none() {
                        out.default.set(cx, key, DefaultValue::Trait);
                        continue;
                    }
                    let Some(lit) = string_value(cx, &item) else {
                        continue;
                    };
                    match lit.parse::<syn::ExprPath>() {
                        Ok(path) => out.default.set(cx, key, DefaultValue::Path(path, lit)),
                        Err(_) => cx.error_spanned_by(&lit, default_path_error(&lit.value())),
                    }
                }
                "flash" => flag(cx, &item, &mut out.flash),
                "skip" => flag(cx, &item, &mut out.skip),
                "owner" => flag(cx, &item, &mut out.owner),
                other => unknown_key(
                    cx,
                    key,
                    other,
                    FIELD_KEYS,
                    CONTAINER_KEYS,
                    "field",
                    "the struct",
                ),
            }
        }
        out
    }
}

/// The items of every `#[session(...)]` among `attrs`.
fn items(cx: &Ctxt, attrs: &[Attribute]) -> Vec<Item> {
    let mut items = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("session")) {
        let Meta::List(list) = &attr.meta else {
            cx.error_spanned_by(
                attr.path(),
                "expected attribute arguments in parentheses: `#[session(...)]`",
            );
            continue;
        };
        let parser = |input: ParseStream<'_>| parse_items(cx, input, &mut items);
        if let Err(e) = parser.parse2(list.tokens.clone()) {
            cx.push(e);
        }
    }
    items
}

fn parse_items(cx: &Ctxt, input: ParseStream<'_>, items: &mut Vec<Item>) -> syn::Result<()> {
    while !input.is_empty() {
        let key = if input.peek(Ident::peek_any) {
            input.call(Ident::parse_any)?
        } else {
            // Not a key: report it and skip to the next item.
            let junk = skip_to_comma(input)?;
            cx.error_spanned_by(
                junk,
                "expected a `session` attribute such as `rename = \"...\"` or `flash`",
            );
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            continue;
        };
        let value = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            Some((eq, skip_to_comma(input)?))
        } else if input.is_empty() || input.peek(Token![,]) {
            None
        } else {
            let junk = skip_to_comma(input)?;
            cx.error_spanned_by(junk, format!("expected `,` or `=` after `{key}`"));
            None
        };
        items.push(Item { key, value });
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(())
}

fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

/// The string literal after `key =`, or an error about what is there instead.
fn string_value(cx: &Ctxt, item: &Item) -> Option<LitStr> {
    let key = &item.key;
    let Some((eq, tokens)) = &item.value else {
        cx.error_spanned_by(
            key,
            format!("`{key}` needs a value: write `{key} = \"...\"`"),
        );
        return None;
    };
    match syn::parse2::<Lit>(tokens.clone()) {
        Ok(Lit::Str(lit)) if !lit.suffix().is_empty() => {
            cx.error_spanned_by(
                &lit,
                format!("unexpected suffix `{}` on string literal", lit.suffix()),
            );
            None
        }
        Ok(Lit::Str(lit)) => Some(lit),
        _ if tokens.is_empty() => {
            cx.error_spanned_by(
                eq,
                format!("`{key}` needs a value after `=`: write `{key} = \"...\"`"),
            );
            None
        }
        _ => {
            cx.error_spanned_by(
                tokens,
                format!("expected a string literal: `{key} = \"...\"`"),
            );
            None
        }
    }
}

fn flag(cx: &Ctxt, item: &Item, setting: &mut Setting<()>) {
    let key = &item.key;
    if let Some((eq, tokens)) = &item.value {
        let mut span = eq.to_token_stream();
        span.extend(tokens.clone());
        cx.error_spanned_by(
            span,
            format!("`{key}` is a flag and takes no value; write `#[session({key})]`"),
        );
    }
    setting.set(cx, key, ());
}

fn unknown_key(
    cx: &Ctxt,
    key: &Ident,
    name: &str,
    here: &[&str],
    there: &[&str],
    level: &str,
    other: &str,
) {
    let message = if there.contains(&name) {
        format!("`{name}` is not a {level} attribute; it belongs on {other}")
    } else if let Some(close) = did_you_mean(name, here) {
        format!("unknown `session` {level} attribute `{name}`; did you mean `{close}`?")
    } else {
        format!(
            "unknown `session` {level} attribute `{name}`; expected {}",
            one_of(here)
        )
    };
    cx.error_spanned_by(key, message);
}

fn unknown_rule(name: &str) -> String {
    let names: Vec<&str> = case::RULES.iter().map(|(n, _)| *n).collect();
    match did_you_mean(name, &names) {
        Some(close) => {
            format!("unknown rename rule `rename_all = \"{name}\"`; did you mean `{close}`?")
        }
        None => format!(
            "unknown rename rule `rename_all = \"{name}\"`; expected one of {}",
            one_of(&names)
        ),
    }
}

/// Cookie names are HTTP tokens (RFC 6265 §4.1.1).
fn check_cookie_name(cx: &Ctxt, lit: &LitStr) {
    let name = lit.value();
    let bad = name
        .chars()
        .find(|c| !c.is_ascii_graphic() || "()<>@,;:\\\"/[]?={}".contains(*c));
    if name.is_empty() {
        cx.error_spanned_by(
            lit,
            "the cookie name must not be empty; write e.g. `cookie = \"sid\"`",
        );
    } else if let Some(c) = bad {
        cx.error_spanned_by(
            lit,
            format!("invalid cookie name `{name}`: it cannot contain {c:?}; use letters, digits, `-`, `_` and `.`"),
        );
    }
}

/// `default = "..."` that does not parse as a path.
fn default_path_error(text: &str) -> String {
    let trimmed = text.trim();
    match trimmed.strip_suffix("()") {
        Some(path) if syn::parse_str::<syn::ExprPath>(path).is_ok() => format!(
            "`default` takes the path of a function, without the call: write `default = \"{path}\"`"
        ),
        _ => {
            "`default` takes the path of a function `fn() -> T`, e.g. `default = \"default_role\"`"
                .to_owned()
        }
    }
}

/// The string literal after `max_age =` or `idle_timeout =`; a number gets
/// the duration it most likely meant (seconds).
fn duration_value(cx: &Ctxt, item: &Item) -> Option<LitStr> {
    let key = &item.key;
    if let Some((_, tokens)) = &item.value
        && let Ok(lit) = syn::parse2::<Lit>(tokens.clone())
        && matches!(lit, Lit::Int(_) | Lit::Float(_))
    {
        let meant = match &lit {
            Lit::Int(int) => int
                .base10_parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| format!(" (`{key} = \"{}\"` for {n} seconds)", duration::format(n))),
            _ => None,
        }
        .unwrap_or_default();
        cx.error_spanned_by(
            tokens,
            format!(
                "`{key}` takes a duration string, not a number{meant}; {}",
                duration::GRAMMAR
            ),
        );
        return None;
    }
    string_value(cx, item)
}

/// Where a `#[serde(...)]` sits.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Container,
    Field,
}

/// `#[serde(...)]` on a schema configures nothing of the session (and is
/// ignored when serde's derive is also there): each item is an error that
/// names the `#[session(...)]` to write instead. `serde` is a helper
/// attribute of the derive, so this is reported here, on the item.
fn serde_attrs(cx: &Ctxt, attrs: &[Attribute], level: Level) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let Meta::List(list) = &attr.meta else {
            cx.error_spanned_by(
                attr,
                "serde attributes do not configure a session; use `#[session(...)]`",
            );
            continue;
        };
        let parser = |input: ParseStream<'_>| {
            while !input.is_empty() {
                let key = input.call(Ident::parse_any)?;
                let mut item = key.to_token_stream();
                let mut value = None;
                if input.peek(Token![=]) {
                    item.extend([input.parse::<TokenTree>()?]);
                    let tokens = skip_to_comma(input)?;
                    value = syn::parse2::<LitStr>(tokens.clone()).ok();
                    item.extend(tokens);
                } else if !input.is_empty() && !input.peek(Token![,]) {
                    item.extend(skip_to_comma(input)?);
                }
                cx.error_spanned_by(item, serde_message(level, &key, value.as_ref()));
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(())
        };
        if let Err(e) = parser.parse2(list.tokens.clone()) {
            cx.push(e);
        }
    }
}

/// What to write instead of `#[serde(key ...)]`.
fn serde_message(level: Level, key: &Ident, value: Option<&LitStr>) -> String {
    let given = |default: &str| value.map_or_else(|| default.to_owned(), LitStr::value);
    match (level, key.to_string().as_str()) {
        (Level::Field, "rename") => format!(
            "`#[serde(rename)]` does not rename a session key; write `#[session(rename = \"{}\")]`",
            given("...")
        ),
        (Level::Field, "default") => match value {
            Some(path) => format!(
                "`#[serde(default)]` has no effect on a session field; write `#[session(default = \"{}\")]`",
                path.value()
            ),
            None => "`#[serde(default)]` has no effect on a session field; write `#[session(default)]`".to_owned(),
        },
        (Level::Field, "skip" | "skip_serializing" | "skip_deserializing") => format!(
            "`#[serde({key})]` does not keep a field out of the session; write `#[session(skip)]`"
        ),
        (Level::Field, "alias") => {
            "`#[serde(alias)]` has no effect on a session field: a field has one session key; set it with `#[session(rename = \"...\")]`"
                .to_owned()
        }
        (Level::Field, _) => format!(
            "`#[serde({key})]` has no effect on a session field: each field is stored with its type's own `Serialize` and `Deserialize`; put the attribute on that type (a newtype) instead"
        ),
        (Level::Container, "rename_all") => format!(
            "`#[serde(rename_all)]` does not rename session keys; write `#[session(rename_all = \"{}\")]`",
            given("...")
        ),
        (Level::Container, _) => format!(
            "`#[serde({key})]` does not configure a session; `#[derive(Session)]` takes `#[session(cookie, max_age, idle_timeout, rename_all, crate)]`"
        ),
    }
}

/// A later `#[derive(..., Session, ...)]` on the same item: the derive would
/// run twice. Only visible from the first of two separate attributes.
pub(crate) fn derived_again(attrs: &[Attribute]) -> Option<syn::Path> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .find_map(|attr| {
            let mut found = None;
            let _ = attr.parse_nested_meta(|meta| {
                if found.is_none()
                    && meta
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "Session")
                {
                    found = Some(meta.path.clone());
                }
                Ok(())
            });
            found
        })
}
