use session_runtime::Session;

#[derive(Session)]
#[session(cookie = "sid")]
#[session(cookie = "sid2")]
struct App {
    #[session(rename = "a", rename = "b")]
    user: Option<String>,
}

fn main() {}
