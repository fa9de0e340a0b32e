use session_runtime::Session;

#[derive(Session)]
struct App {
    user: Option<String>,
    user: Option<String>,
}

fn main() {}
