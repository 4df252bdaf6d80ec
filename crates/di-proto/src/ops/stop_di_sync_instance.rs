//! `StopDISyncInstance`: stops (pauses) a running real-time synchronization task.

use super::ChangeResponse;
use super::declare::file_operation;

file_operation! {
    /// Stops (pauses) a running real-time synchronization task (`StopDISyncInstance`,
    /// `DI_REALTIME` only). The task goes through `KILLING` to `PAUSE`; wait for it with
    /// [`crate::flow::WaitFlow`] before undeploying it.
    ///
    /// Idempotent: a repeat finds the task not running. Whatever the service's message, a
    /// refusal is [`crate::Error::TaskFailed`]; [`crate::flow::TaskFlow`] reads the task's
    /// state after one to tell a task already stopped from a refusal.
    ///
    /// ```
    /// use di_proto::ops::{Operation, StopDiSyncInstance};
    /// let request = StopDiSyncInstance::new(10000, 100).to_rpc_request()?;
    /// assert_eq!(request.action(), "StopDISyncInstance");
    /// assert_eq!(request.params().count(), 3);
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    StopDiSyncInstance = "StopDISyncInstance", realtime, done when &[], output ChangeResponse;
    /// Stops real-time task `file_id` of workspace `project_id`.
}
