//! The retry policy every transport shares: pure decisions, with the clock reading, the elapsed
//! time and the randomness passed in.
//!
//! [`crate::flow::CallFlow`] runs the whole loop on top of this module; a transport that keeps its own
//! loop runs one [`Attempts`] per call:
//!
//! ```
//! use std::time::Duration;
//! use di_proto::retry::{Attempts, RetryDecision, RetryPolicy, TransportFailure};
//! use di_proto::ops::{DeleteDiSyncTask, Operation};
//! use di_proto::Timestamp;
//!
//! let operation = DeleteDiSyncTask::new(10000, 100);
//! let mut attempts = Attempts::new(RetryPolicy::default(), operation.idempotency());
//! // First attempt: sign with the (skew-corrected) time, send, and suppose it timed out.
//! let local_now = Timestamp::from_unix_seconds(1_700_000_000)?;
//! let signing_time = attempts.start_attempt(local_now)?;
//! assert_eq!(signing_time, local_now);
//! let jitter = 0x8000_0000_0000_0000; // a random u64 from the transport's RNG
//! let decision = attempts.after_transport_failure(
//!     TransportFailure::OutcomeUnknown,
//!     Duration::from_secs(10),
//!     jitter,
//! );
//! let RetryDecision::Retry { delay } = decision else {
//!     panic!("a teardown is retried after a timeout: {decision:?}");
//! };
//! assert!(delay <= Duration::from_millis(200));
//! // The next parse learns that the first attempt may have taken effect.
//! assert!(attempts.prior_outcome_unknown());
//! # Ok::<(), di_proto::Error>(())
//! ```
//!
//! Every retry is a new attempt: the transport signs it again, with a fresh nonce and the time
//! [`Attempts::start_attempt`] returns.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::error::BodyProblem;
use crate::{Error, ResponseContext, SignedRequest, Timestamp};

/// Skews smaller than this are taken for latency and rounding, and not corrected.
#[doc(hidden)]
pub const CLOCK_SKEW_THRESHOLD_SECONDS: i64 = 60;

/// Whether an operation can be sent twice without acting twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// A repeat has no further effect, or says that it found the work done: safe to retry
    /// after an attempt whose outcome is unknown.
    Idempotent,
    /// A repeat may act twice: retried only when the earlier attempt surely had no effect.
    #[default]
    NotIdempotent,
}

/// How an attempt failed before any response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportFailure {
    /// The request never left: name resolution, connect or TLS handshake failed.
    NotSent,
    /// The request may have arrived: a timeout, or a connection reset or closed after sending
    /// began.
    OutcomeUnknown,
}

/// When a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(hidden)]
pub enum Retryability {
    /// The attempt had no effect (throttled, nonce reused, clock skew now corrected, not
    /// sent): any operation may retry.
    Safe,
    /// The attempt may have taken effect (server error, no answer): only idempotent
    /// operations retry.
    IfIdempotent,
    /// Retrying the same request fails the same way.
    Never,
}

impl Retryability {
    /// How a failed call may be retried.
    pub fn of_error(error: &Error) -> Retryability {
        match error {
            Error::Throttled(_) | Error::NonceReused(_) => Retryability::Safe,
            Error::ClockSkewed {
                skew_seconds: Some(skew),
                ..
            } if skew.abs() >= CLOCK_SKEW_THRESHOLD_SECONDS => Retryability::Safe,
            Error::ServerError(_) => Retryability::IfIdempotent,
            Error::UnexpectedResponse(response) => match response.status {
                StatusCode::TOO_MANY_REQUESTS => Retryability::Safe,
                StatusCode::INTERNAL_SERVER_ERROR
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT => Retryability::IfIdempotent,
                // A success whose body was cut: the call happened, its answer got lost.
                status if status.is_success() && response.problem == BodyProblem::Truncated => {
                    Retryability::IfIdempotent
                }
                _ => Retryability::Never,
            },
            _ => Retryability::Never,
        }
    }

    /// How an attempt that got no response may be retried.
    pub fn of_transport_failure(failure: TransportFailure) -> Retryability {
        match failure {
            TransportFailure::NotSent => Retryability::Safe,
            TransportFailure::OutcomeUnknown => Retryability::IfIdempotent,
        }
    }
}

/// What to do after a failed attempt: closed, so a transport matches both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(hidden)]
pub enum RetryDecision {
    /// Wait `delay`, then sign and send a new attempt.
    Retry {
        /// How long to wait first.
        delay: Duration,
    },
    /// Give up and return the last failure.
    Stop(StopReason),
}

/// Why the policy gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[doc(hidden)]
pub enum StopReason {
    /// The failure is final ([`Retryability::Never`]).
    NotRetryable,
    /// The attempt may have taken effect and the operation is not idempotent.
    NotIdempotent,
    /// The policy's maximum number of attempts is spent.
    AttemptsExhausted,
    /// The wait would end past the policy's deadline.
    DeadlineExceeded,
    /// The service asked for a longer wait than the policy allows.
    RetryAfterTooLong,
}

/// Limits and backoff of the retries of one call.
///
/// The default: 3 attempts, full-jitter exponential backoff from 200 ms up to 20 s, service
/// waits (`x-acs-retry-after`) honoured up to 60 s, and a 120 s deadline for the whole call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            deadline: Some(Duration::from_secs(120)),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryPolicy::default().with_max_attempts(1)
    }

    /// At most `max_attempts` attempts in all (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The backoff ceiling of the first retry; it doubles for each one after.
    #[must_use]
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// The largest backoff ceiling.
    #[must_use]
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The longest service-requested wait honoured; a longer request stops the retries.
    #[must_use]
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// No retry waits past `deadline` after the call began (`None`: no deadline).
    #[must_use]
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The maximum number of attempts.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The deadline of the whole call, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The full-jitter backoff before retry number `retry` (1 for the first retry):
    /// uniform in `[0, min(max_backoff, initial_backoff * 2^(retry-1))]`, drawn from `jitter`,
    /// a uniformly random `u64`.
    pub fn backoff(&self, retry: u32, jitter: u64) -> Duration {
        // initial * 2^(retry-1), in nanoseconds, saturating: any retry count doubles as
        // documented until the cap.
        let shift = retry.saturating_sub(1);
        let initial = self.initial_backoff.as_nanos();
        let grown = if initial == 0 {
            0
        } else if shift >= initial.leading_zeros() {
            u128::MAX
        } else {
            initial << shift
        };
        let ceiling = if grown >= self.max_backoff.as_nanos() {
            self.max_backoff
        } else {
            // Below max_backoff, so within Duration's range.
            let seconds = u64::try_from(grown / 1_000_000_000).unwrap_or(u64::MAX);
            let nanos = u32::try_from(grown % 1_000_000_000).unwrap_or(0);
            Duration::new(seconds, nanos)
        };
        let nanos = ceiling.as_nanos();
        // `nanos * jitter / 2^64` without floating point. A ceiling may reach Duration::MAX
        // (< 2^94 ns), so the product is split at bit 32 to stay within u128.
        let jitter = u128::from(jitter);
        let delay = ((nanos >> 32) * jitter + (((nanos & 0xffff_ffff) * jitter) >> 32)) >> 32;
        Duration::from_nanos(u64::try_from(delay).unwrap_or(u64::MAX)).min(ceiling)
    }
}

/// The retry state of one call: attempts made, clock offset, and whether an earlier attempt
/// may have taken effect unseen.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub struct Attempts {
    policy: RetryPolicy,
    idempotency: Idempotency,
    made: u32,
    prior_outcome_unknown: bool,
    clock_offset_seconds: i64,
    last_local_time: Option<Timestamp>,
}

impl Attempts {
    /// The state before the first attempt of an operation with `idempotency`.
    pub fn new(policy: RetryPolicy, idempotency: Idempotency) -> Self {
        Attempts {
            policy,
            idempotency,
            made: 0,
            prior_outcome_unknown: false,
            clock_offset_seconds: 0,
            last_local_time: None,
        }
    }

    /// Starts from a clock offset measured by earlier calls (see [`Attempts::clock_offset`]).
    #[must_use]
    pub fn with_clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset_seconds = seconds;
        self
    }

    /// Sets the clock offset in place (see [`Attempts::with_clock_offset`]).
    pub(crate) fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset_seconds = seconds;
    }

    /// The policy the attempts follow.
    pub(crate) fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Counts a new attempt and returns the time to sign it with: `local_now` moved by the
    /// measured clock offset.
    ///
    /// # Errors
    /// [`Error::TimestampOutOfRange`] when the corrected time leaves the supported range.
    pub fn start_attempt(&mut self, local_now: Timestamp) -> Result<Timestamp, Error> {
        self.made = self.made.saturating_add(1);
        self.last_local_time = Some(local_now);
        local_now.checked_add_seconds(self.clock_offset_seconds)
    }

    /// Reads the `Date` header of any response to the current attempt, and keeps the server's
    /// clock offset when it is [`CLOCK_SKEW_THRESHOLD_SECONDS`] or more (else none).
    pub fn observe_response(&mut self, headers: &HeaderMap) {
        let Some(local) = self.last_local_time else {
            return;
        };
        if let Some(skew) = crate::response::clock_skew(headers, local) {
            self.clock_offset_seconds = if skew.abs() >= CLOCK_SKEW_THRESHOLD_SECONDS {
                skew
            } else {
                0
            };
        }
    }

    /// The context to parse the current attempt's response with.
    pub fn context<'a>(&self, request: &'a SignedRequest) -> ResponseContext<'a> {
        ResponseContext::new()
            .with_request(request)
            .with_prior_outcome_unknown(self.prior_outcome_unknown)
    }

    /// Decides after the current attempt failed with `error`, `elapsed` after the call began.
    pub fn after_error(&mut self, error: &Error, elapsed: Duration, jitter: u64) -> RetryDecision {
        let retry_after = match error {
            Error::UnexpectedResponse(response) => response.retry_after,
            _ => error
                .service_error()
                .and_then(|service| service.retry_after),
        };
        let immediate = matches!(error, Error::NonceReused(_) | Error::ClockSkewed { .. });
        self.decide(
            Retryability::of_error(error),
            retry_after,
            immediate,
            elapsed,
            jitter,
        )
    }

    /// Decides after the current attempt got no response.
    pub fn after_transport_failure(
        &mut self,
        failure: TransportFailure,
        elapsed: Duration,
        jitter: u64,
    ) -> RetryDecision {
        self.decide(
            Retryability::of_transport_failure(failure),
            None,
            false,
            elapsed,
            jitter,
        )
    }

    fn decide(
        &mut self,
        retryability: Retryability,
        retry_after: Option<Duration>,
        immediate: bool,
        elapsed: Duration,
        jitter: u64,
    ) -> RetryDecision {
        if retryability == Retryability::IfIdempotent {
            // The attempt may have acted: later answers are read in that light.
            self.prior_outcome_unknown = true;
        }
        let stop = match retryability {
            Retryability::Never => Some(StopReason::NotRetryable),
            Retryability::IfIdempotent if self.idempotency != Idempotency::Idempotent => {
                Some(StopReason::NotIdempotent)
            }
            _ if self.made >= self.policy.max_attempts => Some(StopReason::AttemptsExhausted),
            _ => None,
        };
        if let Some(reason) = stop {
            return RetryDecision::Stop(reason);
        }
        let delay = match retry_after {
            Some(wait) if wait > self.policy.max_retry_after => {
                return RetryDecision::Stop(StopReason::RetryAfterTooLong);
            }
            Some(wait) => wait,
            None if immediate => Duration::ZERO,
            None => self.policy.backoff(self.made, jitter),
        };
        if let Some(deadline) = self.policy.deadline
            && elapsed.saturating_add(delay) >= deadline
        {
            return RetryDecision::Stop(StopReason::DeadlineExceeded);
        }
        RetryDecision::Retry { delay }
    }

    /// Attempts started so far.
    pub fn attempts_made(&self) -> u32 {
        self.made
    }

    /// Whether an earlier attempt may have taken effect without an answer.
    pub fn prior_outcome_unknown(&self) -> bool {
        self.prior_outcome_unknown
    }

    /// The server clock minus the local clock, in seconds, as last measured (0 when within
    /// [`CLOCK_SKEW_THRESHOLD_SECONDS`]). Carry it to the next call's [`Attempts`].
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ServiceError, UnexpectedResponse};

    fn service(status: u16, code: &str, retry_after: Option<Duration>) -> Box<ServiceError> {
        Box::new(ServiceError {
            status: StatusCode::from_u16(status).unwrap(),
            code: code.to_owned(),
            message: String::new(),
            request_id: None,
            host_id: None,
            recommend: None,
            access_denied_detail: None,
            retry_after,
        })
    }

    fn foreign(status: u16, problem: BodyProblem) -> Error {
        Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            status: StatusCode::from_u16(status).unwrap(),
            content_type: None,
            problem,
            snippet: String::new(),
            request_id: None,
            retry_after: None,
        }))
    }

    const HALF: u64 = 1 << 63;

    fn started(idempotency: Idempotency) -> Attempts {
        let mut attempts = Attempts::new(RetryPolicy::default(), idempotency);
        attempts
            .start_attempt(Timestamp::from_unix_seconds(1_700_000_000).unwrap())
            .unwrap();
        attempts
    }

    #[test]
    fn classifies_failures() {
        use Retryability::*;
        let cases = [
            (Error::Throttled(service(429, "Throttling.Api", None)), Safe),
            (
                Error::NonceReused(service(400, "SignatureNonceUsed", None)),
                Safe,
            ),
            (
                Error::ServerError(service(500, "InternalError.System", None)),
                IfIdempotent,
            ),
            (
                Error::BadRequest(service(400, "Param.Invalid", None)),
                Never,
            ),
            (
                Error::AccessDenied(service(403, "Forbidden.Access", None)),
                Never,
            ),
            (
                Error::CredentialsRejected(service(404, "InvalidAccessKeyId.NotFound", None)),
                Never,
            ),
            (
                Error::ClockSkewed {
                    error: service(400, "InvalidTimeStamp.Expired", None),
                    skew_seconds: Some(-1200),
                },
                Safe,
            ),
            (
                Error::ClockSkewed {
                    error: service(400, "InvalidTimeStamp.Expired", None),
                    skew_seconds: None,
                },
                Never,
            ),
            (
                foreign(502, BodyProblem::UnsupportedContentType),
                IfIdempotent,
            ),
            (foreign(429, BodyProblem::UnsupportedContentType), Safe),
            (foreign(200, BodyProblem::Truncated), IfIdempotent),
            (foreign(200, BodyProblem::Empty), Never),
            (foreign(404, BodyProblem::UnsupportedContentType), Never),
        ];
        for (error, expected) in cases {
            assert_eq!(Retryability::of_error(&error), expected, "{error}");
        }
    }

    #[test]
    fn full_jitter_spans_zero_to_the_doubling_ceiling() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1, 0), Duration::ZERO);
        assert_eq!(policy.backoff(1, HALF), Duration::from_millis(100));
        // The top jitter stops one nanosecond short of the ceiling: `ceiling * jitter / 2^64`,
        // rounded down.
        assert_eq!(
            policy.backoff(1, u64::MAX),
            Duration::from_millis(200) - Duration::from_nanos(1)
        );
        assert_eq!(policy.backoff(3, HALF), Duration::from_millis(400));
        // The ceiling doubles with each retry (200 ms, 400 ms, ... 12.8 s), up to max_backoff.
        let tops: Vec<Duration> = (1..=9)
            .map(|retry| policy.backoff(retry, u64::MAX) + Duration::from_nanos(1))
            .collect();
        let expected: Vec<Duration> = [200, 400, 800, 1600, 3200, 6400, 12_800, 20_000, 20_000]
            .into_iter()
            .map(Duration::from_millis)
            .collect();
        assert_eq!(tops, expected);
        // Capped at max_backoff (20 s), and no overflow however many retries.
        for retry in [40, 64, 65, u32::MAX] {
            assert_eq!(
                policy.backoff(retry, HALF),
                Duration::from_secs(10),
                "{retry}"
            );
            assert_eq!(
                policy.backoff(retry, u64::MAX),
                Duration::from_secs(20) - Duration::from_nanos(1),
                "{retry}"
            );
        }
    }

    #[test]
    fn a_ceiling_past_u64_nanoseconds_is_split_exactly_and_the_delay_saturates() {
        // A ceiling of Duration::MAX is 2^64 * 10^9 - 1 ns: past u64, so the product with the
        // jitter is computed in two halves. The exact quotients:
        let huge = RetryPolicy::default()
            .with_initial_backoff(Duration::MAX)
            .with_max_backoff(Duration::MAX);
        assert_eq!(huge.backoff(1, 0), Duration::ZERO);
        // (2^64 * 10^9 - 1) * 1 / 2^64, rounded down: only the high half contributes.
        assert_eq!(huge.backoff(1, 1), Duration::from_nanos(999_999_999));
        // (2^64 * 10^9 - 1) * 2^32 / 2^64 = 2^32 * 10^9 - 2^-32, rounded down.
        assert_eq!(
            huge.backoff(1, 1 << 32),
            Duration::from_nanos(4_294_967_295_999_999_999)
        );
        // Past u64::MAX nanoseconds (about 584 years) the delay saturates there.
        assert_eq!(huge.backoff(1, HALF), Duration::from_nanos(u64::MAX));
        assert_eq!(huge.backoff(1, u64::MAX), Duration::from_nanos(u64::MAX));
        assert_eq!(
            huge.backoff(u32::MAX, u64::MAX),
            Duration::from_nanos(u64::MAX)
        );
        // A zero ceiling is no wait at all.
        let none = RetryPolicy::default().with_initial_backoff(Duration::ZERO);
        assert_eq!(none.backoff(5, u64::MAX), Duration::ZERO);
    }

    #[test]
    fn a_tiny_initial_backoff_still_reaches_the_cap() {
        // 1 ns doubled 39 times is 550 s: the 60 s cap, not the 4.29 s that stopping the
        // doubling at 2^32 would give.
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_nanos(1))
            .with_max_backoff(Duration::from_secs(60));
        assert_eq!(
            policy.backoff(40, u64::MAX),
            Duration::from_nanos(59_999_999_999)
        );
        assert_eq!(
            policy.backoff(33, u64::MAX),
            Duration::from_nanos(4_294_967_295)
        );
    }

    proptest::proptest! {
        /// The documented draw, `min(max_backoff, initial_backoff * 2^(retry-1)) * jitter /
        /// 2^64` rounded down, computed in u128 (exact while the ceiling is under 2^64 ns);
        /// with it, a delay never reaches its ceiling (when there is one), and grows with the
        /// jitter and with the retry number, at any retry count (the doubling saturates,
        /// never wraps or stops short of the cap).
        #[test]
        fn backoff_is_the_documented_full_jitter_draw(
            initial_nanos in 0_u64..=10_000_000_000,
            max_nanos in 0_u64..=60_000_000_000,
            retry in 1_u32..=200,
            jitter in proptest::prelude::any::<u64>(),
            other in proptest::prelude::any::<u64>(),
        ) {
            let policy = RetryPolicy::default()
                .with_initial_backoff(Duration::from_nanos(initial_nanos))
                .with_max_backoff(Duration::from_nanos(max_nanos));
            let grown = u128::from(initial_nanos)
                .checked_shl(retry - 1)
                .filter(|grown| initial_nanos == 0 || grown >> (retry - 1) == u128::from(initial_nanos))
                .unwrap_or(u128::MAX);
            let ceiling = grown.min(u128::from(max_nanos));
            let draw = |jitter: u64| (ceiling * u128::from(jitter)) >> 64;
            let delay = policy.backoff(retry, jitter);
            proptest::prop_assert_eq!(delay.as_nanos(), draw(jitter));
            if ceiling > 0 {
                proptest::prop_assert!(delay.as_nanos() < ceiling);
            }
            let (low, high) = (jitter.min(other), jitter.max(other));
            proptest::prop_assert!(policy.backoff(retry, low) <= policy.backoff(retry, high));
            proptest::prop_assert!(delay <= policy.backoff(retry + 1, jitter));
        }
    }

    #[test]
    fn honours_the_service_wait_up_to_the_cap() {
        let mut attempts = started(Idempotency::NotIdempotent);
        let throttled = Error::Throttled(service(
            429,
            "Throttling.Api",
            Some(Duration::from_millis(1500)),
        ));
        assert_eq!(
            attempts.after_error(&throttled, Duration::ZERO, HALF),
            RetryDecision::Retry {
                delay: Duration::from_millis(1500)
            }
        );
        // The cap itself (60 s) is honoured.
        let at_the_cap = Error::Throttled(service(
            429,
            "Throttling.Api",
            Some(Duration::from_secs(60)),
        ));
        assert_eq!(
            attempts.after_error(&at_the_cap, Duration::ZERO, HALF),
            RetryDecision::Retry {
                delay: Duration::from_secs(60)
            }
        );
        let too_long = Error::Throttled(service(
            429,
            "Throttling.Api",
            Some(Duration::from_secs(61)),
        ));
        assert_eq!(
            attempts.after_error(&too_long, Duration::ZERO, HALF),
            RetryDecision::Stop(StopReason::RetryAfterTooLong)
        );
    }

    #[test]
    fn keeps_to_attempts_and_deadline() {
        let policy = RetryPolicy::default().with_max_attempts(2);
        let mut attempts = Attempts::new(policy, Idempotency::Idempotent);
        let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        attempts.start_attempt(now).unwrap();
        let failure = TransportFailure::NotSent;
        // The first retry's ceiling is the initial backoff (200 ms): half of it.
        assert_eq!(
            attempts.after_transport_failure(failure, Duration::ZERO, HALF),
            RetryDecision::Retry {
                delay: Duration::from_millis(100)
            }
        );
        attempts.start_attempt(now).unwrap();
        assert_eq!(
            attempts.after_transport_failure(failure, Duration::ZERO, HALF),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );

        let mut attempts = started(Idempotency::Idempotent);
        assert_eq!(
            attempts.after_transport_failure(failure, Duration::from_secs(120), 0),
            RetryDecision::Stop(StopReason::DeadlineExceeded)
        );
        // The deadline bounds the end of the wait, not its start: 119.9 s in, no wait fits,
        // a 100 ms wait does not (it would end at 120 s).
        let just_before = Duration::from_millis(119_900);
        assert_eq!(
            started(Idempotency::Idempotent).after_transport_failure(failure, just_before, 0),
            RetryDecision::Retry {
                delay: Duration::ZERO
            }
        );
        assert_eq!(
            started(Idempotency::Idempotent).after_transport_failure(failure, just_before, HALF),
            RetryDecision::Stop(StopReason::DeadlineExceeded)
        );
        // Without a deadline, any time spent still allows the retry.
        let mut endless = Attempts::new(
            RetryPolicy::default().with_deadline(None),
            Idempotency::Idempotent,
        );
        endless.start_attempt(now).unwrap();
        assert_eq!(
            endless.after_transport_failure(failure, Duration::from_secs(86_400), HALF),
            RetryDecision::Retry {
                delay: Duration::from_millis(100)
            }
        );
        assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    #[test]
    fn unknown_outcomes_retry_only_idempotent_calls_and_are_remembered() {
        let mut attempts = started(Idempotency::NotIdempotent);
        assert_eq!(
            attempts.after_transport_failure(
                TransportFailure::OutcomeUnknown,
                Duration::ZERO,
                HALF
            ),
            RetryDecision::Stop(StopReason::NotIdempotent)
        );
        let mut attempts = started(Idempotency::Idempotent);
        assert!(!attempts.prior_outcome_unknown());
        let server = Error::ServerError(service(500, "InternalError.System", None));
        assert_eq!(
            attempts.after_error(&server, Duration::ZERO, HALF),
            RetryDecision::Retry {
                delay: Duration::from_millis(100)
            }
        );
        assert!(attempts.prior_outcome_unknown());
        // A later safe failure does not clear it.
        attempts
            .start_attempt(Timestamp::from_unix_seconds(1_700_000_001).unwrap())
            .unwrap();
        let nonce = Error::NonceReused(service(400, "SignatureNonceUsed", None));
        assert_eq!(
            attempts.after_error(&nonce, Duration::ZERO, HALF),
            RetryDecision::Retry {
                delay: Duration::ZERO
            }
        );
        assert!(attempts.prior_outcome_unknown());
        assert_eq!(
            attempts.after_error(
                &Error::BadRequest(service(400, "Param.Invalid", None)),
                Duration::ZERO,
                HALF
            ),
            RetryDecision::Stop(StopReason::NotRetryable)
        );
    }

    #[test]
    fn measures_and_applies_clock_skew() {
        let local = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
        let mut attempts = Attempts::new(RetryPolicy::default(), Idempotency::Idempotent);
        assert_eq!(attempts.start_attempt(local).unwrap(), local);
        let mut headers = HeaderMap::new();
        // The server is 20 minutes ahead.
        headers.insert(
            http::header::DATE,
            "Mon, 23 Nov 2026 10:20:00 GMT".parse().unwrap(),
        );
        attempts.observe_response(&headers);
        assert_eq!(attempts.clock_offset(), 1200);
        assert_eq!(
            attempts.start_attempt(local).unwrap(),
            Timestamp::parse("2026-11-23T10:20:00Z").unwrap()
        );
        // Within the threshold: taken for latency, and the offset is dropped.
        headers.insert(
            http::header::DATE,
            "Mon, 23 Nov 2026 10:00:30 GMT".parse().unwrap(),
        );
        attempts.observe_response(&headers);
        assert_eq!(attempts.clock_offset(), 0);
        // Unreadable dates change nothing.
        let carried =
            Attempts::new(RetryPolicy::default(), Idempotency::Idempotent).with_clock_offset(-900);
        let mut carried = carried;
        carried.start_attempt(local).unwrap();
        headers.insert(http::header::DATE, "yesterday".parse().unwrap());
        carried.observe_response(&headers);
        assert_eq!(carried.clock_offset(), -900);
    }
}
