//! The gateway's flow control: at most so many calls per second per AccessKey, for all actions
//! or for one, answered past the limit as DataWorks does (HTTP 429 `Throttling.User`, or
//! `Throttling.Api` for a limit on one action), with `x-acs-retry-after` saying when a call
//! would pass again.
//!
//! Each limit is a token bucket per AccessKey, measured on the emulator's monotonic clock.
//! Latency is here too: how long every answer takes, as a mean and a jitter.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::config::ConfigError;

/// A limit on calls per second: `QPS[:BURST][@ACTION]` on the command line.
///
/// ```
/// use di_emulator::RateRule;
///
/// let rule: RateRule = "50".parse()?;
/// assert_eq!((rule.per_second(), rule.burst(), rule.action()), (50.0, 50.0, None));
/// let rule: RateRule = "5:1@DeleteDISyncTask".parse()?;
/// assert_eq!((rule.per_second(), rule.burst(), rule.action()), (5.0, 1.0, Some("DeleteDISyncTask")));
/// assert!("0".parse::<RateRule>().is_err());
/// # Ok::<(), di_emulator::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RateRule {
    per_second: f64,
    burst: f64,
    action: Option<String>,
}

impl RateRule {
    /// At most `per_second` calls per second per AccessKey, with a burst of as many (a full
    /// bucket holds one second of calls), for every action together.
    ///
    /// # Errors
    /// [`ConfigError::InvalidValue`] unless `per_second` is a positive finite number.
    pub fn new(per_second: f64) -> Result<RateRule, ConfigError> {
        let per_second = positive("rate", per_second)?;
        Ok(RateRule {
            per_second,
            burst: per_second.max(1.0),
            action: None,
        })
    }

    /// Lets `burst` calls through at once (at least 1) before the rate applies.
    ///
    /// # Errors
    /// [`ConfigError::InvalidValue`] unless `burst` is a positive finite number.
    pub fn with_burst(mut self, burst: f64) -> Result<RateRule, ConfigError> {
        self.burst = positive("burst", burst)?.max(1.0);
        Ok(self)
    }

    /// Limits the calls of `action` only (each action its own bucket), answered with
    /// `Throttling.Api` rather than `Throttling.User`.
    #[must_use]
    pub fn for_action(mut self, action: impl Into<String>) -> RateRule {
        self.action = Some(action.into());
        self
    }

    /// Calls per second.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// Calls let through at once.
    pub fn burst(&self) -> f64 {
        self.burst
    }

    /// The one action limited, if the rule is for one.
    pub fn action(&self) -> Option<&str> {
        self.action.as_deref()
    }
}

fn positive(what: &'static str, value: f64) -> Result<f64, ConfigError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ConfigError::InvalidValue {
            option: "--rate-limit",
            value: value.to_string(),
            reason: match what {
                "burst" => "the burst must be a positive number",
                _ => "the rate must be a positive number of calls per second",
            },
        })
    }
}

impl FromStr for RateRule {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<RateRule, ConfigError> {
        let invalid = |reason| ConfigError::InvalidValue {
            option: "--rate-limit",
            value: text.to_owned(),
            reason,
        };
        let (limits, action) = match text.split_once('@') {
            Some((limits, action)) if !action.is_empty() => (limits, Some(action)),
            Some(_) => return Err(invalid("expected an action name after @")),
            None => (text, None),
        };
        let (rate, burst) = match limits.split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (limits, None),
        };
        let number = |text: &str| text.trim().parse::<f64>().ok();
        let rate = number(rate).ok_or_else(|| invalid("expected QPS[:BURST][@ACTION]"))?;
        let mut rule = RateRule::new(rate).map_err(|_| invalid("expected a positive rate"))?;
        if let Some(burst) = burst {
            let burst = number(burst).ok_or_else(|| invalid("expected QPS[:BURST][@ACTION]"))?;
            rule = rule
                .with_burst(burst)
                .map_err(|_| invalid("expected a positive burst"))?;
        }
        Ok(match action {
            Some(action) => rule.for_action(action),
            None => rule,
        })
    }
}

impl fmt::Display for RateRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.per_second, self.burst)?;
        if let Some(action) = &self.action {
            write!(f, "@{action}")?;
        }
        Ok(())
    }
}

/// How long every answer takes: `MEAN[:JITTER]` milliseconds on the command line, the jitter
/// spread evenly on either side of the mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Latency {
    pub(crate) mean: Duration,
    pub(crate) jitter: Duration,
}

impl Latency {
    /// The delay for one answer, from a uniformly random `draw`.
    pub(crate) fn delay(&self, draw: u64) -> Duration {
        let jitter = u64::try_from(self.jitter.as_micros()).unwrap_or(u64::MAX);
        if jitter == 0 {
            return self.mean;
        }
        // Uniform in [mean - jitter, mean + jitter].
        let offset = draw % (jitter.saturating_mul(2).saturating_add(1));
        let low = self.mean.saturating_sub(self.jitter);
        low.saturating_add(Duration::from_micros(offset))
    }

    pub(crate) fn parse(text: &str) -> Result<Latency, ConfigError> {
        let invalid = || ConfigError::InvalidValue {
            option: "--latency-ms",
            value: text.to_owned(),
            reason: "expected MEAN[:JITTER], whole milliseconds",
        };
        let (mean, jitter) = match text.split_once(':') {
            Some((mean, jitter)) => (mean, jitter),
            None => (text, "0"),
        };
        let millis = |text: &str| text.trim().parse::<u64>().map_err(|_| invalid());
        Ok(Latency {
            mean: Duration::from_millis(millis(mean)?),
            jitter: Duration::from_millis(millis(jitter)?),
        })
    }
}

/// A call the flow control refused: the code, message and wait to answer with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Throttled {
    pub(crate) code: &'static str,
    pub(crate) message: &'static str,
    /// When a call would pass again (at least a millisecond).
    pub(crate) retry_after: Duration,
}

/// One bucket: its tokens, when they were counted.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Duration,
}

/// The buckets of every rule, by `(rule, AccessKey id)`.
#[derive(Debug, Default)]
pub(crate) struct FlowControl {
    buckets: Mutex<HashMap<(usize, String), Bucket>>,
}

impl FlowControl {
    /// Takes a token from every bucket that `access_key_id`'s call of `action` goes through,
    /// at `uptime`; refuses, taking nothing, when one of them is empty.
    pub(crate) fn admit(
        &self,
        rules: &[RateRule],
        access_key_id: &str,
        action: &str,
        uptime: Duration,
    ) -> Result<(), Throttled> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let applying: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.action.as_deref().is_none_or(|only| only == action))
            .map(|(index, _)| index)
            .collect();
        let mut refused: Option<Throttled> = None;
        for &index in &applying {
            let Some(rule) = rules.get(index) else {
                continue;
            };
            let bucket = buckets
                .entry((index, access_key_id.to_owned()))
                .or_insert(Bucket {
                    tokens: rule.burst,
                    at: uptime,
                });
            let elapsed = uptime.saturating_sub(bucket.at).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * rule.per_second).min(rule.burst);
            bucket.at = bucket.at.max(uptime);
            if bucket.tokens < 1.0 {
                let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / rule.per_second)
                    .max(Duration::from_millis(1));
                let (code, message) = match rule.action {
                    Some(_) => (
                        "Throttling.Api",
                        "Request was denied due to api flow control.",
                    ),
                    None => (
                        "Throttling.User",
                        "Request was denied due to user flow control.",
                    ),
                };
                if refused
                    .as_ref()
                    .is_none_or(|known| known.retry_after < wait)
                {
                    refused = Some(Throttled {
                        code,
                        message,
                        retry_after: wait,
                    });
                }
            }
        }
        if let Some(refused) = refused {
            return Err(refused);
        }
        for index in applying {
            if let Some(bucket) = buckets.get_mut(&(index, access_key_id.to_owned())) {
                bucket.tokens -= 1.0;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn parses_rules_and_refuses_bad_ones() {
        let rule: RateRule = "50:10".parse().unwrap();
        assert_eq!(
            (rule.per_second(), rule.burst(), rule.action()),
            (50.0, 10.0, None)
        );
        assert_eq!(rule.to_string(), "50:10");
        let rule: RateRule = "0.5@StopDISyncInstance".parse().unwrap();
        assert_eq!(rule.burst(), 1.0);
        assert_eq!(rule.to_string(), "0.5:1@StopDISyncInstance");
        for bad in [
            "", "x", "-1", "0", "NaN", "inf", "5:", "5:0", "5@", ":5", "5:x@A",
        ] {
            assert!(bad.parse::<RateRule>().is_err(), "{bad:?}");
        }
        assert_eq!(
            Latency::parse("20:5").unwrap(),
            Latency {
                mean: ms(20),
                jitter: ms(5)
            }
        );
        assert!(Latency::parse("20:-1").is_err());
        assert!(Latency::parse("").is_err());
    }

    #[test]
    fn a_bucket_lets_its_burst_then_its_rate_through() {
        let control = FlowControl::default();
        let rules = ["10:5".parse::<RateRule>().unwrap()];
        let admitted = (0..20)
            .filter(|_| control.admit(&rules, "key", "A", ms(0)).is_ok())
            .count();
        assert_eq!(admitted, 5);
        let refused = control.admit(&rules, "key", "A", ms(0)).unwrap_err();
        assert_eq!(refused.code, "Throttling.User");
        assert_eq!(refused.retry_after, ms(100));
        // Another AccessKey has its own bucket; a tenth of a second refills one token.
        assert!(control.admit(&rules, "other", "A", ms(0)).is_ok());
        assert!(control.admit(&rules, "key", "A", ms(100)).is_ok());
        assert!(control.admit(&rules, "key", "A", ms(100)).is_err());
    }

    #[test]
    fn an_action_rule_limits_that_action_only() {
        let control = FlowControl::default();
        let rules = ["1:1@DeleteDISyncTask".parse::<RateRule>().unwrap()];
        assert!(
            control
                .admit(&rules, "key", "DeleteDISyncTask", ms(0))
                .is_ok()
        );
        let refused = control
            .admit(&rules, "key", "DeleteDISyncTask", ms(0))
            .unwrap_err();
        assert_eq!(refused.code, "Throttling.Api");
        for _ in 0..10 {
            assert!(
                control
                    .admit(&rules, "key", "StopDISyncInstance", ms(0))
                    .is_ok()
            );
        }
    }

    #[test]
    fn latency_stays_within_its_jitter() {
        let latency = Latency {
            mean: ms(20),
            jitter: ms(5),
        };
        for draw in [0, 1, 4_999, 5_000, 10_000, u64::MAX] {
            let delay = latency.delay(draw);
            assert!((ms(15)..=ms(25)).contains(&delay), "{delay:?}");
        }
        assert_eq!(Latency::default().delay(7), Duration::ZERO);
    }
}
