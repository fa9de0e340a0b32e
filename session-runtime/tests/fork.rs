//! After `fork()`, every process must draw its own nonces, IVs and session
//! ids (issue 12, finding 1).
//!
//! Runs without the libtest harness (`harness = false`): libtest runs tests
//! on worker threads, and `safe_fork` refuses to fork a multi-threaded
//! process (forking one is unsound). The parent uses every generator first,
//! so that their per-thread state exists and is copied into the children;
//! then three children and the parent draw again, and every draw must
//! differ from every other.

#[cfg(unix)]
fn main() {
    use std::collections::HashSet;
    use std::io::{Read as _, Write as _};

    let config = draws::native_config();
    let mut all = vec![draws::draw(&config)];
    for _ in 0..3 {
        let (mut reader, writer) = std::io::pipe().expect("pipe");
        let child = safe_fork::fork_spawn(|| {
            let line = draws::draw(&config);
            i32::from((&writer).write_all(line.as_bytes()).is_err())
        })
        .expect("fork (the test process must be single-threaded)");
        drop(writer);
        let mut line = String::new();
        reader.read_to_string(&mut line).expect("read");
        let status = child.join().expect("wait");
        assert!(status.success(), "child failed: {status}");
        assert!(!line.is_empty(), "the child wrote nothing");
        all.push(line);
    }
    // The parent's next draws after the forks must not be a child's either.
    all.push(draws::draw(&config));

    let kinds = all[0].split(' ').count();
    let mut failed = 0;
    for kind in 0..kinds {
        let values: Vec<&str> = all
            .iter()
            .map(|line| line.split(' ').nth(kind).expect("same shape"))
            .collect();
        let distinct: HashSet<&&str> = values.iter().collect();
        if distinct.len() != values.len() {
            eprintln!("repeated across fork: {values:#?}");
            failed += 1;
        }
    }
    println!("fork: {} passed, {failed} failed", kinds - failed);
    assert_eq!(failed, 0, "draws repeated across fork(): {all:#?}");
}

#[cfg(not(unix))]
fn main() {
    println!("fork: 0 passed, 0 failed");
}

#[cfg(unix)]
mod draws {
    use std::fmt::Write as _;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use session_runtime::{Key, Session, SessionConfig, generate_id};

    #[derive(Session)]
    #[session(cookie = "sid")]
    pub(crate) struct App {
        visits: u32,
    }

    pub(crate) fn native_config() -> SessionConfig<App> {
        SessionConfig::<App>::new(Key::derive([7u8; 32]).expect("key"))
    }

    /// One space-separated line: a seal's nonce, a session id, and with the
    /// `h3` feature an h3 id (UUID v4) and an iron seal's IV.
    pub(crate) fn draw(config: &SessionConfig<App>) -> String {
        let mut session = Session::<App>::new(config);
        session.set_visits(1);
        let sealed = session.seal(config).expect("seal");
        let frame = URL_SAFE_NO_PAD.decode(sealed).expect("base64url");
        let nonce = frame[5..17].iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        let line = format!("nonce:{nonce} id:{}", generate_id());
        #[cfg(feature = "h3")]
        let line = line + &h3_draws();
        line
    }

    /// An h3 session's id and its iron seal's IV (a new configuration each
    /// time: its sealing salts are random too, but all draws share this
    /// thread's generator).
    #[cfg(feature = "h3")]
    fn h3_draws() -> String {
        use session_runtime::h3::H3Version;
        let h3 = SessionConfig::<App>::h3(H3Version::V1, "p".repeat(32)).expect("h3 config");
        let mut session = Session::<App>::new(&h3);
        session.set_visits(1);
        let sealed = session.seal(&h3).expect("h3 seal");
        let iv = sealed.split('*').nth(3).expect("iron iv field");
        format!(" uuid:{} iv:{iv}", session.id())
    }
}
