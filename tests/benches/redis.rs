//! Our `RedisStore` behind `SessionLayer` against tower-sessions 0.14 with
//! its Redis store (`tower-sessions-redis-store` 0.16.0, fred 10), on one
//! private `redis-server`, in one run, over real HTTP on loopback.
//!
//! `cargo bench -p session-tests --features redis-bench --bench redis`
//!
//! (`redis-server` must be installed: `scripts/setup.sh`.) What it does:
//!
//! * starts one `redis-server` (the harness's [`RedisServer`], with its
//!   append-only persistence switched off for the bench: `appendfsync
//!   always` would make every write wait for the disk), and three axum
//!   apps served on loopback ports ([`serve`]), each with a `/read` handler
//!   (get the counter) and an `/update` handler (increment it):
//!   * ours: a schema with one `count` field, `SessionLayer` over
//!     `RedisStore` (keys under `bench:ours:`), `max_age` 14 days;
//!   * the peer: `SessionManagerLayer` over the published Redis store on a
//!     fred `Pool` with a reconnect policy (its keys are the bare session
//!     ids: 0.16.0 has no key prefix, so they cannot meet ours),
//!     `session.get`/`session.insert`, its default expiry (the record lives
//!     14 days);
//!   * the floor: the same routes without a session layer (a constant
//!     answer), for what HTTP and the clients cost by themselves;
//! * opens N clients per app (N from `BENCH_CLIENTS`, default `16,64`),
//!   each a reqwest client of its own (its own connection pool, keep-alive)
//!   with a session of its own (created by a first request to `/open`,
//!   which sets the counter to 1), sending its cookie by hand (no cookie
//!   jar);
//! * for each N and case (read, update), runs ours, the peer and the floor
//!   in turn, `BENCH_ROUNDS` rounds (default 5; the order reverses from
//!   round to round), each run `BENCH_SECONDS` long (default 2) after a
//!   short warm-up: every client sends requests one after the other until
//!   the deadline, and checks each answer (status 200, the exact counter);
//! * prints
//!   * medians of requests per second and ours/peer;
//!   * CPU time per request, of this process and of `redis-server`
//!     (`/proc/self/stat`, `INFO cpu`): on a machine where the load
//!     generator, the apps and Redis share the cores, the totals say what
//!     throughput to expect with less noise than a wall clock;
//!   * Redis commands per request from `INFO commandstats` deltas around
//!     each run: the client's round trips (ours: the load's `HGETALL` and
//!     the save's `EVALSHA`, plus `EVAL`/`SCRIPT LOAD` if a script had to
//!     be loaded; the peer: every
//!     command, as it sends no scripts), the commands Redis ran in all (the
//!     commands inside our scripts count there too), and the time Redis
//!     spent executing them.
//!
//! All apps, all clients and both Redis clients share one tokio runtime
//! (multi-threaded, 2 workers) in this process, and `redis-server` runs
//! beside it: the load generator and Redis take a share of the CPU that
//! both apps pay alike, so the ratio understates the difference between
//! the layers themselves.
//!
//! Other settings: `BENCH_PEER_POOL`, the size of the peer's fred pool
//! (default 6, as in the store's documentation); `BENCH_PAYLOAD`, bytes of
//! a second session field that new sessions get and the handlers never
//! touch (default 0: no such field), to see what writing the whole record
//! costs the peer; for profiling one side,
//! `BENCH_ONLY=ours|peer|bare` (comma-separated) and
//! `BENCH_CASES=read|update` (then no tables, only a line per run).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use reqwest::Url;
use reqwest::header::{COOKIE, SET_COOKIE};
use session_runtime::axum::SessionLayer;
use session_runtime::store::RedisStore;
use session_runtime::{Key, Session, SessionConfig};
use session_tests::http::{SECRET, Server, TIMEOUT, serve};
use session_tests::redis::RedisServer;
use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config, Pool, ReconnectPolicy};

/// Our schema: a counter, and a field the handlers never touch that holds
/// `BENCH_PAYLOAD` bytes (none by default: then it is not stored at all).
#[derive(Session)]
#[session(cookie = "counter")]
struct Counter {
    #[session(default)]
    count: u32,
    profile: Option<String>,
}

/// What a new session's untouched field holds (`BENCH_PAYLOAD` bytes).
static PAYLOAD: OnceLock<String> = OnceLock::new();

fn payload() -> &'static str {
    PAYLOAD.get().map_or("", String::as_str)
}

/// tower-sessions' default lifetime of a record, given to ours as well, so
/// that both write an expiry with every save.
const MAX_AGE: Duration = Duration::from_hours(14 * 24);

/// The peer's keys of the counter and the untouched field.
const COUNT: &str = "count";
const PROFILE: &str = "profile";

/// A new session: the counter at 1, and the payload.
async fn ours_open(mut session: Session<Counter>) -> &'static str {
    session.set_count(1);
    if !payload().is_empty() {
        session.set_profile(payload());
    }
    "1"
}

async fn peer_open(session: tower_sessions::Session) -> Result<&'static str, StatusCode> {
    let error = |_| StatusCode::INTERNAL_SERVER_ERROR;
    session.insert(COUNT, 1u32).await.map_err(error)?;
    if !payload().is_empty() {
        session.insert(PROFILE, payload()).await.map_err(error)?;
    }
    Ok("1")
}

async fn ours_read(session: Session<Counter>) -> String {
    session.count().to_string()
}

async fn ours_update(mut session: Session<Counter>) -> String {
    let count = session.count() + 1;
    session.set_count(count);
    count.to_string()
}

async fn peer_read(session: tower_sessions::Session) -> Result<String, StatusCode> {
    let count: u32 = session
        .get(COUNT)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .unwrap_or(0);
    Ok(count.to_string())
}

async fn peer_update(session: tower_sessions::Session) -> Result<String, StatusCode> {
    let count = session
        .get::<u32>(COUNT)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .unwrap_or(0)
        + 1;
    session
        .insert(COUNT, count)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(count.to_string())
}

async fn ours(redis: &RedisServer) -> Router {
    let store = RedisStore::builder(redis.url())
        .with_prefix("bench:ours:")
        .connect()
        .await
        .expect("RedisStore connects");
    let config = SessionConfig::<Counter>::new(Key::derive(SECRET).expect("a key"))
        .with_max_age(MAX_AGE)
        .with_store(store);
    Router::new()
        .route("/open", get(ours_open))
        .route("/read", get(ours_read))
        .route("/update", get(ours_update))
        .layer(SessionLayer::new(config))
}

async fn peer(redis: &RedisServer, pool_size: usize) -> Router {
    let config = Config::from_url(&redis.url()).expect("a Redis URL for fred");
    // With no reconnect policy fred never reconnects; give it one, as a
    // real deployment would.
    let policy = ReconnectPolicy::new_exponential(0, 50, 1000, 2);
    let pool = Pool::new(config, None, None, Some(policy), pool_size).expect("a fred pool");
    let _connection = pool.connect();
    pool.wait_for_connect().await.expect("fred connects");
    let store = tower_sessions_redis_store::RedisStore::new(pool);
    Router::new()
        .route("/open", get(peer_open))
        .route("/read", get(peer_read))
        .route("/update", get(peer_update))
        .layer(tower_sessions::SessionManagerLayer::new(store))
}

/// The two contestants, and the floor: the same routes without a session
/// layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Ours,
    Peer,
    Bare,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Self::Ours => "ours (RedisStore)",
            Self::Peer => "tower-sessions + redis-store",
            Self::Bare => "no session layer",
        }
    }

    /// Whether `command` (as `INFO commandstats` names it) is one the
    /// client sends, rather than one a script runs.
    fn sends(self, command: &str) -> bool {
        match self {
            // The load is a plain HGETALL; the only script that runs one
            // (the load script, for a session expired by the store's
            // clock but not by Redis's) does not run here.
            Self::Ours => matches!(command, "evalsha" | "eval" | "script|load" | "hgetall"),
            Self::Peer | Self::Bare => true,
        }
    }
}

/// What the floor answers.
const BARE: &str = "bare";

fn bare() -> Router {
    Router::new()
        .route("/read", get(|| async { BARE }))
        .route("/update", get(|| async { BARE }))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Case {
    Read,
    Update,
}

impl Case {
    fn path(self) -> &'static str {
        match self {
            Self::Read => "/read",
            Self::Update => "/update",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Update => "update",
        }
    }
}

/// One simulated user: an HTTP client of its own and its session.
struct User {
    http: reqwest::Client,
    /// `name=value` of its session cookie.
    cookie: String,
    /// The counter its session holds (`None`: a client of the floor, which
    /// has no session and answers [`BARE`]).
    count: Option<u32>,
}

impl User {
    /// A client with a new session (its counter at 1).
    async fn open(server: &Server) -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .pool_max_idle_per_host(1)
            .build()
            .expect("an HTTP client");
        let response = http
            .get(server.url("/open"))
            .send()
            .await
            .expect("the first request");
        assert_eq!(response.status(), 200);
        let cookie = response
            .headers()
            .get(SET_COOKIE)
            .expect("a session cookie")
            .to_str()
            .expect("an ASCII cookie")
            .split(';')
            .next()
            .expect("name=value")
            .to_owned();
        let body = response.bytes().await.expect("the body");
        assert_eq!(&body[..], b"1");
        Self {
            http,
            cookie,
            count: Some(1),
        }
    }

    /// A client of the floor, sending `like`'s cookie (which it ignores), so
    /// that its requests are the same bytes.
    fn bare(like: &Self) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .pool_max_idle_per_host(1)
                .build()
                .expect("an HTTP client"),
            cookie: like.cookie.clone(),
            count: None,
        }
    }

    /// Sends `case` until `deadline` (at most `limit` requests); the number
    /// sent.
    async fn drive(&mut self, url: &Url, case: Case, deadline: Instant, limit: u64) -> u64 {
        let mut sent = 0;
        while sent < limit && Instant::now() < deadline {
            let response = self
                .http
                // A parsed URL: reqwest does not parse it again.
                .get(url.clone())
                .header(COOKIE, &self.cookie)
                .send()
                .await
                .expect("a response");
            assert_eq!(response.status(), 200, "{url}");
            let body = response.bytes().await.expect("the body");
            if let Some(count) = self.count {
                let expected = match case {
                    Case::Read => count,
                    Case::Update => count + 1,
                };
                assert_eq!(
                    std::str::from_utf8(&body).ok().and_then(|b| b.parse().ok()),
                    Some(expected),
                    "{url}: {body:?}"
                );
                self.count = Some(expected);
            } else {
                assert_eq!(&body[..], BARE.as_bytes(), "{url}");
            }
            sent += 1;
        }
        sent
    }
}

/// One timed run: every user drives `case` for `duration`; the users back,
/// the requests done and the time taken until the last answer.
async fn run(
    server: &Server,
    users: Vec<User>,
    case: Case,
    duration: Duration,
) -> (Vec<User>, u64, Duration) {
    // A bound on every loop besides the deadline: far more than any client
    // does in a run.
    const LIMIT: u64 = 10_000_000;
    let url = Url::parse(&server.url(case.path())).expect("a URL");
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = users
        .into_iter()
        .map(|mut user| {
            let url = url.clone();
            tokio::spawn(async move {
                let sent = user.drive(&url, case, deadline, LIMIT).await;
                (user, sent)
            })
        })
        .collect();
    let mut users = Vec::with_capacity(tasks.len());
    let mut requests = 0;
    for task in tasks {
        let (user, sent) = task.await.expect("a client task");
        users.push(user);
        requests += sent;
    }
    (users, requests, started.elapsed())
}

/// Calls of one command and the time Redis spent executing them.
#[derive(Clone, Copy, Default)]
struct Calls {
    calls: u64,
    /// Microseconds; a script's time includes the commands it runs.
    usec: u64,
}

/// `INFO commandstats` by command, without the bench's own `INFO` and
/// `PING`.
fn commands(redis: &RedisServer) -> BTreeMap<String, Calls> {
    redis
        .cli(&["info", "commandstats"])
        .lines()
        .filter_map(|line| {
            let (name, stats) = line.trim().strip_prefix("cmdstat_")?.split_once(':')?;
            let field = |key: &str| {
                stats
                    .split(',')
                    .find_map(|s| s.strip_prefix(key)?.parse::<u64>().ok())
            };
            Some((
                name.to_owned(),
                Calls {
                    calls: field("calls=")?,
                    usec: field("usec=")?,
                },
            ))
        })
        .filter(|(name, _)| name != "info" && name != "ping")
        .collect()
}

fn delta(
    before: &BTreeMap<String, Calls>,
    after: &BTreeMap<String, Calls>,
) -> BTreeMap<String, Calls> {
    after
        .iter()
        .map(|(name, now)| {
            let then = before.get(name).copied().unwrap_or_default();
            let calls = Calls {
                calls: now.calls - then.calls,
                usec: now.usec - then.usec,
            };
            (name.clone(), calls)
        })
        .filter(|(_, calls)| calls.calls > 0)
        .collect()
}

#[allow(
    clippy::cast_precision_loss,
    reason = "counts far below 2^52 in a report"
)]
fn float(n: u64) -> f64 {
    n as f64
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        f64::midpoint(sorted[mid - 1], sorted[mid])
    }
}

/// CPU time (user + system) used so far by this process (every thread:
/// both apps, the clients, both Redis clients) and by `redis-server`
/// (`INFO cpu`), in seconds.
struct Cpu {
    ticks_per_second: f64,
}

impl Cpu {
    fn new() -> Self {
        let ticks = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse::<u32>().ok())
            .unwrap_or(100);
        Self {
            ticks_per_second: f64::from(ticks),
        }
    }

    /// This process's CPU time (`/proc/self/stat`: utime, stime), or 0 where
    /// there is no `/proc`.
    fn own(&self) -> f64 {
        let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
            return 0.0;
        };
        // The fields after `(comm)`: state is field 3, utime 14, stime 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let ticks: u64 = after
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|n| n.parse::<u64>().ok())
            .sum();
        float(ticks) / self.ticks_per_second
    }

    /// `redis-server`'s CPU time (`used_cpu_user` + `used_cpu_sys`).
    fn redis(redis: &RedisServer) -> f64 {
        redis
            .cli(&["info", "cpu"])
            .lines()
            .filter_map(|line| {
                let (name, value) = line.trim().split_once(':')?;
                matches!(name, "used_cpu_user" | "used_cpu_sys")
                    .then(|| value.parse::<f64>().ok())
                    .flatten()
            })
            .sum()
    }
}

/// What the runs of one app and case added up to.
#[derive(Default)]
struct Tally {
    per_second: Vec<f64>,
    requests: u64,
    commands: BTreeMap<String, Calls>,
    /// CPU seconds of this process and of `redis-server` over the runs.
    cpu_own: f64,
    cpu_redis: f64,
}

struct Settings {
    clients: Vec<usize>,
    rounds: usize,
    duration: Duration,
    peer_pool: usize,
    /// Only these sides (for profiling one of them; no tables then).
    only: Option<Vec<Side>>,
    cases: Vec<Case>,
    /// Bytes in each session's untouched field.
    payload: usize,
}

impl Settings {
    fn from_env() -> Self {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
            match std::env::var(name) {
                Ok(value) => value
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}={value:?} does not parse")),
                Err(_) => default,
            }
        }
        let clients = std::env::var("BENCH_CLIENTS").unwrap_or_else(|_| "16,64".to_owned());
        let settings = Self {
            clients: clients
                .split(',')
                .map(|n| n.trim().parse().expect("BENCH_CLIENTS: numbers"))
                .collect(),
            rounds: var("BENCH_ROUNDS", 5),
            duration: Duration::from_secs_f64(var("BENCH_SECONDS", 2.0)),
            peer_pool: var("BENCH_PEER_POOL", 6),
            payload: var("BENCH_PAYLOAD", 0),
            cases: std::env::var("BENCH_CASES")
                .unwrap_or_else(|_| "read,update".to_owned())
                .split(',')
                .map(|case| match case.trim() {
                    "read" => Case::Read,
                    "update" => Case::Update,
                    other => panic!("BENCH_CASES: read or update, not {other:?}"),
                })
                .collect(),
            only: std::env::var("BENCH_ONLY").ok().map(|sides| {
                sides
                    .split(',')
                    .map(|side| match side.trim() {
                        "ours" => Side::Ours,
                        "peer" => Side::Peer,
                        "bare" => Side::Bare,
                        other => panic!("BENCH_ONLY: ours, peer or bare, not {other:?}"),
                    })
                    .collect()
            }),
        };
        assert!(settings.rounds > 0 && settings.clients.iter().all(|&n| n > 0));
        settings
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or other flags mean nothing
    // here.
    let settings = Settings::from_env();
    PAYLOAD.set("x".repeat(settings.payload)).expect("set once");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(bench(&settings));
}

async fn bench(settings: &Settings) {
    let redis = RedisServer::start();
    assert_eq!(redis.cli(&["config", "set", "appendonly", "no"]), "OK");
    let servers = [
        (Side::Ours, serve(ours(&redis).await).await),
        (
            Side::Peer,
            serve(peer(&redis, settings.peer_pool).await).await,
        ),
        (Side::Bare, serve(bare()).await),
    ];
    eprintln!(
        "redis-server {}, {} round(s) of {:?} per app and case, clients {:?}, peer pool {}",
        redis.url(),
        settings.rounds,
        settings.duration,
        settings.clients,
        settings.peer_pool
    );
    let cpu = Cpu::new();
    let mut results: BTreeMap<(usize, Case, Side), Tally> = BTreeMap::new();
    for &n in &settings.clients {
        let mut users = BTreeMap::new();
        for (side, server) in &servers[..2] {
            let mut opened = Vec::with_capacity(n);
            for _ in 0..n {
                opened.push(User::open(server).await);
            }
            users.insert(*side, opened);
        }
        let floor = users[&Side::Ours].iter().map(User::bare).collect();
        users.insert(Side::Bare, floor);
        for &case in &settings.cases {
            // Warm up each app once (connections, scripts, caches).
            for (side, server) in &servers {
                if settings
                    .only
                    .as_ref()
                    .is_some_and(|only| !only.contains(side))
                {
                    continue;
                }
                let warm = users.remove(side).expect("the users");
                let (warm, _, _) = run(server, warm, case, Duration::from_millis(300)).await;
                users.insert(*side, warm);
            }
            for round in 0..settings.rounds {
                let mut order: Vec<_> = servers.iter().collect();
                if round % 2 == 1 {
                    order.reverse();
                }
                for (side, server) in order {
                    if settings
                        .only
                        .as_ref()
                        .is_some_and(|only| !only.contains(side))
                    {
                        continue;
                    }
                    let before = commands(&redis);
                    let these = users.remove(side).expect("the users");
                    let (own, in_redis) = (cpu.own(), Cpu::redis(&redis));
                    let (these, requests, took) = run(server, these, case, settings.duration).await;
                    let (own, in_redis) = (cpu.own() - own, Cpu::redis(&redis) - in_redis);
                    let ran = delta(&before, &commands(&redis));
                    users.insert(*side, these);
                    let per_second = float(requests) / took.as_secs_f64();
                    eprintln!(
                        "N={n} {} round {} {}: {requests} requests in {took:.2?}, {per_second:.0}/s",
                        case.name(),
                        round + 1,
                        side.name()
                    );
                    let tally = results.entry((n, case, *side)).or_default();
                    tally.per_second.push(per_second);
                    tally.requests += requests;
                    tally.cpu_own += own;
                    tally.cpu_redis += in_redis;
                    for (name, calls) in ran {
                        let total = tally.commands.entry(name).or_default();
                        total.calls += calls.calls;
                        total.usec += calls.usec;
                    }
                }
            }
        }
    }
    if settings.only.is_none() && settings.cases.len() == 2 {
        report(settings, &results);
    }
}

fn report(settings: &Settings, results: &BTreeMap<(usize, Case, Side), Tally>) {
    let tally = |n, case, side| &results[&(n, case, side)];
    println!(
        "\n`cargo bench -p session-tests --features redis-bench --bench redis`: {} rounds of {:?} per app and case, medians; peer fred pool of {}; untouched payload {} bytes\n",
        settings.rounds, settings.duration, settings.peer_pool, settings.payload
    );
    println!(
        "| clients | case | ours (req/s) | tower-sessions + redis-store (req/s) | ours/peer | ours/peer per round (min–max) | no session layer (req/s) |"
    );
    println!("|---:|---|---:|---:|---:|---|---:|");
    for &n in &settings.clients {
        for case in [Case::Read, Case::Update] {
            let ours = tally(n, case, Side::Ours);
            let peer = tally(n, case, Side::Peer);
            let ratios: Vec<f64> = ours
                .per_second
                .iter()
                .zip(&peer.per_second)
                .map(|(o, p)| o / p)
                .collect();
            let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let max = ratios.iter().copied().fold(0.0, f64::max);
            let (ours, peer) = (median(&ours.per_second), median(&peer.per_second));
            let floor = median(&tally(n, case, Side::Bare).per_second);
            println!(
                "| {n} | {} | {ours:.0} | {peer:.0} | {:.2}x | {min:.2}–{max:.2} | {floor:.0} |",
                case.name(),
                ours / peer
            );
        }
    }
    println!(
        "\nCPU time per request (µs, all runs): this process (the app under test, the idle other apps, the clients) and redis-server; peer/ours of the totals is the throughput ratio to expect where CPU is the limit\n"
    );
    println!(
        "| clients | case | ours: process | ours: redis-server | ours: total | peer: process | peer: redis-server | peer: total | peer/ours | no session layer: process |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &settings.clients {
        for case in [Case::Read, Case::Update] {
            let cpu = |side| {
                let t = tally(n, case, side);
                let requests = float(t.requests.max(1));
                (t.cpu_own / requests * 1e6, t.cpu_redis / requests * 1e6)
            };
            let (ours, ours_redis) = cpu(Side::Ours);
            let (peer, peer_redis) = cpu(Side::Peer);
            let (floor, _) = cpu(Side::Bare);
            let (ours_total, peer_total) = (ours + ours_redis, peer + peer_redis);
            println!(
                "| {n} | {} | {ours:.1} | {ours_redis:.1} | {ours_total:.1} | {peer:.1} | {peer_redis:.1} | {peer_total:.1} | {:.2}x | {floor:.1} |",
                case.name(),
                peer_total / ours_total
            );
        }
    }
    println!(
        "\nRedis commands per request (INFO commandstats, all runs): round trips = the commands the client sends; run = every command Redis executed, those inside scripts included; Redis µs = the time Redis spent executing the commands sent (a script's includes what it runs), without network and parsing\n"
    );
    println!("| clients | case | side | round trips | commands run | Redis µs | by command |");
    println!("|---:|---|---|---:|---:|---:|---|");
    for &n in &settings.clients {
        for case in [Case::Read, Case::Update] {
            for side in [Side::Ours, Side::Peer] {
                let t = tally(n, case, side);
                let per = |calls: u64| float(calls) / float(t.requests.max(1));
                let sent = t.commands.iter().filter(|(name, _)| side.sends(name));
                let (sent_calls, sent_usec) = sent.fold((0, 0), |(calls, usec), (_, c)| {
                    (calls + c.calls, usec + c.usec)
                });
                let all: u64 = t.commands.values().map(|c| c.calls).sum();
                let by: Vec<String> = t
                    .commands
                    .iter()
                    .map(|(name, c)| format!("{name} {:.2}", per(c.calls)))
                    .collect();
                println!(
                    "| {n} | {} | {} | {:.2} | {:.2} | {:.1} | {} |",
                    case.name(),
                    side.name(),
                    per(sent_calls),
                    per(all),
                    per(sent_usec),
                    by.join(", ")
                );
            }
        }
    }
}
