use session_runtime::Session;

#[derive(Session)]
struct App {
    value: Option<Box<dyn std::fmt::Debug>>,
}

fn main() {}
