use session_runtime::Session;

struct Opaque;

#[derive(Session)]
struct App {
    // An `Option` field's inner type is what is checked: the one error is
    // on `Opaque`, in the runtime's words, naming no internal item.
    maybe: Option<Opaque>,
}

fn main() {}
