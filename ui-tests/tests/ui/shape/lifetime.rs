use session_runtime::Session;

#[derive(Session)]
struct App<'a> {
    user: &'a str,
}

fn main() {}
