//! The tower layer (feature `tower`): sessions for any tower-based server
//! (axum, hyper with hyper-util, tonic-style stacks), over `http::Request<B>`
//! and `http::Response<B>` for any body type that can be built from a
//! `String` (for the failure responses).
//!
//! The handler gets its session with [`session`] (or, in axum, the
//! `Session<T>` extractor); it never hands it back: the session writes
//! itself back when dropped, and the layer saves what changed after the
//! inner service answered and appends its `Set-Cookie` (one, or with
//! chunked cookies the main cookie, its chunks and the removal of stale
//! ones).
//!
//! ```
//! use std::convert::Infallible;
//! use http::{Request, Response};
//! use session_runtime::tower::SessionLayer;
//! use session_runtime::{Key, Session, SessionConfig};
//! use tower::{Service, ServiceBuilder, ServiceExt};
//!
//! #[derive(Session)]
//! struct App {
//!     #[session(default)]
//!     visits: u32,
//! }
//!
//! async fn handler(request: Request<String>) -> Result<Response<String>, Infallible> {
//!     let mut session = session_runtime::tower::session::<App, _>(&request).await.unwrap();
//!     session.set_visits(session.visits() + 1);
//!     Ok(Response::new(format!("visit {}", session.visits())))
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut service = ServiceBuilder::new()
//!     .layer(SessionLayer::new(SessionConfig::<App>::new(Key::generate())))
//!     .service_fn(handler);
//! let response = service.ready().await.unwrap().call(Request::new(String::new())).await.unwrap();
//! assert_eq!(response.body(), "visit 1");
//! assert!(response.headers().contains_key(http::header::SET_COOKIE));
//! # });
//! ```
//!
//! # How a request goes
//!
//! 1. The layer puts a per-request slot into the request's extensions. It
//!    reads no header and loads nothing: a request that never asks for the
//!    session pays for that one extension.
//! 2. The first [`session`] call loads the session from the headers
//!    ([`Transport::load`]: header before cookie, a rejected token gives a
//!    fresh session; a store that fails rejects with `503`).
//! 3. When the handler drops the session, it writes itself back into the
//!    slot.
//! 4. After the inner service answered, the layer saves the session if it
//!    needs to ([`Transport::save`]) and appends the `Set-Cookie` lines it
//!    gives.
//!
//! Getting the session twice in one request neither deadlocks nor loses
//! writes: while one copy is out, the next call loads its own copy; each
//! copy, when dropped, merges the fields it wrote into the slot, so writes
//! to different fields both land and, for the same field, the copy dropped
//! last wins. A `destroy()` in any copy wins over writes.
//!
//! # Failures
//!
//! The session is saved on **every** response, whatever its status, as h3
//! v2 does: a 401 that creates a session still sets its cookie. If the
//! session cannot be saved (too large, a field that does not serialize, a
//! store that failed), the response is replaced by a failure response
//! (`500`, or `503` for a store) carrying the [`SessionFailure`] in its
//! extensions; [`SessionLayer::with_failure_response`] renders your own.
//! The default bodies name no type.
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
//! Several session types, each with its own layer (and cookie name), can
//! serve one application.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::request::Parts;
use http::{HeaderValue, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::slot::{self, LayerCore, Shared};
pub use super::slot::{SessionFailure, SessionRejection};
use crate::backend::{Pending, SessionConfig};
use crate::error::SaveError;
use crate::model::{Session, SessionSchema};
use crate::transport::{SetCookies, Transport};

/// A tower layer that loads `Session<T>` on demand and saves it after the
/// response. See the [module docs](self).
pub struct SessionLayer<T> {
    core: Arc<LayerCore<T>>,
}

impl<T: SessionSchema + Send + Sync> SessionLayer<T> {
    /// A layer for sessions configured by `config`, carried as
    /// [`Transport::new`] carries them.
    pub fn new(config: SessionConfig<T>) -> Self {
        Self::from_transport(Transport::new(config))
    }

    /// A layer carrying sessions as `transport` says (cookie options, the
    /// session header, a rejection hook).
    pub fn from_transport(transport: Transport<T>) -> Self {
        Self {
            core: Arc::new(LayerCore {
                transport,
                render: slot::default_render(),
            }),
        }
    }

    /// Renders the response that replaces the handler's when the session
    /// fails (it cannot be saved, the store is unavailable): `render` gets
    /// the failure and gives the response; the layer adds the failure to its
    /// extensions. Without it: the failure's status and a short text.
    ///
    /// # Panics
    /// If the layer was already cloned into a service.
    #[must_use]
    pub fn with_failure_response(
        mut self,
        render: impl Fn(&SessionFailure) -> Response<String> + Send + Sync + 'static,
    ) -> Self {
        Arc::get_mut(&mut self.core)
            .expect("configure the layer before using it")
            .render = Arc::new(render);
        self
    }

    /// The transport (configuration, cookie and header names).
    pub fn transport(&self) -> &Transport<T> {
        &self.core.transport
    }
}

impl<T> Clone for SessionLayer<T> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
        }
    }
}

impl<T> fmt::Debug for SessionLayer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("transport", &self.core.transport)
            .finish_non_exhaustive()
    }
}

impl<S, T> Layer<S> for SessionLayer<T> {
    type Service = SessionService<S, T>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            core: Arc::clone(&self.core),
        }
    }
}

/// The service [`SessionLayer`] wraps around the application.
pub struct SessionService<S, T> {
    inner: S,
    core: Arc<LayerCore<T>>,
}

impl<S: Clone, T> Clone for SessionService<S, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            core: Arc::clone(&self.core),
        }
    }
}

impl<S: fmt::Debug, T> fmt::Debug for SessionService<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The request extension pointing at the request's slot.
struct Handle<T>(Arc<Shared<T>>);

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S, T, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S, T>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<String>,
    T: SessionSchema + Send + Sync,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, T, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let shared = Shared::new(Arc::clone(&self.core));
        request.extensions_mut().insert(Handle(Arc::clone(&shared)));
        let headers = request.headers();
        let insecure_host = slot::insecure_host(&self.core.transport, |name| {
            headers.get(name).map(HeaderValue::as_bytes)
        });
        ResponseFuture {
            inner: self.inner.call(request),
            shared: Some(shared),
            saving: None,
            insecure_host,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`SessionService`]: the inner response, with
    /// the session's `Set-Cookie` lines appended.
    pub struct ResponseFuture<F, T, B> {
        #[pin]
        inner: F,
        shared: Option<Arc<Shared<T>>>,
        // Boxed: only a store's save waits here, and the future stays small.
        saving: Option<Box<Saving<B>>>,
        // Debug builds: a host a `Secure` cookie would be lost on.
        insecure_host: Option<String>,
    }
}

impl<F, E, T, B> Future for ResponseFuture<F, T, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    T: SessionSchema + Send + Sync,
    B: From<String>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let host = this.insecure_host.as_deref();
        if this.saving.is_none() {
            let response = ready!(this.inner.poll(cx))?;
            let shared = this
                .shared
                .take()
                .expect("ResponseFuture polled after completion");
            let render = Arc::clone(&shared.core.render);
            let Some(saving) = slot::finish(shared) else {
                return Poll::Ready(Ok(response));
            };
            match saving.into_ready() {
                Ok(saved) => return Poll::Ready(Ok(slot::respond(saved, response, &render, host))),
                Err(pending) => {
                    *this.saving = Some(Box::new(Saving {
                        pending,
                        response,
                        render,
                    }));
                }
            }
        }
        let waiting = this.saving.as_mut().expect("saving is set");
        let saved = ready!(Pin::new(&mut waiting.pending).poll(cx));
        let Saving {
            response, render, ..
        } = *this.saving.take().expect("saving is set");
        Poll::Ready(Ok(slot::respond(saved, response, &render, host)))
    }
}

/// A save that waits for its store, with the response it will complete.
struct Saving<B> {
    pending: Pending<Result<SetCookies, SaveError>>,
    response: Response<B>,
    render: slot::Renderer,
}

impl<F, T, B> fmt::Debug for ResponseFuture<F, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// The `Session<T>` of a request that went through a [`SessionLayer<T>`].
///
/// The first call loads the session; later calls get the state the
/// previous copy left, or, while another copy is out, their own copy (see
/// the [module docs](self)). The session writes itself back when dropped.
///
/// # Errors
/// A [`SessionRejection`]: no `SessionLayer<T>` wraps the service, or the
/// store failed. Its [`to_response`](SessionRejection::to_response) is the
/// answer.
pub fn session<T: SessionSchema + Send + Sync, B>(
    request: &Request<B>,
) -> Pending<Result<Session<T>, SessionRejection>> {
    extract::<T>(request.extensions(), request.headers())
}

/// As [`session`], from the request's parts (what extractors get).
///
/// # Errors
/// As [`session`].
pub fn from_parts<T: SessionSchema + Send + Sync>(
    parts: &Parts,
) -> Pending<Result<Session<T>, SessionRejection>> {
    extract::<T>(&parts.extensions, &parts.headers)
}

fn extract<T: SessionSchema + Send + Sync>(
    extensions: &http::Extensions,
    headers: &http::HeaderMap,
) -> Pending<Result<Session<T>, SessionRejection>> {
    let Some(handle) = extensions.get::<Handle<T>>() else {
        return Pending::ready(Err(SessionRejection::new(
            SessionFailure::MissingLayer {
                schema: std::any::type_name::<T>(),
            },
            None,
        )));
    };
    slot::extract(Arc::clone(&handle.0), |_| headers)
}
