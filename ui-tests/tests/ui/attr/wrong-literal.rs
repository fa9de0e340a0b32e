use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(rename = 5)]
    user: Option<String>,
}

fn main() {}
