//! [`CallFlow`]: one operation, attempt by attempt, with its retries.
//!
//! A transport owns the socket, the clock, the RNG and the sleeping; a call owns everything
//! else (signing each attempt, reading each response, the retry decision, clock skew, and the
//! knowledge that an earlier attempt may have taken effect). Every transport built on it
//! behaves the same.

use std::time::Duration;

use super::{Action, Event, Events, Flow, Input, RetryEvent};
use crate::call::nonce_and_jitter_from_bytes;
use crate::client::{ClientError, TransportErrorKind};
use crate::ops::Operation;
use crate::retry::{Attempts, RetryDecision, RetryPolicy};
use crate::{Error, ResponseContext, RpcRequest, Signature, Signer, Timestamp};

/// One call of an operation as a [`Flow`]: the attempts, the retry decisions and the sleeps
/// between them. It owns its operation, so that other flows can hold it; a `CallFlow<&O>`
/// borrows it.
///
/// The output is the operation's output, or the [`ClientError`] that ended the call (bad
/// arguments come out at the first [`Flow::next`], before anything is sent).
#[derive(Debug)]
pub struct CallFlow<O: Operation> {
    operation: O,
    /// What every attempt signs, or the operation's argument error until `next` hands it out.
    request: Result<RpcRequest, Option<Error>>,
    attempts: Attempts,
    /// The nonce of every attempt so far: none may repeat within the call.
    nonces: Vec<String>,
    /// The signature and signing time of the last attempt, to diagnose its answer.
    sent: Option<(Signature, Timestamp)>,
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
        CallFlow {
            request: operation.to_rpc_request().map_err(Some),
            attempts: Attempts::new(policy, operation.idempotency()),
            operation,
            nonces: Vec::new(),
            sent: None,
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
        self.attempts.attempts_made()
    }

    fn finish(
        &mut self,
        result: Result<O::Output, ClientError>,
    ) -> Action<Result<O::Output, ClientError>> {
        self.phase = Phase::Finished;
        Action::Done(result)
    }

    fn send(&self, now: Duration) -> Action<Result<O::Output, ClientError>> {
        let deadline = self.attempts.policy().deadline();
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

    /// Reads the answer to the attempt in flight, `elapsed` after the call began: the output,
    /// or the error with what to do about it.
    fn read<B: AsRef<[u8]>>(
        &mut self,
        response: &http::Response<B>,
        elapsed: Duration,
        jitter: u64,
    ) -> Result<O::Output, (Error, RetryDecision)> {
        self.attempts.observe_response(response.headers());
        let mut context = ResponseContext::new()
            .with_prior_outcome_unknown(self.attempts.prior_outcome_unknown());
        if let Some((signature, signing_time)) = &self.sent {
            context = context.with_signature(signature, *signing_time);
        }
        self.operation
            .parse_response(response, &context)
            .map_err(|error| {
                let decision = self.attempts.after_error(&error, elapsed, jitter);
                (error, decision)
            })
    }
}

impl<O: Operation> Flow for CallFlow<O> {
    type Output = Result<O::Output, ClientError>;

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output> {
        if self.phase == Phase::Finished {
            return Action::Done(Err(ClientError::FlowEnded));
        }
        if let Err(error) = &mut self.request {
            let error = error
                .take()
                .map_or(ClientError::FlowEnded, ClientError::Api);
            return self.finish(Err(error));
        }
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
                match self.read(&response, elapsed, jitter) {
                    Ok(output) => self.finish(Ok(output)),
                    Err((error, RetryDecision::Retry { delay })) => {
                        let request_id = error.request_id().map(str::to_owned);
                        self.retry(delay, error.to_string(), request_id)
                    }
                    Err((error, RetryDecision::Stop(_))) => {
                        self.finish(Err(ClientError::Api(error)))
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
                        action: self.action().to_owned(),
                        host: self
                            .authority
                            .as_ref()
                            .map_or_else(String::new, ToString::to_string),
                        cause,
                        message: failed.message,
                    };
                    return self.finish(Err(error));
                }
                match self
                    .attempts
                    .after_transport_failure(failed.failure, elapsed, jitter)
                {
                    RetryDecision::Retry { delay } => {
                        self.retry(delay, format!("{}: {}", failed.kind, failed.message), None)
                    }
                    RetryDecision::Stop(_) => {
                        let error = ClientError::Transport {
                            action: self.action().to_owned(),
                            attempts: self.attempts_made(),
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
        let request = self.request.as_ref().map_err(|_| Error::NoRequestToSign)?;
        let (nonce, jitter) = nonce_and_jitter_from_bytes(random);
        if self.nonces.contains(&nonce) {
            return Err(Error::InvalidNonce {
                reason: "an earlier attempt of this call used it; draw a fresh one per attempt",
            });
        }
        let signing_time = self.attempts.start_attempt(local_now)?;
        let retries = self.attempts.attempts_made().saturating_sub(1);
        let (signed, signature) = signer
            .with_retry_attempts(retries)
            .sign(request, signing_time, &nonce)?
            .into_parts();
        self.nonces.push(nonce);
        self.sent = Some((signature, signing_time));
        if self.authority.is_none() {
            self.authority = Some(signer.endpoint().http_authority().clone());
        }
        self.phase = Phase::Sent { jitter };
        Ok(signed)
    }

    fn interrupt(&mut self) {
        self.interrupted = true;
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn action(&self) -> &str {
        self.request.as_ref().map_or("", RpcRequest::action)
    }

    fn clock_offset(&self) -> i64 {
        self.attempts.clock_offset()
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        // A call whose arguments are bad sends nothing and measures nothing: its offset stays 0.
        if self.request.is_ok() {
            self.attempts.set_clock_offset(seconds);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::TlsFailure;
    use crate::flow::NoResponse;
    use crate::ops::{ChangeOutcome, DeleteDiSyncTask};
    use crate::retry::TransportFailure;
    use crate::{Credentials, Endpoint, FailureReason};

    fn json(status: u16, body: &'static str) -> http::Response<&'static str> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body)
            .unwrap()
    }

    /// The random bytes of an attempt: nonce bytes all `n`, jitter 0.
    fn random(n: u8) -> [u8; 24] {
        let mut bytes = [0; 24];
        bytes[..16].fill(n);
        bytes
    }

    fn start<O: Operation>(flow: &mut CallFlow<O>) {
        let Action::Send { .. } = flow.next::<&str>(Duration::ZERO, Input::Start) else {
            panic!("the first action sends");
        };
    }

    const GONE: &str = r#"{"Success":true,"RequestId":"r","Data":{"Status":"fail","Message":"fileId:[100] is invalid."}}"#;

    /// A throttled attempt sleeps the time the service asked for, then goes again, re-signed
    /// with a fresh nonce (and the credentials as they are then).
    #[test]
    fn a_throttled_attempt_is_retried_after_the_time_asked_for() {
        let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret").unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        let signer = Signer::new(&credentials, &endpoint);
        let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        let mut flow = CallFlow::new(DeleteDiSyncTask::new(10000, 100), RetryPolicy::default());
        start(&mut flow);
        let request = flow.sign(signer, now, random(1)).unwrap();
        assert_eq!(request.uri().host(), Some("127.0.0.1"));
        let throttled = http::Response::builder()
            .status(429)
            .header("content-type", "application/json")
            .header("x-acs-retry-after", "250")
            .body(r#"{"RequestId":"r1","Code":"Throttling.Api","Message":"Slow down"}"#)
            .unwrap();
        let Action::Sleep(delay) = flow.next(Duration::from_millis(40), Input::Response(throttled))
        else {
            panic!("a throttled teardown is retried");
        };
        assert_eq!(delay, Duration::from_millis(250));

        let Action::Send { .. } = flow.next::<&str>(Duration::from_millis(290), Input::Woke) else {
            panic!("the retry sends");
        };
        flow.sign(signer, now, random(2)).unwrap();
        let done = json(
            200,
            r#"{"Success":true,"RequestId":"r2","Data":{"Status":"success"}}"#,
        );
        let Action::Done(Ok(output)) = flow.next(Duration::from_millis(400), Input::Response(done))
        else {
            panic!("the second attempt succeeds");
        };
        assert_eq!(output.outcome, ChangeOutcome::Done);
    }

    #[test]
    fn a_lost_answer_then_gone_task_is_done() {
        let credentials = Credentials::new("id", "secret").unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let operation = DeleteDiSyncTask::new(10000, 100);
        let signer = Signer::new(&credentials, &endpoint);
        let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap();

        // Without a lost answer, the same body is a failure.
        let mut flow = CallFlow::new(&operation, RetryPolicy::default());
        start(&mut flow);
        flow.sign(signer, now, random(1)).unwrap();
        let Action::Done(Err(ClientError::Api(Error::TaskFailed(failure)))) =
            flow.next(Duration::ZERO, Input::Response(json(200, GONE)))
        else {
            panic!("a fail status is a failure");
        };
        assert_eq!(failure.reason, FailureReason::TaskNotFound);
        assert!(!failure.after_unknown_outcome);

        let mut flow = CallFlow::new(&operation, RetryPolicy::default());
        start(&mut flow);
        flow.sign(signer, now, random(1)).unwrap();
        let lost = NoResponse::new(
            TransportFailure::OutcomeUnknown,
            TransportErrorKind::ConnectionClosed,
            "connection reset".to_owned(),
        );
        assert!(matches!(
            flow.next::<&str>(Duration::from_secs(5), Input::NoResponse(lost)),
            Action::Sleep(_)
        ));
        let Action::Send { .. } = flow.next::<&str>(Duration::from_secs(5), Input::Woke) else {
            panic!("the retry sends");
        };
        assert!(matches!(
            flow.sign(signer, now, random(1)),
            Err(Error::InvalidNonce { .. })
        ));
        let retry = flow.sign(signer, now, random(2)).unwrap();
        assert_eq!(retry.headers()["x-acs-retry-attempts"], "1");
        let Action::Done(Ok(output)) = flow.next(Duration::ZERO, Input::Response(json(200, GONE)))
        else {
            panic!("the task is gone after a lost answer: done");
        };
        assert_eq!(
            output.outcome,
            ChangeOutcome::AlreadyDone {
                reason: FailureReason::TaskNotFound
            }
        );
        assert_eq!(flow.attempts_made(), 2);
    }

    #[test]
    fn stops_on_final_errors_and_bad_arguments() {
        let credentials = Credentials::new("id", "secret").unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let signer = Signer::new(&credentials, &endpoint);
        let mut flow = CallFlow::new(DeleteDiSyncTask::new(-1, 100), RetryPolicy::default());
        assert!(matches!(
            flow.next::<&str>(Duration::ZERO, Input::Start),
            Action::Done(Err(ClientError::Api(Error::InvalidParameter { .. })))
        ));
        let mut flow = CallFlow::new(DeleteDiSyncTask::new(1, 1), RetryPolicy::default());
        start(&mut flow);
        flow.sign(signer, Timestamp::MIN, random(1)).unwrap();
        let denied = json(
            403,
            r#"{"RequestId":"r","Code":"Forbidden.Access","Message":"no"}"#,
        );
        assert!(matches!(
            flow.next(Duration::ZERO, Input::Response(denied)),
            Action::Done(Err(ClientError::Api(Error::AccessDenied(_))))
        ));
    }

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
