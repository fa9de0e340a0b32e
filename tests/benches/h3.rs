//! h3-format sessions: seal and unseal of a small `Session<T>` with h3 v1 and v2
//! parameters, with a cold key cache (a fresh codec for every operation, h3's own cost
//! model) and a warm one (one codec reused), next to the real h3's `sealSession` /
//! `unsealSession` timed in node on the same session (`interop/h3/bench.mjs`).
//!
//! `cargo bench -p session-tests --bench h3` runs the criterion
//! benchmarks, then prints a table of medians with the ratios. Needs
//! `interop/h3/setup.sh`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use session_runtime::h3::iron::Passwords;
use session_runtime::h3::{H3Format, H3Version};
use session_runtime::{Session, SessionConfig};
use session_tests::node::{self, P};

#[derive(Session)]
struct App {
    #[session(default)]
    count: u32,
    user: Option<String>,
}

const VERSIONS: [(H3Version, &str); 2] = [(H3Version::V1, "v1"), (H3Version::V2, "v2")];

fn format(v: H3Version) -> H3Format {
    H3Format::new(v, Passwords::single(P).expect("a valid password")).expect("h3's parameters")
}

fn config(v: H3Version) -> SessionConfig<App> {
    SessionConfig::<App>::new(format(v))
}

fn sample(config: &SessionConfig<App>) -> Session<App> {
    let mut session = Session::<App>::new(config);
    session.set_count(42);
    session.set_user("ada");
    session
}

fn criterion_benches(c: &mut Criterion) {
    for (v, name) in VERSIONS {
        let warm = config(v);
        let session = sample(&warm);
        let sealed = session.seal(&warm).expect("seal");
        Session::<App>::unseal(&warm, &sealed).expect("unseal");

        let mut group = c.benchmark_group(format!("h3/{name}"));
        if v == H3Version::V2 {
            // 2 x 8192 PBKDF2 iterations per cold operation.
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(3));
        }
        group.bench_function(BenchmarkId::new("seal", "warm"), |b| {
            b.iter(|| black_box(session.seal(&warm).expect("seal")));
        });
        group.bench_function(BenchmarkId::new("unseal", "warm"), |b| {
            b.iter(|| {
                black_box(Session::<App>::unseal(&warm, black_box(&sealed)).expect("unseal"))
            });
        });
        group.bench_function(BenchmarkId::new("seal", "cold"), |b| {
            b.iter(|| black_box(session.seal(&config(v)).expect("seal")));
        });
        group.bench_function(BenchmarkId::new("unseal", "cold"), |b| {
            b.iter(|| {
                black_box(Session::<App>::unseal(&config(v), black_box(&sealed)).expect("unseal"))
            });
        });
        group.finish();
    }
}

/// The median time of one call of `op`, in nanoseconds, over `samples` samples of
/// `batch` calls each.
fn median_ns(samples: usize, batch: u32, mut op: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                op();
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(batch)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

struct Node {
    seal_ns: f64,
    unseal_ns: f64,
}

/// Runs `interop/h3/bench.mjs` (bounded in time and output).
fn node_bench(name: &str, iterations: u32, input: &str) -> Node {
    let iterations = iterations.to_string();
    let args = [
        "--version",
        name,
        "--password",
        P,
        "--iterations",
        &iterations,
    ];
    let out = node::node("bench.mjs", &args, input)
        .unwrap_or_else(|e| panic!("node bench.mjs failed: {e}"));
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("bench.mjs prints JSON");
    let field = |k: &str| parsed[k].as_f64().expect("a number");
    Node {
        seal_ns: field("seal_ns"),
        unseal_ns: field("unseal_ns"),
    }
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn comparison_table() {
    println!();
    println!(
        "h3 sessions, median time per operation; session data {{\"count\":42,\"user\":\"ada\"}}"
    );
    println!(
        "| version | op     | ours, cold cache | ours, warm cache | h3 (node) | h3 / ours cold | h3 / ours warm |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (v, name) in VERSIONS {
        let format = format(v);
        let warm = SessionConfig::<App>::new(format.clone());
        let session = sample(&warm);
        let sealed = session.seal(&warm).expect("seal");
        let plaintext = format
            .codec()
            .unseal(&sealed, warm.now_ms())
            .expect("unseal")
            .json;
        let input = format!(
            r#"{{"session":{plaintext},"sealed":{}}}"#,
            serde_json::to_string(&sealed).expect("a string")
        );
        let (cold_samples, node_iterations) = match v {
            H3Version::V1 => (2001, 2000),
            H3Version::V2 => (101, 200),
        };
        let seal_warm = median_ns(101, 200, || {
            black_box(session.seal(&warm).expect("seal"));
        });
        let unseal_warm = median_ns(101, 200, || {
            black_box(Session::<App>::unseal(&warm, black_box(&sealed)).expect("unseal"));
        });
        let seal_cold = median_ns(cold_samples, 1, || {
            black_box(session.seal(&config(v)).expect("seal"));
        });
        let unseal_cold = median_ns(cold_samples, 1, || {
            black_box(Session::<App>::unseal(&config(v), black_box(&sealed)).expect("unseal"));
        });
        let node = node_bench(name, node_iterations, &input);
        for (op, cold, warm, theirs) in [
            ("seal", seal_cold, seal_warm, node.seal_ns),
            ("unseal", unseal_cold, unseal_warm, node.unseal_ns),
        ] {
            println!(
                "| {name} | {op:<6} | {} | {} | {} | {:.1}x | {:.0}x |",
                human(cold),
                human(warm),
                human(theirs),
                theirs / cold,
                theirs / warm,
            );
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
    // Only under `cargo bench` (not `cargo test --benches`): node takes a while.
    if std::env::args().any(|a| a == "--bench") {
        comparison_table();
    }
}
