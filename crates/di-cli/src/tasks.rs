//! Teardown tasks: one call (or two, for a full teardown) per file id, run `--jobs` at a time,
//! each ending as a [`TaskReport`] that prints as a text line or a JSON object.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use di_proto::ops::{
    DeleteDiSyncTask, Operation, TeardownOutcome, TeardownResponse, TerminateDiSyncInstance,
    TerminateStep,
};
use di_proto::{Error as ApiError, FailureReason, RpcRequest};
use di_ureq::Client;
use serde_json::{Value, json};

use crate::error::{Exit, Failure};
use crate::logging;

/// What is done to each task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskAction {
    /// `TerminateDISyncInstance`.
    Terminate,
    /// `DeleteDISyncTask`.
    Delete,
    /// `TerminateDISyncInstance`, then `DeleteDISyncTask`.
    Teardown,
}

impl TaskAction {
    /// The name in reports: the API action, or `teardown` for both.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TaskAction::Terminate => TerminateDiSyncInstance::ACTION,
            TaskAction::Delete => DeleteDiSyncTask::ACTION,
            TaskAction::Teardown => "teardown",
        }
    }

    /// The requests the action sends for one task, in order (for `--dry-run`).
    ///
    /// # Errors
    /// The operations' argument errors (ids that are not positive).
    pub(crate) fn requests(
        self,
        project_id: i64,
        file_id: i64,
    ) -> Result<Vec<RpcRequest>, ApiError> {
        let terminate = || TerminateDiSyncInstance::new(project_id, file_id).to_rpc_request();
        let delete = || DeleteDiSyncTask::new(project_id, file_id).to_rpc_request();
        Ok(match self {
            TaskAction::Terminate => vec![terminate()?],
            TaskAction::Delete => vec![delete()?],
            TaskAction::Teardown => vec![terminate()?, delete()?],
        })
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
    fn from_response(action: &'static str, response: TeardownResponse) -> StepReport {
        let (outcome, note) = match response.outcome {
            TeardownOutcome::AlreadyDone { reason } => (
                Outcome::AlreadyDone,
                Some(format!(
                    "an earlier attempt's answer was lost and the retry found the task {}",
                    match reason {
                        FailureReason::NotDeployed => "undeployed",
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
        if self.action == TaskAction::Teardown
            && let Some(object) = object.as_object_mut()
        {
            let steps = self.steps.iter().map(StepReport::to_json).collect();
            object.insert("steps".to_owned(), Value::Array(steps));
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
                    TaskAction::Teardown => format!(
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
        if let Some(failure) = &self.error {
            if !steps.is_empty() {
                line.push_str("; ");
            }
            line.push_str(&format!("{}: {}", failure.kind, failure.message));
        }
        line
    }
}

/// `terminate` or `delete`.
fn short_step(action: &str) -> &'static str {
    if action == TerminateDiSyncInstance::ACTION {
        "terminate"
    } else {
        "delete"
    }
}

/// Does `action` to task `file_id` of `project_id` through `client`.
pub(crate) fn run_task(
    client: &Client,
    action: TaskAction,
    project_id: i64,
    file_id: i64,
) -> TaskReport {
    let span = tracing::info_span!("task", project_id, file_id);
    let _entered = span.enter();
    // Retries of an earlier task on this thread are that task's.
    logging::take_retries();
    let (steps, error) = match action {
        TaskAction::Terminate => match terminate(client, project_id, file_id) {
            Ok(step) => (vec![step], None),
            Err(error) => (Vec::new(), Some(Failure::of(&error))),
        },
        TaskAction::Delete => match client.delete_di_sync_task(project_id, file_id) {
            Ok(response) => (
                vec![StepReport::from_response(
                    DeleteDiSyncTask::ACTION,
                    response,
                )],
                None,
            ),
            Err(error) => (Vec::new(), Some(Failure::of(&error))),
        },
        TaskAction::Teardown => match client.teardown(project_id, file_id) {
            Ok(report) => {
                let terminate = match report.terminate {
                    TerminateStep::AlreadyUndeployed { request_id, .. } => StepReport {
                        action: TerminateDiSyncInstance::ACTION,
                        outcome: Outcome::AlreadyDone,
                        request_id,
                        note: Some("the task was not deployed".to_owned()),
                    },
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
                };
                let delete = StepReport::from_response(DeleteDiSyncTask::ACTION, report.delete);
                (vec![terminate, delete], None)
            }
            Err(error) => (Vec::new(), Some(Failure::of(&error))),
        },
    };
    let outcome = match (&error, steps.last()) {
        (Some(_), _) | (None, None) => Outcome::Failed,
        (None, Some(last)) => last.outcome,
    };
    TaskReport {
        project_id,
        file_id,
        action,
        outcome,
        steps,
        error,
        retries: logging::take_retries(),
    }
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

/// Runs `action` on every id in `file_ids`, `jobs` at a time, from a shared queue; calls
/// `on_report` on the calling thread as each task ends, and returns every report in the
/// order they ended.
pub(crate) fn run_batch(
    client: &Client,
    action: TaskAction,
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
                    let report = run_task(client, action, project_id, file_id);
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
