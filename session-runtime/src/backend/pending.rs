//! [`Pending`]: the result of a backend operation, ready at once or later.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The result of a backend operation: ready at once (a sealed cookie needs
/// no I/O) or a future (a store's round trip).
///
/// The ready case allocates nothing, so cookie sessions pay nothing for the
/// seam being asynchronous. Await it like any future, or take a ready value
/// with [`now`](Self::now).
#[must_use = "a pending backend operation does nothing unless awaited"]
pub struct Pending<T>(Inner<T>);

enum Inner<T> {
    Ready(Option<T>),
    Later(Pin<Box<dyn Future<Output = T> + Send>>),
}

impl<T> Pending<T> {
    /// A result that is ready now.
    pub fn ready(value: T) -> Self {
        Self(Inner::Ready(Some(value)))
    }

    /// A result that `future` gives later.
    pub fn later(future: impl Future<Output = T> + Send + 'static) -> Self {
        Self(Inner::Later(Box::pin(future)))
    }

    /// The value if it is ready now, else the pending operation back.
    ///
    /// # Errors
    /// `self`, when the result needs awaiting.
    ///
    /// # Panics
    /// If a ready value was already taken by polling.
    pub fn into_ready(self) -> Result<T, Self> {
        match self.0 {
            Inner::Ready(value) => Ok(value.expect("Pending polled after completion")),
            later @ Inner::Later(_) => Err(Self(later)),
        }
    }

    /// Whether the result is ready now (it is for every cookie backend).
    pub fn is_ready(&self) -> bool {
        matches!(self.0, Inner::Ready(Some(_)))
    }

    /// The result when it is ready now, as every cookie backend's is:
    /// framework-free code without an executor writes
    /// `session.save(&config).now()`. `None` when it needs awaiting (a
    /// store's round trip); await it instead.
    pub fn now(self) -> Option<T> {
        self.into_ready().ok()
    }

    /// The same operation with `f` applied to its result (at once when ready).
    ///
    /// `T` need not be `Send`: the value is handed to `f` as soon as it
    /// arrives, never held across an await.
    ///
    /// # Panics
    /// If a ready value was already taken by polling.
    pub fn map<U>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Pending<U>
    where
        T: 'static,
    {
        match self.0 {
            Inner::Ready(value) => {
                Pending::ready(f(value.expect("Pending polled after completion")))
            }
            Inner::Later(future) => Pending::later(async move { f(future.await) }),
        }
    }
}

// The value is moved out, never pinned in place; the future is boxed.
impl<T> Unpin for Pending<T> {}

impl<T> Future for Pending<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.get_mut().0 {
            Inner::Ready(value) => {
                Poll::Ready(value.take().expect("Pending polled after completion"))
            }
            Inner::Later(future) => future.as_mut().poll(cx),
        }
    }
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Inner::Ready(_) => "Pending::Ready",
            Inner::Later(_) => "Pending::Later",
        })
    }
}
