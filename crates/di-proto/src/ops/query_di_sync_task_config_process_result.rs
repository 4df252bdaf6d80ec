//! `QueryDISyncTaskConfigProcessResult`: the result of an asynchronous config process.

use super::change::{self, DataAnswer};
use super::declare::{self, Declared, Params};
use super::model::model;
use super::{Operation, REALTIME_OR_SOLUTION, TaskType};
use crate::error::BodyProblem;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Reads the result of a process started by [`super::GenerateDiSyncTaskConfigForCreating`] or
/// [`super::GenerateDiSyncTaskConfigForUpdating`] (`QueryDISyncTaskConfigProcessResult`,
/// `DI_REALTIME` or `DI_SOLUTION`).
///
/// The service documents two statuses: `success`, with the generated script in
/// `Data.TaskContent`, and `fail`, with the reason ([`Error::TaskFailed`]). It documents none
/// for a process still at work, so any other status reads as [`ProcessResult::Running`]; a
/// poller bounds its wait with its own deadline.
///
/// ```
/// use di_proto::ops::{Operation, ProcessResult, QueryDiSyncTaskConfigProcessResult, TaskType};
/// use di_proto::ResponseContext;
///
/// let query = QueryDiSyncTaskConfigProcessResult::new(10000, TaskType::DiRealtime, 42);
/// let answer = |body: &'static str| {
///     di_proto::http::Response::builder().header("content-type", "application/json").body(body).unwrap()
/// };
/// let running = answer(r#"{"RequestId":"r1","Success":true,"Data":{"Status":"running"}}"#);
/// assert!(matches!(query.parse_response(&running, &ResponseContext::new())?, ProcessResult::Running { .. }));
/// let done = answer(r#"{"RequestId":"r2","Success":true,"Data":{"Status":"success","TaskContent":"{\"steps\":[]}"}}"#);
/// let ProcessResult::Ready(config) = query.parse_response(&done, &ResponseContext::new())? else { panic!() };
/// assert_eq!(config.task_content(), r#"{"steps":[]}"#);
/// assert_eq!(config.task_type(), TaskType::DiRealtime);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct QueryDiSyncTaskConfigProcessResult {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// `TaskType`: `DI_REALTIME` or `DI_SOLUTION`, as given to the process.
    pub task_type: TaskType,
    /// `AsyncProcessId`: the process id, positive.
    pub process_id: i64,
}

impl QueryDiSyncTaskConfigProcessResult {
    /// The action name on the wire.
    pub const ACTION: &'static str = "QueryDISyncTaskConfigProcessResult";

    /// Reads process `process_id` (for `task_type`) of workspace `project_id`.
    pub fn new(project_id: i64, task_type: TaskType, process_id: i64) -> Self {
        QueryDiSyncTaskConfigProcessResult {
            project_id,
            task_type,
            process_id,
        }
    }
}

/// The answer to `QueryDISyncTaskConfigProcessResult`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessResult {
    /// `success`: the configuration is generated.
    Ready(GeneratedConfig),
    /// Any status but `success` and `fail`: not done yet.
    Running {
        /// The request id.
        request_id: String,
        /// The status, as sent.
        status: String,
    },
}

/// A configuration that a process generated: the input of
/// [`super::CreateDiSyncTask::from_generated`] and [`super::UpdateDiSyncTask::from_generated`].
/// Only an answer of the service makes one.
///
/// `Debug` shows the script's length only, and it is wiped when the value is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedConfig {
    request_id: String,
    project_id: i64,
    task_type: TaskType,
    process_id: i64,
    task_content: String,
}

impl GeneratedConfig {
    /// The request id of the answer that carried it.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The workspace.
    pub fn project_id(&self) -> i64 {
        self.project_id
    }

    /// The task type it was generated for.
    pub fn task_type(&self) -> TaskType {
        self.task_type
    }

    /// The process that generated it.
    pub fn process_id(&self) -> i64 {
        self.process_id
    }

    /// `Data.TaskContent`: the generated script.
    pub fn task_content(&self) -> &str {
        &self.task_content
    }
}

impl std::fmt::Debug for GeneratedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedConfig")
            .field("request_id", &self.request_id)
            .field("project_id", &self.project_id)
            .field("task_type", &self.task_type)
            .field("process_id", &self.process_id)
            .field("task_content", &change::Redacted(&self.task_content))
            .finish()
    }
}

impl Drop for GeneratedConfig {
    fn drop(&mut self) {
        change::wipe([&mut self.task_content]);
    }
}

model! {
    pub(crate) struct ResultData {
        "TaskContent" => task_content: Option<String>,
    }
}

impl Declared for QueryDiSyncTaskConfigProcessResult {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = REALTIME_OR_SOLUTION;
    type Output = ProcessResult;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        params.id("AsyncProcessId", self.process_id)?;
        params.id("ProjectId", self.project_id)?;
        params.task_type(self.task_type)
    }
}

/// The result names the process it came from, so this operation reads with its own fields
/// rather than through the shared `operation!` macro.
impl Operation for QueryDiSyncTaskConfigProcessResult {
    type Output = ProcessResult;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        declare::request(self)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<ProcessResult, Error> {
        let (data, tree) = change::read_tree(response, context)?;
        let status = data.status.clone().unwrap_or_default();
        if !status.eq_ignore_ascii_case("success") && !status.eq_ignore_ascii_case("fail") {
            if data.status.is_none() {
                return Err(change::unknown_status(response, None, &data.request_id));
            }
            return Ok(ProcessResult::Running {
                request_id: data.request_id,
                status,
            });
        }
        change::judge_status(Self::ACTION, &data, response, context)?;
        let DataAnswer { request_id, .. } = data;
        let read: ResultData = change::record(&tree, response, &request_id)?;
        let Some(task_content) = read.task_content.filter(|text| !text.trim().is_empty()) else {
            let problem = BodyProblem::MissingField {
                field: "Data.TaskContent",
            };
            return Err(change::unexpected(response, problem, request_id));
        };
        Ok(ProcessResult::Ready(GeneratedConfig {
            request_id,
            project_id: self.project_id,
            task_type: self.task_type,
            process_id: self.process_id,
            task_content,
        }))
    }
}
