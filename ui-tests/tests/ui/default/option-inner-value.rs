use session_runtime::Session;

fn guest() -> String {
    "guest".to_owned()
}

#[derive(Session)]
struct App {
    #[session(default = "guest")]
    user: Option<String>,
}

fn main() {}
