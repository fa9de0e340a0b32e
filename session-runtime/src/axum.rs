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
//!    ([`Transport::load`]: header before cookie, a rejected seal gives a
//!    fresh session) and hands it to the handler.
//! 3. When the handler drops the session (at the latest when it returns),
//!    the session writes itself back into the slot. The handler never has to
//!    return it.
//! 4. After the inner service answered, the layer seals the slot's session
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
//! would silently drop, for example, a failed-login counter. If the handler
//! panics there is no response, so nothing is saved.
//!
//! If the session cannot be sealed (it outgrew the cookie size limit, or a
//! field does not serialize), the response is replaced by a
//! `500 Internal Server Error` carrying [`SaveFailed`] in its extensions,
//! rather than silently dropping the cookie.
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

use crate::config::SessionConfig;
use crate::error::SealError;
use crate::http::{Source, Transport};
use crate::schema::{SessionFields, SessionSchema};
use crate::session::Session;
use crate::state::{SessionState, WriteBack};

/// A tower layer that loads `Session<T>` on demand and saves it after the
/// response. See the [module docs](self).
pub struct SessionLayer<T> {
    transport: Arc<Transport<T>>,
}

impl<T: SessionSchema> SessionLayer<T> {
    /// A layer for sessions configured by `config`.
    pub fn new(config: SessionConfig<T>) -> Self {
        Self::from_transport(Arc::new(Transport::new(config)))
    }

    /// A layer sharing a prepared [`Transport`].
    pub fn from_transport(transport: Arc<Transport<T>>) -> Self {
        Self { transport }
    }

    /// The transport (configuration, cookie and header names).
    pub fn transport(&self) -> &Arc<Transport<T>> {
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
            }),
        });
        req.extensions_mut().insert(Handle(Arc::clone(&shared)));
        ResponseFuture {
            inner: self.inner.call(req),
            shared: Some(shared),
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
        let response = ready!(this.inner.poll(cx))?;
        let mut shared = this
            .shared
            .take()
            .expect("ResponseFuture polled after completion");
        // Usually the last reference by now (the request's extensions and
        // the handler's session are gone): read the slot without locking.
        let response = match Arc::get_mut(&mut shared) {
            Some(Shared { transport, slot }) => finish(
                transport,
                slot.get_mut().unwrap_or_else(PoisonError::into_inner),
                response,
            ),
            None => finish_shared(&shared, response),
        };
        Poll::Ready(Ok(response))
    }
}

impl<F, T> fmt::Debug for ResponseFuture<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// Saves the slot's session into the response, while the slot is shared.
fn finish_shared<T: SessionSchema>(shared: &Shared<T>, response: Response) -> Response {
    let slot = lock(&shared.slot);
    // Never extracted: nothing to do. Still out (moved into a task): not saved.
    let (true, Some(state)) = (slot.loaded, slot.state.as_ref()) else {
        return response;
    };
    let saved = shared.transport.save(state, slot.source);
    drop(slot);
    respond(saved, response)
}

/// Saves the slot's session into the response.
fn finish<T: SessionSchema>(
    transport: &Transport<T>,
    slot: &Slot<T>,
    response: Response,
) -> Response {
    // Never extracted: nothing to do. Still out (moved into a task): not saved.
    let (true, Some(state)) = (slot.loaded, slot.state.as_ref()) else {
        return response;
    };
    respond(transport.save(state, slot.source), response)
}

/// The response with the session's cookie, or the `500` replacing it.
fn respond(saved: Result<Option<HeaderValue>, SealError>, mut response: Response) -> Response {
    match saved {
        Ok(Some(cookie)) => {
            response.headers_mut().append(SET_COOKIE, cookie);
            response
        }
        Ok(None) => response,
        Err(error) => {
            let mut response = (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the session could not be saved",
            )
                .into_response();
            response
                .extensions_mut()
                .insert(SaveFailed(Arc::new(error)));
            response
        }
    }
}

/// In the extensions of the `500` response that replaced a response whose
/// session could not be sealed: why.
#[derive(Clone, Debug)]
pub struct SaveFailed(pub Arc<SealError>);

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
    /// Whether the session was extracted (and so unsealed) at all.
    loaded: bool,
    /// The id and creation time of the first copy when the request had no
    /// valid session: later copies take them, so that all copies (and the
    /// cookie) agree on one new session.
    new_identity: Option<(String, u64)>,
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
        match slot.state.as_mut() {
            None => slot.state = Some(state.take()),
            Some(into) => merge(into, state),
        }
    }
}

/// Applies what `from` changed onto `into`.
fn merge<T: SessionSchema>(into: &mut SessionState<T>, from: &mut SessionState<T>) {
    if into.status.destroyed {
        return;
    }
    if from.status.destroyed {
        let delete_id = from.delete_id.take().or_else(|| into.delete_id.take());
        into.destroy();
        into.delete_id = delete_id;
        return;
    }
    if from.status.cleared && !into.status.cleared {
        into.clear();
        into.replace_id(std::mem::take(&mut from.id));
    }
    if from.status.id_changed {
        into.replace_id(std::mem::take(&mut from.id));
        into.status.id_changed = true;
    }
    if from.delete_id.is_some() {
        into.delete_id = from.delete_id.take();
    }
    let flash = T::SCHEMA.flash;
    let mut json = Vec::new();
    for index in 0..T::SCHEMA.keys.len() {
        let bit = 1 << index;
        if from.dirty & bit == 0 {
            continue;
        }
        if flash & bit != 0 {
            into.flash_out.retain(|(i, _)| *i != index);
            if let Some(at) = from.flash_out.iter().position(|(i, _)| *i == index) {
                into.flash_out.push(from.flash_out.swap_remove(at));
            }
            if from.flash_error.as_ref().is_some_and(|(i, _)| *i == index) {
                into.flash_error = from.flash_error.take();
            }
        } else if from.present & bit != 0 {
            json.clear();
            if from.data.encode_field(index, &mut json).is_err() {
                continue;
            }
            if into.data.decode_field(index, &json).is_none() {
                continue;
            }
            into.present |= bit;
        } else {
            // Unset: only optional fields can be absent, and `null` is `None`.
            into.data.decode_field(index, b"null");
            into.present &= !bit;
        }
        into.dirty |= bit;
    }
}

/// The `Session<T>` of a request that went through a [`SessionLayer<T>`].
///
/// The first call loads (unseals) the session; later calls get the state
/// the previous copy left, or, while another copy is out, their own copy
/// (see the [module docs](self)). The session writes itself back when
/// dropped. This is what the generated extractor calls; middleware can call
/// it too.
///
/// # Errors
/// [`MissingLayer`] when no `SessionLayer<T>` wraps the route.
pub fn from_parts<T: SessionSchema>(parts: &Parts) -> Result<Session<T>, MissingLayer> {
    let handle = parts.extensions.get::<Handle<T>>().ok_or(MissingLayer {
        schema: std::any::type_name::<T>(),
    })?;
    let shared = &handle.0;
    let mut slot = lock(&shared.slot);
    let mut state = if let Some(state) = slot.state.take() {
        state
    } else {
        let loaded = shared.transport.load(&parts.headers);
        let source = loaded.source;
        if !slot.loaded
            && let Some(error) = &loaded.error
        {
            // Once per request, however often the session is extracted.
            shared.transport.config().report_rejection(error);
        }
        let mut state = loaded.session.into_inner();
        if !slot.loaded {
            slot.loaded = true;
            slot.source = source;
            if state.status.is_new {
                slot.new_identity = Some((state.id.clone(), state.created_ms));
            }
        } else if state.status.is_new
            && let Some((id, created_ms)) = &slot.new_identity
        {
            state.id.clone_from(id);
            state.created_ms = *created_ms;
            state.last_seen_ms = *created_ms;
        }
        state
    };
    drop(slot);
    state.sink = Some(Arc::clone(shared) as Arc<dyn WriteBack<T>>);
    Ok(T::Fields::from_inner(state))
}

/// The rejection of the `Session<T>` extractor: the route has no
/// [`SessionLayer<T>`]. Answers `500 Internal Server Error`.
#[derive(Clone, Debug)]
pub struct MissingLayer {
    schema: &'static str,
}

impl fmt::Display for MissingLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Session<{}> was extracted but no SessionLayer<{0}> wraps the route",
            self.schema
        )
    }
}

impl std::error::Error for MissingLayer {}

impl IntoResponse for MissingLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

/// Implements axum's `FromRequestParts` for `Session<$schema>`.
///
/// `#[derive(Session)]` calls it; the expansion is empty unless the runtime's
/// `axum` feature is on.
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_extractor {
    ($schema:ty) => {
        impl<__S: ::core::marker::Sync> $crate::__private::FromRequestParts<__S>
            for $crate::Session<$schema>
        {
            type Rejection = $crate::axum::MissingLayer;

            fn from_request_parts(
                parts: &mut $crate::__private::Parts,
                _state: &__S,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<Self, Self::Rejection>>
            + ::core::marker::Send {
                ::core::future::ready($crate::axum::from_parts::<$schema>(parts))
            }
        }
    };
}
