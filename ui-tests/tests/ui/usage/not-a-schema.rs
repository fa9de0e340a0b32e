use session_runtime::Session;

struct App {
    user: Option<String>,
}

fn handler(_session: Session<App>) {}

fn main() {}
