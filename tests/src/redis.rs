//! A private `redis-server` for a test: on a free loopback port, in its own
//! temporary directory, with append-only persistence, stopped when dropped
//! (and, should the test process die, when its stdin closes).
//!
//! `scripts/setup.sh` installs `redis-server`; without it these tests fail,
//! they do not skip.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to start or stop.
const STARTUP: Duration = Duration::from_secs(20);

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<(Child, ChildStdin)>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free port in a new temporary directory.
    ///
    /// # Panics
    /// If `redis-server` is missing or does not answer within 20 s.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir =
            std::env::temp_dir().join(format!("session-tests-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = Self {
            child: None,
            port,
            dir,
        };
        server.restart();
        server
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Its data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the server (its data stays in its directory).
    ///
    /// # Panics
    /// If it does not stop within 20 s.
    pub fn stop(&mut self) {
        let Some((mut child, stdin)) = self.child.take() else {
            return;
        };
        // The wrapper shell shuts redis down when its stdin closes.
        drop(stdin);
        let started = Instant::now();
        loop {
            if child.try_wait().expect("wait for redis").is_some() {
                break;
            }
            assert!(started.elapsed() < STARTUP, "redis-server did not stop");
            std::thread::sleep(Duration::from_millis(10));
        }
        // The port is free once nothing answers there.
        while TcpStream::connect_timeout(&self.addr(), Duration::from_millis(100)).is_ok() {
            assert!(started.elapsed() < STARTUP, "redis-server still answers");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the server again on the same port and directory (after
    /// [`stop`](Self::stop)), with the data it had persisted.
    ///
    /// # Panics
    /// If it does not answer within 20 s.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        // A shell owns redis-server and stops it (SHUTDOWN NOSAVE keeps the
        // append-only file) when the test closes its stdin, or dies.
        let script = format!(
            "redis-server --port {port} --bind 127.0.0.1 --dir '{dir}' --appendonly yes --appendfsync always --save '' --daemonize no --loglevel warning & pid=$!; \
             cat >/dev/null; redis-cli -p {port} shutdown nosave >/dev/null 2>&1 || kill $pid; wait $pid",
            port = self.port,
            dir = self.dir.display()
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sh (to run redis-server, installed by scripts/setup.sh)");
        let stdin = child.stdin.take().expect("piped stdin");
        self.child = Some((child, stdin));
        let started = Instant::now();
        while !self.answers() {
            assert!(
                started.elapsed() < STARTUP,
                "redis-server did not answer on port {} (is it installed? run scripts/setup.sh)",
                self.port
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the server answers `PING`.
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("+PONG")
    }

    /// `INFO commandstats` as (command, calls) pairs, e.g. `("evalsha", 12)`.
    ///
    /// # Panics
    /// If the server does not answer.
    pub fn command_calls(&self) -> Vec<(String, u64)> {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "info", "commandstats"])
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix("cmdstat_")?;
                let (name, stats) = rest.split_once(':')?;
                let calls = stats
                    .split(',')
                    .find_map(|s| s.strip_prefix("calls="))?
                    .parse()
                    .ok()?;
                Some((name.to_owned(), calls))
            })
            .collect()
    }

    /// Runs `redis-cli` with `args` against the server; its output.
    ///
    /// # Panics
    /// If `redis-cli` cannot run.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
