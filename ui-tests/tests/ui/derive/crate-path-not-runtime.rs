use session_runtime::Session;

mod framework {
    pub mod session {}
}

#[derive(Session)]
#[session(crate = "framework::session")]
struct App {
    user: Option<String>,
}

fn main() {}
