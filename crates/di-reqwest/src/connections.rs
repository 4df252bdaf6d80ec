//! The cap on a client's open connections (`ClientConfig::max_connections`), kept around
//! reqwest's pool.
//!
//! hyper's pool (under reqwest) has no cap on connections per host, and a connector layer
//! cannot hold anything for a connection's lifetime: reqwest hands it an opaque connection
//! type it cannot wrap, so it never learns when a connection closes. The cap is kept in two
//! parts instead:
//!
//! - [`Connections::admit`]: at most `max` attempts are inside reqwest at once (a semaphore),
//!   from sending the request to the end of its body. Over HTTP/1.1 each holds one
//!   connection at a time.
//! - [`GateLayer`], a connector layer, against hyper's race: a request that finds no idle
//!   connection asks the connector for a new one *and* waits for one to come back to the
//!   pool, and takes whichever comes first; a connection being made when a pooled one won is
//!   finished in the background and pooled. A finished response's connection goes back to the
//!   pool a moment after its body ends (hyper's pool learns that it is free from the
//!   connection's own task), so a request started in that moment used to open a connection it
//!   did not need: 64 callers opened 65 to 105.
//!
//! The gate lets a request's connect go ahead only while more requests wait for a connection
//! (`waiting`) than there are connections on their way back to the pool: finished responses
//! whose connection has not been taken again yet (`returning`, one entry per body read to its
//! end on a reusable connection) and connections being made for the pool
//! (`background`). A connect that hyper moves to a background task because its request got
//! a pooled connection stops before connecting if it had not started yet.
//!
//! Why at most `max` connections are open: whenever a request waits at the gate, the pool
//! has no idle connection (hyper hands every connection coming back to the oldest waiter
//! first). So the open connections are those in use (one per admitted request holding one),
//! those being made, and those on their way back; a connect goes ahead only when the ones on
//! their way back and being made for the pool are fewer than the waiting requests, so after it
//! the count is at most the number of admitted requests, `max`. `returning` may count more
//! than are really on their way (a connection that died in the pool), never fewer, as long as
//! hyper pools a connection within [`RETURN_WITHIN`] of its response's end: entries older
//! than that are dropped, so that a connection that died in the pool holds up no one for
//! longer.

use std::cell::Cell;
use std::collections::VecDeque;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::header::{CONNECTION, HeaderMap};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// How long after its response ended a connection counts as on its way back to the pool
/// (hyper pools it within microseconds; this bounds how long a connection that died
/// meanwhile is waited for).
const RETURN_WITHIN: Duration = Duration::from_secs(1);

tokio::task_local! {
    /// The attempt the current task is running: set around an admitted attempt, read by the
    /// connector layer to tell a connect for a waiting request from one hyper moved to the
    /// background.
    static ATTEMPT: Attempt;
}

/// What the gate learns about one attempt.
#[derive(Debug, Default)]
struct Attempt {
    /// Whether hyper asked the connector for a connection for this attempt.
    asked_to_connect: Cell<bool>,
}

/// The cap of one HTTP client: its admissions and the state of its gate.
#[derive(Debug, Clone)]
pub(crate) struct Connections {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    admissions: Arc<Semaphore>,
    gate: Mutex<Gate>,
}

/// Counts of connections on their way to waiting requests, and of those requests.
#[derive(Debug, Default)]
struct Gate {
    /// Connects of requests that wait for a connection and have not been let through.
    waiting: usize,
    /// Connects going on in a background task: their connection goes to the pool.
    background: usize,
    /// When each response read to its end (on a connection that stays open) ended, oldest
    /// first: connections going back to the pool that no request has taken yet.
    returning: VecDeque<Instant>,
    /// The tasks of connects waiting for a change.
    wakers: Vec<Waker>,
}

impl Gate {
    fn expire(&mut self, now: Instant) {
        while self
            .returning
            .front()
            .is_some_and(|ended| now.saturating_duration_since(*ended) >= RETURN_WITHIN)
        {
            self.returning.pop_front();
        }
    }

    /// Whether a waiting request may open a connection: fewer connections are on their way
    /// than requests wait.
    fn may_connect(&self) -> bool {
        self.background + self.returning.len() < self.waiting
    }

    /// A request took a connection that was on its way back.
    fn taken(&mut self) {
        self.returning.pop_front();
        self.wake_all();
    }

    fn wake_all(&mut self) {
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }
}

impl Shared {
    fn gate(&self) -> MutexGuard<'_, Gate> {
        // Nothing panics while holding the lock; a poisoned one still holds sound counts.
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Connections {
    /// A cap of `max` connections (at least 1).
    pub(crate) fn new(max: usize) -> Connections {
        Connections {
            shared: Arc::new(Shared {
                admissions: Arc::new(Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS))),
                gate: Mutex::new(Gate::default()),
            }),
        }
    }

    /// The connector layer that keeps hyper from opening connections the cap has no room for.
    pub(crate) fn layer(&self) -> GateLayer {
        GateLayer {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Waits until fewer than `max` attempts are inside reqwest, at most `limit`; `None` when
    /// the limit passed first.
    pub(crate) async fn admit(&self, limit: Option<Duration>) -> Option<Admission> {
        let admissions = Arc::clone(&self.shared.admissions);
        // A free place is taken without arming a timer.
        let permit = match admissions.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let acquire = admissions.acquire_owned();
                match limit {
                    Some(limit) => tokio::time::timeout(limit, acquire).await.ok()?,
                    None => acquire.await,
                }
                // The semaphore is never closed.
                .ok()?
            }
        };
        Some(Admission {
            shared: Arc::clone(&self.shared),
            _permit: permit,
        })
    }
}

/// One attempt's place among the `max`; released on drop, which must come after
/// [`Admission::finished`].
#[derive(Debug)]
pub(crate) struct Admission {
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
}

impl Admission {
    /// Runs `exchange` (reqwest's `execute` and the body read) as this attempt, so that the
    /// gate knows its connects.
    pub(crate) async fn run<F: Future>(&self, exchange: F) -> F::Output {
        ATTEMPT.scope(Attempt::default(), exchange).await
    }

    /// Polls reqwest's response future of this attempt, noting whether its first poll took a
    /// pooled connection: that first poll reaches hyper's pool, and either takes an idle
    /// connection there or asks the connector for one (the test
    /// `the_first_poll_of_a_request_reaches_the_pool` holds reqwest to this).
    pub(crate) fn first_poll_noted<'a, F: Future>(
        &'a self,
        response: Pin<&'a mut F>,
    ) -> FirstPoll<'a, F> {
        FirstPoll {
            response,
            admission: self,
            polled: false,
        }
    }

    /// The body was read to its end: unless the response closes its connection, the
    /// connection is going back to the pool.
    pub(crate) fn finished(&self, version: http::Version, headers: &HeaderMap) {
        if reusable(version, headers) {
            let mut gate = self.shared.gate();
            gate.returning.push_back(Instant::now());
            gate.wake_all();
        }
    }
}

/// See [`Admission::first_poll_noted`].
pub(crate) struct FirstPoll<'a, F> {
    response: Pin<&'a mut F>,
    admission: &'a Admission,
    polled: bool,
}

impl<F: Future> Future for FirstPoll<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let result = this.response.as_mut().poll(cx);
        if !this.polled {
            this.polled = true;
            // Polled within `run`'s scope.
            let asked = ATTEMPT
                .try_with(|attempt| attempt.asked_to_connect.get())
                .unwrap_or(true);
            if result.is_pending() && !asked {
                // An idle connection, which came back after some response ended.
                this.admission.shared.gate().taken();
            }
        }
        result
    }
}

/// Whether hyper keeps the connection of a response with these headers for another request.
fn reusable(version: http::Version, headers: &HeaderMap) -> bool {
    let says = |token: &str| {
        headers.get_all(CONNECTION).iter().any(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(',')
                    .any(|item| item.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    if version == http::Version::HTTP_10 {
        says("keep-alive")
    } else {
        !says("close")
    }
}

/// The connector layer of [`Connections::layer`].
#[derive(Debug, Clone)]
pub(crate) struct GateLayer {
    shared: Arc<Shared>,
}

impl<S> tower_layer::Layer<S> for GateLayer {
    type Service = GateService<S>;

    fn layer(&self, inner: S) -> GateService<S> {
        GateService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The connector, behind the gate.
#[derive(Debug, Clone)]
pub(crate) struct GateService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// The error of a connect dropped because its request got a pooled connection; hyper only
/// logs it (its request is already served).
#[derive(Debug)]
pub(crate) struct NotNeeded;

impl fmt::Display for NotNeeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection not needed: the request got a pooled one")
    }
}

impl StdError for NotNeeded {}

impl<S, R> tower_service::Service<R> for GateService<S>
where
    S: tower_service::Service<R> + Clone,
    S::Error: From<NotNeeded>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Connect<S, R>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Connect<S, R> {
        // The service that was polled ready makes the call; a clone stays for the next one.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let for_attempt = ATTEMPT
            .try_with(|attempt| attempt.asked_to_connect.set(true))
            .is_ok();
        let mut gate = self.shared.gate();
        let phase = if for_attempt {
            gate.waiting += 1;
            Phase::Waiting(Box::new((inner, request)))
        } else {
            // Not for an attempt of this client (nothing else sends through it): let it
            // through, as a connection for the pool.
            gate.background += 1;
            let mut inner = inner;
            Phase::Connecting {
                future: Box::pin(inner.call(request)),
                background: true,
            }
        };
        Connect {
            shared: Arc::clone(&self.shared),
            phase,
            lapse: None,
        }
    }
}

/// One connect, through the gate.
pub(crate) struct Connect<S: tower_service::Service<R>, R> {
    shared: Arc<Shared>,
    phase: Phase<S, R>,
    /// Wakes the connect when the oldest `returning` entry lapses.
    lapse: Option<Pin<Box<Sleep>>>,
}

enum Phase<S: tower_service::Service<R>, R> {
    /// Counted in `waiting`; the connector and the destination, until let through.
    Waiting(Box<(S, R)>),
    /// Let through; `background` once hyper moved it to a background task (counted there).
    Connecting {
        future: Pin<Box<S::Future>>,
        background: bool,
    },
    Done,
}

/// Whether the current task runs an admitted attempt (a connect hyper moved to the
/// background runs in a task of its own).
fn in_attempt() -> bool {
    ATTEMPT.try_with(|_| ()).is_ok()
}

impl<S, R> Future for Connect<S, R>
where
    S: tower_service::Service<R>,
    S::Error: From<NotNeeded>,
{
    type Output = Result<S::Response, S::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match &mut this.phase {
                Phase::Waiting(_) => {
                    let mut gate = this.shared.gate();
                    if !in_attempt() {
                        // Its request took a connection coming back to the pool.
                        gate.waiting = gate.waiting.saturating_sub(1);
                        gate.taken();
                        this.phase = Phase::Done;
                        return Poll::Ready(Err(NotNeeded.into()));
                    }
                    let now = Instant::now();
                    gate.expire(now);
                    if gate.may_connect() {
                        gate.waiting = gate.waiting.saturating_sub(1);
                        drop(gate);
                        if let Phase::Waiting(pending) =
                            std::mem::replace(&mut this.phase, Phase::Done)
                        {
                            let (mut inner, request) = *pending;
                            this.phase = Phase::Connecting {
                                future: Box::pin(inner.call(request)),
                                background: false,
                            };
                        }
                        continue;
                    }
                    if !gate.wakers.iter().any(|waker| waker.will_wake(cx.waker())) {
                        gate.wakers.push(cx.waker().clone());
                    }
                    let lapse = gate.returning.front().map(|ended| *ended + RETURN_WITHIN);
                    drop(gate);
                    if let Some(deadline) = lapse {
                        let sleep = this
                            .lapse
                            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                        if sleep.deadline() != deadline {
                            sleep.as_mut().reset(deadline);
                        }
                        if sleep.as_mut().poll(cx).is_ready() {
                            continue;
                        }
                    }
                    return Poll::Pending;
                }
                Phase::Connecting { future, background } => {
                    if !*background && !in_attempt() {
                        // Its request took a connection coming back to the pool; this one
                        // will go to the pool instead.
                        *background = true;
                        let mut gate = this.shared.gate();
                        gate.background += 1;
                        gate.taken();
                    }
                    let result = match future.as_mut().poll(cx) {
                        Poll::Ready(result) => result,
                        Poll::Pending => return Poll::Pending,
                    };
                    if *background {
                        let mut gate = this.shared.gate();
                        gate.background = gate.background.saturating_sub(1);
                        if result.is_ok() {
                            gate.returning.push_back(Instant::now());
                        }
                        gate.wake_all();
                    }
                    this.phase = Phase::Done;
                    return Poll::Ready(result);
                }
                Phase::Done => return Poll::Pending,
            }
        }
    }
}

impl<S: tower_service::Service<R>, R> Drop for Connect<S, R> {
    fn drop(&mut self) {
        match self.phase {
            Phase::Waiting(_) => {
                let mut gate = self.shared.gate();
                gate.waiting = gate.waiting.saturating_sub(1);
            }
            Phase::Connecting {
                background: true, ..
            } => {
                let mut gate = self.shared.gate();
                gate.background = gate.background.saturating_sub(1);
                gate.wake_all();
            }
            Phase::Connecting { .. } | Phase::Done => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A keep-alive HTTP/1.1 server on 127.0.0.1 answering every request `ok`, counting the
    /// connections it accepts.
    fn serve() -> (SocketAddr, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                counter.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut request = Vec::new();
                    let mut buffer = [0_u8; 1024];
                    while let Ok(read @ 1..) = stream.read(&mut buffer) {
                        request.extend_from_slice(&buffer[..read]);
                        while let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                            request.drain(..end + 4);
                            let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if stream.write_all(answer).is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        (address, accepted)
    }

    #[tokio::test]
    async fn admits_up_to_the_cap_then_waits_at_most_the_limit() {
        let connections = Connections::new(2);
        let first = connections.admit(None).await.unwrap();
        let _second = connections.admit(Some(Duration::ZERO)).await.unwrap();
        assert!(
            connections
                .admit(Some(Duration::from_millis(20)))
                .await
                .is_none()
        );
        drop(first);
        assert!(connections.admit(Some(Duration::ZERO)).await.is_some());
        let single = Connections::new(0);
        let _only = single.admit(None).await.unwrap();
        assert!(single.admit(Some(Duration::ZERO)).await.is_none());
    }

    #[tokio::test]
    async fn the_first_poll_of_a_request_reaches_the_pool() {
        // `FirstPoll` counts an attempt whose first poll did not ask the connector as one that
        // took an idle connection: that holds only if reqwest's response future reaches
        // hyper's pool (and, with no idle connection there, the connector) in its first poll.
        let (address, accepted) = serve();
        let connections = Connections::new(2);
        let builder = reqwest::Client::builder()
            .connector_layer(connections.layer())
            .no_proxy();
        // reqwest has no crypto provider of its own here: the transport's TLS setup gives one.
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let builder = crate::transport::with_tls(
            builder,
            &di_proto::client::ClientConfig::new(),
            &|_| None,
            false,
        )
        .unwrap();
        let client = builder.build().unwrap();
        let admission = connections.admit(None).await.unwrap();
        let asked_at_first_poll = admission
            .run(async {
                let mut response = Box::pin(client.get(format!("http://{address}/")).send());
                let pending =
                    std::future::poll_fn(|cx| Poll::Ready(response.as_mut().poll(cx).is_pending()))
                        .await;
                assert!(pending, "answered without a connection");
                let asked = ATTEMPT.with(|attempt| attempt.asked_to_connect.get());
                let response = response.await.unwrap();
                assert_eq!(response.bytes().await.unwrap(), "ok");
                asked
            })
            .await;
        assert!(asked_at_first_poll);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_response_that_closes_its_connection_does_not_return_it() {
        let mut headers = HeaderMap::new();
        assert!(reusable(http::Version::HTTP_11, &headers));
        assert!(!reusable(http::Version::HTTP_10, &headers));
        headers.insert(CONNECTION, HeaderValue::from_static("Keep-Alive"));
        assert!(reusable(http::Version::HTTP_10, &headers));
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade, Close"));
        assert!(!reusable(http::Version::HTTP_11, &headers));
    }
}
