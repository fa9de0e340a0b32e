//! A bounded load test: 2 000 requests from 32 concurrent clients against
//! the counter example on loopback, each client with its own cookie jar.
//! Every client must end at exactly its own request count, with no 5xx.
//! It stops by itself: a fixed number of requests, under a 120 s deadline.

use std::time::{Duration, Instant};

use session_examples::counter;
use session_runtime::{Key, SessionConfig};
use session_tests::http::{jar, jar_client, send, serve};

const REQUESTS: usize = 2_000;
const CLIENTS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_requests_from_32_clients() {
    let config = SessionConfig::<counter::Counter>::new(Key::generate());
    let server = serve(counter::app(config)).await;
    let url = server.url("/");

    let started = Instant::now();
    let clients = (0..CLIENTS).map(|i| {
        // 2 000 = 16 × 63 + 16 × 62.
        let count = REQUESTS / CLIENTS + usize::from(i < REQUESTS % CLIENTS);
        let url = url.clone();
        tokio::spawn(async move {
            let client = jar_client(&jar());
            let mut last = String::new();
            for n in 1..=count {
                let reply = send(client.get(&url)).await;
                let status = reply.status;
                assert!(!status.is_server_error(), "client {i}: {status}");
                last = reply.body;
                assert_eq!(
                    last,
                    format!("Hello world! You have visited this page {n} times."),
                    "client {i}"
                );
            }
            (count, last)
        })
    });
    let all = futures_join(clients.collect());
    let results = tokio::time::timeout(Duration::from_mins(2), all)
        .await
        .expect("the load test finishes within 120 s");
    let mut total = 0;
    for (count, last) in results {
        assert_eq!(
            last,
            format!("Hello world! You have visited this page {count} times.")
        );
        total += count;
    }
    assert_eq!(total, REQUESTS);
    let elapsed = started.elapsed();
    eprintln!(
        "load: {REQUESTS} requests, {CLIENTS} clients, {:.2?}, {:.0} req/s",
        elapsed,
        f64::from(u32::try_from(REQUESTS).unwrap()) / elapsed.as_secs_f64()
    );
}

/// Awaits every task in order; a panicking client fails the test.
async fn futures_join(
    tasks: Vec<tokio::task::JoinHandle<(usize, String)>>,
) -> Vec<(usize, String)> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.expect("client task"));
    }
    out
}
