use session_runtime::Session;

#[derive(Session)]
struct App {
    name: &'static str,
    bytes: Option<&'static [u8]>,
}

fn main() {}
