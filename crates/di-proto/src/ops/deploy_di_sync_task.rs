//! `DeployDISyncTask`: deploys (submits and publishes) a real-time task or a solution.

use super::ChangeResponse;
use super::declare::file_operation;

file_operation! {
    /// Deploys (submits and publishes) a real-time synchronization task or a synchronization
    /// solution (`DeployDISyncTask`, `DI_REALTIME` or `DI_SOLUTION`). A deployed task does not
    /// run until [`super::StartDiSyncInstance`].
    ///
    /// Idempotent: deploying a deployed task publishes the same script again, and leaves the
    /// task where it was.
    ///
    /// ```
    /// use di_proto::ops::{DeployDiSyncTask, Operation, TaskType};
    /// let request = DeployDiSyncTask::new(10000, 100).to_rpc_request()?;
    /// assert_eq!(request.action(), "DeployDISyncTask");
    /// assert!(DeployDiSyncTask::new(-1, 100).to_rpc_request().is_err());
    /// let batch = DeployDiSyncTask::new(10000, 100).with_task_type(TaskType::DiOffline);
    /// assert!(batch.to_rpc_request().is_err(), "DI_OFFLINE is not deployed this way");
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    DeployDiSyncTask = "DeployDISyncTask", typed, output ChangeResponse;
    /// Deploys real-time task `file_id` of workspace `project_id`.
}
