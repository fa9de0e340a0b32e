use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(default = "String")]
    name: String,
}

fn main() {}
