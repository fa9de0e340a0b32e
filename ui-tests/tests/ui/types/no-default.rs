use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Serialize, Deserialize)]
struct UserId(u64);

#[derive(Session)]
struct App {
    user: UserId,
}

fn main() {}
