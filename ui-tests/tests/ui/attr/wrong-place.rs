use session_runtime::Session;

#[derive(Session)]
#[session(flash)]
struct App {
    #[session(rename_all = "camelCase")]
    user_id: Option<u64>,
}

fn main() {}
