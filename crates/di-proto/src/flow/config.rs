//! [`ConfigFlow`]: the asynchronous path that creates or updates a real-time task or a
//! solution.

use std::time::Duration;

use super::{Action, CallFlow, Child, Event, Events, Flow, Input, drive};
use crate::client::ClientError;
use crate::ops::{
    CreateDiSyncTask, GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating,
    GeneratedConfig, ProcessResult, QueryDiSyncTaskConfigProcessResult, TaskType, UpdateDiSyncTask,
};
use crate::retry::RetryPolicy;
use crate::wait::{PollSchedule, WaitPolicy};
use crate::{Error, Signer, Timestamp};

/// Creates or updates a real-time task (or a solution) the way DataWorks documents it:
/// `GenerateDISyncTaskConfigForCreating` (or `...ForUpdating`), then
/// `QueryDISyncTaskConfigProcessResult` until the process is done, then `CreateDISyncTask`
/// (or `UpdateDISyncTask`) with the script it generated.
///
/// The polls follow the [`WaitPolicy`]: its intervals, and its timeout for the whole wait
/// ([`ClientError::ProcessTimedOut`]). A process that fails ends the flow with the service's
/// reason ([`crate::Error::TaskFailed`]). The create carries a client token derived from the
/// process id, so a retry after a lost answer returns the task the first attempt created.
///
/// ```
/// use di_proto::flow::ConfigFlow;
/// use di_proto::ops::{GenerateDiSyncTaskConfigForCreating, TaskType};
/// use di_proto::retry::RetryPolicy;
/// use di_proto::wait::WaitPolicy;
///
/// let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, r#"{"steps":[]}"#)
///     .with_client_token("orders-sync-1");
/// let flow = ConfigFlow::create(generate, RetryPolicy::default(), WaitPolicy::default())
///     .with_task_name("orders_sync")
///     .with_task_param(r#"{"FileFolderPath":"Workflow/orders"}"#);
/// // ... drive it like any flow (see the module docs): its output is the task's file id.
/// # drop(flow);
/// ```
#[derive(Debug)]
pub struct ConfigFlow {
    project_id: i64,
    task_type: TaskType,
    /// The task updated; `None` for a create.
    file_id: Option<i64>,
    task_name: Option<String>,
    task_param: Option<String>,
    retry: RetryPolicy,
    schedule: PollSchedule,
    stage: Stage,
    process_id: i64,
    polls: u32,
    last_status: String,
    started: Duration,
    clock_offset: i64,
    interrupted: bool,
    finished: bool,
    events: Events,
}

#[derive(Debug)]
enum Stage {
    GenerateForCreating(Box<CallFlow<GenerateDiSyncTaskConfigForCreating>>),
    GenerateForUpdating(Box<CallFlow<GenerateDiSyncTaskConfigForUpdating>>),
    Poll(Box<CallFlow<QueryDiSyncTaskConfigProcessResult>>),
    BetweenPolls,
    Create(Box<CallFlow<CreateDiSyncTask>>),
    Update(Box<CallFlow<UpdateDiSyncTask>>),
    Over,
}

/// What a [`ConfigFlow`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigOutcome {
    /// The task created or updated.
    pub file_id: i64,
    /// The process that generated its configuration.
    pub process_id: i64,
    /// How many times the process was polled.
    pub polls: u32,
    /// The request id of the create or update.
    pub request_id: String,
}

/// Runs `$body` with the child flow of the current stage bound to `$child`, or `$none`.
macro_rules! with_child {
    ($stage:expr, $child:ident => $body:expr, $none:expr) => {
        match $stage {
            Stage::GenerateForCreating($child) => $body,
            Stage::GenerateForUpdating($child) => $body,
            Stage::Poll($child) => $body,
            Stage::Create($child) => $body,
            Stage::Update($child) => $body,
            Stage::BetweenPolls | Stage::Over => $none,
        }
    };
}

impl ConfigFlow {
    /// Generates a new task's configuration with `generate`, then creates the task.
    pub fn create(
        generate: GenerateDiSyncTaskConfigForCreating,
        retry: RetryPolicy,
        wait: WaitPolicy,
    ) -> Self {
        let (project_id, task_type) = (generate.project_id, generate.task_type);
        let stage = Stage::GenerateForCreating(Box::new(CallFlow::new(generate, retry)));
        ConfigFlow::with_stage(project_id, task_type, None, stage, retry, wait)
    }

    /// Generates task `generate.task_id`'s new configuration with `generate`, then updates
    /// the task.
    pub fn update(
        generate: GenerateDiSyncTaskConfigForUpdating,
        retry: RetryPolicy,
        wait: WaitPolicy,
    ) -> Self {
        let (project_id, task_type) = (generate.project_id, generate.task_type);
        let file_id = Some(generate.task_id);
        let stage = Stage::GenerateForUpdating(Box::new(CallFlow::new(generate, retry)));
        ConfigFlow::with_stage(project_id, task_type, file_id, stage, retry, wait)
    }

    fn with_stage(
        project_id: i64,
        task_type: TaskType,
        file_id: Option<i64>,
        stage: Stage,
        retry: RetryPolicy,
        wait: WaitPolicy,
    ) -> Self {
        ConfigFlow {
            project_id,
            task_type,
            file_id,
            task_name: None,
            task_param: None,
            retry,
            schedule: PollSchedule::new(wait),
            stage,
            process_id: 0,
            polls: 0,
            last_status: String::new(),
            started: Duration::ZERO,
            clock_offset: 0,
            interrupted: false,
            finished: false,
            events: Events::new(),
        }
    }

    /// The created task's name (`TaskName` of `CreateDISyncTask`).
    #[must_use]
    pub fn with_task_name(mut self, task_name: impl Into<String>) -> Self {
        self.task_name = Some(task_name.into());
        self
    }

    /// The created task's parameters (`TaskParam` of `CreateDISyncTask`: a JSON object with
    /// `FileFolderPath`, `ResourceGroup`).
    #[must_use]
    pub fn with_task_param(mut self, task_param: impl Into<String>) -> Self {
        self.task_param = Some(task_param.into());
        self
    }

    /// The process id, once the service gave it (0 before).
    pub fn process_id(&self) -> i64 {
        self.process_id
    }

    fn finish(
        &mut self,
        result: Result<ConfigOutcome, ClientError>,
    ) -> Action<<Self as Flow>::Output> {
        self.finished = true;
        self.stage = Stage::Over;
        Action::Done(result)
    }

    fn interrupted_before(&mut self, action: &str) -> Action<<Self as Flow>::Output> {
        let action = action.to_owned();
        self.finish(Err(ClientError::Interrupted { action }))
    }

    /// Starts `stage` with a fresh child and hands it [`Input::Start`].
    fn enter<B: AsRef<[u8]>>(
        &mut self,
        now: Duration,
        stage: Stage,
    ) -> Action<<Self as Flow>::Output> {
        self.stage = stage;
        let offset = self.clock_offset;
        with_child!(&mut self.stage, child => child.set_clock_offset(offset), ());
        self.step(now, Input::<B>::Start)
    }

    fn poll<B: AsRef<[u8]>>(&mut self, now: Duration) -> Action<<Self as Flow>::Output> {
        if self.interrupted {
            return self.interrupted_before(QueryDiSyncTaskConfigProcessResult::ACTION);
        }
        let query = QueryDiSyncTaskConfigProcessResult::new(
            self.project_id,
            self.task_type,
            self.process_id,
        );
        self.enter::<B>(now, Stage::Poll(Box::new(CallFlow::new(query, self.retry))))
    }

    fn apply<B: AsRef<[u8]>>(
        &mut self,
        now: Duration,
        config: &GeneratedConfig,
    ) -> Action<<Self as Flow>::Output> {
        let stage = match self.file_id {
            Some(file_id) => {
                if self.interrupted {
                    return self.interrupted_before(UpdateDiSyncTask::ACTION);
                }
                let update = UpdateDiSyncTask::from_generated(file_id, config);
                Stage::Update(Box::new(CallFlow::new(update, self.retry)))
            }
            None => {
                if self.interrupted {
                    return self.interrupted_before(CreateDiSyncTask::ACTION);
                }
                let mut create = CreateDiSyncTask::from_generated(config);
                create.task_name = self.task_name.clone();
                create.task_param = self.task_param.clone();
                Stage::Create(Box::new(CallFlow::new(create, self.retry)))
            }
        };
        self.enter::<B>(now, stage)
    }

    fn step<B: AsRef<[u8]>>(
        &mut self,
        now: Duration,
        input: Input<B>,
    ) -> Action<<Self as Flow>::Output> {
        let events = &mut self.events;
        let (done, offset) = match &mut self.stage {
            Stage::GenerateForCreating(child) => Self::output(
                drive(child.as_mut(), now, input, events),
                child.clock_offset(),
            ),
            Stage::GenerateForUpdating(child) => Self::output(
                drive(child.as_mut(), now, input, events),
                child.clock_offset(),
            ),
            Stage::Poll(child) => match drive(child.as_mut(), now, input, events) {
                Child::Pass(pass) => return pass.into_action(),
                Child::Done(result) => (Done::Polled(result), child.clock_offset()),
            },
            Stage::Create(child) => match drive(child.as_mut(), now, input, events) {
                Child::Pass(pass) => return pass.into_action(),
                Child::Done(result) => (
                    Done::Applied(result.map(|created| (created.file_id, created.request_id))),
                    child.clock_offset(),
                ),
            },
            Stage::Update(child) => match drive(child.as_mut(), now, input, events) {
                Child::Pass(pass) => return pass.into_action(),
                Child::Done(result) => {
                    let file_id = self.file_id.unwrap_or_default();
                    (
                        Done::Applied(result.map(|changed| (file_id, changed.request_id))),
                        child.clock_offset(),
                    )
                }
            },
            Stage::BetweenPolls => return self.poll::<B>(now),
            Stage::Over => return self.finish(Err(ClientError::FlowEnded)),
        };
        self.clock_offset = offset;
        match done {
            Done::Pass(action) => action,
            Done::Generated(Err(error)) | Done::Polled(Err(error)) | Done::Applied(Err(error)) => {
                self.finish(Err(error))
            }
            Done::Generated(Ok(process)) => {
                self.process_id = process.process_id;
                self.started = now;
                self.poll::<B>(now)
            }
            Done::Polled(Ok(ProcessResult::Ready(config))) => {
                self.polls += 1;
                self.apply::<B>(now, &config)
            }
            Done::Polled(Ok(ProcessResult::Running { status, .. })) => {
                self.polls += 1;
                self.last_status = status;
                match self.schedule.after(now.saturating_sub(self.started)) {
                    Some(_) if self.interrupted => {
                        self.interrupted_before(QueryDiSyncTaskConfigProcessResult::ACTION)
                    }
                    Some(delay) => {
                        self.stage = Stage::BetweenPolls;
                        Action::Sleep(delay)
                    }
                    None => {
                        let error = ClientError::ProcessTimedOut {
                            process_id: self.process_id,
                            last_status: std::mem::take(&mut self.last_status),
                            polls: self.polls,
                            timeout: self.schedule.timeout(),
                        };
                        self.finish(Err(error))
                    }
                }
            }
            Done::Applied(Ok((file_id, request_id))) => self.finish(Ok(ConfigOutcome {
                file_id,
                process_id: self.process_id,
                polls: self.polls,
                request_id,
            })),
        }
    }

    fn output(
        child: Child<Result<crate::ops::ConfigProcess, ClientError>>,
        offset: i64,
    ) -> (Done, i64) {
        match child {
            Child::Pass(pass) => (Done::Pass(pass.into_action()), offset),
            Child::Done(result) => (Done::Generated(result), offset),
        }
    }
}

/// What the current stage's child ended with.
enum Done {
    Pass(Action<Result<ConfigOutcome, ClientError>>),
    Generated(Result<crate::ops::ConfigProcess, ClientError>),
    Polled(Result<ProcessResult, ClientError>),
    Applied(Result<(i64, String), ClientError>),
}

impl Flow for ConfigFlow {
    type Output = Result<ConfigOutcome, ClientError>;

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output> {
        if self.finished {
            return Action::Done(Err(ClientError::FlowEnded));
        }
        self.step(now, input)
    }

    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<http::Request<Vec<u8>>, Error> {
        with_child!(
            &mut self.stage,
            child => child.sign(signer, local_now, random),
            Err(Error::NoRequestToSign)
        )
    }

    fn interrupt(&mut self) {
        self.interrupted = true;
        with_child!(&mut self.stage, child => child.interrupt(), ());
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn action(&self) -> &str {
        with_child!(
            &self.stage,
            child => child.action(),
            QueryDiSyncTaskConfigProcessResult::ACTION
        )
    }

    fn clock_offset(&self) -> i64 {
        with_child!(&self.stage, child => child.clock_offset(), self.clock_offset)
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = seconds;
        with_child!(&mut self.stage, child => child.set_clock_offset(seconds), ());
    }
}
