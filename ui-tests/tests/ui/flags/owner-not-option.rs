use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(owner)]
    user: String,
}

fn main() {}
