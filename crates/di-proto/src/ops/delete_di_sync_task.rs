//! `DeleteDISyncTask`: deletes a real-time synchronization task.

use super::{Operation, TaskType, TeardownResponse, change};
use crate::error::FailureReason;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Deletes a real-time synchronization task (`DeleteDISyncTask`). Batch tasks are files,
/// deleted with `DeleteFile`.
///
/// The service answers HTTP 200 even when it refuses; a refusal comes out as
/// [`Error::TaskFailed`]. The call is safe to retry: when an earlier attempt got no answer
/// and a retry finds the task gone, the output is [`super::TeardownOutcome::AlreadyDone`].
///
/// ```
/// use di_proto::ops::{DeleteDiSyncTask, Operation};
/// let request = DeleteDiSyncTask::new(10000, 100).to_rpc_request()?;
/// let params: Vec<_> = request.params().map(|(name, value, _)| (name, value)).collect();
/// assert_eq!(params, [("ProjectId", "10000"), ("TaskType", "DI_REALTIME"), ("FileId", "100")]);
/// assert!(DeleteDiSyncTask::new(10000, 0).to_rpc_request().is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DeleteDiSyncTask {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`, from `ListFiles`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`.
    pub task_type: TaskType,
}

impl DeleteDiSyncTask {
    /// The action name on the wire.
    pub const ACTION: &'static str = "DeleteDISyncTask";

    /// Deletes real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        DeleteDiSyncTask {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
        }
    }

    /// Sends `task_type` instead of `DI_REALTIME`.
    #[must_use]
    pub fn with_task_type(mut self, task_type: TaskType) -> Self {
        self.task_type = task_type;
        self
    }
}

impl Operation for DeleteDiSyncTask {
    type Output = TeardownResponse;

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
    ) -> Result<TeardownResponse, Error> {
        change::read_change(
            Self::ACTION,
            &[FailureReason::TaskNotFound],
            response,
            context,
        )
        .map(|(response, _)| response)
    }
}
