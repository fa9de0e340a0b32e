//! h3's "handle session" example in Rust: a visit counter kept in a sealed
//! cookie session.
//!
//! `cargo run --example counter`, then open <http://127.0.0.1:3000/> and
//! reload; <http://127.0.0.1:3000/clear> clears the session.
//!
//! * `PORT`: the port on 127.0.0.1 (default 3000).
//! * `SESSION_SECRET`: the secret the sealing key is derived from (at least
//!   32 bytes). Unset, a random key is generated, so sessions do not survive
//!   a restart.
//! * `SESSION_STORE`: `cookie` (the default: the session is sealed into the
//!   cookie), `memory` (a `MemoryStore` in this process) or a Redis URL
//!   (`redis://127.0.0.1:6379`, a `RedisStore`); with a store the cookie
//!   carries only the sealed session id.
//! * `SESSION_FORMAT=h3v1` or `h3v2` with `SESSION_PASSWORD` (at least 32
//!   characters): speak h3's session format instead, under the cookie `h3`,
//!   so the counter continues where h3's own handle-session example (same
//!   password) left off, and back.
//!
//! The cookie is `Secure` (the default): browsers and HTTP clients accept it
//! over plain HTTP on `localhost`/`127.0.0.1` only.

use axum::Router;
use axum::routing::get;
use session_runtime::axum::SessionLayer;
use session_runtime::h3::H3Version;
use session_runtime::{Session, SessionConfig};

#[path = "env.rs"]
mod env;

/// The session schema: one counter, stored under the key `count`.
#[derive(Session)]
#[session(cookie = "counter")]
pub struct Counter {
    #[session(default)]
    count: u32,
}

async fn index(mut session: Session<Counter>) -> String {
    let count = session.count().saturating_add(1);
    session.set_count(count);
    format!("Hello world! You have visited this page {count} times.")
}

async fn clear(mut session: Session<Counter>) -> &'static str {
    session.clear();
    "Session cleared"
}

/// The application: `GET /` counts, `GET /clear` clears.
pub fn app(config: SessionConfig<Counter>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/clear", get(clear))
        .layer(SessionLayer::new(config))
}

/// The configuration `SESSION_FORMAT` and `SESSION_STORE` ask for: h3's
/// format (`h3v1`, `h3v2`) or the native one (unset or `native`), in the
/// cookie or in a store.
///
/// # Errors
/// A bad variable.
pub async fn config() -> Result<SessionConfig<Counter>, Box<dyn std::error::Error>> {
    let version = match std::env::var("SESSION_FORMAT").as_deref() {
        Ok("h3v1") => H3Version::V1,
        Ok("h3v2") => H3Version::V2,
        Ok("native") | Err(_) => {
            let storage = env::storage(env::Storage::Cookie)?;
            return env::with_storage(SessionConfig::<Counter>::new(env::key()?), storage).await;
        }
        Ok(other) => {
            return Err(
                format!("SESSION_FORMAT must be h3v1, h3v2 or native, not {other:?}").into(),
            );
        }
    };
    let password = std::env::var("SESSION_PASSWORD")
        .map_err(|_| "SESSION_FORMAT=h3v1/h3v2 needs SESSION_PASSWORD: the h3 app's password")?;
    Ok(SessionConfig::<Counter>::h3(version, password)?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 3000,
    };
    let config = config().await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(config)).await?;
    Ok(())
}
