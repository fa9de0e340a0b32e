//! A small `WebDriver` client: real headless Chromium, driven through
//! `chromedriver` with the W3C `WebDriver` JSON protocol over HTTP (the
//! harness's `reqwest`), for the tests that use an app as a person does.
//!
//! [`Browser::start`] starts `chromedriver` on a free loopback port (a child
//! process) and opens a session in a new Chromium with an empty profile. The
//! browser navigates ([`Browser::goto`]), finds elements by CSS selector
//! ([`Browser::find`]), types into them and clicks them ([`Element`]), reads
//! the page ([`Browser::text`], [`Browser::source`], [`Browser::url`]), its
//! cookies ([`Browser::cookies`], [`Browser::add_cookie`]) and takes screenshots
//! ([`Browser::screenshot`]). Dropping it deletes the session (Chromium
//! quits), stops `chromedriver` and removes the profile.
//!
//! Every wait is bounded: a `WebDriver` command by [`COMMAND_TIMEOUT`], a page
//! load by [`PAGE_LOAD_TIMEOUT`], the start of the driver and of the browser
//! by [`STARTUP`], and [`Browser::wait_for_text`] by [`WAIT`].
//!
//! Chromium runs headless, without sandbox (the tests may run as root),
//! without GPU, QUIC, proxy, first-run pages, background networking,
//! component updates or sync, and it resolves no host name but `localhost`
//! (and those a test maps to `127.0.0.1`, [`Browser::start_with_hosts`]):
//! the machines the tests run on have no network beyond loopback, and the
//! browser reaches nothing else.
//!
//! `scripts/setup.sh` installs Debian's `chromium` and `chromium-driver`;
//! without them the tests fail, they do not skip.
//!
//! ```no_run
//! # async fn demo(base: String) {
//! use session_tests::browser::Browser;
//!
//! let browser = Browser::start().await;
//! browser.goto(&format!("{base}/")).await;
//! browser.find("input[name=username]").await.type_text("ada").await;
//! browser.find("form button").await.click().await;
//! let text = browser.wait_for_text("Welcome, ada!").await;
//! # }
//! ```

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

/// How long `chromedriver`, then a new browser session, may take to start.
pub const STARTUP: Duration = Duration::from_mins(1);

/// How long one `WebDriver` command may take (a page load included).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the browser may take to load a page.
pub const PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// How long [`Browser::wait_for_text`] waits.
pub const WAIT: Duration = Duration::from_secs(10);

/// The browser window's size, in CSS pixels (headless Chromium takes its
/// frame off it: the page, and so a screenshot, was 800 x 457 with
/// Chromium 156).
pub const WINDOW: (u32, u32) = (800, 600);

/// The W3C name of an element reference in a `WebDriver` answer.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How many free ports `chromedriver` is tried on (another process may take
/// a port between the test finding it free and the driver binding it).
const DRIVER_ATTEMPTS: usize = 3;

/// The flags Chromium runs with (besides its profile, window size and host
/// resolver rules): headless and quiet, reaching nothing but the pages it is
/// sent to.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
];

/// Makes the profile directories of one test process distinct.
static PROFILES: AtomicUsize = AtomicUsize::new(0);

/// `program` on the `PATH`.
///
/// # Panics
/// If it is not there, with a message saying to run `scripts/setup.sh`.
pub fn program(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is not installed (the browser tests need Debian's chromium and \
                 chromium-driver): run scripts/setup.sh"
            )
        })
}

/// `target/screenshots/` of the workspace (created), where the tests keep
/// their screenshots for people to look at.
///
/// # Panics
/// If the directory cannot be created.
pub fn screenshot_dir() -> PathBuf {
    // This package is `tests/`, in the workspace root.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir.canonicalize().expect("the screenshot directory")
}

/// A cookie as the browser keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Its path.
    pub path: String,
    /// Whether it is sent over HTTPS only (or to a local host).
    pub secure: bool,
    /// Whether scripts cannot read it.
    pub http_only: bool,
    /// Its `SameSite` attribute (`Lax`, `Strict` or `None`).
    pub same_site: Option<String>,
}

/// A headless Chromium driven by its own `chromedriver`.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    driver_addr: SocketAddr,
    session: String,
    chromium_pid: Option<u32>,
    dir: PathBuf,
    http: reqwest::Client,
}

impl Browser {
    /// Starts `chromedriver` and a new headless Chromium with an empty
    /// profile, with [`CHROMIUM_FLAGS`]; it resolves `localhost` only
    /// (and opens IP addresses as they are).
    ///
    /// # Panics
    /// If `chromium` or `chromedriver` is missing ("run scripts/setup.sh"),
    /// or either does not start within [`STARTUP`].
    pub async fn start() -> Self {
        Self::start_with_hosts(&[]).await
    }

    /// As [`start`](Self::start), and the browser resolves each of `hosts`
    /// to `127.0.0.1` (as `/etc/hosts` would a development host name).
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub async fn start_with_hosts(hosts: &[&str]) -> Self {
        let chromium = program("chromium");
        let chromedriver = program("chromedriver");
        let dir = std::env::temp_dir().join(format!(
            "session-tests-browser-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("profile"))
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let http = reqwest::Client::builder()
            .timeout(COMMAND_TIMEOUT)
            .no_proxy()
            .build()
            .expect("build the WebDriver client");

        let (driver, driver_addr) = start_driver(&chromedriver, &dir, &http).await;
        let mut browser = Self {
            driver,
            driver_addr,
            session: String::new(),
            chromium_pid: None,
            dir,
            http,
        };

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|&f| f.to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            browser.dir.join("profile").display()
        ));
        args.push(format!("--window-size={},{}", WINDOW.0, WINDOW.1));
        // Chromium looks up hosts of its own (its extension updates, the
        // default search engine) even with background networking off: it
        // finds none, without asking DNS.
        let mut rules: Vec<String> = hosts
            .iter()
            .map(|host| {
                assert!(
                    host.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
                    "not a host name: {host:?}"
                );
                format!("MAP {host} 127.0.0.1")
            })
            .collect();
        rules.extend(
            ["MAP * ~NOTFOUND", "EXCLUDE localhost", "EXCLUDE 127.0.0.1"].map(str::to_owned),
        );
        args.push(format!("--host-resolver-rules={}", rules.join(", ")));
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": {
                        "implicit": 0,
                        "pageLoad": PAGE_LOAD_TIMEOUT.as_secs() * 1000,
                        "script": COMMAND_TIMEOUT.as_secs() * 1000,
                    },
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": args,
                    },
                }
            }
        });
        let url = format!("http://{}/session", browser.driver_addr);
        let reply = browser
            .http
            .post(url)
            .timeout(STARTUP)
            .header(CONTENT_TYPE, "application/json")
            .body(capabilities.to_string())
            .send()
            .await;
        let value = browser.answer("new session", reply).await;
        value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {value}"))
            .clone_into(&mut browser.session);
        browser.chromium_pid = value["capabilities"]["goog:processID"]
            .as_u64()
            .and_then(|pid| u32::try_from(pid).ok());
        browser
    }

    /// Opens `url` and waits for the page to load.
    ///
    /// # Panics
    /// If the page does not load within [`PAGE_LOAD_TIMEOUT`].
    pub async fn goto(&self, url: &str) {
        self.post("url", json!({ "url": url })).await;
    }

    /// Reloads the page.
    ///
    /// # Panics
    /// If the page does not load in time.
    pub async fn refresh(&self) {
        self.post("refresh", json!({})).await;
    }

    /// The URL of the page shown (after redirects).
    ///
    /// # Panics
    /// If the browser does not answer.
    pub async fn url(&self) -> String {
        string(self.get("url").await)
    }

    /// The page's title.
    ///
    /// # Panics
    /// If the browser does not answer.
    pub async fn title(&self) -> String {
        string(self.get("title").await)
    }

    /// The page's HTML as the browser has it now.
    ///
    /// # Panics
    /// If the browser does not answer.
    pub async fn source(&self) -> String {
        string(self.get("source").await)
    }

    /// The page's visible text (its `body`'s).
    ///
    /// # Panics
    /// If the page has no `body`, or the browser does not answer.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await
    }

    /// Waits, at most [`WAIT`], for the page's visible text to contain
    /// `needle`, and returns the text.
    ///
    /// # Panics
    /// If it does not, with the URL and the text the page has.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            // The body may be replaced by a navigation between finding it
            // and reading it: look again.
            if let Some(text) = self.try_text().await
                && text.contains(needle)
            {
                return text;
            }
            assert!(
                started.elapsed() <= WAIT,
                "{needle:?} did not show within {WAIT:?}: {} shows {:?}",
                self.url().await,
                self.try_text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The body's text, `None` while there is no body.
    async fn try_text(&self) -> Option<String> {
        let body = self.try_find("body").await?;
        let reply = self
            .http
            .get(self.command(&format!("element/{}/text", body.id)))
            .send()
            .await
            .ok()?;
        let value = read_json(reply).await.ok()?;
        value["value"].as_str().map(str::to_owned)
    }

    /// The first element matching the CSS `selector`.
    ///
    /// # Panics
    /// If there is none, with the URL and the page's text.
    pub async fn find(&self, selector: &str) -> Element<'_> {
        match self.try_find(selector).await {
            Some(element) => element,
            None => panic!(
                "no element matches {selector:?} on {}: the page shows {:?}",
                self.url().await,
                self.try_text().await
            ),
        }
    }

    /// The first element matching `selector`, if any.
    ///
    /// # Panics
    /// If the browser answers with an error other than "no such element".
    pub async fn try_find(&self, selector: &str) -> Option<Element<'_>> {
        let reply = self
            .http
            .post(self.command("element"))
            .header(CONTENT_TYPE, "application/json")
            .body(json!({ "using": "css selector", "value": selector }).to_string())
            .send()
            .await;
        match reply {
            Ok(reply) if reply.status() == reqwest::StatusCode::NOT_FOUND => {
                let value = read_json(reply).await.unwrap_or_default();
                let error = value["value"]["error"].as_str().unwrap_or_default();
                assert!(
                    matches!(error, "no such element" | "stale element reference"),
                    "find {selector:?}: {}",
                    brief(&value["value"])
                );
                None
            }
            reply => {
                let value = self.answer(&format!("find {selector:?}"), reply).await;
                Some(self.element(&value))
            }
        }
    }

    /// Every element matching the CSS `selector`, in document order.
    ///
    /// # Panics
    /// If the browser does not answer.
    pub async fn find_all(&self, selector: &str) -> Vec<Element<'_>> {
        let value = self
            .post(
                "elements",
                json!({ "using": "css selector", "value": selector }),
            )
            .await;
        value
            .as_array()
            .unwrap_or_else(|| panic!("find all {selector:?}: not a list: {value}"))
            .iter()
            .map(|element| self.element(element))
            .collect()
    }

    /// The cookies the browser would send to the page shown.
    ///
    /// # Panics
    /// If the browser does not answer.
    pub async fn cookies(&self) -> Vec<Cookie> {
        let value = self.get("cookie").await;
        value
            .as_array()
            .unwrap_or_else(|| panic!("cookies: not a list: {value}"))
            .iter()
            .map(|c| Cookie {
                name: string(c["name"].clone()),
                value: string(c["value"].clone()),
                path: c["path"].as_str().unwrap_or("/").to_owned(),
                secure: c["secure"].as_bool().unwrap_or(false),
                http_only: c["httpOnly"].as_bool().unwrap_or(false),
                same_site: c["sameSite"].as_str().map(str::to_owned),
            })
            .collect()
    }

    /// The cookie `name` the browser would send to the page shown.
    ///
    /// # Panics
    /// If the browser does not answer.
    pub async fn cookie(&self, name: &str) -> Option<Cookie> {
        self.cookies().await.into_iter().find(|c| c.name == name)
    }

    /// Gives the browser `cookie` for the page's host, as if the page had
    /// set it (to replay a copy taken earlier).
    ///
    /// # Panics
    /// If the browser refuses it.
    pub async fn add_cookie(&self, cookie: &Cookie) {
        let mut fields = json!({
            "name": cookie.name,
            "value": cookie.value,
            "path": cookie.path,
            "secure": cookie.secure,
            "httpOnly": cookie.http_only,
        });
        if let Some(same_site) = &cookie.same_site {
            fields["sameSite"] = json!(same_site);
        }
        self.post("cookie", json!({ "cookie": fields })).await;
    }

    /// A PNG screenshot of the window, written to `path`.
    ///
    /// # Panics
    /// If the browser does not answer, the answer is not a PNG in base64,
    /// or `path` cannot be written.
    pub async fn screenshot(&self, path: &Path) {
        let value = self.get("screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("screenshot: not base64: {e}"));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "screenshot: not a PNG"
        );
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// An element of an answer.
    fn element(&self, value: &Value) -> Element<'_> {
        Element {
            browser: self,
            id: value[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("not an element: {value}"))
                .to_owned(),
        }
    }

    /// The URL of session command `path`.
    fn command(&self, path: &str) -> String {
        format!(
            "http://{}/session/{}/{path}",
            self.driver_addr, self.session
        )
    }

    /// `GET` session command `path`; its value.
    async fn get(&self, path: &str) -> Value {
        let reply = self.http.get(self.command(path)).send().await;
        self.answer(&format!("GET {path}"), reply).await
    }

    /// `POST` session command `path` with `body`; its value.
    async fn post(&self, path: &str, body: Value) -> Value {
        let reply = self
            .http
            .post(self.command(path))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        self.answer(&format!("POST {path}"), reply).await
    }

    /// The value of a `WebDriver` answer.
    ///
    /// # Panics
    /// On an error: the request's, or the one `WebDriver` answers with (its
    /// name and message, without the stack trace).
    async fn answer(&self, what: &str, reply: Result<reqwest::Response, reqwest::Error>) -> Value {
        let reply = reply.unwrap_or_else(|e| {
            panic!(
                "WebDriver {what}: {e} (chromedriver log: {})",
                self.log_tail()
            )
        });
        let status = reply.status();
        let mut value = read_json(reply)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {what}: {e}"));
        let value = value["value"].take();
        assert!(
            status.is_success(),
            "WebDriver {what}: {status}: {} (chromedriver log: {})",
            brief(&value),
            self.log_tail()
        );
        value
    }

    /// The end of the driver's log, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("chromedriver.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }

    /// Deletes the session (Chromium quits) with a plain blocking HTTP
    /// request, usable from `Drop` in or out of a runtime; whether the
    /// driver said it did.
    fn delete_session(&self) -> bool {
        if self.session.is_empty() {
            return true;
        }
        let Ok(mut stream) = TcpStream::connect_timeout(&self.driver_addr, Duration::from_secs(1))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(COMMAND_TIMEOUT));
        let _ = stream.set_write_timeout(Some(COMMAND_TIMEOUT));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.session, self.driver_addr
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        // The driver answers once the browser has quit, and may keep the
        // connection open after: read the head of the answer only.
        let mut answer = Vec::new();
        let mut buf = [0; 1024];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.len() < 64 * 1024 {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
        answer.starts_with(b"HTTP/1.1 200")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.delete_session()
            && let Some(pid) = self.chromium_pid
        {
            // The driver did not quit the browser, which would outlive it:
            // end the browser this test started, by its id.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An element of the page shown.
#[derive(Debug)]
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl Element<'_> {
    /// Clicks it (and waits for a page load it starts).
    ///
    /// # Panics
    /// If the browser cannot click it (hidden, covered, gone).
    pub async fn click(&self) {
        self.browser
            .post(&format!("element/{}/click", self.id), json!({}))
            .await;
    }

    /// Types `text` into it, key by key, after what it holds.
    ///
    /// # Panics
    /// If it does not take keyboard input.
    pub async fn type_text(&self, text: &str) {
        self.browser
            .post(
                &format!("element/{}/value", self.id),
                json!({ "text": text }),
            )
            .await;
    }

    /// Empties it (a text field).
    ///
    /// # Panics
    /// If it is not editable.
    pub async fn clear(&self) {
        self.browser
            .post(&format!("element/{}/clear", self.id), json!({}))
            .await;
    }

    /// Its visible text.
    ///
    /// # Panics
    /// If it is gone.
    pub async fn text(&self) -> String {
        string(self.browser.get(&format!("element/{}/text", self.id)).await)
    }

    /// Its DOM property `name` (`value` of a field, `href` of a link, as
    /// resolved by the browser), `None` when not set.
    ///
    /// # Panics
    /// If it is gone.
    pub async fn property(&self, name: &str) -> Option<String> {
        let value = self
            .browser
            .get(&format!("element/{}/property/{name}", self.id))
            .await;
        match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        }
    }
}

/// Starts `chromedriver` on a free loopback port, logging to `dir`, and
/// waits for it to be ready.
async fn start_driver(
    chromedriver: &Path,
    dir: &Path,
    http: &reqwest::Client,
) -> (Child, SocketAddr) {
    let log = dir.join("chromedriver.log");
    let mut last = String::new();
    for _ in 0..DRIVER_ATTEMPTS {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {}: {e} (run scripts/setup.sh)",
                    chromedriver.display()
                )
            });
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for chromedriver") {
                // Most likely the port was taken meanwhile: try another.
                last = format!("chromedriver exited ({status}) on port {port}");
                break;
            }
            if started.elapsed() > STARTUP {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromedriver did not get ready on port {port} within {STARTUP:?}");
            }
            let ready = http
                .get(format!("http://{addr}/status"))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if let Ok(reply) = ready
                && let Ok(status) = read_json(reply).await
                && status["value"]["ready"].as_bool() == Some(true)
            {
                return (child, addr);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    panic!("chromedriver did not start: {last}");
}

/// The JSON body of a `WebDriver` answer.
async fn read_json(reply: reqwest::Response) -> Result<Value, String> {
    let body = reply
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("the answer is not JSON: {e}"))
}

/// A string value.
///
/// # Panics
/// If it is not a string.
fn string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => panic!("not a string: {other}"),
    }
}

/// A `WebDriver` error without its stack trace.
fn brief(value: &Value) -> String {
    match (value["error"].as_str(), value["message"].as_str()) {
        (Some(error), Some(message)) => format!("{error}: {message}"),
        _ => value.to_string(),
    }
}
