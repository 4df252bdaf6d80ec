//! `GetDISyncTask`: reads a real-time synchronization task's script.

use super::{Operation, TaskType, change};
use crate::error::BodyProblem;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Reads a real-time synchronization task (`GetDISyncTask`): its script, `Data.Code`.
///
/// A read: safe to retry. An unknown task comes back as `Data.Status = fail`, which is
/// [`Error::TaskFailed`]. The alert rules (`Data.AlarmList`) are left in the body; read them
/// with the generic call.
///
/// ```
/// use di_proto::ops::{GetDiSyncTask, Operation};
/// use di_proto::ResponseContext;
///
/// let get = GetDiSyncTask::new(10000, 100);
/// assert_eq!(get.to_rpc_request()?.action(), "GetDISyncTask");
/// let response = di_proto::http::Response::builder()
///     .header("content-type", "application/json")
///     .body(r#"{"RequestId":"r","Success":true,"Data":{"Status":"success","Code":"{\"steps\":[]}"}}"#)
///     .unwrap();
/// assert_eq!(get.parse_response(&response, &ResponseContext::new())?.code, r#"{"steps":[]}"#);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GetDiSyncTask {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`.
    pub task_type: TaskType,
}

impl GetDiSyncTask {
    /// The action name on the wire.
    pub const ACTION: &'static str = "GetDISyncTask";

    /// Reads real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        GetDiSyncTask {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
        }
    }
}

/// The answer to `GetDISyncTask`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiSyncTaskDetails {
    /// The request id.
    pub request_id: String,
    /// `Data.Code`: the task's script, as the service sent it (JSON text).
    pub code: String,
    /// `Data.Message`, when sent.
    pub message: Option<String>,
}

impl Operation for GetDiSyncTask {
    type Output = DiSyncTaskDetails;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        change::task_request(Self::ACTION, self.project_id, self.file_id, self.task_type)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<DiSyncTaskDetails, Error> {
        let (answer, data) = change::read_change(Self::ACTION, &[], response, context)?;
        let Some(code) = data.code else {
            let problem = BodyProblem::MissingField { field: "Data.Code" };
            return Err(change::unexpected(response, problem, answer.request_id));
        };
        Ok(DiSyncTaskDetails {
            request_id: answer.request_id,
            code,
            message: answer.message,
        })
    }
}
