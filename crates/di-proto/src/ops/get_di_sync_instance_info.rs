//! `GetDISyncInstanceInfo`: the run status of a real-time synchronization task.

use std::fmt;

use super::{Operation, TaskType, change};
use crate::error::BodyProblem;
use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// Reads the run status of a real-time synchronization task (`GetDISyncInstanceInfo`).
///
/// A read: safe to retry. An unknown task comes back as `Data.Status = fail`, which is
/// [`Error::TaskFailed`].
///
/// ```
/// use di_proto::ops::{GetDiSyncInstanceInfo, InstanceStatus, Operation};
/// use di_proto::ResponseContext;
///
/// let info = GetDiSyncInstanceInfo::new(10000, 100);
/// let request = info.to_rpc_request()?;
/// let params: Vec<_> = request.params().map(|(name, value, _)| (name, value)).collect();
/// assert_eq!(params, [("ProjectId", "10000"), ("TaskType", "DI_REALTIME"), ("FileId", "100")]);
/// let response = di_proto::http::Response::builder()
///     .header("content-type", "application/json")
///     .body(r#"{"RequestId":"r1","Success":true,"Data":{"Status":"KILLING","Name":"t"}}"#)
///     .unwrap();
/// let output = info.parse_response(&response, &ResponseContext::new())?;
/// assert_eq!(output.status, InstanceStatus::Killing);
/// assert!(!output.status.is_settled());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GetDiSyncInstanceInfo {
    /// The DataWorks workspace id (`ProjectId`), positive.
    pub project_id: i64,
    /// The task's file id (`FileId`), positive.
    pub file_id: i64,
    /// The task type (`TaskType`): `DI_REALTIME`.
    pub task_type: TaskType,
}

impl GetDiSyncInstanceInfo {
    /// The action name on the wire.
    pub const ACTION: &'static str = "GetDISyncInstanceInfo";

    /// Reads the status of real-time task `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        GetDiSyncInstanceInfo {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
        }
    }
}

/// The run status of a real-time task (`Data.Status` of `GetDISyncInstanceInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstanceStatus {
    /// `RUN`: running.
    Run,
    /// `PAUSE`: stopped (paused) by `StopDISyncInstance`.
    Pause,
    /// `NORUN`: not running (deployed but never started, or undeployed).
    NoRun,
    /// `KILLING`: being stopped or undeployed; it settles to `PAUSE` or `NORUN`.
    Killing,
    /// `WAIT`: waiting for resources to start; it settles to `RUN`.
    Wait,
    /// Any other value, as sent (the service may add states).
    Other(String),
}

impl InstanceStatus {
    /// Reads the wire value; the known ones match in any case.
    pub fn from_wire(value: &str) -> InstanceStatus {
        match value.to_ascii_uppercase().as_str() {
            "RUN" => InstanceStatus::Run,
            "PAUSE" => InstanceStatus::Pause,
            "NORUN" => InstanceStatus::NoRun,
            "KILLING" => InstanceStatus::Killing,
            "WAIT" => InstanceStatus::Wait,
            _ => InstanceStatus::Other(value.to_owned()),
        }
    }

    /// The wire value (`RUN`, `PAUSE`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            InstanceStatus::Run => "RUN",
            InstanceStatus::Pause => "PAUSE",
            InstanceStatus::NoRun => "NORUN",
            InstanceStatus::Killing => "KILLING",
            InstanceStatus::Wait => "WAIT",
            InstanceStatus::Other(value) => value,
        }
    }

    /// Whether the task is at rest: not `KILLING` or `WAIT` (nor a state di does not know).
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            InstanceStatus::Run | InstanceStatus::Pause | InstanceStatus::NoRun
        )
    }

    /// Whether the task is changing state: `KILLING` or `WAIT`.
    pub fn is_changing(&self) -> bool {
        matches!(self, InstanceStatus::Killing | InstanceStatus::Wait)
    }

    /// Whether the task is stopped and settled: `PAUSE` or `NORUN`.
    pub fn is_stopped(&self) -> bool {
        matches!(self, InstanceStatus::Pause | InstanceStatus::NoRun)
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to `GetDISyncInstanceInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceInfo {
    /// The request id.
    pub request_id: String,
    /// `Data.Status`.
    pub status: InstanceStatus,
    /// `Data.Name`, the task's name, when sent.
    pub name: Option<String>,
    /// `Data.Message`, when sent.
    pub message: Option<String>,
}

impl Operation for GetDiSyncInstanceInfo {
    type Output = InstanceInfo;

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
    ) -> Result<InstanceInfo, Error> {
        let data = change::read_data(response, context)?;
        let Some(status) = data.status else {
            let problem = BodyProblem::MissingField {
                field: "Data.Status",
            };
            return Err(change::unexpected(response, problem, data.request_id));
        };
        if status.eq_ignore_ascii_case("fail") {
            let message = data.message.unwrap_or_default();
            return Err(change::task_failed(
                Self::ACTION,
                data.request_id,
                message,
                context,
            ));
        }
        Ok(InstanceInfo {
            request_id: data.request_id,
            status: InstanceStatus::from_wire(&status),
            name: data.name,
            message: data.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_classify() {
        for (wire, status) in [
            ("RUN", InstanceStatus::Run),
            ("PAUSE", InstanceStatus::Pause),
            ("norun", InstanceStatus::NoRun),
            ("KILLING", InstanceStatus::Killing),
            ("WAIT", InstanceStatus::Wait),
        ] {
            let read = InstanceStatus::from_wire(wire);
            assert_eq!(read, status);
            assert_eq!(read.as_str(), wire.to_ascii_uppercase());
        }
        let other = InstanceStatus::from_wire("STARTING");
        assert_eq!(other, InstanceStatus::Other("STARTING".to_owned()));
        assert_eq!(other.to_string(), "STARTING");
        assert!(!other.is_settled() && !other.is_stopped());
        assert!(InstanceStatus::Pause.is_stopped() && InstanceStatus::NoRun.is_stopped());
        assert!(InstanceStatus::Run.is_settled() && !InstanceStatus::Run.is_stopped());
        assert!(!InstanceStatus::Killing.is_settled() && !InstanceStatus::Wait.is_settled());
    }
}
