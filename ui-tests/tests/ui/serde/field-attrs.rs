use session_runtime::Session;

#[derive(Session)]
struct App {
    #[serde(rename = "u")]
    user: Option<String>,
    #[serde(default)]
    visits: u32,
    #[serde(skip)]
    cache: Option<String>,
}

fn main() {}
