//! Flows: multi-call behaviour as sans-IO state machines that a transport drives.
//!
//! A flow is everything a sequence of calls decides: which request goes next, how long to
//! sleep, when to retry, when to read the task's state, and when it is over. A transport (or
//! any other driver) owns the IO: the HTTP client, the clock, the random bytes, the
//! credentials and the sleeping. It runs one loop, the same for every flow:
//!
//! 1. `flow.next(now, input)` with [`Input::Start`] first, then with what came of the last
//!    action; `now` is the driver's monotonic clock (time since any fixed instant).
//! 2. On [`Action::Send`]: ask the credentials provider, read the wall clock, draw 24 random
//!    bytes, call [`Flow::sign`], send the request, and hand back [`Input::Response`] or
//!    [`Input::NoResponse`] (or [`Input::Failed`] when the driver itself could not go on:
//!    no credentials, a body over the cap, a signing error).
//! 3. On [`Action::Sleep`]: sleep (a driver may cut it short after [`Flow::interrupt`]),
//!    then hand back [`Input::Woke`].
//! 4. On [`Action::Done`]: the flow's output. A driver never calls `next` again.
//!
//! After each `next`, [`Flow::poll_event`] yields what happened ([`Event`]): retries and
//! finished steps, for logs and progress.
//!
//! The flows compose: [`CallFlow`] is one operation with its retries; [`WaitFlow`] polls
//! `GetDISyncInstanceInfo` until a task settles; [`TaskFlow`] is what a tool does to one task
//! (a teardown, with or without a stop first; a stop, start or terminate with an optional
//! wait; a delete; a deploy; a read), built from the other two, reading the task's state
//! whenever the service refuses for a reason it did not document.
//!
//! ```
//! use std::time::Duration;
//! use di_proto::flow::{Action, CallFlow, Flow, Input};
//! use di_proto::ops::{DeleteDiSyncTask, ChangeOutcome};
//! use di_proto::retry::RetryPolicy;
//! use di_proto::{Credentials, Endpoint, Signer, Timestamp};
//!
//! let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
//! let endpoint = Endpoint::parse("http://127.0.0.1:8080")?;
//! let mut flow = CallFlow::new(DeleteDiSyncTask::new(10000, 100), RetryPolicy::default());
//! let mut input = Input::Start;
//! let output = loop {
//!     match flow.next(Duration::ZERO, input) {
//!         Action::Send { .. } => {
//!             let now = Timestamp::from_unix_seconds(1_700_000_000)?;
//!             let request = flow.sign(Signer::new(&credentials, &endpoint), now, [7; 24])?;
//!             assert_eq!(request.uri().host(), Some("127.0.0.1"));
//!             // ... send it with any HTTP client; here, the service's answer:
//!             let response = di_proto::http::Response::builder()
//!                 .header("content-type", "application/json")
//!                 .body(br#"{"RequestId":"r1","Data":{"Status":"success"}}"#.to_vec())
//!                 .unwrap();
//!             input = Input::Response(response);
//!         }
//!         Action::Sleep(_) => input = Input::Woke,
//!         Action::Done(output) => break output,
//!     }
//! };
//! assert_eq!(output.unwrap().outcome, ChangeOutcome::Done);
//! # Ok::<(), di_proto::Error>(())
//! ```

mod call;
mod config;
mod page;
mod report;
mod task;
mod wait;

use std::collections::VecDeque;
use std::time::Duration;

pub use call::CallFlow;
pub use config::{ConfigFlow, ConfigOutcome};
pub use page::PageFlow;
pub use report::{StepKind, StepOutcome, StepRecord, TaskOutcome, TaskReport};
pub use task::{TaskAction, TaskFlow};
pub use wait::WaitFlow;

use crate::client::{ClientError, TransportErrorKind};
use crate::retry::TransportFailure;
use crate::{Error, Signer, Timestamp};

/// A multi-call flow (see the [module docs](self)).
pub trait Flow {
    /// What the flow ends with.
    type Output;

    /// Takes what came of the last action, `now` on the driver's monotonic clock, and says
    /// what to do next.
    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output>;

    /// Signs the request that [`Action::Send`] asked for, with the credentials in `signer`,
    /// the wall clock `local_now` (the flow moves it by the clock offset it measured) and 24
    /// random bytes (the nonce, and the jitter of any backoff after this attempt).
    ///
    /// # Errors
    /// The signer's errors, or [`Error::InvalidNonce`] when the random bytes repeat an
    /// earlier attempt's. Hand the error back as [`Input::Failed`].
    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<http::Request<Vec<u8>>, Error>;

    /// Asks the flow to stop at its next step boundary: it starts no new call (no next step,
    /// no next poll, no retry) and ends as interrupted, while a call in flight finishes.
    fn interrupt(&mut self);

    /// The next thing that happened, oldest first.
    fn poll_event(&mut self) -> Option<Event>;

    /// The API action of the request in flight (or last sent), for logs and errors.
    fn action(&self) -> &str;

    /// The server clock minus the local clock, in seconds, as last measured.
    fn clock_offset(&self) -> i64;

    /// Starts from a clock offset measured by earlier calls (call before the first `next`).
    fn set_clock_offset(&mut self, seconds: i64);
}

/// What came of the flow's last action, for [`Flow::next`].
#[derive(Debug)]
pub enum Input<B> {
    /// The first call of `next`.
    Start,
    /// The sleep asked for is over (or was cut short by an interrupt); or, right after
    /// [`Flow::interrupt`], in place of the request [`Action::Send`] asked for, which the
    /// driver then does not send: the flow ends as interrupted.
    Woke,
    /// The answer to the request just sent.
    Response(http::Response<B>),
    /// The request just sent got no answer.
    NoResponse(NoResponse),
    /// The driver could not send the request asked for, or could not read its answer: no
    /// credentials, a random-number failure, a signing error, a body over the cap. Final for
    /// the call.
    Failed(ClientError),
}

/// An attempt that got no answer, as the driver's HTTP stack saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoResponse {
    /// Whether the request may have reached the service.
    pub failure: TransportFailure,
    /// What kind of failure it was.
    pub kind: TransportErrorKind,
    /// The HTTP stack's description (never a URL, a header or a body).
    pub message: String,
}

impl NoResponse {
    /// A failure of `kind`, described by `message`.
    pub fn new(failure: TransportFailure, kind: TransportErrorKind, message: String) -> Self {
        NoResponse {
            failure,
            kind,
            message,
        }
    }
}

/// What the driver does next.
#[derive(Debug)]
#[must_use]
pub enum Action<T> {
    /// Sign the next request with [`Flow::sign`] and send it. `time_left` bounds the
    /// attempt: what is left of the call's retry deadline, when it has one.
    Send {
        /// The most the attempt may take.
        time_left: Option<Duration>,
    },
    /// Sleep this long, then hand back [`Input::Woke`].
    Sleep(Duration),
    /// The flow is over.
    Done(T),
}

/// Something that happened in a flow, for logs and progress.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An attempt failed in a way worth retrying; the flow sleeps, then retries.
    Retry(RetryEvent),
    /// A step ended (see [`StepRecord`]).
    Step(StepRecord),
}

impl std::fmt::Display for Event {
    /// One line for a log: `retrying DeleteDISyncTask after attempt 1 in 120ms: ...` or
    /// `delete done [request id ...] (note)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Retry(retry) => {
                write!(
                    f,
                    "retrying {} after attempt {} in {:?}: {}",
                    retry.action, retry.attempt, retry.delay, retry.reason
                )?;
                if let Some(request_id) = &retry.request_id {
                    write!(f, " [request id {request_id}]")?;
                }
                Ok(())
            }
            Event::Step(step) => {
                write!(f, "{} {}", step.kind, step.outcome)?;
                if let Some(request_id) = &step.request_id {
                    write!(f, " [request id {request_id}]")?;
                }
                if let Some(note) = &step.note {
                    write!(f, " ({note})")?;
                }
                Ok(())
            }
        }
    }
}

/// An attempt that will be retried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryEvent {
    /// The API action.
    pub action: String,
    /// The attempt that failed (1 for the first).
    pub attempt: u32,
    /// Why, in words: the error, or the transport failure.
    pub reason: String,
    /// The request id of the failed attempt's answer, when it had one.
    pub request_id: Option<String>,
    /// The wait before the next attempt.
    pub delay: Duration,
}

/// Where flows put their events until the driver polls them.
pub(crate) type Events = VecDeque<Event>;

/// A child flow's action that its parent passes on to the driver.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Pass {
    Send(Option<Duration>),
    Sleep(Duration),
}

impl Pass {
    pub(crate) fn into_action<T>(self) -> Action<T> {
        match self {
            Pass::Send(time_left) => Action::Send { time_left },
            Pass::Sleep(delay) => Action::Sleep(delay),
        }
    }
}

/// What a child flow did with its input: an action for the driver, or its output.
pub(crate) enum Child<T> {
    Pass(Pass),
    Done(T),
}

/// Hands `input` to `child` and moves its events to `events`.
pub(crate) fn drive<F: Flow, B: AsRef<[u8]>>(
    child: &mut F,
    now: Duration,
    input: Input<B>,
    events: &mut Events,
) -> Child<F::Output> {
    let action = child.next(now, input);
    while let Some(event) = child.poll_event() {
        events.push_back(event);
    }
    match action {
        Action::Send { time_left } => Child::Pass(Pass::Send(time_left)),
        Action::Sleep(delay) => Child::Pass(Pass::Sleep(delay)),
        Action::Done(output) => Child::Done(output),
    }
}
