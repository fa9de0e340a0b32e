use session_runtime::Session;

#[derive(Session)]
enum App {
    LoggedIn { user: String },
    Anonymous,
}

fn main() {}
