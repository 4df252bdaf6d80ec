//! Typed operations of the DataWorks DI API, and the trait they share with the generic call.
//!
//! An [`Operation`] turns typed arguments into an [`RpcRequest`] (validated before anything is
//! signed) and reads the response into a typed output. [`RpcRequest`] is itself an operation,
//! so any action the crate has no wrapper for goes through the same path:
//!
//! ```
//! use di_proto::ops::{ChangeOutcome, DeleteDiSyncTask, Operation};
//! use di_proto::ResponseContext;
//!
//! let delete = DeleteDiSyncTask::new(10000, 100);
//! let request = delete.to_rpc_request()?;
//! assert_eq!(request.action(), "DeleteDISyncTask");
//!
//! // ... sign `request`, send it, then read the answer:
//! let response = di_proto::http::Response::builder()
//!     .header("content-type", "application/json;charset=utf-8")
//!     .body(r#"{"Success":true,"RequestId":"0bc1411515937635973","Data":{"Status":"success"}}"#)
//!     .unwrap();
//! let output = delete.parse_response(&response, &ResponseContext::new())?;
//! assert_eq!(output.outcome, ChangeOutcome::Done);
//! assert_eq!(output.request_id, "0bc1411515937635973");
//! # Ok::<(), di_proto::Error>(())
//! ```

mod change;
mod create_di_sync_task;
pub(crate) mod declare;
mod delete_di_sync_task;
mod deploy_di_sync_task;
mod generate_di_sync_task_config;
mod get_di_sync_instance_info;
mod get_di_sync_task;
mod get_file;
mod list_files;
mod list_folders;
mod list_ref_di_sync_tasks;
pub(crate) mod model;
mod page;
mod query_di_sync_task_config_process_result;
mod rpc;
mod start_di_sync_instance;
mod stop_di_sync_instance;
mod terminate_di_sync_instance;
mod update_di_sync_task;

pub use change::{ChangeOutcome, ChangeResponse};
pub use create_di_sync_task::{CreateDiSyncTask, CreatedDiSyncTask};
pub use delete_di_sync_task::DeleteDiSyncTask;
pub use deploy_di_sync_task::DeployDiSyncTask;
pub use generate_di_sync_task_config::{
    ConfigProcess, GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating,
};
pub use get_di_sync_instance_info::{
    GetDiSyncInstanceInfo, InstanceInfo, InstanceStatus, SolutionInfo, SolutionStep,
};
pub use get_di_sync_task::{
    AlarmCondition, AlarmRule, DiSyncTaskDetails, GetDiSyncTask, NotifyRule, SolutionDetail,
};
pub use get_file::{
    FileDetails, GetFile, NodeConfiguration, NodeInput, NodeInputParameter, NodeOutput,
    NodeOutputParameter,
};
pub use list_files::{FileRecord, FileType, ListFiles};
pub use list_folders::{FolderRecord, ListFolders};
pub use list_ref_di_sync_tasks::{ListRefDiSyncTasks, RefTask, RefType};
pub use page::{Page, Paginated};
pub use query_di_sync_task_config_process_result::{
    GeneratedConfig, ProcessResult, QueryDiSyncTaskConfigProcessResult,
};
pub use rpc::RpcResponse;
pub use start_di_sync_instance::StartDiSyncInstance;
pub use stop_di_sync_instance::StopDiSyncInstance;
pub use terminate_di_sync_instance::TerminateDiSyncInstance;
pub use update_di_sync_task::UpdateDiSyncTask;

use std::fmt;
use std::str::FromStr;

use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// The DataWorks OpenAPI version the DI operations belong to.
pub const API_VERSION: &str = "2020-05-18";

/// One call of the API: how to build its request and how to read its response.
pub trait Operation {
    /// What a successful call returns.
    type Output;

    /// The request to sign, checked: invalid arguments fail here, before anything is sent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (or another input error) for arguments the API cannot take.
    fn to_rpc_request(&self) -> Result<RpcRequest, Error>;

    /// Whether sending the call twice can act twice; the retry policy reads it.
    fn idempotency(&self) -> Idempotency;

    /// Reads the response to one attempt of this call.
    ///
    /// # Errors
    /// The classified service error, [`Error::TaskFailed`] for an answer that reports a
    /// failure, or [`Error::UnexpectedResponse`] for a body that is not the service's.
    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self::Output, Error>;
}

/// A borrowed operation is the operation: a flow can hold `&O` where the caller keeps `O`.
impl<O: Operation + ?Sized> Operation for &O {
    type Output = O::Output;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        (**self).to_rpc_request()
    }

    fn idempotency(&self) -> Idempotency {
        (**self).idempotency()
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self::Output, Error> {
        (**self).parse_response(response, context)
    }
}

/// The kind of a Data Integration task, `TaskType` on the wire. Each action takes its own set,
/// its operation's `TASK_TYPES`; the others are refused before anything is sent
/// ([`Error::UnsupportedTaskType`]).
///
/// ```
/// use di_proto::ops::{CreateDiSyncTask, StartDiSyncInstance, StopDiSyncInstance, TaskType};
///
/// assert_eq!(StopDiSyncInstance::TASK_TYPES, [TaskType::DiRealtime]);
/// assert_eq!(
///     StartDiSyncInstance::TASK_TYPES,
///     [TaskType::DiRealtime, TaskType::DiSolution]
/// );
/// assert_eq!(CreateDiSyncTask::TASK_TYPES.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskType {
    /// A batch synchronization task, `DI_OFFLINE`: a DataStudio file of type 23.
    DiOffline,
    /// A real-time synchronization task, `DI_REALTIME`: a DataStudio file of type 900.
    DiRealtime,
    /// A synchronization solution, `DI_SOLUTION`.
    DiSolution,
}

impl TaskType {
    /// The wire value (`DI_OFFLINE`, `DI_REALTIME`, `DI_SOLUTION`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::DiOffline => "DI_OFFLINE",
            TaskType::DiRealtime => "DI_REALTIME",
            TaskType::DiSolution => "DI_SOLUTION",
        }
    }

    /// `A, B or C`, for messages.
    pub(crate) fn list(types: &[TaskType]) -> String {
        let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
        match names.split_last() {
            None => "no task type".to_owned(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskType {
    type Err = Error;

    /// Parses the wire value, exactly (`DI_OFFLINE`, `DI_REALTIME`, `DI_SOLUTION`).
    fn from_str(value: &str) -> Result<Self, Error> {
        match value {
            "DI_OFFLINE" => Ok(TaskType::DiOffline),
            "DI_REALTIME" => Ok(TaskType::DiRealtime),
            "DI_SOLUTION" => Ok(TaskType::DiSolution),
            _ => Err(Error::InvalidParameter {
                name: "TaskType".to_owned(),
                reason: "the task types are DI_OFFLINE, DI_REALTIME and DI_SOLUTION",
            }),
        }
    }
}

/// `DI_REALTIME` and `DI_SOLUTION`: the set of the asynchronous config actions, and of
/// reading, deploying and starting.
pub(crate) const REALTIME_OR_SOLUTION: &[TaskType] = &[TaskType::DiRealtime, TaskType::DiSolution];

/// `DI_REALTIME` only: stop, terminate, delete.
pub(crate) const REALTIME: &[TaskType] = &[TaskType::DiRealtime];

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [TaskType; 3] = [
        TaskType::DiOffline,
        TaskType::DiRealtime,
        TaskType::DiSolution,
    ];

    /// Each operation's public `TASK_TYPES` is the set its request takes: a type in it is
    /// sent, any other refused with that same set.
    #[test]
    fn each_operations_task_types_are_those_its_request_takes() {
        type Build = fn(TaskType) -> Result<RpcRequest, Error>;
        let cases: [(&[TaskType], Build); 5] = [
            (GetDiSyncTask::TASK_TYPES, |t| {
                GetDiSyncTask::new(1, 2).with_task_type(t).to_rpc_request()
            }),
            (GetDiSyncInstanceInfo::TASK_TYPES, |t| {
                GetDiSyncInstanceInfo::new(1, 2)
                    .with_task_type(t)
                    .to_rpc_request()
            }),
            (DeployDiSyncTask::TASK_TYPES, |t| {
                DeployDiSyncTask::new(1, 2)
                    .with_task_type(t)
                    .to_rpc_request()
            }),
            (StartDiSyncInstance::TASK_TYPES, |t| {
                StartDiSyncInstance::new(1, 2)
                    .with_task_type(t)
                    .to_rpc_request()
            }),
            (CreateDiSyncTask::TASK_TYPES, |t| {
                CreateDiSyncTask::new(1, t, "{}").to_rpc_request()
            }),
        ];
        for (accepted, build) in cases {
            for task_type in ALL {
                match build(task_type) {
                    Ok(request) => assert!(accepted.contains(&task_type), "{request:?}"),
                    Err(Error::UnsupportedTaskType { accepted: said, .. }) => {
                        assert!(!accepted.contains(&task_type), "{task_type}");
                        assert_eq!(said, accepted);
                    }
                    Err(other) => unreachable!("{task_type}: {other:?}"),
                }
            }
        }
        for realtime in [
            StopDiSyncInstance::TASK_TYPES,
            TerminateDiSyncInstance::TASK_TYPES,
            DeleteDiSyncTask::TASK_TYPES,
        ] {
            assert_eq!(realtime, [TaskType::DiRealtime]);
        }
        assert_eq!(UpdateDiSyncTask::TASK_TYPES, ALL);
        assert!(
            ListFiles::TASK_TYPES.is_empty(),
            "ListFiles sends no TaskType"
        );
    }
}
