use session_runtime::Session;

fn start() -> String {
    String::new()
}

#[derive(Session)]
struct App {
    #[session(default = "start")]
    visits: u32,
}

fn main() {}
