use session_runtime::Session;

mod framework {}

#[derive(Session)]
#[session(crate = "framework::session")]
struct App {
    user: Option<String>,
}

fn main() {}
