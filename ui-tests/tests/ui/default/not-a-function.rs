use session_runtime::Session;

const START: u32 = 1;

#[derive(Session)]
struct App {
    #[session(default = "START")]
    visits: u32,
}

fn main() {}
