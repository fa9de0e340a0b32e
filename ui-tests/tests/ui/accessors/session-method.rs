use session_runtime::Session;

#[derive(Session)]
struct App {
    id: Option<u64>,
    data: Option<String>,
}

fn main() {}
