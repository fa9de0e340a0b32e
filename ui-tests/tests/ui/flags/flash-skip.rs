use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(flash, skip)]
    notice: Option<String>,
}

fn main() {}
