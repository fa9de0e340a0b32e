use session_runtime::Session;

#[derive(Session)]
struct App {
    user: Option<String>,
    #[session(rename = "user")]
    account: Option<String>,
}

fn main() {}
