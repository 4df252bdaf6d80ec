//! The emulator's shared state: keys, tasks, config processes, nonces seen, faults planned,
//! counters.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::config::{Config, ConfigError};
use crate::faults::FaultPlan;
use crate::process::Processes;
use crate::seed::SeedTask;

/// The type of a synchronization task, its `TaskType`: what each action accepts is the
/// service's documented set (see the crate documentation).
///
/// A real-time task is a DataStudio file of `FileType` 900, a batch task one of `FileType` 23;
/// a solution is no DataStudio file (`ListFiles` and `GetFile` do not show it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TaskType {
    /// A batch synchronization task, `DI_OFFLINE`.
    DiOffline,
    /// A real-time synchronization task, `DI_REALTIME` (the default).
    #[default]
    DiRealtime,
    /// A data synchronization solution, `DI_SOLUTION`.
    DiSolution,
}

impl TaskType {
    /// Every task type, in the order the documentation lists them.
    pub const ALL: [TaskType; 3] = [
        TaskType::DiOffline,
        TaskType::DiRealtime,
        TaskType::DiSolution,
    ];

    /// The wire value: `DI_OFFLINE`, `DI_REALTIME` or `DI_SOLUTION`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::DiOffline => "DI_OFFLINE",
            TaskType::DiRealtime => "DI_REALTIME",
            TaskType::DiSolution => "DI_SOLUTION",
        }
    }

    /// The wire value's type, exactly (case matters, as on the wire).
    pub(crate) fn from_wire(text: &str) -> Option<TaskType> {
        TaskType::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The `FileType` of the DataStudio file the task is: 23 (Data Integration, batch) or
    /// 900 (real-time synchronization); `None` for a solution, which is no file.
    pub fn file_type(self) -> Option<i64> {
        match self {
            TaskType::DiOffline => Some(23),
            TaskType::DiRealtime => Some(900),
            TaskType::DiSolution => None,
        }
    }
}

impl std::fmt::Display for TaskType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TaskType {
    type Err = ConfigError;

    /// Reads the wire value (`DI_OFFLINE`, `DI_REALTIME`, `DI_SOLUTION`), as `--task` takes
    /// it.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        TaskType::from_wire(text).ok_or_else(|| ConfigError::InvalidValue {
            option: "--task",
            value: text.to_owned(),
            reason: "expected type=DI_OFFLINE, DI_REALTIME or DI_SOLUTION",
        })
    }
}

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

/// One task: a DataStudio file (but for a solution), with its run state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Task {
    pub(crate) state: TaskState,
    /// When the last change settles, on the emulator's clock (time since it started); `None`
    /// once settled.
    pub(crate) settles_at: Option<Duration>,
    /// `TaskName`: the file's `FileName`.
    pub(crate) name: String,
    /// The script, `TaskContent`.
    pub(crate) content: String,
    /// `TaskParam`, when given.
    pub(crate) param: Option<String>,
    pub(crate) task_type: TaskType,
    /// The folder, normalized ([`crate::discovery::normalize_folder`]): `TaskParam`'s
    /// `FileFolderPath`; empty for the root.
    pub(crate) folder: String,
    /// `CreateTime`, in milliseconds since the Unix epoch.
    pub(crate) created_ms: i64,
    /// `LastEditTime`, in milliseconds since the Unix epoch.
    pub(crate) edited_ms: i64,
    /// `CurrentVersion`: 1 at creation, one more per update.
    pub(crate) version: i64,
}

/// The script of the tasks the emulator starts with: a MySQL reader and a MaxCompute writer,
/// on the data sources [`DEFAULT_SOURCE`] and [`DEFAULT_DESTINATION`].
pub(crate) const DEFAULT_SCRIPT: &str = r#"{"type":"job","version":"2.0","steps":[{"stepType":"mysql","category":"reader","parameter":{"datasource":"mysql_source"}},{"stepType":"odps","category":"writer","parameter":{"datasource":"odps_destination"}}],"setting":{}}"#;
/// The data source [`DEFAULT_SCRIPT`] reads.
pub(crate) const DEFAULT_SOURCE: &str = "mysql_source";
/// The data source [`DEFAULT_SCRIPT`] writes.
pub(crate) const DEFAULT_DESTINATION: &str = "odps_destination";
/// The `CreateTime` and `LastEditTime` of the tasks the emulator starts with (and of those
/// seeded later): 2024-01-01T00:00:00Z, so that their answers repeat.
pub(crate) const SEED_TIME_MS: i64 = 1_704_067_200_000;

impl Task {
    /// A settled real-time task in `state`, with the default name, folder and script, made
    /// at `created_ms`.
    pub(crate) fn new(file_id: i64, state: TaskState, created_ms: i64) -> Task {
        Task {
            state,
            settles_at: None,
            name: crate::seed::default_name(file_id),
            content: DEFAULT_SCRIPT.to_owned(),
            param: None,
            task_type: TaskType::DiRealtime,
            folder: String::new(),
            created_ms,
            edited_ms: created_ms,
            version: 1,
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
    /// The asynchronous config processes (`GenerateDISyncTaskConfigFor...`). Locked after
    /// `tasks` when both are.
    pub(crate) processes: Mutex<Processes>,
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

    /// Adds (or replaces) the task `seed` describes.
    pub(crate) fn seed(&self, seed: &SeedTask) {
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((seed.project_id, seed.file_id), seed.to_task());
    }

    pub(crate) fn new(config: Config) -> Self {
        let tasks = config
            .tasks
            .iter()
            .map(|seed| ((seed.project_id, seed.file_id), seed.to_task()))
            .collect();
        Shared {
            config,
            tasks: Mutex::new(tasks),
            client_tokens: Mutex::new(HashMap::new()),
            processes: Mutex::new(Processes::default()),
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
