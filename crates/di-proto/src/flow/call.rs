//! [`CallFlow`]: one operation, attempt by attempt, with its retries.

use std::time::Duration;

use super::{Action, Event, Events, Flow, Input, RetryEvent};
use crate::call::nonce_and_jitter_from_bytes;
use crate::call::{CallState, Step};
use crate::client::{ClientError, TransportErrorKind};
use crate::ops::Operation;
use crate::retry::{RetryDecision, RetryPolicy};
use crate::{Error, Signer, Timestamp};

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
    /// `host[:port]` of the endpoint the last attempt was signed for (for
    /// [`ClientError::Tls`]).
    authority: Option<http::uri::Authority>,
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
            authority: None,
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
                // A failed TLS handshake fails the same way again: final, whatever the
                // operation (nothing was sent).
                if let TransportErrorKind::Tls(cause) = failed.kind {
                    let error = ClientError::Tls {
                        action: state.action().to_owned(),
                        host: self
                            .authority
                            .as_ref()
                            .map_or_else(String::new, ToString::to_string),
                        cause,
                        message: failed.message,
                    };
                    return self.finish(Err(error));
                }
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
        if self.authority.is_none() {
            self.authority = Some(signer.endpoint().http_authority().clone());
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::TlsFailure;
    use crate::flow::NoResponse;
    use crate::ops::DeleteDiSyncTask;
    use crate::retry::TransportFailure;
    use crate::{Credentials, Endpoint};

    /// A failed handshake ends the call at once, for any retry policy: one attempt, no sleep,
    /// the cause and the host named.
    #[test]
    fn a_tls_failure_is_final() {
        let credentials = Credentials::new("LTAI5tTestKeyId", "test-secret").unwrap();
        let endpoint = Endpoint::parse("https://dataworks.example.com:8443").unwrap();
        let mut flow = CallFlow::new(DeleteDiSyncTask::new(10000, 7), RetryPolicy::default());
        let Action::Send { .. } = flow.next::<Vec<u8>>(Duration::ZERO, Input::Start) else {
            panic!("the first action sends");
        };
        let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        flow.sign(Signer::new(&credentials, &endpoint), timestamp, [7; 24])
            .unwrap();
        let failed = NoResponse::new(
            TransportFailure::NotSent,
            TransportErrorKind::Tls(TlsFailure::UnknownIssuer),
            "invalid peer certificate: UnknownIssuer".to_owned(),
        );
        let Action::Done(Err(error)) =
            flow.next::<Vec<u8>>(Duration::from_millis(5), Input::NoResponse(failed))
        else {
            panic!("a TLS failure is not retried");
        };
        let ClientError::Tls {
            action,
            host,
            cause,
            message,
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(action, "DeleteDISyncTask");
        assert_eq!(host, "dataworks.example.com:8443");
        assert_eq!(*cause, TlsFailure::UnknownIssuer);
        assert_eq!(message, "invalid peer certificate: UnknownIssuer");
        assert_eq!(flow.attempts_made(), 1);
        assert!(flow.retries().is_empty());
        assert!(flow.poll_event().is_none());
    }
}
