use session_runtime::Session;

#[derive(Session)]
#[session(crate = "not a path!")]
struct App {
    user: Option<String>,
}

fn main() {}
