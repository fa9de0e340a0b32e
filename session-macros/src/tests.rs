//! Unit tests of the whole pipeline on token input (no compiler needed).

use syn::{DeriveInput, parse_quote};

use crate::expand;

fn expand(input: &DeriveInput) -> String {
    expand::derive(input).to_string()
}

/// Messages of the `compile_error!`s in an expansion.
fn errors(out: &str) -> Vec<String> {
    out.split("compile_error !")
        .skip(1)
        .map(|rest| {
            let start = rest.find('"').expect("a message") + 1;
            let end = rest[start..].find("\" }").expect("end of message") + start;
            rest[start..end].to_owned()
        })
        .collect()
}

#[test]
fn crate_path_replaces_session_runtime_everywhere() {
    let input: DeriveInput = parse_quote! {
        #[session(crate = "my_framework::session")]
        struct App {
            user: Option<String>,
            #[session(flash)]
            notice: Option<String>,
        }
    };
    let out = expand(&input);
    assert!(errors(&out).is_empty(), "{out}");
    // One import of the runtime's private module, which everything uses:
    // a wrong path fails there, once.
    assert!(
        out.contains("use my_framework :: session :: __private as __session_runtime_App ;"),
        "{out}"
    );
    assert_eq!(out.matches("my_framework").count(), 1, "{out}");
    assert!(!out.contains(":: session_runtime"), "{out}");
}

#[test]
fn every_error_is_reported_at_once() {
    let input: DeriveInput = parse_quote! {
        #[session(max_age = "7x", secure)]
        struct App {
            #[session(flsh)]
            notice: Option<String>,
            user: Option<String>,
            #[session(rename = "user")]
            account: Option<String>,
            id: u64,
        }
    };
    let messages = errors(&expand(&input));
    let expected = [
        "invalid duration `7x`",
        "unknown `session` struct attribute `secure`",
        "did you mean `flash`?",
        "session key `user` is already the key of field `user`",
        "clashes with `Session::id`",
    ];
    for needle in expected {
        assert!(
            messages.iter().any(|m| m.contains(needle)),
            "missing {needle:?} in {messages:#?}"
        );
    }
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");
}

#[test]
fn stub_impl_follows_the_errors() {
    let input: DeriveInput = parse_quote! {
        struct App {
            #[session(flsh)]
            notice: Option<String>,
        }
    };
    let out = expand(&input);
    assert_eq!(errors(&out).len(), 1, "{out}");
    assert!(
        out.contains("impl :: session_runtime :: __private :: SessionSchema for App"),
        "{out}"
    );
    assert!(out.contains("unreachable !"), "{out}");
}

#[test]
fn generic_input_gets_no_stub() {
    let input: DeriveInput = parse_quote! {
        struct App<T> {
            user: Option<T>,
        }
    };
    let out = expand(&input);
    assert_eq!(errors(&out).len(), 1, "{out}");
    assert!(!out.contains("SessionSchema"), "{out}");
}
