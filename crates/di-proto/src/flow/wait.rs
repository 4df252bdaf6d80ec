//! [`WaitFlow`]: polls `GetDISyncInstanceInfo` until a task is where it is waited for.

use std::time::Duration;

use super::{Action, CallFlow, Child, Event, Events, Flow, Input, drive};
use crate::client::ClientError;
use crate::ops::{GetDiSyncInstanceInfo, InstanceInfo};
use crate::retry::RetryPolicy;
use crate::wait::{WaitFor, WaitPolicy, WaitStep, Waiter};
use crate::{Error, Signer, Timestamp};

/// A wait as a [`Flow`]: polls `GetDISyncInstanceInfo` (each poll a [`CallFlow`] with its own
/// retries), sleeping between polls as [`Waiter`] decides, until the task is `wait_for` or
/// the policy's timeout passes ([`ClientError::WaitTimedOut`], with the last status seen).
///
/// The first poll goes out at once, unless [`WaitFlow::sleeping_first`] says otherwise.
#[derive(Debug)]
pub struct WaitFlow {
    waiter: Waiter,
    retry: RetryPolicy,
    poll: Option<CallFlow<GetDiSyncInstanceInfo>>,
    first_sleep: Option<Duration>,
    started: Duration,
    last_request_id: Option<String>,
    retry_reasons: Vec<String>,
    clock_offset: i64,
    interrupted: bool,
    finished: bool,
    events: Events,
}

impl WaitFlow {
    /// A wait for task `file_id` of `project_id` to be `wait_for`, polling under `policy`;
    /// each poll is retried under `retry`.
    pub fn new(
        project_id: i64,
        file_id: i64,
        wait_for: WaitFor,
        policy: WaitPolicy,
        retry: RetryPolicy,
    ) -> Self {
        WaitFlow {
            waiter: Waiter::new(project_id, file_id, wait_for, policy),
            retry,
            poll: None,
            first_sleep: None,
            started: Duration::ZERO,
            last_request_id: None,
            retry_reasons: Vec::new(),
            clock_offset: 0,
            interrupted: false,
            finished: false,
            events: Events::new(),
        }
    }

    /// Sleeps `delay` before the first poll (for a task just seen changing state).
    #[must_use]
    pub fn sleeping_first(mut self, delay: Duration) -> Self {
        self.first_sleep = Some(delay);
        self
    }

    /// Polls a task of `task_type` (`DI_REALTIME`, the default, or `DI_SOLUTION`).
    #[must_use]
    pub fn with_task_type(mut self, task_type: crate::ops::TaskType) -> Self {
        self.waiter = self.waiter.with_task_type(task_type);
        self
    }

    /// Polls answered so far.
    pub fn polls(&self) -> u32 {
        self.waiter.polls()
    }

    /// The request id of the last poll's answer.
    pub fn last_request_id(&self) -> Option<&str> {
        self.last_request_id.as_deref()
    }

    /// The retry reasons of every poll so far.
    pub(crate) fn take_retries(&mut self) -> Vec<String> {
        std::mem::take(&mut self.retry_reasons)
    }

    fn finish(
        &mut self,
        result: Result<InstanceInfo, ClientError>,
    ) -> Action<<Self as Flow>::Output> {
        self.finished = true;
        Action::Done(result)
    }

    fn start_poll<B: AsRef<[u8]>>(&mut self, now: Duration) -> Action<<Self as Flow>::Output> {
        if self.interrupted {
            return self.finish(Err(ClientError::Interrupted {
                action: GetDiSyncInstanceInfo::ACTION.to_owned(),
            }));
        }
        let mut poll = CallFlow::new(self.waiter.operation(), self.retry);
        poll.set_clock_offset(self.clock_offset);
        self.poll = Some(poll);
        self.step_poll(now, Input::<B>::Start)
    }

    fn step_poll<B: AsRef<[u8]>>(
        &mut self,
        now: Duration,
        input: Input<B>,
    ) -> Action<<Self as Flow>::Output> {
        let Some(poll) = self.poll.as_mut() else {
            return self.finish(Err(ClientError::FlowEnded));
        };
        let result = match drive(poll, now, input, &mut self.events) {
            Child::Pass(pass) => return pass.into_action(),
            Child::Done(result) => result,
        };
        self.clock_offset = poll.clock_offset();
        self.retry_reasons.extend(poll.retries().iter().cloned());
        self.poll = None;
        let info = match result {
            Ok(info) => info,
            Err(error) => return self.finish(Err(error)),
        };
        self.last_request_id = Some(info.request_id.clone());
        match self
            .waiter
            .observe(&info.status, now.saturating_sub(self.started))
        {
            WaitStep::Done => self.finish(Ok(info)),
            WaitStep::PollAfter(delay) => {
                if self.interrupted {
                    return self.finish(Err(ClientError::Interrupted {
                        action: GetDiSyncInstanceInfo::ACTION.to_owned(),
                    }));
                }
                Action::Sleep(delay)
            }
            WaitStep::TimedOut(timeout) => {
                self.finish(Err(ClientError::WaitTimedOut(Box::new(timeout))))
            }
        }
    }
}

impl Flow for WaitFlow {
    type Output = Result<InstanceInfo, ClientError>;

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output> {
        if self.finished {
            return Action::Done(Err(ClientError::FlowEnded));
        }
        match input {
            Input::Start => {
                self.started = now;
                match self.first_sleep.take() {
                    Some(delay) if !self.interrupted => {
                        Action::Sleep(delay.min(self.waiter.timeout()))
                    }
                    _ => self.start_poll::<B>(now),
                }
            }
            // Woken in a poll's retry backoff: the poll goes on; between polls: the next one.
            Input::Woke if self.poll.is_none() => self.start_poll::<B>(now),
            input => self.step_poll(now, input),
        }
    }

    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<http::Request<Vec<u8>>, Error> {
        match self.poll.as_mut() {
            Some(poll) => poll.sign(signer, local_now, random),
            None => Err(Error::NoRequestToSign),
        }
    }

    fn interrupt(&mut self) {
        self.interrupted = true;
        if let Some(poll) = self.poll.as_mut() {
            poll.interrupt();
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn action(&self) -> &str {
        GetDiSyncInstanceInfo::ACTION
    }

    fn clock_offset(&self) -> i64 {
        self.poll
            .as_ref()
            .map_or(self.clock_offset, Flow::clock_offset)
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = seconds;
    }
}
