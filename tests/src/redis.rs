//! A private `redis-server` for a test: on a free loopback port, in its own
//! temporary directory, with append-only persistence, stopped when dropped
//! (and, should the test process die, when its stdin closes). Optionally
//! with a password and TLS only ([`RedisOptions`]).
//!
//! `scripts/setup.sh` installs `redis-server` (Debian's, built with TLS);
//! without it these tests fail, they do not skip.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tls::ServerCert;

/// How long a server may take to start or stop.
const STARTUP: Duration = Duration::from_secs(20);

/// How a [`RedisServer`] is set up (the default: no password, plain TCP).
#[derive(Clone, Debug, Default)]
pub struct RedisOptions {
    /// Clients must authenticate with this password (`requirepass`, the
    /// `default` user's).
    pub password: Option<String>,
    /// Serve TLS only (`--tls-port`, `--port 0`) with this certificate;
    /// clients are not asked for one.
    pub tls: Option<ServerCert>,
}

/// A running `redis-server`.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<(Child, ChildStdin)>,
    port: u16,
    dir: PathBuf,
    options: RedisOptions,
}

impl RedisServer {
    /// Starts a server on a free port in a new temporary directory.
    ///
    /// # Panics
    /// If `redis-server` is missing or does not answer within 20 s.
    pub fn start() -> Self {
        Self::start_with(RedisOptions::default())
    }

    /// Starts a server set up as `options` says, on a free port in a new
    /// temporary directory (which also holds its certificate and key).
    ///
    /// # Panics
    /// If `redis-server` is missing or does not answer within 20 s.
    pub fn start_with(options: RedisOptions) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir =
            std::env::temp_dir().join(format!("session-tests-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        if let Some(tls) = &options.tls {
            std::fs::write(dir.join("tls.crt"), &tls.cert_pem).expect("write the certificate");
            std::fs::write(dir.join("tls.key"), &tls.key_pem).expect("write the key");
            std::fs::write(dir.join("ca.crt"), &tls.ca_pem).expect("write the CA");
        }
        let mut server = Self {
            child: None,
            port,
            dir,
            options,
        };
        server.restart();
        server
    }

    /// The server's URL: `rediss://` with TLS, with the password (as
    /// `:password@`) when there is one.
    pub fn url(&self) -> String {
        let scheme = if self.options.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        let auth = self
            .options
            .password
            .as_ref()
            .map(|password| format!(":{}@", percent_encode(password)))
            .unwrap_or_default();
        format!("{scheme}://{auth}127.0.0.1:{}/", self.port)
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
        let mut server = vec![
            "redis-server".to_owned(),
            "--bind".to_owned(),
            "127.0.0.1".to_owned(),
            "--dir".to_owned(),
            self.dir.display().to_string(),
        ];
        server.extend(
            "--appendonly yes --appendfsync always --daemonize no --loglevel warning --save"
                .split(' ')
                .map(str::to_owned),
        );
        server.push(String::new());
        if self.options.tls.is_some() {
            let file = |name: &str| self.dir.join(name).display().to_string();
            server.extend([
                "--port".to_owned(),
                "0".to_owned(),
                "--tls-port".to_owned(),
                self.port.to_string(),
                "--tls-cert-file".to_owned(),
                file("tls.crt"),
                "--tls-key-file".to_owned(),
                file("tls.key"),
                // redis wants a CA even when it asks clients for no
                // certificate; redis-cli trusts the same one.
                "--tls-ca-cert-file".to_owned(),
                file("ca.crt"),
                "--tls-auth-clients".to_owned(),
                "no".to_owned(),
            ]);
        } else {
            server.extend(["--port".to_owned(), self.port.to_string()]);
        }
        if let Some(password) = &self.options.password {
            server.extend(["--requirepass".to_owned(), password.clone()]);
        }
        let script = format!(
            "{server} & pid=$!; cat >/dev/null; {cli} shutdown nosave >/dev/null 2>&1 || kill $pid; wait $pid",
            server = shell_words(&server),
            cli = shell_words(&self.cli_command()),
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

    /// Whether the server answers `PING` (or asks for the password).
    fn answers(&self) -> bool {
        if self.options.tls.is_some() {
            return self.cli(&["ping"]) == "PONG";
        }
        let Ok(mut stream) = TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).is_ok()
            && (line.starts_with("+PONG") || line.starts_with("-NOAUTH"))
    }

    /// `redis-cli` with the arguments that reach this server: its port, the
    /// password, TLS.
    fn cli_command(&self) -> Vec<String> {
        let mut command = vec![
            "redis-cli".to_owned(),
            "-p".to_owned(),
            self.port.to_string(),
        ];
        if let Some(password) = &self.options.password {
            command.extend([
                "--no-auth-warning".to_owned(),
                "-a".to_owned(),
                password.clone(),
            ]);
        }
        if self.options.tls.is_some() {
            command.extend([
                "--tls".to_owned(),
                "--cacert".to_owned(),
                self.dir.join("ca.crt").display().to_string(),
            ]);
        }
        command
    }

    /// `INFO commandstats` as (command, calls) pairs, e.g. `("evalsha", 12)`.
    ///
    /// # Panics
    /// If the server does not answer.
    pub fn command_calls(&self) -> Vec<(String, u64)> {
        self.cli(&["info", "commandstats"])
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
        let command = self.cli_command();
        let output = Command::new(&command[0])
            .args(&command[1..])
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

/// `words` as one line of `sh`, each single-quoted.
fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` percent-encoded for a URL's user info: every byte but
/// unreserved ones (RFC 3986).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
