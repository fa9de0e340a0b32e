use session_runtime::Session;

#[derive(Session)]
struct App {
    #[serde(default = "guest", alias = "u")]
    user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
}

fn guest() -> Option<String> {
    None
}

fn main() {}
