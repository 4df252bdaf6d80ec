//! `CreateDISyncTask`: creates a synchronization task from its script.

use super::declare::{Declared, Params, Reading, Reply, operation};
use super::{GeneratedConfig, TaskType, change};
use crate::error::BodyProblem;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext};

/// Creates a synchronization task from its script (`CreateDISyncTask`, `DI_OFFLINE`,
/// `DI_REALTIME` or `DI_SOLUTION`); the new task is not deployed. DataWorks documents the
/// asynchronous path for real-time tasks and solutions: generate the script with
/// [`super::GenerateDiSyncTaskConfigForCreating`], then [`CreateDiSyncTask::from_generated`]
/// ([`crate::flow::ConfigFlow`] does both). Parameters go where the official SDKs put them: `TaskContent` (the script, JSON)
/// in the form body, `ProjectId`, `TaskType`, `TaskName`, `TaskParam` (a JSON object such as
/// `{"FileFolderPath":"...","ResourceGroup":"..."}`) and `ClientToken` in the query.
///
/// Not idempotent: a repeat creates a second task, so an attempt that may have taken effect is
/// not retried. With a client token ([`CreateDiSyncTask::with_client_token`]) the service
/// answers a repeat with the task the first attempt created, so the call becomes idempotent.
///
/// ```
/// use di_proto::ops::{CreateDiSyncTask, Operation, TaskType};
/// use di_proto::retry::Idempotency;
/// use di_proto::ParamLocation;
///
/// let create = CreateDiSyncTask::new(10000, TaskType::DiOffline, r#"{"a": 1}"#)
///     .with_name("n 1")
///     .with_task_param(r#"{"FileFolderPath":"x/y"}"#);
/// let request = create.to_rpc_request()?;
/// let body: Vec<_> = request.params().filter(|(_, _, at)| *at == ParamLocation::Body).collect();
/// assert_eq!(body, [("TaskContent", r#"{"a": 1}"#, ParamLocation::Body)]);
/// assert_eq!(create.idempotency(), Idempotency::NotIdempotent);
/// assert_eq!(create.with_client_token("t-1").idempotency(), Idempotency::Idempotent);
/// # Ok::<(), di_proto::Error>(())
/// ```
///
/// `Debug` shows the script's length only, and the strings are wiped when the value is dropped:
/// a script can hold a data source's password.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CreateDiSyncTask {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// `TaskType`: `DI_OFFLINE`, `DI_REALTIME` or `DI_SOLUTION`.
    pub task_type: TaskType,
    /// `TaskContent`: the task's script, JSON (form body).
    pub task_content: String,
    /// `TaskName`: the task's name.
    pub task_name: Option<String>,
    /// `TaskParam`: a JSON object (`FileFolderPath`, `ResourceGroup`).
    pub task_param: Option<String>,
    /// `ClientToken`: makes a repeat return the first attempt's task.
    pub client_token: Option<String>,
}

impl std::fmt::Debug for CreateDiSyncTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateDiSyncTask")
            .field("project_id", &self.project_id)
            .field("task_type", &self.task_type)
            .field("task_content", &change::Redacted(&self.task_content))
            .field("task_name", &self.task_name)
            .field("task_param", &self.task_param)
            .field("client_token", &self.client_token)
            .finish()
    }
}

impl Drop for CreateDiSyncTask {
    fn drop(&mut self) {
        change::wipe(
            [
                &mut self.task_name,
                &mut self.task_param,
                &mut self.client_token,
            ]
            .into_iter()
            .flatten()
            .chain([&mut self.task_content]),
        );
    }
}

impl CreateDiSyncTask {
    /// The action name on the wire.
    pub const ACTION: &'static str = "CreateDISyncTask";

    /// Creates a task of `task_type` in workspace `project_id` from script `task_content`.
    pub fn new(project_id: i64, task_type: TaskType, task_content: impl Into<String>) -> Self {
        CreateDiSyncTask {
            project_id,
            task_type,
            task_content: task_content.into(),
            task_name: None,
            task_param: None,
            client_token: None,
        }
    }

    /// Creates the task that a [`super::GenerateDiSyncTaskConfigForCreating`] process
    /// generated: its workspace, its type and its script. A client token derived from the
    /// process id makes the call idempotent (a repeat returns the task the first attempt
    /// created); [`CreateDiSyncTask::with_client_token`] replaces it.
    pub fn from_generated(config: &GeneratedConfig) -> Self {
        CreateDiSyncTask::new(
            config.project_id(),
            config.task_type(),
            config.task_content(),
        )
        .with_client_token(format!("di-config-{}", config.process_id()))
    }

    /// Sends `TaskName`.
    #[must_use]
    pub fn with_name(mut self, task_name: impl Into<String>) -> Self {
        self.task_name = Some(task_name.into());
        self
    }

    /// Sends `TaskParam`, which must be a JSON object.
    #[must_use]
    pub fn with_task_param(mut self, task_param: impl Into<String>) -> Self {
        self.task_param = Some(task_param.into());
        self
    }

    /// Sends `ClientToken` (1 to 64 visible ASCII characters), which makes the call
    /// idempotent.
    #[must_use]
    pub fn with_client_token(mut self, client_token: impl Into<String>) -> Self {
        self.client_token = Some(client_token.into());
        self
    }
}

/// The answer to `CreateDISyncTask`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedDiSyncTask {
    /// The request id.
    pub request_id: String,
    /// `Data.FileId`: the new task's file id.
    pub file_id: i64,
    /// `Data.Message`, when sent.
    pub message: Option<String>,
}

impl Declared for CreateDiSyncTask {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = &[
        TaskType::DiOffline,
        TaskType::DiRealtime,
        TaskType::DiSolution,
    ];
    type Output = CreatedDiSyncTask;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        params.id("ProjectId", self.project_id)?;
        params.task_type(self.task_type)?;
        params.opt_text("TaskName", self.task_name.as_deref())?;
        params.opt_json_object("TaskParam", self.task_param.as_deref())?;
        params.client_token(self.client_token.as_deref())?;
        params.body(|body| body.script("TaskContent", &self.task_content))
    }

    fn idempotency(&self) -> Idempotency {
        if self.client_token.is_some() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }
}

operation!(CreateDiSyncTask => CreatedDiSyncTask);

impl Reply for CreatedDiSyncTask {
    fn read<B: AsRef<[u8]>>(
        call: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        let (answer, data) = change::read_change(call.action, &[], response, context)?;
        let file_id = match data.file_id {
            None => Err(BodyProblem::MissingField {
                field: "Data.FileId",
            }),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| BodyProblem::Malformed {
                    detail: format!(
                        "Data.FileId is {:?}, not a positive integer",
                        crate::error::truncate_for_message(&text, 32)
                    ),
                }),
        }
        .map_err(|problem| change::unexpected(response, problem, answer.request_id.clone()))?;
        Ok(CreatedDiSyncTask {
            request_id: answer.request_id,
            file_id,
            message: answer.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Operation;

    #[test]
    fn refuses_bad_arguments_before_sending() {
        let script = r#"{"steps":[]}"#;
        for (create, name) in [
            (
                CreateDiSyncTask::new(10000, TaskType::DiRealtime, "not json"),
                "TaskContent",
            ),
            (
                CreateDiSyncTask::new(0, TaskType::DiRealtime, script),
                "ProjectId",
            ),
            (
                CreateDiSyncTask::new(1, TaskType::DiRealtime, script).with_name(" "),
                "TaskName",
            ),
            (
                CreateDiSyncTask::new(1, TaskType::DiRealtime, script).with_task_param("[]"),
                "TaskParam",
            ),
            (
                CreateDiSyncTask::new(1, TaskType::DiRealtime, script).with_client_token("a b"),
                "ClientToken",
            ),
            (
                CreateDiSyncTask::new(1, TaskType::DiRealtime, script)
                    .with_client_token("x".repeat(65)),
                "ClientToken",
            ),
        ] {
            match create.to_rpc_request() {
                Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
