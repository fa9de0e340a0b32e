use session_runtime::Session;

#[derive(Session)]
#[session(max_age = "1h", idle_timeout = "2h")]
struct App {
    user: Option<String>,
}

fn main() {}
