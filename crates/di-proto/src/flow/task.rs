//! [`TaskFlow`]: what a tool does to one task, as one flow.
//!
//! See [`TaskFlow`].

use crate::ops::TaskType;
use std::collections::VecDeque;
use std::time::Duration;

use super::report::{StepKind, StepOutcome, StepRecord, TaskOutcome, TaskReport};
use super::{Action, CallFlow, Child, Event, Events, Flow, Input, WaitFlow, drive};
use crate::client::ClientError;
use crate::error::{FailureReason, TaskFailure};
use crate::ops::declare::Declared;
use crate::ops::{
    ChangeOutcome, ChangeResponse, DeleteDiSyncTask, DeployDiSyncTask, GetDiSyncInstanceInfo,
    GetDiSyncTask, InstanceInfo, InstanceStatus, Operation, StartDiSyncInstance,
    StopDiSyncInstance, TerminateDiSyncInstance,
};
use crate::retry::{Idempotency, RetryPolicy};
use crate::wait::{WaitFor, WaitPolicy};
use crate::{Error, ResponseContext, RpcRequest, Signer, Timestamp};

/// How many times one change is sent again after the task settled, at most.
const MAX_SETTLE_RETRIES: u32 = 20;

/// What a [`TaskFlow`] does to its task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskAction {
    /// Terminate, wait until the task settles, delete; with `stop_first`, stop and wait until
    /// stopped before that.
    Teardown {
        /// Stop the task (and wait until it is stopped) first.
        stop_first: bool,
    },
    /// `TerminateDISyncInstance` (with [`TaskFlow::with_wait`]: then wait until stopped).
    Terminate,
    /// `DeleteDISyncTask`.
    Delete,
    /// `StopDISyncInstance` (with [`TaskFlow::with_wait`]: then wait until stopped).
    Stop,
    /// `StartDISyncInstance`, with its `StartParam` when given (with [`TaskFlow::with_wait`]:
    /// then wait until running).
    Start {
        /// The `StartParam` JSON object.
        start_param: Option<String>,
    },
    /// `DeployDISyncTask`.
    Deploy,
    /// `GetDISyncInstanceInfo`: the run status.
    ReadStatus,
    /// `GetDISyncTask`: the script.
    ReadTask,
}

impl TaskAction {
    /// The name a report gives the action: `teardown` for a teardown (several calls), the
    /// API action otherwise (`TerminateDISyncInstance`, `GetDISyncInstanceInfo`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            TaskAction::Teardown { .. } => "teardown",
            TaskAction::Terminate => TerminateDiSyncInstance::ACTION,
            TaskAction::Delete => DeleteDiSyncTask::ACTION,
            TaskAction::Stop => StopDiSyncInstance::ACTION,
            TaskAction::Start { .. } => StartDiSyncInstance::ACTION,
            TaskAction::Deploy => DeployDiSyncTask::ACTION,
            TaskAction::ReadStatus => GetDiSyncInstanceInfo::ACTION,
            TaskAction::ReadTask => GetDiSyncTask::ACTION,
        }
    }
}

/// A change of the task's state, the stages of a [`TaskFlow`] are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Stop,
    Start,
    Terminate,
    Delete,
    Deploy,
}

impl Change {
    fn kind(self) -> StepKind {
        match self {
            Change::Stop => StepKind::Stop,
            Change::Start => StepKind::Start,
            Change::Terminate => StepKind::Terminate,
            Change::Delete => StepKind::Delete,
            Change::Deploy => StepKind::Deploy,
        }
    }

    fn action(self) -> &'static str {
        match self {
            Change::Stop => StopDiSyncInstance::ACTION,
            Change::Start => StartDiSyncInstance::ACTION,
            Change::Terminate => TerminateDiSyncInstance::ACTION,
            Change::Delete => DeleteDiSyncTask::ACTION,
            Change::Deploy => DeployDiSyncTask::ACTION,
        }
    }

    /// Whether a task at rest in `status` is where this change takes it. A delete and a
    /// deploy have no such status: a task that exists is not deleted, and no status says
    /// that a task is deployed.
    fn reached(self, status: &InstanceStatus) -> bool {
        match self {
            Change::Stop => status.is_stopped(),
            Change::Start => *status == InstanceStatus::Run,
            Change::Terminate => *status == InstanceStatus::NoRun,
            Change::Delete | Change::Deploy => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Change(Change),
    Wait(WaitFor),
    ReadStatus,
    ReadTask,
}

/// The operation of a change, one type for the five.
#[derive(Debug, Clone)]
enum ChangeOp {
    Stop(StopDiSyncInstance),
    Start(StartDiSyncInstance),
    Terminate(TerminateDiSyncInstance),
    Delete(DeleteDiSyncTask),
    Deploy(DeployDiSyncTask),
}

impl Operation for ChangeOp {
    type Output = ChangeResponse;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        match self {
            ChangeOp::Stop(op) => op.to_rpc_request(),
            ChangeOp::Start(op) => op.to_rpc_request(),
            ChangeOp::Terminate(op) => op.to_rpc_request(),
            ChangeOp::Delete(op) => op.to_rpc_request(),
            ChangeOp::Deploy(op) => op.to_rpc_request(),
        }
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<ChangeResponse, Error> {
        match self {
            ChangeOp::Stop(op) => op.parse_response(response, context),
            ChangeOp::Start(op) => op.parse_response(response, context),
            ChangeOp::Terminate(op) => op.parse_response(response, context),
            ChangeOp::Delete(op) => op.parse_response(response, context),
            ChangeOp::Deploy(op) => op.parse_response(response, context),
        }
    }
}

/// A change the service refused for a reason it did not document, with the retries of its
/// call, while the flow finds out what the task's state says.
#[derive(Debug)]
struct Refusal {
    failure: Box<TaskFailure>,
    retries: Vec<String>,
    /// Where its step goes in the report once decided: where it was sent, before the state
    /// reads that decide it.
    index: usize,
}

/// What the flow is doing now.
#[derive(Debug)]
enum Current {
    /// Between stages.
    Idle,
    /// Sending a change.
    Change(Change, CallFlow<ChangeOp>),
    /// Reading the state after a refusal of the change.
    Check(Change, Refusal, CallFlow<GetDiSyncInstanceInfo>),
    /// Waiting for a task seen changing state to settle, before the change goes again.
    Settle(Change, Refusal, WaitFlow),
    /// A wait stage.
    Wait(WaitFlow),
    /// A status read.
    ReadStatus(CallFlow<GetDiSyncInstanceInfo>),
    /// A task read.
    ReadTask(CallFlow<GetDiSyncTask>),
}

/// What a tool does to one task: a teardown, a stop, a start, a terminate or a delete, with
/// the waits they need, or a read; as one [`Flow`] whose output is a [`TaskReport`].
///
/// A task flow is a list of stages (a change, a wait, a read) run in order. A change that the
/// service refuses is never judged by the words of its message, except for the one documented
/// text, `fileId:[N] is invalid.` (the task does not exist). After any other refusal the flow
/// reads the task's state (`GetDISyncInstanceInfo`) and decides from it:
///
/// - the task is changing state (`KILLING` or `WAIT`): wait until it settles, then, unless it
///   settled where the change takes it, send the change again; all within the wait deadline;
/// - the task is at rest where the change takes it (`PAUSE` or `NORUN` for a stop, `RUN` for a
///   start, `NORUN` for a terminate): already done;
/// - the task is at rest elsewhere, or the change has no state that shows it done (a delete, a
///   deploy): the refusal stands, and the task failed;
/// - the task does not exist: as for the documented text.
///
/// A task that does not exist fails (its error is [`crate::Error::TaskFailed`] with
/// [`FailureReason::TaskNotFound`]), unless [`TaskFlow::ignore_not_found`] makes it already
/// done; a delete whose earlier attempt got no answer and whose task is now gone is already
/// done either way. In a teardown, only the delete's answer says so: a stop, a terminate or a
/// wait that finds no task is a step with nothing to do, and the delete goes next (the docs
/// give `fileId:[N] is invalid.` as the sample answer of all three changes, and do not say
/// that it means the task is gone).
///
/// ```
/// use std::time::Duration;
/// use di_proto::flow::{TaskAction, TaskFlow};
/// use di_proto::wait::WaitPolicy;
///
/// let teardown = TaskFlow::new(10000, 100, TaskAction::Teardown { stop_first: false })
///     .with_wait_policy(WaitPolicy::default().with_timeout(Duration::from_secs(120)))
///     .ignore_not_found(true);
/// # let _ = teardown;
/// ```
#[derive(Debug)]
pub struct TaskFlow {
    project_id: i64,
    file_id: i64,
    task_type: TaskType,
    action: TaskAction,
    stages: VecDeque<Stage>,
    retry: RetryPolicy,
    wait: WaitPolicy,
    wait_after: bool,
    ignore_not_found: bool,
    current: Current,
    report: TaskReport,
    started: Option<Duration>,
    settle_retries: u32,
    clock_offset: i64,
    interrupted: bool,
    finished: bool,
    events: Events,
}

impl TaskFlow {
    /// `action` on task `file_id` of `project_id`, with the default retry and wait policies.
    pub fn new(project_id: i64, file_id: i64, action: TaskAction) -> Self {
        TaskFlow {
            project_id,
            file_id,
            task_type: TaskType::DiRealtime,
            action,
            stages: VecDeque::new(),
            retry: RetryPolicy::default(),
            wait: WaitPolicy::default(),
            wait_after: false,
            ignore_not_found: false,
            current: Current::Idle,
            report: TaskReport::new(project_id, file_id, TaskOutcome::Done),
            started: None,
            settle_retries: 0,
            clock_offset: 0,
            interrupted: false,
            finished: false,
            events: Events::new(),
        }
    }

    /// Acts on a task of `task_type`: `DI_REALTIME` (the default), or `DI_SOLUTION` for the
    /// actions a solution takes (deploy, start, and reading its status or details). A stop,
    /// terminate or delete of anything but `DI_REALTIME` ends the task with
    /// [`Error::UnsupportedTaskType`] before anything is sent.
    #[must_use]
    pub fn with_task_type(mut self, task_type: TaskType) -> Self {
        self.task_type = task_type;
        self
    }

    /// The retry policy of each call.
    #[must_use]
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How to poll while waiting, and the deadline of all the task's waiting together (the
    /// policy's timeout, from the task's start): the waits, and the changes sent again after
    /// the task settled. A deadline that runs out is [`ClientError::WaitTimedOut`].
    #[must_use]
    pub fn with_wait_policy(mut self, wait: WaitPolicy) -> Self {
        self.wait = wait;
        self
    }

    /// After a stop, start or terminate, wait until the task is stopped (or running). A
    /// teardown always waits where it must.
    #[must_use]
    pub fn with_wait(mut self, wait: bool) -> Self {
        self.wait_after = wait;
        self
    }

    /// A task that does not exist (`fileId:[N] is invalid.`) is already done, not failed.
    #[must_use]
    pub fn ignore_not_found(mut self, ignore: bool) -> Self {
        self.ignore_not_found = ignore;
        self
    }

    /// The request of each stage, in order, as the flow would first send it (a wait shows as
    /// its first poll; the state reads and repeats a refusal may lead to are not listed): for
    /// a dry run.
    ///
    /// # Errors
    /// The operations' argument errors (ids that are not positive, a bad `StartParam`).
    pub fn requests(&self) -> Result<Vec<RpcRequest>, Error> {
        let info = || self.info_op().to_rpc_request();
        self.plan()
            .into_iter()
            .map(|stage| match stage {
                Stage::Change(change) => self.change_op(change).to_rpc_request(),
                Stage::Wait(_) | Stage::ReadStatus => info(),
                Stage::ReadTask => self.task_op().to_rpc_request(),
            })
            .collect()
    }

    fn plan(&self) -> VecDeque<Stage> {
        use Stage::{Change as C, Wait as W};
        let wait = |stage| self.wait_after.then_some(stage);
        let stages: Vec<Option<Stage>> = match &self.action {
            TaskAction::Teardown { stop_first } => vec![
                stop_first.then_some(C(Change::Stop)),
                stop_first.then_some(W(WaitFor::Stopped)),
                Some(C(Change::Terminate)),
                Some(W(WaitFor::Settled)),
                Some(C(Change::Delete)),
            ],
            TaskAction::Terminate => vec![Some(C(Change::Terminate)), wait(W(WaitFor::Stopped))],
            TaskAction::Delete => vec![Some(C(Change::Delete))],
            TaskAction::Stop => vec![Some(C(Change::Stop)), wait(W(WaitFor::Stopped))],
            TaskAction::Start { .. } => vec![Some(C(Change::Start)), wait(W(WaitFor::Running))],
            TaskAction::Deploy => vec![Some(C(Change::Deploy))],
            TaskAction::ReadStatus => vec![Some(Stage::ReadStatus)],
            TaskAction::ReadTask => vec![Some(Stage::ReadTask)],
        };
        stages.into_iter().flatten().collect()
    }

    fn info_op(&self) -> GetDiSyncInstanceInfo {
        GetDiSyncInstanceInfo::new(self.project_id, self.file_id).with_task_type(self.task_type)
    }

    fn task_op(&self) -> GetDiSyncTask {
        GetDiSyncTask::new(self.project_id, self.file_id).with_task_type(self.task_type)
    }

    /// The error of a change that does not take the flow's task type (stop, terminate and
    /// delete have no task type to set, so the flow checks its own against the set they
    /// declare; the others check theirs when signed).
    fn unsupported(&self, change: Change) -> Option<Error> {
        let accepted = match change {
            Change::Stop => <StopDiSyncInstance as Declared>::TASK_TYPES,
            Change::Terminate => <TerminateDiSyncInstance as Declared>::TASK_TYPES,
            Change::Delete => <DeleteDiSyncTask as Declared>::TASK_TYPES,
            Change::Start | Change::Deploy => return None,
        };
        (!accepted.contains(&self.task_type)).then_some(Error::UnsupportedTaskType {
            action: change.action(),
            task_type: self.task_type,
            accepted,
        })
    }

    fn change_op(&self, change: Change) -> ChangeOp {
        let (project, file) = (self.project_id, self.file_id);
        match change {
            Change::Stop => ChangeOp::Stop(StopDiSyncInstance::new(project, file)),
            Change::Start => {
                let start = StartDiSyncInstance::new(project, file).with_task_type(self.task_type);
                ChangeOp::Start(match &self.action {
                    TaskAction::Start {
                        start_param: Some(param),
                    } => start.with_start_param(param.clone()),
                    _ => start,
                })
            }
            Change::Terminate => ChangeOp::Terminate(TerminateDiSyncInstance::new(project, file)),
            Change::Delete => ChangeOp::Delete(DeleteDiSyncTask::new(project, file)),
            Change::Deploy => ChangeOp::Deploy(
                DeployDiSyncTask::new(project, file).with_task_type(self.task_type),
            ),
        }
    }

    /// What is left of the task's waiting deadline at `now`.
    fn time_left(&self, now: Duration) -> Duration {
        let started = self.started.unwrap_or(now);
        self.wait
            .timeout()
            .saturating_sub(now.saturating_sub(started))
    }

    fn wait_flow(&self, wait_for: WaitFor, now: Duration) -> WaitFlow {
        let mut flow = WaitFlow::new(
            self.project_id,
            self.file_id,
            wait_for,
            self.wait.with_timeout(self.time_left(now)),
            self.retry,
        )
        .with_task_type(self.task_type);
        flow.set_clock_offset(self.clock_offset);
        flow
    }

    fn call<O: Operation>(&self, operation: O) -> CallFlow<O> {
        let mut flow = CallFlow::new(operation, self.retry);
        flow.set_clock_offset(self.clock_offset);
        flow
    }

    fn record(
        &mut self,
        kind: StepKind,
        action: &'static str,
        outcome: StepOutcome,
        request_id: Option<String>,
        retries: Vec<String>,
        note: Option<String>,
    ) {
        let step = StepRecord {
            kind,
            action,
            outcome,
            request_id,
            retries,
            note,
        };
        self.events.push_back(Event::Step(step.clone()));
        self.report.steps.push(step);
    }

    /// Ends the task. `error` decides a failure; otherwise the outcome is `outcome`, or the
    /// last change's.
    fn finish(
        &mut self,
        outcome: Option<TaskOutcome>,
        error: Option<ClientError>,
    ) -> Action<TaskReport> {
        self.finished = true;
        self.current = Current::Idle;
        let outcome = match (&error, outcome) {
            (Some(ClientError::Interrupted { .. }), _) => TaskOutcome::Interrupted,
            (Some(_), _) => TaskOutcome::Failed,
            (None, Some(outcome)) => outcome,
            (None, None) => match self
                .report
                .steps
                .iter()
                .rev()
                .find(|step| step.kind.is_change())
            {
                Some(step) if step.outcome == StepOutcome::AlreadyDone => TaskOutcome::AlreadyDone,
                _ => TaskOutcome::Done,
            },
        };
        let mut report = std::mem::replace(
            &mut self.report,
            TaskReport::new(self.project_id, self.file_id, TaskOutcome::Failed),
        );
        report.outcome = outcome;
        report.error = match error {
            Some(ClientError::Interrupted { .. }) => None,
            error => error,
        };
        Action::Done(report)
    }

    /// A step that failed with `error`, which ends the task.
    fn fail(
        &mut self,
        kind: StepKind,
        action: &'static str,
        retries: Vec<String>,
        error: ClientError,
    ) -> Action<TaskReport> {
        self.fail_after(kind, action, retries, error, None)
    }

    /// As [`TaskFlow::fail`], for a step whose last answer (`last_request_id`, a wait's last
    /// poll) is not the error's.
    fn fail_after(
        &mut self,
        kind: StepKind,
        action: &'static str,
        retries: Vec<String>,
        error: ClientError,
        last_request_id: Option<String>,
    ) -> Action<TaskReport> {
        if matches!(error, ClientError::Interrupted { .. }) {
            return self.finish(None, Some(error));
        }
        let request_id = error.request_id().map(str::to_owned).or(last_request_id);
        // The task's error says why; the step need not say it again.
        self.record(kind, action, StepOutcome::Failed, request_id, retries, None);
        self.finish(None, Some(error))
    }

    /// The task does not exist, as `failure` (the documented answer) says: before a teardown's
    /// delete, the delete decides ([`TaskFlow::on_to_the_delete`]); otherwise the task fails,
    /// or is already done under [`TaskFlow::ignore_not_found`].
    fn not_found(
        &mut self,
        kind: StepKind,
        action: &'static str,
        retries: Vec<String>,
        failure: Box<TaskFailure>,
    ) -> Step {
        let deleting = self.on_to_the_delete();
        let note = if deleting {
            let nothing_to = if kind == StepKind::Wait {
                "wait for"
            } else {
                "change"
            };
            format!(
                "{:?}: nothing to {nothing_to}; the delete decides whether the task exists",
                failure.message
            )
        } else if self.ignore_not_found {
            format!("the task does not exist ({:?})", failure.message)
        } else {
            return Step::Act(self.fail(
                kind,
                action,
                retries,
                ClientError::Api(Error::TaskFailed(failure)),
            ));
        };
        let request_id = Some(failure.request_id.clone());
        self.record(
            kind,
            action,
            StepOutcome::AlreadyDone,
            request_id,
            retries,
            Some(note),
        );
        if deleting {
            Step::Next
        } else {
            Step::Act(self.finish(Some(TaskOutcome::AlreadyDone), None))
        }
    }

    /// Whether a teardown's delete is still to come; if so, drops the stages before it, so
    /// that it goes next. The documented `fileId:[N] is invalid.` is the sample answer of a
    /// stop, a terminate and a delete alike, and the docs do not say that it means the task
    /// is gone: before the delete, it only means there is nothing to stop, terminate or wait
    /// for, and the delete's own answer decides whether the task exists.
    fn on_to_the_delete(&mut self) -> bool {
        let delete = Stage::Change(Change::Delete);
        if !matches!(self.action, TaskAction::Teardown { .. }) || !self.stages.contains(&delete) {
            return false;
        }
        while self.stages.front().is_some_and(|stage| *stage != delete) {
            self.stages.pop_front();
        }
        true
    }

    /// Starts the next stage, or ends the task when there is none.
    fn start_stage(&mut self, now: Duration) -> Step {
        let Some(stage) = self.stages.pop_front() else {
            return Step::Act(self.finish(None, None));
        };
        if self.interrupted {
            let interrupted = ClientError::Interrupted {
                action: String::new(),
            };
            return Step::Act(self.finish(None, Some(interrupted)));
        }
        if let Stage::Change(change) = stage
            && let Some(error) = self.unsupported(change)
        {
            return Step::Act(self.finish(None, Some(ClientError::Api(error))));
        }
        Step::Start(Box::new(match stage {
            Stage::Change(change) => Current::Change(change, self.call(self.change_op(change))),
            Stage::Wait(wait_for) => Current::Wait(self.wait_flow(wait_for, now)),
            Stage::ReadStatus => Current::ReadStatus(self.call(self.info_op())),
            Stage::ReadTask => Current::ReadTask(self.call(self.task_op())),
        }))
    }

    /// Drives the current child with `input`; on its end, decides what comes next.
    fn step<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Step {
        let current = std::mem::replace(&mut self.current, Current::Idle);
        match current {
            Current::Idle => self.start_stage(now),
            Current::Change(change, mut call) => {
                match drive(&mut call, now, input, &mut self.events) {
                    Child::Pass(pass) => {
                        self.current = Current::Change(change, call);
                        Step::Act(pass.into_action())
                    }
                    Child::Done(result) => {
                        self.clock_offset = call.clock_offset();
                        self.changed(change, call.retries().to_vec(), result)
                    }
                }
            }
            Current::Check(change, refusal, mut call) => {
                match drive(&mut call, now, input, &mut self.events) {
                    Child::Pass(pass) => {
                        self.current = Current::Check(change, refusal, call);
                        Step::Act(pass.into_action())
                    }
                    Child::Done(result) => {
                        self.clock_offset = call.clock_offset();
                        self.checked(now, change, refusal, call.retries().to_vec(), result)
                    }
                }
            }
            Current::Settle(change, refusal, mut wait) => {
                match drive(&mut wait, now, input, &mut self.events) {
                    Child::Pass(pass) => {
                        self.current = Current::Settle(change, refusal, wait);
                        Step::Act(pass.into_action())
                    }
                    Child::Done(result) => {
                        self.clock_offset = wait.clock_offset();
                        self.settled(change, refusal, &mut wait, result)
                    }
                }
            }
            Current::Wait(mut wait) => match drive(&mut wait, now, input, &mut self.events) {
                Child::Pass(pass) => {
                    self.current = Current::Wait(wait);
                    Step::Act(pass.into_action())
                }
                Child::Done(result) => {
                    self.clock_offset = wait.clock_offset();
                    self.waited(&mut wait, result)
                }
            },
            Current::ReadStatus(mut call) => match drive(&mut call, now, input, &mut self.events) {
                Child::Pass(pass) => {
                    self.current = Current::ReadStatus(call);
                    Step::Act(pass.into_action())
                }
                Child::Done(result) => {
                    self.clock_offset = call.clock_offset();
                    let retries = call.retries().to_vec();
                    match result {
                        Ok(info) => {
                            self.record(
                                StepKind::ReadStatus,
                                GetDiSyncInstanceInfo::ACTION,
                                StepOutcome::Done,
                                Some(info.request_id.clone()),
                                retries,
                                Some(format!("status {}", info.status)),
                            );
                            self.report.instance = Some(info);
                            Step::Next
                        }
                        Err(error) => self.failed_call(
                            StepKind::ReadStatus,
                            GetDiSyncInstanceInfo::ACTION,
                            retries,
                            error,
                        ),
                    }
                }
            },
            Current::ReadTask(mut call) => match drive(&mut call, now, input, &mut self.events) {
                Child::Pass(pass) => {
                    self.current = Current::ReadTask(call);
                    Step::Act(pass.into_action())
                }
                Child::Done(result) => {
                    self.clock_offset = call.clock_offset();
                    let retries = call.retries().to_vec();
                    match result {
                        Ok(details) => {
                            self.record(
                                StepKind::ReadTask,
                                GetDiSyncTask::ACTION,
                                StepOutcome::Done,
                                Some(details.request_id.clone()),
                                retries,
                                None,
                            );
                            self.report.task = Some(details);
                            Step::Next
                        }
                        Err(error) => self.failed_call(
                            StepKind::ReadTask,
                            GetDiSyncTask::ACTION,
                            retries,
                            error,
                        ),
                    }
                }
            },
        }
    }

    /// A call that failed: the documented "does not exist", or any other failure.
    fn failed_call(
        &mut self,
        kind: StepKind,
        action: &'static str,
        retries: Vec<String>,
        error: ClientError,
    ) -> Step {
        match error {
            ClientError::Api(Error::TaskFailed(failure))
                if failure.reason == FailureReason::TaskNotFound =>
            {
                self.not_found(kind, action, retries, failure)
            }
            error => Step::Act(self.fail(kind, action, retries, error)),
        }
    }

    /// The change's call ended.
    fn changed(
        &mut self,
        change: Change,
        retries: Vec<String>,
        result: Result<ChangeResponse, ClientError>,
    ) -> Step {
        match result {
            Ok(response) => {
                let (outcome, note) = match response.outcome {
                    ChangeOutcome::AlreadyDone { .. } => (
                        StepOutcome::AlreadyDone,
                        Some(
                            "an earlier attempt's answer was lost, and the retry found the task gone"
                                .to_owned(),
                        ),
                    ),
                    ChangeOutcome::Done => (StepOutcome::Done, None),
                };
                self.record(
                    change.kind(),
                    change.action(),
                    outcome,
                    Some(response.request_id),
                    retries,
                    note,
                );
                Step::Next
            }
            Err(ClientError::Api(Error::TaskFailed(failure)))
                if failure.reason == FailureReason::Undocumented =>
            {
                // The words of the refusal are no evidence: read the task's state.
                let check = self.call(self.info_op());
                let index = self.report.steps.len();
                let refusal = Refusal {
                    failure,
                    retries,
                    index,
                };
                Step::Start(Box::new(Current::Check(change, refusal, check)))
            }
            Err(error) => self.failed_call(change.kind(), change.action(), retries, error),
        }
    }

    /// The state read after a refusal ended.
    fn checked(
        &mut self,
        now: Duration,
        change: Change,
        refusal: Refusal,
        retries: Vec<String>,
        result: Result<InstanceInfo, ClientError>,
    ) -> Step {
        let info = match result {
            Ok(info) => info,
            Err(ClientError::Api(Error::TaskFailed(gone)))
                if gone.reason == FailureReason::TaskNotFound =>
            {
                self.record(
                    StepKind::Check,
                    GetDiSyncInstanceInfo::ACTION,
                    StepOutcome::Done,
                    Some(gone.request_id.clone()),
                    retries,
                    Some("the task does not exist".to_owned()),
                );
                return self.gone_after_refusal(change, refusal, gone);
            }
            Err(error) => {
                self.unresolved(change, refusal, &error);
                return Step::Act(self.fail(
                    StepKind::Check,
                    GetDiSyncInstanceInfo::ACTION,
                    retries,
                    error,
                ));
            }
        };
        self.record(
            StepKind::Check,
            GetDiSyncInstanceInfo::ACTION,
            StepOutcome::Done,
            Some(info.request_id.clone()),
            retries,
            Some(format!("status {}", info.status)),
        );
        if info.status.is_changing() {
            if self.settle_retries >= MAX_SETTLE_RETRIES {
                return Step::Act(self.refused(change, refusal, &info));
            }
            let first_sleep = self.wait.initial_interval();
            let wait = self
                .wait_flow(WaitFor::Settled, now)
                .sleeping_first(first_sleep);
            return Step::Start(Box::new(Current::Settle(change, refusal, wait)));
        }
        self.at_rest(change, refusal, info)
    }

    /// The task, seen at rest in `info` after a refusal: already done, or refused.
    fn at_rest(&mut self, change: Change, refusal: Refusal, info: InstanceInfo) -> Step {
        if !change.reached(&info.status) {
            return Step::Act(self.refused(change, refusal, &info));
        }
        let note = format!(
            "the service refused ({:?}) and the task reads {}: already {}",
            refusal.failure.message,
            info.status,
            match change {
                Change::Stop => "stopped",
                Change::Start => "running",
                _ => "undeployed",
            }
        );
        self.record_refusal(change, refusal, StepOutcome::AlreadyDone, note);
        // A wait for where the task already is would only poll once more.
        if let Some(Stage::Wait(wait_for)) = self.stages.front()
            && wait_for.is_reached(&info.status)
        {
            self.stages.pop_front();
        }
        self.report.instance = Some(info);
        Step::Next
    }

    /// The refusal stands: the task is at rest, not where the change takes it.
    fn refused(
        &mut self,
        change: Change,
        refusal: Refusal,
        info: &InstanceInfo,
    ) -> Action<TaskReport> {
        let note = format!(
            "refused: {:?}; the task reads {}",
            refusal.failure.message, info.status
        );
        let failure = refusal.failure.clone();
        self.record_refusal(change, refusal, StepOutcome::Failed, note);
        self.report.instance = Some(info.clone());
        self.finish(None, Some(ClientError::Api(Error::TaskFailed(failure))))
    }

    /// Puts the step of a refused change where it was sent, decided as `outcome`.
    fn record_refusal(
        &mut self,
        change: Change,
        refusal: Refusal,
        outcome: StepOutcome,
        note: String,
    ) {
        let step = StepRecord {
            kind: change.kind(),
            action: change.action(),
            outcome,
            request_id: Some(refusal.failure.request_id),
            retries: refusal.retries,
            note: Some(note),
        };
        self.events.push_back(Event::Step(step.clone()));
        let index = refusal.index.min(self.report.steps.len());
        self.report.steps.insert(index, step);
    }

    /// A refusal that the state reads after it could not decide: its step is failed.
    fn unresolved(&mut self, change: Change, refusal: Refusal, error: &ClientError) {
        let why = match error {
            ClientError::Interrupted { .. } => "interrupted before the task's state decided",
            ClientError::WaitTimedOut(_) => "the task was still changing state at the deadline",
            _ => "the task's state could not be read",
        };
        let note = format!("refused: {:?}; {why}", refusal.failure.message);
        self.record_refusal(change, refusal, StepOutcome::Failed, note);
    }

    /// After a refusal, the task turned out not to exist.
    fn gone_after_refusal(
        &mut self,
        change: Change,
        refusal: Refusal,
        gone: Box<TaskFailure>,
    ) -> Step {
        if change == Change::Delete && refusal.failure.after_unknown_outcome {
            let note = "an earlier attempt's answer was lost, and the task is gone now";
            self.record_refusal(change, refusal, StepOutcome::AlreadyDone, note.to_owned());
            return Step::Next;
        }
        if change != Change::Delete && self.on_to_the_delete() {
            let note = format!(
                "refused: {:?}; the state read finds no task: the delete decides whether it exists",
                refusal.failure.message
            );
            self.record_refusal(change, refusal, StepOutcome::AlreadyDone, note);
            return Step::Next;
        }
        let note = format!(
            "refused: {:?}; the task does not exist",
            refusal.failure.message
        );
        if self.ignore_not_found {
            self.record_refusal(change, refusal, StepOutcome::AlreadyDone, note);
            return Step::Act(self.finish(Some(TaskOutcome::AlreadyDone), None));
        }
        self.record_refusal(change, refusal, StepOutcome::Failed, note);
        Step::Act(self.finish(None, Some(ClientError::Api(Error::TaskFailed(gone)))))
    }

    /// The wait for a task seen changing state ended.
    fn settled(
        &mut self,
        change: Change,
        refusal: Refusal,
        wait: &mut WaitFlow,
        result: Result<InstanceInfo, ClientError>,
    ) -> Step {
        let retries = wait.take_retries();
        let request_id = wait.last_request_id().map(str::to_owned);
        match result {
            Ok(info) => {
                let note = format!("settled: {} after {} poll(s)", info.status, wait.polls());
                self.record(
                    StepKind::Wait,
                    GetDiSyncInstanceInfo::ACTION,
                    StepOutcome::Done,
                    request_id,
                    retries,
                    Some(note),
                );
                if change.reached(&info.status) {
                    return self.at_rest(change, refusal, info);
                }
                // Send the change again, now that the task is at rest.
                let note = format!(
                    "refused: {:?} while the task was changing state; sent again once it settled",
                    refusal.failure.message
                );
                self.record_refusal(change, refusal, StepOutcome::Failed, note);
                self.settle_retries = self.settle_retries.saturating_add(1);
                Step::Start(Box::new(Current::Change(
                    change,
                    self.call(self.change_op(change)),
                )))
            }
            Err(ClientError::Api(Error::TaskFailed(gone)))
                if gone.reason == FailureReason::TaskNotFound =>
            {
                self.record(
                    StepKind::Wait,
                    GetDiSyncInstanceInfo::ACTION,
                    StepOutcome::Done,
                    request_id,
                    retries,
                    Some("the task does not exist".to_owned()),
                );
                self.gone_after_refusal(change, refusal, gone)
            }
            Err(error) => {
                self.unresolved(change, refusal, &error);
                Step::Act(self.fail_after(
                    StepKind::Wait,
                    GetDiSyncInstanceInfo::ACTION,
                    retries,
                    error,
                    request_id,
                ))
            }
        }
    }

    /// A wait stage ended.
    fn waited(&mut self, wait: &mut WaitFlow, result: Result<InstanceInfo, ClientError>) -> Step {
        let retries = wait.take_retries();
        match result {
            Ok(info) => {
                let note = format!("settled: {} after {} poll(s)", info.status, wait.polls());
                self.record(
                    StepKind::Wait,
                    GetDiSyncInstanceInfo::ACTION,
                    StepOutcome::Done,
                    Some(info.request_id.clone()),
                    retries,
                    Some(note),
                );
                self.report.instance = Some(info);
                Step::Next
            }
            Err(ClientError::Api(Error::TaskFailed(failure)))
                if failure.reason == FailureReason::TaskNotFound =>
            {
                self.not_found(
                    StepKind::Wait,
                    GetDiSyncInstanceInfo::ACTION,
                    retries,
                    failure,
                )
            }
            Err(error) => {
                let last = wait.last_request_id().map(str::to_owned);
                Step::Act(self.fail_after(
                    StepKind::Wait,
                    GetDiSyncInstanceInfo::ACTION,
                    retries,
                    error,
                    last,
                ))
            }
        }
    }
}

/// What [`TaskFlow::step`] found.
#[expect(
    clippy::large_enum_variant,
    reason = "a report lives here only on its way to the driver, which gets it by value anyway"
)]
enum Step {
    /// Hand this action to the driver.
    Act(Action<TaskReport>),
    /// Start this child with [`Input::Start`].
    Start(Box<Current>),
    /// The stage is over: go on with the next.
    Next,
}

impl Flow for TaskFlow {
    type Output = TaskReport;

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<TaskReport> {
        if self.finished {
            let mut report = TaskReport::new(self.project_id, self.file_id, TaskOutcome::Failed);
            report.error = Some(ClientError::FlowEnded);
            return Action::Done(report);
        }
        if self.started.is_none() {
            self.started = Some(now);
            self.stages = self.plan();
        }
        let mut input = Some(input);
        loop {
            let step = match input.take() {
                Some(input) => self.step(now, input),
                None => self.step(now, Input::<B>::Start),
            };
            match step {
                Step::Act(action) => return action,
                Step::Start(child) => self.current = *child,
                Step::Next => self.current = Current::Idle,
            }
        }
    }

    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<http::Request<Vec<u8>>, Error> {
        match &mut self.current {
            Current::Change(_, call) => call.sign(signer, local_now, random),
            Current::Check(_, _, call) | Current::ReadStatus(call) => {
                call.sign(signer, local_now, random)
            }
            Current::Settle(_, _, wait) | Current::Wait(wait) => {
                wait.sign(signer, local_now, random)
            }
            Current::ReadTask(call) => call.sign(signer, local_now, random),
            Current::Idle => Err(Error::NoRequestToSign),
        }
    }

    fn interrupt(&mut self) {
        self.interrupted = true;
        match &mut self.current {
            Current::Change(_, call) => call.interrupt(),
            Current::Check(_, _, call) | Current::ReadStatus(call) => call.interrupt(),
            Current::Settle(_, _, wait) | Current::Wait(wait) => wait.interrupt(),
            Current::ReadTask(call) => call.interrupt(),
            Current::Idle => {}
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn action(&self) -> &str {
        match &self.current {
            Current::Change(_, call) => call.action(),
            Current::Check(_, _, call) | Current::ReadStatus(call) => call.action(),
            Current::Settle(_, _, wait) | Current::Wait(wait) => wait.action(),
            Current::ReadTask(call) => call.action(),
            Current::Idle => "",
        }
    }

    fn clock_offset(&self) -> i64 {
        self.clock_offset
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = seconds;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::TransportErrorKind;
    use crate::flow::NoResponse;
    use crate::retry::TransportFailure;
    use crate::{Credentials, Endpoint};

    /// What the scripted service does with one request.
    enum Reply {
        /// `Data` members of a 200 answer.
        Data(&'static str),
        /// The answer is lost (the change may have happened).
        Lost,
    }

    /// What a run of a flow did: its report, the requests' actions in order, the sleeps.
    struct Run {
        report: TaskReport,
        actions: Vec<String>,
        sleeps: Vec<Duration>,
    }

    /// Drives `flow` to its end against `service` (action, how many times it was asked
    /// before -> reply); `interrupt_after` interrupts once that many requests were sent.
    fn run_with(
        mut flow: TaskFlow,
        interrupt_after: Option<usize>,
        mut service: impl FnMut(&str, usize) -> Reply,
    ) -> Run {
        let credentials = Credentials::new("LTAI5tTestKeyId", "test-secret").unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:1").unwrap();
        let (mut actions, mut sleeps) = (Vec::<String>::new(), Vec::new());
        let mut now = Duration::ZERO;
        let mut input = Input::Start;
        let mut draws = 0_u8;
        loop {
            if interrupt_after == Some(actions.len()) {
                flow.interrupt();
            }
            match flow.next(now, input) {
                Action::Done(report) => {
                    return Run {
                        report,
                        actions,
                        sleeps,
                    };
                }
                Action::Sleep(delay) => {
                    sleeps.push(delay);
                    now += delay;
                    input = Input::Woke;
                }
                Action::Send { .. } => {
                    draws = draws.wrapping_add(1);
                    let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
                    flow.sign(Signer::new(&credentials, &endpoint), timestamp, [draws; 24])
                        .unwrap();
                    let action = flow.action().to_owned();
                    let asked = actions.iter().filter(|seen| **seen == action).count();
                    actions.push(action.clone());
                    now += Duration::from_millis(10);
                    input = match service(&action, asked) {
                        Reply::Data(data) => {
                            let body = format!(
                                r#"{{"Success":true,"RequestId":"{action}-{asked}","Data":{data}}}"#
                            );
                            Input::Response(
                                http::Response::builder()
                                    .header("content-type", "application/json")
                                    .body(body.into_bytes())
                                    .unwrap(),
                            )
                        }
                        Reply::Lost => Input::NoResponse(NoResponse::new(
                            TransportFailure::OutcomeUnknown,
                            TransportErrorKind::ConnectionClosed,
                            "the connection closed".to_owned(),
                        )),
                    };
                }
            }
        }
    }

    fn drive_to_end(flow: TaskFlow, service: impl FnMut(&str, usize) -> Reply) -> Run {
        run_with(flow, None, service)
    }

    const OK: Reply = Reply::Data(r#"{"Status":"success"}"#);
    const INVALID: Reply = Reply::Data(r#"{"Status":"fail","Message":"fileId:[7] is invalid."}"#);
    /// Every phrase a matcher of words could take for "already done".
    const MISLEADING: Reply = Reply::Data(
        r#"{"Status":"fail","Message":"fileId:[7] has been deleted; it is not deployed, not running, already stopped"}"#,
    );

    fn status(status: &'static str) -> Reply {
        Reply::Data(match status {
            "KILLING" => r#"{"Status":"KILLING"}"#,
            "NORUN" => r#"{"Status":"NORUN"}"#,
            "PAUSE" => r#"{"Status":"PAUSE"}"#,
            _ => r#"{"Status":"RUN"}"#,
        })
    }

    fn teardown() -> TaskFlow {
        TaskFlow::new(10000, 7, TaskAction::Teardown { stop_first: false }).with_wait_policy(
            WaitPolicy::default()
                .with_initial_interval(Duration::from_millis(100))
                .with_timeout(Duration::from_secs(5)),
        )
    }

    fn kinds(report: &TaskReport) -> Vec<(StepKind, StepOutcome)> {
        report
            .steps
            .iter()
            .map(|step| (step.kind, step.outcome))
            .collect()
    }

    const INFO: &str = "GetDISyncInstanceInfo";

    #[test]
    fn a_teardown_waits_for_the_undeploy_to_settle_before_the_delete() {
        let run = drive_to_end(teardown(), |action, asked| match (action, asked) {
            (INFO, 0) => status("KILLING"),
            (INFO, _) => status("NORUN"),
            _ => OK,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Done, "{:?}", run.report);
        assert_eq!(
            run.actions,
            ["TerminateDISyncInstance", INFO, INFO, "DeleteDISyncTask"]
        );
        assert_eq!(run.sleeps, [Duration::from_millis(100)]);
        use StepKind::{Delete, Terminate, Wait};
        use StepOutcome::Done;
        assert_eq!(
            kinds(&run.report),
            [(Terminate, Done), (Wait, Done), (Delete, Done)]
        );
        assert_eq!(run.report.request_id(), Some("DeleteDISyncTask-0"));
        assert_eq!(
            run.report.step(Wait).and_then(|step| step.note.as_deref()),
            Some("settled: NORUN after 2 poll(s)")
        );
    }

    #[test]
    fn a_refusal_in_words_of_success_is_judged_by_the_state() {
        // The delete is refused with every "already done" phrase, but the task runs: failed.
        let delete = TaskFlow::new(10000, 7, TaskAction::Delete);
        let run = drive_to_end(delete, |action, _| match action {
            INFO => status("RUN"),
            _ => MISLEADING,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Failed);
        let Some(ClientError::Api(Error::TaskFailed(failure))) = &run.report.error else {
            panic!("{:?}", run.report);
        };
        assert_eq!(failure.reason, FailureReason::Undocumented);
        assert_eq!(run.actions, ["DeleteDISyncTask", INFO]);
        use StepKind::{Check, Delete};
        // In the order sent: the refused delete, then the state read that judged it.
        assert_eq!(
            kinds(&run.report),
            [(Delete, StepOutcome::Failed), (Check, StepOutcome::Done)]
        );
        assert_eq!(
            run.report.instance.as_ref().map(|info| &info.status),
            Some(&InstanceStatus::Run)
        );
        // A stop refused the same way, on a task that reads PAUSE: already stopped.
        let stop = TaskFlow::new(10000, 7, TaskAction::Stop);
        let run = drive_to_end(stop, |action, _| match action {
            INFO => status("PAUSE"),
            _ => MISLEADING,
        });
        assert_eq!(
            run.report.outcome,
            TaskOutcome::AlreadyDone,
            "{:?}",
            run.report
        );
        assert_eq!(
            run.report.step(StepKind::Stop).map(|step| step.outcome),
            Some(StepOutcome::AlreadyDone)
        );
        // A terminate refused on a running task stays refused.
        let terminate = TaskFlow::new(10000, 7, TaskAction::Terminate);
        let run = drive_to_end(terminate, |action, _| match action {
            INFO => status("RUN"),
            _ => MISLEADING,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Failed);
    }

    #[test]
    fn a_change_refused_while_the_task_changes_goes_again_once_it_settled() {
        let delete = TaskFlow::new(10000, 7, TaskAction::Delete).with_wait_policy(
            WaitPolicy::default().with_initial_interval(Duration::from_millis(50)),
        );
        let run = drive_to_end(delete, |action, asked| match (action, asked) {
            ("DeleteDISyncTask", 0) => MISLEADING,
            ("DeleteDISyncTask", _) => OK,
            (INFO, 0) => status("KILLING"),
            _ => status("NORUN"),
        });
        assert_eq!(run.report.outcome, TaskOutcome::Done, "{:?}", run.report);
        assert_eq!(
            run.actions,
            ["DeleteDISyncTask", INFO, INFO, "DeleteDISyncTask"]
        );
        // The settle wait sleeps before its first poll: the check just saw KILLING.
        assert_eq!(run.sleeps, [Duration::from_millis(50)]);
        // Every request has its step, in the order sent.
        use StepKind::{Check, Delete, Wait};
        use StepOutcome::{Done, Failed};
        assert_eq!(
            kinds(&run.report),
            [
                (Delete, Failed),
                (Check, Done),
                (Wait, Done),
                (Delete, Done)
            ]
        );
    }

    #[test]
    fn a_refusal_keeps_its_step_when_the_wait_after_it_runs_out() {
        let delete = TaskFlow::new(10000, 7, TaskAction::Delete).with_wait_policy(
            WaitPolicy::default()
                .with_initial_interval(Duration::from_millis(100))
                .with_timeout(Duration::from_millis(300)),
        );
        let run = drive_to_end(delete, |action, _| match action {
            INFO => status("KILLING"),
            _ => MISLEADING,
        });
        assert!(matches!(
            run.report.error,
            Some(ClientError::WaitTimedOut(_))
        ));
        use StepKind::{Check, Delete, Wait};
        use StepOutcome::{Done, Failed};
        assert_eq!(
            kinds(&run.report),
            [(Delete, Failed), (Check, Done), (Wait, Failed)]
        );
        assert_eq!(
            run.report.steps[0].request_id.as_deref(),
            Some("DeleteDISyncTask-0")
        );
        // The timed-out wait quotes its last poll's answer.
        assert!(run.report.steps[2].request_id.is_some());
    }

    #[test]
    fn a_task_that_does_not_exist_fails_unless_ignored() {
        // The terminate's "does not exist" leaves the verdict to the delete.
        let run1 = drive_to_end(teardown(), |_, _| INVALID);
        assert_eq!(run1.report.outcome, TaskOutcome::Failed);
        assert_eq!(
            run1.actions,
            ["TerminateDISyncInstance", "DeleteDISyncTask"]
        );
        let Some(ClientError::Api(Error::TaskFailed(failure))) = &run1.report.error else {
            panic!("{:?}", run1.report);
        };
        assert_eq!(failure.reason, FailureReason::TaskNotFound);
        assert_eq!(failure.action, "DeleteDISyncTask");
        assert_eq!(
            kinds(&run1.report),
            [
                (StepKind::Terminate, StepOutcome::AlreadyDone),
                (StepKind::Delete, StepOutcome::Failed)
            ]
        );

        let run2 = drive_to_end(teardown().ignore_not_found(true), |_, _| INVALID);
        assert_eq!(run2.report.outcome, TaskOutcome::AlreadyDone);
        assert!(run2.report.error.is_none());
        assert_eq!(
            run2.actions,
            ["TerminateDISyncInstance", "DeleteDISyncTask"]
        );
        assert_eq!(
            kinds(&run2.report),
            [
                (StepKind::Terminate, StepOutcome::AlreadyDone),
                (StepKind::Delete, StepOutcome::AlreadyDone)
            ]
        );

        // A terminate that finds no task while the task still exists: the delete removes it.
        let run3 = drive_to_end(teardown(), |action, _| match action {
            "TerminateDISyncInstance" => INVALID,
            _ => OK,
        });
        assert_eq!(run3.report.outcome, TaskOutcome::Done, "{:?}", run3.report);
        assert_eq!(
            kinds(&run3.report),
            [
                (StepKind::Terminate, StepOutcome::AlreadyDone),
                (StepKind::Delete, StepOutcome::Done)
            ]
        );
    }

    #[test]
    fn a_delete_whose_answer_was_lost_is_done_when_the_task_is_gone() {
        let run = drive_to_end(teardown(), |action, asked| match (action, asked) {
            (INFO, _) => status("NORUN"),
            ("DeleteDISyncTask", 0) => Reply::Lost,
            ("DeleteDISyncTask", _) => INVALID,
            _ => OK,
        });
        assert_eq!(
            run.report.outcome,
            TaskOutcome::AlreadyDone,
            "{:?}",
            run.report
        );
        let delete = run.report.step(StepKind::Delete).unwrap();
        assert_eq!(delete.retries.len(), 1);
        // The same answer with no lost attempt before it: the task was not there.
        let run = run_with(teardown(), None, |action, _| match action {
            INFO => status("NORUN"),
            "DeleteDISyncTask" => INVALID,
            _ => OK,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Failed);
    }

    #[test]
    fn an_interrupt_stops_at_the_next_step_boundary_and_keeps_the_steps() {
        let run = run_with(teardown(), Some(1), |action, _| match action {
            INFO => status("NORUN"),
            _ => OK,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Interrupted);
        assert!(run.report.error.is_none());
        assert_eq!(run.actions, ["TerminateDISyncInstance"]);
        assert_eq!(
            kinds(&run.report),
            [(StepKind::Terminate, StepOutcome::Done)]
        );
        // Interrupted once the last step is on its way: it finishes, done.
        let run = run_with(teardown(), Some(3), |action, _| match action {
            INFO => status("NORUN"),
            _ => OK,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Done);
    }

    #[test]
    fn a_deadline_that_runs_out_keeps_the_steps_before_it() {
        let flow = teardown().with_wait_policy(
            WaitPolicy::default()
                .with_initial_interval(Duration::from_millis(100))
                .with_timeout(Duration::from_millis(350)),
        );
        let run = drive_to_end(flow, |action, _| match action {
            INFO => status("KILLING"),
            _ => OK,
        });
        assert_eq!(run.report.outcome, TaskOutcome::Failed);
        let Some(ClientError::WaitTimedOut(timeout)) = &run.report.error else {
            panic!("{:?}", run.report);
        };
        assert_eq!(timeout.last_status, InstanceStatus::Killing);
        use StepKind::{Terminate, Wait};
        assert_eq!(
            kinds(&run.report),
            [(Terminate, StepOutcome::Done), (Wait, StepOutcome::Failed)]
        );
        assert_eq!(
            run.report.steps[0].request_id.as_deref(),
            Some("TerminateDISyncInstance-0")
        );
        // No sleep goes past the deadline.
        assert!(run.sleeps.iter().sum::<Duration>() <= Duration::from_millis(350));
    }

    #[test]
    fn requests_list_each_stage_once() {
        let flow = TaskFlow::new(10000, 7, TaskAction::Teardown { stop_first: true });
        let actions: Vec<String> = flow
            .requests()
            .unwrap()
            .iter()
            .map(|request| request.action().to_owned())
            .collect();
        assert_eq!(
            actions,
            [
                "StopDISyncInstance",
                INFO,
                "TerminateDISyncInstance",
                INFO,
                "DeleteDISyncTask"
            ]
        );
        assert!(
            TaskFlow::new(10000, 0, TaskAction::Delete)
                .requests()
                .is_err()
        );
    }
}
