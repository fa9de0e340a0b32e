use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
enum Bad {
    A,
}

fn main() {
    // Only the shape error is reported: the stub impl makes `Bad` a schema.
    let config = SessionConfig::<Bad>::new(Key::generate());
    let session = Session::<Bad>::new(&config);
    let _ = session.seal(&config);
}
