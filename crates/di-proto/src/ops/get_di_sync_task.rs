//! `GetDISyncTask`: reads a real-time task's script and alert rules, or a solution.

use super::change::{self, DataAnswer};
use super::declare::{Reading, Reply, file_operation};
use super::model::model;
use crate::{Error, ResponseContext};

file_operation! {
    /// Reads a real-time synchronization task or a synchronization solution
    /// (`GetDISyncTask`, `DI_REALTIME` or `DI_SOLUTION`): the script (`Data.Code`), the alert
    /// rules (`Data.AlarmList`) and, for a solution, its details (`Data.SolutionDetail`).
    ///
    /// A read: safe to retry. An unknown task comes back as `Data.Status = fail`, which is
    /// [`Error::TaskFailed`].
    ///
    /// ```
    /// use di_proto::ops::{GetDiSyncTask, Operation};
    /// use di_proto::ResponseContext;
    ///
    /// let get = GetDiSyncTask::new(10000, 100);
    /// assert_eq!(get.to_rpc_request()?.action(), "GetDISyncTask");
    /// let response = di_proto::http::Response::builder()
    ///     .header("content-type", "application/json")
    ///     .body(r#"{"RequestId":"r","Success":true,"Data":{"Status":"success","Code":"{\"steps\":[]}",
    ///         "AlarmList":[{"Id":5,"Metric":"bizDelay","Enabled":true,
    ///             "AlarmRuleList":[{"Level":"WARNING","Threshold":300,"Duration":10}]}]}}"#)
    ///     .unwrap();
    /// let task = get.parse_response(&response, &ResponseContext::new())?;
    /// assert_eq!(task.code.as_deref(), Some(r#"{"steps":[]}"#));
    /// assert_eq!(task.alarms[0].rules[0].threshold, Some(300));
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    GetDiSyncTask = "GetDISyncTask", typed, output DiSyncTaskDetails;
    /// Reads real-time task `file_id` of workspace `project_id`.
}

/// The answer to `GetDISyncTask`. `Debug` shows the script's length and the names of the
/// members of `data` only: a script can hold a data source's password.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct DiSyncTaskDetails {
    /// The request id.
    pub request_id: String,
    /// `Data.Code`: a real-time task's script, as the service sent it (JSON text); `None` for
    /// a solution.
    pub code: Option<String>,
    /// `Data.AlarmList`: the task's alert rules.
    pub alarms: Vec<AlarmRule>,
    /// `Data.SolutionDetail`: a solution's details; `None` for a real-time task.
    pub solution: Option<SolutionDetail>,
    /// `Data.Message`, when sent.
    pub message: Option<String>,
    /// The whole `Data` member, for members added after this crate (XML values as text).
    pub data: serde_json::Value,
}

model! {
    /// An alert rule of a real-time task (`Data.AlarmList[]` of `GetDISyncTask`).
    pub struct AlarmRule {
        /// The rule's id.
        "Id" => id: Option<i64>,
        /// The rule's name.
        "RuleName" => rule_name: Option<String>,
        /// The rule's description.
        "Description" => description: Option<String>,
        /// Whether the rule is enabled.
        "Enabled" => enabled: Option<bool>,
        /// The metric: `taskStatus`, `bizDelay`, `taskFailoverCount`, `ddlUnsupport`,
        /// `ddlReport` or `totalDirtyRecordWriteInLines`.
        "Metric" => metric: Option<String>,
        /// Who is told, and how often.
        "NotifyRule" => notify_rule: Option<NotifyRule>,
        /// The conditions (`AlarmRuleList`).
        "AlarmRuleList" => rules: Vec<AlarmCondition>,
    }
}

model! {
    /// The notification settings of an alert rule.
    pub struct NotifyRule {
        /// The settings of critical-level notifications.
        "Critical" => critical: Vec<String>,
        /// The settings of warning-level notifications.
        "Warning" => warning: Vec<String>,
        /// The alert interval, in minutes.
        "Interval" => interval: Option<i64>,
    }
}

model! {
    /// One condition of an alert rule.
    pub struct AlarmCondition {
        /// How the metric is aggregated: `avg` or `max`.
        "Aggregator" => aggregator: Option<String>,
        /// The comparison: `=`, `<` or `>`.
        "Comparator" => comparator: Option<String>,
        /// How long the condition must hold before an alert, in minutes.
        "Duration" => duration: Option<i64>,
        /// `WARNING` or `CRITICAL`.
        "Level" => level: Option<String>,
        /// The threshold.
        "Threshold" => threshold: Option<i64>,
    }
}

model! {
    /// A synchronization solution (`Data.SolutionDetail` of `GetDISyncTask`, `DI_SOLUTION`).
    pub struct SolutionDetail {
        /// The solution's id.
        "Id" => id: Option<i64>,
        /// The solution's name.
        "Name" => name: Option<String>,
        /// Who created it.
        "CreatorName" => creator_name: Option<String>,
        /// Its configuration.
        "ProcessContent" => process_content: Option<String>,
        /// Its additional parameters.
        "ProcessExtra" => process_extra: Option<String>,
        /// The workspace it belongs to.
        "ProjectId" => project_id: Option<i64>,
        /// The type of its source.
        "SourceType" => source_type: Option<String>,
        /// When it started.
        "StartTime" => start_time: Option<String>,
        /// Its status: `0` successful, `1` not running, `2` running, `3` failed, `4`
        /// committed, ...
        "Status" => status: Option<String>,
        /// When it was committed.
        "SubmitTime" => submit_time: Option<String>,
        /// Its type.
        "Type" => kind: Option<String>,
    }
}

model! {
    /// The `Data` members of `GetDISyncTask` read into [`DiSyncTaskDetails`].
    pub(crate) struct TaskData {
        "Code" => code: Option<String>,
        "AlarmList" => alarms: Vec<AlarmRule>,
        "SolutionDetail" => solution: Option<SolutionDetail>,
    }
}

impl Reply for DiSyncTaskDetails {
    fn read<B: AsRef<[u8]>>(
        call: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        let (answer, tree) = change::read_tree(response, context)?;
        change::judge_status(call.action, &answer, response, context)?;
        let DataAnswer {
            request_id,
            message,
            ..
        } = answer;
        let read: TaskData = change::record(&tree, response, &request_id)?;
        Ok(DiSyncTaskDetails {
            request_id,
            code: read.code,
            alarms: read.alarms,
            solution: read.solution,
            message,
            data: tree,
        })
    }
}

impl std::fmt::Debug for DiSyncTaskDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiSyncTaskDetails")
            .field("request_id", &self.request_id)
            .field("code", &self.code.as_deref().map(super::change::Redacted))
            .field("alarms", &self.alarms)
            .field("solution", &self.solution)
            .field("message", &self.message)
            .field("data", &super::change::RawData(&self.data))
            .finish()
    }
}
