//! `RedisStore` behind the axum layer, on a real `redis-server` per test:
//! the examples over Redis, Redis commands per request, many concurrent
//! writers of one session, a logout racing a slow write, atomic id
//! regeneration, an exact owner index under concurrent sign-ins and
//! sign-outs, and the server going away and coming back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use http::StatusCode;
use http::header::COOKIE;
use session_examples::{counter, login};
use session_runtime::axum::SessionLayer;
use session_runtime::store::RedisStore;
use session_runtime::{Key, Saved, Session, SessionConfig};
use session_tests::http::{SECRET, form, jar, jar_client, jar_value, plain_client, send, serve};
use session_tests::redis::RedisServer;
use tokio::sync::{Mutex, Notify};

async fn store(server: &RedisServer) -> RedisStore {
    // Generous: these tests are about lost updates and outages, and a
    // loaded CI machine can take more than half a second to answer 32
    // clients; an outage is still answered at once (connection refused).
    RedisStore::builder(server.url())
        .with_timeout(Duration::from_secs(3))
        .connect()
        .await
        .expect("connects to the test server")
}

/// Round trips (the commands a client sends: scripts, and the load's plain
/// `HGETALL`) and the commands Redis ran in all (those inside the scripts
/// too), from `INFO commandstats`. The only script that runs an `HGETALL`
/// (the load script, for a session expired by the store's clock but not yet
/// by Redis's) does not run in these tests.
fn calls(server: &RedisServer) -> (u64, u64) {
    let stats = server.command_calls();
    let sum = |keep: &dyn Fn(&str) -> bool| {
        stats
            .iter()
            .filter(|(name, _)| keep(name) && name != "info" && name != "ping")
            .map(|(_, calls)| calls)
            .sum::<u64>()
    };
    (
        sum(&|name| matches!(name, "evalsha" | "eval" | "script|load" | "hgetall")),
        sum(&|_| true),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_over_redis_signs_in_flashes_once_and_logout_revokes() {
    let redis = RedisServer::start();
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let server = serve(login::app(config)).await;
    let base = &server.base;
    let cookies = jar();
    let browser = jar_client(&cookies);
    let welcome = send(form(
        browser.post(format!("{base}/login")),
        &[("username", "ada"), ("password", "letmein")],
    ))
    .await;
    assert!(welcome.body.contains("Welcome, ada!"));
    let again = send(browser.get(format!("{base}/"))).await;
    assert!(!again.body.contains("Welcome"), "the flash shows once");
    let copied = jar_value(&cookies, base, "auth").unwrap();
    // The session is a hash in Redis with the field and its metadata.
    let keys = redis.cli(&["--scan", "--pattern", "session:s:*"]);
    assert_eq!(keys.lines().count(), 1, "{keys}");
    let fields = redis.cli(&["hgetall", keys.trim()]);
    assert!(
        fields.contains("user") && fields.contains("\"ada\""),
        "{fields}"
    );
    assert!(fields.contains("__e") && fields.contains("__o"), "{fields}");
    let ttl: i64 = redis.cli(&["pttl", keys.trim()]).parse().unwrap();
    assert!(ttl > 0, "expires with the session: {ttl}");

    send(browser.post(format!("{base}/logout"))).await;
    let replay = send(
        plain_client()
            .get(format!("{base}/private"))
            .header(COOKIE, format!("auth={copied}")),
    )
    .await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER, "revoked on logout");
    assert_eq!(redis.cli(&["--scan", "--pattern", "session:s:*"]), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_over_redis() {
    let redis = RedisServer::start();
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let server = serve(login::app(config)).await;
    let base = &server.base;
    let sign_in = |user: &'static str| {
        let base = base.clone();
        async move {
            let browser = jar_client(&jar());
            send(form(
                browser.post(format!("{base}/login")),
                &[("username", user), ("password", "letmein")],
            ))
            .await;
            browser
        }
    };
    let ada = [
        sign_in("ada").await,
        sign_in("ada").await,
        sign_in("ada").await,
    ];
    let bob = sign_in("bob").await;
    let private = send(ada[2].get(format!("{base}/private"))).await;
    assert!(
        private.body.contains("signed in on 3 device(s)"),
        "{}",
        private.body
    );
    send(ada[0].post(format!("{base}/logout-everywhere"))).await;
    for browser in &ada {
        let page = send(browser.get(format!("{base}/private"))).await;
        assert!(page.body.contains("Log in"), "{}", page.body);
    }
    let page = send(bob.get(format!("{base}/private"))).await;
    assert!(page.body.contains("Only bob can read this."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_is_exact_under_16_concurrent_clients() {
    let redis = RedisServer::start();
    let config = SessionConfig::<counter::Counter>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let server = serve(counter::app(config)).await;
    let clients = (0..16).map(|_| {
        let url = server.url("/");
        tokio::spawn(async move {
            let browser = jar_client(&jar());
            for n in 1..=25 {
                let page = send(browser.get(&url)).await;
                assert_eq!(
                    page.body,
                    format!("Hello world! You have visited this page {n} times.")
                );
            }
        })
    });
    for client in clients.collect::<Vec<_>>() {
        client.await.unwrap();
    }
}

/// What a request costs in Redis commands: a read is one round trip (a
/// plain `HGETALL`, no script), an update two (load, then one save script),
/// and a request that does not touch the session none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_round_trip_each_way() {
    const N: u64 = 50;
    let redis = RedisServer::start();
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let counter_config = SessionConfig::<counter::Counter>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let login_server = serve(login::app(config)).await;
    let counter_server =
        serve(counter::app(counter_config).route("/static", get(|| async { "static" }))).await;
    // Warm up: the scripts are loaded once per server.
    let browser = jar_client(&jar());
    send(form(
        browser.post(login_server.url("/login")),
        &[("username", "ada"), ("password", "letmein")],
    ))
    .await;
    let counting = jar_client(&jar());
    send(counting.get(counter_server.url("/"))).await;

    let delta = |before: (u64, u64)| {
        let after = calls(&redis);
        (after.0 - before.0, after.1 - before.1)
    };
    let before = calls(&redis);
    for _ in 0..N {
        let page = send(browser.get(login_server.url("/"))).await;
        assert!(page.body.contains("Signed in as"));
    }
    let reads = delta(before);
    let before = calls(&redis);
    for _ in 0..N {
        send(counting.get(counter_server.url("/"))).await;
    }
    let updates = delta(before);
    let before = calls(&redis);
    for _ in 0..N {
        send(counting.get(counter_server.url("/static"))).await;
    }
    let untouched = delta(before);
    let per = |n: u64| f64::from(u32::try_from(n).unwrap()) / 50.0;
    eprintln!(
        "per request: read {:.2} round trips ({:.2} commands run), update {:.2} ({:.2}), no session {:.2} ({:.2})",
        per(reads.0),
        per(reads.1),
        per(updates.0),
        per(updates.1),
        per(untouched.0),
        per(untouched.1)
    );
    assert_eq!(
        reads,
        (N, N),
        "a read is one round trip, a plain HGETALL (no script)"
    );
    assert_eq!(updates.0, 2 * N, "an update is a load and one save");
    assert_eq!(untouched, (0, 0));
}

/// 32 fields, one per writer.
#[derive(Session)]
#[session(cookie = "wide")]
struct Wide {
    #[session(default)]
    f0: u32,
    #[session(default)]
    f1: u32,
    #[session(default)]
    f2: u32,
    #[session(default)]
    f3: u32,
    #[session(default)]
    f4: u32,
    #[session(default)]
    f5: u32,
    #[session(default)]
    f6: u32,
    #[session(default)]
    f7: u32,
    #[session(default)]
    f8: u32,
    #[session(default)]
    f9: u32,
    #[session(default)]
    f10: u32,
    #[session(default)]
    f11: u32,
    #[session(default)]
    f12: u32,
    #[session(default)]
    f13: u32,
    #[session(default)]
    f14: u32,
    #[session(default)]
    f15: u32,
    #[session(default)]
    f16: u32,
    #[session(default)]
    f17: u32,
    #[session(default)]
    f18: u32,
    #[session(default)]
    f19: u32,
    #[session(default)]
    f20: u32,
    #[session(default)]
    f21: u32,
    #[session(default)]
    f22: u32,
    #[session(default)]
    f23: u32,
    #[session(default)]
    f24: u32,
    #[session(default)]
    f25: u32,
    #[session(default)]
    f26: u32,
    #[session(default)]
    f27: u32,
    #[session(default)]
    f28: u32,
    #[session(default)]
    f29: u32,
    #[session(default)]
    f30: u32,
    #[session(default)]
    f31: u32,
}

macro_rules! setters {
    ($session:ident, $field:ident, $value:ident; $($n:literal => $set:ident),*) => {
        match $field {
            $($n => $session.$set($value),)*
            _ => unreachable!("32 fields"),
        }
    };
}

async fn write_wide(
    mut wide: Session<Wide>,
    Path((field, value)): Path<(u8, u32)>,
) -> &'static str {
    setters!(wide, field, value;
        0 => set_f0, 1 => set_f1, 2 => set_f2, 3 => set_f3, 4 => set_f4, 5 => set_f5,
        6 => set_f6, 7 => set_f7, 8 => set_f8, 9 => set_f9, 10 => set_f10, 11 => set_f11,
        12 => set_f12, 13 => set_f13, 14 => set_f14, 15 => set_f15, 16 => set_f16,
        17 => set_f17, 18 => set_f18, 19 => set_f19, 20 => set_f20, 21 => set_f21,
        22 => set_f22, 23 => set_f23, 24 => set_f24, 25 => set_f25, 26 => set_f26,
        27 => set_f27, 28 => set_f28, 29 => set_f29, 30 => set_f30, 31 => set_f31);
    "ok"
}

async fn read_wide(wide: Session<Wide>) -> String {
    let d = wide.data();
    [
        d.f0, d.f1, d.f2, d.f3, d.f4, d.f5, d.f6, d.f7, d.f8, d.f9, d.f10, d.f11, d.f12, d.f13,
        d.f14, d.f15, d.f16, d.f17, d.f18, d.f19, d.f20, d.f21, d.f22, d.f23, d.f24, d.f25, d.f26,
        d.f27, d.f28, d.f29, d.f30, d.f31,
    ]
    .map(|v| v.to_string())
    .join(" ")
}

/// 32 clients x 50 requests on one session, each client writing its own
/// field: every write lands (per-field writes; with whole-record writes,
/// last writer wins and most of these would be lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_clients_writing_their_own_fields_of_one_session_all_land() {
    let redis = RedisServer::start();
    let config =
        SessionConfig::<Wide>::new(Key::derive(SECRET).unwrap()).with_store(store(&redis).await);
    let app = Router::new()
        .route("/", get(read_wide))
        .route("/write/{field}/{value}", get(write_wide))
        .layer(SessionLayer::new(config));
    let server = serve(app).await;
    let cookie = send(plain_client().get(server.url("/write/0/0")))
        .await
        .cookie_value("wide")
        .unwrap();
    let started = Instant::now();
    let writers = (0..32u8).map(|field| {
        let (base, cookie) = (server.base.clone(), cookie.clone());
        tokio::spawn(async move {
            let client = plain_client();
            for value in 1..=50u32 {
                let reply = send(
                    client
                        .get(format!("{base}/write/{field}/{value}"))
                        .header(COOKIE, format!("wide={cookie}")),
                )
                .await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    eprintln!(
        "1600 concurrent writes of one session in {:?}",
        started.elapsed()
    );
    let board = send(
        plain_client()
            .get(server.url("/"))
            .header(COOKIE, format!("wide={cookie}")),
    )
    .await;
    assert_eq!(board.body, ["50"; 32].join(" "));
}

/// The slow writer: loads the session, says so, waits for the test's go,
/// then writes.
#[derive(Clone, Default)]
struct Gate {
    loaded: Arc<Notify>,
    go: Arc<Notify>,
}

async fn slow_write(State(gate): State<Gate>, mut session: Session<login::Auth>) -> &'static str {
    gate.loaded.notify_one();
    gate.go.notified().await;
    session.flash_notice("written late");
    "late"
}

async fn destroy(mut session: Session<login::Auth>) -> &'static str {
    session.destroy();
    "gone"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_racing_a_slow_write_never_resurrects_the_session() {
    let redis = RedisServer::start();
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    // Signed in through the example, then raced through two routes.
    let cookies = jar();
    let signed = serve(login::app(config.clone())).await;
    send(form(
        jar_client(&cookies).post(signed.url("/login")),
        &[("username", "ada"), ("password", "letmein")],
    ))
    .await;
    let cookie = jar_value(&cookies, &signed.base, "auth").unwrap();
    let gate = Gate::default();
    let app = Router::new()
        .route("/slow", get(slow_write))
        .route("/logout", get(destroy))
        .layer(SessionLayer::new(config.clone()))
        .with_state(gate.clone());
    let server = serve(app).await;
    let slow = tokio::spawn({
        let url = server.url("/slow");
        let cookie = cookie.clone();
        async move {
            send(
                plain_client()
                    .get(url)
                    .header(COOKIE, format!("auth={cookie}")),
            )
            .await
        }
    });
    gate.loaded.notified().await;
    let logout = send(
        plain_client()
            .get(server.url("/logout"))
            .header(COOKIE, format!("auth={cookie}")),
    )
    .await;
    assert_eq!(logout.body, "gone");
    gate.go.notify_one();
    let late = slow.await.unwrap();
    assert_eq!(late.status, StatusCode::OK);
    assert!(
        late.cookies.iter().all(|c| c.starts_with("auth=;")),
        "the late request removes the cookie of a session that is gone: {:?}",
        late.cookies
    );
    assert_eq!(
        redis.cli(&["--scan", "--pattern", "session:s:*"]),
        "",
        "not resurrected"
    );
    let (session, error) = Session::<login::Auth>::load(&config, Some(&cookie))
        .await
        .unwrap();
    assert!(error.is_some());
    assert_eq!(session.user(), None);
}

/// While ids are regenerated over and over, an observer reading both ids
/// in one transaction sees exactly one of them every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerate_id_is_atomic() {
    let redis = RedisServer::start();
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let mut session = Session::<login::Auth>::new(&config);
    session.set_user("ada");
    let Saved::Write(mut token) = session.save(&config).await.unwrap() else {
        panic!("a token")
    };
    // (version, old id, new id): the observer discards a sample taken
    // while the pair changed.
    let ids: Arc<Mutex<(u32, String, String)>> = Arc::new(Mutex::new((
        0,
        session.id().to_owned(),
        session.id().to_owned(),
    )));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let observer = tokio::spawn({
        let (ids, stop, url) = (Arc::clone(&ids), Arc::clone(&stop), redis.url());
        async move {
            let client = redis::Client::open(url).unwrap();
            let mut connection = client.get_multiplexed_async_connection().await.unwrap();
            let mut checks = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let (version, old, new) = ids.lock().await.clone();
                let (a, b): (bool, bool) = redis::pipe()
                    .atomic()
                    .exists(format!("session:s:{old}"))
                    .exists(format!("session:s:{new}"))
                    .query_async(&mut connection)
                    .await
                    .unwrap();
                if ids.lock().await.0 != version || old == new {
                    continue;
                }
                assert!(a ^ b, "both or neither of {old} and {new} exist");
                checks += 1;
            }
            checks
        }
    });
    for _ in 0..200 {
        let (mut session, _) = Session::<login::Auth>::load(&config, Some(&token))
            .await
            .unwrap();
        let old = session.id().to_owned();
        session.regenerate_id(true);
        {
            let mut pair = ids.lock().await;
            *pair = (pair.0 + 1, old, session.id().to_owned());
        }
        let Saved::Write(next) = session.save(&config).await.unwrap() else {
            panic!("a token")
        };
        token = next;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let checks = observer.await.unwrap();
    assert!(checks > 0);
    assert_eq!(config.store().unwrap().len(0).await.unwrap(), 1);
}

/// Concurrent sign-ins and sign-outs of one owner: the index lists exactly
/// the sessions that are the owner's when the dust settles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_index_stays_exact_under_concurrent_sign_ins_and_outs() {
    let redis = RedisServer::start();
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let tasks = (0..40).map(|n| {
        let config = config.clone();
        tokio::spawn(async move {
            let mut session = Session::<login::Auth>::new(&config);
            session.set_user("ada");
            let Saved::Write(token) = session.save(&config).await.unwrap() else {
                panic!("a token")
            };
            let (mut session, _) = Session::<login::Auth>::load(&config, Some(&token))
                .await
                .unwrap();
            match n % 4 {
                0 => session.unset_user(),
                1 => session.set_user("bob"),
                2 => session.destroy(),
                _ => session.set_user("ada"),
            }
            session.save(&config).await.unwrap();
            (n % 4, session.id().to_owned())
        })
    });
    let mut ada = Vec::new();
    let mut bob = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        match task.await.unwrap() {
            (1, id) => bob.push(id),
            (3, id) => ada.push(id),
            _ => {}
        }
    }
    ada.sort();
    bob.sort();
    assert_eq!(config.sessions_of(&"ada".to_owned()).await.unwrap(), ada);
    assert_eq!(config.sessions_of(&"bob".to_owned()).await.unwrap(), bob);
    assert_eq!(config.revoke_owner(&"ada".to_owned()).await.unwrap(), 10);
    assert_eq!(config.store().unwrap().len(0).await.unwrap(), 20);
}

/// The server stops mid-run: a request that needs the session gets a 503
/// (never a fresh session, never a panic), one that does not is served;
/// when the server comes back (with its append-only file), requests
/// recover by themselves and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_going_away_gives_503s_and_recovery_loses_nothing() {
    let mut redis = RedisServer::start();
    let config = SessionConfig::<counter::Counter>::new(Key::derive(SECRET).unwrap())
        .with_store(store(&redis).await);
    let app = counter::app(config).route("/health", get(|| async { "ok" }));
    let server = serve(app).await;
    let cookies = jar();
    let browser = jar_client(&cookies);
    for n in 1..=3 {
        let page = send(browser.get(server.url("/"))).await;
        assert!(page.body.contains(&format!("{n} times")));
    }
    let cookie = jar_value(&cookies, &server.base, "counter").unwrap();

    redis.stop();
    let started = Instant::now();
    let down = send(browser.get(server.url("/"))).await;
    let waited = started.elapsed();
    eprintln!(
        "with the server down: {} in {waited:?}: {}",
        down.status, down.body
    );
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        down.cookies.is_empty(),
        "no fresh session replaces the user's"
    );
    assert!(waited < Duration::from_secs(5), "bounded: {waited:?}");
    let health = send(plain_client().get(server.url("/health"))).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    assert_eq!(
        jar_value(&cookies, &server.base, "counter").as_deref(),
        Some(cookie.as_str()),
        "the browser keeps its cookie"
    );

    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    let recovered = loop {
        let page = send(browser.get(server.url("/"))).await;
        if page.status == StatusCode::OK {
            break page;
        }
        assert!(
            Instant::now() < deadline,
            "did not recover: {}",
            page.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        recovered.body, "Hello world! You have visited this page 4 times.",
        "the count survived the outage"
    );
}
