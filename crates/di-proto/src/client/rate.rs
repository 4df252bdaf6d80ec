//! Client-side rate limiting: how fast one client sends, shared by all of its calls.
//!
//! DataWorks limits each user's calls per API, and answers past the limit with HTTP 429
//! `Throttling.*`. A batch that sends faster than that spends its attempts on throttled
//! answers; one that sends much slower wastes time. [`RateLimiter`] is a token bucket whose
//! rate is either fixed ([`RateLimit::Fixed`], `ClientConfig::with_max_rate`) or learned
//! from the service's answers ([`RateLimit::Adaptive`], the default):
//!
//! - Until the service throttles, the bucket has no rate: nothing is held back, so a client
//!   under the service's limit sends as fast as without a limiter.
//! - The first throttled answer holds the rate at what the service *served* in the last
//!   second (the answers it let through in a sliding window, not what the client tried), so
//!   that no more requests pile up on it. If no other throttled answer comes within two
//!   seconds, it was a hiccup (another client's burst, a momentary limit): the hold is lifted.
//! - A second one (or any, once a limit is set) cuts the rate just under the served rate, and
//!   the served rate becomes the ceiling. Throttled answers within a short cool-down after a
//!   cut (the answers to requests already in flight) do not cut again.
//! - From the cut the rate grows along a cubic curve in time: quickly back towards the
//!   ceiling, flat around it, then faster above it, probing whether the service allows more,
//!   until the next run of throttled answers sets a new ceiling. The growth is in requests
//!   per second, whatever the scale, so a client cut to a low rate recovers within seconds.
//!
//! Compared with the AWS SDKs' adaptive mode (a CUBIC curve from the rate measured at the
//! throttle, cut to 70 % of it, on every throttled answer): the cut here starts from the
//! *served* rate, not the attempted one, so the first cut after a burst lands close to the
//! service's real limit instead of far above it; the cut is smaller (85 %), so the average
//! stays closer to the limit; and one throttled answer (another client's burst, a momentary
//! hiccup) does not slow a client that is not at the limit.
//!
//! The limiter is sans-IO: every method takes `now`, the caller's monotonic clock as a
//! [`Duration`] since any fixed instant. A transport keeps one per client behind a lock,
//! asks [`RateLimiter::acquire`] before each attempt, sleeps what it answers, and reports
//! each answer with [`RateLimiter::observe`].
//!
//! ```
//! use std::time::Duration;
//! use di_proto::client::rate::{RateLimit, RateLimiter};
//!
//! let mut limiter = RateLimiter::new(RateLimit::Fixed(10.0));
//! let now = Duration::from_secs(1);
//! assert_eq!(limiter.acquire(now), None); // the first request goes at once
//! // The next waits for its token: a tenth of a second at 10 per second.
//! assert_eq!(limiter.acquire(now), Some(Duration::from_millis(100)));
//! assert_eq!(limiter.acquire(now + Duration::from_millis(100)), None);
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use http::StatusCode;

/// How a client limits the rate of its requests.
///
/// Two values are equal when they are the same variant with the same bits of rate, so that
/// settings holding one compare as a whole.
#[derive(Debug, Clone, Copy, Default)]
pub enum RateLimit {
    /// No limit: every request goes at once (the connection cap aside).
    Off,
    /// At most this many requests per second, whatever the service answers (values below
    /// 0.01 count as 0.01).
    Fixed(f64),
    /// Learned from the service's throttled answers (see the [module docs](self)); no limit
    /// until they come. The default.
    #[default]
    Adaptive,
}

impl PartialEq for RateLimit {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (RateLimit::Fixed(a), RateLimit::Fixed(b)) => a.to_bits() == b.to_bits(),
            (RateLimit::Off, RateLimit::Off) | (RateLimit::Adaptive, RateLimit::Adaptive) => true,
            _ => false,
        }
    }
}

impl Eq for RateLimit {}

/// The slowest rate any limiter goes down to, in requests per second.
const MIN_RATE: f64 = 0.01;
/// The lowest ceiling the adaptive mode learns, in requests per second: throttled answers with
/// nothing served before them (the first requests of a client) say nothing of the service's
/// limit, and a service that allows less than this is better told with a fixed rate.
const MIN_CEILING: f64 = 1.0;
/// The window over which served answers are counted.
const WINDOW: Duration = Duration::from_secs(1);
/// After a cut, further throttled answers within this time do not cut again: they are the
/// answers to requests sent before the cut.
const COOL_DOWN: Duration = Duration::from_millis(500);
/// A cut sets the rate to this share of the served rate.
const CUT: f64 = 0.85;
/// The scale of the cubic growth, in requests per second per second cubed (as CUBIC's `C`).
const CUBIC: f64 = 0.4;
/// How long a hold lasts without another throttled answer.
const HOLD: Duration = Duration::from_secs(2);
/// The bucket holds this many seconds of tokens (and at least one token).
const BURST: f64 = 0.05;

/// What one answer says about the rate (see [`RateLimiter::observe`]).
///
/// ```
/// use di_proto::http::Response;
/// use di_proto::client::rate::Answer;
///
/// let answer = |status: u16, body: &str| {
///     let response = Response::builder().status(status).body(body.to_owned()).unwrap();
///     Answer::of_response(&response)
/// };
/// assert_eq!(answer(429, ""), Answer::Throttled);
/// // A throttling code under another status, as the error code table documents.
/// assert_eq!(answer(400, r#"{"RequestId":"r","Code":"Throttling.User"}"#), Answer::Throttled);
/// assert_eq!(answer(400, r#"{"RequestId":"r","Code":"Invalid.Tenant"}"#), Answer::Served);
/// assert_eq!(answer(200, r#"{"RequestId":"r","Data":{"Status":"success"}}"#), Answer::Served);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// The service answered (success or refusal): it had room for the request.
    Served,
    /// The service throttled the request.
    Throttled,
}

impl Answer {
    /// Reads an answer as the response parser classifies it: throttled when the parser reads
    /// [`crate::Error::Throttled`] from it (a 429, a `Throttling.*` code under any status, a
    /// 429 the body states under HTTP 200) or when it is an HTTP 429 page from elsewhere;
    /// served otherwise.
    pub fn of_response<B: AsRef<[u8]>>(response: &http::Response<B>) -> Answer {
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            return Answer::Throttled;
        }
        let body = response.body().as_ref();
        // Only a body that names throttling, or the status 429, can classify as throttled:
        // any other skips the parse.
        let mentions = |needle: &[u8]| memchr::memmem::find(body, needle).is_some();
        if !mentions(b"Throttling") && !mentions(b"429") {
            return Answer::Served;
        }
        let context = crate::ResponseContext::new();
        match crate::response::read(response.status(), response.headers(), body, &context) {
            Err(crate::Error::Throttled(_)) => Answer::Throttled,
            _ => Answer::Served,
        }
    }
}

/// A token bucket with a fixed or learned rate (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    mode: RateLimit,
    /// Requests per second; `None` for no limit.
    rate: Option<f64>,
    /// The served rate at the last cut (adaptive only).
    ceiling: Option<f64>,
    /// How long after the last cut the cubic curve is back at the ceiling, in seconds.
    plateau_after: f64,
    /// When the first throttled answer held the rate, while no cut followed.
    held_at: Option<Duration>,
    tokens: f64,
    updated: Option<Duration>,
    last_cut: Option<Duration>,
    /// When the served answers of the last [`WINDOW`] came.
    served: VecDeque<Duration>,
    sent: u64,
    throttled: u64,
}

/// What a client's limiter has seen so far (see [`RateLimiter::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct RateStats {
    /// Requests sent (every attempt, answered or not).
    pub sent: u64,
    /// Answers that were throttled.
    pub throttled: u64,
    /// The rate in force, in requests per second; `None` while there is no limit.
    pub rate: Option<f64>,
}

impl RateLimiter {
    /// A limiter under `mode`.
    pub fn new(mode: RateLimit) -> Self {
        let rate = match mode {
            RateLimit::Fixed(rate) => Some(clamp_rate(rate)),
            RateLimit::Off | RateLimit::Adaptive => None,
        };
        RateLimiter {
            mode,
            rate,
            ceiling: None,
            plateau_after: 0.0,
            held_at: None,
            tokens: rate.map_or(0.0, capacity),
            updated: None,
            last_cut: None,
            served: VecDeque::new(),
            sent: 0,
            throttled: 0,
        }
    }

    /// The mode it was built with.
    pub fn mode(&self) -> RateLimit {
        self.mode
    }

    /// The rate in force, in requests per second; `None` while there is no limit.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Throttled answers observed so far.
    pub fn throttled(&self) -> u64 {
        self.throttled
    }

    /// Counts a request sent (after [`RateLimiter::acquire`] let it go).
    pub fn sent(&mut self) {
        self.sent = self.sent.saturating_add(1);
    }

    /// The requests sent, the throttled answers, and the rate in force.
    pub fn stats(&self) -> RateStats {
        RateStats {
            sent: self.sent,
            throttled: self.throttled,
            rate: self.rate,
        }
    }

    /// Asks to send one request at `now`: `None` takes a token (send now); `Some(wait)` asks
    /// the caller to wait that long, then to ask again (nothing is taken).
    pub fn acquire(&mut self, now: Duration) -> Option<Duration> {
        self.refill(now);
        let rate = self.rate?;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return None;
        }
        let missing = 1.0 - self.tokens;
        // At least a millisecond, so that a caller's sleep always moves its clock.
        let wait = Duration::from_secs_f64(missing / rate).max(Duration::from_millis(1));
        Some(wait)
    }

    /// Reports an answer at `now` (see [`Answer::of_response`]); an attempt that got no
    /// answer is not reported.
    pub fn observe(&mut self, now: Duration, answer: Answer) {
        self.refill(now);
        match answer {
            Answer::Served => {
                self.served.push_back(now);
                self.forget_before(now);
            }
            Answer::Throttled => {
                self.throttled = self.throttled.saturating_add(1);
                self.cut(now);
            }
        }
    }

    /// Served answers per second over the last [`WINDOW`].
    fn served_rate(&mut self, now: Duration) -> f64 {
        self.forget_before(now);
        self.served.len() as f64 / WINDOW.as_secs_f64()
    }

    fn forget_before(&mut self, now: Duration) {
        while self
            .served
            .front()
            .is_some_and(|&at| now.saturating_sub(at) > WINDOW)
        {
            self.served.pop_front();
        }
    }

    /// A throttled answer (adaptive only): hold the rate at the served rate when there was no
    /// limit; otherwise cut it, once per cool-down.
    fn cut(&mut self, now: Duration) {
        if self.mode != RateLimit::Adaptive {
            return;
        }
        if self.rate.is_none() {
            let served = self.served_rate(now).max(MIN_CEILING);
            self.rate = Some(served);
            self.tokens = self.tokens.min(capacity(served));
            self.held_at = Some(now);
            return;
        }
        let held = self.held_at.take().is_some();
        if !held
            && self
                .last_cut
                .is_some_and(|at| now.saturating_sub(at) < COOL_DOWN)
        {
            return;
        }
        let served = self.served_rate(now);
        // What the service let through is its limit, as far as this client can tell; the rate
        // in force may be above it (probing) or, after a quiet spell, below it.
        let ceiling = match self.rate {
            Some(rate) => rate.min(served),
            None => served,
        }
        .max(MIN_CEILING);
        let rate = clamp_rate(ceiling * CUT);
        self.ceiling = Some(ceiling);
        self.plateau_after = (ceiling * (1.0 - CUT) / CUBIC).cbrt();
        self.rate = Some(rate);
        self.tokens = self.tokens.min(capacity(rate));
        self.last_cut = Some(now);
    }

    /// Adds the tokens and (adaptive) the rate growth since the last update.
    fn refill(&mut self, now: Duration) {
        let elapsed = match self.updated {
            Some(updated) => now.saturating_sub(updated).as_secs_f64(),
            None => 0.0,
        };
        self.updated = Some(self.updated.map_or(now, |updated| updated.max(now)));
        if self
            .held_at
            .is_some_and(|held| now.saturating_sub(held) > HOLD)
        {
            // No second throttled answer: a hiccup, not the service's limit.
            self.held_at = None;
            self.rate = None;
        }
        let Some(mut rate) = self.rate else {
            return;
        };
        if let (RateLimit::Adaptive, Some(ceiling), Some(cut_at)) =
            (self.mode, self.ceiling, self.last_cut)
        {
            let since_cut = now.saturating_sub(cut_at).as_secs_f64();
            let offset = since_cut - self.plateau_after;
            rate = clamp_rate(ceiling + CUBIC * offset * offset * offset);
            self.rate = Some(rate);
        }
        self.tokens = (self.tokens + rate * elapsed).min(capacity(rate));
    }
}

/// A rate that can be divided by: at least [`MIN_RATE`], and not NaN.
fn clamp_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        MIN_RATE
    } else {
        rate.max(MIN_RATE)
    }
}

/// How many tokens the bucket holds at `rate`.
fn capacity(rate: f64) -> f64 {
    (rate * BURST).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_throttled_as_the_parser_reads_it() {
        let answer = |status: u16, content_type: &str, body: &str| {
            let response = http::Response::builder()
                .status(status)
                .header("content-type", content_type)
                .body(body.as_bytes())
                .unwrap();
            Answer::of_response(&response)
        };
        let json = "application/json";
        let cases = [
            (
                429,
                "text/html",
                "<html>Too Many Requests</html>",
                Answer::Throttled,
            ),
            (
                400,
                json,
                r#"{"RequestId":"r","Code":"Throttling.User"}"#,
                Answer::Throttled,
            ),
            (
                503,
                "text/xml",
                "<Error><RequestId>r</RequestId><Code>Throttling</Code></Error>",
                Answer::Throttled,
            ),
            // A 429 stated in the body of an HTTP 200 (the discovery answers' shape).
            (
                200,
                json,
                r#"{"Success":false,"ErrorCode":"Busy","HttpStatusCode":429,"RequestId":"r"}"#,
                Answer::Throttled,
            ),
            (
                200,
                json,
                r#"{"Success":false,"ErrorCode":"Invalid.Tenant","HttpStatusCode":400,"RequestId":"r"}"#,
                Answer::Served,
            ),
            // The words or the number elsewhere in a body are no throttling.
            (
                200,
                json,
                r#"{"RequestId":"r","Data":{"FileId":4290,"Name":"Throttling"}}"#,
                Answer::Served,
            ),
            (
                500,
                json,
                r#"{"RequestId":"r","Code":"InternalError"}"#,
                Answer::Served,
            ),
            (
                502,
                "text/html",
                "<html>Bad Gateway 429</html>",
                Answer::Served,
            ),
        ];
        for (status, content_type, body, expected) in cases {
            assert_eq!(
                answer(status, content_type, body),
                expected,
                "{status} {body}"
            );
        }
    }
    use proptest::prelude::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// A service that serves at most `limit` requests per second (a token bucket of one
    /// second's burst), and a client that sends as soon as its limiter lets it, `clients`
    /// requests in flight, each answered after `latency`. Returns the requests sent, the
    /// throttled ones, and the time the `calls` successful ones took.
    fn simulate(
        mode: RateLimit,
        limit: f64,
        calls: u32,
        clients: u32,
        latency: Duration,
    ) -> (u32, u32, Duration) {
        let mut limiter = RateLimiter::new(mode);
        let mut server_tokens = limit;
        let mut server_at = Duration::ZERO;
        // When each in-flight slot is free again.
        let mut slots = vec![Duration::ZERO; clients as usize];
        let (mut sent, mut throttled, mut served) = (0_u32, 0_u32, 0_u32);
        let mut now = Duration::ZERO;
        while served < calls {
            // The earliest free slot sends next.
            let (index, &free) = slots.iter().enumerate().min_by_key(|(_, at)| **at).unwrap();
            now = now.max(free);
            while let Some(wait) = limiter.acquire(now) {
                now += wait;
            }
            sent += 1;
            // The server's bucket at the moment the request arrives.
            let arrival = now + latency / 2;
            let refill = arrival.saturating_sub(server_at).as_secs_f64() * limit;
            server_tokens = (server_tokens + refill).min(limit);
            server_at = server_at.max(arrival);
            let answered = now + latency;
            if server_tokens >= 1.0 {
                server_tokens -= 1.0;
                served += 1;
                limiter.observe(answered, Answer::Served);
            } else {
                throttled += 1;
                limiter.observe(answered, Answer::Throttled);
            }
            slots[index] = answered;
        }
        (sent, throttled, now)
    }

    #[test]
    fn a_fixed_rate_spaces_requests_evenly() {
        let mut limiter = RateLimiter::new(RateLimit::Fixed(50.0));
        let mut now = Duration::ZERO;
        let mut sent = 0;
        while now < Duration::from_secs(10) {
            match limiter.acquire(now) {
                None => sent += 1,
                Some(wait) => now += wait,
            }
        }
        // 10 s at 50 per second, plus the one token the bucket starts with.
        assert!((500..=502).contains(&sent), "{sent}");
        // Throttled answers do not move a fixed rate.
        limiter.observe(now, Answer::Throttled);
        assert_eq!(limiter.rate(), Some(50.0));
        assert_eq!(limiter.throttled(), 1);
    }

    #[test]
    fn off_and_adaptive_start_without_a_limit() {
        for mode in [RateLimit::Off, RateLimit::Adaptive] {
            let mut limiter = RateLimiter::new(mode);
            for _ in 0..10_000 {
                assert_eq!(limiter.acquire(Duration::ZERO), None);
            }
            assert_eq!(limiter.rate(), None);
        }
        let mut off = RateLimiter::new(RateLimit::Off);
        off.observe(Duration::ZERO, Answer::Throttled);
        assert_eq!(off.rate(), None);
    }

    #[test]
    fn a_throttle_cuts_to_the_served_rate_once_per_cool_down() {
        let mut limiter = RateLimiter::new(RateLimit::Adaptive);
        // 40 answers served over the last second, then a throttled answer: the rate is held
        // at the served rate.
        for i in 0..40 {
            limiter.observe(ms(25 * i), Answer::Served);
        }
        limiter.observe(ms(990), Answer::Throttled);
        assert_eq!(limiter.rate(), Some(40.0));
        // A second one: the rate is cut under the served rate.
        limiter.observe(ms(1000), Answer::Throttled);
        let cut = limiter.rate().unwrap();
        assert!((cut - 40.0 * CUT).abs() < 1.5, "{cut}");
        // The answers to requests sent before the cut do not cut again.
        limiter.observe(ms(1100), Answer::Throttled);
        assert!(limiter.rate().unwrap() >= cut);
        // It recovers towards the ceiling within seconds.
        limiter.observe(ms(6000), Answer::Served);
        let recovered = limiter.rate().unwrap();
        assert!(recovered > cut + 3.0, "{recovered}");
    }

    #[test]
    fn a_lone_throttled_answer_holds_the_rate_for_a_moment_only() {
        let mut limiter = RateLimiter::new(RateLimit::Adaptive);
        for i in 0..10 {
            limiter.observe(ms(100 * i), Answer::Served);
        }
        limiter.observe(ms(1000), Answer::Throttled);
        assert_eq!(limiter.rate(), Some(10.0));
        // Two seconds without another: no limit again.
        assert_eq!(limiter.acquire(ms(3100)), None);
        assert_eq!(limiter.rate(), None);
    }

    #[test]
    fn throttled_answers_with_nothing_served_cut_to_one_request_per_second_at_least() {
        let mut limiter = RateLimiter::new(RateLimit::Adaptive);
        limiter.observe(ms(10), Answer::Throttled);
        limiter.observe(ms(20), Answer::Throttled);
        let rate = limiter.rate().unwrap();
        assert!((rate - MIN_CEILING * CUT).abs() < 0.01, "{rate}");
        // The next request is held for at most one token at the cut rate (1 / 0.85 s): more
        // than a second, not minutes.
        let wait = limiter.acquire(ms(20)).expect("the request is held");
        assert!(wait > Duration::from_secs(1), "{wait:?}");
        assert!(wait <= Duration::from_secs_f64(1.0 / rate), "{wait:?}");
    }

    #[test]
    fn a_client_cut_to_a_low_rate_recovers_within_seconds() {
        let mut limiter = RateLimiter::new(RateLimit::Adaptive);
        limiter.observe(ms(100), Answer::Served);
        limiter.observe(ms(200), Answer::Served);
        limiter.observe(ms(300), Answer::Throttled);
        limiter.observe(ms(400), Answer::Throttled);
        let cut = limiter.rate().unwrap();
        assert!(cut < 2.0, "{cut}");
        // The growth is in requests per second, not a share of a small ceiling.
        limiter.observe(ms(6400), Answer::Served);
        assert!(limiter.rate().unwrap() > 40.0, "{:?}", limiter.rate());
    }

    #[test]
    fn adaptive_nears_the_service_limit_with_few_throttled_answers() {
        // The benchmark's numbers: 50 per second, 20 ms latency, 64 in flight.
        let (sent, throttled, took) = simulate(RateLimit::Adaptive, 50.0, 4000, 64, ms(20));
        let ideal = 4000.0 / 50.0;
        let ratio = took.as_secs_f64() / ideal;
        let share = f64::from(throttled) / f64::from(sent);
        assert!(ratio <= 1.10, "{ratio:.3}x the ideal, {share:.4} throttled");
        assert!(share <= 0.02, "{ratio:.3}x the ideal, {share:.4} throttled");
        // Without a limiter the same client is throttled on most of its requests.
        let (sent, throttled, _) = simulate(RateLimit::Off, 50.0, 4000, 64, ms(20));
        assert!(f64::from(throttled) / f64::from(sent) > 0.5);
    }

    proptest! {
        /// Whatever the answers, the rate stays finite and positive, and no wait is longer
        /// than the slowest rate's interval.
        #[test]
        fn the_rate_stays_sane(answers in proptest::collection::vec((0u64..5000, any::<bool>()), 0..200)) {
            let mut limiter = RateLimiter::new(RateLimit::Adaptive);
            let mut now = Duration::ZERO;
            for (step, throttled) in answers {
                now += ms(step);
                let answer = if throttled { Answer::Throttled } else { Answer::Served };
                limiter.observe(now, answer);
                if let Some(rate) = limiter.rate() {
                    prop_assert!(rate.is_finite() && rate >= MIN_RATE);
                }
                if let Some(wait) = limiter.acquire(now) {
                    prop_assert!(wait <= Duration::from_secs_f64(1.0 / MIN_RATE) + ms(1));
                }
            }
        }
    }
}
