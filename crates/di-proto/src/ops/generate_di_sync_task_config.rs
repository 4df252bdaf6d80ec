//! `GenerateDISyncTaskConfigForCreating` / `...ForUpdating`: start the asynchronous
//! generation of a real-time task's (or a solution's) configuration.

use super::change::{self, DataAnswer};
use super::declare::{Declared, Params, Reading, Reply, operation};
use super::{REALTIME_OR_SOLUTION, TaskType};
use crate::error::BodyProblem;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext};

/// Starts generating the configuration of a new real-time task or solution
/// (`GenerateDISyncTaskConfigForCreating`, `DI_REALTIME` or `DI_SOLUTION`): DataWorks creates
/// these only this way. Poll the process with [`super::QueryDiSyncTaskConfigProcessResult`],
/// then create the task from what it generated ([`super::CreateDiSyncTask::from_generated`]);
/// [`crate::flow::ConfigFlow`] does all three.
///
/// All parameters go in the query, as the official SDKs send them. Not idempotent unless a
/// client token is given: a repeat starts a second process.
///
/// ```
/// use di_proto::ops::{GenerateDiSyncTaskConfigForCreating, Operation, TaskType};
/// let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, r#"{"steps":[]}"#);
/// let request = generate.to_rpc_request()?;
/// let names: Vec<_> = request.params().map(|(name, _, _)| name).collect();
/// assert_eq!(names, ["ProjectId", "TaskType", "TaskParam"]);
/// let batch = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiOffline, "{}");
/// assert!(batch.to_rpc_request().is_err(), "batch tasks are created directly");
/// # Ok::<(), di_proto::Error>(())
/// ```
///
/// `Debug` shows the script's length only, and the strings are wiped when the value is
/// dropped: a script can hold a data source's password.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GenerateDiSyncTaskConfigForCreating {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// `TaskType`: `DI_REALTIME` or `DI_SOLUTION`.
    pub task_type: TaskType,
    /// `TaskParam`: the task's script, JSON.
    pub task_param: String,
    /// `ClientToken`: makes a repeat return the first attempt's process.
    pub client_token: Option<String>,
}

/// Starts generating the new configuration of an existing real-time task or solution
/// (`GenerateDISyncTaskConfigForUpdating`, `DI_REALTIME` or `DI_SOLUTION`), for example to add
/// or remove tables. Poll it with [`super::QueryDiSyncTaskConfigProcessResult`], then update
/// the task with what it generated ([`super::UpdateDiSyncTask::from_generated`]).
///
/// ```
/// use di_proto::ops::{GenerateDiSyncTaskConfigForUpdating, Operation, TaskType};
/// let generate = GenerateDiSyncTaskConfigForUpdating::new(10000, TaskType::DiRealtime, 100, "{}");
/// let request = generate.to_rpc_request()?;
/// let names: Vec<_> = request.params().map(|(name, _, _)| name).collect();
/// assert_eq!(names, ["ProjectId", "TaskType", "TaskId", "TaskParam"]);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GenerateDiSyncTaskConfigForUpdating {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// `TaskType`: `DI_REALTIME` or `DI_SOLUTION`.
    pub task_type: TaskType,
    /// `TaskId`: the file id of the task (or solution) to update, positive.
    pub task_id: i64,
    /// `TaskParam`: the change, JSON (for example the tables to add or remove).
    pub task_param: String,
    /// `ClientToken`: makes a repeat return the first attempt's process.
    pub client_token: Option<String>,
}

impl GenerateDiSyncTaskConfigForCreating {
    /// The action name on the wire.
    pub const ACTION: &'static str = "GenerateDISyncTaskConfigForCreating";

    /// Generates the configuration of a new task of `task_type` in workspace `project_id`
    /// from script `task_param`.
    pub fn new(project_id: i64, task_type: TaskType, task_param: impl Into<String>) -> Self {
        GenerateDiSyncTaskConfigForCreating {
            project_id,
            task_type,
            task_param: task_param.into(),
            client_token: None,
        }
    }
}

impl GenerateDiSyncTaskConfigForUpdating {
    /// The action name on the wire.
    pub const ACTION: &'static str = "GenerateDISyncTaskConfigForUpdating";

    /// Generates the new configuration of task `task_id` (of `task_type`) in workspace
    /// `project_id`, from the change `task_param`.
    pub fn new(
        project_id: i64,
        task_type: TaskType,
        task_id: i64,
        task_param: impl Into<String>,
    ) -> Self {
        GenerateDiSyncTaskConfigForUpdating {
            project_id,
            task_type,
            task_id,
            task_param: task_param.into(),
            client_token: None,
        }
    }
}

impl Declared for GenerateDiSyncTaskConfigForCreating {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = REALTIME_OR_SOLUTION;
    type Output = ConfigProcess;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        let token = self.client_token.as_deref();
        generate_params(
            params,
            self.project_id,
            self.task_type,
            None,
            &self.task_param,
            token,
        )
    }

    fn idempotency(&self) -> Idempotency {
        idempotency(self.client_token.as_deref())
    }
}

impl Declared for GenerateDiSyncTaskConfigForUpdating {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = REALTIME_OR_SOLUTION;
    type Output = ConfigProcess;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        let (task_id, token) = (Some(self.task_id), self.client_token.as_deref());
        generate_params(
            params,
            self.project_id,
            self.task_type,
            task_id,
            &self.task_param,
            token,
        )
    }

    fn idempotency(&self) -> Idempotency {
        idempotency(self.client_token.as_deref())
    }
}

operation!(
    GenerateDiSyncTaskConfigForCreating => ConfigProcess,
    GenerateDiSyncTaskConfigForUpdating => ConfigProcess,
);

/// The parameters of both generate actions, in the official SDKs' order, all in the query.
fn generate_params(
    params: &mut Params,
    project_id: i64,
    task_type: TaskType,
    task_id: Option<i64>,
    task_param: &str,
    client_token: Option<&str>,
) -> Result<(), Error> {
    params.id("ProjectId", project_id)?;
    params.task_type(task_type)?;
    if let Some(task_id) = task_id {
        params.id("TaskId", task_id)?;
    }
    params.script("TaskParam", task_param)?;
    params.client_token(client_token)
}

fn idempotency(client_token: Option<&str>) -> Idempotency {
    match client_token {
        Some(_) => Idempotency::Idempotent,
        None => Idempotency::NotIdempotent,
    }
}

/// What both generate operations share: the client token, a `Debug` that shows the script's
/// length only, and the wiping of the script when dropped.
macro_rules! generate_common {
    ($name:ident { $($field:ident),* }) => {
        impl $name {
            /// Sends `ClientToken` (1 to 64 visible ASCII characters), which makes the call
            /// idempotent.
            #[must_use]
            pub fn with_client_token(mut self, client_token: impl Into<String>) -> Self {
                self.client_token = Some(client_token.into());
                self
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$field))*
                    .field("task_param", &change::Redacted(&self.task_param))
                    .field("client_token", &self.client_token)
                    .finish()
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                change::wipe([&mut self.task_param]);
            }
        }
    };
}

generate_common!(GenerateDiSyncTaskConfigForCreating {
    project_id,
    task_type
});
generate_common!(GenerateDiSyncTaskConfigForUpdating {
    project_id,
    task_type,
    task_id
});

/// The answer to `GenerateDISyncTaskConfigForCreating` / `...ForUpdating`: the process that
/// generates the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigProcess {
    /// The request id.
    pub request_id: String,
    /// `Data.ProcessId`: poll it with [`super::QueryDiSyncTaskConfigProcessResult`].
    pub process_id: i64,
    /// `Data.Message`, when sent.
    pub message: Option<String>,
}

impl Reply for ConfigProcess {
    fn read<B: AsRef<[u8]>>(
        call: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        let (data, tree) = change::read_tree(response, context)?;
        change::judge_status(call.action, &data, response, context)?;
        let DataAnswer {
            request_id,
            message,
            ..
        } = data;
        let read: ProcessData = change::record(&tree, response, &request_id)?;
        let Some(process_id) = read.process_id.filter(|id| *id > 0) else {
            let problem = match read.process_id {
                None => BodyProblem::MissingField {
                    field: "Data.ProcessId",
                },
                Some(id) => BodyProblem::Malformed {
                    detail: format!("Data.ProcessId is {id}, not a positive integer"),
                },
            };
            return Err(change::unexpected(response, problem, request_id));
        };
        Ok(ConfigProcess {
            request_id,
            process_id,
            message,
        })
    }
}

super::model::model! {
    pub(crate) struct ProcessData {
        "ProcessId" => process_id: Option<i64>,
    }
}
