//! `UpdateDISyncTask`: replaces a synchronization task's script or parameters.

use super::declare::{self, Declared, Params, operation};
use super::{ChangeResponse, GeneratedConfig, TaskType, change};
use crate::Error;

/// Replaces a synchronization task's script (`TaskContent`) and/or parameters (`TaskParam`,
/// a JSON object), with `UpdateDISyncTask`. Every parameter goes in the query, as the official
/// SDKs send them (`TaskContent` included, unlike `CreateDISyncTask`).
///
/// The service's page says it updates batch tasks (`DI_OFFLINE`) only, while its asynchronous
/// pages say that a generated script updates a real-time task (or a solution) through this
/// call. Both hold here: [`UpdateDiSyncTask::new`] updates a batch task, and
/// [`UpdateDiSyncTask::from_generated`] sends a generated script with its task type. Any
/// other `DI_REALTIME` or `DI_SOLUTION` update is refused before signing. Redeploy a
/// real-time task for the change to take effect.
///
/// Idempotent: a repeat sets the same script again.
///
/// ```
/// use di_proto::ops::{Operation, TaskType, UpdateDiSyncTask};
/// use di_proto::ParamLocation;
/// let update = UpdateDiSyncTask::new(10000, 100).with_task_content(r#"{"steps":[]}"#);
/// let request = update.to_rpc_request()?;
/// assert!(request.params().all(|(_, _, at)| at == ParamLocation::Query));
/// assert!(UpdateDiSyncTask::new(10000, 100).to_rpc_request().is_err(), "nothing to update");
/// let mut realtime = update.clone();
/// realtime.task_type = TaskType::DiRealtime;
/// assert!(realtime.to_rpc_request().is_err(), "a real-time task takes a generated script");
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
    /// `TaskType`: `DI_OFFLINE`; `DI_REALTIME` or `DI_SOLUTION` only with a generated
    /// script.
    pub task_type: TaskType,
    /// `TaskContent`: the new script, JSON.
    pub task_content: Option<String>,
    /// `TaskParam`: new parameters, a JSON object.
    pub task_param: Option<String>,
    /// The script a process generated, when the update comes from one.
    generated: Option<String>,
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
            .field("generated", &self.generated.is_some())
            .finish()
    }
}

impl Drop for UpdateDiSyncTask {
    fn drop(&mut self) {
        change::wipe(
            [
                &mut self.task_content,
                &mut self.task_param,
                &mut self.generated,
            ]
            .into_iter()
            .flatten(),
        );
    }
}

impl UpdateDiSyncTask {
    /// The action name on the wire.
    pub const ACTION: &'static str = "UpdateDISyncTask";

    /// Updates batch task (`DI_OFFLINE`) `file_id` of workspace `project_id`; give the
    /// script, the parameters, or both.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        UpdateDiSyncTask {
            project_id,
            file_id,
            task_type: TaskType::DiOffline,
            task_content: None,
            task_param: None,
            generated: None,
        }
    }

    /// Updates task `file_id` with the script a
    /// [`super::GenerateDiSyncTaskConfigForUpdating`] process generated: the last step of
    /// the asynchronous update of a real-time task or a solution.
    pub fn from_generated(file_id: i64, config: &GeneratedConfig) -> Self {
        UpdateDiSyncTask {
            project_id: config.project_id(),
            file_id,
            task_type: config.task_type(),
            task_content: Some(config.task_content().to_owned()),
            task_param: None,
            generated: Some(config.task_content().to_owned()),
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

impl Declared for UpdateDiSyncTask {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = &[
        TaskType::DiOffline,
        TaskType::DiRealtime,
        TaskType::DiSolution,
    ];
    type Output = ChangeResponse;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        let from_process = self.generated.is_some() && self.generated == self.task_content;
        if self.task_type != TaskType::DiOffline && !from_process {
            return Err(Error::UnsupportedTaskType {
                action: Self::ACTION,
                task_type: self.task_type,
                accepted: &[TaskType::DiOffline],
            });
        }
        if self.task_content.is_none() && self.task_param.is_none() {
            return Err(Error::InvalidParameter {
                name: "TaskContent".to_owned(),
                reason: "give TaskContent, TaskParam or both: there is nothing to update",
            });
        }
        declare::file_params(params, self.project_id, self.task_type, self.file_id)?;
        if let Some(content) = &self.task_content {
            params.script("TaskContent", content)?;
        }
        params.opt_json_object("TaskParam", self.task_param.as_deref())
    }
}

operation!(UpdateDiSyncTask => ChangeResponse);
