//! The shared harness of the integration tests in `tests/tests/`: every test
//! file uses it instead of helpers of its own.
//!
//! * [`http`]: the one way to start an app ([`http::serve`], an axum
//!   `Router` on `127.0.0.1:0` in the current tokio runtime;
//!   [`http::serve_actix`], an actix-web app on actix's own server) and the one
//!   HTTP client ([`http::client`], reqwest, bounded by a timeout), with
//!   one reply type ([`http::Reply`]) for every test that speaks HTTP, to
//!   the Rust apps and to the node servers alike.
//! * [`node`]: the node runner for the real h3 npm packages in `interop/h3`
//!   (h3 v1 and v2): seal and unseal through h3's own code
//!   ([`node::h3_seal`], [`node::h3_unseal`]) and h3's counter example as a
//!   server ([`node::NodeServer`]), as bounded child processes.
//!
//! * [`redis`]: a private `redis-server` per test ([`redis::RedisServer`]),
//!   on a free loopback port with its own directory, stopped (and
//!   restartable) from the test; with a password or TLS only on request
//!   ([`redis::RedisOptions`]).
//!
//! * [`tls`]: throwaway certificate authorities and server certificates
//!   ([`tls::TestCa`]), made with the `openssl` command.
//!
//! * [`store`]: a store that is down ([`store::Down`]), for failure tests.
//!
//! * [`browser`]: real headless Chromium ([`browser::Browser`]), driven
//!   through its own `chromedriver` with the W3C `WebDriver` protocol: open
//!   pages, find elements by CSS selector, type, click, read the text, the
//!   URL and the cookies, take screenshots (kept under
//!   [`browser::screenshot_dir`], `target/screenshots/`).
//!
//! The node harness, `redis-server`, `openssl`, `chromium` and `chromedriver` must be
//! installed (`scripts/setup.sh`); the tests that need them fail, not skip,
//! without.

pub mod browser;
pub mod http;
pub mod node;
pub mod redis;
pub mod store;
pub mod tls;
