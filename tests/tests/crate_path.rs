//! `#[session(crate = "...")]`: the generated code reaches the runtime
//! through a framework's re-export instead of `::session_runtime`.

/// A framework that re-exports the session runtime under its own path.
mod my_framework {
    pub(crate) mod session {
        pub(crate) use session_runtime::*;
    }
}

use my_framework::session::{Key, Session, SessionConfig};

#[derive(Session)]
#[session(crate = "my_framework::session", cookie = "fw")]
struct Relative {
    user: Option<String>,
    #[session(flash)]
    notice: Option<String>,
}

mod nested {
    use crate::my_framework::session::Session;

    #[derive(Session)]
    #[session(crate = "crate::my_framework::session")]
    pub(crate) struct Absolute {
        pub(crate) visits: u32,
    }
}

#[test]
fn relative_crate_path() {
    let config = SessionConfig::<Relative>::new(Key::generate());
    assert_eq!(config.cookie_name(), "fw");
    let mut session = Session::<Relative>::new(&config);
    session.set_user("ada");
    session.flash_notice("hi");
    let sealed = session.seal(&config).expect("seal");
    let back = Session::<Relative>::unseal(&config, &sealed).expect("unseal");
    assert_eq!(back.user().map(String::as_str), Some("ada"));
    assert_eq!(back.notice().map(String::as_str), Some("hi"));
}

#[test]
fn crate_relative_path_from_a_nested_module() {
    let config = SessionConfig::<nested::Absolute>::new(Key::generate());
    let mut session = Session::<nested::Absolute>::new(&config);
    session.set_visits(3);
    let sealed = session.seal(&config).expect("seal");
    let back = Session::<nested::Absolute>::unseal(&config, &sealed).expect("unseal");
    assert_eq!(*back.visits(), 3);
}
