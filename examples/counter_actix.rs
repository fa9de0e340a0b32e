//! The `counter` example on actix-web 4: a visit counter kept in a sealed
//! cookie session, with the same pages and settings.
//!
//! `cargo run --example counter_actix`, then open <http://127.0.0.1:3000/>
//! and reload; <http://127.0.0.1:3000/clear> clears the session.
//!
//! * `PORT`: the port on 127.0.0.1 (default 3000).
//! * `SESSION_SECRET`: the secret the sealing key is derived from (at least
//!   32 bytes). Unset, a random key is generated, so sessions do not survive
//!   a restart.
//! * `SESSION_STORE`: `cookie` (the default: the session is sealed into the
//!   cookie), `memory` (a `MemoryStore` in this process) or a Redis URL
//!   (`redis://127.0.0.1:6379`, a `RedisStore`); with a store the cookie
//!   carries only the sealed session id.
//!
//! The cookie is `Secure` (the default): browsers and HTTP clients accept it
//! over plain HTTP on `localhost`/`127.0.0.1` only.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer, web};
use session_runtime::actix::SessionMiddleware;
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

/// The application: `GET /` counts, `GET /clear` clears. actix-web builds
/// one per worker thread; they share `sessions` (its clones share one
/// configuration).
pub fn app(
    sessions: SessionMiddleware<Counter>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(sessions)
        .route("/", web::get().to(index))
        .route("/clear", web::get().to(clear))
}

/// The configuration `SESSION_SECRET` and `SESSION_STORE` ask for.
///
/// # Errors
/// A bad variable, or a Redis server that cannot be reached.
pub async fn config() -> Result<SessionConfig<Counter>, Box<dyn std::error::Error>> {
    let storage = env::storage(env::Storage::Cookie)?;
    env::with_storage(SessionConfig::<Counter>::new(env::key()?), storage).await
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    actix_web::rt::System::new().block_on(async {
        let port: u16 = match std::env::var("PORT") {
            Ok(port) => port.parse()?,
            Err(_) => 3000,
        };
        let sessions = SessionMiddleware::new(config().await?);
        let server = HttpServer::new(move || app(sessions.clone())).bind(("127.0.0.1", port))?;
        for addr in server.addrs() {
            eprintln!("listening on http://{addr}");
        }
        server.run().await?;
        Ok(())
    })
}
