//! What a [`super::TaskFlow`] reports: the task's outcome and every step it took.

use std::fmt;

use crate::client::ClientError;
use crate::ops::{DiSyncTaskDetails, InstanceInfo};

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskOutcome {
    /// The service did it now.
    Done,
    /// The task was already where it was asked to go (read from the service's state, or
    /// from the documented answer for a task that does not exist, under
    /// [`super::TaskFlow::ignore_not_found`]).
    AlreadyDone,
    /// It did not happen; the report's `error` says why.
    Failed,
    /// An interrupt stopped the task at a step boundary; its steps say how far it got.
    Interrupted,
    /// An interrupt came before the task started: nothing was sent for it.
    NotStarted,
}

impl TaskOutcome {
    /// `done`, `already_done`, `failed`, `interrupted` or `not_started`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskOutcome::Done => "done",
            TaskOutcome::AlreadyDone => "already_done",
            TaskOutcome::Failed => "failed",
            TaskOutcome::Interrupted => "interrupted",
            TaskOutcome::NotStarted => "not_started",
        }
    }
}

impl fmt::Display for TaskOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one step of a task was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `StopDISyncInstance`.
    Stop,
    /// `StartDISyncInstance`.
    Start,
    /// `TerminateDISyncInstance`.
    Terminate,
    /// `DeleteDISyncTask`.
    Delete,
    /// `DeployDISyncTask`.
    Deploy,
    /// Polls of `GetDISyncInstanceInfo` until the task settled.
    Wait,
    /// One `GetDISyncInstanceInfo` after a refusal, to read the task's state.
    Check,
    /// `GetDISyncInstanceInfo`, asked for.
    ReadStatus,
    /// `GetDISyncTask`, asked for.
    ReadTask,
}

impl StepKind {
    /// `stop`, `start`, `terminate`, `delete`, `deploy`, `wait`, `check`, `status` or `get`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Stop => "stop",
            StepKind::Start => "start",
            StepKind::Terminate => "terminate",
            StepKind::Delete => "delete",
            StepKind::Deploy => "deploy",
            StepKind::Wait => "wait",
            StepKind::Check => "check",
            StepKind::ReadStatus => "status",
            StepKind::ReadTask => "get",
        }
    }

    /// Whether the step changes the task (a stop, start, terminate, delete or deploy).
    pub fn is_change(self) -> bool {
        matches!(
            self,
            StepKind::Stop
                | StepKind::Start
                | StepKind::Terminate
                | StepKind::Delete
                | StepKind::Deploy
        )
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOutcome {
    /// The service did it (or answered, for a read).
    Done,
    /// The task was already there.
    AlreadyDone,
    /// It did not happen.
    Failed,
}

impl StepOutcome {
    /// `done`, `already_done` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepOutcome::Done => "done",
            StepOutcome::AlreadyDone => "already_done",
            StepOutcome::Failed => "failed",
        }
    }
}

impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a task: a call (or, for a wait, its polls) and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepRecord {
    /// What the step was.
    pub kind: StepKind,
    /// The API action it called.
    pub action: &'static str,
    /// How it ended.
    pub outcome: StepOutcome,
    /// The request id of the answer that decided it, when one did.
    pub request_id: Option<String>,
    /// Why each retry of its calls happened, oldest first.
    pub retries: Vec<String>,
    /// What else to know: the status a wait or a check saw, why a step counts as already
    /// done, the service's message of a refusal.
    pub note: Option<String>,
}

/// What a [`super::TaskFlow`] did to one task: its outcome, every step it took (including a
/// failed one, and all those before a failure), and what it read.
#[derive(Debug)]
#[non_exhaustive]
#[must_use]
pub struct TaskReport {
    /// The workspace.
    pub project_id: i64,
    /// The task.
    pub file_id: i64,
    /// How it ended.
    pub outcome: TaskOutcome,
    /// The steps, in order.
    pub steps: Vec<StepRecord>,
    /// Why it failed (for [`TaskOutcome::Failed`]).
    pub error: Option<ClientError>,
    /// The last run status read (a wait's last poll, a check, or a status read).
    pub instance: Option<InstanceInfo>,
    /// The task's details, for a `GetDISyncTask` read.
    pub task: Option<DiSyncTaskDetails>,
}

impl TaskReport {
    /// The report of a task that an interrupt kept from starting.
    pub fn not_started(project_id: i64, file_id: i64) -> Self {
        TaskReport::new(project_id, file_id, TaskOutcome::NotStarted)
    }

    pub(crate) fn new(project_id: i64, file_id: i64, outcome: TaskOutcome) -> Self {
        TaskReport {
            project_id,
            file_id,
            outcome,
            steps: Vec::new(),
            error: None,
            instance: None,
            task: None,
        }
    }

    /// Whether the task is where it was asked to go (done or already done).
    pub fn is_success(&self) -> bool {
        matches!(self.outcome, TaskOutcome::Done | TaskOutcome::AlreadyDone)
    }

    /// The request id to quote: the failure's, else the last step's.
    pub fn request_id(&self) -> Option<&str> {
        self.error
            .as_ref()
            .and_then(ClientError::request_id)
            .or_else(|| {
                self.steps
                    .iter()
                    .rev()
                    .find_map(|step| step.request_id.as_deref())
            })
    }

    /// The report, or the error that ended the task (its steps dropped); an interrupted or
    /// not started task is [`ClientError::Interrupted`].
    ///
    /// # Errors
    /// The task's error, as above.
    pub fn into_result(mut self) -> Result<TaskReport, ClientError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        match self.outcome {
            TaskOutcome::Interrupted | TaskOutcome::NotStarted => Err(ClientError::Interrupted {
                action: self.steps.last().map_or("", |step| step.action).to_owned(),
            }),
            _ => Ok(self),
        }
    }

    /// The step of `kind`, the last one when there are several.
    pub fn step(&self, kind: StepKind) -> Option<&StepRecord> {
        self.steps.iter().rev().find(|step| step.kind == kind)
    }

    /// Retries over every step.
    pub fn retries(&self) -> usize {
        self.steps.iter().map(|step| step.retries.len()).sum()
    }
}
