//! `StopDISyncInstance`: stops (pauses) a running real-time synchronization task.

use super::{ChangeResponse, Operation, TaskType, change};
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Stops (pauses) a running real-time synchronization task (`StopDISyncInstance`). The task
/// goes through `KILLING` to `PAUSE`; wait for it with [`crate::wait::Waiter`] before
/// undeploying it.
///
/// Idempotent: a repeat finds the task not running. Whatever the service's message, a
/// refusal is [`Error::TaskFailed`]; [`crate::flow::TaskFlow`] reads the task's state after
/// one to tell a task already stopped from a refusal.
///
/// ```
/// use di_proto::ops::{Operation, StopDiSyncInstance};
/// let request = StopDiSyncInstance::new(10000, 100).to_rpc_request()?;
/// assert_eq!(request.action(), "StopDISyncInstance");
/// assert_eq!(request.params().count(), 3);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StopDiSyncInstance {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`, the only type that can be stopped.
    pub task_type: TaskType,
}

impl StopDiSyncInstance {
    /// The action name on the wire.
    pub const ACTION: &'static str = "StopDISyncInstance";

    /// Stops real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        StopDiSyncInstance {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
        }
    }
}

impl Operation for StopDiSyncInstance {
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
