use session_runtime::Session;

#[derive(Session)]
struct App {
    name: Option<String>,
    set_name: Option<bool>,
}

fn main() {}
