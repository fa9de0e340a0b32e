//! A small HTML app with a login form.
//!
//! `cargo run --example login`, then open <http://127.0.0.1:3000/>; the
//! password is `letmein`.
//!
//! * Logging in regenerates the session id (against session fixation), sets
//!   the user and flashes a welcome notice, shown exactly once.
//! * `/logout` destroys the session; `/logout-everywhere` revokes every
//!   session of the signed-in user (all their devices), then this one.
//! * `/private` redirects to `/` when logged out, and says on how many
//!   devices the user is signed in.
//!
//! `PORT` and `SESSION_SECRET` work as in the `counter` example.
//! `SESSION_STORE` says where sessions live: `memory` (the default, a
//! `MemoryStore` in this process), a Redis URL (`redis://127.0.0.1:6379`,
//! shared by every instance of the app) or `cookie` (sealed into the cookie).
//!
//! What logout means differs: with a store, `destroy()` deletes the session,
//! so any copy of the cookie opens nothing afterwards; in cookie mode the
//! logout removes the browser's cookie, but a copy taken before stays valid
//! until it expires (here after 30 minutes idle or 1 day), and "log out
//! everywhere" cannot work, because there is nothing server-side to revoke.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use session_runtime::axum::SessionLayer;
use session_runtime::{Session, SessionConfig};

#[path = "env.rs"]
mod env;

/// The session schema.
#[derive(Session)]
#[session(cookie = "auth", max_age = "1d", idle_timeout = "30m")]
pub struct Auth {
    /// The signed-in user; the owner of the session, so that all of a
    /// user's sessions can be listed and revoked.
    #[session(owner)]
    user: Option<String>,
    /// A one-time notice for the next page.
    #[session(flash)]
    notice: Option<String>,
}

/// The one password this demo accepts.
const PASSWORD: &str = "letmein";

/// The stylesheet of every page.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.6rem}.notice{background:#e8f4ea;border:1px solid #9c9;padding:.5rem .8rem;border-radius:4px}\
label{display:block;margin:.6rem 0}input{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}\
button{font:inherit;padding:.4rem 1rem;margin:.3rem .3rem 0 0;cursor:pointer}a{color:#0a58ca}";

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, notice: Option<&String>, body: &str) -> Html<String> {
    let notice = notice.map_or_else(String::new, |n| {
        format!("<p class=\"notice\">{}</p>\n", escape(n))
    });
    Html(format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n\
         <h1>{title}</h1>\n{notice}{body}\n"
    ))
}

async fn index(session: Session<Auth>) -> Html<String> {
    let body = match session.user() {
        Some(user) => format!(
            "<p>Signed in as <b>{}</b>.</p>\n<p><a href=\"/private\">Private page</a></p>\n\
             <form method=\"post\" action=\"/logout\"><button>Log out</button></form>\n\
             <form method=\"post\" action=\"/logout-everywhere\"><button>Log out everywhere</button></form>",
            escape(user)
        ),
        None => "<form method=\"post\" action=\"/login\">\n\
                 <label>User <input name=\"username\" autocomplete=\"username\"></label>\n\
                 <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>\n\
                 <button>Log in</button>\n</form>"
            .to_owned(),
    };
    page("Home", session.notice(), &body)
}

/// The login form's fields.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn login(mut session: Session<Auth>, Form(form): Form<Credentials>) -> Redirect {
    let username = form.username.trim();
    if username.is_empty() || form.password != PASSWORD {
        session.flash_notice("Wrong user name or password.");
        return Redirect::to("/");
    }
    // A new id for the new privileges: the old cookie stays anonymous.
    session.regenerate_id(true);
    session.set_user(username);
    session.flash_notice(format!("Welcome, {username}!"));
    Redirect::to("/")
}

async fn logout(mut session: Session<Auth>) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

async fn logout_everywhere(
    State(config): State<SessionConfig<Auth>>,
    mut session: Session<Auth>,
) -> Response {
    if let Some(user) = session.user().cloned()
        && let Err(error) = config.revoke_owner(&user).await
    {
        session.flash_notice(format!("Could not log out everywhere: {error}"));
        return Redirect::to("/").into_response();
    }
    session.destroy();
    Redirect::to("/").into_response()
}

async fn private(State(config): State<SessionConfig<Auth>>, session: Session<Auth>) -> Response {
    let Some(user) = session.user() else {
        return Redirect::to("/").into_response();
    };
    let devices = match config.sessions_of(user).await {
        Ok(ids) => format!("<p>You are signed in on {} device(s).</p>", ids.len()),
        Err(_) => String::new(),
    };
    page(
        "Private",
        session.notice(),
        &format!(
            "<p>Only {} can read this.</p>\n{devices}\n<p><a href=\"/\">Home</a></p>",
            escape(user)
        ),
    )
    .into_response()
}

/// The application.
pub fn app(config: SessionConfig<Auth>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/logout", get(logout).post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/private", get(private))
        .layer(SessionLayer::new(config.clone()))
        .with_state(config)
}

/// The configuration the environment asks for.
///
/// # Errors
/// A bad `SESSION_SECRET` or `SESSION_STORE`.
pub async fn config() -> Result<SessionConfig<Auth>, Box<dyn std::error::Error>> {
    let storage = env::storage(env::Storage::Memory)?;
    env::with_storage(SessionConfig::<Auth>::new(env::key()?), storage).await
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
