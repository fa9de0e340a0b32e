use session_runtime::Session;

#[derive(Session)]
union App {
    visits: u32,
    flags: u64,
}

fn main() {}
