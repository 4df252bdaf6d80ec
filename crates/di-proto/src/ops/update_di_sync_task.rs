//! `UpdateDISyncTask`: replaces a synchronization task's script or parameters.

use super::{API_VERSION, ChangeResponse, Operation, TaskType, change, positive_id};
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Replaces a synchronization task's script (`TaskContent`) and/or parameters (`TaskParam`,
/// a JSON object), with `UpdateDISyncTask`. Every parameter goes in the query, as the official
/// SDKs send them (`TaskContent` included, unlike `CreateDISyncTask`). For a real-time task,
/// the script is the one `QueryDISyncTaskConfigProcessResult` returned; redeploy the task for
/// the change to take effect.
///
/// Idempotent: a repeat sets the same script again.
///
/// ```
/// use di_proto::ops::{Operation, UpdateDiSyncTask};
/// use di_proto::ParamLocation;
/// let update = UpdateDiSyncTask::new(10000, 100).with_task_content(r#"{"steps":[]}"#);
/// let request = update.to_rpc_request()?;
/// assert!(request.params().all(|(_, _, at)| at == ParamLocation::Query));
/// assert!(UpdateDiSyncTask::new(10000, 100).to_rpc_request().is_err(), "nothing to update");
/// # Ok::<(), di_proto::Error>(())
/// ```
///
/// `Debug` shows the script's length only, and the strings are wiped when the value is dropped:
/// a script can hold a data source's password.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct UpdateDiSyncTask {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`.
    pub task_type: TaskType,
    /// `TaskContent`: the new script, JSON.
    pub task_content: Option<String>,
    /// `TaskParam`: new parameters, a JSON object.
    pub task_param: Option<String>,
}

impl std::fmt::Debug for UpdateDiSyncTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateDiSyncTask")
            .field("project_id", &self.project_id)
            .field("file_id", &self.file_id)
            .field("task_type", &self.task_type)
            .field(
                "task_content",
                &self.task_content.as_deref().map(change::Redacted),
            )
            .field("task_param", &self.task_param)
            .finish()
    }
}

impl Drop for UpdateDiSyncTask {
    fn drop(&mut self) {
        change::wipe(
            [&mut self.task_content, &mut self.task_param]
                .into_iter()
                .flatten(),
        );
    }
}

impl UpdateDiSyncTask {
    /// The action name on the wire.
    pub const ACTION: &'static str = "UpdateDISyncTask";

    /// Updates real-time task `file_id` of workspace `project_id`; give the script, the
    /// parameters, or both.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        UpdateDiSyncTask {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
            task_content: None,
            task_param: None,
        }
    }

    /// Sends `TaskContent`, the new script (JSON).
    #[must_use]
    pub fn with_task_content(mut self, task_content: impl Into<String>) -> Self {
        self.task_content = Some(task_content.into());
        self
    }

    /// Sends `TaskParam`, which must be a JSON object.
    #[must_use]
    pub fn with_task_param(mut self, task_param: impl Into<String>) -> Self {
        self.task_param = Some(task_param.into());
        self
    }
}

impl Operation for UpdateDiSyncTask {
    type Output = ChangeResponse;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        let mut request = RpcRequest::new(Self::ACTION, API_VERSION)
            .query_param("ProjectId", positive_id("ProjectId", self.project_id)?)
            .query_param("TaskType", self.task_type.as_str())
            .query_param("FileId", positive_id("FileId", self.file_id)?);
        if self.task_content.is_none() && self.task_param.is_none() {
            return Err(Error::InvalidParameter {
                name: "TaskContent".to_owned(),
                reason: "give TaskContent, TaskParam or both: there is nothing to update",
            });
        }
        if let Some(content) = &self.task_content {
            change::json_script(content)?;
            request = request.query_param("TaskContent", content.clone());
        }
        if let Some(task_param) = &self.task_param {
            change::json_object("TaskParam", task_param)?;
            request = request.query_param("TaskParam", task_param.clone());
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
