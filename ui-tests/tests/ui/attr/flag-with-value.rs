use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(flash = true)]
    notice: Option<String>,
}

fn main() {}
