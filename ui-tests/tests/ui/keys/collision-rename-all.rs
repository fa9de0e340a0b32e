use session_runtime::Session;

#[derive(Session)]
#[session(rename_all = "camelCase")]
struct App {
    #[session(rename = "userId")]
    account: Option<u64>,
    user_id: Option<u64>,
}

fn main() {}
