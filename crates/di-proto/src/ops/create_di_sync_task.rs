//! `CreateDISyncTask`: creates a synchronization task from its script.

use super::{API_VERSION, Operation, TaskType, change, positive_id};
use crate::error::BodyProblem;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Creates a synchronization task from its script (`CreateDISyncTask`); the new task is not
/// deployed. Parameters go where the official SDKs put them: `TaskContent` (the script, JSON)
/// in the form body, `ProjectId`, `TaskType`, `TaskName`, `TaskParam` (a JSON object such as
/// `{"FileFolderPath":"...","ResourceGroup":"..."}`) and `ClientToken` in the query.
///
/// Not idempotent: a repeat creates a second task, so an attempt that may have taken effect is
/// not retried. With a client token ([`CreateDiSyncTask::with_client_token`]) the service
/// answers a repeat with the task the first attempt created, so the call becomes idempotent.
///
/// ```
/// use di_proto::ops::{CreateDiSyncTask, Operation};
/// use di_proto::retry::Idempotency;
/// use di_proto::ParamLocation;
///
/// let create = CreateDiSyncTask::new(10000, r#"{"a": 1}"#)
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
    /// The task type (`TaskType`): `DI_REALTIME`.
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

    /// Creates a real-time task in workspace `project_id` from script `task_content`.
    pub fn new(project_id: i64, task_content: impl Into<String>) -> Self {
        CreateDiSyncTask {
            project_id,
            task_type: TaskType::DiRealtime,
            task_content: task_content.into(),
            task_name: None,
            task_param: None,
            client_token: None,
        }
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

impl Operation for CreateDiSyncTask {
    type Output = CreatedDiSyncTask;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        change::json_script(&self.task_content)?;
        let mut request = RpcRequest::new(Self::ACTION, API_VERSION)
            .query_param("ProjectId", positive_id("ProjectId", self.project_id)?)
            .query_param("TaskType", self.task_type.as_str());
        if let Some(task_name) = &self.task_name {
            if task_name.trim().is_empty() {
                return Err(Error::InvalidParameter {
                    name: "TaskName".to_owned(),
                    reason: "must not be blank",
                });
            }
            request = request.query_param("TaskName", task_name.clone());
        }
        if let Some(task_param) = &self.task_param {
            change::json_object("TaskParam", task_param)?;
            request = request.query_param("TaskParam", task_param.clone());
        }
        if let Some(token) = &self.client_token {
            if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(Error::InvalidParameter {
                    name: "ClientToken".to_owned(),
                    reason: "must be 1 to 64 visible ASCII characters",
                });
            }
            request = request.query_param("ClientToken", token.clone());
        }
        Ok(request.body_param("TaskContent", self.task_content.clone()))
    }

    fn idempotency(&self) -> Idempotency {
        if self.client_token.is_some() {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<CreatedDiSyncTask, Error> {
        let (answer, data) = change::read_change(Self::ACTION, &[], response, context)?;
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

    #[test]
    fn refuses_bad_arguments_before_sending() {
        let script = r#"{"steps":[]}"#;
        for (create, name) in [
            (CreateDiSyncTask::new(10000, "not json"), "TaskContent"),
            (CreateDiSyncTask::new(0, script), "ProjectId"),
            (CreateDiSyncTask::new(1, script).with_name(" "), "TaskName"),
            (
                CreateDiSyncTask::new(1, script).with_task_param("[]"),
                "TaskParam",
            ),
            (
                CreateDiSyncTask::new(1, script).with_client_token("a b"),
                "ClientToken",
            ),
            (
                CreateDiSyncTask::new(1, script).with_client_token("x".repeat(65)),
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
