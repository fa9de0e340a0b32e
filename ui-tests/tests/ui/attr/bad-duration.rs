use session_runtime::Session;

#[derive(Session)]
#[session(max_age = "7x", idle_timeout = "30")]
struct App {
    user: Option<String>,
}

fn main() {}
