//! `#[derive(Session)]` in a module that shadows every prelude name the
//! generated code could lean on (serde's `test_gen.rs` idea): if an
//! expansion wrote `Option`, `Ok`, `String`, `Vec`, `std::…` or `core::…`
//! unqualified, this file would not compile. Warnings are errors here, so
//! the expansion must also be warning-free in such a module.

#![deny(warnings)]
#![allow(dead_code, non_camel_case_types, clippy::all, clippy::pedantic)]

struct Option;
struct Some;
struct None;
struct Result;
struct Ok;
struct Err;
struct String;
struct Vec;
struct Box;
struct Default;
struct Into;
struct From;
struct Clone;
struct Debug;
struct Deref;
struct DerefMut;
struct Duration;
struct Send;
struct Sync;
struct Sized;
mod std {}
mod core {}
mod alloc {}
mod serde {}
mod serde_json {}

use ::session_runtime::{Key, Session, SessionConfig};

/// Raw identifiers as field names, fields named like the macro's own locals
/// (kept out of the reserved `__` key space with `rename`), and only
/// fully qualified types.
#[derive(Session)]
#[session(cookie = "hostile", max_age = "1h")]
struct Hostile {
    r#type: ::std::option::Option<::std::string::String>,
    #[session(default)]
    r#fn: u32,
    r#match: ::std::option::Option<::std::vec::Vec<u8>>,
    #[session(rename = "state")]
    __state: ::std::option::Option<bool>,
    #[session(rename = "data_")]
    __data: u64,
    #[session(rename = "value_")]
    __value: ::std::string::String,
    value: i64,
    #[session(flash)]
    r#loop: ::std::option::Option<::std::string::String>,
    #[session(skip)]
    r#struct: ::std::vec::Vec<u8>,
}

#[test]
fn hostile_names_round_trip() {
    let config = SessionConfig::<Hostile>::new(Key::generate());
    let mut session = Session::<Hostile>::new(&config);
    assert_eq!(session.r#type(), ::std::option::Option::None);
    session.set_type("admin");
    session.set_fn(7);
    session.set_match(::std::vec![1_u8, 2, 3]);
    session.set___state(true);
    session.set___data(u64::MAX);
    session.set___value("v");
    session.set_value(-5);
    session.flash_loop("once");
    assert!(session.has_type());
    let sealed = session.seal(&config).expect("seal");

    let mut back = Session::<Hostile>::unseal(&config, &sealed).expect("unseal");
    assert_eq!(
        back.r#type().map(::std::string::String::as_str),
        ::std::option::Option::Some("admin")
    );
    assert_eq!(*back.r#fn(), 7);
    assert_eq!(
        back.r#match().map(::std::vec::Vec::as_slice),
        ::std::option::Option::Some(&[1_u8, 2, 3][..])
    );
    assert_eq!(back.__state(), ::std::option::Option::Some(&true));
    assert_eq!(*back.__data(), u64::MAX);
    assert_eq!(back.__value(), "v");
    assert_eq!(*back.value(), -5);
    assert_eq!(
        back.r#loop().map(::std::string::String::as_str),
        ::std::option::Option::Some("once")
    );
    assert!(back.data().r#struct.is_empty());

    // Keys are the names without `r#`, or the `rename`.
    // (A flash that arrived counts as changed: it is consumed; leave it out.)
    back.unset_type();
    back.set_fn(8);
    back.set___state(false);
    let mut keys: ::std::vec::Vec<&str> = back.changed_fields().filter(|k| *k != "loop").collect();
    keys.sort_unstable();
    assert_eq!(keys, ["fn", "state", "type"]);

    // The flash value was read once: it is gone after the next round trip.
    let sealed = back.seal(&config).expect("seal again");
    let third = Session::<Hostile>::unseal(&config, &sealed).expect("unseal again");
    assert_eq!(third.r#loop(), ::std::option::Option::None);
    assert_eq!(third.r#type(), ::std::option::Option::None);
    assert_eq!(*third.r#fn(), 8);
    assert_eq!(third.__state(), ::std::option::Option::Some(&false));
}
