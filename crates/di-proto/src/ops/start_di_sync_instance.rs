//! `StartDISyncInstance`: starts a deployed real-time synchronization task.

use super::declare::{self, Declared, Params, operation};
use super::{ChangeResponse, REALTIME_OR_SOLUTION, TaskType, change};
use crate::Error;

/// Starts a deployed real-time synchronization task (`StartDISyncInstance`), with optional
/// startup parameters (`StartParam`, a JSON object such as
/// `{"failoverLimit":{"count":3,"interval":30},"errorLimit":{"record":0}}`). The task goes
/// through `WAIT` to `RUN`.
///
/// Idempotent: a repeat finds the task running. Whatever the service's message, a refusal is
/// [`Error::TaskFailed`]; [`crate::flow::TaskFlow`] reads the task's state after one to tell a
/// task already running from a refusal.
///
/// ```
/// use di_proto::ops::{Operation, StartDiSyncInstance};
/// let start = StartDiSyncInstance::new(10000, 100).with_start_param(r#"{"errorLimit":{"record":0}}"#);
/// let request = start.to_rpc_request()?;
/// let params: Vec<_> = request.params().map(|(name, _, _)| name).collect();
/// assert_eq!(params, ["ProjectId", "TaskType", "FileId", "StartParam"]);
/// assert!(StartDiSyncInstance::new(10000, 100).with_start_param("[1]").to_rpc_request().is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
///
/// The startup parameters are wiped when the value is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StartDiSyncInstance {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`), positive.
    pub file_id: i64,
    /// `TaskType`: `DI_REALTIME` (the default) or `DI_SOLUTION`.
    pub task_type: TaskType,
    /// `StartParam`: the startup parameters, a JSON object (query).
    pub start_param: Option<String>,
}

impl Drop for StartDiSyncInstance {
    fn drop(&mut self) {
        change::wipe(&mut self.start_param);
    }
}

impl StartDiSyncInstance {
    /// The action name on the wire.
    pub const ACTION: &'static str = "StartDISyncInstance";

    /// Starts real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        StartDiSyncInstance {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
            start_param: None,
        }
    }

    /// Sends `task_type` (`DI_REALTIME` or `DI_SOLUTION`).
    #[must_use]
    pub fn with_task_type(mut self, task_type: TaskType) -> Self {
        self.task_type = task_type;
        self
    }

    /// Sends `StartParam`, which must be a JSON object.
    #[must_use]
    pub fn with_start_param(mut self, start_param: impl Into<String>) -> Self {
        self.start_param = Some(start_param.into());
        self
    }
}

impl Declared for StartDiSyncInstance {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = REALTIME_OR_SOLUTION;
    type Output = ChangeResponse;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        declare::file_params(params, self.project_id, self.task_type, self.file_id)?;
        params.opt_json_object("StartParam", self.start_param.as_deref())
    }
}

operation!(StartDiSyncInstance => ChangeResponse);
