//! `DeleteDISyncTask`: deletes a real-time synchronization task.

use super::ChangeResponse;
use super::declare::file_operation;
use crate::FailureReason;

file_operation! {
    /// Deletes a real-time synchronization task (`DeleteDISyncTask`, `DI_REALTIME` only).
    /// Batch tasks are files, deleted with `DeleteFile`.
    ///
    /// The service answers HTTP 200 even when it refuses; a refusal comes out as
    /// [`crate::Error::TaskFailed`]. The call is safe to retry: when an earlier attempt got no
    /// answer and a retry finds the task gone (the documented `fileId:[N] is invalid.`), the
    /// output is [`super::ChangeOutcome::AlreadyDone`].
    ///
    /// ```
    /// use di_proto::ops::{DeleteDiSyncTask, Operation};
    /// let request = DeleteDiSyncTask::new(10000, 100).to_rpc_request()?;
    /// let params: Vec<_> = request.params().map(|(name, value, _)| (name, value)).collect();
    /// assert_eq!(params, [("ProjectId", "10000"), ("TaskType", "DI_REALTIME"), ("FileId", "100")]);
    /// assert!(DeleteDiSyncTask::new(10000, 0).to_rpc_request().is_err());
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    DeleteDiSyncTask = "DeleteDISyncTask", realtime,
        done when &[FailureReason::TaskNotFound], output ChangeResponse;
    /// Deletes real-time task `file_id` of workspace `project_id`.
}
