use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(flsh)]
    notice: Option<String>,
}

fn main() {}
