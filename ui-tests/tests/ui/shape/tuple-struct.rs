use session_runtime::Session;

#[derive(Session)]
struct App(String, u32);

fn main() {}
