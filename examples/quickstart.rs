//! The README's quick start, as a program: `cargo run --example quickstart`,
//! then open <http://127.0.0.1:3000/>.
use axum::{Router, routing::get};
use serde::{Deserialize, Serialize};
use session_runtime::axum::SessionLayer;
use session_runtime::{Key, Session, SessionConfig}; // `Session`: the derive and the type

/// Any serde type can be a field.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserId(pub u64);

/// What the signed-in user may do.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Role {
    /// Reads pages.
    Reader,
    /// Also edits them.
    Editor,
}

/// The session schema: each field is a session key, checked at compile time.
#[derive(Session)]
#[session(cookie = "sid", max_age = "7d", idle_timeout = "30m")]
pub struct App {
    /// Who signed in, if anyone.
    user: Option<UserId>,
    /// Visits so far (a new session starts at 0).
    #[session(default)]
    visits: u32,
    /// A message readable in the next request only.
    #[session(flash)]
    notice: Option<String>,
    /// Stored under the key `r`.
    #[session(rename = "r")]
    role: Option<Role>,
}

async fn index(mut session: Session<App>) -> String {
    session.set_visits(session.visits() + 1); // typed; marks `visits` changed
    if *session.visits() == 3 {
        session.flash_notice("Third visit!"); // shown by the next request
    }
    let notice = session.notice().cloned().unwrap_or_default();
    // session.set_vists(1); // error[E0599]: no method named `set_vists` ...
    //                       // help: there is a method `set_visits` with a similar name
    format!(
        "You have visited this page {} times. {notice}",
        session.visits()
    )
} // the layer saves what changed: the handler never returns the session

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // At least 32 bytes of random data, from your secret store.
    let secret = std::env::var("SESSION_SECRET")
        .unwrap_or_else(|_| "a development secret of at least 32 bytes".to_owned());
    let config = SessionConfig::<App>::new(Key::derive(secret)?);
    let app = Router::new()
        .route("/", get(index))
        .layer(SessionLayer::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
