//! A small HTML app with a login form.
//!
//! `cargo run --example login`, then open <http://127.0.0.1:3000/>; the
//! password is `letmein`.
//!
//! * Logging in regenerates the session id (against session fixation), sets
//!   the user and flashes a welcome notice, shown exactly once.
//! * `/logout` destroys the session (the cookie is removed).
//! * `/private` redirects to `/` when logged out.
//!
//! `PORT` and `SESSION_SECRET` work as in the `counter` example.
//!
//! What regenerating the id guarantees with sealed cookie sessions: the
//! pre-login cookie (which an attacker may have planted or copied) stays an
//! anonymous session; the login is written only into the new seal, under a
//! new id. A copy of a logged-in cookie stays valid until it expires (here
//! after 30 minutes idle or 1 day), even after logout: revoking a cookie
//! before then needs server-side state.

use axum::Router;
use axum::extract::Form;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use session_runtime::axum::SessionLayer;
use session_runtime::{Key, Session, SessionConfig};

/// The session schema.
#[derive(Session)]
#[session(cookie = "auth", max_age = "1d", idle_timeout = "30m")]
pub struct Auth {
    /// The signed-in user.
    user: Option<String>,
    /// A one-time notice for the next page.
    #[session(flash)]
    notice: Option<String>,
}

/// The one password this demo accepts.
const PASSWORD: &str = "letmein";

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
        "<!doctype html>\n<title>{title}</title>\n<h1>{title}</h1>\n{notice}{body}\n"
    ))
}

async fn index(session: Session<Auth>) -> Html<String> {
    let body = match session.user() {
        Some(user) => format!(
            "<p>Signed in as <b>{}</b>.</p>\n<p><a href=\"/private\">Private page</a></p>\n\
             <form method=\"post\" action=\"/logout\"><button>Log out</button></form>",
            escape(user)
        ),
        None => "<form method=\"post\" action=\"/login\">\n\
                 <label>User <input name=\"username\"></label>\n\
                 <label>Password <input name=\"password\" type=\"password\"></label>\n\
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

async fn private(session: Session<Auth>) -> Response {
    match session.user() {
        Some(user) => page(
            "Private",
            session.notice(),
            &format!("<p>Only {} can read this.</p>", escape(user)),
        )
        .into_response(),
        None => Redirect::to("/").into_response(),
    }
}

/// The application.
pub fn app(config: SessionConfig<Auth>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/logout", get(logout).post(logout))
        .route("/private", get(private))
        .layer(SessionLayer::new(config))
}

/// The key from `SESSION_SECRET`, or a generated one.
fn key() -> Result<Key, Box<dyn std::error::Error>> {
    if let Ok(secret) = std::env::var("SESSION_SECRET") {
        return Ok(Key::derive(secret)?);
    }
    eprintln!(
        "SESSION_SECRET is not set: using a generated key; sessions end when the server stops"
    );
    Ok(Key::generate())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 3000,
    };
    let config = SessionConfig::<Auth>::new(key()?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(config)).await?;
    Ok(())
}
