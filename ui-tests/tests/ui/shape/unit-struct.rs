use session_runtime::Session;

#[derive(Session)]
struct App;

fn main() {}
