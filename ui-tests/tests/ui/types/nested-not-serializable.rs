use session_runtime::Session;

struct Opaque;

#[derive(Session)]
struct App {
    // The bound fails inside `Option<_>`: rustc reports serde's own wording
    // on the field type (the runtime's message applies to the field type).
    maybe: Option<Opaque>,
}

fn main() {}
