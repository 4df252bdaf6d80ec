//! `TerminateDISyncInstance`: undeploys (takes offline) a real-time synchronization task.

use super::{Operation, TaskType, TeardownResponse, change};
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Undeploys a real-time synchronization task (`TerminateDISyncInstance`): the task stops and
/// goes offline, and stays in the workspace until [`super::DeleteDiSyncTask`].
///
/// The service answers HTTP 200 even when it refuses; a refusal comes out as
/// [`Error::TaskFailed`]. The call is safe to retry; whether a refused retry means "already
/// undeployed" is not in the service's message: [`crate::flow::TaskFlow`] reads the task's
/// state to decide.
///
/// ```
/// use di_proto::ops::{TerminateDiSyncInstance, Operation};
/// let request = TerminateDiSyncInstance::new(10000, 100).to_rpc_request()?;
/// let params: Vec<_> = request.params().map(|(name, value, _)| (name, value)).collect();
/// assert_eq!(params, [("ProjectId", "10000"), ("TaskType", "DI_REALTIME"), ("FileId", "100")]);
/// assert!(TerminateDiSyncInstance::new(10000, 0).to_rpc_request().is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TerminateDiSyncInstance {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`, from `ListFiles`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`.
    pub task_type: TaskType,
}

impl TerminateDiSyncInstance {
    /// The action name on the wire.
    pub const ACTION: &'static str = "TerminateDISyncInstance";

    /// Undeploys real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        TerminateDiSyncInstance {
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

impl Operation for TerminateDiSyncInstance {
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
        change::read_change(Self::ACTION, &[], response, context).map(|(response, _)| response)
    }
}
