//! The real-time task lifecycle on the async [`Client`]: the typed operations, one call
//! each, and the flows that sequence several (a wait, a teardown that stops first).

use di_proto::flow::{TaskAction, TaskReport, WaitFlow};
use di_proto::ops::{
    ChangeResponse, CreateDiSyncTask, CreatedDiSyncTask, DeployDiSyncTask, DiSyncTaskDetails,
    GetDiSyncInstanceInfo, GetDiSyncTask, InstanceInfo, StartDiSyncInstance, StopDiSyncInstance,
    UpdateDiSyncTask,
};
use di_proto::wait::{WaitFor, WaitPolicy};

use crate::{Client, Error};

impl Client {
    /// Reads the run status of real-time task `file_id` of `project_id`
    /// (`GetDISyncInstanceInfo`): `RUN`, `PAUSE`, `NORUN`, `KILLING` or `WAIT`.
    ///
    /// # Errors
    /// As [`Client::call`]; an unknown task is [`di_proto::Error::TaskFailed`].
    pub async fn get_di_sync_instance_info(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<InstanceInfo, Error> {
        self.call(&GetDiSyncInstanceInfo::new(project_id, file_id))
            .await
    }

    /// Stops (pauses) a running real-time task (`StopDISyncInstance`): one call, as the
    /// service answers it; see [`Client::wait_for_instance`] to wait until it is `PAUSE`.
    ///
    /// # Errors
    /// As [`Client::call`]; any refusal is [`di_proto::Error::TaskFailed`] (a
    /// [`TaskFlow`](di_proto::flow::TaskFlow) reads the task's state to tell "already stopped" from a refusal).
    pub async fn stop_di_sync_instance(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&StopDiSyncInstance::new(project_id, file_id))
            .await
    }

    /// Starts a deployed real-time task (`StartDISyncInstance`), with its `StartParam` when
    /// `start` has one: one call, as the service answers it.
    ///
    /// # Errors
    /// As [`Client::call`]; any refusal is [`di_proto::Error::TaskFailed`].
    pub async fn start_di_sync_instance(
        &self,
        start: &StartDiSyncInstance,
    ) -> Result<ChangeResponse, Error> {
        self.call(start).await
    }

    /// Deploys real-time task `file_id` of `project_id` (`DeployDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn deploy_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&DeployDiSyncTask::new(project_id, file_id)).await
    }

    /// Reads the script of real-time task `file_id` of `project_id` (`GetDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn get_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<DiSyncTaskDetails, Error> {
        self.call(&GetDiSyncTask::new(project_id, file_id)).await
    }

    /// Creates a task (`CreateDISyncTask`) and returns its file id. Not retried after an
    /// attempt that may have taken effect, unless `create` has a client token.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn create_di_sync_task(
        &self,
        create: &CreateDiSyncTask,
    ) -> Result<CreatedDiSyncTask, Error> {
        self.call(create).await
    }

    /// Replaces a task's script or parameters (`UpdateDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn update_di_sync_task(
        &self,
        update: &UpdateDiSyncTask,
    ) -> Result<ChangeResponse, Error> {
        self.call(update).await
    }

    /// Polls `GetDISyncInstanceInfo` until task `file_id` of `project_id` is `wait_for`
    /// (first poll at once, then with the policy's backoff; a [`WaitFlow`]), and returns the
    /// last answer.
    ///
    /// # Errors
    /// [`Error::WaitTimedOut`] with the last status seen when the policy's timeout passes;
    /// a poll's own error, as [`Client::call`].
    pub async fn wait_for_instance(
        &self,
        project_id: i64,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, Error> {
        self.run(WaitFlow::new(
            project_id,
            file_id,
            wait_for,
            *policy,
            self.config().retry_policy(),
        ))
        .await
    }

    /// Stops the task, waits until it is stopped, then tears it down (terminate, wait until
    /// settled, delete): [`TaskAction::Teardown`] with `stop_first`, as [`Client::teardown`].
    pub async fn teardown_stop_first(&self, project_id: i64, file_id: i64) -> TaskReport {
        self.run(self.task(
            project_id,
            file_id,
            TaskAction::Teardown { stop_first: true },
        ))
        .await
    }
}
