//! Waiting for a real-time task to settle after a stop, a terminate or a start: when to poll
//! `GetDISyncInstanceInfo` again, and when to give up.
//!
//! [`Waiter`] is a pure state machine: the caller polls, hands it each observed status with
//! the time elapsed since the wait began, and gets back a [`WaitStep`]: done, poll again after
//! a delay, or timed out. It reads no clock and sleeps not; the transports do that, so both
//! wait alike.
//!
//! ```
//! use std::time::Duration;
//! use di_proto::ops::InstanceStatus;
//! use di_proto::wait::{WaitFor, WaitPolicy, WaitStep, Waiter};
//!
//! let policy = WaitPolicy::default()
//!     .with_initial_interval(Duration::from_secs(1))
//!     .with_timeout(Duration::from_secs(3));
//! let mut waiter = Waiter::new(10000, 100, WaitFor::Stopped, policy);
//! // The transport polls, then asks what to do.
//! assert_eq!(waiter.observe(&InstanceStatus::Killing, Duration::ZERO), WaitStep::PollAfter(Duration::from_secs(1)));
//! assert_eq!(waiter.observe(&InstanceStatus::Killing, Duration::from_secs(1)), WaitStep::PollAfter(Duration::from_secs(2)));
//! assert_eq!(waiter.observe(&InstanceStatus::Pause, Duration::from_secs(3)), WaitStep::Done);
//!
//! let mut stuck = Waiter::new(10000, 100, WaitFor::Stopped, policy);
//! stuck.observe(&InstanceStatus::Killing, Duration::ZERO);
//! stuck.observe(&InstanceStatus::Killing, Duration::from_secs(1));
//! let WaitStep::TimedOut(timeout) = stuck.observe(&InstanceStatus::Killing, Duration::from_secs(3)) else {
//!     unreachable!()
//! };
//! assert_eq!(timeout.last_status, InstanceStatus::Killing);
//! assert_eq!(timeout.polls, 3);
//! ```

use std::fmt;
use std::time::Duration;

use crate::ops::{GetDiSyncInstanceInfo, InstanceStatus, TaskType};

/// The shortest interval between polls, whatever the policy says.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// How often to poll and for how long: the interval starts at `initial_interval` and is
/// multiplied by `multiplier` after each poll, up to `max_interval`; the wait gives up at
/// `timeout`, after one last poll at that time. No interval is shorter than [`MIN_INTERVAL`].
///
/// The default polls after 1 s, 2 s, 4 s, then every 10 s, for up to 5 minutes: a real-time
/// task usually settles within a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    initial_interval: Duration,
    max_interval: Duration,
    multiplier: u32,
    timeout: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            multiplier: 2,
            timeout: Duration::from_secs(300),
        }
    }
}

impl WaitPolicy {
    /// The first interval between polls.
    #[must_use]
    pub fn with_initial_interval(mut self, initial_interval: Duration) -> Self {
        self.initial_interval = initial_interval;
        self
    }

    /// The longest interval between polls.
    #[must_use]
    pub fn with_max_interval(mut self, max_interval: Duration) -> Self {
        self.max_interval = max_interval;
        self
    }

    /// How much each interval grows (1 keeps it constant; 0 counts as 1).
    #[must_use]
    pub fn with_multiplier(mut self, multiplier: u32) -> Self {
        self.multiplier = multiplier.max(1);
        self
    }

    /// How long the whole wait may take.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the whole wait may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The first interval between polls.
    pub fn initial_interval(&self) -> Duration {
        self.initial_interval
    }
}

/// The state a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitFor {
    /// Stopped and settled: `PAUSE` or `NORUN` (after a stop or a terminate).
    Stopped,
    /// Running: `RUN` (after a start).
    Running,
    /// At rest: neither `KILLING` nor `WAIT` (before deleting a task just undeployed, or
    /// before retrying a change refused while the task was changing state).
    Settled,
}

impl WaitFor {
    /// Whether `status` is the state waited for.
    pub fn is_reached(self, status: &InstanceStatus) -> bool {
        match self {
            WaitFor::Stopped => status.is_stopped(),
            WaitFor::Running => *status == InstanceStatus::Run,
            WaitFor::Settled => !status.is_changing(),
        }
    }

    /// What is waited for, in words.
    pub fn describe(self) -> &'static str {
        match self {
            WaitFor::Stopped => "stopped (PAUSE or NORUN)",
            WaitFor::Running => "running (RUN)",
            WaitFor::Settled => "settled (neither KILLING nor WAIT)",
        }
    }
}

/// What to do after a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitStep {
    /// The task is in the state waited for.
    Done,
    /// Poll again after this long (never past the timeout).
    PollAfter(Duration),
    /// The timeout passed before the task got there.
    TimedOut(WaitTimeout),
}

/// A wait that timed out: the task did not reach the state waited for in time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitTimeout {
    /// The workspace.
    pub project_id: i64,
    /// The task.
    pub file_id: i64,
    /// The state waited for.
    pub wait_for: WaitFor,
    /// The status the last poll saw.
    pub last_status: InstanceStatus,
    /// How many polls were made.
    pub polls: u32,
    /// How long the wait took.
    pub elapsed: Duration,
    /// The policy's timeout.
    pub timeout: Duration,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {}/{} was not {} within {:?} ({} poll(s) over {:?}); last status {}",
            self.project_id,
            self.file_id,
            self.wait_for.describe(),
            self.timeout,
            self.polls,
            self.elapsed,
            self.last_status.as_str().escape_debug()
        )
    }
}

/// The state of one wait (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Waiter {
    project_id: i64,
    file_id: i64,
    wait_for: WaitFor,
    polls: u32,
    schedule: PollSchedule,
    task_type: TaskType,
}

impl Waiter {
    /// A wait for task `file_id` of `project_id` to be `wait_for`.
    pub fn new(project_id: i64, file_id: i64, wait_for: WaitFor, policy: WaitPolicy) -> Self {
        Waiter {
            project_id,
            file_id,
            wait_for,
            polls: 0,
            schedule: PollSchedule::new(policy),
            task_type: TaskType::DiRealtime,
        }
    }

    /// Polls a task of `task_type` (`DI_REALTIME`, the default, or `DI_SOLUTION`).
    #[must_use]
    pub fn with_task_type(mut self, task_type: TaskType) -> Self {
        self.task_type = task_type;
        self
    }

    /// The operation to poll with.
    pub fn operation(&self) -> GetDiSyncInstanceInfo {
        GetDiSyncInstanceInfo::new(self.project_id, self.file_id).with_task_type(self.task_type)
    }

    /// The state waited for.
    pub fn wait_for(&self) -> WaitFor {
        self.wait_for
    }

    /// How long the whole wait may take.
    pub fn timeout(&self) -> Duration {
        self.schedule.timeout()
    }

    /// Polls observed so far.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// Takes one poll's status, seen `elapsed` after the wait began (the first poll goes out
    /// at once), and says what to do next.
    pub fn observe(&mut self, status: &InstanceStatus, elapsed: Duration) -> WaitStep {
        self.polls = self.polls.saturating_add(1);
        if self.wait_for.is_reached(status) {
            return WaitStep::Done;
        }
        let Some(delay) = self.schedule.after(elapsed) else {
            return WaitStep::TimedOut(WaitTimeout {
                project_id: self.project_id,
                file_id: self.file_id,
                wait_for: self.wait_for,
                last_status: status.clone(),
                polls: self.polls,
                elapsed,
                timeout: self.schedule.timeout(),
            });
        };
        WaitStep::PollAfter(delay)
    }
}

/// The intervals of a [`WaitPolicy`], poll after poll: shared by [`Waiter`] and the polls of
/// an asynchronous config process ([`crate::flow::ConfigFlow`]).
#[derive(Debug, Clone)]
pub(crate) struct PollSchedule {
    policy: WaitPolicy,
    next_interval: Duration,
}

impl PollSchedule {
    pub(crate) fn new(policy: WaitPolicy) -> Self {
        PollSchedule {
            policy,
            next_interval: policy.initial_interval,
        }
    }

    /// How long the whole wait may take: the policy's timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.policy.timeout
    }

    /// The wait before the next poll, `elapsed` into the wait; `None` once the timeout has
    /// passed.
    pub(crate) fn after(&mut self, elapsed: Duration) -> Option<Duration> {
        let left = self
            .policy
            .timeout
            .checked_sub(elapsed)
            .filter(|left| !left.is_zero())?;
        let interval = self
            .next_interval
            .min(self.policy.max_interval)
            .max(MIN_INTERVAL);
        self.next_interval = interval
            .saturating_mul(self.policy.multiplier)
            .min(self.policy.max_interval);
        Some(interval.min(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn backs_off_up_to_the_cap_and_stops_at_the_timeout() {
        let policy = WaitPolicy::default()
            .with_initial_interval(ms(100))
            .with_max_interval(ms(300))
            .with_multiplier(2)
            .with_timeout(ms(1000));
        let mut waiter = Waiter::new(1, 2, WaitFor::Stopped, policy);
        let mut elapsed = Duration::ZERO;
        let mut delays = Vec::new();
        let timeout = loop {
            match waiter.observe(&InstanceStatus::Killing, elapsed) {
                WaitStep::PollAfter(delay) => {
                    delays.push(delay.as_millis());
                    elapsed += delay;
                }
                WaitStep::TimedOut(timeout) => break timeout,
                WaitStep::Done => panic!("KILLING is not stopped"),
            }
        };
        assert_eq!(delays, [100, 200, 300, 300, 100]);
        assert_eq!(timeout.polls, 6);
        assert_eq!(timeout.elapsed, ms(1000));
        assert_eq!(timeout.last_status, InstanceStatus::Killing);
        assert_eq!(
            timeout.to_string(),
            "task 1/2 was not stopped (PAUSE or NORUN) within 1s (6 poll(s) over 1s); last status KILLING"
        );
    }

    #[test]
    fn waits_for_the_state_asked_for() {
        let policy = WaitPolicy::default();
        let mut running = Waiter::new(1, 2, WaitFor::Running, policy);
        assert!(matches!(
            running.observe(&InstanceStatus::Wait, Duration::ZERO),
            WaitStep::PollAfter(_)
        ));
        assert!(matches!(
            running.observe(&InstanceStatus::Pause, Duration::ZERO),
            WaitStep::PollAfter(_)
        ));
        assert_eq!(
            running.observe(&InstanceStatus::Run, Duration::ZERO),
            WaitStep::Done
        );
        let mut stopped = Waiter::new(1, 2, WaitFor::Stopped, policy);
        assert_eq!(stopped.operation(), GetDiSyncInstanceInfo::new(1, 2));
        assert_eq!(
            stopped.observe(&InstanceStatus::NoRun, Duration::MAX),
            WaitStep::Done
        );
        let mut zero = Waiter::new(1, 2, WaitFor::Stopped, policy.with_timeout(Duration::ZERO));
        assert!(matches!(
            zero.observe(&InstanceStatus::Run, Duration::ZERO),
            WaitStep::TimedOut(_)
        ));
    }

    proptest! {
        /// Whatever the policy and the statuses, the wait never sleeps past its timeout, ends
        /// at the first status waited for, and ends at the timeout otherwise.
        #[test]
        fn never_waits_past_the_timeout(
            initial in 0u64..2000,
            max in 0u64..5000,
            multiplier in 0u32..5,
            timeout in 0u64..20_000,
            stopped_at in proptest::option::of(0usize..50),
        ) {
            let policy = WaitPolicy::default()
                .with_initial_interval(ms(initial))
                .with_max_interval(ms(max))
                .with_multiplier(multiplier)
                .with_timeout(ms(timeout));
            let mut waiter = Waiter::new(1, 2, WaitFor::Stopped, policy);
            let mut elapsed = Duration::ZERO;
            let mut polls = 0usize;
            loop {
                let status = if Some(polls) == stopped_at {
                    InstanceStatus::Pause
                } else {
                    InstanceStatus::Killing
                };
                polls += 1;
                prop_assert!(polls < 100_000, "the wait does not end");
                match waiter.observe(&status, elapsed) {
                    WaitStep::Done => {
                        prop_assert_eq!(Some(polls - 1), stopped_at);
                        break;
                    }
                    WaitStep::PollAfter(delay) => {
                        elapsed += delay;
                        prop_assert!(elapsed <= ms(timeout));
                        prop_assert!(!delay.is_zero());
                        prop_assert!(delay <= ms(max).max(MIN_INTERVAL));
                    }
                    WaitStep::TimedOut(timed_out) => {
                        prop_assert_eq!(elapsed, ms(timeout));
                        prop_assert_eq!(timed_out.polls as usize, polls);
                        break;
                    }
                }
            }
        }
    }
}
