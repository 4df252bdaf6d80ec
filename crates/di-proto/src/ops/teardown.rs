//! A full teardown (terminate, then delete; optionally stop and wait first): the steps'
//! results, and the rules that let a teardown go on past a task already in the state a step
//! wants.

use super::change::{ChangeOutcome, ChangeResponse};
use super::get_di_sync_instance_info::InstanceInfo;
use crate::Error;
use crate::error::FailureReason;

/// The answer to a teardown call ([`super::DeleteDiSyncTask`],
/// [`super::TerminateDiSyncInstance`]): the answer every task-changing call shares.
pub type TeardownResponse = ChangeResponse;

/// How a teardown call reached its end state.
pub type TeardownOutcome = ChangeOutcome;

/// What the first step of a full teardown (terminate, then delete) found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminateStep {
    /// `TerminateDISyncInstance` undeployed the task, now or in an attempt whose answer was
    /// lost.
    Undeployed(TeardownResponse),
    /// The task was not deployed to begin with: the state a teardown wants, so it goes on.
    AlreadyUndeployed {
        /// The request id of the answer that said so.
        request_id: String,
        /// `Data.Message`.
        message: String,
    },
}

/// What a full teardown did: both steps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeardownReport {
    /// The terminate step.
    pub terminate: TerminateStep,
    /// The delete step.
    pub delete: TeardownResponse,
}

impl TeardownReport {
    /// Both steps' results.
    pub fn new(terminate: TerminateStep, delete: TeardownResponse) -> Self {
        TeardownReport { terminate, delete }
    }
}

/// Reads the result of the terminate step of a full teardown: a task that is not deployed is
/// where a teardown wants it, so that failure lets the delete step go on; any other failure
/// stops the teardown.
///
/// # Errors
/// The terminate step's error, unless it says the task is not deployed.
pub fn terminate_step(result: Result<TeardownResponse, Error>) -> Result<TerminateStep, Error> {
    match result {
        Ok(response) => Ok(TerminateStep::Undeployed(response)),
        Err(Error::TaskFailed(failure)) if failure.reason == FailureReason::NotDeployed => {
            Ok(TerminateStep::AlreadyUndeployed {
                request_id: failure.request_id,
                message: failure.message,
            })
        }
        Err(error) => Err(error),
    }
}

/// What the stop step of a teardown with `--stop-first` found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopStep {
    /// `StopDISyncInstance` stopped the task, now or in an attempt whose answer was lost.
    Stopped(ChangeResponse),
    /// The task was not running, or not deployed: nothing to stop, so the teardown goes on.
    NotRunning {
        /// The request id of the answer that said so.
        request_id: String,
        /// `Data.Message`.
        message: String,
        /// Why: [`FailureReason::NotRunning`] or [`FailureReason::NotDeployed`].
        reason: FailureReason,
    },
}

/// Reads the result of the stop step of a teardown that stops first: a task that is not
/// running (or not deployed) has nothing to stop, so those failures let the teardown go on.
///
/// # Errors
/// The stop step's error, unless it says the task is not running or not deployed.
pub fn stop_step(result: Result<ChangeResponse, Error>) -> Result<StopStep, Error> {
    match result {
        Ok(response) => Ok(StopStep::Stopped(response)),
        Err(Error::TaskFailed(failure))
            if matches!(
                failure.reason,
                FailureReason::NotRunning | FailureReason::NotDeployed
            ) =>
        {
            Ok(StopStep::NotRunning {
                request_id: failure.request_id,
                message: failure.message,
                reason: failure.reason,
            })
        }
        Err(error) => Err(error),
    }
}

/// What a teardown that stops first did: stop, wait until the task settled, then the full
/// teardown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StopFirstReport {
    /// The stop step.
    pub stop: StopStep,
    /// What the last poll of the wait saw (`PAUSE` or `NORUN`); `None` when the stop found
    /// the task not deployed, which leaves no instance to wait for.
    pub settled: Option<InstanceInfo>,
    /// The terminate and delete steps.
    pub teardown: TeardownReport,
}

impl StopFirstReport {
    /// The three parts' results.
    pub fn new(stop: StopStep, settled: Option<InstanceInfo>, teardown: TeardownReport) -> Self {
        StopFirstReport {
            stop,
            settled,
            teardown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TaskFailure;

    fn failed(message: &str) -> Result<ChangeResponse, Error> {
        Err(Error::TaskFailed(Box::new(TaskFailure {
            action: "StopDISyncInstance",
            request_id: "r".to_owned(),
            message: message.to_owned(),
            reason: super::super::change::failure_reason(message),
            after_unknown_outcome: false,
        })))
    }

    #[test]
    fn steps_go_on_past_tasks_already_there() {
        assert!(matches!(
            stop_step(failed("fileId:[1] is not running.")),
            Ok(StopStep::NotRunning {
                reason: FailureReason::NotRunning,
                ..
            })
        ));
        assert!(matches!(
            stop_step(failed("fileId:[1] is not deployed.")),
            Ok(StopStep::NotRunning {
                reason: FailureReason::NotDeployed,
                ..
            })
        ));
        assert!(stop_step(failed("fileId:[1] is invalid.")).is_err());
        assert!(matches!(
            terminate_step(failed("fileId:[1] is not deployed.")),
            Ok(TerminateStep::AlreadyUndeployed { .. })
        ));
        assert!(terminate_step(failed("fileId:[1] is changing state (KILLING)")).is_err());
    }
}
