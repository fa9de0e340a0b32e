use session_runtime::Session;

fn start() -> u32 {
    1
}

#[derive(Session)]
struct App {
    #[session(default = "start()")]
    visits: u32,
}

fn main() {}
