use session_runtime::Session;

fn start(n: u32) -> u32 {
    n
}

#[derive(Session)]
struct App {
    #[session(default = "start")]
    visits: u32,
}

fn main() {}
