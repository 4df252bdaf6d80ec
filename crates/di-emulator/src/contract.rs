//! What each action served requires, from the fact sheets (`dataworks-di-api.md` §7,
//! `dataworks-files-api.md`): its required parameters (a missing one, or an empty one, is
//! answered as the gateway does: HTTP 400 `Missing{Name}`, or `MissingParameter` when either
//! of two satisfies), the task types it accepts (another is HTTP 400 `Param.Invalid`), and
//! whether its answers model `ErrorCode` / `ErrorMessage` / `HttpStatusCode`.

use crate::state::TaskType;
use TaskType::{DiOffline, DiRealtime, DiSolution};

/// How an action names its workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workspace {
    /// `ProjectId`, required.
    Id,
    /// `ProjectId` or `ProjectIdentifier`, one of them required.
    IdOrIdentifier,
}

/// One action's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Contract {
    pub(crate) action: &'static str,
    /// The required parameters besides the workspace, in the fact sheet's order
    /// (alphabetical): the first missing one is reported.
    pub(crate) required: &'static [&'static str],
    pub(crate) workspace: Workspace,
    /// The `TaskType`s accepted; empty for an action without one.
    pub(crate) task_types: &'static [TaskType],
    /// Whether answers carry `ErrorCode`, `ErrorMessage` and `HttpStatusCode` beside `Data`,
    /// `RequestId` and `Success` (the discovery actions).
    pub(crate) error_fields: bool,
}

const TYPED: &[&str] = &["FileId", "TaskType"];
const LIFECYCLE_TYPES: &[TaskType] = &[DiRealtime, DiSolution];
const REALTIME_ONLY: &[TaskType] = &[DiRealtime];

/// Every action served, with its contract.
pub(crate) const CONTRACTS: [Contract; 16] = [
    lifecycle("DeleteDISyncTask", REALTIME_ONLY),
    lifecycle("TerminateDISyncInstance", REALTIME_ONLY),
    lifecycle("GetDISyncInstanceInfo", LIFECYCLE_TYPES),
    lifecycle("StopDISyncInstance", REALTIME_ONLY),
    lifecycle("StartDISyncInstance", LIFECYCLE_TYPES),
    lifecycle("DeployDISyncTask", LIFECYCLE_TYPES),
    lifecycle("GetDISyncTask", LIFECYCLE_TYPES),
    Contract {
        action: "CreateDISyncTask",
        required: &["TaskContent", "TaskType"],
        workspace: Workspace::Id,
        task_types: &[DiOffline, DiRealtime, DiSolution],
        error_fields: false,
    },
    // DI_OFFLINE directly; DI_REALTIME and DI_SOLUTION only with a generated script, which
    // the service checks (`Data.Status = fail` otherwise).
    lifecycle("UpdateDISyncTask", &[DiOffline, DiRealtime, DiSolution]),
    Contract {
        action: "GenerateDISyncTaskConfigForCreating",
        required: &["TaskParam", "TaskType"],
        workspace: Workspace::Id,
        task_types: LIFECYCLE_TYPES,
        error_fields: false,
    },
    Contract {
        action: "GenerateDISyncTaskConfigForUpdating",
        required: &["TaskId", "TaskParam", "TaskType"],
        workspace: Workspace::Id,
        task_types: LIFECYCLE_TYPES,
        error_fields: false,
    },
    Contract {
        action: "QueryDISyncTaskConfigProcessResult",
        required: &["AsyncProcessId", "TaskType"],
        workspace: Workspace::Id,
        task_types: LIFECYCLE_TYPES,
        error_fields: false,
    },
    Contract {
        action: "ListRefDISyncTasks",
        required: &["DatasourceName", "RefType", "TaskType"],
        workspace: Workspace::Id,
        task_types: &[DiOffline, DiRealtime],
        error_fields: false,
    },
    discovery("ListFiles", &[]),
    discovery("GetFile", &[]),
    discovery(
        "ListFolders",
        &["PageNumber", "PageSize", "ParentFolderPath"],
    ),
];

/// An action of the DISyncTask family that names one task: `FileId`, `ProjectId`, `TaskType`.
const fn lifecycle(action: &'static str, task_types: &'static [TaskType]) -> Contract {
    Contract {
        action,
        required: TYPED,
        workspace: Workspace::Id,
        task_types,
        error_fields: false,
    }
}

/// A discovery action: its parameters in the form body, `ProjectId` or `ProjectIdentifier`.
const fn discovery(action: &'static str, required: &'static [&'static str]) -> Contract {
    Contract {
        action,
        required,
        workspace: Workspace::IdOrIdentifier,
        task_types: &[],
        error_fields: true,
    }
}

/// The contract of `action`, if it is served.
pub(crate) fn of(action: &str) -> Option<&'static Contract> {
    CONTRACTS.iter().find(|contract| contract.action == action)
}

/// The task types of `contract`, as the refusal names them: `DI_REALTIME, DI_SOLUTION`.
pub(crate) fn task_type_list(contract: &Contract) -> String {
    contract
        .task_types
        .iter()
        .map(|kind| kind.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_served_has_one_contract() {
        let actions: Vec<&str> = CONTRACTS.iter().map(|contract| contract.action).collect();
        assert_eq!(actions, crate::gateway::ACTIONS);
        for contract in &CONTRACTS {
            let mut sorted = contract.required.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, contract.required, "{}", contract.action);
            assert_eq!(
                contract.required.contains(&"TaskType"),
                !contract.task_types.is_empty(),
                "{}",
                contract.action
            );
        }
    }

    #[test]
    fn task_types_are_the_documented_sets() {
        let types = |action| task_type_list(of(action).unwrap());
        assert_eq!(
            types("CreateDISyncTask"),
            "DI_OFFLINE, DI_REALTIME, DI_SOLUTION"
        );
        assert_eq!(
            types("UpdateDISyncTask"),
            "DI_OFFLINE, DI_REALTIME, DI_SOLUTION"
        );
        for action in [
            "GenerateDISyncTaskConfigForCreating",
            "GenerateDISyncTaskConfigForUpdating",
            "QueryDISyncTaskConfigProcessResult",
            "GetDISyncTask",
            "DeployDISyncTask",
            "StartDISyncInstance",
            "GetDISyncInstanceInfo",
        ] {
            assert_eq!(types(action), "DI_REALTIME, DI_SOLUTION", "{action}");
        }
        for action in [
            "StopDISyncInstance",
            "TerminateDISyncInstance",
            "DeleteDISyncTask",
        ] {
            assert_eq!(types(action), "DI_REALTIME", "{action}");
        }
        assert_eq!(types("ListRefDISyncTasks"), "DI_OFFLINE, DI_REALTIME");
        assert_eq!(of("ListFiles").unwrap().task_types, &[]);
        assert!(of("ListProjects").is_none());
    }
}
