use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    #[session(flsh)]
    notice: Option<String>,
    #[session(default)]
    visits: u32,
    #[session(flash)]
    message: Option<String>,
    #[session(rename = "")]
    user: Option<String>,
}

fn main() {
    // The misspelt attribute and the empty key are the only errors: the
    // accessors still exist, with the signatures they would have had.
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.set_notice("saved");
    session.set_visits(session.visits() + 1);
    let _: Option<&String> = session.notice();
    session.unset_notice();
    session.flash_message("hi");
    let _ = session.has_message();
    session.set_user("ada");
    let _ = session.seal(&config);
}
