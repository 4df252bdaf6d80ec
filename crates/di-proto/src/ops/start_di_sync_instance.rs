//! `StartDISyncInstance`: starts a deployed real-time synchronization task.

use super::{ChangeResponse, Operation, TaskType, change};
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

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
    /// The task type (`TaskType`): `DI_REALTIME`.
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

    /// Sends `StartParam`, which must be a JSON object.
    #[must_use]
    pub fn with_start_param(mut self, start_param: impl Into<String>) -> Self {
        self.start_param = Some(start_param.into());
        self
    }
}

impl Operation for StartDiSyncInstance {
    type Output = ChangeResponse;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        let mut request =
            change::task_request(Self::ACTION, self.project_id, self.file_id, self.task_type)?;
        if let Some(start_param) = &self.start_param {
            change::json_object("StartParam", start_param)?;
            request = request.query_param("StartParam", start_param.clone());
        }
        Ok(request)
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
