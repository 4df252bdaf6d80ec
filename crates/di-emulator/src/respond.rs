//! The emulator without a socket: [`Responder`] answers one request at a time, as the server
//! does, on a clock the caller gives. For test doubles and fuzzing.

use std::time::Duration;

use bytes::Bytes;
use di_proto::Timestamp;

use crate::config::Config;
use crate::seed::SeedTask;
use crate::service::answer;
use crate::state::{Shared, TaskState};

/// A DataWorks DI endpoint as a pure function of its state, the request and the time: the
/// gateway's checks, then STS or the service, exactly as [`start`](crate::start)'s server runs them,
/// but with no socket, no clock and no faults.
///
/// What only the server does stays out: control routes, [`Fault`](crate::Fault)s, refusing
/// a body over its size cap. Each `Responder` keeps its own tasks, config processes and
/// nonces seen, from `config`, so two of them never share state.
///
/// The time given to [`Responder::respond`] is its clock for everything: the timestamp
/// window, and what times settling changes ([`Config::with_settle_delay`]) and config
/// processes ([`Config::with_process_delay`]): a test moves time by answering later.
///
/// ```
/// use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Responder};
/// use di_proto::ops::{DeleteDiSyncTask, Operation, TerminateDiSyncInstance};
/// use di_proto::{Credentials, Endpoint, ResponseContext, Signer, Timestamp};
///
/// let responder = Responder::new(Config::default());
/// let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)?;
/// let endpoint = Endpoint::parse("http://127.0.0.1:8080")?;
/// let now = Timestamp::from_unix_seconds(1_800_000_000)?;
///
/// let terminate = TerminateDiSyncInstance::new(10000, 100);
/// let signed = Signer::new(&credentials, &endpoint).sign(&terminate.to_rpc_request()?, now, "n-1")?;
/// let answer = responder.respond(signed.request().clone(), now);
/// let output = terminate.parse_response(&answer, &ResponseContext::new().with_request(&signed))?;
/// assert_eq!(output.outcome, di_proto::ops::ChangeOutcome::Done);
/// assert_eq!(responder.task_state(10000, 100), Some(di_emulator::TaskState::Undeployed));
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug)]
pub struct Responder {
    shared: Shared,
}

impl Responder {
    /// A responder with `config`'s AccessKeys, STS tokens and tasks (its listen address is
    /// not used).
    pub fn new(config: Config) -> Self {
        Responder {
            shared: Shared::new(config),
        }
    }

    /// Answers `request` as the gateway and then the service would at time `now`: never
    /// panics, whatever the request. The answer carries its `Date` and `Content-Type`, not
    /// `Content-Length` (the server adds that).
    pub fn respond<B: Into<Bytes>>(
        &self,
        request: http::Request<B>,
        now: Timestamp,
    ) -> http::Response<Vec<u8>> {
        let request = request.map(Into::into);
        // Changes settle on the caller's clock: the time given is the uptime too.
        let uptime = Duration::from_secs(now.unix_seconds().unsigned_abs());
        crate::sts::answer(&self.shared, &request, now)
            .unwrap_or_else(|| answer(&self.shared, &request, now, uptime))
            .map(Vec::from)
    }

    /// Adds the task `task` describes (its name, folder, type, state and script), replacing
    /// any task with its workspace and file id.
    pub fn seed_task(&self, task: &SeedTask) {
        self.shared.seed(task);
    }

    /// The state of task `file_id` in workspace `project_id`, if the responder knows it.
    pub fn task_state(&self, project_id: i64, file_id: i64) -> Option<TaskState> {
        self.shared
            .tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(project_id, file_id))
            .map(|task| task.state)
    }
}
