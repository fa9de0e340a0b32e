use session_runtime::Session;

#[derive(Default)]
struct Opaque;

#[derive(Session)]
struct App {
    user: Option<String>,
    bad: Opaque,
}

fn main() {}
