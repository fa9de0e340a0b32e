use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session]
    user: Option<String>,
    #[session = "flash"]
    notice: Option<String>,
}

fn main() {}
