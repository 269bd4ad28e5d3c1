//! The HTTP API's connections: at most `--max-connections` open at once (the rest wait in the
//! kernel's backlog, so a flood of idle sockets cannot starve `/healthz` of file descriptors
//! for longer than a timeout), and each one closed when it brings no request within
//! `--header-read-timeout` of opening or sits with no request in flight for `--idle-timeout`.
//! A silent or trickling client therefore holds a slot for a bounded time.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::IncomingStream;
use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// The limits every connection is held to.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    /// From the connection's start to its first request's headers.
    pub header_read: Duration,
    /// With no request in flight, after the previous one (bounds the next request's headers too).
    pub idle: Duration,
}

impl Limits {
    /// Raises the open-file limit and keeps `max_connections` within half of it.
    pub fn new(max_connections: usize, header_read: Duration, idle: Duration) -> Limits {
        let open_files = raise_open_file_limit();
        let effective = effective_max_connections(max_connections, open_files);
        if effective < max_connections {
            tracing::warn!(
                max_connections = effective,
                open_files,
                "--max-connections lowered to half the open-file limit"
            );
        }
        Limits {
            max_connections: effective,
            header_read,
            idle,
        }
    }
}

/// A TCP listener that accepts only while fewer than `max_connections` are open.
pub struct LimitedListener {
    inner: TcpListener,
    permits: Arc<Semaphore>,
    limits: Limits,
}

impl LimitedListener {
    pub fn new(inner: TcpListener, limits: Limits) -> LimitedListener {
        let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
        LimitedListener {
            inner,
            permits,
            limits,
        }
    }
}

impl axum::serve::Listener for LimitedListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        // The semaphore is never closed; `pending` only satisfies the types.
        let Ok(permit) = self.permits.clone().acquire_owned().await else {
            return std::future::pending().await;
        };
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => return (Conn::new(stream, permit, self.limits), addr),
                Err(e) => {
                    // Out of file descriptors (or a connection reset before accept): back off
                    // instead of spinning; the slot stays reserved.
                    tracing::warn!(error = %e, "accepting an HTTP connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// What a connection's requests tell its timer.
struct Activity {
    in_flight: AtomicUsize,
    served: AtomicBool,
    /// When the connection opened, or its last request ended.
    idle_since: Mutex<Instant>,
    /// The connection's task, woken when its last request in flight ends (to arm the timer).
    waker: AtomicWaker,
}

/// A handle on a connection's activity, given to every request as its `ConnectInfo`.
#[derive(Clone)]
pub struct ConnHandle(Arc<Activity>);

impl Connected<IncomingStream<'_, LimitedListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, LimitedListener>) -> ConnHandle {
        ConnHandle(stream.io().activity.clone())
    }
}

/// Counts a request in flight on its connection until dropped (also when the client goes away).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut t) = self.0.idle_since.lock() {
            *t = Instant::now();
        }
        self.0.served.store(true, Ordering::Release);
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.waker.wake();
        }
    }
}

/// Middleware: marks the request's connection busy while the request is handled.
pub async fn track_requests(req: Request, next: Next) -> Response {
    let guard =
        req.extensions()
            .get::<ConnectInfo<ConnHandle>>()
            .map(|ConnectInfo(ConnHandle(a))| {
                a.in_flight.fetch_add(1, Ordering::AcqRel);
                InFlight(a.clone())
            });
    let resp = next.run(req).await;
    drop(guard);
    resp
}

/// An accepted connection: the socket, its slot, and its timer.
pub struct Conn {
    stream: TcpStream,
    activity: Arc<Activity>,
    limits: Limits,
    timer: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl Conn {
    fn new(stream: TcpStream, slot: OwnedSemaphorePermit, limits: Limits) -> Conn {
        let now = Instant::now();
        Conn {
            stream,
            activity: Arc::new(Activity {
                in_flight: AtomicUsize::new(0),
                served: AtomicBool::new(false),
                idle_since: Mutex::new(now),
                waker: AtomicWaker::new(),
            }),
            limits,
            timer: Box::pin(tokio::time::sleep_until(now + limits.header_read)),
            _slot: slot,
        }
    }

    /// Whether the connection has waited too long for a request; arms the timer when not.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let a = &self.activity;
        a.waker.register(cx.waker());
        if a.in_flight.load(Ordering::Acquire) > 0 {
            return false;
        }
        let since = a
            .idle_since
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|_| Instant::now());
        let deadline = since
            + if a.served.load(Ordering::Acquire) {
                self.limits.idle
            } else {
                self.limits.header_read
            };
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        self.timer.as_mut().poll(cx).is_ready()
    }

    fn timed_out(&self) -> io::Error {
        let what = if self.activity.served.load(Ordering::Acquire) {
            "idle timeout"
        } else {
            "header read timeout"
        };
        io::Error::new(io::ErrorKind::TimedOut, what)
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(this.timed_out())),
            other => other,
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // A client that stops reading its answer is cut off like a silent one.
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(this.timed_out())),
            other => other,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(this.timed_out())),
            other => other,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Raises the open-file soft limit to the hard limit (a default soft limit of 1024, or 256,
/// is easily filled by sockets); answers the soft limit now in force, if known.
pub fn raise_open_file_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => return limit.maximum,
            Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
        }
    }
    limit.current
}

/// The connection limit a process with `open_files` descriptors can keep: half of them, the
/// rest left to the store, the providers' connections and gRPC.
pub fn effective_max_connections(wanted: usize, open_files: Option<u64>) -> usize {
    match open_files.and_then(|n| usize::try_from(n / 2).ok()) {
        Some(half) => wanted.min(half).max(1),
        None => wanted.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_leave_half_the_descriptors_free() {
        assert_eq!(effective_max_connections(1024, Some(256)), 128);
        assert_eq!(effective_max_connections(1024, Some(1 << 20)), 1024);
        assert_eq!(effective_max_connections(1024, None), 1024);
        assert_eq!(effective_max_connections(0, Some(1)), 1);
    }
}
