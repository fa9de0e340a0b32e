use std::cell::{Cell, RefCell};
use std::rc::Rc;

use session_runtime::Session;

#[derive(Session)]
struct App {
    name: Option<Rc<String>>,
    count: Cell<u32>,
    names: RefCell<Vec<String>>,
}

fn main() {}
