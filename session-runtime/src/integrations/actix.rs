//! actix-web 4 (feature `actix`): [`SessionMiddleware`] and the
//! `Session<T>` extractor, with the semantics of the [tower
//! layer](crate::tower).
//!
//! ```
//! use actix_web::{App, test, web};
//! use session_runtime::actix::SessionMiddleware;
//! use session_runtime::{Key, Session, SessionConfig};
//!
//! #[derive(Session)]
//! struct Visits {
//!     #[session(default)]
//!     count: u32,
//! }
//!
//! async fn index(mut session: Session<Visits>) -> String {
//!     session.set_count(session.count() + 1);
//!     format!("visit {}", session.count())
//! } // dropped here: the middleware sees the change and sets the cookie
//!
//! # actix_web::rt::System::new().block_on(async {
//! let middleware = SessionMiddleware::new(SessionConfig::<Visits>::new(Key::generate()));
//! let app = test::init_service(
//!     App::new().wrap(middleware).route("/", web::get().to(index)),
//! )
//! .await;
//! let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
//! assert!(response.headers().contains_key("set-cookie"));
//! assert_eq!(test::read_body(response).await, "visit 1");
//! # });
//! ```
//!
//! # How a request goes
//!
//! As with the tower layer: the middleware puts a per-request slot into the
//! request's extensions and loads nothing; the first extraction loads the
//! session (a store's load is awaited; a store that fails rejects with
//! `503`); a session writes itself back into the slot when dropped, and
//! two extractions in one handler merge by field; after the handler the
//! middleware saves what changed and appends one `Set-Cookie`, on every
//! response, whatever its status. A save that fails replaces the response
//! with the failure response (`500`, `503` for a store; the
//! [`SessionFailure`] in its extensions); a session extracted where no
//! `SessionMiddleware` of its schema runs is a `500`. The default bodies
//! name no type. Several session types, each with its own middleware (and
//! cookie name), can serve one application.
//!
//! An error the inner service returns (rather than an error *response*,
//! which is how actix-web answers a handler's or an extractor's error) goes
//! on as it is, and nothing is saved, as with the tower layer.
//!
//! # Panics in handlers
//!
//! actix-web does not catch a handler's panic: the task serving the
//! connection unwinds and the connection is closed without a response (the
//! worker goes on serving other connections). A session dropped while its
//! thread unwinds marks the request's session as abandoned, so a handler
//! that panics saves nothing, neither into the store nor into a cookie;
//! the same holds when a panic-catching middleware inside this one turns
//! the panic into a `500`: that response carries no `Set-Cookie`. As with
//! the tower layer, a handler that hands every copy of its session back
//! (`drop(session)`) and panics afterwards is not seen as panicking.
//!
//! # `http` versions
//!
//! actix-web 4 speaks `http` 0.2; the transport speaks `http` 1. Only what
//! the transport reads crosses, when the session is first loaded: the
//! session header and the `Cookie` lines. The response's `Set-Cookie` (and
//! a failure response, rendered as `http::Response<String>` so that one
//! renderer serves the tower layer and this middleware) crosses back.
//!
//! # The extractor
//!
//! `Session<T>` is a type generated in the user's crate, so the
//! `FromRequest` impl is generated there too, by `#[derive(Session)]` when
//! this feature is on. It calls [`session`].

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::HttpMessage as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use super::slot::{self, Conclusion, LayerCore, Shared};
pub use super::slot::{SessionFailure, SessionRejection};
use crate::backend::{Pending, SessionConfig};
use crate::error::SaveError;
use crate::model::{Session, SessionSchema};
use crate::transport::{SetCookies, Transport};

/// The actix-web middleware that loads `Session<T>` on demand and saves it
/// after the response (`App::new().wrap(SessionMiddleware::new(config))`).
/// See the [module docs](self).
pub struct SessionMiddleware<T> {
    core: Arc<LayerCore<T>>,
}

impl<T: SessionSchema + Send + Sync> SessionMiddleware<T> {
    /// A middleware for sessions configured by `config`, carried as
    /// [`Transport::new`] carries them.
    pub fn new(config: SessionConfig<T>) -> Self {
        Self::from_transport(Transport::new(config))
    }

    /// A middleware carrying sessions as `transport` says (cookie options,
    /// the session header, a rejection hook).
    pub fn from_transport(transport: Transport<T>) -> Self {
        Self {
            core: Arc::new(LayerCore {
                transport,
                render: slot::default_render(),
            }),
        }
    }

    /// Renders the response that replaces the handler's when the session
    /// fails (it cannot be saved, the store is unavailable), as the tower
    /// layer's [`with_failure_response`](crate::tower::SessionLayer::with_failure_response)
    /// does: `render` gets the failure and gives an `http` 1 response (the
    /// middleware converts it, and adds the failure to its extensions).
    /// Without it: the failure's status and a short text.
    ///
    /// # Panics
    /// If the middleware was already cloned (`App::wrap` clones it per
    /// worker).
    #[must_use]
    pub fn with_failure_response(
        mut self,
        render: impl Fn(&SessionFailure) -> http::Response<String> + Send + Sync + 'static,
    ) -> Self {
        Arc::get_mut(&mut self.core)
            .expect("configure the middleware before using it")
            .render = Arc::new(render);
        self
    }

    /// The transport (configuration, cookie and header names).
    pub fn transport(&self) -> &Transport<T> {
        &self.core.transport
    }
}

impl<T> Clone for SessionMiddleware<T> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
        }
    }
}

impl<T> fmt::Debug for SessionMiddleware<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddleware")
            .field("transport", &self.core.transport)
            .finish_non_exhaustive()
    }
}

impl<S, B, T> Transform<S, ServiceRequest> for SessionMiddleware<T>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>>,
    B: MessageBody,
    T: SessionSchema + Send + Sync + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = S::Error;
    type Transform = SessionService<S, T>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, inner: S) -> Self::Future {
        ready(Ok(SessionService {
            inner,
            core: Arc::clone(&self.core),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around the application.
pub struct SessionService<S, T> {
    inner: S,
    core: Arc<LayerCore<T>>,
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

impl<S, B, T> Service<ServiceRequest> for SessionService<S, T>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>>,
    B: MessageBody,
    T: SessionSchema + Send + Sync + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, T, B>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let shared = Shared::new(Arc::clone(&self.core));
        request.extensions_mut().insert(Handle(Arc::clone(&shared)));
        let headers = request.headers();
        let insecure_host = slot::insecure_host(&self.core.transport, |name| {
            headers.get(name).map(HeaderValue::as_bytes)
        });
        // The middleware keeps the slot, never a clone of the request: a
        // clone held across the call would make inner middleware that
        // needs the request alone (`head_mut`) panic, and keep the request
        // out of actix's pool.
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
    /// the session's `Set-Cookie` appended, or the failure response.
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

/// A save that waits for its store, with the response it will complete.
struct Saving<B> {
    pending: Pending<Result<SetCookies, SaveError>>,
    response: ServiceResponse<B>,
    render: slot::Renderer,
}

impl<F, E, T, B> Future for ResponseFuture<F, T, B>
where
    F: Future<Output = Result<ServiceResponse<B>, E>>,
    T: SessionSchema + Send + Sync + 'static,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let host = this.insecure_host.as_deref();
        if this.saving.is_none() {
            // An error of the inner service: the slot is dropped unsaved.
            let response = std::task::ready!(this.inner.poll(cx))?;
            // The request outlives the response (actix pools it): its
            // handle goes now, so that the slot is usually ours alone.
            response.request().extensions_mut().remove::<Handle<T>>();
            let shared = this
                .shared
                .take()
                .expect("ResponseFuture polled after completion");
            let render = Arc::clone(&shared.core.render);
            let Some(saving) = slot::finish(shared) else {
                return Poll::Ready(Ok(response.map_into_left_body()));
            };
            match saving.into_ready() {
                Ok(saved) => return Poll::Ready(Ok(complete(saved, response, &render, host))),
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
        let saved = std::task::ready!(Pin::new(&mut waiting.pending).poll(cx));
        let Saving {
            response, render, ..
        } = *this.saving.take().expect("saving is set");
        Poll::Ready(Ok(complete(saved, response, &render, host)))
    }
}

impl<F, T, B> fmt::Debug for ResponseFuture<F, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// `response` with the session's cookie, or the failure response that
/// replaces it.
fn complete<B>(
    saved: Result<SetCookies, SaveError>,
    mut response: ServiceResponse<B>,
    render: &slot::Renderer,
    insecure_host: Option<&str>,
) -> ServiceResponse<EitherBody<B>> {
    match slot::conclude(saved, insecure_host) {
        Conclusion::Unchanged => response.map_into_left_body(),
        Conclusion::SetCookie(lines) => {
            for line in lines {
                if let Some((name, value)) = to_actix_header(&http::header::SET_COOKIE, &line) {
                    response.headers_mut().append(name, value);
                }
            }
            response.map_into_left_body()
        }
        Conclusion::Failed(failure) => response
            .into_response(failure_response(render(&failure), &failure))
            .map_into_right_body(),
    }
}

/// The `Session<T>` of a request that went through a
/// [`SessionMiddleware<T>`].
///
/// The first call loads the session; later calls get the state the
/// previous copy left, or, while another copy is out, their own copy (see
/// the [module docs](self)). The session writes itself back when dropped.
/// The future borrows nothing of the request.
///
/// # Errors
/// A [`SessionRejection`]: no `SessionMiddleware<T>` wraps the route, or
/// the store failed. As an actix-web error it answers with the
/// middleware's failure response.
pub fn session<T: SessionSchema + Send + Sync>(
    request: &HttpRequest,
) -> Pending<Result<Session<T>, SessionRejection>> {
    let handle = request
        .extensions()
        .get::<Handle<T>>()
        .map(|handle| Arc::clone(&handle.0));
    let Some(shared) = handle else {
        return Pending::ready(Err(SessionRejection::new(
            SessionFailure::MissingLayer {
                schema: std::any::type_name::<T>(),
            },
            None,
        )));
    };
    slot::extract(shared, |transport| {
        transport_headers(transport, request.headers())
    })
}

/// What the transport reads of `headers`, as `http` 1 headers: the session
/// header and the `Cookie` lines, each value copied once. Values actix-web
/// accepted are valid `http` 1 values (both versions allow the same bytes).
fn transport_headers<T>(transport: &Transport<T>, headers: &header::HeaderMap) -> http::HeaderMap {
    let convert = |value: &HeaderValue| http::HeaderValue::from_bytes(value.as_bytes()).ok();
    let mut out = http::HeaderMap::new();
    if let Some(name) = transport.header_name()
        && let Some(value) = headers.get(name.as_str()).and_then(convert)
    {
        out.insert(name.clone(), value);
    }
    for value in headers.get_all(header::COOKIE).filter_map(convert) {
        out.append(http::header::COOKIE, value);
    }
    out
}

/// An `http` 1 header as actix-web's (`http` 0.2), the value copied once.
/// Both versions accept the same names and bytes, so this gives `None`
/// only for what `http` 1 itself would have refused.
fn to_actix_header(
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Option<(HeaderName, HeaderValue)> {
    Some((
        HeaderName::from_bytes(name.as_str().as_bytes()).ok()?,
        HeaderValue::from_bytes(value.as_bytes()).ok()?,
    ))
}

/// A rendered failure (`http` 1) as actix-web's response, with `failure`
/// in its extensions.
fn failure_response(rendered: http::Response<String>, failure: &SessionFailure) -> HttpResponse {
    let (parts, body) = rendered.into_parts();
    let status =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::with_body(status, body);
    for (name, value) in &parts.headers {
        if let Some((name, value)) = to_actix_header(name, value) {
            response.headers_mut().append(name, value);
        }
    }
    response.extensions_mut().insert(failure.clone());
    response.map_into_boxed_body()
}

/// A rejected extraction answers with the middleware's failure response
/// (the default one when no middleware runs).
impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.failure().status().as_u16())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        failure_response(self.to_response(), self.failure())
    }
}

/// A schema whose sessions can be extracted (`T: SessionSchema + Send +
/// Sync`), written without supertraits and with a lifetime parameter, so
/// that the bound of the generated extractor names a parameter and is
/// checked where the extractor is used, not where it is generated: a
/// schema that is not `Send + Sync` then gets its one error on the field's
/// type, from the derive. Not API: generated code names it.
#[doc(hidden)]
pub trait Extractable<'a> {
    /// [`session`].
    fn extract(request: &HttpRequest) -> Pending<Result<Session<Self>, SessionRejection>>
    where
        Self: SessionSchema;
}

impl<T: SessionSchema + Send + Sync> Extractable<'_> for T {
    fn extract(request: &HttpRequest) -> Pending<Result<Session<T>, SessionRejection>> {
        session::<T>(request)
    }
}

/// Implements actix-web's `FromRequest` for the session type of `$schema`.
///
/// `#[derive(Session)]` calls it through `impl_extractor!`; the expansion is
/// empty unless the runtime's `actix` feature is on. The impl's lifetime
/// only keeps the bound from being checked where the impl is generated.
#[doc(hidden)]
#[macro_export]
macro_rules! __session_impl_actix_extractor {
    ($schema:ty, $fields:ty) => {
        impl<'__session> $crate::__private::ActixFromRequest for $fields
        where
            $schema: $crate::__private::ActixExtractable<'__session>,
        {
            type Error = $crate::actix::SessionRejection;
            type Future = $crate::__private::Pending<$crate::__private::Result<Self, Self::Error>>;

            fn from_request(
                request: &$crate::__private::ActixHttpRequest,
                _payload: &mut $crate::__private::ActixPayload,
            ) -> Self::Future {
                <$schema as $crate::__private::ActixExtractable<'__session>>::extract(request)
            }
        }
    };
}
