use session_runtime::Session;

#[derive(Session)]
#[session(cookie = "my session")]
struct App {
    user: Option<String>,
}

fn main() {}
