//! `ListFolders`: pages through the sub-folders of a DataStudio folder.

use super::declare::{Declared, Params};
use super::list_files::{paging, workspace};
use super::model::model;
use super::page::{Page, listing};
use crate::{Error, ParamLocation};

/// Lists the sub-folders of a folder (`ListFolders`), a page at a time. Every parameter goes
/// in the form body.
///
/// ```
/// use di_proto::ops::{ListFolders, Operation};
/// let request = ListFolders::new(10000, "Workflow").to_rpc_request()?;
/// let names: Vec<_> = request.params().map(|(name, _, _)| name).collect();
/// assert_eq!(names, ["ProjectId", "ParentFolderPath", "PageNumber", "PageSize"]);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ListFolders {
    /// `ProjectId`: the workspace id (this or `project_identifier`).
    pub project_id: Option<i64>,
    /// `ProjectIdentifier`: the workspace name (this or `project_id`).
    pub project_identifier: Option<String>,
    /// `ParentFolderPath`: the folder whose sub-folders are listed.
    pub parent_folder_path: String,
    /// `PageNumber`, from 1.
    pub page_number: u32,
    /// `PageSize`, 1 to 100.
    pub page_size: u32,
}

impl ListFolders {
    /// The action name on the wire.
    pub const ACTION: &'static str = "ListFolders";

    /// Lists the sub-folders of `parent_folder_path` in workspace `project_id`, 100 to a
    /// page.
    pub fn new(project_id: i64, parent_folder_path: impl Into<String>) -> Self {
        ListFolders {
            project_id: Some(project_id),
            project_identifier: None,
            parent_folder_path: parent_folder_path.into(),
            page_number: 1,
            page_size: 100,
        }
    }
}

model! {
    /// A folder (`Data.Folders[]` of `ListFolders`).
    pub struct FolderRecord {
        /// The folder's id.
        "FolderId" => folder_id: Option<String>,
        /// The folder's path.
        "FolderPath" => folder_path: Option<String>,
    }
}

impl Declared for ListFolders {
    const ACTION: &'static str = Self::ACTION;
    const PLACE: ParamLocation = ParamLocation::Body;
    type Output = Page<FolderRecord>;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        workspace(params, self.project_id, self.project_identifier.as_deref())?;
        params.text("ParentFolderPath", &self.parent_folder_path)?;
        paging(params, self.page_number, self.page_size)
    }
}

listing!(ListFolders => FolderRecord, member "Folders");
