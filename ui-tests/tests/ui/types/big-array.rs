use session_runtime::Session;

#[derive(Session)]
struct App {
    bytes: [u8; 64],
}

fn main() {}
