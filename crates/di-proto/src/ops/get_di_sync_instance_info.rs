//! `GetDISyncInstanceInfo`: the run status of a real-time task or a solution.

use std::fmt;

use super::change::{self, DataAnswer};
use super::declare::{Reading, Reply, file_operation};
use super::model::model;
use crate::error::BodyProblem;
use crate::{Error, ResponseContext};

file_operation! {
    /// Reads the run status of a real-time synchronization task or a synchronization solution
    /// (`GetDISyncInstanceInfo`, `DI_REALTIME` or `DI_SOLUTION`).
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
    GetDiSyncInstanceInfo = "GetDISyncInstanceInfo", typed, output InstanceInfo;
    /// Reads the status of real-time task `file_id` of workspace `project_id`.
}

/// The run status of a real-time task (`Data.Status` of `GetDISyncInstanceInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
    /// `Data.SolutionInfo`: a solution's state and steps; `None` for a real-time task.
    pub solution: Option<SolutionInfo>,
}

model! {
    /// The state of a synchronization solution (`Data.SolutionInfo` of
    /// `GetDISyncInstanceInfo`, `DI_SOLUTION`).
    pub struct SolutionInfo {
        /// The solution's id.
        "Id" => id: Option<i64>,
        /// Who created it.
        "CreatorName" => creator_name: Option<String>,
        /// Its status.
        "Status" => status: Option<String>,
        /// Its steps.
        "StepDetail" => steps: Vec<SolutionStep>,
    }
}

model! {
    /// One step of a synchronization solution.
    pub struct SolutionStep {
        /// The step's id.
        "StepId" => step_id: Option<i64>,
        /// The step's name.
        "StepName" => step_name: Option<String>,
        /// The step's status.
        "Status" => status: Option<String>,
        /// What the step reports.
        "Info" => info: Option<String>,
    }
}

model! {
    pub(crate) struct InfoData {
        "SolutionInfo" => solution: Option<SolutionInfo>,
    }
}

impl Reply for InstanceInfo {
    fn read<B: AsRef<[u8]>>(
        call: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        // A real-time task's answer (every poll of every wait) has no `SolutionInfo`: the
        // whole tree is read only when the body names it.
        let body = response.body().as_ref();
        let (data, tree) = if body.windows(12).any(|w| w == b"SolutionInfo") {
            change::read_tree(response, context)?
        } else {
            (
                change::read_data(response, context)?,
                serde_json::Value::Null,
            )
        };
        let DataAnswer {
            request_id,
            status,
            message,
            name,
            ..
        } = data;
        let Some(status) = status else {
            let problem = BodyProblem::MissingField {
                field: "Data.Status",
            };
            return Err(change::unexpected(response, problem, request_id));
        };
        let read: InfoData = match tree {
            serde_json::Value::Null => InfoData::default(),
            tree => change::record(&tree, response, &request_id)?,
        };
        // For a solution, `fail` is the solution's own status, with its steps; without
        // them it is a refusal of the call.
        if status.eq_ignore_ascii_case("fail") && read.solution.is_none() {
            let message = message.unwrap_or_default();
            return Err(change::task_failed(
                call.action,
                request_id,
                message,
                context,
            ));
        }
        Ok(InstanceInfo {
            request_id,
            status: InstanceStatus::from_wire(&status),
            name,
            message,
            solution: read.solution,
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
