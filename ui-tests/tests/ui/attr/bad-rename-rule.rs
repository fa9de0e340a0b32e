use session_runtime::Session;

#[derive(Session)]
#[session(rename_all = "camelcase")]
struct App {
    user_id: Option<u64>,
}

fn main() {}
