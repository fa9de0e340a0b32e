//! The per-request slot every integration shares: where a request's session
//! waits between the layer and the handler, how a handler's copies come back
//! (written back on drop, merged by field), and how the response is made.
//!
//! A layer creates a [`Shared`] per request and makes it reachable from the
//! request (tower and axum: an `http` extension; actix-web: an extension of
//! its own request); extracting the session calls [`extract`]; after the
//! handler the layer calls [`finish`], then [`conclude`] (what the response
//! needs) or, on `http` responses, [`respond`].
//!
//! Everything here speaks `http` 1 types; an integration whose framework
//! has others (actix-web: `http` 0.2) converts the few headers that cross.

use std::borrow::Borrow;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::{HeaderMap, Response, StatusCode};

use crate::backend::Pending;
use crate::error::{SaveError, StoreError};
use crate::model::schema::SessionData;
use crate::model::session::SessionFields;
use crate::model::state::WriteBack;
use crate::model::{Session, SessionSchema, SessionState};
use crate::transport::{Arrival, Loaded, SetCookies, Transport};

/// What a layer knows: the transport and how failures are answered.
pub(crate) struct LayerCore<T> {
    pub(crate) transport: Transport<T>,
    pub(crate) render: Renderer,
}

/// Renders the response that replaces the handler's when the session fails.
pub(crate) type Renderer = Arc<dyn Fn(&SessionFailure) -> Response<String> + Send + Sync>;

/// The default rendering: the status and a short text, naming no type.
pub(crate) fn default_render() -> Renderer {
    Arc::new(|failure: &SessionFailure| {
        let mut response = Response::new(failure.message().to_owned());
        *response.status_mut() = failure.status();
        response
    })
}

/// The state a layer shares with the extractions of one request.
pub(crate) struct Shared<T> {
    pub(crate) core: Arc<LayerCore<T>>,
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    /// The session, unless a copy is out with a handler.
    state: Option<SessionState<T>>,
    /// How the request's session arrived (where from, the chunks its
    /// cookie announced).
    arrival: Arrival,
    /// Whether the session was extracted (and so loaded) at all.
    loaded: bool,
    /// The id and creation time of the first copy when the request had no
    /// valid session: later copies take them, so that all copies (and the
    /// cookie) agree on one new session.
    new_identity: Option<(String, u64)>,
    /// A copy was dropped during a panic: the handler did not finish, so
    /// nothing of this request's session is saved.
    abandoned: bool,
}

impl<T> Shared<T> {
    pub(crate) fn new(core: Arc<LayerCore<T>>) -> Arc<Self> {
        Arc::new(Self {
            core,
            slot: Mutex::new(Slot {
                state: None,
                arrival: Arrival::default(),
                loaded: false,
                new_identity: None,
                abandoned: false,
            }),
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: SessionData + Send + Sync> WriteBack<T> for Shared<T> {
    fn write_back(&self, state: &mut SessionState<T>) {
        let mut slot = lock(&self.slot);
        if std::thread::panicking() {
            // Dropped while the handler unwinds: its writes are half done.
            slot.abandoned = true;
            return;
        }
        match slot.state.as_mut() {
            None => slot.state = Some(state.take()),
            Some(into) => into.merge(state),
        }
    }
}

/// The session of the request `shared` belongs to: the first call loads it
/// from the request's headers, which `headers` gives (called only then,
/// with the transport, so that a framework with other header types
/// converts only what the transport reads); later calls get the state the
/// previous copy left, or, while another copy is out, their own copy. The
/// session writes itself back when dropped.
pub(crate) fn extract<T: SessionSchema + Send + Sync, H: Borrow<HeaderMap>>(
    shared: Arc<Shared<T>>,
    headers: impl FnOnce(&Transport<T>) -> H,
) -> Pending<Result<Session<T>, SessionRejection>> {
    let taken = lock(&shared.slot).state.take();
    if let Some(state) = taken {
        let mut session = T::Fields::from_inner(Box::new(state));
        session.set_sink(shared as Arc<dyn WriteBack<T>>);
        return Pending::ready(Ok(session));
    }
    let headers = headers(&shared.core.transport);
    match shared.core.transport.load(headers.borrow()).into_ready() {
        Ok(loaded) => Pending::ready(hand_out(shared, loaded)),
        Err(later) => later.map(move |loaded| hand_out(shared, loaded)),
    }
}

/// The session a load gave, registered with the request's slot.
fn hand_out<T: SessionSchema + Send + Sync>(
    shared: Arc<Shared<T>>,
    loaded: Result<Loaded<T>, StoreError>,
) -> Result<Session<T>, SessionRejection> {
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            crate::log::store_fault("load", &error);
            return Err(SessionRejection::new(
                SessionFailure::StoreUnavailable(Arc::new(error)),
                Some(Arc::clone(&shared.core.render)),
            ));
        }
    };
    let mut session = loaded.session;
    {
        let mut slot = lock(&shared.slot);
        if slot.loaded {
            if session.is_new()
                && let Some((id, created_ms)) = &slot.new_identity
            {
                session.adopt_new_identity(id, *created_ms);
            }
        } else {
            slot.loaded = true;
            slot.arrival = loaded.arrival;
            if session.is_new() {
                slot.new_identity = Some((session.id().to_owned(), session.created_at_ms()));
            }
            if let Some(error) = &loaded.error {
                // Once per request, however often the session is extracted.
                crate::log::rejected(error);
                shared.core.transport.report_rejection(error);
            }
        }
    }
    session.set_sink(shared as Arc<dyn WriteBack<T>>);
    Ok(session)
}

/// Starts saving the slot's session after the handler, if it was ever
/// extracted and is back (a copy moved into a task that outlives the
/// handler is not saved, nor a session a panicking handler abandoned).
pub(crate) fn finish<T: SessionSchema + Send + Sync>(
    mut shared: Arc<Shared<T>>,
) -> Option<Pending<Result<SetCookies, SaveError>>> {
    // Usually the last reference by now (the request's extensions and the
    // handler's session are gone): read the slot without locking.
    if let Some(Shared { core, slot }) = Arc::get_mut(&mut shared) {
        let slot = slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        save_slot(&core.transport, slot)
    } else {
        let slot = lock(&shared.slot);
        save_slot(&shared.core.transport, &slot)
    }
}

fn save_slot<T: SessionSchema + Send + Sync>(
    transport: &Transport<T>,
    slot: &Slot<T>,
) -> Option<Pending<Result<SetCookies, SaveError>>> {
    let (true, false, Some(state)) = (slot.loaded, slot.abandoned, slot.state.as_ref()) else {
        return None;
    };
    Some(transport.save(state, slot.arrival))
}

/// Whether the warning about `Secure` cookies over plain HTTP was given.
static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// In debug builds, the host of a request a `Secure` cookie would be lost
/// on: one served over plain HTTP as far as the request tells, and not
/// `localhost` (browsers drop such a cookie silently). Checked until the
/// warning was given once. `header` gives the value of the header it is
/// called with (a lower-case name), as bytes: the request's headers, of
/// whichever `http` version.
pub(crate) fn insecure_host<'h, T>(
    transport: &Transport<T>,
    header: impl Fn(&'static str) -> Option<&'h [u8]>,
) -> Option<String> {
    use std::sync::atomic::Ordering;
    if !cfg!(debug_assertions)
        || !transport.cookie_options().secure()
        || WARNED.load(Ordering::Relaxed)
    {
        return None;
    }
    // As `HeaderValue::to_str`: visible ASCII only.
    let text = |name| {
        header(name)
            .filter(|value| {
                value
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | 0x21..=0x7e))
            })
            .and_then(|value| std::str::from_utf8(value).ok())
    };
    let host = text("host").unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    let local = name.is_empty()
        || name == "localhost"
        || name.ends_with(".localhost")
        || name == "127.0.0.1"
        || name == "[::1]";
    let https = header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case(b"https"))
        || text("forwarded").is_some_and(|f| f.to_ascii_lowercase().contains("proto=https"));
    (!local && !https).then(|| name.to_owned())
}

/// Warns once that a `Secure` cookie went to `host` over plain HTTP.
fn warn_insecure(host: &str) {
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        crate::log::insecure_cookie(host);
    }
}

/// What a finished save asks of the response.
pub(crate) enum Conclusion {
    /// Nothing: the cookie stays as it is.
    Unchanged,
    /// Append these `Set-Cookie` lines (more than one when chunked).
    SetCookie(SetCookies),
    /// Replace the response with the failure response (the fault is logged).
    Failed(SessionFailure),
}

/// What the response needs after `saved`, for any framework: logs a failed
/// save and, in debug builds, warns once about a `Secure` cookie sent to
/// `insecure_host` (from [`insecure_host`]).
pub(crate) fn conclude(
    saved: Result<SetCookies, SaveError>,
    insecure_host: Option<&str>,
) -> Conclusion {
    match saved {
        Ok(lines) if lines.is_empty() => Conclusion::Unchanged,
        Ok(lines) => {
            if let Some(host) = insecure_host {
                warn_insecure(host);
            }
            Conclusion::SetCookie(lines)
        }
        Err(SaveError::Store(error)) => {
            crate::log::store_fault("save", &error);
            Conclusion::Failed(SessionFailure::StoreUnavailable(Arc::new(error)))
        }
        Err(error) => {
            crate::log::save_failed(&error);
            Conclusion::Failed(SessionFailure::SaveFailed(Arc::new(error)))
        }
    }
}

/// The `http` response with the session's cookies, or the failure
/// response that replaces it.
pub(crate) fn respond<B: From<String>>(
    saved: Result<SetCookies, SaveError>,
    mut response: Response<B>,
    render: &Renderer,
    insecure_host: Option<&str>,
) -> Response<B> {
    match conclude(saved, insecure_host) {
        Conclusion::SetCookie(lines) => {
            lines.append_to(response.headers_mut());
            response
        }
        Conclusion::Unchanged => response,
        Conclusion::Failed(failure) => failure_response(&failure, render),
    }
}

/// `failure` rendered by `render`, with the failure in its extensions.
pub(crate) fn failure_response<B: From<String>>(
    failure: &SessionFailure,
    render: &Renderer,
) -> Response<B> {
    let mut response = render(failure).map(B::from);
    response.extensions_mut().insert(failure.clone());
    response
}

/// Why a request's session failed, for the response that replaces the
/// handler's (in its extensions) and for a custom rendering
/// ([`SessionLayer::with_failure_response`](crate::tower::SessionLayer::with_failure_response)).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SessionFailure {
    /// The session could not be saved (too large for its cookie, a field
    /// that does not serialize). Default: `500 Internal Server Error`.
    SaveFailed(Arc<SaveError>),
    /// The session store failed, loading or saving. Default: `503 Service
    /// Unavailable`.
    StoreUnavailable(Arc<StoreError>),
    /// A session was extracted where no session layer (actix-web: session
    /// middleware) of its schema runs: a wiring mistake. Default: `500
    /// Internal Server Error`.
    MissingLayer {
        /// The schema's type name, for the operator (never sent to clients).
        schema: &'static str,
    },
}

impl SessionFailure {
    /// The status of the default response.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::SaveFailed(_) | Self::MissingLayer { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body of the default response: short, and naming no type.
    pub fn message(&self) -> &'static str {
        match self {
            Self::SaveFailed(_) => "the session could not be saved",
            Self::StoreUnavailable(_) => "the session store is unavailable",
            Self::MissingLayer { .. } => "the session layer is not installed",
        }
    }
}

impl fmt::Display for SessionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SaveFailed(e) => write!(f, "the session could not be saved: {e}"),
            Self::StoreUnavailable(e) => e.fmt(f),
            Self::MissingLayer { schema } => write!(
                f,
                "Session<{schema}> was extracted but no SessionLayer<{schema}> \
                 (actix-web: SessionMiddleware<{schema}>) wraps the route"
            ),
        }
    }
}

impl std::error::Error for SessionFailure {}

/// Why extracting `Session<T>` failed: a [`SessionFailure`], answered with
/// the layer's failure response.
#[derive(Clone)]
pub struct SessionRejection {
    failure: SessionFailure,
    render: Option<Renderer>,
}

impl SessionRejection {
    pub(crate) fn new(failure: SessionFailure, render: Option<Renderer>) -> Self {
        Self { failure, render }
    }

    /// What failed.
    pub fn failure(&self) -> &SessionFailure {
        &self.failure
    }

    /// The response that answers it (the layer's rendering, or the default
    /// when there is no layer).
    pub fn to_response<B: From<String>>(&self) -> Response<B> {
        let render = self.render.clone().unwrap_or_else(default_render);
        failure_response(&self.failure, &render)
    }
}

impl fmt::Debug for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SessionRejection")
            .field(&self.failure)
            .finish()
    }
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.failure.fmt(f)
    }
}

impl std::error::Error for SessionRejection {}
