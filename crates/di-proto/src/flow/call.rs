//! [`CallFlow`]: one operation, attempt by attempt, with its retries.

use std::time::Duration;

use super::{Action, Event, Events, Flow, Input, RetryEvent};
use crate::call::{CallState, Step};
use crate::client_error::ClientError;
use crate::ops::Operation;
use crate::retry::{RetryDecision, RetryPolicy};
use crate::{Error, Signer, Timestamp, nonce_and_jitter_from_bytes};

/// One call of an operation as a [`Flow`]: the attempts, the retry decisions and the sleeps
/// between them. It owns its operation, so that other flows can hold it.
///
/// The output is the operation's output, or the [`ClientError`] that ended the call (bad
/// arguments come out at the first [`Flow::next`], before anything is sent).
#[derive(Debug)]
pub struct CallFlow<O: Operation> {
    operation: O,
    state: Result<CallState, Option<Error>>,
    phase: Phase,
    started: Duration,
    interrupted: bool,
    retries: Vec<String>,
    events: Events,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the first attempt, or sleeping before a retry.
    Idle,
    /// An attempt is signed; its jitter decides the backoff after it.
    Sent { jitter: u64 },
    /// The output was handed out.
    Finished,
}

impl<O: Operation> CallFlow<O> {
    /// A call of `operation`, retried under `policy`.
    pub fn new(operation: O, policy: RetryPolicy) -> Self {
        let state = CallState::new(&operation, policy).map_err(Some);
        CallFlow {
            operation,
            state,
            phase: Phase::Idle,
            started: Duration::ZERO,
            interrupted: false,
            retries: Vec::new(),
            events: Events::new(),
        }
    }

    /// The operation.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Why each retry of this call happened, oldest first.
    pub fn retries(&self) -> &[String] {
        &self.retries
    }

    /// Attempts started so far.
    pub fn attempts_made(&self) -> u32 {
        self.state.as_ref().map_or(0, CallState::attempts_made)
    }

    fn finish(
        &mut self,
        result: Result<O::Output, ClientError>,
    ) -> Action<Result<O::Output, ClientError>> {
        self.phase = Phase::Finished;
        Action::Done(result)
    }

    fn send(&self, now: Duration) -> Action<Result<O::Output, ClientError>> {
        let deadline = self.state.as_ref().ok().and_then(CallState::deadline);
        let elapsed = now.saturating_sub(self.started);
        Action::Send {
            time_left: deadline.map(|deadline| deadline.saturating_sub(elapsed)),
        }
    }

    fn retry(
        &mut self,
        delay: Duration,
        reason: String,
        request_id: Option<String>,
    ) -> Action<Result<O::Output, ClientError>> {
        self.events.push_back(Event::Retry(RetryEvent {
            action: self.action().to_owned(),
            attempt: self.attempts_made(),
            reason: reason.clone(),
            request_id,
            delay,
        }));
        self.retries.push(reason);
        self.phase = Phase::Idle;
        Action::Sleep(delay)
    }
}

impl<O: Operation> Flow for CallFlow<O> {
    type Output = Result<O::Output, ClientError>;

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output> {
        if self.phase == Phase::Finished {
            return Action::Done(Err(ClientError::FlowEnded));
        }
        let state = match &mut self.state {
            Ok(state) => state,
            Err(error) => {
                let error = error
                    .take()
                    .map_or(ClientError::FlowEnded, ClientError::Api);
                return self.finish(Err(error));
            }
        };
        let elapsed = now.saturating_sub(self.started);
        match input {
            Input::Start => {
                self.started = now;
                if self.interrupted {
                    let action = self.action().to_owned();
                    return self.finish(Err(ClientError::Interrupted { action }));
                }
                self.send(now)
            }
            Input::Woke => {
                if self.interrupted {
                    let action = self.action().to_owned();
                    return self.finish(Err(ClientError::Interrupted { action }));
                }
                self.send(now)
            }
            Input::Response(response) => {
                let Phase::Sent { jitter } = self.phase else {
                    return self.finish(Err(ClientError::FlowEnded));
                };
                match state.finish_attempt(&self.operation, &response, elapsed, jitter) {
                    Step::Done(result) => self.finish(result.map_err(ClientError::Api)),
                    Step::Retry { delay, error } => {
                        let request_id = error.request_id().map(str::to_owned);
                        self.retry(delay, error.to_string(), request_id)
                    }
                }
            }
            Input::NoResponse(failed) => {
                let Phase::Sent { jitter } = self.phase else {
                    return self.finish(Err(ClientError::FlowEnded));
                };
                match state.transport_failed(failed.failure, elapsed, jitter) {
                    RetryDecision::Retry { delay } => {
                        self.retry(delay, format!("{}: {}", failed.kind, failed.message), None)
                    }
                    RetryDecision::Stop(_) => {
                        let error = ClientError::Transport {
                            action: state.action().to_owned(),
                            attempts: state.attempts_made(),
                            kind: failed.kind,
                            message: failed.message,
                        };
                        self.finish(Err(error))
                    }
                }
            }
            Input::Failed(error) => self.finish(Err(error)),
        }
    }

    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<http::Request<Vec<u8>>, Error> {
        if self.phase == Phase::Finished {
            return Err(Error::NoRequestToSign);
        }
        let state = self.state.as_mut().map_err(|_| Error::NoRequestToSign)?;
        let (nonce, jitter) = nonce_and_jitter_from_bytes(random);
        let request = state.start_attempt(signer, local_now, &nonce)?;
        self.phase = Phase::Sent { jitter };
        Ok(request)
    }

    fn interrupt(&mut self) {
        self.interrupted = true;
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn action(&self) -> &str {
        self.state.as_ref().map_or("", CallState::action)
    }

    fn clock_offset(&self) -> i64 {
        self.state.as_ref().map_or(0, CallState::clock_offset)
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        if let Ok(state) = &mut self.state {
            state.set_clock_offset(seconds);
        }
    }
}
