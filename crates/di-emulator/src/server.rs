//! The HTTP side: listening, faults, the control routes, shutdown.
//!
//! [`start`] binds a listener and runs its own accept loop; every connection is served by
//! hyper's HTTP/1.1 server, with keep-alive, after its TLS handshake when the emulator serves
//! HTTPS ([`Config::with_tls`], `tls.rs`; the handshakes are counted). A request's body is read whole (at most
//! [`MAX_BODY`] bytes), then:
//!
//! - `/_emulator/...` goes to the control routes (loopback peers only): faults, counters, task
//!   state;
//! - anything else is an API request: it meets the next planned [`Fault`] that applies to its
//!   action (read as the gateway reads it, [`gateway::action_of`]), if any, and is otherwise
//!   answered by the service core.
//!
//! The faults that close the connection without an answer make the hyper service fail: hyper
//! then drops the connection without writing a byte.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use di_proto::Timestamp;
use http::header::{self, HeaderMap, HeaderValue};
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Sleep;

use crate::config::Config;
use crate::faults::{Fault, FaultPlan};
use crate::seed::SeedTask;
use crate::service::answer;
use crate::state::{Shared, Task, TaskState};
use crate::{gateway, render};

/// The largest request body served; a larger one is refused with 413.
const MAX_BODY: u64 = 1024 * 1024;
/// Up to this many bytes of a refused body are read and discarded, so that the client gets
/// the 413 (and the connection stays usable); beyond, the connection is closed after it.
const MAX_DRAIN: u64 = 8 * 1024 * 1024;
/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Handle::shutdown`] lets in-flight requests run.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// The pace of [`Fault::StalledBody`].
const TRICKLE_INTERVAL: Duration = Duration::from_secs(1);
/// The prefix of the control routes.
const CONTROL_PREFIX: &str = "/_emulator";
/// The content type of every JSON answer written here.
const JSON: &str = "application/json;charset=utf-8";
/// The names of the faults, as the control route takes them.
const FAULT_NAMES: &str = "internal_error, throttling, proxy_html_502, truncated_body, delay, \
                           stalled_body, connection_reset, lost_response, huge_body";
/// What [`Fault::ProxyHtml502`] sends, as Tengine (the nginx in front of Alibaba Cloud) does.
const PROXY_502_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                              <center><h1>502 Bad Gateway</h1></center>\r\n\
                              <hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n";

/// A running emulator. Dropping it stops the server at once; [`Handle::shutdown`] stops it
/// gracefully.
pub struct Handle {
    inner: Arc<Inner>,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
}

/// What the emulator has served so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// API requests received, whatever their answer (refused, faulty or served); the control
    /// routes are not counted.
    pub requests: u64,
    /// TCP connections accepted, the control routes' included.
    pub connections: u64,
    /// API requests that met a [`Fault`].
    pub faults_served: u64,
    /// API requests the flow control throttled ([`crate::Config::with_rate_limit`]).
    pub throttled: u64,
    /// TLS handshakes completed (HTTPS only, [`Config::with_tls`]): one per connection, so
    /// this is how many a client's keep-alive saved.
    pub tls_handshakes: u64,
    /// TLS handshakes that failed: a client that does not trust the certificate, speaks no
    /// TLS, or gave up (within 10 s).
    pub tls_handshake_failures: u64,
}

/// The state every connection shares.
struct Inner {
    shared: Shared,
    /// The emulator's monotonic clock starts here.
    started: Instant,
    /// How far [`Handle::advance_clock`] moved the monotonic clock, in nanoseconds.
    advanced_nanos: AtomicU64,
    /// HTTPS: the acceptor and, for a generated certificate, its CA's certificate.
    tls: Option<crate::tls::Served>,
    tls_handshakes: AtomicU64,
    tls_handshake_failures: AtomicU64,
}

impl Inner {
    fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn tasks(&self) -> MutexGuard<'_, HashMap<(i64, i64), Task>> {
        self.shared
            .tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The emulator's monotonic clock: time since it started, plus what
    /// [`Handle::advance_clock`] added. It times settling changes, config processes and the
    /// flow control.
    fn uptime(&self) -> Duration {
        self.started.elapsed().saturating_add(Duration::from_nanos(
            self.advanced_nanos.load(Ordering::Relaxed),
        ))
    }

    fn counters(&self) -> Counters {
        Counters {
            requests: self.shared.requests.load(Ordering::Relaxed),
            connections: self.shared.connections.load(Ordering::Relaxed),
            faults_served: self.shared.faults_served.load(Ordering::Relaxed),
            throttled: self.shared.throttled.load(Ordering::Relaxed),
            tls_handshakes: self.tls_handshakes.load(Ordering::Relaxed),
            tls_handshake_failures: self.tls_handshake_failures.load(Ordering::Relaxed),
        }
    }
}

/// Starts an emulator: checks `config`, makes (or reads) its TLS certificate when it serves
/// HTTPS (writing the CA's certificate where [`Config::with_tls_ca_out`] asks), binds its
/// listen address and serves in the background until [`Handle::shutdown`] or the [`Handle`]
/// is dropped. Call it within a Tokio runtime.
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] when `config` is unusable (a listen address that is not
/// loopback, without the opt-in; a TLS certificate or key that does not parse or match); the
/// file's error, naming it, when a TLS file cannot be read or the CA's written; the bind
/// error when the address cannot be bound.
pub async fn start(config: Config) -> io::Result<Handle> {
    config
        .check()
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
    let tls = if config.is_tls() {
        Some(crate::tls::prepare(&config.tls)?)
    } else {
        None
    };
    let listener = TcpListener::bind(config.listen()).await?;
    let local_addr = listener.local_addr()?;
    let inner = Arc::new(Inner {
        shared: Shared::new(config),
        started: Instant::now(),
        advanced_nanos: AtomicU64::new(0),
        tls,
        tls_handshakes: AtomicU64::new(0),
        tls_handshake_failures: AtomicU64::new(0),
    });
    let (stop, stopped) = watch::channel(false);
    let accept = tokio::spawn(accept_loop(listener, Arc::clone(&inner), stopped));
    tracing::info!(%local_addr, "di-emulator listening");
    Ok(Handle {
        inner,
        local_addr,
        stop,
        accept: Some(accept),
    })
}

impl Handle {
    /// The URL to send requests to, as `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT`
    /// when it serves HTTPS (an unspecified listen address is reported as loopback).
    pub fn base_url(&self) -> String {
        let ip = match self.local_addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let scheme = if self.inner.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", SocketAddr::new(ip, self.local_addr.port()))
    }

    /// The certificate (PEM) of the CA that issued the generated TLS certificate: what a
    /// client trusts to call this emulator over HTTPS. `None` over plain HTTP, or when the
    /// certificate was given ([`Config::with_tls_files`], [`Config::with_tls_pem`]).
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.inner.tls.as_ref()?.ca_pem.as_deref()
    }

    /// The address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What the emulator has served so far.
    pub fn counters(&self) -> Counters {
        self.inner.counters()
    }

    /// Serves `fault` to the next `count` API requests, after the faults queued before it.
    pub fn fail_next(&self, fault: Fault, count: u64) {
        self.inner.faults().push_next(fault, count);
    }

    /// Serves `fault` to the next `count` API requests of action `action` (as
    /// `DeleteDISyncTask`, matched exactly: the V1 `Action` parameter, or the V3
    /// `x-acs-action` header), after the faults queued before it that apply to them; requests
    /// of other actions pass it by ([`FaultPlan::push_next_for`]).
    pub fn fail_next_for(&self, action: &str, fault: Fault, count: u64) {
        self.inner.faults().push_next_for(action, fault, count);
    }

    /// Serves `fault` to `per_mille` out of 1000 API requests, at random (see
    /// [`Handle::seed_faults`]).
    pub fn fail_at_rate(&self, fault: Fault, per_mille: u16) {
        self.inner.faults().push_rate(fault, per_mille);
    }

    /// Seeds the generator behind the faults served at a rate, so that a run repeats.
    pub fn seed_faults(&self, seed: u64) {
        self.inner.faults().seed(seed);
    }

    /// Forgets every planned fault.
    pub fn clear_faults(&self) {
        self.inner.faults().clear();
    }

    /// The state of task `file_id` in workspace `project_id`, if the emulator knows it.
    /// A change still settling reports the state it goes to.
    pub fn task_state(&self, project_id: i64, file_id: i64) -> Option<TaskState> {
        self.inner
            .tasks()
            .get(&(project_id, file_id))
            .map(|task| task.state)
    }

    /// Sets the state of task `file_id` in workspace `project_id`, settled, creating the task
    /// if need be (a real-time task with the defaults of [`SeedTask::new`]).
    pub fn set_task_state(&self, project_id: i64, file_id: i64, state: TaskState) {
        self.inner
            .tasks()
            .entry((project_id, file_id))
            .and_modify(|task| {
                task.state = state;
                task.settles_at = None;
            })
            .or_insert_with(|| SeedTask::new(project_id, file_id).in_state(state).to_task());
    }

    /// Adds the task `task` describes (its name, folder, type, state and script), replacing
    /// any task with its workspace and file id: for a test that needs named tasks in folders,
    /// or batch tasks and solutions, beside those of the [`Config`].
    pub fn seed_task(&self, task: &SeedTask) {
        self.inner.shared.seed(task);
    }

    /// Moves the emulator's monotonic clock `by` ahead at once: what settling changes
    /// ([`Config::with_settle_delay`]), config processes ([`Config::with_process_delay`]) and
    /// the flow control measure, so that a test need not sleep through them. The wall clock
    /// (the timestamp window, `Date` headers) does not move.
    pub fn advance_clock(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self.inner.advanced_nanos.fetch_update(
            Ordering::Relaxed,
            Ordering::Relaxed,
            |advanced| Some(advanced.saturating_add(nanos)),
        );
    }

    /// Serves until SIGINT (Ctrl-C) or, on Unix, SIGTERM, then shuts down as
    /// [`Handle::shutdown`] does: what the binaries do in the foreground.
    pub async fn serve_until_signal(self) {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }

    /// Stops accepting connections, lets the requests in flight finish (for at most 5
    /// seconds; the rest are cut), and returns once the server is down.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(accept) = self.accept.take()
            && let Err(error) = accept.await
            && error.is_panic()
        {
            tracing::error!("the accept loop panicked");
        }
    }
}

impl std::fmt::Debug for Handle {
    /// The address and the counters only: the configuration holds secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("local_addr", &self.local_addr)
            .field("counters", &self.counters())
            .finish_non_exhaustive()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Aborting the accept loop drops its listener and, with its `JoinSet`, aborts every
        // connection task.
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
    }
}

/// Accepts connections until `stop` turns true, then waits (at most [`SHUTDOWN_GRACE`]) for
/// the connections to finish their requests.
async fn accept_loop(listener: TcpListener, inner: Arc<Inner>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    inner.shared.connections.fetch_add(1, Ordering::Relaxed);
                    connections.spawn(serve_connection(
                        stream,
                        peer,
                        Arc::clone(&inner),
                        stop.clone(),
                    ));
                }
                Err(error) => {
                    // Out of file descriptors, most likely: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "requests still in flight after the grace period; cutting them"
        );
        connections.abort_all();
    }
    tracing::info!("di-emulator stopped");
}

/// Resolves once `stop` is true (or can no longer change).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Serves one connection: over TLS when the emulator serves HTTPS (the handshake first,
/// counted, within [`HANDSHAKE_TIMEOUT`]), else as it is.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    inner: Arc<Inner>,
    stop: watch::Receiver<bool>,
) {
    // Small answers go out at once; a failure here only costs latency.
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = inner.tls.as_ref().map(|tls| tls.acceptor.clone()) else {
        return serve_http(stream, peer, inner, stop).await;
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => {
            inner.tls_handshakes.fetch_add(1, Ordering::Relaxed);
            serve_http(stream, peer, inner, stop).await;
        }
        Ok(Err(error)) => {
            inner.tls_handshake_failures.fetch_add(1, Ordering::Relaxed);
            tracing::info!(%error, "TLS handshake failed");
        }
        Err(_elapsed) => {
            inner.tls_handshake_failures.fetch_add(1, Ordering::Relaxed);
            tracing::info!("TLS handshake timed out");
        }
    }
}

/// Serves HTTP on one connection until the client closes it, a fault drops it, or `stop`
/// turns true (then the request in flight finishes and the connection closes).
async fn serve_http<S>(
    stream: S,
    peer: SocketAddr,
    inner: Arc<Inner>,
    mut stop: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let idle_timeout = inner.shared.config.idle_timeout;
    let service = service_fn(move |request| {
        let inner = Arc::clone(&inner);
        async move { handle(&inner, peer, request).await }
    });
    let mut builder = http1::Builder::new();
    // The timer enables hyper's default 30-second limit on reading a request head.
    builder.timer(TokioTimer::new()).keep_alive(true);
    if let Some(idle) = idle_timeout {
        // hyper starts this timer whenever it waits for a request head, the first or the
        // next one on a kept-alive connection: an idle connection is closed when it fires.
        builder.header_read_timeout(idle);
    }
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        if std::error::Error::source(&error).is_some_and(|source| source.is::<Dropped>()) {
            tracing::debug!("connection closed without an answer, as the fault asks");
        } else {
            tracing::debug!(%error, "connection ended with an error");
        }
    }
}

/// The error that makes hyper close the connection without writing an answer.
#[derive(Debug, thiserror::Error)]
#[error("the connection is closed without an answer, as a fault asks")]
struct Dropped;

/// A request body, read.
enum BodyRead {
    /// The whole body.
    Complete(Bytes),
    /// Larger than [`MAX_BODY`]; `drained` when it was read to its end (and discarded), so
    /// the connection can go on.
    TooLarge { drained: bool },
    /// The body could not be read (the client went away, or a malformed chunk).
    Broken,
}

async fn read_body(mut body: Incoming) -> BodyRead {
    if body.size_hint().lower() > MAX_DRAIN {
        return BodyRead::TooLarge { drained: false };
    }
    let mut buffer = BytesMut::new();
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyRead::Broken;
        };
        // Trailers are ignored.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
        if total > MAX_DRAIN {
            return BodyRead::TooLarge { drained: false };
        }
        if total <= MAX_BODY {
            buffer.extend_from_slice(&data);
        } else {
            buffer = BytesMut::new();
        }
    }
    if total > MAX_BODY {
        BodyRead::TooLarge { drained: true }
    } else {
        BodyRead::Complete(buffer.freeze())
    }
}

/// Serves one request: a control route, or an API request with its fault.
async fn handle(
    inner: &Inner,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<ReplyBody>, Dropped> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = read_body(body).await;
    if is_control(parts.uri.path()) {
        let response = control(inner, peer, &parts, body);
        tracing::info!(
            method = %parts.method,
            route = ?parts.uri.path(),
            status = response.status().as_u16(),
            latency_ms = millis_since(started),
            "control request"
        );
        return Ok(reply(response));
    }

    inner.shared.requests.fetch_add(1, Ordering::Relaxed);
    let body = match body {
        BodyRead::Complete(body) => body,
        refused => {
            let action = gateway::action_of(&parts.headers, parts.uri.query(), None);
            let response = refuse_body(inner, &parts, &refused);
            log_request(action.as_deref(), Some(response.status()), None, started);
            return Ok(reply(response));
        }
    };
    let action = gateway::action_of(&parts.headers, parts.uri.query(), Some(&body));
    let fault = inner.faults().next_fault_for(action.as_deref());
    if fault.is_some() {
        inner.shared.faults_served.fetch_add(1, Ordering::Relaxed);
    }
    let request = Request::from_parts(parts, body);
    let latency = inner.shared.next_latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let result = serve(inner, &request, fault).await;
    log_request(
        action.as_deref(),
        result.as_ref().ok().map(Response::status),
        fault,
        started,
    );
    result
}

/// Answers an API request as `fault` asks.
async fn serve(
    inner: &Inner,
    request: &Request<Bytes>,
    fault: Option<Fault>,
) -> Result<Response<ReplyBody>, Dropped> {
    let Some(fault) = fault else {
        return Ok(reply(answer_now(inner, request)));
    };
    match fault {
        Fault::InternalError => Ok(reply(gateway_error(
            inner,
            (request.headers(), request.uri()),
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError.System",
            "An internal error occurred.",
        ))),
        Fault::Throttling { retry_after_ms } => {
            let mut response = gateway_error(
                inner,
                (request.headers(), request.uri()),
                StatusCode::TOO_MANY_REQUESTS,
                "Throttling.User",
                "Request was denied due to user flow control.",
            );
            if let Some(retry_after_ms) = retry_after_ms {
                response
                    .headers_mut()
                    .insert("x-acs-retry-after", HeaderValue::from(retry_after_ms));
            }
            Ok(reply(response))
        }
        Fault::ProxyHtml502 => {
            let mut response = Response::new(Bytes::from_static(PROXY_502_PAGE.as_bytes()));
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            headers.insert(header::SERVER, HeaderValue::from_static("Tengine"));
            insert_date(headers, inner.shared.now());
            Ok(reply(response))
        }
        Fault::TruncatedBody => {
            let (parts, body) = answer_now(inner, request).into_parts();
            let half = body.slice(..body.len() / 2);
            Ok(reply(Response::from_parts(parts, half)))
        }
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            Ok(reply(answer_now(inner, request)))
        }
        Fault::StalledBody => {
            let (mut parts, body) = answer_now(inner, request).into_parts();
            set_content_length(parts.status, &mut parts.headers, body.len());
            Ok(Response::from_parts(parts, ReplyBody::trickle(body)))
        }
        Fault::ConnectionReset => Err(Dropped),
        Fault::LostResponse => {
            // The change applies; the answer is lost.
            drop(answer_now(inner, request));
            Err(Dropped)
        }
        Fault::HugeBody { bytes } => {
            let (parts, body) = answer_now(inner, request).into_parts();
            // At most 1 GiB, so that a typo cannot exhaust the machine.
            let target = usize::try_from(bytes.min(1 << 30)).unwrap_or(usize::MAX);
            let mut padded = body.to_vec();
            padded.resize(target.max(body.len()), b' ');
            Ok(reply(Response::from_parts(parts, Bytes::from(padded))))
        }
    }
}

/// The service core's answer, on the wall clock.
fn answer_now(inner: &Inner, request: &Request<Bytes>) -> Response<Bytes> {
    match Timestamp::try_from(inner.shared.now()) {
        Ok(now) => crate::sts::answer(&inner.shared, request, now)
            .unwrap_or_else(|| answer(&inner.shared, request, now, inner.uptime())),
        Err(_) => gateway_error(
            inner,
            (request.headers(), request.uri()),
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError.System",
            "The emulator's clock is out of range.",
        ),
    }
}

/// The answer to an API request whose body is refused.
fn refuse_body(inner: &Inner, parts: &Parts, refused: &BodyRead) -> Response<Bytes> {
    match refused {
        BodyRead::TooLarge { drained } => {
            let mut response = gateway_error(
                inner,
                (&parts.headers, &parts.uri),
                StatusCode::PAYLOAD_TOO_LARGE,
                "InvalidParameter",
                "The request body is larger than 1 MiB.",
            );
            if !drained {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
        BodyRead::Broken | BodyRead::Complete(_) => gateway_error(
            inner,
            (&parts.headers, &parts.uri),
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The request body could not be read.",
        ),
    }
}

/// An error answer as the gateway writes it ([`render::error`]), in the format the request
/// asks for, with a fresh `RequestId`.
fn gateway_error(
    inner: &Inner,
    parts: (&HeaderMap, &http::Uri),
    status: StatusCode,
    code: &str,
    message: &str,
) -> Response<Bytes> {
    let (headers, uri) = parts;
    let request_id = render::request_id(inner.shared.request_ids.fetch_add(1, Ordering::Relaxed));
    let now = Timestamp::try_from(inner.shared.now()).unwrap_or(Timestamp::MIN);
    let format = gateway::requested_format(headers, uri.query());
    render::error(
        format,
        status,
        code,
        message,
        &request_id,
        &host_id(headers),
        false,
        now,
    )
}

fn json_string(text: &str) -> String {
    Value::from(text).to_string()
}

/// The gateway's `HostId`: the `Host` the request was sent to, as the service core writes it.
fn host_id(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let plausible = !host.is_empty()
        && host.len() <= 260
        && host.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b':' | b'[' | b']')
        });
    if plausible {
        host.to_owned()
    } else {
        "127.0.0.1".to_owned()
    }
}

fn insert_date(headers: &mut HeaderMap, now: SystemTime) {
    if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(now)) {
        headers.insert(header::DATE, date);
    }
}

/// Sets `Content-Length` to `length` (dropping any `Transfer-Encoding`), unless `status`
/// carries no body.
fn set_content_length(status: StatusCode, headers: &mut HeaderMap, length: usize) {
    headers.remove(header::TRANSFER_ENCODING);
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        headers.remove(header::CONTENT_LENGTH);
    } else {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
}

/// A whole answer, ready for hyper, its `Content-Length` matching its body.
fn reply(response: Response<Bytes>) -> Response<ReplyBody> {
    let (mut parts, body) = response.into_parts();
    set_content_length(parts.status, &mut parts.headers, body.len());
    Response::from_parts(parts, ReplyBody::full(body))
}

/// The body of an answer: whole, or one byte per [`TRICKLE_INTERVAL`].
#[derive(Debug)]
enum ReplyBody {
    Full(Option<Bytes>),
    Trickle {
        rest: Bytes,
        /// When the next byte goes out.
        next: Pin<Box<Sleep>>,
    },
}

impl ReplyBody {
    fn full(body: Bytes) -> Self {
        ReplyBody::Full(Some(body).filter(|body| !body.is_empty()))
    }

    /// The first byte goes out with the headers, the next ones a second apart.
    fn trickle(body: Bytes) -> Self {
        ReplyBody::Trickle {
            rest: body,
            next: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ReplyBody::Full(body) => Poll::Ready(body.take().map(|body| Ok(Frame::data(body)))),
            ReplyBody::Trickle { rest, next } => {
                if rest.is_empty() {
                    return Poll::Ready(None);
                }
                if next.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let byte = rest.split_to(1);
                next.as_mut()
                    .reset(tokio::time::Instant::now() + TRICKLE_INTERVAL);
                Poll::Ready(Some(Ok(Frame::data(byte))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ReplyBody::Full(body) => body.is_none(),
            ReplyBody::Trickle { rest, .. } => rest.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        let length = match self {
            ReplyBody::Full(body) => body.as_ref().map_or(0, Bytes::len),
            ReplyBody::Trickle { rest, .. } => rest.len(),
        };
        SizeHint::with_exact(u64::try_from(length).unwrap_or(u64::MAX))
    }
}

/// One log line per API request: never the query, the headers or the body, which carry
/// signatures and tokens. The action is a plausible name ([`gateway::action_of`]), or `-`.
fn log_request(
    action: Option<&str>,
    status: Option<StatusCode>,
    fault: Option<Fault>,
    started: Instant,
) {
    let action = action.unwrap_or("-");
    let fault = fault.map(fault_name);
    let latency_ms = millis_since(started);
    match status {
        Some(status) => {
            tracing::info!(
                action,
                status = status.as_u16(),
                fault,
                latency_ms,
                "request"
            );
        }
        None => tracing::info!(action, status = "dropped", fault, latency_ms, "request"),
    }
}

fn millis_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn fault_name(fault: Fault) -> &'static str {
    match fault {
        Fault::InternalError => "internal_error",
        Fault::Throttling { .. } => "throttling",
        Fault::ProxyHtml502 => "proxy_html_502",
        Fault::TruncatedBody => "truncated_body",
        Fault::Delay(_) => "delay",
        Fault::StalledBody => "stalled_body",
        Fault::ConnectionReset => "connection_reset",
        Fault::LostResponse => "lost_response",
        Fault::HugeBody { .. } => "huge_body",
    }
}

fn is_control(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The control routes, for loopback peers only:
///
/// - `POST /_emulator/faults` with `{"fault":NAME,"count":N}` (plus `"action":ACTION` to
///   serve it to the next N requests of that action only) or `{"fault":NAME,"per_mille":N}`
///   (plus `"retry_after_ms"` for `throttling`, `"delay_ms"` for `delay`, `"bytes"` for
///   `huge_body`);
/// - `DELETE /_emulator/faults`;
/// - `GET /_emulator/counters`;
/// - `GET /_emulator/tasks/{project}/{file}`.
fn control(inner: &Inner, peer: SocketAddr, parts: &Parts, body: BodyRead) -> Response<Bytes> {
    if !is_loopback(peer.ip()) {
        return control_error(
            StatusCode::FORBIDDEN,
            "the control routes answer loopback peers only",
        );
    }
    let path = parts.uri.path();
    let segments: Vec<&str> = path
        .strip_prefix(CONTROL_PREFIX)
        .unwrap_or_default()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    match segments.as_slice() {
        ["faults"] => match parts.method {
            Method::POST => {
                let body = match body {
                    BodyRead::Complete(body) => body,
                    BodyRead::TooLarge { .. } => {
                        return control_error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "the body is larger than 1 MiB",
                        );
                    }
                    BodyRead::Broken => {
                        return control_error(
                            StatusCode::BAD_REQUEST,
                            "the body could not be read",
                        );
                    }
                };
                match parse_fault_request(&body) {
                    Ok((fault, Schedule::Next(count))) => inner.faults().push_next(fault, count),
                    Ok((fault, Schedule::NextFor(action, count))) => {
                        inner.faults().push_next_for(action, fault, count);
                    }
                    Ok((fault, Schedule::Rate(per_mille))) => {
                        inner.faults().push_rate(fault, per_mille);
                    }
                    Err(message) => return control_error(StatusCode::BAD_REQUEST, &message),
                }
                no_content()
            }
            Method::DELETE => {
                inner.faults().clear();
                no_content()
            }
            _ => method_not_allowed("POST, DELETE"),
        },
        ["counters"] => match parts.method {
            Method::GET => {
                let counters = inner.counters();
                control_json(
                    StatusCode::OK,
                    format!(
                        concat!(
                            r#"{{"requests":{},"connections":{},"faults_served":{},"#,
                            r#""throttled":{},"tls_handshakes":{},"tls_handshake_failures":{}}}"#
                        ),
                        counters.requests,
                        counters.connections,
                        counters.faults_served,
                        counters.throttled,
                        counters.tls_handshakes,
                        counters.tls_handshake_failures
                    ),
                )
            }
            _ => method_not_allowed("GET"),
        },
        ["tasks", project, file] => match parts.method {
            Method::GET => {
                let (Ok(project), Ok(file)) = (project.parse::<i64>(), file.parse::<i64>()) else {
                    return control_error(
                        StatusCode::BAD_REQUEST,
                        "expected /_emulator/tasks/{project id}/{file id}, both integers",
                    );
                };
                let state = inner.tasks().get(&(project, file)).map(|task| task.state);
                match state {
                    Some(state) => control_json(
                        StatusCode::OK,
                        format!(r#"{{"state":"{}"}}"#, task_state_name(state)),
                    ),
                    None => control_error(StatusCode::NOT_FOUND, "no such task"),
                }
            }
            _ => method_not_allowed("GET"),
        },
        _ => control_error(StatusCode::NOT_FOUND, "no such control route"),
    }
}

/// How often a fault is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schedule {
    /// To the next N requests.
    Next(u64),
    /// To the next N requests of this action.
    NextFor(&'static str, u64),
    /// To N out of 1000 requests.
    Rate(u16),
}

/// Reads the body of `POST /_emulator/faults`; the error is a message for the caller.
fn parse_fault_request(body: &[u8]) -> Result<(Fault, Schedule), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| format!("the body is not JSON: {error}"))?;
    let Value::Object(fields) = value else {
        return Err("expected a JSON object".to_owned());
    };
    if let Some(unknown) = fields.keys().find(|name| {
        !matches!(
            name.as_str(),
            "fault" | "count" | "per_mille" | "action" | "retry_after_ms" | "delay_ms" | "bytes"
        )
    }) {
        return Err(format!(
            "unknown field {unknown:?}; expected fault, count, per_mille, action, retry_after_ms, delay_ms, bytes"
        ));
    }
    let integer = |name: &str| -> Result<Option<u64>, String> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{name:?} must be a non-negative integer")),
        }
    };
    let retry_after_ms = integer("retry_after_ms")?;
    let delay_ms = integer("delay_ms")?;
    let bytes = integer("bytes")?;
    let name = fields
        .get("fault")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("\"fault\" must be one of {FAULT_NAMES}"))?;
    let fault = match name {
        "internal_error" => Fault::InternalError,
        "throttling" => Fault::Throttling { retry_after_ms },
        "proxy_html_502" => Fault::ProxyHtml502,
        "truncated_body" => Fault::TruncatedBody,
        "delay" => Fault::Delay(Duration::from_millis(
            delay_ms.ok_or("the delay fault needs \"delay_ms\"")?,
        )),
        "stalled_body" => Fault::StalledBody,
        "connection_reset" => Fault::ConnectionReset,
        "lost_response" => Fault::LostResponse,
        "huge_body" => Fault::HugeBody {
            bytes: bytes.ok_or("the huge_body fault needs \"bytes\"")?,
        },
        other => {
            return Err(format!(
                "unknown fault {other:?}; expected one of {FAULT_NAMES}"
            ));
        }
    };
    if retry_after_ms.is_some() && name != "throttling" {
        return Err("\"retry_after_ms\" goes with the throttling fault only".to_owned());
    }
    if bytes.is_some() && name != "huge_body" {
        return Err("\"bytes\" goes with the huge_body fault only".to_owned());
    }
    if delay_ms.is_some() && name != "delay" {
        return Err("\"delay_ms\" goes with the delay fault only".to_owned());
    }
    // Every action served, so that a misspelt name is refused instead of never matching.
    let served = || gateway::ACTIONS.iter().chain(&crate::sts::ACTIONS).copied();
    let action = match fields.get("action") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let known = value
                .as_str()
                .and_then(|action| served().find(|known| *known == action));
            Some(known.ok_or_else(|| {
                let names: Vec<&str> = served().collect();
                format!(
                    "\"action\" must name an action served here: {}",
                    names.join(", ")
                )
            })?)
        }
    };
    let schedule = match (integer("count")?, integer("per_mille")?) {
        (Some(count), None) => match action {
            Some(action) => Schedule::NextFor(action, count),
            None => Schedule::Next(count),
        },
        (None, Some(_)) if action.is_some() => {
            return Err("\"action\" goes with \"count\" only".to_owned());
        }
        (None, Some(per_mille)) => Schedule::Rate(
            u16::try_from(per_mille)
                .ok()
                .filter(|per_mille| *per_mille <= 1000)
                .ok_or("\"per_mille\" must be 0 to 1000")?,
        ),
        _ => return Err("give exactly one of \"count\" and \"per_mille\"".to_owned()),
    };
    Ok((fault, schedule))
}

fn task_state_name(state: TaskState) -> &'static str {
    match state {
        TaskState::Deployed => "deployed",
        TaskState::Undeployed => "undeployed",
        TaskState::Deleted => "deleted",
        TaskState::Paused => "paused",
        TaskState::NotStarted => "not_started",
    }
}

fn no_content() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    insert_date(response.headers_mut(), SystemTime::now());
    response
}

fn control_json(status: StatusCode, body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    insert_date(headers, SystemTime::now());
    response
}

/// A control route's error: `{"error": message}`.
fn control_error(status: StatusCode, message: &str) -> Response<Bytes> {
    control_json(status, format!(r#"{{"error":{}}}"#, json_string(message)))
}

fn method_not_allowed(allow: &'static str) -> Response<Bytes> {
    let mut response = control_error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn wait_for_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    () = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fault_requests() {
        let parse = |text: &str| parse_fault_request(text.as_bytes());
        assert_eq!(
            parse(r#"{"fault":"throttling","count":2,"retry_after_ms":250}"#),
            Ok((
                Fault::Throttling {
                    retry_after_ms: Some(250)
                },
                Schedule::Next(2)
            ))
        );
        assert_eq!(
            parse(r#"{"fault":"delay","per_mille":1000,"delay_ms":1500}"#),
            Ok((
                Fault::Delay(Duration::from_millis(1500)),
                Schedule::Rate(1000)
            ))
        );
        assert_eq!(
            parse(r#"{"fault":"lost_response","count":1,"action":"DeleteDISyncTask"}"#),
            Ok((
                Fault::LostResponse,
                Schedule::NextFor("DeleteDISyncTask", 1)
            ))
        );
        assert_eq!(
            parse(r#"{"fault":"internal_error","count":3,"action":null}"#),
            Ok((Fault::InternalError, Schedule::Next(3)))
        );
        assert_eq!(
            parse(r#"{"fault":"lost_response","count":1,"action":"AssumeRole"}"#),
            Ok((Fault::LostResponse, Schedule::NextFor("AssumeRole", 1)))
        );
        assert_eq!(
            parse(r#"{"fault":"lost_response","count":1,"action":"DeleteDiSyncTask"}"#),
            Err(
                "\"action\" must name an action served here: DeleteDISyncTask, \
                 TerminateDISyncInstance, GetDISyncInstanceInfo, StopDISyncInstance, \
                 StartDISyncInstance, DeployDISyncTask, GetDISyncTask, CreateDISyncTask, \
                 UpdateDISyncTask, GenerateDISyncTaskConfigForCreating, \
                 GenerateDISyncTaskConfigForUpdating, QueryDISyncTaskConfigProcessResult, \
                 ListRefDISyncTasks, ListFiles, GetFile, ListFolders, AssumeRole, \
                 AssumeRoleWithOIDC"
                    .to_owned()
            )
        );
        assert_eq!(
            parse(r#"{"fault":"lost_response","per_mille":5,"action":"DeleteDISyncTask"}"#),
            Err("\"action\" goes with \"count\" only".to_owned())
        );
        for bad in [
            "not json",
            "[]",
            r#"{"fault":"nope","count":1}"#,
            r#"{"fault":"delay","count":1}"#,
            r#"{"fault":"internal_error"}"#,
            r#"{"fault":"internal_error","count":1,"per_mille":5}"#,
            r#"{"fault":"internal_error","count":-1}"#,
            r#"{"fault":"internal_error","per_mille":1001}"#,
            r#"{"fault":"internal_error","count":1,"delay_ms":5}"#,
            r#"{"fault":"internal_error","count":1,"extra":true}"#,
            r#"{"fault":"huge_body","count":1}"#,
            r#"{"fault":"internal_error","count":1,"bytes":5}"#,
            r#"{"fault":"internal_error","count":1,"action":7}"#,
            r#"{"fault":"internal_error","count":1,"action":""}"#,
            r#"{"fault":"internal_error","action":"DeleteDISyncTask"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_every_fault_it_reads() {
        for name in FAULT_NAMES.split(", ") {
            let body = format!(r#"{{"fault":"{name}","count":1,"delay_ms":1}}"#);
            let body = match name {
                "delay" => body,
                "huge_body" => format!(r#"{{"fault":"{name}","count":1,"bytes":10}}"#),
                _ => format!(r#"{{"fault":"{name}","count":1}}"#),
            };
            let (fault, _) = parse_fault_request(body.as_bytes()).unwrap();
            assert_eq!(fault_name(fault), name);
        }
    }

    #[test]
    fn recognises_loopback_peers_and_control_paths() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
        assert!(is_control("/_emulator/faults"));
        assert!(is_control("/_emulator"));
        assert!(!is_control("/_emulatorx"));
        assert!(!is_control("/"));
    }

    #[test]
    fn takes_the_host_id_from_the_host_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(host_id(&headers), "127.0.0.1");
        headers.insert(header::HOST, HeaderValue::from_static("localhost:8080"));
        assert_eq!(host_id(&headers), "localhost:8080");
        headers.insert(header::HOST, HeaderValue::from_static("[::1]:8080"));
        assert_eq!(host_id(&headers), "[::1]:8080");
        headers.insert(header::HOST, HeaderValue::from_static("a\"b"));
        assert_eq!(host_id(&headers), "127.0.0.1");
    }
}
