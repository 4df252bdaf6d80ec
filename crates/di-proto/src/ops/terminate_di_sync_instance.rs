//! `TerminateDISyncInstance`: undeploys (takes offline) a real-time synchronization task.

use super::ChangeResponse;
use super::declare::file_operation;

file_operation! {
    /// Undeploys a real-time synchronization task (`TerminateDISyncInstance`, `DI_REALTIME`
    /// only): the task stops and goes offline, and stays in the workspace until
    /// [`super::DeleteDiSyncTask`].
    ///
    /// The service answers HTTP 200 even when it refuses; a refusal comes out as
    /// [`crate::Error::TaskFailed`]. The call is safe to retry; whether a refused retry means
    /// "already undeployed" is not in the service's message: [`crate::flow::TaskFlow`] reads
    /// the task's state to decide.
    ///
    /// ```
    /// use di_proto::ops::{TerminateDiSyncInstance, Operation};
    /// let request = TerminateDiSyncInstance::new(10000, 100).to_rpc_request()?;
    /// let params: Vec<_> = request.params().map(|(name, value, _)| (name, value)).collect();
    /// assert_eq!(params, [("ProjectId", "10000"), ("TaskType", "DI_REALTIME"), ("FileId", "100")]);
    /// assert!(TerminateDiSyncInstance::new(10000, 0).to_rpc_request().is_err());
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    TerminateDiSyncInstance = "TerminateDISyncInstance", realtime,
        done when &[], output ChangeResponse;
    /// Undeploys real-time task `file_id` of workspace `project_id`.
}
