use session_runtime::Session;

#[derive(Session)]
struct App<T> {
    user: Option<T>,
}

fn main() {}
