//! The one way the tests start an app and the one HTTP client they use.
//!
//! * [`serve`] starts an axum `Router` on `127.0.0.1:0` in the current tokio
//!   runtime; it stops with the runtime, at the end of the test.
//!   [`serve_actix`] starts an actix-web app on actix's own server
//!   (`HttpServer`, one worker) on `127.0.0.1:0`, in a thread of its own;
//!   it stops when the [`ActixServer`] is dropped.
//! * [`client`] is a reqwest client with a [`TIMEOUT`], with or without a
//!   cookie jar, following redirects or not ([`plain_client`] and
//!   [`jar_client`] are the two usual ones).
//! * [`send`] sends a request and gives a [`Reply`]: the status, every
//!   `Set-Cookie` and the body.
//! * [`Cookies`] keeps cookies by hand, as a browser applies `Set-Cookie`
//!   lines, for tests that look at every line (chunked sessions) or carry
//!   one cookie between two servers.
//!
//! ```no_run
//! # async fn demo(app: axum::Router) {
//! use session_tests::http::{plain_client, send, serve};
//!
//! let server = serve(app).await;
//! let reply = send(plain_client().get(server.url("/"))).await;
//! assert_eq!(reply.status, 200);
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{RequestBuilder, StatusCode, Url};

/// The secret the tests derive their session keys from (32+ bytes).
pub const SECRET: &str = "the secret of the end-to-end tests, 32+ bytes";

/// How long one request may take, connection to last byte of the body.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The largest body [`send`] reads.
pub const MAX_BODY: usize = 1024 * 1024;

/// How many redirects a client that follows them follows.
const MAX_REDIRECTS: usize = 5;

/// An app served on a loopback port.
#[derive(Clone, Debug)]
pub struct Server {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base: String,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl Server {
    /// The address as a base URL (`http://127.0.0.1:<port>`).
    pub fn at(addr: SocketAddr) -> Self {
        Self {
            base: format!("http://{addr}"),
            addr,
        }
    }

    /// The URL of `path` (which starts with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Serves `app` on `127.0.0.1:0` from a task of the current tokio runtime;
/// it stops when the runtime does (at the end of the test).
///
/// # Panics
/// If no loopback port can be bound (or outside a tokio runtime).
pub async fn serve(app: axum::Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server::at(addr)
}

/// An actix-web app served by [`serve_actix`]: the server (`base`, `url`)
/// through `Deref`. Dropping it stops actix's server and waits for its
/// thread.
pub struct ActixServer {
    server: Server,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::ops::Deref for ActixServer {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.server
    }
}

impl Drop for ActixServer {
    fn drop(&mut self) {
        // The command is sent when `stop` is called; its future only
        // waits for the answer, which joining the thread does too.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves the actix-web app `app` builds (once per worker; there is one)
/// on `127.0.0.1:0` with actix's own `HttpServer`, in an actix system on a
/// thread of its own, without OS signal handling; it stops when the
/// returned [`ActixServer`] is dropped.
///
/// # Panics
/// If no loopback port can be bound or the server does not start.
pub fn serve_actix<F, T, B>(app: F) -> ActixServer
where
    F: Fn() -> actix_web::App<T> + Send + Clone + 'static,
    T: actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: actix_web::body::MessageBody + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(app)
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)
                .expect("listen on the bound port")
                .run();
            handle_tx
                .send(server.handle())
                .expect("the test waits for the handle");
            server.await.expect("the actix server runs");
        });
    });
    let handle = handle_rx
        .recv_timeout(TIMEOUT)
        .expect("the actix server starts");
    ActixServer {
        server: Server::at(addr),
        handle,
        thread: Some(thread),
    }
}

/// The client: every request bounded by [`TIMEOUT`]; with `jar`, it keeps
/// cookies as a browser does; with `follow_redirects`, it follows up to 5
/// redirects.
///
/// # Panics
/// If reqwest cannot build a client.
pub fn client(jar: Option<Arc<Jar>>, follow_redirects: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(if follow_redirects {
            Policy::limited(MAX_REDIRECTS)
        } else {
            Policy::none()
        });
    if let Some(jar) = jar {
        builder = builder.cookie_provider(jar);
    }
    builder.build().expect("build the HTTP client")
}

/// A client without cookie jar that does not follow redirects: it sends
/// exactly the headers a test gives it.
pub fn plain_client() -> reqwest::Client {
    client(None, false)
}

/// A client keeping cookies in `jar` and following redirects, as a browser.
pub fn jar_client(jar: &Arc<Jar>) -> reqwest::Client {
    client(Some(Arc::clone(jar)), true)
}

/// A new, empty cookie jar.
pub fn jar() -> Arc<Jar> {
    Arc::new(Jar::default())
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The URL that answered (after redirects).
    pub url: Url,
    /// All headers.
    pub headers: HeaderMap,
    /// Every `Set-Cookie` value, in order.
    pub cookies: Vec<String>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The one `Set-Cookie`, parsed.
    ///
    /// # Panics
    /// Unless the response sets exactly one cookie, and a parseable one.
    pub fn cookie(&self) -> cookie::Cookie<'static> {
        assert_eq!(self.cookies.len(), 1, "{:?}", self.cookies);
        cookie::Cookie::parse(self.cookies[0].clone())
            .unwrap_or_else(|e| panic!("unparseable Set-Cookie {:?}: {e}", self.cookies[0]))
    }

    /// The value of the cookie `name` this response sets, `None` when it
    /// sets no cookie.
    ///
    /// # Panics
    /// If it sets more than one cookie, or one under another name.
    pub fn cookie_value(&self, name: &str) -> Option<String> {
        assert!(
            self.cookies.len() <= 1,
            "more than one Set-Cookie: {:?}",
            self.cookies
        );
        self.cookies.first().map(|_| {
            let cookie = self.cookie();
            assert_eq!(cookie.name(), name, "not a `{name}` cookie: {cookie}");
            cookie.value().to_owned()
        })
    }

    /// `(name, value)` of every `Set-Cookie`, in order.
    ///
    /// # Panics
    /// If a `Set-Cookie` does not parse.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.cookies
            .iter()
            .map(|line| {
                let cookie = cookie::Cookie::parse(line.as_str())
                    .unwrap_or_else(|e| panic!("unparseable Set-Cookie {line:?}: {e}"));
                (cookie.name().to_owned(), cookie.value().to_owned())
            })
            .collect()
    }

    /// The names of every `Set-Cookie`, in order.
    ///
    /// # Panics
    /// As [`pairs`](Self::pairs).
    pub fn cookie_names(&self) -> Vec<String> {
        self.pairs().into_iter().map(|(name, _)| name).collect()
    }

    /// The value of header `name`, if present.
    ///
    /// # Panics
    /// If the value is not visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("a visible-ASCII header"))
    }
}

/// Cookies kept by hand, by name (one path, one host), as a browser keeps
/// them: [`apply`](Self::apply) takes a reply's `Set-Cookie` lines in order
/// (one with `Max-Age=0` removes its cookie), [`header`](Self::header)
/// gives the `Cookie` header that sends them back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cookies(BTreeMap<String, String>);

impl Cookies {
    /// No cookie.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies every `Set-Cookie` of `reply`, in order.
    ///
    /// # Panics
    /// If a `Set-Cookie` does not parse.
    pub fn apply(&mut self, reply: &Reply) {
        for line in &reply.cookies {
            let cookie = cookie::Cookie::parse(line.as_str())
                .unwrap_or_else(|e| panic!("unparseable Set-Cookie {line:?}: {e}"));
            if cookie
                .max_age()
                .is_some_and(cookie::time::SignedDuration::is_zero)
            {
                self.0.remove(cookie.name());
            } else {
                self.0
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    /// The cookies of `reply` alone.
    ///
    /// # Panics
    /// As [`apply`](Self::apply).
    pub fn from_reply(reply: &Reply) -> Self {
        let mut cookies = Self::new();
        cookies.apply(reply);
        cookies
    }

    /// The value of cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Sets cookie `name` (a test tampering with what a browser sends).
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }

    /// Removes cookie `name`, giving its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// The names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }

    /// The `Cookie` header that sends them all (`a=1; b=2`), in name order.
    pub fn header(&self) -> String {
        let pairs: Vec<String> = self
            .0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        pairs.join("; ")
    }
}

/// Sends `request` and reads the whole response.
///
/// # Panics
/// If the request fails (connection, [`TIMEOUT`]), or the body is over
/// [`MAX_BODY`] or not UTF-8.
pub async fn send(request: RequestBuilder) -> Reply {
    let mut response = request.send().await.expect("send the request");
    let status = response.status();
    let url = response.url().clone();
    let headers = response.headers().clone();
    let cookies = headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("a visible-ASCII Set-Cookie").to_owned())
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("read the body") {
        assert!(
            body.len() + chunk.len() <= MAX_BODY,
            "a response body over {MAX_BODY} bytes"
        );
        body.extend_from_slice(&chunk);
    }
    let body = String::from_utf8(body).expect("a UTF-8 body");
    Reply {
        status,
        url,
        headers,
        cookies,
        body,
    }
}

/// The value of cookie `name` that `jar` would send to `base`.
///
/// # Panics
/// If `base` is not a URL.
pub fn jar_value(jar: &Jar, base: &str, name: &str) -> Option<String> {
    let header = jar.cookies(&base.parse().expect("a base URL"))?;
    let prefix = format!("{name}=");
    header
        .to_str()
        .expect("a visible-ASCII Cookie header")
        .split("; ")
        .find_map(|pair| pair.strip_prefix(&prefix))
        .map(str::to_owned)
}

/// `request` with `fields` as an `application/x-www-form-urlencoded` body,
/// as a browser submits a form.
pub fn form(request: RequestBuilder, fields: &[(&str, &str)]) -> RequestBuilder {
    let encode = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(char::from(byte));
                }
                b' ' => out.push('+'),
                _ => {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
        }
        out
    };
    let body: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
}
