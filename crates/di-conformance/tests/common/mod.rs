//! What the conformance tests share: one `Transport` trait over both clients, and an emulator
//! on its own runtime.

#![allow(dead_code, reason = "each test file uses its own part of this module")]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Handle};
use di_proto::client_error::ClientError;
use di_proto::config::ClientConfig;
use di_proto::ops::{RpcResponse, TeardownReport, TeardownResponse};
use di_proto::retry::{Idempotency, RetryPolicy};
use di_proto::{Credentials, Error as ApiError, RpcRequest};

/// The workspace of every test task.
pub(crate) const PROJECT: i64 = 10000;

/// How a call failed, whichever client made it.
#[derive(Debug)]
pub(crate) enum Failure {
    Api(ApiError),
    Transport { kind: String, attempts: u32 },
    TooLarge,
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
            other => Failure::Other(other.to_string()),
        }
    }
}

/// What the tests ask of a client.
pub(crate) trait Transport: Sized {
    /// The name the tests print.
    const NAME: &'static str;
    fn new(env: &Env, config: &ClientConfig, credentials: Credentials) -> Self;
    fn terminate(&self, file_id: i64) -> Result<TeardownResponse, Failure>;
    fn delete(&self, file_id: i64) -> Result<TeardownResponse, Failure>;
    fn teardown(&self, file_id: i64) -> Result<TeardownReport, Failure>;
    fn call(&self, request: &RpcRequest) -> Result<RpcResponse, Failure>;
    fn clock_offset(&self) -> i64;
}

pub(crate) struct Ureq(pub(crate) di_ureq::Client);

impl Transport for Ureq {
    const NAME: &'static str = "di-ureq";
    fn new(_: &Env, config: &ClientConfig, credentials: Credentials) -> Self {
        Ureq(di_ureq::Client::new(config, credentials).unwrap())
    }
    fn terminate(&self, file_id: i64) -> Result<TeardownResponse, Failure> {
        Ok(self.0.terminate_di_sync_instance(PROJECT, file_id)?)
    }
    fn delete(&self, file_id: i64) -> Result<TeardownResponse, Failure> {
        Ok(self.0.delete_di_sync_task(PROJECT, file_id)?)
    }
    fn teardown(&self, file_id: i64) -> Result<TeardownReport, Failure> {
        Ok(self.0.teardown(PROJECT, file_id)?)
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
    fn terminate(&self, file_id: i64) -> Result<TeardownResponse, Failure> {
        Ok(self
            .1
            .block_on(self.0.terminate_di_sync_instance(PROJECT, file_id))?)
    }
    fn delete(&self, file_id: i64) -> Result<TeardownResponse, Failure> {
        Ok(self
            .1
            .block_on(self.0.delete_di_sync_task(PROJECT, file_id))?)
    }
    fn teardown(&self, file_id: i64) -> Result<TeardownReport, Failure> {
        Ok(self.1.block_on(self.0.teardown(PROJECT, file_id))?)
    }
    fn call(&self, request: &RpcRequest) -> Result<RpcResponse, Failure> {
        Ok(self.1.block_on(self.0.call(request))?)
    }
    fn clock_offset(&self) -> i64 {
        self.0.clock_offset()
    }
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
        ClientConfig::new()
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
