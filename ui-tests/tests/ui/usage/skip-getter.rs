use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    user: Option<String>,
    #[session(skip)]
    cache: Vec<String>,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let session = Session::<App>::new(&config);
    let _ = session.cache();
}
