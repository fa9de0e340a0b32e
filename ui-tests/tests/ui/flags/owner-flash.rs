use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(owner, flash)]
    user: Option<String>,
}

fn main() {}
