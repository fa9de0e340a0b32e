//! axum integration (feature `axum`): [`SessionLayer`] and the
//! `Session<T>` extractor.
//!
//! ```ignore
//! use axum::{Router, routing::get};
//! use session_runtime::axum::SessionLayer;
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! struct App {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! async fn index(mut session: Session<App>) -> String {
//!     session.set_count(session.count() + 1);
//!     format!("visit {}", session.count())
//! } // dropped here: the layer sees the change and sets the cookie
//!
//! let app: Router = Router::new()
//!     .route("/", get(index))
//!     .layer(SessionLayer::new(SessionConfig::<App>::new(Key::generate())));
//! ```
//!
//! # How a request goes
//!
//! 1. The layer puts a per-request slot into the request's extensions. It
//!    reads no header and unseals nothing: a request that never asks for
//!    the session costs one small allocation.
//! 2. The first `Session<T>` extraction loads the session from the headers
//!    ([`Transport::load`]: header before cookie, a rejected token gives a
//!    fresh session; a store that fails rejects the request with `503`) and
//!    hands it to the handler.
//! 3. When the handler drops the session (at the latest when it returns),
//!    the session writes itself back into the slot. The handler never has to
//!    return it.
//! 4. After the inner service answered, the layer saves the slot's session
//!    if it needs to ([`Transport::save`]) and appends one `Set-Cookie`.
//!
//! Extracting `Session<T>` twice in one handler neither deadlocks nor loses
//! writes: while one copy is out, the next extraction loads its own copy from
//! the request; each copy, when dropped, merges the fields it wrote (by
//! per-field dirty bits) into the slot, so writes to different fields both
//! land and, for the same field, the copy dropped last wins. A `destroy()` in
//! any copy wins over writes; a `clear()` clears what the slot held before
//! the copy's own writes are applied. A copy extracted after another was
//! dropped continues from that copy's state.
//!
//! # Error responses
//!
//! The session is saved on **every** response the inner service produces,
//! whatever its status, as h3 v2 does: a 401 that creates a session still
//! sets its cookie, a 400 still slides the idle window, and a `clear()`
//! followed by a 403 still removes the cookie (and is not undone). A
//! handler's errors are ordinary responses in axum, and what the handler
//! wrote to the session is what it meant to keep; not saving on errors
//! would silently drop, for example, a failed-login counter.
//!
//! A handler that panics saves nothing, not even what it wrote before the
//! panic or what an earlier copy of the session wrote back: a session
//! dropped while its thread unwinds marks the request's session as
//! abandoned, so that when a panic-catching layer inside this one (such as
//! tower-http's `CatchPanicLayer`) turns the panic into a `500`, that
//! response carries no `Set-Cookie` and the store is not written. (Without
//! such a layer there is no response at all.) The layer learns of the panic
//! only through such a drop: a handler that hands every copy of its session
//! back (`drop(session)`) and panics afterwards has its writes saved, since
//! the `500` then looks like any other response.
//!
//! If the session cannot be saved (it outgrew the cookie size limit, a
//! field does not serialize, or the store failed), the response is replaced
//! by a `500 Internal Server Error` (`503 Service Unavailable` for a store)
//! carrying [`SaveFailed`] in its extensions, rather than silently dropping
//! the change.
//!
//! A session moved into a task that outlives the handler is not saved.
//!
//! Several session types, each with its own [`SessionLayer`] (and its own
//! cookie name), can serve one application; use one layer per type.
//!
//! # The extractor
//!
//! `Session<T>` is a type generated in the user's crate, so the
//! `FromRequestParts` impl is generated there too, by `#[derive(Session)]`
//! when this feature is on. It calls [`from_parts`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};

use axum_core::response::{IntoResponse, Response};
use http::header::SET_COOKIE;
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::backend::{Pending, SessionConfig};
use crate::error::{SaveError, StoreError};
use crate::model::session::SessionFields;
use crate::model::state::WriteBack;
use crate::model::{Session, SessionSchema, SessionState};
use crate::transport::{Source, Transport};

/// A tower layer that loads `Session<T>` on demand and saves it after the
/// response. See the [module docs](self).
pub struct SessionLayer<T> {
    transport: Arc<Transport<T>>,
}

impl<T: SessionSchema> SessionLayer<T> {
    /// A layer for sessions configured by `config`, carried as
    /// [`Transport::new`] carries them.
    pub fn new(config: SessionConfig<T>) -> Self {
        Self::from_transport(Transport::new(config))
    }

    /// A layer carrying sessions as `transport` says (cookie options, the
    /// session header, a rejection hook).
    pub fn from_transport(transport: Transport<T>) -> Self {
        Self {
            transport: Arc::new(transport),
        }
    }

    /// The transport (configuration, cookie and header names).
    pub fn transport(&self) -> &Transport<T> {
        &self.transport
    }
}

impl<T> Clone for SessionLayer<T> {
    fn clone(&self) -> Self {
        Self {
            transport: Arc::clone(&self.transport),
        }
    }
}

impl<T> fmt::Debug for SessionLayer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("transport", &self.transport)
            .finish()
    }
}

impl<S, T> Layer<S> for SessionLayer<T> {
    type Service = SessionService<S, T>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            transport: Arc::clone(&self.transport),
        }
    }
}

/// The service [`SessionLayer`] wraps around the application.
pub struct SessionService<S, T> {
    inner: S,
    transport: Arc<Transport<T>>,
}

impl<S: Clone, T> Clone for SessionService<S, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            transport: Arc::clone(&self.transport),
        }
    }
}

impl<S: fmt::Debug, T> fmt::Debug for SessionService<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .field("transport", &self.transport)
            .finish()
    }
}

impl<S, T, B> Service<Request<B>> for SessionService<S, T>
where
    S: Service<Request<B>, Response = Response>,
    T: SessionSchema,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, T>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let shared = Arc::new(Shared {
            transport: Arc::clone(&self.transport),
            slot: Mutex::new(Slot {
                state: None,
                source: Source::None,
                loaded: false,
                new_identity: None,
                abandoned: false,
            }),
        });
        req.extensions_mut().insert(Handle(Arc::clone(&shared)));
        ResponseFuture {
            inner: self.inner.call(req),
            shared: Some(shared),
            saving: None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SessionService`]: the inner response, with
    /// the session's `Set-Cookie` appended.
    pub struct ResponseFuture<F, T> {
        #[pin]
        inner: F,
        shared: Option<Arc<Shared<T>>>,
        saving: Option<(Pending<Result<Option<HeaderValue>, SaveError>>, Response)>,
    }
}

impl<F, E, T> Future for ResponseFuture<F, T>
where
    F: Future<Output = Result<Response, E>>,
    T: SessionSchema,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.saving.is_none() {
            let response = ready!(this.inner.poll(cx))?;
            let shared = this
                .shared
                .take()
                .expect("ResponseFuture polled after completion");
            let Some(saving) = start_save(shared) else {
                return Poll::Ready(Ok(response));
            };
            match saving.into_ready() {
                Ok(saved) => return Poll::Ready(Ok(respond(saved, response))),
                Err(later) => *this.saving = Some((later, response)),
            }
        }
        let (saving, _) = this.saving.as_mut().expect("saving is set");
        let saved = ready!(Pin::new(saving).poll(cx));
        let (_, response) = this.saving.take().expect("saving is set");
        Poll::Ready(Ok(respond(saved, response)))
    }
}

impl<F, T> fmt::Debug for ResponseFuture<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// Starts saving the slot's session, if it was ever extracted and is back.
fn start_save<T: SessionSchema>(
    mut shared: Arc<Shared<T>>,
) -> Option<Pending<Result<Option<HeaderValue>, SaveError>>> {
    // Usually the last reference by now (the request's extensions and the
    // handler's session are gone): read the slot without locking.
    if let Some(Shared { transport, slot }) = Arc::get_mut(&mut shared) {
        let slot = slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        return save_slot(transport, slot);
    }
    let slot = lock(&shared.slot);
    save_slot(&shared.transport, &slot)
}

/// Never extracted: nothing to do. Still out (moved into a task): not saved.
/// Abandoned by a panicking handler: not saved.
fn save_slot<T: SessionSchema>(
    transport: &Transport<T>,
    slot: &Slot<T>,
) -> Option<Pending<Result<Option<HeaderValue>, SaveError>>> {
    let (true, false, Some(state)) = (slot.loaded, slot.abandoned, slot.state.as_ref()) else {
        return None;
    };
    Some(transport.save(state, slot.source))
}

/// The response with the session's cookie, or the error replacing it.
fn respond(saved: Result<Option<HeaderValue>, SaveError>, mut response: Response) -> Response {
    match saved {
        Ok(Some(cookie)) => {
            response.headers_mut().append(SET_COOKIE, cookie);
            response
        }
        Ok(None) => response,
        Err(error) => {
            let status = match error {
                SaveError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut response = (status, "the session could not be saved").into_response();
            response
                .extensions_mut()
                .insert(SaveFailed(Arc::new(error)));
            response
        }
    }
}

/// In the extensions of the error response that replaced a response whose
/// session could not be saved: why.
#[derive(Clone, Debug)]
pub struct SaveFailed(pub Arc<SaveError>);

/// The per-request state the layer shares with the extractor.
struct Shared<T> {
    transport: Arc<Transport<T>>,
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    /// The session, unless a copy is out with a handler.
    state: Option<SessionState<T>>,
    /// Where the request's session came from.
    source: Source,
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

/// The request extension pointing at the slot.
struct Handle<T>(Arc<Shared<T>>);

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: SessionSchema> WriteBack<T> for Shared<T> {
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

/// The `Session<T>` of a request that went through a [`SessionLayer<T>`].
///
/// The first call loads the session; later calls get the state the
/// previous copy left, or, while another copy is out, their own copy (see
/// the [module docs](self)). The session writes itself back when dropped.
/// This is what the generated extractor calls; middleware can call it too.
///
/// # Errors
/// [`SessionRejection::MissingLayer`] when no `SessionLayer<T>` wraps the
/// route, [`SessionRejection::Store`] when the store failed.
pub async fn from_parts<T: SessionSchema>(parts: &Parts) -> Result<Session<T>, SessionRejection> {
    let handle = parts
        .extensions
        .get::<Handle<T>>()
        .ok_or(SessionRejection::MissingLayer {
            schema: std::any::type_name::<T>(),
        })?;
    let shared = &handle.0;
    let taken = lock(&shared.slot).state.take();
    let mut state = if let Some(state) = taken {
        state
    } else {
        let loaded = shared
            .transport
            .load(&parts.headers)
            .await
            .map_err(|e| SessionRejection::Store(Arc::new(e)))?;
        let mut slot = lock(&shared.slot);
        let mut state = loaded.session.into_inner();
        if slot.loaded {
            if state.is_new()
                && let Some((id, created_ms)) = &slot.new_identity
            {
                state.adopt_new_identity(id, *created_ms);
            }
        } else {
            slot.loaded = true;
            slot.source = loaded.source;
            if state.is_new() {
                slot.new_identity = Some((state.id().to_owned(), state.created_at_ms()));
            }
            if let Some(error) = &loaded.error {
                // Once per request, however often the session is extracted.
                shared.transport.report_rejection(error);
            }
        }
        state
    };
    state.set_sink(Arc::clone(shared) as Arc<dyn WriteBack<T>>);
    Ok(T::Fields::from_inner(state))
}

/// Why the `Session<T>` extractor failed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SessionRejection {
    /// The route has no [`SessionLayer<T>`]: a wiring mistake. Answers
    /// `500 Internal Server Error`.
    MissingLayer {
        /// The schema's type name, for the operator (never sent to clients).
        schema: &'static str,
    },
    /// The session store failed. Answers `503 Service Unavailable`.
    Store(Arc<StoreError>),
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingLayer { schema } => write!(
                f,
                "Session<{schema}> was extracted but no SessionLayer<{schema}> wraps the route"
            ),
            Self::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SessionRejection {}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            Self::MissingLayer { .. } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the session layer is not installed",
            ),
            Self::Store(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the session store is unavailable",
            ),
        };
        let mut response = (status, body).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Implements axum's `FromRequestParts` for `Session<$schema>`.
///
/// `#[derive(Session)]` calls it; the expansion is empty unless the runtime's
/// `axum` feature is on.
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_extractor {
    ($schema:ty, $fields:ty) => {
        impl<__S: ::core::marker::Sync> $crate::__private::FromRequestParts<__S> for $fields {
            type Rejection = $crate::axum::SessionRejection;

            fn from_request_parts(
                parts: &mut $crate::__private::Parts,
                _state: &__S,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self, Self::Rejection>>
            + ::core::marker::Send {
                $crate::axum::from_parts::<$schema>(parts)
            }
        }
    };
}
