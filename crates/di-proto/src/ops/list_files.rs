//! `ListFiles`: pages through the DataStudio files of a workspace, where tasks get their ids.

use super::declare::{Declared, Params};
use super::model::model;
use super::page::{self, Page, listing};
use crate::{Error, ParamLocation};

/// Lists the DataStudio files of a workspace (`ListFiles`), a page at a time: the way to find
/// a task's `FileId`. Real-time tasks are files of type 900 ([`FileType::REALTIME_SYNC`]),
/// batch tasks of type 23 ([`FileType::BATCH_SYNC`]). Every parameter goes in the form body,
/// as the official SDKs send them.
///
/// ```
/// use di_proto::ops::{FileType, ListFiles, Operation};
/// use di_proto::ParamLocation;
///
/// let list = ListFiles::new(10000)
///     .with_file_types([FileType::REALTIME_SYNC, FileType::BATCH_SYNC])
///     .with_folder("Workflow/orders")
///     .with_page_size(100);
/// let request = list.to_rpc_request()?;
/// assert!(request.params().all(|(_, _, at)| at == ParamLocation::Body));
/// assert!(request.params().any(|param| param == ("FileTypes", "900,23", ParamLocation::Body)));
/// assert!(ListFiles::new(10000).with_page_size(101).to_rpc_request().is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ListFiles {
    /// `ProjectId`: the workspace id (this or `project_identifier`).
    pub project_id: Option<i64>,
    /// `ProjectIdentifier`: the workspace name (this or `project_id`).
    pub project_identifier: Option<String>,
    /// `FileFolderPath`: only files in this folder.
    pub folder: Option<String>,
    /// `Keyword`: only files whose names contain it.
    pub keyword: Option<String>,
    /// `ExactFileName`: only the file of this name.
    pub exact_file_name: Option<String>,
    /// `FileTypes`: only files of these types.
    pub file_types: Vec<FileType>,
    /// `FileIdIn`: only files among these ids (50 at most).
    pub file_ids: Vec<i64>,
    /// `Owner`: only files of this owner (an Alibaba Cloud account id).
    pub owner: Option<String>,
    /// `LastEditUser`: only files last changed by this account.
    pub last_edit_user: Option<String>,
    /// `NodeId`: only the file of this scheduling node.
    pub node_id: Option<i64>,
    /// `UseType`: only files of this module (`NORMAL`, `MANUAL`, `MANUAL_BIZ`, `SKIP`,
    /// `ADHOCQUERY`, `COMPONENT`).
    pub use_type: Option<String>,
    /// `NeedContent`: include each file's content.
    pub need_content: Option<bool>,
    /// `NeedAbsoluteFolderPath`: include each file's folder path.
    pub need_absolute_folder_path: Option<bool>,
    /// `PageNumber`, from 1.
    pub page_number: u32,
    /// `PageSize`, 1 to 100 (the service's default is 10).
    pub page_size: u32,
}

/// The type of a DataStudio file (`FileType`, `FileTypes`); the documented codes include
/// 6 (Shell), 10 (ODPS SQL), 23 (Data Integration, batch), 900 (real-time synchronization).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileType(pub i64);

impl FileType {
    /// 23: a batch synchronization task (`DI_OFFLINE`).
    pub const BATCH_SYNC: FileType = FileType(23);
    /// 900: a real-time synchronization task (`DI_REALTIME`).
    pub const REALTIME_SYNC: FileType = FileType(900);
}

impl ListFiles {
    /// The action name on the wire.
    pub const ACTION: &'static str = "ListFiles";

    /// Lists the files of workspace `project_id`, 100 to a page.
    pub fn new(project_id: i64) -> Self {
        ListFiles {
            project_id: Some(project_id),
            project_identifier: None,
            folder: None,
            keyword: None,
            exact_file_name: None,
            file_types: Vec::new(),
            file_ids: Vec::new(),
            owner: None,
            last_edit_user: None,
            node_id: None,
            use_type: None,
            need_content: None,
            need_absolute_folder_path: None,
            page_number: 1,
            page_size: 100,
        }
    }

    /// Lists the files of the workspace named `project_identifier`, 100 to a page.
    pub fn for_workspace_name(project_identifier: impl Into<String>) -> Self {
        ListFiles {
            project_id: None,
            project_identifier: Some(project_identifier.into()),
            ..ListFiles::new(0)
        }
    }

    /// Only files in folder `path` (`FileFolderPath`).
    #[must_use]
    pub fn with_folder(mut self, path: impl Into<String>) -> Self {
        self.folder = Some(path.into());
        self
    }

    /// Only files whose names contain `keyword` (`Keyword`).
    #[must_use]
    pub fn with_keyword(mut self, keyword: impl Into<String>) -> Self {
        self.keyword = Some(keyword.into());
        self
    }

    /// Only the file named `name` (`ExactFileName`).
    #[must_use]
    pub fn with_exact_file_name(mut self, name: impl Into<String>) -> Self {
        self.exact_file_name = Some(name.into());
        self
    }

    /// Only files of these types (`FileTypes`).
    #[must_use]
    pub fn with_file_types(mut self, types: impl IntoIterator<Item = FileType>) -> Self {
        self.file_types = types.into_iter().collect();
        self
    }

    /// Only files among these ids (`FileIdIn`, 50 at most).
    #[must_use]
    pub fn with_file_ids(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.file_ids = ids.into_iter().collect();
        self
    }

    /// Only files of this owner (`Owner`).
    #[must_use]
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Includes each file's absolute folder path (`NeedAbsoluteFolderPath`).
    #[must_use]
    pub fn with_absolute_folder_path(mut self, need: bool) -> Self {
        self.need_absolute_folder_path = Some(need);
        self
    }

    /// Includes each file's content (`NeedContent`).
    #[must_use]
    pub fn with_content(mut self, need: bool) -> Self {
        self.need_content = Some(need);
        self
    }
}

model! {
    /// A file of `ListFiles` (`Data.Files[]`) and of `GetFile` (`Data.File`).
    pub struct FileRecord {
        /// The file's id: a task's `FileId`.
        "FileId" => file_id: Option<i64>,
        /// The file's name: a task's name.
        "FileName" => file_name: Option<String>,
        /// The file's type (900: real-time synchronization; 23: batch synchronization).
        "FileType" => file_type: Option<i64>,
        /// The folder's path (when asked for with `NeedAbsoluteFolderPath`).
        "AbsoluteFolderPath" => absolute_folder_path: Option<String>,
        /// The folder's id.
        "FileFolderId" => file_folder_id: Option<String>,
        /// The file's description.
        "FileDescription" => file_description: Option<String>,
        /// The file's content (`ListFiles`: deprecated, when asked for; `GetFile`: the code).
        "Content" => content: Option<String> [script],
        /// Whether automatic parsing is on.
        "AutoParsing" => auto_parsing: Option<bool>,
        /// The workflow (deprecated; see `business_id`).
        "BizId" => biz_id: Option<i64>,
        /// The workflow the file belongs to.
        "BusinessId" => business_id: Option<i64>,
        /// Whether the latest code is committed (1) or not (0).
        "CommitStatus" => commit_status: Option<i64>,
        /// The compute engine instance.
        "ConnectionName" => connection_name: Option<String>,
        /// When the file was created, in ms since the Unix epoch.
        "CreateTime" => create_time: Option<i64>,
        /// Who created it.
        "CreateUser" => create_user: Option<String>,
        /// Its latest version.
        "CurrentVersion" => current_version: Option<i64>,
        /// Whether it is uploaded to MaxCompute (resource files).
        "IsMaxCompute" => is_max_compute: Option<bool>,
        /// When it was last changed, in ms since the Unix epoch.
        "LastEditTime" => last_edit_time: Option<i64>,
        /// Who changed it last.
        "LastEditUser" => last_edit_user: Option<String>,
        /// Its scheduling node, once committed.
        "NodeId" => node_id: Option<i64>,
        /// Its owner.
        "Owner" => owner: Option<String>,
        /// The node group file it is part of.
        "ParentId" => parent_id: Option<i64>,
        /// Its module (`NORMAL`, `MANUAL`, ...).
        "UseType" => use_type: Option<String>,
        /// `GetFile` only: the EMR node's advanced settings.
        "AdvancedSettings" => advanced_settings: Option<String>,
        /// `GetFile` only: `NORMAL`, `RECYCLE_BIN` or `DELETED`.
        "DeletedStatus" => deleted_status: Option<String>,
    }
}

impl Declared for ListFiles {
    const ACTION: &'static str = Self::ACTION;
    const PLACE: ParamLocation = ParamLocation::Body;
    type Output = Page<FileRecord>;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        workspace(params, self.project_id, self.project_identifier.as_deref())?;
        params.opt_text("FileFolderPath", self.folder.as_deref())?;
        params.opt_text("Keyword", self.keyword.as_deref())?;
        params.opt_text("ExactFileName", self.exact_file_name.as_deref())?;
        if !self.file_types.is_empty() {
            let codes: Vec<String> = self.file_types.iter().map(|t| t.0.to_string()).collect();
            params.text("FileTypes", &codes.join(","))?;
        }
        if self.file_ids.len() > 50 || self.file_ids.iter().any(|id| *id <= 0) {
            return Err(Error::InvalidParameter {
                name: "FileIdIn".to_owned(),
                reason: "takes 1 to 50 positive ids",
            });
        }
        if !self.file_ids.is_empty() {
            let ids: Vec<String> = self.file_ids.iter().map(i64::to_string).collect();
            params.text("FileIdIn", &ids.join(","))?;
        }
        params.opt_text("Owner", self.owner.as_deref())?;
        params.opt_text("LastEditUser", self.last_edit_user.as_deref())?;
        params.opt_id("NodeId", self.node_id)?;
        params.opt_text("UseType", self.use_type.as_deref())?;
        params.opt_flag("NeedContent", self.need_content);
        params.opt_flag("NeedAbsoluteFolderPath", self.need_absolute_folder_path);
        paging(params, self.page_number, self.page_size)
    }
}

listing!(ListFiles => FileRecord, member "Files");

/// `ProjectId` or `ProjectIdentifier`: one of them is required.
pub(super) fn workspace(
    params: &mut Params,
    project_id: Option<i64>,
    project_identifier: Option<&str>,
) -> Result<(), Error> {
    if project_id.is_none() && project_identifier.is_none() {
        return Err(Error::InvalidParameter {
            name: "ProjectId".to_owned(),
            reason: "give the workspace's id (ProjectId) or its name (ProjectIdentifier)",
        });
    }
    params.opt_id("ProjectId", project_id)?;
    params.opt_text("ProjectIdentifier", project_identifier)
}

/// `PageNumber` (from 1) and `PageSize` (1 to 100).
pub(super) fn paging(params: &mut Params, page_number: u32, page_size: u32) -> Result<(), Error> {
    page::page_size(page_size, 100)?;
    params.id("PageNumber", i64::from(page_number))?;
    params.opt_number("PageSize", Some(i64::from(page_size)));
    Ok(())
}
