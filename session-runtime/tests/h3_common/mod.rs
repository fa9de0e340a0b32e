//! Shared by the h3 interop tests: the node harness in `interop/h3` (real h3 v1 and
//! v2), bounded child processes, and a small blocking HTTP client for loopback.
//!
//! The harness must be installed (`interop/h3/setup.sh`); the tests fail, not skip,
//! without it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use session_runtime::h3::H3Version;

pub const P: &str = "1234567123456712345671234567123456712345671234567";
const MAX_INPUT: usize = 64 * 1024;
const MAX_OUTPUT: u64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_mins(1);

pub fn flag(v: H3Version) -> &'static str {
    match v {
        H3Version::V1 => "v1",
        H3Version::V2 => "v2",
    }
}

pub fn harness_dir() -> PathBuf {
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

/// h3's `sealSession` of `session` (JSON text).
pub fn h3_seal(v: H3Version, password: &str, session: &str, extra: &[&str]) -> String {
    let mut args = vec!["seal", "--version", flag(v), "--password", password];
    args.extend_from_slice(extra);
    node("cli.mjs", &args, session).unwrap_or_else(|e| panic!("h3 {v:?} seal failed: {e}"))
}

/// h3's `unsealSession`: `Ok((JSON.stringify(session), legacy))` or `Err(message)`.
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
pub struct NodeServer {
    child: Child,
    _stdin: ChildStdin,
    pub addr: SocketAddr,
}

impl NodeServer {
    /// Starts `node <script> <args> --port 0 --lifetime-ms 60000` and waits for its
    /// `listening <port>` line.
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
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (lowercased names) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn set_cookies(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value of the one `h3` cookie this response sets, if it sets one.
    pub fn h3_cookie(&self) -> Option<String> {
        let cookies = self.set_cookies();
        assert!(cookies.len() <= 1, "more than one Set-Cookie: {cookies:?}");
        cookies.first().map(|c| {
            let pair = c.split(';').next().unwrap_or("");
            pair.strip_prefix("h3=")
                .unwrap_or_else(|| panic!("not an h3 cookie: {c}"))
                .to_owned()
        })
    }
}

/// `GET path` on `addr` with `headers`, over one bounded connection.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    (&mut stream)
        .take(MAX_OUTPUT)
        .read_to_end(&mut raw)
        .expect("read response");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    for _ in 0..10_000 {
        let Some((size, rest)) = body.split_once("\r\n") else {
            break;
        };
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
