use session_runtime::Session;

#[derive(Session)]
struct App {
    visits: u32 = 5,
}

fn main() {}
