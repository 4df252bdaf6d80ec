//! What a batch does to each task: the action and its options, made into di-proto's
//! [`TaskFlow`] per task. The flow sequences the calls; the CLI only chooses.

use di_proto::RpcRequest;
use di_proto::flow::{TaskAction, TaskFlow};
use di_proto::retry::RetryPolicy;
use di_proto::wait::WaitPolicy;

/// What a batch does to each task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The action.
    pub(crate) action: TaskAction,
    /// Wait after a stop, a start or a terminate.
    pub(crate) wait: bool,
    /// How to poll, and the deadline of each task's waiting.
    pub(crate) wait_policy: WaitPolicy,
    /// A task that does not exist is already done.
    pub(crate) ignore_not_found: bool,
}

impl Plan {
    /// `action`, without options.
    pub(crate) fn new(action: TaskAction) -> Plan {
        Plan {
            action,
            wait: false,
            wait_policy: WaitPolicy::default(),
            ignore_not_found: false,
        }
    }

    /// Waits after the action (`--wait`), polling under `policy`.
    pub(crate) fn with_wait(mut self, wait: bool, policy: WaitPolicy) -> Plan {
        self.wait = wait;
        self.wait_policy = policy;
        self
    }

    /// `--ignore-not-found`.
    pub(crate) fn ignoring_not_found(mut self, ignore: bool) -> Plan {
        self.ignore_not_found = ignore;
        self
    }

    /// The name in reports: the API action, or `teardown` for the several calls of one.
    pub(crate) fn name(&self) -> &'static str {
        self.action.name()
    }

    /// Whether a report lists the steps one by one (several calls).
    pub(crate) fn has_steps(&self) -> bool {
        self.wait || matches!(self.action, TaskAction::Teardown { .. })
    }

    /// The flow for task `file_id` of `project_id`.
    pub(crate) fn flow(&self, project_id: i64, file_id: i64, retry: RetryPolicy) -> TaskFlow {
        TaskFlow::new(project_id, file_id, self.action.clone())
            .with_retry_policy(retry)
            .with_wait_policy(self.wait_policy)
            .with_wait(self.wait)
            .ignore_not_found(self.ignore_not_found)
    }

    /// The requests the plan sends for one task, in order (for `--dry-run`).
    ///
    /// # Errors
    /// The operations' argument errors (ids that are not positive, a bad `StartParam`).
    pub(crate) fn requests(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<Vec<RpcRequest>, di_proto::Error> {
        self.flow(project_id, file_id, RetryPolicy::default())
            .requests()
    }
}
