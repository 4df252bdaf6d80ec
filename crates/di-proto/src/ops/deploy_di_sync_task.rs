//! `DeployDISyncTask`: deploys (submits and publishes) a real-time synchronization task.

use super::{ChangeResponse, Operation, TaskType, change};
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Deploys (submits and publishes) a real-time synchronization task (`DeployDISyncTask`).
/// A deployed task does not run until [`super::StartDiSyncInstance`].
///
/// Idempotent: deploying a deployed task publishes the same script again, and leaves the
/// task where it was.
///
/// ```
/// use di_proto::ops::{DeployDiSyncTask, Operation};
/// let request = DeployDiSyncTask::new(10000, 100).to_rpc_request()?;
/// assert_eq!(request.action(), "DeployDISyncTask");
/// assert!(DeployDiSyncTask::new(-1, 100).to_rpc_request().is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DeployDiSyncTask {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`.
    pub task_type: TaskType,
}

impl DeployDiSyncTask {
    /// The action name on the wire.
    pub const ACTION: &'static str = "DeployDISyncTask";

    /// Deploys real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        DeployDiSyncTask {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
        }
    }
}

impl Operation for DeployDiSyncTask {
    type Output = ChangeResponse;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        change::task_request(Self::ACTION, self.project_id, self.file_id, self.task_type)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<ChangeResponse, Error> {
        change::read_change(Self::ACTION, &[], response, context).map(|(response, _)| response)
    }
}
