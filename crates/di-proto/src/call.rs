//! One call of an operation, attempt by attempt: a client's whole loop, without the IO.
//!
//! A transport owns the socket, the clock, the RNG and the sleeping; [`Call`] owns everything
//! else (signing each attempt, reading each response, the retry decision, clock skew, and the
//! knowledge that an earlier attempt may have taken effect). Every transport built on it
//! behaves the same.

use std::time::Duration;

use crate::ops::Operation;
use crate::retry::{Attempts, RetryDecision, RetryPolicy, TransportFailure};
use crate::{Error, ResponseContext, RpcRequest, Signature, Signer, Timestamp};

/// A signature nonce from 16 random bytes: 32 lowercase hex digits. The caller draws the
/// bytes (di-proto has no randomness); every transport and tool formats them here, alike.
///
/// ```
/// assert_eq!(di_proto::nonce_from_bytes([0xab; 16]), "ab".repeat(16));
/// ```
pub fn nonce_from_bytes(bytes: [u8; 16]) -> String {
    let mut nonce = String::with_capacity(32);
    crate::sign::push_hex(&mut nonce, &bytes);
    nonce
}

/// An attempt's nonce and the random `u64` of its full-jitter backoff, from one draw of 24
/// random bytes: the first 16 make the nonce (as [`nonce_from_bytes`]), the last 8 the jitter
/// (little-endian). One draw of the operating system's generator per attempt serves both.
///
/// ```
/// let (nonce, jitter) = di_proto::internals::nonce_and_jitter_from_bytes([0xab; 24]);
/// assert_eq!(nonce, "ab".repeat(16));
/// assert_eq!(jitter, u64::from_le_bytes([0xab; 8]));
/// ```
pub fn nonce_and_jitter_from_bytes(bytes: [u8; 24]) -> (String, u64) {
    let [
        n0,
        n1,
        n2,
        n3,
        n4,
        n5,
        n6,
        n7,
        n8,
        n9,
        n10,
        n11,
        n12,
        n13,
        n14,
        n15,
        j @ ..,
    ] = bytes;
    (
        nonce_from_bytes([
            n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15,
        ]),
        u64::from_le_bytes(j),
    )
}

/// What to do after an attempt's response.
///
/// The two ways are closed (no variant will be added), so a transport matches both.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is over: its output, or the error to return.
    Done(Result<T, Error>),
    /// The attempt failed in a way worth retrying: wait `delay`, then start the next attempt.
    Retry {
        /// How long to wait.
        delay: Duration,
        /// The failure being retried, for logs.
        error: Error,
    },
}

/// One call of `O`, from its first attempt to its result.
///
/// ```
/// use std::time::Duration;
/// use di_proto::ops::{DeleteDiSyncTask, ChangeOutcome};
/// use di_proto::retry::RetryPolicy;
/// use di_proto::internals::{Call, Step};
/// use di_proto::{Credentials, Endpoint, Signer, Timestamp};
///
/// let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
/// let endpoint = Endpoint::parse("http://127.0.0.1:8080")?;
/// let operation = DeleteDiSyncTask::new(10000, 100);
/// let mut call = Call::new(&operation, RetryPolicy::default())?;
///
/// // Attempt 1: the transport asks its credentials provider, reads its clock, draws a nonce,
/// // sends...
/// let now = Timestamp::from_unix_seconds(1_700_000_000)?;
/// let request = call.start_attempt(Signer::new(&credentials, &endpoint), now, "nonce-1")?;
/// assert_eq!(request.uri().host(), Some("127.0.0.1"));
/// // ...and gets a throttling answer.
/// let throttled = di_proto::http::Response::builder()
///     .status(429)
///     .header("content-type", "application/json")
///     .header("x-acs-retry-after", "250")
///     .body(r#"{"RequestId":"r1","Code":"Throttling.Api","Message":"Slow down"}"#)
///     .unwrap();
/// let Step::Retry { delay, .. } = call.finish_attempt(&throttled, Duration::from_millis(40), 7) else {
///     panic!("a throttled teardown is retried");
/// };
/// assert_eq!(delay, Duration::from_millis(250));
///
/// // Attempt 2, re-signed with a fresh nonce (and the credentials as they are now): done.
/// let request = call.start_attempt(Signer::new(&credentials, &endpoint), now, "nonce-2")?;
/// let done = di_proto::http::Response::builder()
///     .header("content-type", "application/json")
///     .body(r#"{"Success":true,"RequestId":"r2","Data":{"Status":"success"}}"#)
///     .unwrap();
/// let Step::Done(Ok(output)) = call.finish_attempt(&done, Duration::from_millis(400), 7) else {
///     panic!("the second attempt succeeds");
/// };
/// assert_eq!(output.outcome, ChangeOutcome::Done);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug)]
pub struct Call<'a, O: Operation> {
    operation: &'a O,
    state: CallState,
}

/// What one call keeps from attempt to attempt, apart from its operation: shared by [`Call`]
/// (which borrows the operation) and [`crate::flow::CallFlow`] (which owns it).
#[derive(Debug)]
pub(crate) struct CallState {
    request: RpcRequest,
    attempts: Attempts,
    nonces: Vec<String>,
    sent: Option<(Signature, Timestamp)>,
}

impl CallState {
    pub(crate) fn new<O: Operation>(operation: &O, policy: RetryPolicy) -> Result<Self, Error> {
        Ok(CallState {
            request: operation.to_rpc_request()?,
            attempts: Attempts::new(policy, operation.idempotency()),
            nonces: Vec::new(),
            sent: None,
        })
    }

    pub(crate) fn set_clock_offset(&mut self, seconds: i64) {
        self.attempts.set_clock_offset(seconds);
    }

    pub(crate) fn action(&self) -> &str {
        self.request.action()
    }

    pub(crate) fn start_attempt(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        nonce: &str,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        if self.nonces.iter().any(|used| used == nonce) {
            return Err(Error::InvalidNonce {
                reason: "an earlier attempt of this call used it; draw a fresh one per attempt",
            });
        }
        let signing_time = self.attempts.start_attempt(local_now)?;
        let retries = self.attempts.attempts_made().saturating_sub(1);
        let (request, signature) = signer
            .with_retry_attempts(retries)
            .sign(&self.request, signing_time, nonce)?
            .into_parts();
        self.nonces.push(nonce.to_owned());
        self.sent = Some((signature, signing_time));
        Ok(request)
    }

    pub(crate) fn finish_attempt<O: Operation, B: AsRef<[u8]>>(
        &mut self,
        operation: &O,
        response: &http::Response<B>,
        elapsed: Duration,
        jitter: u64,
    ) -> Step<O::Output> {
        self.attempts.observe_response(response.headers());
        let mut context = ResponseContext::new()
            .with_prior_outcome_unknown(self.attempts.prior_outcome_unknown());
        if let Some((signature, signing_time)) = &self.sent {
            context = context.with_signature(signature, *signing_time);
        }
        let error = match operation.parse_response(response, &context) {
            Ok(output) => return Step::Done(Ok(output)),
            Err(error) => error,
        };
        match self.attempts.after_error(&error, elapsed, jitter) {
            RetryDecision::Retry { delay } => Step::Retry { delay, error },
            RetryDecision::Stop(_) => Step::Done(Err(error)),
        }
    }

    pub(crate) fn transport_failed(
        &mut self,
        failure: TransportFailure,
        elapsed: Duration,
        jitter: u64,
    ) -> RetryDecision {
        self.attempts
            .after_transport_failure(failure, elapsed, jitter)
    }

    pub(crate) fn attempts_made(&self) -> u32 {
        self.attempts.attempts_made()
    }

    pub(crate) fn clock_offset(&self) -> i64 {
        self.attempts.clock_offset()
    }

    pub(crate) fn deadline(&self) -> Option<Duration> {
        self.attempts.policy().deadline()
    }
}

impl<'a, O: Operation> Call<'a, O> {
    /// Starts a call of `operation`, retried under `policy`.
    ///
    /// # Errors
    /// The operation's argument errors: nothing is sent then.
    pub fn new(operation: &'a O, policy: RetryPolicy) -> Result<Self, Error> {
        Ok(Call {
            state: CallState::new(operation, policy)?,
            operation,
        })
    }

    /// Starts from a clock offset measured by earlier calls (see [`Call::clock_offset`]).
    #[must_use]
    pub fn with_clock_offset(mut self, seconds: i64) -> Self {
        self.state.set_clock_offset(seconds);
        self
    }

    /// Signs the next attempt with `signer`, `local_now` (moved by the measured clock offset)
    /// and `nonce`, and returns the request to send. Retries carry `x-acs-retry-attempts`.
    ///
    /// The signer comes per attempt, so that credentials refreshed between two attempts (an
    /// STS token near its expiry) sign the next one.
    ///
    /// # Errors
    /// [`Error::InvalidNonce`] when `nonce` is invalid or an earlier attempt of this call used
    /// it; the signer's errors otherwise.
    pub fn start_attempt(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        nonce: &str,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        self.state.start_attempt(signer, local_now, nonce)
    }

    /// Reads the response to the current attempt, `elapsed` after the call began; `jitter` is
    /// a uniformly random `u64` for the backoff.
    pub fn finish_attempt<B: AsRef<[u8]>>(
        &mut self,
        response: &http::Response<B>,
        elapsed: Duration,
        jitter: u64,
    ) -> Step<O::Output> {
        self.state
            .finish_attempt(self.operation, response, elapsed, jitter)
    }

    /// Decides after the current attempt got no response, `elapsed` after the call began. On
    /// [`RetryDecision::Stop`], the transport returns its own error.
    pub fn transport_failed(
        &mut self,
        failure: TransportFailure,
        elapsed: Duration,
        jitter: u64,
    ) -> RetryDecision {
        self.state.transport_failed(failure, elapsed, jitter)
    }

    /// Attempts started so far.
    pub fn attempts_made(&self) -> u32 {
        self.state.attempts_made()
    }

    /// The server clock minus the local clock, in seconds, as last measured; carry it to the
    /// next call.
    pub fn clock_offset(&self) -> i64 {
        self.state.clock_offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{ChangeOutcome, DeleteDiSyncTask};
    use crate::{Credentials, Endpoint, FailureReason};

    fn json(status: u16, body: &'static str) -> http::Response<&'static str> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body)
            .unwrap()
    }

    const GONE: &str = r#"{"Success":true,"RequestId":"r","Data":{"Status":"fail","Message":"fileId:[100] is invalid."}}"#;

    #[test]
    fn a_lost_answer_then_gone_task_is_done() {
        let credentials = Credentials::new("id", "secret").unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let operation = DeleteDiSyncTask::new(10000, 100);
        let signer = Signer::new(&credentials, &endpoint);
        let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap();

        // Without a lost answer, the same body is a failure.
        let mut call = Call::new(&operation, RetryPolicy::default()).unwrap();
        call.start_attempt(signer, now, "n1").unwrap();
        let Step::Done(Err(Error::TaskFailed(failure))) =
            call.finish_attempt(&json(200, GONE), Duration::ZERO, 0)
        else {
            panic!("a fail status is a failure");
        };
        assert_eq!(failure.reason, FailureReason::TaskNotFound);
        assert!(!failure.after_unknown_outcome);

        let mut call = Call::new(&operation, RetryPolicy::default()).unwrap();
        call.start_attempt(signer, now, "n1").unwrap();
        assert!(matches!(
            call.transport_failed(TransportFailure::OutcomeUnknown, Duration::from_secs(5), 0),
            RetryDecision::Retry { .. }
        ));
        assert!(matches!(
            call.start_attempt(signer, now, "n1"),
            Err(Error::InvalidNonce { .. })
        ));
        let retry = call.start_attempt(signer, now, "n2").unwrap();
        assert_eq!(retry.headers()["x-acs-retry-attempts"], "1");
        let Step::Done(Ok(output)) = call.finish_attempt(&json(200, GONE), Duration::ZERO, 0)
        else {
            panic!("the task is gone after a lost answer: done");
        };
        assert_eq!(
            output.outcome,
            ChangeOutcome::AlreadyDone {
                reason: FailureReason::TaskNotFound
            }
        );
        assert_eq!(call.attempts_made(), 2);
    }

    #[test]
    fn stops_on_final_errors_and_bad_arguments() {
        let credentials = Credentials::new("id", "secret").unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let signer = Signer::new(&credentials, &endpoint);
        assert!(matches!(
            Call::new(&DeleteDiSyncTask::new(-1, 100), RetryPolicy::default()),
            Err(Error::InvalidParameter { .. })
        ));
        let operation = DeleteDiSyncTask::new(1, 1);
        let mut call = Call::new(&operation, RetryPolicy::default()).unwrap();
        call.start_attempt(signer, Timestamp::MIN, "n").unwrap();
        let denied = json(
            403,
            r#"{"RequestId":"r","Code":"Forbidden.Access","Message":"no"}"#,
        );
        assert!(matches!(
            call.finish_attempt(&denied, Duration::ZERO, 0),
            Step::Done(Err(Error::AccessDenied(_)))
        ));
    }
}
