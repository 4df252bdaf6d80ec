//! `ListFolders`: pages through the sub-folders of a DataStudio folder.

use super::declare::{Declared, Params, Reading, Reply, operation};
use super::list_files::{paging, workspace};
use super::model::model;
use super::page::{self, Page, Paginated};
use crate::{Error, ParamLocation, ResponseContext};

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

    /// Pages of `page_size` folders (1 to 100).
    #[must_use]
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
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

operation!(ListFolders => Page<FolderRecord>);

impl Reply for Page<FolderRecord> {
    fn read<B: AsRef<[u8]>>(
        _: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        page::read_page("Folders", response, context)
    }
}

impl Paginated for ListFolders {
    type Item = FolderRecord;

    const ACTION: &'static str = Self::ACTION;

    fn at_page(&self, page_number: u32) -> Self {
        ListFolders {
            page_number,
            ..self.clone()
        }
    }

    fn page_size(&self) -> u32 {
        self.page_size
    }
}
