//! How a batch reports: each task as a text line or a JSON object, the summary by outcome,
//! the ids left to do after an interrupt, and the exit.

use std::collections::BTreeMap;

use std::time::Duration;

use di_proto::client::rate::RateStats;
use di_proto::flow::{StepRecord, TaskOutcome, TaskReport};
use serde_json::{Map, Value, json};

use crate::error::{Exit, Failure};
use crate::plan::Plan;

/// The exit `report` implies.
pub(crate) fn exit(report: &TaskReport) -> Exit {
    match (&report.error, report.outcome) {
        (Some(error), _) => Failure::of(error).exit,
        (None, TaskOutcome::Interrupted | TaskOutcome::NotStarted) => Exit::Interrupted,
        (None, _) => Exit::Success,
    }
}

/// The worst exit among `reports` (see [`Exit`]).
pub(crate) fn worst_exit(reports: &[TaskReport]) -> Exit {
    reports.iter().map(exit).max().unwrap_or(Exit::Success)
}

/// What the task's answers said about it, as JSON members: `status` and `name` from the last
/// status read, `code` (the script), `alarms` and `solution` from a task read.
fn details(report: &TaskReport) -> Map<String, Value> {
    let mut details = Map::new();
    if let Some(info) = &report.instance {
        details.insert("status".to_owned(), Value::from(info.status.as_str()));
        if let Some(name) = &info.name {
            details.insert("name".to_owned(), Value::from(name.as_str()));
        }
    }
    if let Some(task) = &report.task {
        // The script as JSON when it is, else as the text sent; a solution has none, and its
        // details as the service sent them instead.
        if let Some(code) = &task.code {
            let code =
                serde_json::from_str::<Value>(code).unwrap_or_else(|_| Value::from(code.as_str()));
            details.insert("code".to_owned(), code);
        }
        if let Some(solution) = task.data.get("SolutionDetail").filter(|v| !v.is_null()) {
            details.insert("solution".to_owned(), solution.clone());
        }
        // The alert rules, as the service sent them (typed in `task.alarms`).
        if !task.alarms.is_empty()
            && let Some(alarms) = task.data.get("AlarmList")
        {
            details.insert("alarms".to_owned(), alarms.clone());
        }
    }
    details
}

fn step_json(step: &StepRecord) -> Value {
    json!({
        "step": step.kind.as_str(),
        "action": step.action,
        "outcome": step.outcome.as_str(),
        "request_id": step.request_id,
        "retries": step.retries.len(),
        "note": step.note,
    })
}

/// The `error` member of every JSON object `di` prints for a failure (a task's, a listing's,
/// a create's or update's, a call's): `{"kind","code","message"}`.
pub(crate) fn error_json(failure: &Failure) -> Value {
    json!({
        "kind": failure.kind,
        "code": failure.code,
        "message": failure.message,
    })
}

/// The one JSON object of `--output json`.
pub(crate) fn to_json(report: &TaskReport, plan: &Plan) -> Value {
    let failure = report.error.as_ref().map(Failure::of);
    let mut object = Map::new();
    object.insert("project_id".to_owned(), Value::from(report.project_id));
    object.insert("file_id".to_owned(), Value::from(report.file_id));
    object.insert("action".to_owned(), Value::from(plan.name()));
    object.insert("outcome".to_owned(), Value::from(report.outcome.as_str()));
    object.insert("request_id".to_owned(), json!(report.request_id()));
    object.insert("error".to_owned(), json!(failure.as_ref().map(error_json)));
    object.insert("retries".to_owned(), Value::from(report.retries()));
    object.insert(
        "steps".to_owned(),
        Value::Array(report.steps.iter().map(step_json).collect()),
    );
    object.extend(details(report));
    Value::Object(object)
}

/// The width of the outcome column of a text line: the longest outcome, `already_done`.
pub(crate) const OUTCOME_WIDTH: usize = 12;

/// The one line of `--output text`: `PROJECT/FILE  OUTCOME  details`, the outcome padded to
/// [`OUTCOME_WIDTH`] and followed by two spaces, so that the details line up and never touch
/// it.
pub(crate) fn to_text(report: &TaskReport, plan: &Plan) -> String {
    let mut line = format!(
        "{}/{}  {:<OUTCOME_WIDTH$}  ",
        report.project_id,
        report.file_id,
        report.outcome.as_str()
    );
    let steps: Vec<String> = report
        .steps
        .iter()
        .map(|step| {
            let request_id = step.request_id.as_deref().unwrap_or("-");
            let mut text = if plan.has_steps() || report.steps.len() > 1 {
                format!("{} {} [{request_id}]", step.kind, step.outcome)
            } else {
                format!("request id {request_id}")
            };
            if let Some(note) = &step.note {
                text.push_str(&format!(" ({note})"));
            }
            text
        })
        .collect();
    line.push_str(&steps.join("; "));
    for (name, value) in details(report) {
        let value = match value {
            Value::String(text) => text,
            other => other.to_string(),
        };
        line.push_str(&format!("  {name}={value}"));
    }
    if let Some(error) = &report.error {
        let failure = Failure::of(error);
        if !steps.is_empty() {
            line.push_str("; ");
        }
        line.push_str(&failure.describe());
    }
    line.truncate(line.trim_end().len());
    line
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
        count(TaskOutcome::Done),
        count(TaskOutcome::AlreadyDone),
        count(TaskOutcome::Failed)
    );
    let (interrupted, not_started) = (
        count(TaskOutcome::Interrupted),
        count(TaskOutcome::NotStarted),
    );
    if interrupted + not_started > 0 {
        text.push_str(&format!(
            ", {interrupted} interrupted, {not_started} not started"
        ));
    }
    let retried: usize = reports.iter().map(TaskReport::retries).sum();
    if retried > 0 {
        text.push_str(&format!(
            " ({retried} retr{} along the way)",
            if retried == 1 { "y" } else { "ies" }
        ));
    }
    let mut failed: Vec<(&TaskReport, Failure)> = reports
        .iter()
        .filter_map(|report| Some((report, Failure::of(report.error.as_ref()?))))
        .collect();
    if failed.is_empty() {
        return text;
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, failure) in &failed {
        *kinds.entry(failure.kind).or_default() += 1;
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(kind, count)| format!("{kind}: {count}"))
        .collect();
    text.push_str(&format!("\nfailed by kind: {}", kinds.join(", ")));
    failed.sort_by_key(|(report, _)| (report.project_id, report.file_id));
    for (report, failure) in failed.iter().take(LISTED_FAILURES) {
        text.push_str(&format!(
            "\n  {}/{}: {}",
            report.project_id,
            report.file_id,
            failure.describe()
        ));
    }
    if failed.len() > LISTED_FAILURES {
        text.push_str(&format!(
            "\n  ... and {} more (--output json lists every task)",
            failed.len() - LISTED_FAILURES
        ));
    }
    text
}

/// The batch's traffic, for the summary: requests sent, the effective rate, throttled
/// answers, and the rate limit in force at the end.
pub(crate) fn traffic(stats: &RateStats, elapsed: Duration) -> String {
    traffic_of(stats.sent, stats.throttled, stats.rate, elapsed)
}

fn traffic_of(sent: u64, throttled: u64, rate: Option<f64>, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let per_second = if seconds > 0.0 {
        sent as f64 / seconds
    } else {
        0.0
    };
    let mut text = format!(
        "{} request{} in {seconds:.1} s ({per_second:.1} per second), {} throttled",
        sent,
        if sent == 1 { "" } else { "s" },
        throttled
    );
    if let Some(rate) = rate {
        text.push_str(&format!("; rate limit {rate:.1} per second at the end"));
    }
    text
}

/// After an interrupt: the ids of the tasks cut short or not started, merged into ranges of at
/// most `di_ids::MAX_RANGE` ids, one per line as `--file-ids-from` reads them. `None` when
/// nothing is left to do.
pub(crate) fn left_to_do(reports: &[TaskReport]) -> Option<String> {
    let left = reports.iter().filter(|report| {
        matches!(
            report.outcome,
            TaskOutcome::Interrupted | TaskOutcome::NotStarted
        )
    });
    let ranges = di_ids::compact(left.map(|report| report.file_id));
    if ranges.is_empty() {
        return None;
    }
    let texts: Vec<String> = ranges.iter().map(ToString::to_string).collect();
    Some(texts.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use di_proto::flow::TaskAction;

    #[test]
    fn a_task_read_shows_its_script_alarms_and_solution() {
        use di_proto::ResponseContext;
        use di_proto::ops::{GetDiSyncTask, Operation};

        let read = |body: &'static str| {
            let response = di_proto::http::Response::builder()
                .header("content-type", "application/json")
                .body(body)
                .unwrap();
            let task = GetDiSyncTask::new(10000, 7)
                .parse_response(&response, &ResponseContext::new())
                .unwrap();
            let mut report = TaskReport::not_started(10000, 7);
            report.task = Some(task);
            details(&report)
        };
        let realtime = read(
            r#"{"RequestId":"r","Data":{"Status":"success","Code":"{\"steps\":[]}",
                "AlarmList":[{"Id":5,"Metric":"bizDelay","AlarmRuleList":[{"Threshold":300}]}],
                "SolutionDetail":null}}"#,
        );
        assert_eq!(realtime["code"], json!({"steps": []}));
        assert_eq!(realtime["alarms"][0]["AlarmRuleList"][0]["Threshold"], 300);
        assert!(!realtime.contains_key("solution"));
        let solution = read(
            r#"{"RequestId":"r","Data":{"Status":"success","AlarmList":[],
                "SolutionDetail":{"Id":7,"Name":"s","Status":"2"}}}"#,
        );
        assert_eq!(solution["solution"]["Name"], "s");
        assert!(!solution.contains_key("code") && !solution.contains_key("alarms"));
    }

    #[test]
    fn not_started_tasks_print_and_are_left_to_do() {
        let plan = Plan::new("teardown", TaskAction::Teardown { stop_first: false });
        let reports: Vec<TaskReport> = [7, 8, 9, 12]
            .into_iter()
            .map(|file_id| TaskReport::not_started(10000, file_id))
            .collect();
        let json = to_json(&reports[0], &plan);
        assert_eq!(json["outcome"], "not_started");
        assert_eq!(json["action"], "teardown");
        assert_eq!(json["steps"], json!([]));
        assert!(json["error"].is_null());
        assert_eq!(to_text(&reports[0], &plan), "10000/7  not_started");
        assert_eq!(worst_exit(&reports), Exit::Interrupted);
        assert_eq!(left_to_do(&reports), Some("7-9\n12".to_owned()));
        assert_eq!(
            summary(&reports),
            "4 tasks: 0 done, 0 already done, 0 failed, 0 interrupted, 4 not started"
        );
        assert_eq!(left_to_do(&[]), None);
    }

    #[test]
    fn the_ids_left_to_do_read_back_through_file_ids_from() {
        // A batch of 100,100 ids (two ranges on the command line) interrupted before it began:
        // one range of them all would be wider than `--file-ids-from` accepts.
        let reports: Vec<TaskReport> = (1..=100_100)
            .map(|file_id| TaskReport::not_started(10000, file_id))
            .collect();
        let left = left_to_do(&reports).unwrap();
        assert_eq!(left, "1-100000\n100001-100100");
        let ranges = di_ids::parse_list(&left, "left").unwrap();
        assert_eq!(di_ids::expand(&ranges).unwrap().len(), 100_100);
    }

    #[test]
    fn traffic_says_the_rate_and_the_throttled_answers() {
        assert_eq!(
            traffic_of(300, 4, Some(47.26), Duration::from_secs(6)),
            "300 requests in 6.0 s (50.0 per second), 4 throttled; rate limit 47.3 per second at the end"
        );
        assert_eq!(
            traffic(&RateStats::default(), Duration::ZERO),
            "0 requests in 0.0 s (0.0 per second), 0 throttled"
        );
    }
}
