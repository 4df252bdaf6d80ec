//! The real-time task lifecycle on the blocking [`Client`]: the typed operations, and waits
//! that poll `GetDISyncInstanceInfo` as di-proto's [`Waiter`] decides.

use std::time::Instant;

use di_proto::ops::{
    ChangeResponse, CreateDiSyncTask, CreatedDiSyncTask, DeployDiSyncTask, DiSyncTaskDetails,
    GetDiSyncInstanceInfo, GetDiSyncTask, InstanceInfo, StartDiSyncInstance, StopDiSyncInstance,
    StopFirstReport, StopStep, UpdateDiSyncTask, stop_step,
};
use di_proto::wait::{WaitFor, WaitPolicy, WaitStep, Waiter};

use crate::{Client, Error};

impl Client {
    /// Reads the run status of real-time task `file_id` of `project_id`
    /// (`GetDISyncInstanceInfo`): `RUN`, `PAUSE`, `NORUN`, `KILLING` or `WAIT`.
    ///
    /// # Errors
    /// As [`Client::call`]; an unknown task is [`di_proto::Error::TaskFailed`].
    pub fn get_di_sync_instance_info(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<InstanceInfo, Error> {
        self.call(&GetDiSyncInstanceInfo::new(project_id, file_id))
    }

    /// Stops (pauses) a running real-time task (`StopDISyncInstance`); see
    /// [`Client::wait_for_instance`] to wait until it is `PAUSE`.
    ///
    /// # Errors
    /// As [`Client::call`]; a task that is not running is [`di_proto::Error::TaskFailed`]
    /// with [`di_proto::FailureReason::NotRunning`].
    pub fn stop_di_sync_instance(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&StopDiSyncInstance::new(project_id, file_id))
    }

    /// Starts a deployed real-time task (`StartDISyncInstance`), with its `StartParam` when
    /// `start` has one.
    ///
    /// # Errors
    /// As [`Client::call`]; a running task is [`di_proto::Error::TaskFailed`] with
    /// [`di_proto::FailureReason::AlreadyRunning`].
    pub fn start_di_sync_instance(
        &self,
        start: &StartDiSyncInstance,
    ) -> Result<ChangeResponse, Error> {
        self.call(start)
    }

    /// Deploys real-time task `file_id` of `project_id` (`DeployDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn deploy_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&DeployDiSyncTask::new(project_id, file_id))
    }

    /// Reads the script of real-time task `file_id` of `project_id` (`GetDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn get_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<DiSyncTaskDetails, Error> {
        self.call(&GetDiSyncTask::new(project_id, file_id))
    }

    /// Creates a task (`CreateDISyncTask`) and returns its file id. Not retried after an
    /// attempt that may have taken effect, unless `create` has a client token.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn create_di_sync_task(
        &self,
        create: &CreateDiSyncTask,
    ) -> Result<CreatedDiSyncTask, Error> {
        self.call(create)
    }

    /// Replaces a task's script or parameters (`UpdateDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn update_di_sync_task(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, Error> {
        self.call(update)
    }

    /// Polls `GetDISyncInstanceInfo` until task `file_id` of `project_id` is `wait_for`
    /// (first poll at once, then with the policy's backoff), and returns the last answer.
    ///
    /// # Errors
    /// [`Error::WaitTimedOut`] with the last status seen when the policy's timeout passes;
    /// a poll's own error, as [`Client::call`].
    pub fn wait_for_instance(
        &self,
        project_id: i64,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, Error> {
        let started = Instant::now();
        let mut waiter = Waiter::new(project_id, file_id, wait_for, *policy);
        loop {
            let info = self.call(&waiter.operation())?;
            match waiter.observe(&info.status, started.elapsed()) {
                WaitStep::Done => return Ok(info),
                WaitStep::PollAfter(delay) => {
                    tracing::debug!(status = %info.status, delay_ms = delay.as_millis(), "waiting");
                    std::thread::sleep(delay);
                }
                WaitStep::TimedOut(timeout) => return Err(Error::WaitTimedOut(Box::new(timeout))),
                // A later kind of step: poll again after the shortest interval.
                _ => std::thread::sleep(di_proto::wait::MIN_INTERVAL),
            }
        }
    }

    /// Stops the task, waits until it is stopped, then tears it down (terminate, delete). A
    /// task that is not running goes straight on ([`StopStep::NotRunning`]); one that is not
    /// deployed skips the wait too.
    ///
    /// # Errors
    /// The first step's error that stops the teardown, [`Error::WaitTimedOut`] included.
    pub fn teardown_stop_first(
        &self,
        project_id: i64,
        file_id: i64,
        policy: &WaitPolicy,
    ) -> Result<StopFirstReport, Error> {
        let stop = match self.stop_di_sync_instance(project_id, file_id) {
            Ok(response) => stop_step(Ok(response))?,
            Err(Error::Api(error)) => stop_step(Err(error))?,
            Err(error) => return Err(error),
        };
        let deployed = !matches!(
            stop,
            StopStep::NotRunning {
                reason: di_proto::FailureReason::NotDeployed,
                ..
            }
        );
        let settled = if deployed {
            Some(self.wait_for_instance(project_id, file_id, WaitFor::Stopped, policy)?)
        } else {
            None
        };
        let teardown = self.teardown(project_id, file_id)?;
        Ok(StopFirstReport::new(stop, settled, teardown))
    }
}
