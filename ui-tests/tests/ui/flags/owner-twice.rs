use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(owner)]
    user: Option<String>,
    #[session(owner)]
    account: Option<u64>,
}

fn main() {}
