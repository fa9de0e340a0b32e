use std::borrow::Cow;

use session_runtime::Session;

#[derive(Session)]
struct App {
    name: Cow<'a, str>,
}

fn main() {}
