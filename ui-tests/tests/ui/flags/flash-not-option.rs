use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(flash)]
    notice: String,
}

fn main() {}
