//! The real-time task lifecycle over both transports against the in-process emulator: every
//! operation, the wrong transitions, idempotency, and the waiter against an emulator whose
//! changes settle after a delay, or never.
//!
//! As in `suite.rs`, each test is a generic function over [`Lifecycle`], instantiated for
//! both clients by the `lifecycle!` macro.

use std::time::Duration;

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Fault, Handle, TaskState};
use di_proto::client::ClientConfig;
use di_proto::client::ClientError;
use di_proto::flow::ConfigOutcome;
use di_proto::flow::{StepKind, StepOutcome, TaskAction, TaskFlow, TaskOutcome, TaskReport};
use di_proto::ops::{
    ChangeOutcome, ChangeResponse, CreateDiSyncTask, CreatedDiSyncTask, DiSyncTaskDetails,
    GenerateDiSyncTaskConfigForUpdating, InstanceInfo, InstanceStatus, StartDiSyncInstance,
    TaskType, UpdateDiSyncTask,
};
use di_proto::retry::RetryPolicy;
use di_proto::sign::SignatureVersion;
use di_proto::wait::{WaitFor, WaitPolicy};
use di_proto::{Credentials, Error as ApiError, FailureReason, Format};

const PROJECT: i64 = 10000;
const SCRIPT: &str = r#"{"type":"job","version":"2.0","steps":[],"setting":{}}"#;

/// What the tests ask of a client: the lifecycle methods, the same on both.
trait Lifecycle: Sized {
    fn new(env: &Env, config: &ClientConfig) -> Self;
    fn info(&self, file_id: i64) -> Result<InstanceInfo, ClientError>;
    fn stop(&self, file_id: i64) -> Result<ChangeResponse, ClientError>;
    fn start(&self, start: &StartDiSyncInstance) -> Result<ChangeResponse, ClientError>;
    fn deploy(&self, file_id: i64) -> Result<ChangeResponse, ClientError>;
    fn get_task(&self, file_id: i64) -> Result<DiSyncTaskDetails, ClientError>;
    fn create(&self, create: &CreateDiSyncTask) -> Result<CreatedDiSyncTask, ClientError>;
    fn update(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, ClientError>;
    /// A real-time task's update the documented way: generate, poll, update.
    fn update_realtime(&self, file_id: i64, change: &str) -> Result<ConfigOutcome, ClientError>;
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, ClientError>;
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, ClientError>;
    fn teardown(&self, file_id: i64, policy: &WaitPolicy) -> TaskReport;
    fn wait(
        &self,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, ClientError>;
    fn teardown_stop_first(&self, file_id: i64, policy: &WaitPolicy) -> TaskReport;
    /// The client's task flow, under its retry policy.
    fn task(&self, file_id: i64, action: TaskAction) -> TaskFlow;
    fn run(&self, flow: TaskFlow) -> TaskReport;
}

struct Ureq(di_ureq::Client);

impl Lifecycle for Ureq {
    fn new(_: &Env, config: &ClientConfig) -> Self {
        Ureq(di_ureq::Client::new(config, demo()).unwrap())
    }
    fn info(&self, file_id: i64) -> Result<InstanceInfo, ClientError> {
        self.0.get_di_sync_instance_info(PROJECT, file_id)
    }
    fn stop(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.0.stop_di_sync_instance(PROJECT, file_id)
    }
    fn start(&self, start: &StartDiSyncInstance) -> Result<ChangeResponse, ClientError> {
        self.0.start_di_sync_instance(start)
    }
    fn deploy(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.0.deploy_di_sync_task(PROJECT, file_id)
    }
    fn get_task(&self, file_id: i64) -> Result<DiSyncTaskDetails, ClientError> {
        self.0.get_di_sync_task(PROJECT, file_id)
    }
    fn create(&self, create: &CreateDiSyncTask) -> Result<CreatedDiSyncTask, ClientError> {
        self.0.create_di_sync_task(create)
    }
    fn update(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, ClientError> {
        self.0.update_di_sync_task(update)
    }
    fn update_realtime(&self, file_id: i64, change: &str) -> Result<ConfigOutcome, ClientError> {
        self.0.run(self.0.config_update(
            GenerateDiSyncTaskConfigForUpdating::new(
                PROJECT,
                TaskType::DiRealtime,
                file_id,
                change,
            ),
            &WaitPolicy::default(),
        ))
    }
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.0.terminate_di_sync_instance(PROJECT, file_id)
    }
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.0.delete_di_sync_task(PROJECT, file_id)
    }
    fn teardown(&self, file_id: i64, policy: &WaitPolicy) -> TaskReport {
        self.0.run(
            self.0
                .task(PROJECT, file_id, TaskAction::Teardown { stop_first: false })
                .with_wait_policy(*policy),
        )
    }
    fn wait(
        &self,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, ClientError> {
        self.0.wait_for_instance(PROJECT, file_id, wait_for, policy)
    }
    fn teardown_stop_first(&self, file_id: i64, policy: &WaitPolicy) -> TaskReport {
        self.0.run(
            self.0
                .task(PROJECT, file_id, TaskAction::Teardown { stop_first: true })
                .with_wait_policy(*policy),
        )
    }
    fn task(&self, file_id: i64, action: TaskAction) -> TaskFlow {
        self.0.task(PROJECT, file_id, action)
    }
    fn run(&self, flow: TaskFlow) -> TaskReport {
        self.0.run(flow)
    }
}

struct Reqwest(di_reqwest::Client, tokio::runtime::Handle);

impl Lifecycle for Reqwest {
    fn new(env: &Env, config: &ClientConfig) -> Self {
        Reqwest(
            di_reqwest::Client::new(config, demo()).unwrap(),
            env.runtime.handle().clone(),
        )
    }
    fn info(&self, file_id: i64) -> Result<InstanceInfo, ClientError> {
        self.1
            .block_on(self.0.get_di_sync_instance_info(PROJECT, file_id))
    }
    fn stop(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.1
            .block_on(self.0.stop_di_sync_instance(PROJECT, file_id))
    }
    fn start(&self, start: &StartDiSyncInstance) -> Result<ChangeResponse, ClientError> {
        self.1.block_on(self.0.start_di_sync_instance(start))
    }
    fn deploy(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.1
            .block_on(self.0.deploy_di_sync_task(PROJECT, file_id))
    }
    fn get_task(&self, file_id: i64) -> Result<DiSyncTaskDetails, ClientError> {
        self.1.block_on(self.0.get_di_sync_task(PROJECT, file_id))
    }
    fn create(&self, create: &CreateDiSyncTask) -> Result<CreatedDiSyncTask, ClientError> {
        self.1.block_on(self.0.create_di_sync_task(create))
    }
    fn update(&self, update: &UpdateDiSyncTask) -> Result<ChangeResponse, ClientError> {
        self.1.block_on(self.0.update_di_sync_task(update))
    }
    fn update_realtime(&self, file_id: i64, change: &str) -> Result<ConfigOutcome, ClientError> {
        self.1.block_on(self.0.run(self.0.config_update(
            GenerateDiSyncTaskConfigForUpdating::new(
                PROJECT,
                TaskType::DiRealtime,
                file_id,
                change,
            ),
            &WaitPolicy::default(),
        )))
    }
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.1
            .block_on(self.0.terminate_di_sync_instance(PROJECT, file_id))
    }
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.1
            .block_on(self.0.delete_di_sync_task(PROJECT, file_id))
    }
    fn teardown(&self, file_id: i64, policy: &WaitPolicy) -> TaskReport {
        let flow = self
            .0
            .task(PROJECT, file_id, TaskAction::Teardown { stop_first: false })
            .with_wait_policy(*policy);
        self.1.block_on(self.0.run(flow))
    }
    fn wait(
        &self,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, ClientError> {
        self.1
            .block_on(self.0.wait_for_instance(PROJECT, file_id, wait_for, policy))
    }
    fn teardown_stop_first(&self, file_id: i64, policy: &WaitPolicy) -> TaskReport {
        let flow = self
            .0
            .task(PROJECT, file_id, TaskAction::Teardown { stop_first: true })
            .with_wait_policy(*policy);
        self.1.block_on(self.0.run(flow))
    }
    fn task(&self, file_id: i64, action: TaskAction) -> TaskFlow {
        self.0.task(PROJECT, file_id, action)
    }
    fn run(&self, flow: TaskFlow) -> TaskReport {
        self.1.block_on(self.0.run(flow))
    }
}

/// An emulator on its own runtime, with deployed, running tasks 1..=20 of workspace 10000.
struct Env {
    runtime: tokio::runtime::Runtime,
    emulator: Option<Handle>,
}

impl Env {
    fn start(config: Config) -> Env {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut config = config;
        for file in 1..=20 {
            config = config.with_task(PROJECT, file);
        }
        let emulator = runtime.block_on(di_emulator::start(config)).unwrap();
        Env {
            runtime,
            emulator: Some(emulator),
        }
    }

    fn emulator(&self) -> &Handle {
        self.emulator.as_ref().unwrap()
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new()
            .with_endpoint(self.emulator().base_url())
            .with_read_timeout(Duration::from_secs(2))
            .with_retry_policy(
                RetryPolicy::default()
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_attempts(3)
                    .with_deadline(Some(Duration::from_secs(10))),
            )
    }

    fn client<T: Lifecycle>(&self) -> T {
        T::new(self, &self.config())
    }

    fn requests(&self) -> u64 {
        self.emulator().counters().requests
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}

fn demo() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
}

/// The refusal (`Data.Status = fail`) of `result`.
fn refused<T: std::fmt::Debug>(result: Result<T, ClientError>) -> di_proto::TaskFailure {
    match result {
        Err(ClientError::Api(ApiError::TaskFailed(failure))) => *failure,
        other => panic!("expected Data.Status = fail, got {other:?}"),
    }
}

/// The kind and outcome of every step, in order.
fn steps(report: &TaskReport) -> Vec<(StepKind, StepOutcome)> {
    report
        .steps
        .iter()
        .map(|step| (step.kind, step.outcome))
        .collect()
}

/// The refusal that ended `report`, which failed.
fn refusal(report: &TaskReport) -> &di_proto::TaskFailure {
    assert_eq!(report.outcome, TaskOutcome::Failed, "{report:#?}");
    match &report.error {
        Some(ClientError::Api(ApiError::TaskFailed(failure))) => failure,
        other => panic!("expected Data.Status = fail, got {other:?}: {report:#?}"),
    }
}

/// The wait timeout that ended `report`, which failed.
fn timed_out(report: &TaskReport) -> &di_proto::wait::WaitTimeout {
    assert_eq!(report.outcome, TaskOutcome::Failed, "{report:#?}");
    report
        .error
        .as_ref()
        .and_then(ClientError::wait_timeout)
        .unwrap_or_else(|| panic!("expected a wait timeout: {report:#?}"))
}

/// Quick polls, so that the waits stay short.
fn quick(timeout: Duration) -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(80))
        .with_timeout(timeout)
}

fn every_operation_in_every_signature_and_format<T: Lifecycle>() {
    // Config processes finish at once: the update's flow polls once and never sleeps.
    let env = Env::start(Config::default().with_process_delay(Duration::ZERO));
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for format in [Format::Json, Format::Xml] {
            let config = env
                .config()
                .with_signature_version(version)
                .with_format(format);
            let client = T::new(&env, &config);
            let case = format!("{version:?} {format:?}");
            let created = client
                .create(
                    &CreateDiSyncTask::new(PROJECT, TaskType::DiRealtime, SCRIPT)
                        .with_name(format!("orders {case}"))
                        .with_task_param(r#"{"FileFolderPath":"business/di"}"#),
                )
                .unwrap();
            let file = created.file_id;
            assert!(!created.request_id.is_empty(), "{case}");
            assert_eq!(
                env.emulator().task_state(PROJECT, file),
                Some(TaskState::Undeployed)
            );
            assert_eq!(
                client.get_task(file).unwrap().code.as_deref(),
                Some(SCRIPT),
                "{case}"
            );
            let change = r#"{"steps":[{"stepType":"mysql"}],"note":"a & <b>"}"#;
            let updated = client.update_realtime(file, change).unwrap();
            assert_eq!(updated.file_id, file);
            let code = client.get_task(file).unwrap().code.unwrap();
            assert_ne!(
                code, SCRIPT,
                "{case}: the generated script replaced the first"
            );

            client.deploy(file).unwrap();
            let info = client.info(file).unwrap();
            assert_eq!(info.status, InstanceStatus::NoRun, "{case}");
            assert_eq!(
                info.name.as_deref(),
                Some(format!("orders {case}").as_str())
            );
            client
                .start(
                    &StartDiSyncInstance::new(PROJECT, file)
                        .with_start_param(r#"{"failoverLimit":{"count":3,"interval":30}}"#),
                )
                .unwrap();
            assert_eq!(client.info(file).unwrap().status, InstanceStatus::Run);
            client.stop(file).unwrap();
            assert_eq!(client.info(file).unwrap().status, InstanceStatus::Pause);
            client
                .start(&StartDiSyncInstance::new(PROJECT, file))
                .unwrap();
            client.terminate(file).unwrap();
            assert_eq!(client.info(file).unwrap().status, InstanceStatus::NoRun);
            client.delete(file).unwrap();
            assert_eq!(
                env.emulator().task_state(PROJECT, file),
                Some(TaskState::Deleted)
            );
            assert_eq!(
                refused(client.info(file)).reason,
                FailureReason::TaskNotFound,
                "{case}"
            );
        }
    }
}

fn wrong_transitions_fail_typed<T: Lifecycle>() {
    let env = Env::start(Config::default());
    let client: T = env.client();
    let created = client
        .create(&CreateDiSyncTask::new(
            PROJECT,
            TaskType::DiRealtime,
            SCRIPT,
        ))
        .unwrap();
    let file = created.file_id;
    let start = StartDiSyncInstance::new(PROJECT, file);
    // One call reports any refusal as it came: undocumented, whatever its words.
    let not_deployed = format!("fileId:[{file}] is not deployed.");
    for failure in [refused(client.start(&start)), refused(client.stop(file))] {
        assert_eq!(failure.reason, FailureReason::Undocumented);
        assert_eq!(failure.message, not_deployed);
        assert!(!failure.after_unknown_outcome);
    }
    // Through a task flow, the state decides: an undeployed task reads NORUN, which is not
    // where a start leads, so the refusal stands.
    let report = client.run(client.task(file, TaskAction::Start { start_param: None }));
    assert_eq!(refusal(&report).message, not_deployed);
    assert_eq!(refusal(&report).reason, FailureReason::Undocumented);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Start, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_eq!(report.steps[1].note.as_deref(), Some("status NORUN"));
    assert_eq!(
        env.emulator().task_state(PROJECT, file),
        Some(TaskState::Undeployed)
    );

    client.deploy(file).unwrap();
    // Deploying again publishes again.
    assert_eq!(client.deploy(file).unwrap().outcome, ChangeOutcome::Done);
    assert_eq!(
        refused(client.stop(file)).message,
        format!("fileId:[{file}] is not running.")
    );
    assert_eq!(
        refused(client.delete(file)).message,
        format!("fileId:[{file}] is deployed; terminate it with TerminateDISyncInstance first.")
    );
    client.start(&start).unwrap();
    let twice = refused(client.start(&start));
    assert_eq!(twice.reason, FailureReason::Undocumented);
    assert_eq!(
        twice.message,
        format!("fileId:[{file}] is already running.")
    );
    assert_eq!(twice.action, "StartDISyncInstance");
    assert!(!twice.request_id.is_empty());
    // A start flow on the running task: the state (RUN) says it is already done.
    let report = client.run(client.task(file, TaskAction::Start { start_param: None }));
    assert_eq!(report.outcome, TaskOutcome::AlreadyDone, "{report:#?}");
    assert!(report.error.is_none());
    assert_eq!(
        steps(&report),
        [
            (StepKind::Start, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    // A delete flow on it: no state says "deleted" of a task that exists; the refusal stands.
    let report = client.run(client.task(file, TaskAction::Delete));
    assert_eq!(refusal(&report).action, "DeleteDISyncTask");
    assert_eq!(
        steps(&report),
        [
            (StepKind::Delete, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_eq!(
        env.emulator().task_state(PROJECT, file),
        Some(TaskState::Deployed)
    );
    assert_eq!(
        refused(client.deploy(999)).reason,
        FailureReason::TaskNotFound
    );
    assert_eq!(
        refused(client.get_task(999)).reason,
        FailureReason::TaskNotFound
    );

    // Bad arguments fail before anything is sent.
    let before = env.requests();
    for result in [
        client
            .update(&UpdateDiSyncTask::new(PROJECT, file))
            .map(|_| ()),
        client
            .start(&StartDiSyncInstance::new(PROJECT, file).with_start_param("not json"))
            .map(|_| ()),
        client
            .create(&CreateDiSyncTask::new(
                PROJECT,
                TaskType::DiRealtime,
                "<script/>",
            ))
            .map(|_| ()),
    ] {
        assert!(
            matches!(
                result,
                Err(ClientError::Api(ApiError::InvalidParameter { .. }))
            ),
            "{result:?}"
        );
    }
    let report = client.run(client.task(
        file,
        TaskAction::Start {
            start_param: Some("not json".to_owned()),
        },
    ));
    assert!(
        matches!(
            report.error,
            Some(ClientError::Api(ApiError::InvalidParameter { .. }))
        ),
        "{report:#?}"
    );
    assert_eq!(report.outcome, TaskOutcome::Failed);
    assert_eq!(env.requests(), before);
}

fn only_idempotent_calls_retry_a_lost_answer<T: Lifecycle>() {
    let env = Env::start(Config::default());
    let client: T = env.client();
    // Create without a client token may have acted: not retried.
    env.emulator().fail_next(Fault::LostResponse, 1);
    let before = env.requests();
    match client.create(&CreateDiSyncTask::new(
        PROJECT,
        TaskType::DiRealtime,
        SCRIPT,
    )) {
        Err(ClientError::Transport { attempts: 1, .. }) => {}
        other => panic!("a create whose answer was lost: {other:?}"),
    }
    assert_eq!(env.requests() - before, 1);
    // With a client token it is retried, and the retry gets the same task.
    let create = CreateDiSyncTask::new(PROJECT, TaskType::DiRealtime, SCRIPT)
        .with_client_token("conformance-1");
    env.emulator().fail_next(Fault::LostResponse, 1);
    let created = client.create(&create).unwrap();
    assert_eq!(client.create(&create).unwrap().file_id, created.file_id);

    // Stop and start are retried; one call reports the retry's refusal as it came (the lost
    // attempt did the work), flagged as following an attempt that may have taken effect.
    env.emulator().fail_next(Fault::LostResponse, 1);
    let before = env.requests();
    let stopped = refused(client.stop(1));
    assert_eq!(env.requests() - before, 2);
    assert_eq!(stopped.reason, FailureReason::Undocumented);
    assert!(stopped.after_unknown_outcome);
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Paused)
    );
    env.emulator().fail_next(Fault::LostResponse, 1);
    let started = refused(client.start(&StartDiSyncInstance::new(PROJECT, 1)));
    assert_eq!(started.action, "StartDISyncInstance");
    assert!(started.after_unknown_outcome);
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Deployed)
    );
    // Through a task flow, the state after the refusal says the work is done.
    for (action, state) in [
        (TaskAction::Stop, TaskState::Paused),
        (TaskAction::Start { start_param: None }, TaskState::Deployed),
    ] {
        let kind = match action {
            TaskAction::Stop => StepKind::Stop,
            _ => StepKind::Start,
        };
        env.emulator().fail_next(Fault::LostResponse, 1);
        let before = env.requests();
        let report = client.run(client.task(2, action));
        assert_eq!(report.outcome, TaskOutcome::AlreadyDone, "{report:#?}");
        assert!(report.error.is_none());
        assert_eq!(
            steps(&report),
            [
                (kind, StepOutcome::AlreadyDone),
                (StepKind::Check, StepOutcome::Done)
            ]
        );
        assert_eq!(report.steps[0].retries.len(), 1, "{report:#?}");
        // The lost attempt, its refused retry, the state read.
        assert_eq!(env.requests() - before, 3);
        assert_eq!(env.emulator().task_state(PROJECT, 2), Some(state));
    }
    env.emulator().fail_next(Fault::InternalError, 1);
    assert_eq!(client.info(1).unwrap().status, InstanceStatus::Run);
}

fn real_time_waits_for_a_slow_task_to_settle<T: Lifecycle>() {
    let env = Env::start(Config::default().with_settle_delay(Duration::from_millis(300)));
    let client: T = env.client();
    client.stop(2).unwrap();
    assert_eq!(client.info(2).unwrap().status, InstanceStatus::Killing);
    let before = env.requests();
    let settled = client
        .wait(2, WaitFor::Stopped, &quick(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(settled.status, InstanceStatus::Pause);
    assert!(env.requests() - before >= 2, "the wait polled once");

    client.start(&StartDiSyncInstance::new(PROJECT, 2)).unwrap();
    assert_eq!(client.info(2).unwrap().status, InstanceStatus::Wait);
    let running = client
        .wait(2, WaitFor::Running, &quick(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(running.status, InstanceStatus::Run);

    // Without a wait, a delete right after a terminate meets the settling undeploy, and one
    // call reports that refusal.
    client.terminate(3).unwrap();
    let failure = refused(client.delete(3));
    assert_eq!(failure.reason, FailureReason::Undocumented);
    assert_eq!(
        failure.message,
        "fileId:[3] is changing state (KILLING); try again later."
    );
    client
        .wait(3, WaitFor::Stopped, &quick(Duration::from_secs(10)))
        .unwrap();
    client.delete(3).unwrap();

    // Stop first: stop, wait, terminate, wait, delete.
    let report = client.teardown_stop_first(4, &quick(Duration::from_secs(10)));
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
    assert!(report.error.is_none());
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    let note = report.steps[1].note.as_deref().unwrap_or_default();
    assert!(note.starts_with("settled: PAUSE after "), "{note}");
    assert_eq!(
        report.instance.as_ref().map(|info| &info.status),
        Some(&InstanceStatus::NoRun)
    );
    assert_eq!(
        env.emulator().task_state(PROJECT, 4),
        Some(TaskState::Deleted)
    );
    // A task that is not deployed: the stop and the terminate are refused, the state (NORUN)
    // says both are done, and neither wait polls; the delete goes on.
    env.emulator()
        .set_task_state(PROJECT, 5, TaskState::Undeployed);
    let before = env.requests();
    let report = client.teardown_stop_first(5, &quick(Duration::from_secs(10)));
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_eq!(env.requests() - before, 5);
    assert_eq!(
        env.emulator().task_state(PROJECT, 5),
        Some(TaskState::Deleted)
    );
}

fn real_time_a_task_that_never_settles_times_out_with_its_last_status<T: Lifecycle>() {
    let env = Env::start(Config::default().never_settling());
    let client: T = env.client();
    client.stop(6).unwrap();
    let error = client
        .wait(6, WaitFor::Stopped, &quick(Duration::from_millis(300)))
        .unwrap_err();
    let Some(timeout) = error.wait_timeout() else {
        panic!("expected a wait timeout, got {error:?}");
    };
    assert_eq!(timeout.last_status, InstanceStatus::Killing);
    assert_eq!(timeout.file_id, 6);
    assert_eq!(timeout.wait_for, WaitFor::Stopped);
    assert!(timeout.polls >= 2, "{timeout:?}");
    assert!(timeout.elapsed >= Duration::from_millis(300), "{timeout:?}");
    assert!(error.to_string().contains("last status KILLING"), "{error}");

    // A teardown that stops first stops at the wait, leaving the task deployed; the report
    // keeps the stop.
    let report = client.teardown_stop_first(7, &quick(Duration::from_millis(200)));
    let timeout = timed_out(&report);
    assert_eq!(timeout.last_status, InstanceStatus::Killing);
    assert_eq!(timeout.wait_for, WaitFor::Stopped);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Failed)
        ]
    );
    assert!(report.steps[0].request_id.is_some());
    assert_eq!(
        env.emulator().task_state(PROJECT, 7),
        Some(TaskState::Paused)
    );
    // The plain teardown of the stopping task: the terminate is refused, the state reads
    // KILLING, and the wait for it to settle runs out.
    let report = client.teardown(7, &quick(Duration::from_millis(200)));
    let timeout = timed_out(&report);
    assert_eq!(timeout.last_status, InstanceStatus::Killing);
    assert_eq!(timeout.wait_for, WaitFor::Settled);
    // The refused terminate keeps its step, before the state read and the wait.
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Failed)
        ]
    );
    assert_eq!(
        env.emulator().task_state(PROJECT, 7),
        Some(TaskState::Paused)
    );
}

macro_rules! lifecycle {
    ($module:ident, $transport:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn every_operation_in_every_signature_and_format() {
                super::every_operation_in_every_signature_and_format::<$transport>();
            }
            #[test]
            fn wrong_transitions_fail_typed() {
                super::wrong_transitions_fail_typed::<$transport>();
            }
            #[test]
            fn only_idempotent_calls_retry_a_lost_answer() {
                super::only_idempotent_calls_retry_a_lost_answer::<$transport>();
            }
            #[test]
            fn real_time_waits_for_a_slow_task_to_settle() {
                super::real_time_waits_for_a_slow_task_to_settle::<$transport>();
            }
            #[test]
            fn real_time_a_task_that_never_settles_times_out_with_its_last_status() {
                super::real_time_a_task_that_never_settles_times_out_with_its_last_status::<
                    $transport,
                >();
            }
        }
    };
}

lifecycle!(over_ureq, Ureq);
lifecycle!(over_reqwest, Reqwest);
