use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    visits: u32,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.unset_visits();
}
