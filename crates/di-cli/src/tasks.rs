//! Batch tasks: one to four calls per file id (a step of the lifecycle, a wait, a full
//! teardown), run `--jobs` at a time, each ending as a [`TaskReport`] that prints as a text line
//! or a JSON object.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use di_proto::ops::{
    DeleteDiSyncTask, DeployDiSyncTask, GetDiSyncInstanceInfo, GetDiSyncTask, InstanceInfo,
    Operation, StartDiSyncInstance, StopDiSyncInstance, StopStep, TeardownOutcome,
    TeardownResponse, TerminateDiSyncInstance, TerminateStep,
};
use di_proto::wait::{WaitFor, WaitPolicy};
use di_proto::{Error as ApiError, FailureReason, RpcRequest};
use di_ureq::Client;
use serde_json::{Map, Value, json};

use crate::error::{Exit, Failure};
use crate::logging;

/// What is done to each task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskAction {
    /// `TerminateDISyncInstance`.
    Terminate,
    /// `DeleteDISyncTask`.
    Delete,
    /// `TerminateDISyncInstance`, then `DeleteDISyncTask` (stopping first, with a wait).
    Teardown,
    /// `StopDISyncInstance`.
    Stop,
    /// `StartDISyncInstance`.
    Start,
    /// `DeployDISyncTask`.
    Deploy,
    /// `GetDISyncInstanceInfo`.
    Info,
    /// `GetDISyncTask`.
    GetTask,
}

impl TaskAction {
    /// The name in reports: the API action, or `teardown` for several.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TaskAction::Terminate => TerminateDiSyncInstance::ACTION,
            TaskAction::Delete => DeleteDiSyncTask::ACTION,
            TaskAction::Teardown => "teardown",
            TaskAction::Stop => StopDiSyncInstance::ACTION,
            TaskAction::Start => StartDiSyncInstance::ACTION,
            TaskAction::Deploy => DeployDiSyncTask::ACTION,
            TaskAction::Info => GetDiSyncInstanceInfo::ACTION,
            TaskAction::GetTask => GetDiSyncTask::ACTION,
        }
    }
}

/// What a batch does to each task: the action, and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The action.
    pub(crate) action: TaskAction,
    /// Wait until the task settles after a stop, a terminate or a start; for a teardown, stop
    /// first and wait.
    pub(crate) wait: Option<WaitPolicy>,
    /// `StartParam`, for a start.
    pub(crate) start_param: Option<String>,
}

impl Plan {
    /// `action`, without options.
    pub(crate) fn new(action: TaskAction) -> Plan {
        Plan {
            action,
            wait: None,
            start_param: None,
        }
    }

    /// Adds a wait (a stop first, for a teardown).
    pub(crate) fn with_wait(mut self, wait: Option<WaitPolicy>) -> Plan {
        self.wait = wait;
        self
    }

    /// Adds `StartParam`.
    pub(crate) fn with_start_param(mut self, start_param: Option<String>) -> Plan {
        self.start_param = start_param;
        self
    }

    fn start(&self, project_id: i64, file_id: i64) -> StartDiSyncInstance {
        let start = StartDiSyncInstance::new(project_id, file_id);
        match &self.start_param {
            Some(param) => start.with_start_param(param.clone()),
            None => start,
        }
    }

    /// The requests the plan sends for one task, in order (for `--dry-run`); a wait shows as
    /// its first poll.
    ///
    /// # Errors
    /// The operations' argument errors (ids that are not positive, a bad `StartParam`).
    pub(crate) fn requests(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<Vec<RpcRequest>, ApiError> {
        let terminate = || TerminateDiSyncInstance::new(project_id, file_id).to_rpc_request();
        let delete = || DeleteDiSyncTask::new(project_id, file_id).to_rpc_request();
        let stop = || StopDiSyncInstance::new(project_id, file_id).to_rpc_request();
        let info = || GetDiSyncInstanceInfo::new(project_id, file_id).to_rpc_request();
        let mut requests = match self.action {
            TaskAction::Terminate => vec![terminate()?],
            TaskAction::Delete => vec![delete()?],
            TaskAction::Teardown if self.wait.is_some() => {
                vec![stop()?, info()?, terminate()?, delete()?]
            }
            TaskAction::Teardown => vec![terminate()?, delete()?],
            TaskAction::Stop => vec![stop()?],
            TaskAction::Start => vec![self.start(project_id, file_id).to_rpc_request()?],
            TaskAction::Deploy => {
                vec![DeployDiSyncTask::new(project_id, file_id).to_rpc_request()?]
            }
            TaskAction::Info => vec![info()?],
            TaskAction::GetTask => vec![GetDiSyncTask::new(project_id, file_id).to_rpc_request()?],
        };
        if self.wait.is_some() && self.action != TaskAction::Teardown {
            requests.push(info()?);
        }
        Ok(requests)
    }
}

/// How a task, or one step of it, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Outcome {
    /// The service did it now.
    Done,
    /// The task was already in the state asked for (not deployed, or an earlier attempt whose
    /// answer was lost did it).
    AlreadyDone,
    /// It did not happen.
    Failed,
}

impl Outcome {
    /// `done`, `already_done` or `failed`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::AlreadyDone => "already_done",
            Outcome::Failed => "failed",
        }
    }
}

/// One step of a task: one API call that got an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepReport {
    /// The API action.
    pub(crate) action: &'static str,
    /// How it ended.
    pub(crate) outcome: Outcome,
    /// The request id of its answer.
    pub(crate) request_id: String,
    /// Why it counts as already done, when it does.
    pub(crate) note: Option<String>,
}

impl StepReport {
    pub(crate) fn from_response(action: &'static str, response: TeardownResponse) -> StepReport {
        let (outcome, note) = match response.outcome {
            TeardownOutcome::AlreadyDone { reason } => (
                Outcome::AlreadyDone,
                Some(format!(
                    "an earlier attempt's answer was lost and the retry found the task {}",
                    match reason {
                        FailureReason::NotDeployed => "undeployed",
                        FailureReason::NotRunning => "stopped",
                        FailureReason::AlreadyRunning => "running",
                        _ => "gone",
                    }
                )),
            ),
            _ => (Outcome::Done, None),
        };
        StepReport {
            action,
            outcome,
            request_id: response.request_id,
            note,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "action": self.action,
            "outcome": self.outcome.as_str(),
            "request_id": self.request_id,
            "note": self.note,
        })
    }
}

/// What happened to one task.
#[derive(Debug, Clone)]
pub(crate) struct TaskReport {
    /// The workspace.
    pub(crate) project_id: i64,
    /// The task.
    pub(crate) file_id: i64,
    /// What was done.
    pub(crate) action: TaskAction,
    /// How it ended.
    pub(crate) outcome: Outcome,
    /// The steps that got an answer (for a teardown, up to two).
    pub(crate) steps: Vec<StepReport>,
    /// Why it failed.
    pub(crate) error: Option<Failure>,
    /// The reasons of the retries its calls made.
    pub(crate) retries: Vec<String>,
    /// What the task's answers said about it (`status`, `name`, `code`), as JSON members.
    pub(crate) details: Map<String, Value>,
}

impl TaskReport {
    /// The request id to quote: the failure's, else the last step's.
    pub(crate) fn request_id(&self) -> Option<&str> {
        match &self.error {
            Some(failure) => failure.request_id.as_deref(),
            None => self.steps.last().map(|step| step.request_id.as_str()),
        }
    }

    /// The exit this task implies.
    pub(crate) fn exit(&self) -> Exit {
        self.error
            .as_ref()
            .map_or(Exit::Success, |failure| failure.exit)
    }

    /// The one JSON object of `--output json`.
    pub(crate) fn to_json(&self) -> Value {
        let mut object = json!({
            "project_id": self.project_id,
            "file_id": self.file_id,
            "action": self.action.name(),
            "outcome": self.outcome.as_str(),
            "request_id": self.request_id(),
            "error": self.error.as_ref().map(|failure| json!({
                "kind": failure.kind,
                "code": failure.code,
                "message": failure.message,
            })),
            "retries": self.retries.len(),
        });
        if let Some(object) = object.as_object_mut() {
            if self.action == TaskAction::Teardown || self.steps.len() > 1 {
                let steps = self.steps.iter().map(StepReport::to_json).collect();
                object.insert("steps".to_owned(), Value::Array(steps));
            }
            for (name, value) in &self.details {
                object.insert(name.clone(), value.clone());
            }
        }
        object
    }

    /// The one line of `--output text`: `PROJECT/FILE  OUTCOME  details`.
    pub(crate) fn to_text(&self) -> String {
        let mut line = format!(
            "{}/{}  {:<12}",
            self.project_id,
            self.file_id,
            self.outcome.as_str()
        );
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|step| {
                let mut text = match self.action {
                    _ if self.action == TaskAction::Teardown || self.steps.len() > 1 => format!(
                        "{} {} [{}]",
                        short_step(step.action),
                        step.outcome.as_str(),
                        step.request_id
                    ),
                    _ => format!("request id {}", step.request_id),
                };
                if let Some(note) = &step.note {
                    text.push_str(&format!(" ({note})"));
                }
                text
            })
            .collect();
        line.push_str(&steps.join("; "));
        for (name, value) in &self.details {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            line.push_str(&format!("  {name}={value}"));
        }
        if let Some(failure) = &self.error {
            if !steps.is_empty() {
                line.push_str("; ");
            }
            line.push_str(&format!("{}: {}", failure.kind, failure.message));
        }
        line
    }
}

/// The short name of a step in a line of several.
fn short_step(action: &str) -> &'static str {
    match action {
        TerminateDiSyncInstance::ACTION => "terminate",
        DeleteDiSyncTask::ACTION => "delete",
        StopDiSyncInstance::ACTION => "stop",
        StartDiSyncInstance::ACTION => "start",
        GetDiSyncInstanceInfo::ACTION => "wait",
        _ => "call",
    }
}

/// Carries out `plan` on task `file_id` of `project_id` through `client`.
pub(crate) fn run_task(client: &Client, plan: &Plan, project_id: i64, file_id: i64) -> TaskReport {
    let span = tracing::info_span!("task", project_id, file_id);
    let _entered = span.enter();
    // Retries of an earlier task on this thread are that task's.
    logging::take_retries();
    let mut steps = Vec::new();
    let mut details = Map::new();
    let error = run_steps(client, plan, project_id, file_id, &mut steps, &mut details)
        .err()
        .map(|error| Failure::of(&error));
    // A teardown ends with its last step; the others with their action's (a wait only
    // confirms it).
    let main_step = if plan.action == TaskAction::Teardown {
        steps.last()
    } else {
        steps.first()
    };
    let outcome = match (&error, main_step) {
        (Some(_), _) | (None, None) => Outcome::Failed,
        (None, Some(step)) => step.outcome,
    };
    TaskReport {
        project_id,
        file_id,
        action: plan.action,
        outcome,
        steps,
        error,
        retries: logging::take_retries(),
        details,
    }
}

/// The calls of `plan` for one task, each answered call a step.
fn run_steps(
    client: &Client,
    plan: &Plan,
    project_id: i64,
    file_id: i64,
    steps: &mut Vec<StepReport>,
    details: &mut Map<String, Value>,
) -> Result<(), di_ureq::Error> {
    let already = |action, request_id, note: &str| StepReport {
        action,
        outcome: Outcome::AlreadyDone,
        request_id,
        note: Some(note.to_owned()),
    };
    let wait_for = match plan.action {
        TaskAction::Terminate => {
            steps.push(terminate(client, project_id, file_id)?);
            Some(WaitFor::Stopped)
        }
        TaskAction::Delete => {
            let response = client.delete_di_sync_task(project_id, file_id)?;
            steps.push(StepReport::from_response(
                DeleteDiSyncTask::ACTION,
                response,
            ));
            None
        }
        TaskAction::Teardown => {
            let report = match &plan.wait {
                Some(policy) => {
                    let report = client.teardown_stop_first(project_id, file_id, policy)?;
                    steps.push(match report.stop {
                        StopStep::Stopped(response) => {
                            StepReport::from_response(StopDiSyncInstance::ACTION, response)
                        }
                        StopStep::NotRunning {
                            request_id, reason, ..
                        } => already(
                            StopDiSyncInstance::ACTION,
                            request_id,
                            if reason == FailureReason::NotDeployed {
                                "the task was not deployed"
                            } else {
                                "the task was not running"
                            },
                        ),
                        // A later kind of stop step: the teardown went on.
                        _ => already(StopDiSyncInstance::ACTION, String::new(), "stopped"),
                    });
                    if let Some(info) = report.settled {
                        steps.push(settled_step(info));
                    }
                    report.teardown
                }
                None => client.teardown(project_id, file_id)?,
            };
            steps.push(match report.terminate {
                TerminateStep::AlreadyUndeployed { request_id, .. } => already(
                    TerminateDiSyncInstance::ACTION,
                    request_id,
                    "the task was not deployed",
                ),
                TerminateStep::Undeployed(response) => {
                    StepReport::from_response(TerminateDiSyncInstance::ACTION, response)
                }
                // A later kind of first step: report it done, as the delete went on.
                _ => StepReport {
                    action: TerminateDiSyncInstance::ACTION,
                    outcome: Outcome::Done,
                    request_id: String::new(),
                    note: None,
                },
            });
            steps.push(StepReport::from_response(
                DeleteDiSyncTask::ACTION,
                report.delete,
            ));
            None
        }
        TaskAction::Stop => {
            match client.stop_di_sync_instance(project_id, file_id) {
                Ok(response) => steps.push(StepReport::from_response(
                    StopDiSyncInstance::ACTION,
                    response,
                )),
                Err(di_ureq::Error::Api(ApiError::TaskFailed(failure)))
                    if failure.reason == FailureReason::NotRunning =>
                {
                    steps.push(already(
                        StopDiSyncInstance::ACTION,
                        failure.request_id,
                        "the task was not running",
                    ));
                }
                Err(error) => return Err(error),
            }
            Some(WaitFor::Stopped)
        }
        TaskAction::Start => {
            match client.start_di_sync_instance(&plan.start(project_id, file_id)) {
                Ok(response) => steps.push(StepReport::from_response(
                    StartDiSyncInstance::ACTION,
                    response,
                )),
                Err(di_ureq::Error::Api(ApiError::TaskFailed(failure)))
                    if failure.reason == FailureReason::AlreadyRunning =>
                {
                    steps.push(already(
                        StartDiSyncInstance::ACTION,
                        failure.request_id,
                        "the task was already running",
                    ));
                }
                Err(error) => return Err(error),
            }
            Some(WaitFor::Running)
        }
        TaskAction::Deploy => {
            let response = client.deploy_di_sync_task(project_id, file_id)?;
            steps.push(StepReport::from_response(
                DeployDiSyncTask::ACTION,
                response,
            ));
            None
        }
        TaskAction::Info => {
            let info = client.get_di_sync_instance_info(project_id, file_id)?;
            steps.push(StepReport {
                action: GetDiSyncInstanceInfo::ACTION,
                outcome: Outcome::Done,
                request_id: info.request_id,
                note: None,
            });
            details.insert("status".to_owned(), Value::from(info.status.as_str()));
            if let Some(name) = info.name {
                details.insert("name".to_owned(), Value::from(name));
            }
            None
        }
        TaskAction::GetTask => {
            let task = client.get_di_sync_task(project_id, file_id)?;
            steps.push(StepReport {
                action: GetDiSyncTask::ACTION,
                outcome: Outcome::Done,
                request_id: task.request_id,
                note: None,
            });
            // The script as JSON when it is, else as the text sent.
            let code = serde_json::from_str::<Value>(&task.code)
                .unwrap_or_else(|_| Value::from(task.code));
            details.insert("code".to_owned(), code);
            None
        }
    };
    if let (Some(wait_for), Some(policy)) = (wait_for, &plan.wait) {
        let info = client.wait_for_instance(project_id, file_id, wait_for, policy)?;
        details.insert("status".to_owned(), Value::from(info.status.as_str()));
        steps.push(settled_step(info));
    }
    Ok(())
}

/// `TerminateDISyncInstance`, where a task that is not deployed is already done.
fn terminate(client: &Client, project_id: i64, file_id: i64) -> Result<StepReport, di_ureq::Error> {
    match client.terminate_di_sync_instance(project_id, file_id) {
        Ok(response) => Ok(StepReport::from_response(
            TerminateDiSyncInstance::ACTION,
            response,
        )),
        Err(di_ureq::Error::Api(ApiError::TaskFailed(failure)))
            if failure.reason == FailureReason::NotDeployed =>
        {
            Ok(StepReport {
                action: TerminateDiSyncInstance::ACTION,
                outcome: Outcome::AlreadyDone,
                request_id: failure.request_id,
                note: Some("the task was not deployed".to_owned()),
            })
        }
        Err(error) => Err(error),
    }
}

/// The last poll of a wait, as a step.
fn settled_step(info: InstanceInfo) -> StepReport {
    StepReport {
        action: GetDiSyncInstanceInfo::ACTION,
        outcome: Outcome::Done,
        request_id: info.request_id,
        note: Some(format!("settled: {}", info.status)),
    }
}

/// Carries out `plan` on every id in `file_ids`, `jobs` at a time, from a shared queue; calls
/// `on_report` on the calling thread as each task ends, and returns every report in the
/// order they ended.
pub(crate) fn run_batch(
    client: &Client,
    plan: &Plan,
    project_id: i64,
    file_ids: &[i64],
    jobs: usize,
    mut on_report: impl FnMut(&TaskReport),
) -> Vec<TaskReport> {
    let next = AtomicUsize::new(0);
    let workers = jobs.clamp(1, file_ids.len().max(1));
    let (sender, receiver) = mpsc::channel();
    let mut reports = Vec::with_capacity(file_ids.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                while let Some(&file_id) = file_ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let report = run_task(client, plan, project_id, file_id);
                    if sender.send(report).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for report in receiver {
            on_report(&report);
            reports.push(report);
        }
    });
    reports
}

/// The worst exit among `reports` (see [`Exit`]).
pub(crate) fn worst_exit(reports: &[TaskReport]) -> Exit {
    reports
        .iter()
        .map(TaskReport::exit)
        .max()
        .unwrap_or(Exit::Success)
}

/// The most failed tasks a summary lists one by one.
const LISTED_FAILURES: usize = 20;

/// The summary by outcome: counts, then each failed task with its reason.
pub(crate) fn summary(reports: &[TaskReport]) -> String {
    let count = |outcome| {
        reports
            .iter()
            .filter(|report| report.outcome == outcome)
            .count()
    };
    let tasks = reports.len();
    let mut text = format!(
        "{tasks} task{}: {} done, {} already done, {} failed",
        if tasks == 1 { "" } else { "s" },
        count(Outcome::Done),
        count(Outcome::AlreadyDone),
        count(Outcome::Failed)
    );
    let retried: usize = reports.iter().map(|report| report.retries.len()).sum();
    if retried > 0 {
        text.push_str(&format!(
            " ({retried} retr{} along the way)",
            if retried == 1 { "y" } else { "ies" }
        ));
    }
    let mut failed: Vec<&TaskReport> = reports
        .iter()
        .filter(|report| report.error.is_some())
        .collect();
    if failed.is_empty() {
        return text;
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for report in &failed {
        if let Some(failure) = &report.error {
            *kinds.entry(failure.kind).or_default() += 1;
        }
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(kind, count)| format!("{kind}: {count}"))
        .collect();
    text.push_str(&format!("\nfailed by kind: {}", kinds.join(", ")));
    failed.sort_by_key(|report| (report.project_id, report.file_id));
    for report in failed.iter().take(LISTED_FAILURES) {
        if let Some(failure) = &report.error {
            text.push_str(&format!(
                "\n  {}/{}: {}: {}",
                report.project_id, report.file_id, failure.kind, failure.message
            ));
        }
    }
    if failed.len() > LISTED_FAILURES {
        text.push_str(&format!(
            "\n  ... and {} more (--output json lists every task)",
            failed.len() - LISTED_FAILURES
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcome: Outcome, error: Option<Failure>) -> TaskReport {
        TaskReport {
            project_id: 10000,
            file_id: 7,
            action: TaskAction::Teardown,
            outcome,
            steps: vec![StepReport {
                action: DeleteDiSyncTask::ACTION,
                outcome,
                request_id: "RID-1".to_owned(),
                note: None,
            }],
            error,
            retries: vec!["server error".to_owned()],
            details: Map::new(),
        }
    }

    #[test]
    fn reports_print_as_json_and_text() {
        let done = report(Outcome::Done, None);
        let json = done.to_json();
        assert_eq!(json["outcome"], "done");
        assert_eq!(json["request_id"], "RID-1");
        assert_eq!(json["action"], "teardown");
        assert!(json["error"].is_null());
        assert_eq!(json["steps"][0]["action"], "DeleteDISyncTask");
        assert!(done.to_text().starts_with("10000/7  done"));

        let failure = Failure {
            kind: "transport",
            code: Some("connect".to_owned()),
            message: "no response".to_owned(),
            request_id: None,
            exit: Exit::Unavailable,
        };
        let failed = report(Outcome::Failed, Some(failure));
        assert_eq!(failed.to_json()["error"]["code"], "connect");
        assert_eq!(
            worst_exit(&[done.clone(), failed.clone()]),
            Exit::Unavailable
        );
        let text = summary(&[done, failed]);
        assert!(
            text.starts_with("2 tasks: 1 done, 0 already done, 1 failed (2 retries"),
            "{text}"
        );
        assert!(text.contains("10000/7: transport: no response"), "{text}");
    }
}
