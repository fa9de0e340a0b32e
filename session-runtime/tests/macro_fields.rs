//! Field types that arrive through a `macro_rules!` `$ty:ty` fragment come
//! wrapped in an invisible group: the derive still sees `Option<T>`, for
//! the accessors of optional and flash fields, the owner field, and the
//! by-value setters of numbers.

use session_runtime::{Key, Session, SessionConfig};

macro_rules! schema {
    ($name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty,)* }) => {
        #[derive(Session)]
        struct $name {
            $($(#[$attr])* $field: $ty,)*
        }
    };
}

schema!(App {
    user: Option<String>,
    #[session(flash)]
    notice: Option<String>,
    #[session(owner)]
    owner: Option<u64>,
    visits: u32,
    maybe_visits: Option<u32>,
    tags: Vec<String>,
});

#[test]
fn option_fields_from_a_fragment_get_the_optional_accessors() {
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);

    assert_eq!(session.user(), None);
    assert!(!session.has_user());
    session.set_user("ada");
    assert_eq!(session.user().map(String::as_str), Some("ada"));
    session.unset_user();
    assert!(!session.has_user());

    // A number inside an `Option` from a fragment is still taken by value.
    session.set_maybe_visits(3);
    assert_eq!(session.maybe_visits(), Some(&3));
    session.set_visits(session.visits() + 1);
    assert_eq!(*session.visits(), 1);
    session.set_tags(vec!["a".to_owned()]);
    session.set_owner(7);
    assert_eq!(session.owner(), Some(&7));

    session.flash_notice("saved");
    assert!(
        !session.has_notice(),
        "a flash is readable in the next request"
    );
    let sealed = session.seal(&config).unwrap();

    let next = Session::<App>::unseal(&config, &sealed).unwrap();
    assert_eq!(next.notice().map(String::as_str), Some("saved"));
    assert_eq!(next.maybe_visits(), Some(&3));
    assert_eq!(*next.visits(), 1);
    assert_eq!(next.tags(), &["a".to_owned()]);
    assert_eq!(next.owner(), Some(&7));
}

/// A `$ty` fragment in parentheses is the same type.
macro_rules! parenthesized {
    ($ty:ty) => {
        #[derive(Session)]
        #[allow(unused_parens)]
        struct Paren {
            #[session(flash)]
            notice: ($ty),
        }
    };
}

parenthesized!(Option<String>);

#[test]
fn a_parenthesized_fragment_is_seen_through_too() {
    let config = SessionConfig::<Paren>::new(Key::generate());
    let mut session = Session::<Paren>::new(&config);
    session.flash_notice("hi");
    let sealed = session.seal(&config).unwrap();
    let next = Session::<Paren>::unseal(&config, &sealed).unwrap();
    assert_eq!(next.notice().map(String::as_str), Some("hi"));
}
