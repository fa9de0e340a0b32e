use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    notice: Option<String>,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.flash_notice("saved");
}
