//! Seals a session into a cookie value and unseals it again, printing both.
//!
//! `cargo run --example seal`

use serde::{Deserialize, Serialize};
use session_runtime::{Key, Session, SessionConfig};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct UserId(u64);

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
enum Role {
    Admin,
}

#[derive(Session)]
#[session(cookie = "sid", max_age = "7d", idle_timeout = "30m")]
struct App {
    user: Option<UserId>,
    #[session(default)]
    visits: u32,
    #[session(flash)]
    notice: Option<String>,
    #[session(rename = "r")]
    role: Option<Role>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config =
        SessionConfig::<App>::new(Key::derive("an example secret that is long enough to use")?);

    let mut session = Session::<App>::new(&config);
    session.set_user(UserId(42));
    session.set_visits(session.visits() + 1);
    session.set_role(Role::Admin);
    session.flash_notice("Welcome back!");
    println!(
        "changed fields: {:?}",
        session.changed_fields().collect::<Vec<_>>()
    );

    let sealed = session.seal(&config)?;
    println!(
        "sealed ({} bytes): {}={sealed}",
        sealed.len() + 4,
        config.cookie_name()
    );

    let next = Session::<App>::unseal(&config, &sealed)?;
    println!(
        "unsealed: id={} user={:?} visits={} role={:?} notice={:?}",
        next.id(),
        next.user(),
        next.visits(),
        next.role(),
        next.notice()
    );

    let mut tampered = sealed.into_bytes();
    tampered[10] ^= 1;
    let tampered = String::from_utf8(tampered)?;
    println!(
        "tampered:  {}",
        Session::<App>::unseal(&config, &tampered).unwrap_err()
    );
    Ok(())
}
