use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    user: Option<String>,
    visits: Option<u32>,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.set_user(Some("ada".to_owned()));
    session.set_visits(Some(1));
}
