use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct App {
    user_id: Option<u64>,
}

fn main() {}
