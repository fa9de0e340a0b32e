use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    user: Option<String>,
}

fn main() {
    let config = SessionConfig::<App>::new(Key::generate());
    let _ = config.revoke_owner(&"ada".to_owned());
}
