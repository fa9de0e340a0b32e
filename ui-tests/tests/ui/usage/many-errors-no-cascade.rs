use session_runtime::{Key, Session, SessionConfig};

#[derive(Session)]
#[session(max_age = "7x")]
struct Bad {
    #[session(flsh)]
    notice: Option<String>,
    user: Option<String>,
    #[session(rename = "user")]
    account: Option<String>,
}

fn main() {
    // The errors above are all reported; the stub impl keeps these lines
    // free of follow-on errors.
    let config = SessionConfig::<Bad>::new(Key::generate());
    let session = Session::<Bad>::new(&config);
    let _ = session.seal(&config);
}
