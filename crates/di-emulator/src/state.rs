//! The emulator's shared state: keys, tasks, nonces seen, faults planned, counters.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use crate::config::Config;
use crate::faults::FaultPlan;

/// Where a real-time sync task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Deployed and running.
    Deployed,
    /// Undeployed (`TerminateDISyncInstance`), still in the workspace.
    Undeployed,
    /// Deleted (`DeleteDISyncTask`).
    Deleted,
}

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// Task state by `(project id, file id)`.
    pub(crate) tasks: Mutex<HashMap<(i64, i64), TaskState>>,
    /// Nonces seen, with the Unix second they were first seen at.
    pub(crate) nonces: Mutex<HashMap<String, i64>>,
    pub(crate) faults: Mutex<FaultPlan>,
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) faults_served: AtomicU64,
    /// The counter behind `RequestId`s.
    pub(crate) request_ids: AtomicU64,
    /// The temporary keys STS issued.
    pub(crate) sts: crate::sts::StsState,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        let tasks = config
            .tasks
            .iter()
            .map(|&(project, file)| ((project, file), TaskState::Deployed))
            .collect();
        Shared {
            config,
            tasks: Mutex::new(tasks),
            nonces: Mutex::new(HashMap::new()),
            faults: Mutex::new(FaultPlan::default()),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            faults_served: AtomicU64::new(0),
            request_ids: AtomicU64::new(0),
            sts: crate::sts::StsState::default(),
        }
    }
}
