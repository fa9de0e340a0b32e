//! The `login` example in real headless Chromium, used as a person uses it:
//! the private page sends a stranger home, a wrong password is told once,
//! signing in through the form shows the welcome once, the private page
//! opens, signing out closes it again; in cookie mode and in store mode.
//!
//! The session cookie is `Secure`, and served over plain HTTP: Chromium keeps
//! it because `localhost` and `127.0.0.1` count as secure contexts (the
//! cookie-mode test uses the one, the store-mode test the other), and drops
//! it on any other host (the last test).
//!
//! The store-mode test keeps screenshots of the welcome and of the private
//! page in `target/screenshots/` (`login-welcome.png`, `login-private.png`). Chromium and chromedriver come
//! from `scripts/setup.sh`; without them these tests fail.

use session_examples::login;
use session_runtime::store::MemoryStore;
use session_runtime::{Key, SessionConfig};
use session_tests::browser::{Browser, screenshot_dir};
use session_tests::http::{SECRET, serve};

/// Where the sessions live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Sealed into the cookie.
    Cookie,
    /// In a `MemoryStore`, the cookie holding the sealed id.
    Store,
}

fn config(mode: Mode) -> SessionConfig<login::Auth> {
    let config = SessionConfig::<login::Auth>::new(Key::derive(SECRET).unwrap());
    match mode {
        Mode::Cookie => config,
        Mode::Store => config.with_store(MemoryStore::new()),
    }
}

/// Fills in the login form and submits it.
async fn sign_in(browser: &Browser, user: &str, password: &str) {
    browser
        .find("input[name=username]")
        .await
        .type_text(user)
        .await;
    browser
        .find("input[name=password]")
        .await
        .type_text(password)
        .await;
    browser
        .find("form[action='/login'] button")
        .await
        .click()
        .await;
}

/// Whether the page shows the login form.
async fn shows_login_form(browser: &Browser) -> bool {
    browser.try_find("form[action='/login']").await.is_some()
        && browser.try_find("input[name=password]").await.is_some()
}

/// Saves a screenshot as `target/screenshots/login-<name>.png`.
async fn keep_screenshot(browser: &Browser, name: &str) {
    let path = screenshot_dir().join(format!("login-{name}.png"));
    browser.screenshot(&path).await;
    eprintln!("screenshot: {}", path.display());
}

/// The whole visit, on the app served at `base`; with `screenshots`, the
/// page with the welcome and the private page are kept
/// (`target/screenshots/login-welcome.png`, `login-private.png`).
async fn visit(browser: &Browser, base: &str, mode: Mode, screenshots: bool) {
    let home = format!("{base}/");
    let private = format!("{base}/private");

    // A stranger asking for the private page lands on the login form.
    browser.goto(&private).await;
    assert_eq!(browser.url().await, home);
    assert!(shows_login_form(browser).await, "{}", browser.text().await);
    assert_eq!(browser.title().await, "Home");
    assert!(browser.source().await.contains("<style>"), "no stylesheet");

    // A wrong password is told, once.
    sign_in(browser, "ada", "wrong").await;
    browser.wait_for_text("Wrong user name or password.").await;
    assert_eq!(browser.url().await, home);
    browser.refresh().await;
    let text = browser.text().await;
    assert!(!text.contains("Wrong"), "{text}");
    assert!(shows_login_form(browser).await, "{text}");

    // The right one signs in, and the welcome shows once.
    sign_in(browser, "ada", "letmein").await;
    let text = browser.wait_for_text("Welcome, ada!").await;
    assert!(text.contains("Signed in as ada."), "{text}");
    assert_eq!(browser.url().await, home);
    assert!(!shows_login_form(browser).await, "{text}");
    if screenshots {
        keep_screenshot(browser, "welcome").await;
    }
    let cookie = browser
        .cookie("auth")
        .await
        .expect("the browser keeps the session cookie");
    assert!(cookie.secure && cookie.http_only, "{cookie:?}");
    assert_eq!(cookie.same_site.as_deref(), Some("Lax"));
    browser.refresh().await;
    let text = browser.text().await;
    assert!(
        !text.contains("Welcome"),
        "the welcome showed twice: {text}"
    );
    assert!(text.contains("Signed in as ada."), "{text}");

    // The private page opens from its link.
    browser.find("a[href='/private']").await.click().await;
    let text = browser.wait_for_text("Only ada can read this.").await;
    assert_eq!(browser.url().await, private);
    assert_eq!(browser.title().await, "Private");
    match mode {
        // Only a store knows the user's sessions.
        Mode::Store => assert!(text.contains("signed in on 1 device(s)"), "{text}"),
        Mode::Cookie => assert!(!text.contains("device"), "{text}"),
    }
    if screenshots {
        keep_screenshot(browser, "private").await;
    }
    let signed_in = browser.cookie("auth").await.expect("the session cookie");

    // Home, and sign out: the form is back and the cookie gone.
    browser.find("a[href='/']").await.click().await;
    browser.wait_for_text("Signed in as ada.").await;
    browser
        .find("form[action='/logout'] button")
        .await
        .click()
        .await;
    browser.wait_for_text("Log in").await;
    assert_eq!(browser.url().await, home);
    assert!(shows_login_form(browser).await);
    assert_eq!(browser.cookie("auth").await, None);

    // The private page sends us home again.
    browser.goto(&private).await;
    assert_eq!(browser.url().await, home);
    let text = browser.text().await;
    assert!(!text.contains("Only ada"), "{text}");
    assert!(shows_login_form(browser).await, "{text}");

    // A copy of the signed-in cookie, replayed: the store deleted its
    // session at logout; a sealed cookie stays valid until it expires.
    browser.add_cookie(&signed_in).await;
    browser.goto(&private).await;
    match mode {
        Mode::Store => assert_eq!(browser.url().await, home),
        Mode::Cookie => {
            assert_eq!(browser.url().await, private);
            browser.wait_for_text("Only ada can read this.").await;
        }
    }
}

#[tokio::test]
async fn login_in_chromium_cookie_mode() {
    let server = serve(login::app(config(Mode::Cookie))).await;
    let browser = Browser::start().await;
    // `localhost` counts as secure: the `Secure` cookie is kept over HTTP.
    let base = format!("http://localhost:{}", server.addr.port());
    visit(&browser, &base, Mode::Cookie, false).await;
}

#[tokio::test]
async fn login_in_chromium_store_mode() {
    let server = serve(login::app(config(Mode::Store))).await;
    let browser = Browser::start().await;
    // So does `127.0.0.1`.
    visit(&browser, &server.base, Mode::Store, true).await;
}

#[tokio::test]
async fn secure_cookie_is_dropped_on_a_plain_http_dev_host() {
    let server = serve(login::app(config(Mode::Cookie))).await;
    // A development host name, resolved to the app on 127.0.0.1 by the
    // browser itself.
    let browser = Browser::start_with_hosts(&["myapp.test"]).await;
    let base = format!("http://myapp.test:{}", server.addr.port());
    browser.goto(&format!("{base}/")).await;
    assert!(shows_login_form(&browser).await);
    sign_in(&browser, "ada", "letmein").await;
    // The login succeeded on the server, but the browser dropped its
    // `Secure` cookie, set over plain HTTP on a host that is not local: no
    // welcome, still the form.
    browser.wait_for_text("Log in").await;
    let text = browser.text().await;
    assert!(!text.contains("Welcome"), "{text}");
    assert!(shows_login_form(&browser).await, "{text}");
    assert_eq!(browser.cookie("auth").await, None);

    // The same browser and app on `127.0.0.1`: signed in.
    browser.goto(&server.url("/")).await;
    sign_in(&browser, "ada", "letmein").await;
    browser.wait_for_text("Welcome, ada!").await;
    assert!(browser.cookie("auth").await.is_some());
}
