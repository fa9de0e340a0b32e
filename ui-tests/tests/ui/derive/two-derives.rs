use session_runtime::Session;

#[derive(Session)]
#[derive(Session)]
struct App {
    user: Option<String>,
}

fn main() {}
