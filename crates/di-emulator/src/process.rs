//! The asynchronous config processes: `GenerateDISyncTaskConfigForCreating` and
//! `GenerateDISyncTaskConfigForUpdating` start one and answer its `ProcessId`;
//! `QueryDISyncTaskConfigProcessResult` reports it running until the configured delay has
//! passed on the emulator's clock ([`Config::with_process_delay`](crate::Config::with_process_delay)),
//! then `success` with the generated script (`TaskContent`), or `fail` with a `Message` when
//! its `TaskParam` is not a JSON object.
//!
//! The generated script is what `CreateDISyncTask` (for a process for creating) and
//! `UpdateDISyncTask` (for a process for updating that task) take; `UpdateDISyncTask` of a
//! real-time task or solution takes nothing else ([`Processes::generated_for`]).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::state::{DEFAULT_DESTINATION, DEFAULT_SOURCE, TaskType};

/// `Data.Status` of a process that has not finished yet. The documentation lists only
/// `success` and `fail` for `QueryDISyncTaskConfigProcessResult`, and does not say what it
/// answers meanwhile: this value is the emulator's, undocumented, so a client must read
/// anything but `success` and `fail` as "still running" and poll again.
pub const PROCESS_RUNNING: &str = "running";

/// The first `ProcessId` handed out.
const FIRST_PROCESS_ID: i64 = 1;

/// What a process generates a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A new task (`GenerateDISyncTaskConfigForCreating`).
    Creating,
    /// Task `file_id` (`GenerateDISyncTaskConfigForUpdating`'s `TaskId`).
    Updating { file_id: i64 },
}

/// One process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Process {
    pub(crate) project_id: i64,
    pub(crate) task_type: TaskType,
    pub(crate) purpose: Purpose,
    /// When it finishes, on the emulator's clock.
    pub(crate) ready_at: Duration,
    /// The generated script, or why there is none.
    pub(crate) outcome: Result<String, String>,
}

/// What [`Processes::query`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Not finished yet.
    Running,
    /// Finished: the script.
    Succeeded(String),
    /// Finished without a script: why.
    Failed(String),
}

/// Every process, and the `ClientToken`s of the calls that started them.
#[derive(Debug, Default)]
pub(crate) struct Processes {
    by_id: HashMap<i64, Process>,
    /// `(project id, token)` to the process its first call started.
    tokens: HashMap<(i64, String), i64>,
    last_id: i64,
}

impl Processes {
    /// Starts a process (at `uptime`, finishing `delay` later) generating a script of
    /// `task_type` for `purpose` from `task_param`, and returns its id; a repeat of a call
    /// with the same `ClientToken` in the workspace returns the first call's process.
    pub(crate) fn start(
        &mut self,
        project_id: i64,
        task_type: TaskType,
        purpose: Purpose,
        task_param: &str,
        client_token: Option<&str>,
        ready_at: Duration,
    ) -> i64 {
        let token = client_token.map(|token| (project_id, token.to_owned()));
        if let Some(id) = token.as_ref().and_then(|token| self.tokens.get(token)) {
            return *id;
        }
        let id = self.last_id.max(FIRST_PROCESS_ID - 1) + 1;
        self.last_id = id;
        let outcome = generate(id, task_type, purpose, task_param);
        self.by_id.insert(
            id,
            Process {
                project_id,
                task_type,
                purpose,
                ready_at,
                outcome,
            },
        );
        if let Some(token) = token {
            self.tokens.insert(token, id);
        }
        id
    }

    /// Where process `id` of workspace `project_id` and type `task_type` stands at `uptime`;
    /// `None` for a process that does not exist (or belongs to another workspace or type).
    pub(crate) fn query(
        &self,
        project_id: i64,
        task_type: TaskType,
        id: i64,
        uptime: Duration,
    ) -> Option<Progress> {
        let process = self
            .by_id
            .get(&id)
            .filter(|process| process.project_id == project_id && process.task_type == task_type)?;
        if uptime < process.ready_at {
            return Some(Progress::Running);
        }
        Some(match &process.outcome {
            Ok(script) => Progress::Succeeded(script.clone()),
            Err(message) => Progress::Failed(message.clone()),
        })
    }

    /// Whether `content` is the script a finished process for updating task `file_id` (of
    /// workspace `project_id` and type `task_type`) generated: what `UpdateDISyncTask`
    /// requires of a real-time task or a solution.
    pub(crate) fn generated_for(
        &self,
        project_id: i64,
        task_type: TaskType,
        file_id: i64,
        content: &str,
        uptime: Duration,
    ) -> bool {
        self.by_id.values().any(|process| {
            process.project_id == project_id
                && process.task_type == task_type
                && process.purpose == Purpose::Updating { file_id }
                && uptime >= process.ready_at
                && process.outcome.as_deref() == Ok(content)
        })
    }
}

/// The script process `id` generates from `task_param`, or why it cannot: a job whose steps
/// are `task_param`'s `steps` when it has an array of them (else a MySQL reader and a
/// MaxCompute writer on the default data sources, or on `task_param`'s `source` /
/// `destination` names when given), with `task_param` kept under `extend.taskParam` and the
/// process id under `extend.processId`, so that every process generates its own script.
fn generate(
    id: i64,
    task_type: TaskType,
    purpose: Purpose,
    task_param: &str,
) -> Result<String, String> {
    let param = match serde_json::from_str::<Value>(task_param) {
        Ok(Value::Object(param)) => param,
        _ => return Err("TaskParam must be a JSON object.".to_owned()),
    };
    let name = |key: &str, default: &str| {
        param
            .get(key)
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .unwrap_or(default)
            .to_owned()
    };
    let steps = match param.get("steps") {
        Some(Value::Array(steps)) => Value::Array(steps.clone()),
        _ => json!([
            {
                "stepType": "mysql",
                "category": "reader",
                "name": "Reader",
                "parameter": {"datasource": name("source", DEFAULT_SOURCE)},
            },
            {
                "stepType": "odps",
                "category": "writer",
                "name": "Writer",
                "parameter": {"datasource": name("destination", DEFAULT_DESTINATION)},
            },
        ]),
    };
    let mut extend = json!({
        "processId": id,
        "taskType": task_type.as_str(),
        "taskParam": Value::Object(param),
    });
    if let (Purpose::Updating { file_id }, Value::Object(extend)) = (purpose, &mut extend) {
        extend.insert("fileId".to_owned(), Value::from(file_id));
    }
    Ok(json!({
        "type": "job",
        "version": "2.0",
        "steps": steps,
        "setting": {"speed": {"concurrent": 2}},
        "extend": extend,
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Duration = Duration::from_secs(10);

    #[test]
    fn runs_until_ready_then_reports_its_script_once_per_process() {
        let mut processes = Processes::default();
        let param = r#"{"source":"orders_db","destination":"warehouse"}"#;
        let id = processes.start(1, TaskType::DiRealtime, Purpose::Creating, param, None, AT);
        assert_eq!(id, 1);
        let before = AT - Duration::from_millis(1);
        assert_eq!(
            processes.query(1, TaskType::DiRealtime, id, before),
            Some(Progress::Running)
        );
        let Some(Progress::Succeeded(script)) = processes.query(1, TaskType::DiRealtime, id, AT)
        else {
            panic!("finished at its time");
        };
        let script: Value = serde_json::from_str(&script).unwrap();
        assert_eq!(script["steps"][0]["parameter"]["datasource"], "orders_db");
        assert_eq!(script["steps"][1]["parameter"]["datasource"], "warehouse");
        assert_eq!(script["extend"]["processId"], 1);
        // Another workspace, type or id: none.
        assert_eq!(processes.query(2, TaskType::DiRealtime, id, AT), None);
        assert_eq!(processes.query(1, TaskType::DiSolution, id, AT), None);
        assert_eq!(processes.query(1, TaskType::DiRealtime, 2, AT), None);
        // Each process its own script.
        let other = processes.start(1, TaskType::DiRealtime, Purpose::Creating, param, None, AT);
        assert_eq!(other, 2);
        assert_ne!(
            processes.query(1, TaskType::DiRealtime, 1, AT),
            processes.query(1, TaskType::DiRealtime, 2, AT)
        );
    }

    #[test]
    fn a_task_param_that_is_no_object_fails_and_tokens_repeat() {
        let mut processes = Processes::default();
        for bad in ["[]", "1", "not json", ""] {
            let id = processes.start(1, TaskType::DiSolution, Purpose::Creating, bad, None, AT);
            assert_eq!(
                processes.query(1, TaskType::DiSolution, id, AT),
                Some(Progress::Failed(
                    "TaskParam must be a JSON object.".to_owned()
                )),
                "{bad}"
            );
        }
        let first = processes.start(
            1,
            TaskType::DiRealtime,
            Purpose::Creating,
            "{}",
            Some("t"),
            AT,
        );
        let again = processes.start(
            1,
            TaskType::DiRealtime,
            Purpose::Creating,
            "{}",
            Some("t"),
            AT,
        );
        assert_eq!(first, again);
        let elsewhere = processes.start(
            2,
            TaskType::DiRealtime,
            Purpose::Creating,
            "{}",
            Some("t"),
            AT,
        );
        assert_ne!(first, elsewhere);
    }

    #[test]
    fn only_a_finished_update_process_for_the_task_vouches_for_its_script() {
        let mut processes = Processes::default();
        let updating = Purpose::Updating { file_id: 100 };
        let id = processes.start(1, TaskType::DiRealtime, updating, "{}", None, AT);
        let creating = processes.start(1, TaskType::DiRealtime, Purpose::Creating, "{}", None, AT);
        let script = |id| match processes.query(1, TaskType::DiRealtime, id, AT) {
            Some(Progress::Succeeded(script)) => script,
            other => panic!("{other:?}"),
        };
        let (update_script, create_script) = (script(id), script(creating));
        let vouched = |file, content: &str, at| {
            processes.generated_for(1, TaskType::DiRealtime, file, content, at)
        };
        assert!(vouched(100, &update_script, AT));
        assert!(!vouched(100, &update_script, AT - Duration::from_millis(1)));
        assert!(!vouched(101, &update_script, AT));
        assert!(!vouched(100, &create_script, AT));
        assert!(!vouched(100, r#"{"steps":[]}"#, AT));
        assert!(!processes.generated_for(1, TaskType::DiSolution, 100, &update_script, AT));
    }
}
