use session_runtime::Session;

struct Opaque;

#[derive(Session)]
struct App {
    #[session(flash)]
    notice: Option<Opaque>,
}

fn main() {}
