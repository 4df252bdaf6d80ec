//! What the conformance tests share: one `Transport` trait over both clients, and an emulator
//! on its own runtime, over plain HTTP or, within [`over_https`], HTTPS.

#![allow(dead_code, reason = "each test file uses its own part of this module")]

use std::cell::Cell;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Handle};
use di_proto::client::ClientConfig;
use di_proto::client::{ClientError, TlsFailure};
use di_proto::flow::{
    Action, Event, Flow, Input, StepKind, StepOutcome, StepRecord, TaskAction, TaskFlow,
    TaskOutcome, TaskReport,
};
use di_proto::ops::{ChangeResponse, InstanceInfo, RpcResponse};
use di_proto::retry::{Idempotency, RetryPolicy};
use di_proto::wait::WaitPolicy;
use di_proto::{Credentials, Error as ApiError, RpcRequest, Signer, TaskFailure, Timestamp};

/// The workspace of every test task.
pub(crate) const PROJECT: i64 = 10000;

/// How a call failed, whichever client made it.
#[derive(Debug)]
pub(crate) enum Failure {
    Api(ApiError),
    Transport {
        kind: String,
        attempts: u32,
    },
    TooLarge,
    /// A failed TLS handshake.
    Tls {
        cause: TlsFailure,
        host: String,
        message: String,
    },
    Other(String),
}

/// Both clients fail with di-proto's `ClientError`, so one conversion serves both.
impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Api(error) => Failure::Api(error),
            ClientError::Transport { kind, attempts, .. } => Failure::Transport {
                kind: format!("{kind:?}"),
                attempts,
            },
            ClientError::ResponseTooLarge { .. } => Failure::TooLarge,
            ClientError::Tls {
                cause,
                host,
                message,
                ..
            } => Failure::Tls {
                cause,
                host,
                message,
            },
            other => Failure::Other(other.to_string()),
        }
    }
}

/// What the tests ask of a client.
pub(crate) trait Transport: Sized {
    /// The name the tests print.
    const NAME: &'static str;
    fn new(env: &Env, config: &ClientConfig, credentials: Credentials) -> Self;
    /// One `TerminateDISyncInstance` call.
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, Failure>;
    /// One `DeleteDISyncTask` call.
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, Failure>;
    /// One `StopDISyncInstance` call.
    fn stop(&self, file_id: i64) -> Result<ChangeResponse, Failure>;
    /// One `GetDISyncInstanceInfo` call.
    fn info(&self, file_id: i64) -> Result<InstanceInfo, Failure>;
    /// The client's own teardown (terminate, wait until settled, delete), with the default
    /// wait policy, a task that does not exist failing.
    fn teardown_plain(&self, file_id: i64) -> TaskReport;
    /// The client's own teardown that stops (and waits) first, likewise.
    fn teardown_stop_first_plain(&self, file_id: i64) -> TaskReport;
    /// The client's task flow (under its retry policy) for `action` on task `file_id`.
    fn task(&self, file_id: i64, action: TaskAction) -> TaskFlow;
    /// Runs a task flow to its end.
    fn run_task(&self, flow: TaskFlow) -> TaskReport;
    /// Runs a task flow to its end on the emulator's clock ([`OnEmulatorClock`]): its report,
    /// and how long it slept (on that clock; no real time).
    fn run_task_on_emulator_clock(&self, env: &Env, flow: TaskFlow) -> (TaskReport, Duration);
    /// A teardown under `wait`, counting a task that does not exist done when
    /// `ignore_not_found`.
    fn teardown(&self, file_id: i64, wait: &WaitPolicy, ignore_not_found: bool) -> TaskReport {
        self.run_task(
            self.task(file_id, TaskAction::Teardown { stop_first: false })
                .with_wait_policy(*wait)
                .ignore_not_found(ignore_not_found),
        )
    }
    /// A teardown that stops first, likewise.
    fn teardown_stop_first(
        &self,
        file_id: i64,
        wait: &WaitPolicy,
        ignore_not_found: bool,
    ) -> TaskReport {
        self.run_task(
            self.task(file_id, TaskAction::Teardown { stop_first: true })
                .with_wait_policy(*wait)
                .ignore_not_found(ignore_not_found),
        )
    }
    /// Runs a task flow with `run_with`, keeping every event; triggers the interrupt from
    /// the event callback right after the first event for which `interrupt_after` holds.
    fn run_task_interrupting(
        &self,
        flow: TaskFlow,
        interrupt_after: &dyn Fn(&Event) -> bool,
    ) -> (TaskReport, Vec<Event>);
    fn call(&self, request: &RpcRequest) -> Result<RpcResponse, Failure>;
    fn clock_offset(&self) -> i64;
}

pub(crate) struct Ureq(pub(crate) di_ureq::Client);

impl Transport for Ureq {
    const NAME: &'static str = "di-ureq";
    fn new(_: &Env, config: &ClientConfig, credentials: Credentials) -> Self {
        Ureq(di_ureq::Client::new(config, credentials).unwrap())
    }
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, Failure> {
        Ok(self.0.terminate_di_sync_instance(PROJECT, file_id)?)
    }
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, Failure> {
        Ok(self.0.delete_di_sync_task(PROJECT, file_id)?)
    }
    fn stop(&self, file_id: i64) -> Result<ChangeResponse, Failure> {
        Ok(self.0.stop_di_sync_instance(PROJECT, file_id)?)
    }
    fn info(&self, file_id: i64) -> Result<InstanceInfo, Failure> {
        Ok(self.0.get_di_sync_instance_info(PROJECT, file_id)?)
    }
    fn teardown_plain(&self, file_id: i64) -> TaskReport {
        self.0.teardown(PROJECT, file_id)
    }
    fn teardown_stop_first_plain(&self, file_id: i64) -> TaskReport {
        self.0.teardown_stop_first(PROJECT, file_id)
    }
    fn task(&self, file_id: i64, action: TaskAction) -> TaskFlow {
        self.0.task(PROJECT, file_id, action)
    }
    fn run_task(&self, flow: TaskFlow) -> TaskReport {
        self.0.run(flow)
    }
    fn run_task_on_emulator_clock(&self, env: &Env, flow: TaskFlow) -> (TaskReport, Duration) {
        self.0.run(OnEmulatorClock::new(flow, env.emulator()))
    }
    fn run_task_interrupting(
        &self,
        flow: TaskFlow,
        interrupt_after: &dyn Fn(&Event) -> bool,
    ) -> (TaskReport, Vec<Event>) {
        let interrupt = di_ureq::Interrupt::new();
        let mut events = Vec::new();
        let report = self.0.run_with(flow, &interrupt, |event| {
            events.push(event.clone());
            if interrupt_after(event) {
                interrupt.trigger();
            }
        });
        (report, events)
    }
    fn call(&self, request: &RpcRequest) -> Result<RpcResponse, Failure> {
        Ok(self.0.call(request)?)
    }
    fn clock_offset(&self) -> i64 {
        self.0.clock_offset()
    }
}

pub(crate) struct Reqwest(
    pub(crate) di_reqwest::Client,
    pub(crate) tokio::runtime::Handle,
);

impl Transport for Reqwest {
    const NAME: &'static str = "di-reqwest";
    fn new(env: &Env, config: &ClientConfig, credentials: Credentials) -> Self {
        Reqwest(
            di_reqwest::Client::new(config, credentials).unwrap(),
            env.runtime.handle().clone(),
        )
    }
    fn terminate(&self, file_id: i64) -> Result<ChangeResponse, Failure> {
        Ok(self
            .1
            .block_on(self.0.terminate_di_sync_instance(PROJECT, file_id))?)
    }
    fn delete(&self, file_id: i64) -> Result<ChangeResponse, Failure> {
        Ok(self
            .1
            .block_on(self.0.delete_di_sync_task(PROJECT, file_id))?)
    }
    fn stop(&self, file_id: i64) -> Result<ChangeResponse, Failure> {
        Ok(self
            .1
            .block_on(self.0.stop_di_sync_instance(PROJECT, file_id))?)
    }
    fn info(&self, file_id: i64) -> Result<InstanceInfo, Failure> {
        Ok(self
            .1
            .block_on(self.0.get_di_sync_instance_info(PROJECT, file_id))?)
    }
    fn teardown_plain(&self, file_id: i64) -> TaskReport {
        self.1.block_on(self.0.teardown(PROJECT, file_id))
    }
    fn teardown_stop_first_plain(&self, file_id: i64) -> TaskReport {
        self.1
            .block_on(self.0.teardown_stop_first(PROJECT, file_id))
    }
    fn task(&self, file_id: i64, action: TaskAction) -> TaskFlow {
        self.0.task(PROJECT, file_id, action)
    }
    fn run_task(&self, flow: TaskFlow) -> TaskReport {
        self.1.block_on(self.0.run(flow))
    }
    fn run_task_on_emulator_clock(&self, env: &Env, flow: TaskFlow) -> (TaskReport, Duration) {
        self.1
            .block_on(self.0.run(OnEmulatorClock::new(flow, env.emulator())))
    }
    fn run_task_interrupting(
        &self,
        flow: TaskFlow,
        interrupt_after: &dyn Fn(&Event) -> bool,
    ) -> (TaskReport, Vec<Event>) {
        let interrupt = di_reqwest::Interrupt::new();
        let mut events = Vec::new();
        let report = self.1.block_on(self.0.run_with(flow, &interrupt, |event| {
            events.push(event.clone());
            if interrupt_after(event) {
                interrupt.trigger();
            }
        }));
        (report, events)
    }
    fn call(&self, request: &RpcRequest) -> Result<RpcResponse, Failure> {
        Ok(self.1.block_on(self.0.call(request))?)
    }
    fn clock_offset(&self) -> i64 {
        self.0.clock_offset()
    }
}

/// A flow whose sleeps pass on the emulator's clock instead of the real one: each
/// [`Action::Sleep`] the flow asks for moves the emulator's clock
/// ([`Handle::advance_clock`]: what times settling changes) and the flow's own clock by as
/// much, and wakes the flow at once, so the driver (either client's own loop) is never asked
/// to sleep. Settle delays, wait deadlines and retry backoffs then take no real time, and how
/// many polls a wait makes follows from the policy's intervals, not from the machine's speed.
/// The output is the flow's, with the time slept.
pub(crate) struct OnEmulatorClock<'a, F> {
    flow: F,
    emulator: &'a Handle,
    /// How far both clocks were moved so far.
    slept: Duration,
}

impl<'a, F: Flow> OnEmulatorClock<'a, F> {
    pub(crate) fn new(flow: F, emulator: &'a Handle) -> Self {
        OnEmulatorClock {
            flow,
            emulator,
            slept: Duration::ZERO,
        }
    }
}

impl<F: Flow> Flow for OnEmulatorClock<'_, F> {
    type Output = (F::Output, Duration);

    fn next<B: AsRef<[u8]>>(&mut self, now: Duration, input: Input<B>) -> Action<Self::Output> {
        // The flow's clock: the driver's, plus the time slept on the emulator's.
        let mut action = self.flow.next(now + self.slept, input);
        while let Action::Sleep(delay) = action {
            self.emulator.advance_clock(delay);
            self.slept += delay;
            action = self.flow.next(now + self.slept, Input::<B>::Woke);
        }
        match action {
            Action::Send { time_left } => Action::Send { time_left },
            Action::Sleep(_) => unreachable!("every sleep was passed on the emulator's clock"),
            Action::Done(output) => Action::Done((output, self.slept)),
        }
    }

    fn sign(
        &mut self,
        signer: Signer<'_>,
        local_now: Timestamp,
        random: [u8; 24],
    ) -> Result<di_proto::http::Request<Vec<u8>>, ApiError> {
        self.flow.sign(signer, local_now, random)
    }

    fn interrupt(&mut self) {
        self.flow.interrupt();
    }

    fn poll_event(&mut self) -> Option<Event> {
        self.flow.poll_event()
    }

    fn action(&self) -> &str {
        self.flow.action()
    }

    fn clock_offset(&self) -> i64 {
        self.flow.clock_offset()
    }

    fn set_clock_offset(&mut self, seconds: i64) {
        self.flow.set_clock_offset(seconds);
    }
}

thread_local! {
    /// Whether the emulators this thread starts serve HTTPS (see [`over_https`]).
    static HTTPS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `test` as it is: every [`Env`] over plain HTTP.
pub(crate) fn over_http(test: fn()) {
    test();
}

/// Runs `test` over HTTPS: every [`Env`] it starts (on this thread) serves HTTPS with a
/// certificate generated at start, and [`Env::config`] trusts the emulator's CA, besides the
/// platform's roots, as a user of `--ca-bundle` does.
pub(crate) fn over_https(test: fn()) {
    HTTPS.with(|https| https.set(true));
    test();
    HTTPS.with(|https| https.set(false));
}

/// An emulator on its own runtime, with tasks 1..=50 of workspace [`PROJECT`] deployed.
pub(crate) struct Env {
    pub(crate) runtime: tokio::runtime::Runtime,
    emulator: Option<Handle>,
}

impl Env {
    /// The default emulator, with the test tasks.
    pub(crate) fn start() -> Env {
        Env::with(Config::default())
    }

    /// An emulator with `config`, plus the test tasks.
    pub(crate) fn with(mut config: Config) -> Env {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        for file in 1..=50 {
            config = config.with_task(PROJECT, file);
        }
        if HTTPS.with(Cell::get) && !config.is_tls() {
            config = config.with_tls();
        }
        let emulator = runtime.block_on(di_emulator::start(config)).unwrap();
        Env {
            runtime,
            emulator: Some(emulator),
        }
    }

    pub(crate) fn emulator(&self) -> &Handle {
        self.emulator.as_ref().unwrap()
    }

    /// Fast retries, so that fault tests stay quick; the deadline still bounds every call.
    pub(crate) fn config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        if let Some(ca) = self.emulator().tls_ca_pem() {
            config = config.with_root_certificates_pem(ca);
        }
        config
            .with_endpoint(self.emulator().base_url())
            .with_read_timeout(Duration::from_secs(2))
            .with_retry_policy(
                RetryPolicy::default()
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_attempts(4)
                    .with_deadline(Some(Duration::from_secs(10))),
            )
    }

    pub(crate) fn client<T: Transport>(&self) -> T {
        T::new(self, &self.config(), demo())
    }

    /// Requests the emulator has answered (or dropped) so far.
    pub(crate) fn requests(&self) -> u64 {
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

/// The emulator's demo key pair.
pub(crate) fn demo() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
}

/// `GetDISyncInstanceInfo` through the generic call: it only reads, so it is marked
/// idempotent and retried like the teardowns.
pub(crate) fn instance_info(file_id: i64) -> RpcRequest {
    RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")
        .with_idempotency(Idempotency::Idempotent)
        .query_param("ProjectId", PROJECT.to_string())
        .query_param("TaskType", "DI_REALTIME")
        .query_param("FileId", file_id.to_string())
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
pub(crate) struct Captured(pub(crate) Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every trace of every test in this process, at TRACE, from the first call on: a global
/// subscriber, because a scoped one misses events whose callsites another test thread saw
/// first.
pub(crate) fn captured_traces() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

/// Quick polls (20 ms, then up to 80 ms apart), so that the waits stay short; `timeout` is the
/// deadline of all the task's waiting.
pub(crate) fn quick_wait(timeout: Duration) -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(Duration::from_millis(20))
        .with_max_interval(Duration::from_millis(80))
        .with_timeout(timeout)
}

/// The kind and outcome of every step, in order.
pub(crate) fn steps(report: &TaskReport) -> Vec<(StepKind, StepOutcome)> {
    report
        .steps
        .iter()
        .map(|step| (step.kind, step.outcome))
        .collect()
}

/// The step at `index`, which must be of `kind`.
pub(crate) fn step(report: &TaskReport, index: usize, kind: StepKind) -> &StepRecord {
    let step = report
        .steps
        .get(index)
        .unwrap_or_else(|| panic!("no step {index}: {report:#?}"));
    assert_eq!(step.kind, kind, "step {index}: {report:#?}");
    step
}

/// Asserts that every step carries a request id, all of them different.
pub(crate) fn assert_request_ids(report: &TaskReport) {
    let ids: Vec<&str> = report
        .steps
        .iter()
        .map(|step| {
            step.request_id
                .as_deref()
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| panic!("{:?} step without a request id: {report:#?}", step.kind))
        })
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "repeated request ids: {report:#?}");
}

/// Asserts that `report` ended `outcome`, without an error.
pub(crate) fn assert_outcome(report: &TaskReport, outcome: TaskOutcome) {
    assert_eq!(report.outcome, outcome, "{report:#?}");
    assert!(report.error.is_none(), "{report:#?}");
}

/// The `Data.Status = fail` refusal that ended `report`, which must have failed.
pub(crate) fn refusal(report: &TaskReport) -> &TaskFailure {
    assert_eq!(report.outcome, TaskOutcome::Failed, "{report:#?}");
    match &report.error {
        Some(ClientError::Api(ApiError::TaskFailed(failure))) => failure,
        other => panic!("expected Data.Status = fail, got {other:?}: {report:#?}"),
    }
}

/// The refusal (`Data.Status = fail`) of one call.
pub(crate) fn refused<T: std::fmt::Debug>(result: Result<T, Failure>) -> TaskFailure {
    match result {
        Err(Failure::Api(ApiError::TaskFailed(failure))) => *failure,
        other => panic!("expected Data.Status = fail, got {other:?}"),
    }
}
