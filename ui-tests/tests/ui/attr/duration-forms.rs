use session_runtime::Session;

#[derive(Session)]
#[session(max_age = "-7d")]
struct Negative {
    user: Option<String>,
}

#[derive(Session)]
#[session(max_age = "1.5h")]
struct Fractional {
    user: Option<String>,
}

#[derive(Session)]
#[session(max_age = "1h 30m")]
struct Spaces {
    user: Option<String>,
}

#[derive(Session)]
#[session(max_age = 3600)]
struct Integer {
    user: Option<String>,
}

fn main() {}
