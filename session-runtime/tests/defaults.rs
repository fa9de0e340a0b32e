//! Where a new session's values come from: `Default`, `None` for an
//! `Option`, `default = "path"` (any `fn() -> T`, also for an `Option`),
//! and for skipped fields `Default` or their path too.

use session_runtime::{Key, Session, SessionConfig};

// The default of an `Option<String>` field is a `fn() -> Option<String>`.
#[allow(clippy::unnecessary_wraps)]
fn guest() -> Option<String> {
    Some("guest".to_owned())
}

mod roles {
    pub(crate) fn reader() -> String {
        "reader".to_owned()
    }
}

fn forty_two() -> u8 {
    42
}

#[derive(Session)]
struct App {
    visits: u32,
    #[session(default)]
    tags: Vec<String>,
    #[session(default = "guest")]
    user: Option<String>,
    #[session(default = "roles::reader")]
    role: String,
    notice: Option<String>,
    #[session(skip)]
    cache: Vec<u8>,
    #[session(skip, default)]
    hits: u64,
    #[session(skip, default = "forty_two")]
    answer: u8,
}

#[test]
fn a_new_session_starts_from_each_fields_default() {
    let config = SessionConfig::<App>::new(Key::generate());
    let session = Session::<App>::new(&config);
    assert_eq!(*session.visits(), 0);
    assert!(session.tags().is_empty());
    assert_eq!(session.user().map(String::as_str), Some("guest"));
    assert_eq!(session.role(), "reader");
    assert_eq!(session.notice(), None);
    assert!(session.data().cache.is_empty());
    assert_eq!(session.data().hits, 0);
    assert_eq!(session.data().answer, 42);
}
