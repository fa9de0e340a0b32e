use session_runtime::Session;

#[derive(Session)]
struct App {
    #[session(default = "strat")]
    visits: u32,
}

fn main() {}
