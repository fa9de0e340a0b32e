use session_runtime::Session;

#[derive(Session)]
#[session(secure)]
struct App {
    user: Option<String>,
}

fn main() {}
