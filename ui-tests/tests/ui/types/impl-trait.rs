use session_runtime::Session;

#[derive(Session)]
struct App {
    name: impl std::fmt::Display,
}

fn main() {}
