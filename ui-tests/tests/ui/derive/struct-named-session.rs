use session_runtime::Session;

#[derive(Session)]
struct Session {
    user: Option<String>,
}

fn main() {}
