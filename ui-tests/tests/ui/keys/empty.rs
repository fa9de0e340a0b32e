use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(rename = "")]
    user: Option<String>,
}

fn main() {}
