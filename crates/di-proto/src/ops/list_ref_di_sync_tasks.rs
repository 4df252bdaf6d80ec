//! `ListRefDISyncTasks`: the synchronization tasks that read from or write to a data source.

use super::declare::{Declared, Params};
use super::model::model;
use super::page::{Page, listing};
use super::{TaskType, list_files::paging};
use crate::Error;

/// Lists the synchronization tasks that use a data source (`ListRefDISyncTasks`,
/// `DI_OFFLINE` or `DI_REALTIME`, one type per call), a page at a time. All parameters go in
/// the query. The answer has no total: a short page is the last.
///
/// ```
/// use di_proto::ops::{ListRefDiSyncTasks, Operation, RefType, TaskType};
/// let list = ListRefDiSyncTasks::new(10000, "mysql_orders", RefType::From, TaskType::DiRealtime);
/// let request = list.to_rpc_request()?;
/// assert!(request.params().any(|(name, value, _)| (name, value) == ("RefType", "from")));
/// let solution = ListRefDiSyncTasks::new(10000, "x", RefType::To, TaskType::DiSolution);
/// assert!(solution.to_rpc_request().is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ListRefDiSyncTasks {
    /// `ProjectId`: the workspace id, positive.
    pub project_id: i64,
    /// `DatasourceName`: the data source.
    pub datasource_name: String,
    /// `RefType`: tasks that read from it, or write to it.
    pub ref_type: RefType,
    /// `TaskType`: `DI_OFFLINE` or `DI_REALTIME`.
    pub task_type: TaskType,
    /// `PageNumber`, 1 to 100.
    pub page_number: u32,
    /// `PageSize`.
    pub page_size: u32,
}

/// How a task uses a data source (`RefType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `from`: the data source is the task's source.
    From,
    /// `to`: the data source is the task's destination.
    To,
}

impl ListRefDiSyncTasks {
    /// The action name on the wire.
    pub const ACTION: &'static str = "ListRefDISyncTasks";

    /// Lists the tasks of `task_type` in workspace `project_id` that use `datasource_name`
    /// as `ref_type`, 100 to a page.
    pub fn new(
        project_id: i64,
        datasource_name: impl Into<String>,
        ref_type: RefType,
        task_type: TaskType,
    ) -> Self {
        ListRefDiSyncTasks {
            project_id,
            datasource_name: datasource_name.into(),
            ref_type,
            task_type,
            page_number: 1,
            page_size: 100,
        }
    }
}

model! {
    /// A task of `ListRefDISyncTasks` (`Data.DISyncTasks[]`).
    pub struct RefTask {
        /// The task's node id.
        "NodeId" => node_id: Option<i64>,
        /// The task's name.
        "NodeName" => node_name: Option<String>,
        /// `DI_OFFLINE` or `DI_REALTIME`.
        "TaskType" => task_type: Option<String>,
        /// The task's source(s): a name, or a JSON array of names.
        "DiSourceDatasource" => source_datasource: Option<String>,
        /// The task's destination(s): a name, or a JSON array of names.
        "DiDestinationDatasource" => destination_datasource: Option<String>,
    }
}

impl Declared for ListRefDiSyncTasks {
    const ACTION: &'static str = Self::ACTION;
    const TASK_TYPES: &'static [TaskType] = &[TaskType::DiOffline, TaskType::DiRealtime];
    type Output = Page<RefTask>;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        params.id("ProjectId", self.project_id)?;
        params.text("DatasourceName", &self.datasource_name)?;
        let ref_type = match self.ref_type {
            RefType::From => "from",
            RefType::To => "to",
        };
        params.text("RefType", ref_type)?;
        params.task_type(self.task_type)?;
        if self.page_number > 100 {
            return Err(Error::InvalidParameter {
                name: "PageNumber".to_owned(),
                reason: "must be between 1 and 100",
            });
        }
        paging(params, self.page_number, self.page_size)
    }
}

listing!(ListRefDiSyncTasks => RefTask, member "DISyncTasks", max page 100);
