use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    user: Option<String>,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.set_user(None);
}
