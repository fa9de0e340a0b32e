//! The `Session` class behaviours of `@remix-run/session` (seed-systems §7.4)
//! that apply to typed sessions, plus dirty tracking, flash and clear.

use serde::{Deserialize, Serialize};
use session_runtime::{Key, ManualClock, Saved, Session, SessionConfig};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    name: String,
    tags: Vec<String>,
    nested: Option<Box<Profile>>,
}

#[derive(Session)]
#[session(cookie = "sid")]
struct App {
    user: Option<String>,
    #[session(default)]
    visits: u32,
    #[session(flash)]
    notice: Option<String>,
    #[session(rename = "p")]
    profile: Option<Profile>,
}

fn config() -> SessionConfig<App> {
    SessionConfig::new(Key::derive([7u8; 32]).unwrap())
        .with_clock(ManualClock::new(1_700_000_000_000))
}

/// Seals `session` and opens it again, as the next request would.
fn next_request(config: &SessionConfig<App>, session: &Session<App>) -> Session<App> {
    match session.save(config).now().unwrap().unwrap() {
        Saved::Write(sealed) => Session::<App>::unseal(config, &sealed).unwrap(),
        other => panic!("expected a write, got {other:?}"),
    }
}

#[test]
fn new_session_has_id_and_is_clean_and_empty() {
    let config = config();
    let session = Session::<App>::new(&config);
    assert!(!session.id().is_empty());
    assert!(session.id().len() >= 22, "at least 128 bits, base64url");
    assert!(!session.is_destroyed());
    assert!(!session.is_dirty());
    assert_eq!(session.len(), 0);
    assert!(session.is_new());
    assert_eq!(
        session.save(&config).now().unwrap().unwrap(),
        Saved::Unchanged,
        "an unchanged new session saves nothing"
    );
}

#[test]
fn ids_are_unique_and_url_safe() {
    let config = config();
    let ids: std::collections::HashSet<String> = (0..1000)
        .map(|_| Session::<App>::new(&config).id().to_owned())
        .collect();
    assert_eq!(ids.len(), 1000);
    assert!(ids.iter().all(|id| {
        id.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }));
}

#[test]
fn custom_id_generator_is_used_for_every_id() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    let counter = Arc::new(AtomicU32::new(0));
    let next = Arc::clone(&counter);
    let config = config()
        .with_id_generator(move || format!("id-{}", next.fetch_add(1, Ordering::SeqCst) + 1));
    let mut session = Session::<App>::new(&config);
    assert_eq!(session.id(), "id-1");
    session.set_visits(1);
    let mut loaded = next_request(&config, &session);
    loaded.regenerate_id(true);
    assert_eq!(
        loaded.id(),
        "id-2",
        "regenerated ids come from the generator too"
    );
    assert_eq!(loaded.delete_id(), Some("id-1"));
    loaded.clear();
    assert_eq!(loaded.id(), "id-3");
}

#[test]
fn set_has_get_unset_mark_dirty_per_field() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    assert!(!session.has_user());
    session.set_user("ada");
    assert!(session.has_user());
    assert_eq!(session.user().map(String::as_str), Some("ada"));
    assert!(session.is_dirty());
    assert_eq!(session.changed_fields().collect::<Vec<_>>(), ["user"]);
    assert_eq!(session.len(), 1);

    session.set_visits(session.visits() + 1);
    assert_eq!(
        session.changed_fields().collect::<Vec<_>>(),
        ["user", "visits"]
    );

    let mut next = next_request(&config, &session);
    assert!(!next.is_dirty(), "a loaded session starts clean");
    assert_eq!(next.len(), 2);
    next.unset_user();
    assert!(!next.has_user());
    assert_eq!(next.changed_fields().collect::<Vec<_>>(), ["user"]);
    let after = next_request(&config, &next);
    assert_eq!(after.user(), None);
    assert_eq!(*after.visits(), 1);
}

#[test]
fn complex_values_round_trip() {
    let config = config();
    let profile = Profile {
        name: "Ada \u{2028} \"Lovelace\"".into(),
        tags: vec!["a".into(), String::new()],
        nested: Some(Box::new(Profile {
            name: "inner".into(),
            tags: vec![],
            nested: None,
        })),
    };
    let mut session = Session::<App>::new(&config);
    session.set_profile(profile.clone());
    let next = next_request(&config, &session);
    assert_eq!(next.profile(), Some(&profile));
}

#[test]
fn update_changes_several_fields() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.update(|data| {
        data.user = Some("grace".into());
        data.visits = 10;
    });
    assert!(session.is_dirty());
    let next = next_request(&config, &session);
    assert_eq!(next.user().map(String::as_str), Some("grace"));
    assert_eq!(*next.visits(), 10);
    assert_eq!(next.data().visits, 10);
}

#[test]
fn loaded_values_keep_id_and_creation_time() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.set_visits(3);
    let next = next_request(&config, &session);
    assert_eq!(next.id(), session.id());
    assert_eq!(next.created_at_ms(), session.created_at_ms());
    assert!(!next.is_new());
}

#[test]
fn counter_persists_over_three_requests() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    for expected in 1..=3 {
        session.set_visits(session.visits() + 1);
        assert_eq!(*session.visits(), expected);
        session = next_request(&config, &session);
    }
    assert_eq!(*session.visits(), 3);
}

#[test]
fn regenerate_id_keeps_data_and_marks_dirty() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.set_user("ada");
    let mut loaded = next_request(&config, &session);
    let old = loaded.id().to_owned();
    loaded.regenerate_id(false);
    assert_ne!(loaded.id(), old);
    assert_eq!(loaded.delete_id(), None);
    assert!(loaded.is_dirty());
    let next = next_request(&config, &loaded);
    assert_eq!(next.id(), loaded.id());
    assert_eq!(next.user().map(String::as_str), Some("ada"));
}

#[test]
fn regenerate_id_with_delete_names_the_original_id_even_after_two_regenerations() {
    let config = config();
    let session = Session::<App>::new(&config);
    let mut session = {
        let mut s = session;
        s.set_visits(1);
        next_request(&config, &s)
    };
    let original = session.id().to_owned();
    session.regenerate_id(true);
    session.regenerate_id(true);
    assert_eq!(session.delete_id(), Some(original.as_str()));
    assert_ne!(session.id(), original);
}

#[test]
fn destroy_empties_ignores_writes_and_saves_a_removal() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.set_user("ada");
    let mut loaded = next_request(&config, &session);
    loaded.destroy();
    assert!(loaded.is_destroyed());
    assert_eq!(loaded.user(), None);
    assert!(!loaded.has_user());
    assert_eq!(loaded.len(), 0);

    let id = loaded.id().to_owned();
    loaded.set_user("mallory");
    loaded.set_visits(9);
    loaded.flash_notice("x");
    loaded.regenerate_id(true);
    assert_eq!(loaded.user(), None, "writes after destroy are ignored");
    assert_eq!(*loaded.visits(), 0);
    assert_eq!(loaded.id(), id);
    assert_eq!(loaded.save(&config).now().unwrap().unwrap(), Saved::Remove);
    assert!(matches!(
        loaded.seal(&config),
        Err(session_runtime::SealError::Destroyed)
    ));
}

#[test]
fn destroy_then_next_request_starts_over() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.set_visits(5);
    let mut loaded = next_request(&config, &session);
    loaded.destroy();
    assert_eq!(loaded.save(&config).now().unwrap().unwrap(), Saved::Remove);
    // The browser dropped the cookie: the next request has none.
    let (mut fresh, error) = Session::<App>::load(&config, None).now().unwrap().unwrap();
    assert!(error.is_none());
    fresh.set_visits(fresh.visits() + 1);
    assert_eq!(*fresh.visits(), 1);
}

#[test]
fn clear_removes_the_cookie_unless_written_again() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.set_user("ada");
    let mut loaded = next_request(&config, &session);
    let old = loaded.id().to_owned();
    loaded.clear();
    assert_eq!(loaded.user(), None);
    assert_eq!(loaded.save(&config).now().unwrap().unwrap(), Saved::Remove);

    loaded.set_visits(1);
    assert_ne!(loaded.id(), old, "a write after clear starts a new session");
    let next = next_request(&config, &loaded);
    assert_eq!(next.user(), None);
    assert_eq!(*next.visits(), 1);
    assert_eq!(next.id(), loaded.id());
}

#[test]
fn flash_is_invisible_when_set_visible_next_and_gone_after() {
    let config = config();
    let mut first = Session::<App>::new(&config);
    first.flash_notice("saved!");
    assert_eq!(
        first.notice(),
        None,
        "not visible in the request that set it"
    );
    assert!(first.is_dirty());

    let second = next_request(&config, &first);
    assert_eq!(second.notice().map(String::as_str), Some("saved!"));
    assert_eq!(
        second.notice().map(String::as_str),
        Some("saved!"),
        "reading does not consume"
    );
    assert!(
        second.is_dirty(),
        "a session loaded with flash is dirty, so saving drops it"
    );
    assert_eq!(second.len(), 1);

    let third = next_request(&config, &second);
    assert_eq!(third.notice(), None);
    assert!(!third.is_dirty());
    assert_eq!(
        third.save(&config).now().unwrap().unwrap(),
        Saved::Unchanged
    );
}

#[test]
fn flash_can_be_set_again_while_reading_the_previous_one() {
    let config = config();
    let mut first = Session::<App>::new(&config);
    first.flash_notice("one");
    let mut second = next_request(&config, &first);
    second.flash_notice("two");
    assert_eq!(second.notice().map(String::as_str), Some("one"));
    let third = next_request(&config, &second);
    assert_eq!(third.notice().map(String::as_str), Some("two"));
}

#[test]
fn unset_flash_cancels_it() {
    let config = config();
    let mut first = Session::<App>::new(&config);
    first.set_visits(1);
    first.flash_notice("oops");
    first.unset_notice();
    let second = next_request(&config, &first);
    assert_eq!(second.notice(), None);
}

#[test]
fn debug_never_shows_data() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.set_user("secret-user-name");
    let shown = format!("{session:?}");
    assert!(shown.contains(session.id()));
    assert!(!shown.contains("secret-user-name"));
}

#[test]
fn regenerate_id_on_a_new_session_has_nothing_to_delete() {
    let config = config();
    let mut session = Session::<App>::new(&config);
    session.regenerate_id(true);
    assert_eq!(
        session.delete_id(),
        None,
        "a session created in this request was never stored"
    );
}

#[test]
fn clear_forgets_a_flash_that_could_not_be_serialized() {
    use std::collections::HashMap;
    #[derive(Session)]
    struct Odd {
        #[session(flash)]
        bad: Option<HashMap<(u8, u8), u8>>,
        user: Option<String>,
    }
    let config = SessionConfig::<Odd>::new(Key::derive([7u8; 32]).unwrap());
    let mut session = Session::<Odd>::new(&config);
    session.flash_bad(HashMap::from([((1, 2), 3)]));
    assert!(matches!(
        session.seal(&config),
        Err(session_runtime::SealError::Encode { key: "bad", .. })
    ));
    session.clear();
    session.set_user("ada");
    assert!(
        session.seal(&config).is_ok(),
        "clear drops the failed flash with the rest"
    );
}
