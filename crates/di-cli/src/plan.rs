//! What a batch does to each task: the action and its options, made into di-proto's
//! [`TaskFlow`] per task. The flow sequences the calls; the CLI only chooses.

use di_proto::RpcRequest;
use di_proto::flow::{TaskAction, TaskFlow};
use di_proto::ops::TaskType;
use di_proto::retry::RetryPolicy;
use di_proto::wait::WaitPolicy;

/// The subcommands' names, as reports name what ran (a JSON line's `action`).
pub(crate) mod names {
    /// `get-sync-task`.
    pub(crate) const GET_TASK: &str = "get-sync-task";
    /// `deploy-sync-task`.
    pub(crate) const DEPLOY: &str = "deploy-sync-task";
    /// `start-sync-instance`.
    pub(crate) const START: &str = "start-sync-instance";
    /// `stop-sync-instance`.
    pub(crate) const STOP: &str = "stop-sync-instance";
    /// `get-sync-instance-info`.
    pub(crate) const STATUS: &str = "get-sync-instance-info";
    /// `terminate-sync-instance`.
    pub(crate) const TERMINATE: &str = "terminate-sync-instance";
    /// `delete-sync-task`.
    pub(crate) const DELETE: &str = "delete-sync-task";
    /// `teardown`.
    pub(crate) const TEARDOWN: &str = "teardown";
    /// `create-sync-task`.
    pub(crate) const CREATE: &str = "create-sync-task";
    /// `update-sync-task`.
    pub(crate) const UPDATE: &str = "update-sync-task";
    /// `list-sync-tasks`.
    pub(crate) const LIST: &str = "list-sync-tasks";
    /// `call`.
    pub(crate) const CALL: &str = "call";

    /// Every name above.
    #[cfg(test)]
    pub(crate) const ALL: [&str; 12] = [
        GET_TASK, DEPLOY, START, STOP, STATUS, TERMINATE, DELETE, TEARDOWN, CREATE, UPDATE, LIST,
        CALL,
    ];
}

/// What a batch does to each task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The subcommand that asked for it (`teardown`, `delete-sync-task`, ...): the name of
    /// the action in reports.
    pub(crate) command: &'static str,
    /// The action.
    pub(crate) action: TaskAction,
    /// Wait after a stop, a start or a terminate.
    pub(crate) wait: bool,
    /// How to poll, and the deadline of each task's waiting.
    pub(crate) wait_policy: WaitPolicy,
    /// A task that does not exist is already done.
    pub(crate) ignore_not_found: bool,
    /// The task type every call sends.
    pub(crate) task_type: TaskType,
}

impl Plan {
    /// `action`, as subcommand `command` asks for it, without options.
    pub(crate) fn new(command: &'static str, action: TaskAction) -> Plan {
        Plan {
            command,
            action,
            wait: false,
            wait_policy: WaitPolicy::default(),
            ignore_not_found: false,
            task_type: TaskType::DiRealtime,
        }
    }

    /// `action` on tasks of `task_type`, as subcommand `command` asks for it (each
    /// subcommand's `--task-type` takes only the types its action does).
    pub(crate) fn for_type(command: &'static str, action: TaskAction, task_type: TaskType) -> Plan {
        Plan {
            task_type,
            ..Plan::new(command, action)
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

    /// The name in reports (a JSON line's `action`): the subcommand, in one vocabulary for
    /// every command (`teardown`, `delete-sync-task`, `get-sync-instance-info`, ...); each
    /// step names the API action it sent.
    pub(crate) fn name(&self) -> &'static str {
        self.command
    }

    /// Whether a report lists the steps one by one (several calls).
    pub(crate) fn has_steps(&self) -> bool {
        self.wait || matches!(self.action, TaskAction::Teardown { .. })
    }

    /// The flow for task `file_id` of `project_id`.
    pub(crate) fn flow(&self, project_id: i64, file_id: i64, retry: RetryPolicy) -> TaskFlow {
        TaskFlow::new(project_id, file_id, self.action.clone())
            .with_task_type(self.task_type)
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::names;
    use crate::cli::Cli;

    #[test]
    fn every_name_in_reports_is_a_subcommand() {
        let command = Cli::command();
        for name in names::ALL {
            assert!(
                command.find_subcommand(name).is_some(),
                "{name} is not a subcommand"
            );
        }
    }
}
