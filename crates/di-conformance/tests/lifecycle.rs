//! The real-time task lifecycle over both transports against the in-process emulator: every
//! operation, the wrong transitions, idempotency, and the waiter against an emulator whose
//! changes settle after a delay, or never.
//!
//! As in `suite.rs`, each test is a generic function over [`Lifecycle`], instantiated for
//! both clients by the `lifecycle!` macro.

use std::time::Duration;

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Fault, Handle, TaskState};
use di_proto::client_error::ClientError;
use di_proto::config::ClientConfig;
use di_proto::ops::{
    ChangeOutcome, ChangeResponse, CreateDiSyncTask, CreatedDiSyncTask, DiSyncTaskDetails,
    InstanceInfo, InstanceStatus, StartDiSyncInstance, StopFirstReport, StopStep, TeardownReport,
    UpdateDiSyncTask,
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
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, ClientError>;
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, ClientError>;
    fn teardown(&self, file_id: i64) -> Result<TeardownReport, ClientError>;
    fn wait(
        &self,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, ClientError>;
    fn teardown_stop_first(
        &self,
        file_id: i64,
        policy: &WaitPolicy,
    ) -> Result<StopFirstReport, ClientError>;
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
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.0.terminate_di_sync_instance(PROJECT, file_id)
    }
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.0.delete_di_sync_task(PROJECT, file_id)
    }
    fn teardown(&self, file_id: i64) -> Result<TeardownReport, ClientError> {
        self.0.teardown(PROJECT, file_id)
    }
    fn wait(
        &self,
        file_id: i64,
        wait_for: WaitFor,
        policy: &WaitPolicy,
    ) -> Result<InstanceInfo, ClientError> {
        self.0.wait_for_instance(PROJECT, file_id, wait_for, policy)
    }
    fn teardown_stop_first(
        &self,
        file_id: i64,
        policy: &WaitPolicy,
    ) -> Result<StopFirstReport, ClientError> {
        self.0.teardown_stop_first(PROJECT, file_id, policy)
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
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.1
            .block_on(self.0.terminate_di_sync_instance(PROJECT, file_id))
    }
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, ClientError> {
        self.1
            .block_on(self.0.delete_di_sync_task(PROJECT, file_id))
    }
    fn teardown(&self, file_id: i64) -> Result<TeardownReport, ClientError> {
        self.1.block_on(self.0.teardown(PROJECT, file_id))
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
    fn teardown_stop_first(
        &self,
        file_id: i64,
        policy: &WaitPolicy,
    ) -> Result<StopFirstReport, ClientError> {
        self.1
            .block_on(self.0.teardown_stop_first(PROJECT, file_id, policy))
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

/// Quick polls, so that the waits stay short.
fn quick(timeout: Duration) -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(80))
        .with_timeout(timeout)
}

fn every_operation_in_every_signature_and_format<T: Lifecycle>() {
    let env = Env::start(Config::default());
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
                    &CreateDiSyncTask::new(PROJECT, SCRIPT)
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
            assert_eq!(client.get_task(file).unwrap().code, SCRIPT, "{case}");
            let script = r#"{"steps":[{"stepType":"mysql"}],"note":"a & <b>"}"#;
            let updated = client
                .update(&UpdateDiSyncTask::new(PROJECT, file).with_task_content(script))
                .unwrap();
            assert_eq!(updated.outcome, ChangeOutcome::Done);
            assert_eq!(client.get_task(file).unwrap().code, script, "{case}");

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
        .create(&CreateDiSyncTask::new(PROJECT, SCRIPT))
        .unwrap();
    let file = created.file_id;
    let start = StartDiSyncInstance::new(PROJECT, file);
    assert_eq!(
        refused(client.start(&start)).reason,
        FailureReason::NotDeployed
    );
    assert_eq!(
        refused(client.stop(file)).reason,
        FailureReason::NotDeployed
    );
    client.deploy(file).unwrap();
    // Deploying again publishes again.
    assert_eq!(client.deploy(file).unwrap().outcome, ChangeOutcome::Done);
    assert_eq!(refused(client.stop(file)).reason, FailureReason::NotRunning);
    assert_eq!(refused(client.delete(file)).reason, FailureReason::Other);
    client.start(&start).unwrap();
    let twice = refused(client.start(&start));
    assert_eq!(twice.reason, FailureReason::AlreadyRunning);
    assert_eq!(twice.action, "StartDISyncInstance");
    assert!(!twice.request_id.is_empty());
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
            .create(&CreateDiSyncTask::new(PROJECT, "<script/>"))
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
    assert_eq!(env.requests(), before);
}

fn only_idempotent_calls_retry_a_lost_answer<T: Lifecycle>() {
    let env = Env::start(Config::default());
    let client: T = env.client();
    // Create without a client token may have acted: not retried.
    env.emulator().fail_next(Fault::LostResponse, 1);
    let before = env.requests();
    match client.create(&CreateDiSyncTask::new(PROJECT, SCRIPT)) {
        Err(ClientError::Transport { attempts: 1, .. }) => {}
        other => panic!("a create whose answer was lost: {other:?}"),
    }
    assert_eq!(env.requests() - before, 1);
    // With a client token it is retried, and the retry gets the same task.
    let create = CreateDiSyncTask::new(PROJECT, SCRIPT).with_client_token("conformance-1");
    env.emulator().fail_next(Fault::LostResponse, 1);
    let created = client.create(&create).unwrap();
    assert_eq!(client.create(&create).unwrap().file_id, created.file_id);
    // Start and stop: the retry finds the work done.
    env.emulator().fail_next(Fault::LostResponse, 1);
    let stopped = client.stop(1).unwrap();
    assert_eq!(
        stopped.outcome,
        ChangeOutcome::AlreadyDone {
            reason: FailureReason::NotRunning
        }
    );
    env.emulator().fail_next(Fault::LostResponse, 1);
    let started = client.start(&StartDiSyncInstance::new(PROJECT, 1)).unwrap();
    assert_eq!(
        started.outcome,
        ChangeOutcome::AlreadyDone {
            reason: FailureReason::AlreadyRunning
        }
    );
    env.emulator().fail_next(Fault::InternalError, 1);
    assert_eq!(client.info(1).unwrap().status, InstanceStatus::Run);
}

fn waits_for_a_slow_task_to_settle<T: Lifecycle>() {
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

    // Without a wait, a teardown of a running task meets the settling undeploy.
    client.terminate(3).unwrap();
    assert!(
        refused(client.delete(3))
            .message
            .contains("changing state (KILLING)")
    );
    client
        .wait(3, WaitFor::Stopped, &quick(Duration::from_secs(10)))
        .unwrap();
    client.delete(3).unwrap();

    // Stop first: stop, wait, terminate, delete.
    let report = client
        .teardown_stop_first(4, &quick(Duration::from_secs(10)))
        .unwrap();
    assert!(matches!(report.stop, StopStep::Stopped(_)), "{report:?}");
    assert_eq!(
        report.settled.map(|info| info.status),
        Some(InstanceStatus::Pause)
    );
    assert_eq!(report.teardown.delete.outcome, ChangeOutcome::Done);
    assert_eq!(
        env.emulator().task_state(PROJECT, 4),
        Some(TaskState::Deleted)
    );
    // A task that is not deployed skips the stop and the wait.
    env.emulator()
        .set_task_state(PROJECT, 5, TaskState::Undeployed);
    let report = client
        .teardown_stop_first(5, &quick(Duration::from_secs(10)))
        .unwrap();
    assert!(
        matches!(
            report.stop,
            StopStep::NotRunning {
                reason: FailureReason::NotDeployed,
                ..
            }
        ),
        "{report:?}"
    );
    assert_eq!(report.settled, None);
}

fn a_task_that_never_settles_times_out_with_its_last_status<T: Lifecycle>() {
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

    // A teardown that stops first stops at the wait, leaving the task deployed.
    match client.teardown_stop_first(7, &quick(Duration::from_millis(200))) {
        Err(ClientError::WaitTimedOut(timeout)) => {
            assert_eq!(timeout.last_status, InstanceStatus::Killing);
        }
        other => panic!("expected a wait timeout, got {other:?}"),
    }
    assert_eq!(
        env.emulator().task_state(PROJECT, 7),
        Some(TaskState::Paused)
    );
    // The plain teardown of a stopped task meets the unsettled stop.
    assert!(
        refused(client.teardown(7))
            .message
            .contains("changing state")
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
            fn waits_for_a_slow_task_to_settle() {
                super::waits_for_a_slow_task_to_settle::<$transport>();
            }
            #[test]
            fn a_task_that_never_settles_times_out_with_its_last_status() {
                super::a_task_that_never_settles_times_out_with_its_last_status::<$transport>();
            }
        }
    };
}

lifecycle!(over_ureq, Ureq);
lifecycle!(over_reqwest, Reqwest);
