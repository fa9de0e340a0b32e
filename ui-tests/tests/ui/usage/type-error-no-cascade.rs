use std::rc::Rc;

use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
struct App {
    user: Option<Rc<String>>,
    #[session(default)]
    visits: u32,
}

fn main() {
    // The field type is the only error: the schema and its accessors work.
    let config = SessionConfig::<App>::new(Key::generate());
    let mut session = Session::<App>::new(&config);
    session.set_visits(session.visits() + 1);
    let _ = session.user();
    session.unset_user();
    let _ = session.seal(&config);
}
