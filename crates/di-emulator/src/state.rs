//! The emulator's shared state: keys, tasks, nonces seen, faults planned, counters.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::config::Config;
use crate::faults::FaultPlan;

/// Where a real-time sync task is in its life.
///
/// `CreateDISyncTask` makes an [`TaskState::Undeployed`] task; `DeployDISyncTask` makes it
/// [`TaskState::NotStarted`]; `StartDISyncInstance` [`TaskState::Deployed`] (running);
/// `StopDISyncInstance` [`TaskState::Paused`]; `TerminateDISyncInstance` undeploys it again;
/// `DeleteDISyncTask` deletes an undeployed task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Deployed and running (`RUN`).
    Deployed,
    /// Undeployed (created, or `TerminateDISyncInstance`), still in the workspace (`NORUN`).
    Undeployed,
    /// Deleted (`DeleteDISyncTask`).
    Deleted,
    /// Deployed and stopped by `StopDISyncInstance` (`PAUSE`).
    Paused,
    /// Deployed, never started (`NORUN`).
    NotStarted,
}

/// How long a state change takes to settle: while it does, `GetDISyncInstanceInfo` reports
/// `KILLING` (stopping, undeploying from any deployed state) or `WAIT` (starting). Deploys and
/// deletes apply at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Settle {
    /// At once.
    #[default]
    Immediately,
    /// After this long, on the emulator's clock.
    After(Duration),
    /// Never: the task stays `KILLING` or `WAIT`.
    Never,
}

/// One task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Task {
    pub(crate) state: TaskState,
    /// When the last change settles, on the emulator's clock (time since it started); `None`
    /// once settled.
    pub(crate) settles_at: Option<Duration>,
    pub(crate) name: String,
    /// The script, `TaskContent`.
    pub(crate) content: String,
    /// `TaskParam`, when given.
    pub(crate) param: Option<String>,
}

/// The script of the tasks the emulator starts with.
pub(crate) const DEFAULT_SCRIPT: &str = r#"{"type":"job","version":"2.0","steps":[{"stepType":"mysql","category":"reader"},{"stepType":"odps","category":"writer"}],"setting":{}}"#;

impl Task {
    /// A settled task in `state`, with a generated name and the default script.
    pub(crate) fn new(file_id: i64, state: TaskState) -> Task {
        Task {
            state,
            settles_at: None,
            name: format!("realtime_task_{file_id}"),
            content: DEFAULT_SCRIPT.to_owned(),
            param: None,
        }
    }

    /// Whether the last change has settled at `uptime`.
    pub(crate) fn is_settled(&self, uptime: Duration) -> bool {
        self.settles_at.is_none_or(|at| uptime >= at)
    }
}

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// Tasks by `(project id, file id)`.
    pub(crate) tasks: Mutex<HashMap<(i64, i64), Task>>,
    /// Tasks created with a `ClientToken`, by `(project id, token)`.
    pub(crate) client_tokens: Mutex<HashMap<(i64, String), i64>>,
    /// Nonces seen, with the Unix second they were first seen at.
    pub(crate) nonces: Mutex<HashMap<String, i64>>,
    pub(crate) faults: Mutex<FaultPlan>,
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) faults_served: AtomicU64,
    /// API requests the flow control throttled.
    pub(crate) throttled: AtomicU64,
    /// The buckets of the flow control.
    pub(crate) flow_control: crate::throttle::FlowControl,
    /// The state of the generator behind latency jitter (xorshift).
    pub(crate) jitter_state: AtomicU64,
    /// The counter behind `RequestId`s.
    pub(crate) request_ids: AtomicU64,
    /// The temporary keys STS issued.
    pub(crate) sts: crate::sts::StsState,
}

impl Shared {
    /// The emulator's clock: the machine's, moved by [`Config::with_clock_skew`].
    pub(crate) fn now(&self) -> SystemTime {
        let skew = Duration::from_secs(self.config.clock_skew.unsigned_abs());
        let now = SystemTime::now();
        let skewed = if self.config.clock_skew >= 0 {
            now.checked_add(skew)
        } else {
            now.checked_sub(skew)
        };
        skewed.unwrap_or(now)
    }

    /// How long the next answer takes (the configured latency, with its jitter drawn).
    pub(crate) fn next_latency(&self) -> Duration {
        let latency = self.config.latency;
        if latency.jitter.is_zero() {
            return latency.mean;
        }
        // xorshift64: a data race between two draws costs only randomness.
        let mut x = self.jitter_state.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter_state.store(x, Ordering::Relaxed);
        latency.delay(x)
    }

    pub(crate) fn new(config: Config) -> Self {
        let tasks = config
            .tasks
            .iter()
            .map(|&(project, file)| ((project, file), Task::new(file, TaskState::Deployed)))
            .collect();
        Shared {
            config,
            tasks: Mutex::new(tasks),
            client_tokens: Mutex::new(HashMap::new()),
            nonces: Mutex::new(HashMap::new()),
            faults: Mutex::new(FaultPlan::default()),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            faults_served: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            flow_control: crate::throttle::FlowControl::default(),
            jitter_state: AtomicU64::new(0x2545_f491_4f6c_dd1d),
            request_ids: AtomicU64::new(0),
            sts: crate::sts::StsState::default(),
        }
    }
}
