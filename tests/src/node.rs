//! The node harness in `interop/h3`: the real h3 v1 and v2 npm packages, run as
//! bounded child processes (input, output and time are limited), for the h3
//! interop tests. HTTP to a [`NodeServer`] goes through the one client of
//! [`crate::http`].
//!
//! The harness must be installed (`interop/h3/setup.sh`); the tests fail, not skip,
//! without it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use session_runtime::h3::H3Version;

use crate::http::Server;

/// h3's test password (49 characters), the one of the known-answer vectors.
pub const P: &str = "1234567123456712345671234567123456712345671234567";
/// The most a harness script is given on stdin.
const MAX_INPUT: usize = 64 * 1024;
/// The most read from a script's stdout or stderr.
const MAX_OUTPUT: u64 = 1024 * 1024;
/// How long a script may run, or a server take to start listening.
const TIMEOUT: Duration = Duration::from_mins(1);

/// The harness's `--version` value for `v`.
pub fn flag(v: H3Version) -> &'static str {
    match v {
        H3Version::V1 => "v1",
        H3Version::V2 => "v2",
    }
}

/// `interop/h3`, checked to hold both h3 packages.
///
/// # Panics
/// If the harness is not installed (`interop/h3/setup.sh` has not run).
pub fn harness_dir() -> PathBuf {
    // This package is `tests/`, next to `interop/`.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/h3");
    for package in ["h3", "h3-v2"] {
        let manifest = dir.join("node_modules").join(package).join("package.json");
        assert!(
            manifest.is_file(),
            "the h3 interop harness is not installed ({} is missing): run interop/h3/setup.sh",
            manifest.display()
        );
    }
    dir
}

/// Runs `node <script> <args>` in the harness with `input` on stdin, bounded in time
/// and output; `Ok(stdout)` on exit 0, `Err(stderr)` on exit 1, a panic otherwise.
///
/// # Errors
/// What the script printed on stderr when it exits with 1 (h3's error message).
///
/// # Panics
/// If node cannot run, `input` is over 64 KiB, the script runs over a minute,
/// prints what is not UTF-8, or exits otherwise than with 0 or 1.
pub fn node(script: &str, args: &[&str], input: &str) -> Result<String, String> {
    assert!(input.len() <= MAX_INPUT, "harness input too large");
    let mut child = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(harness_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node (needed by interop/h3): {e}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("write harness stdin");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut buf = String::new();
        (&mut stdout)
            .take(MAX_OUTPUT)
            .read_to_string(&mut buf)
            .map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = String::new();
        (&mut stderr)
            .take(MAX_OUTPUT)
            .read_to_string(&mut buf)
            .map(|_| buf)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("node {script} {args:?} timed out");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = out.join().expect("stdout reader").expect("utf-8 stdout");
    let err = err.join().expect("stderr reader").expect("utf-8 stderr");
    match status.code() {
        Some(0) => Ok(out.trim_end_matches('\n').to_owned()),
        Some(1) => Err(err.trim_end().trim_start_matches("error: ").to_owned()),
        _ => panic!("node {script} {args:?} failed ({status}): {err}"),
    }
}

/// h3's `sealSession` of `session` (JSON text); `extra` are more `cli.mjs`
/// options (`--now`, `--max-age`, fixed salts and IV, `--seal-id`).
///
/// # Panics
/// If h3 fails to seal, or as [`node`].
pub fn h3_seal(v: H3Version, password: &str, session: &str, extra: &[&str]) -> String {
    let mut args = vec!["seal", "--version", flag(v), "--password", password];
    args.extend_from_slice(extra);
    node("cli.mjs", &args, session).unwrap_or_else(|e| panic!("h3 {v:?} seal failed: {e}"))
}

/// h3's `unsealSession`: `Ok((JSON.stringify(session), legacy))` or `Err(message)`.
///
/// # Errors
/// h3's error message when it rejects `sealed`.
///
/// # Panics
/// If the harness prints something else than its JSON, or as [`node`].
pub fn h3_unseal(
    v: H3Version,
    password: &str,
    sealed: &str,
    extra: &[&str],
) -> Result<(String, bool), String> {
    let mut args = vec!["unseal", "--version", flag(v), "--password", password];
    args.extend_from_slice(extra);
    let out = node("cli.mjs", &args, sealed)?;
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("harness prints JSON");
    Ok((
        parsed["json"].as_str().expect("json field").to_owned(),
        parsed["legacy"].as_bool().expect("legacy field"),
    ))
}

/// A node server from the harness, killed when dropped; it also exits by itself
/// when its stdin closes or its lifetime runs out.
#[derive(Debug)]
pub struct NodeServer {
    child: Child,
    _stdin: ChildStdin,
    /// Where it listens.
    pub server: Server,
}

impl NodeServer {
    /// Starts `node <script> <args> --port 0 --lifetime-ms 60000` and waits
    /// (blocking, at most a minute) for its `listening <port>` line.
    ///
    /// # Panics
    /// If node cannot run, or the script does not start listening in time.
    pub fn start(script: &str, args: &[&str]) -> Self {
        let mut child = Command::new("node")
            .arg(script)
            .args(args)
            .args(["--port", "0", "--lifetime-ms", "60000"])
            .current_dir(harness_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node (needed by interop/h3): {e}"));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout.take(4096)).read_line(&mut line);
            let _ = tx.send(line);
        });
        let Ok(line) = rx.recv_timeout(TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("node {script} did not start listening");
        };
        let Some(port) = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse::<u16>().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("node {script} printed {line:?} instead of `listening <port>`");
        };
        Self {
            child,
            _stdin: stdin,
            server: Server::at(SocketAddr::from(([127, 0, 0, 1], port))),
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
