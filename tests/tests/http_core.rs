//! The framework-free HTTP core: where the sealed session is found, what
//! `Set-Cookie` comes out.

use std::time::Duration;

use http::header::{HeaderMap, HeaderValue};
use session_runtime::transport::{Arrival, CookieOptions, Loaded, SetCookies, Source, Transport};
use session_runtime::{
    Key, ManualClock, SameSite, SaveError, SealError, Session, SessionConfig, SessionState,
    UnsealError,
};

#[derive(Session)]
#[session(cookie = "sid")]
struct App {
    user: Option<String>,
    #[session(default)]
    hits: u32,
}

const T0: u64 = 1_700_000_000_000;

fn config() -> SessionConfig<App> {
    SessionConfig::<App>::new(Key::derive("a test secret that is long enough, really").unwrap())
        .with_clock(ManualClock::new(T0))
}

fn sealed(transport: &Transport<App>, user: &str) -> String {
    let mut session = Session::<App>::new(transport.config());
    session.set_user(user);
    session.seal(transport.config()).unwrap()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            http::HeaderName::try_from(*name).unwrap(),
            HeaderValue::try_from(*value).unwrap(),
        );
    }
    map
}

/// `transport.load(headers)`: a cookie backend answers at once, and never
/// with a store's error.
fn load(transport: &Transport<App>, headers: &HeaderMap) -> Loaded<App> {
    transport
        .load(headers)
        .into_ready()
        .expect("a sealed cookie loads at once")
        .expect("a sealed cookie never fails as a store")
}

/// `transport.save(session, arrival)`, answered at once: the one
/// `Set-Cookie` it gives, if any (these sessions are never chunked).
fn save(
    transport: &Transport<App>,
    session: &SessionState<App>,
    arrival: impl Into<Arrival>,
) -> Result<Option<HeaderValue>, SaveError> {
    let lines = transport
        .save(session, arrival.into())
        .into_ready()
        .expect("a sealed cookie saves at once")?;
    assert!(lines.len() <= 1, "{lines:?}");
    Ok(lines.into_iter().next())
}

fn user(transport: &Transport<App>, pairs: &[(&str, &str)]) -> (Option<String>, Source) {
    let loaded = load(transport, &headers(pairs));
    (loaded.session.user().cloned(), loaded.arrival.source)
}

#[test]
fn header_name_derives_from_cookie_name() {
    let transport = Transport::new(config().with_cookie_name("H3-Test"));
    assert_eq!(
        transport.header_name().unwrap().as_str(),
        "x-h3-test-session"
    );
    let transport = Transport::new(config()).with_session_header("X-Custom");
    assert_eq!(transport.header_name().unwrap().as_str(), "x-custom");
    assert!(
        Transport::new(config())
            .with_session_header(None)
            .header_name()
            .is_none()
    );
}

#[test]
fn nothing_sent_gives_a_fresh_session() {
    let transport = Transport::new(config());
    let loaded = load(&transport, &HeaderMap::new());
    assert_eq!(loaded.arrival.source, Source::None);
    assert!(loaded.error.is_none());
    assert!(loaded.session.is_new());
}

#[test]
fn cookie_is_read() {
    let transport = Transport::new(config());
    let a = sealed(&transport, "ada");
    let cookie = format!("other=1; sid={a}; more=2");
    assert_eq!(
        user(&transport, &[("cookie", &cookie)]),
        (Some("ada".into()), Source::Cookie)
    );
}

#[test]
fn first_cookie_wins_across_lines() {
    let transport = Transport::new(config());
    let (a, b) = (sealed(&transport, "ada"), sealed(&transport, "bob"));
    let line = format!("sid={a}; sid={b}");
    assert_eq!(
        user(&transport, &[("cookie", &line)]).0.as_deref(),
        Some("ada")
    );
    let (first, second) = (format!("x=1; sid={b}"), format!("sid={a}"));
    let both = headers(&[("cookie", &first), ("cookie", &second)]);
    assert_eq!(
        load(&transport, &both).session.user().map(String::as_str),
        Some("bob")
    );
}

#[test]
fn header_beats_cookie() {
    let transport = Transport::new(config());
    let (a, b) = (sealed(&transport, "ada"), sealed(&transport, "bob"));
    let cookie = format!("sid={a}");
    assert_eq!(
        user(&transport, &[("cookie", &cookie), ("x-sid-session", &b)]),
        (Some("bob".into()), Source::Header)
    );
}

#[test]
fn empty_header_falls_back_to_cookie() {
    let transport = Transport::new(config());
    let a = sealed(&transport, "ada");
    let cookie = format!("sid={a}");
    assert_eq!(
        user(&transport, &[("cookie", &cookie), ("x-sid-session", "")]),
        (Some("ada".into()), Source::Cookie)
    );
}

#[test]
fn invalid_header_does_not_fall_back_to_cookie() {
    let transport = Transport::new(config());
    let a = sealed(&transport, "ada");
    let cookie = format!("sid={a}");
    let loaded = load(
        &transport,
        &headers(&[("cookie", &cookie), ("x-sid-session", "garbage")]),
    );
    assert_eq!(loaded.arrival.source, Source::Header);
    assert!(loaded.session.user().is_none());
    assert!(loaded.session.is_new());
    assert!(matches!(loaded.error, Some(UnsealError::Malformed)));
}

#[test]
fn header_can_be_turned_off_or_renamed() {
    let transport = Transport::new(config()).with_session_header(None);
    let (a, b) = (sealed(&transport, "ada"), sealed(&transport, "bob"));
    let cookie = format!("sid={a}");
    assert_eq!(
        user(&transport, &[("cookie", &cookie), ("x-sid-session", &b)])
            .0
            .as_deref(),
        Some("ada")
    );
    let transport = Transport::new(config()).with_session_header("x-token");
    assert_eq!(
        user(&transport, &[("cookie", &cookie), ("x-sid-session", &b)])
            .0
            .as_deref(),
        Some("ada")
    );
    assert_eq!(
        user(&transport, &[("cookie", &cookie), ("x-token", &b)])
            .0
            .as_deref(),
        Some("bob")
    );
}

#[test]
fn tampered_cookie_gives_fresh_session_and_error() {
    let transport = Transport::new(config());
    let mut a = sealed(&transport, "ada").into_bytes();
    a[12] = if a[12] == b'A' { b'B' } else { b'A' };
    let cookie = format!("sid={}", String::from_utf8(a).unwrap());
    let loaded = load(&transport, &headers(&[("cookie", &cookie)]));
    assert!(loaded.session.user().is_none());
    assert!(matches!(loaded.error, Some(UnsealError::Tampered)));
}

#[test]
fn default_set_cookie_attributes() {
    let transport = Transport::new(config());
    let value = transport.set_cookie("SEALED", None);
    assert_eq!(value, "sid=SEALED; HttpOnly; SameSite=Lax; Secure; Path=/");
}

#[test]
fn removal_cookie_has_max_age_zero() {
    let transport = Transport::new(config());
    assert_eq!(
        transport.removal_cookie(),
        "sid=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"
    );
}

#[test]
fn every_knob_shows_in_the_attributes() {
    let transport = Transport::new(config()).with_cookie(
        CookieOptions::new()
            .with_path("/app")
            .with_domain("example.test")
            .with_secure(false)
            .with_http_only(false)
            .with_same_site(SameSite::Strict)
            .with_partitioned(true),
    );
    assert_eq!(
        transport.set_cookie("V", None),
        "sid=V; SameSite=Strict; Partitioned; Secure; Path=/app; Domain=example.test"
    );
    let transport = Transport::new(config())
        .with_cookie(CookieOptions::new().with_secure(false).with_same_site(None));
    assert_eq!(transport.set_cookie("V", None), "sid=V; HttpOnly; Path=/");
    let transport =
        Transport::new(config()).with_cookie(CookieOptions::new().with_same_site(SameSite::None));
    assert_eq!(
        transport.set_cookie("V", None),
        "sid=V; HttpOnly; SameSite=None; Secure; Path=/"
    );
}

#[test]
fn host_prefix_forces_secure_root_path_and_no_domain() {
    let transport = Transport::new(config()).with_cookie(
        CookieOptions::new()
            .with_host_prefix(true)
            .with_secure(false)
            .with_path("/app")
            .with_domain("example.test"),
    );
    assert_eq!(transport.cookie_name(), "__Host-sid");
    assert_eq!(
        transport.set_cookie("V", None),
        "__Host-sid=V; HttpOnly; SameSite=Lax; Secure; Path=/"
    );
    // Read back under the prefixed name; the header keeps the plain name.
    let a = sealed(&transport, "ada");
    let cookie = format!("sid=junk; __Host-sid={a}");
    assert_eq!(
        user(&transport, &[("cookie", &cookie)]).0.as_deref(),
        Some("ada")
    );
    assert_eq!(transport.header_name().unwrap().as_str(), "x-sid-session");
}

#[test]
fn max_age_and_expires_follow_expires_at() {
    let transport = Transport::new(config().with_max_age(Duration::from_mins(2)));
    let mut session = Session::<App>::new(transport.config());
    session.set_hits(1);
    let value = save(&transport, &session, Source::None).unwrap().unwrap();
    let value = value.to_str().unwrap();
    assert!(
        value.contains("; Max-Age=120; Expires=Tue, 14 Nov 2023 22:15:20 GMT"),
        "{value}"
    );
    // No lifetime: a browser-session cookie.
    let transport = Transport::new(config());
    let value = save(&transport, &session, Source::None).unwrap().unwrap();
    assert!(!value.to_str().unwrap().contains("Max-Age"));
    assert!(!value.to_str().unwrap().contains("Expires"));
}

#[tokio::test]
async fn nothing_changed_sends_nothing() {
    let transport = Transport::new(config());
    let a = sealed(&transport, "ada");
    let cookie = format!("sid={a}");
    let loaded = transport
        .load(&headers(&[("cookie", &cookie)]))
        .await
        .unwrap();
    assert_eq!(
        transport
            .save(&loaded.session, loaded.arrival)
            .await
            .unwrap(),
        SetCookies::none()
    );
    let mut out = HeaderMap::new();
    assert!(
        !transport
            .write(&loaded.session, loaded.arrival, &mut out)
            .await
            .unwrap()
    );
    assert!(out.is_empty());
    // A fresh session nobody wrote to is not sent either.
    let loaded = transport.load(&HeaderMap::new()).await.unwrap();
    assert_eq!(
        transport
            .save(&loaded.session, loaded.arrival)
            .await
            .unwrap(),
        SetCookies::none()
    );
}

#[test]
fn clear_and_destroy_remove_the_cookie() {
    let transport = Transport::new(config());
    let a = sealed(&transport, "ada");
    let cookie = format!("sid={a}");
    for destroy in [false, true] {
        let mut loaded = load(&transport, &headers(&[("cookie", &cookie)]));
        if destroy {
            loaded.session.destroy();
        } else {
            loaded.session.clear();
        }
        let value = save(&transport, &loaded.session, loaded.arrival)
            .unwrap()
            .unwrap();
        assert_eq!(value, transport.removal_cookie());
    }
}

#[test]
fn header_sessions_are_not_resealed_on_reads() {
    let clock = ManualClock::new(T0);
    let transport = Transport::new(
        config()
            .with_clock(clock.clone())
            .with_idle_timeout(Duration::from_mins(1)),
    );
    let a = sealed(&transport, "ada");
    clock.advance(Duration::from_secs(45));
    // From the cookie, a read past half the idle window slides it.
    let cookie = format!("sid={a}");
    let loaded = load(&transport, &headers(&[("cookie", &cookie)]));
    assert!(
        save(&transport, &loaded.session, loaded.arrival)
            .unwrap()
            .is_some()
    );
    // From the header, it does not.
    let mut loaded = load(&transport, &headers(&[("x-sid-session", &a)]));
    assert_eq!(loaded.arrival.source, Source::Header);
    assert_eq!(
        save(&transport, &loaded.session, loaded.arrival).unwrap(),
        None
    );
    // A write from the header does set the cookie.
    loaded.session.set_hits(1);
    let value = save(&transport, &loaded.session, loaded.arrival)
        .unwrap()
        .unwrap();
    assert!(value.to_str().unwrap().starts_with("sid="));
}

#[test]
fn host_prefix_counts_toward_the_size_limit() {
    let transport =
        Transport::new(config()).with_cookie(CookieOptions::new().with_host_prefix(true));
    let mut session = Session::<App>::new(transport.config());
    let mut largest_ok = 0;
    for n in (2800..3200).step_by(3) {
        session.set_user("u".repeat(n));
        match save(&transport, &session, Source::None) {
            Ok(Some(value)) => {
                let pair = value
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_owned();
                assert!(pair.starts_with("__Host-sid="), "{pair}");
                largest_ok = largest_ok.max(pair.len());
            }
            Err(SaveError::Seal(SealError::TooLarge { len, limit })) => {
                assert!(len > limit);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(largest_ok > 4000 && largest_ok <= 4096, "{largest_ok}");
}

#[test]
fn same_site_none_is_always_secure() {
    let transport = Transport::new(config()).with_cookie(
        CookieOptions::new()
            .with_same_site(SameSite::None)
            .with_secure(false),
    );
    let mut session = Session::<App>::new(transport.config());
    session.set_user("ada");
    let value = save(&transport, &session, Source::None).unwrap().unwrap();
    let value = value.to_str().unwrap();
    assert!(
        value.contains("SameSite=None") && value.contains("Secure"),
        "{value}"
    );
}

#[test]
#[should_panic(expected = "is not a valid cookie name")]
fn a_cookie_name_that_no_browser_would_send_back_is_refused_at_start_up() {
    let _ = Transport::new(config().with_cookie_name("sid;evil"));
}

#[test]
#[should_panic(expected = "holds `;` or a control character")]
fn a_cookie_path_that_would_inject_attributes_is_refused_at_start_up() {
    let _ = Transport::new(config())
        .with_cookie(CookieOptions::new().with_path("/;Domain=evil.example"));
}
