use session_runtime::Session;

#[derive(Session)]
struct App {
    __x: Option<u32>,
    #[session(rename = "__f")]
    f: Option<u32>,
}

fn main() {}
