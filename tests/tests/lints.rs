//! The expansion of `#[derive(Session)]` is clean under strict lints: a
//! `pub`, documented schema using every attribute compiles with warnings,
//! pedantic clippy, missing docs and unused qualifications denied, and with
//! `unsafe_code` forbidden (the generated getters carry docs of their own).

#![deny(
    warnings,
    clippy::pedantic,
    missing_docs,
    unused_qualifications,
    deprecated,
    rust_2018_idioms,
    unreachable_pub
)]
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use session_runtime::{Key, Session, SessionConfig};

/// Who is signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserId(pub u64);

/// A user's display preferences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme(pub String);

/// The theme a new session starts with.
#[must_use]
pub fn default_theme() -> Theme {
    Theme("light".to_owned())
}

/// The session of the application, with every `session` attribute in use.
#[derive(Session)]
#[session(
    cookie = "app",
    max_age = "7d",
    idle_timeout = "1h30m",
    rename_all = "camelCase",
    crate = "::session_runtime"
)]
pub struct App {
    /// The signed-in user.
    user_id: Option<UserId>,
    /// Requests seen.
    #[session(default)]
    visit_count: u32,
    /// Display theme.
    #[session(default = "default_theme")]
    theme: Theme,
    /// Shown once after a redirect.
    #[session(flash)]
    notice: Option<String>,
    /// Stored under a short key.
    #[session(rename = "r")]
    role_name: Option<String>,
    /// Not stored.
    #[session(skip)]
    scratch: Vec<u8>,
}

#[test]
fn strict_lints_and_real_behaviour() {
    let config = SessionConfig::<App>::new(Key::generate());
    assert_eq!(config.cookie_name(), "app");
    assert_eq!(
        config.max_age(),
        Some(std::time::Duration::from_hours(7 * 24))
    );
    assert_eq!(
        config.idle_timeout(),
        Some(std::time::Duration::from_mins(90))
    );

    let mut session = Session::<App>::new(&config);
    assert_eq!(session.theme(), &Theme("light".to_owned()));
    assert_eq!(*session.visit_count(), 0);
    assert!(!session.has_user_id());
    session.set_user_id(UserId(7));
    session.set_visit_count(session.visit_count() + 1);
    session.set_role_name("admin");
    session.flash_notice("saved");
    let changed: Vec<&str> = session.changed_fields().collect();
    assert_eq!(changed, ["userId", "visitCount", "notice", "r"]);

    let sealed = session.seal(&config).expect("seal");
    let back = Session::<App>::unseal(&config, &sealed).expect("unseal");
    assert_eq!(back.user_id(), Some(&UserId(7)));
    assert_eq!(*back.visit_count(), 1);
    assert_eq!(back.role_name().map(String::as_str), Some("admin"));
    assert_eq!(back.notice().map(String::as_str), Some("saved"));
    assert!(back.data().scratch.is_empty());
}
