use session_runtime::Session;

#[derive(Session)]
#[repr(C, packed)]
struct App {
    visits: u32,
}

fn main() {}
