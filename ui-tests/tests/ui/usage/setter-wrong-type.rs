use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    user: Option<String>,
    visits: u32,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.set_visits("many");
    session.set_user(42);
}
