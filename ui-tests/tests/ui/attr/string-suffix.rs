use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(rename = "user"suffix)]
    user: Option<String>,
}

fn main() {}
