//! `GetFile`: one DataStudio file, with its scheduling configuration.

use super::change::{self, DataAnswer};
use super::declare::{Declared, Params, Reading, Reply, operation};
use super::list_files::{FileRecord, workspace};
use super::model::model;
use crate::error::BodyProblem;
use crate::{Error, ParamLocation, ResponseContext};

/// Reads one DataStudio file by its file id or its node id (`GetFile`): the file
/// (`Data.File`), its scheduling configuration (`Data.NodeConfiguration`) and, for a
/// resource, its download link. Every parameter goes in the form body.
///
/// ```
/// use di_proto::ops::{GetFile, Operation};
/// let request = GetFile::new(10000, 100).to_rpc_request()?;
/// let names: Vec<_> = request.params().map(|(name, _, _)| name).collect();
/// assert_eq!(names, ["ProjectId", "FileId"]);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GetFile {
    /// `ProjectId`: the workspace id (this or `project_identifier`).
    pub project_id: Option<i64>,
    /// `ProjectIdentifier`: the workspace name (this or `project_id`).
    pub project_identifier: Option<String>,
    /// `FileId` (this or `node_id`).
    pub file_id: Option<i64>,
    /// `NodeId`: the file's scheduling node (this or `file_id`).
    pub node_id: Option<i64>,
}

impl GetFile {
    /// The action name on the wire.
    pub const ACTION: &'static str = "GetFile";

    /// Reads file `file_id` of workspace `project_id`.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        GetFile {
            project_id: Some(project_id),
            project_identifier: None,
            file_id: Some(file_id),
            node_id: None,
        }
    }

    /// Reads the file of scheduling node `node_id` of workspace `project_id`.
    pub fn by_node(project_id: i64, node_id: i64) -> Self {
        GetFile {
            project_id: Some(project_id),
            project_identifier: None,
            file_id: None,
            node_id: Some(node_id),
        }
    }
}

/// The answer to `GetFile`. `Debug` shows the content's length and the names of the members
/// of `data` only: a task's code can hold a data source's password.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileDetails {
    /// The request id.
    pub request_id: String,
    /// `Data.File`.
    pub file: FileRecord,
    /// `Data.NodeConfiguration`, when sent.
    pub node_configuration: Option<NodeConfiguration>,
    /// `Data.ResourceDownloadLink.downloadLink`, for a resource file.
    pub download_link: Option<String>,
    /// The whole `Data` member, for members added after this crate (XML values as text).
    pub data: serde_json::Value,
}

impl std::fmt::Debug for FileDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileDetails")
            .field("request_id", &self.request_id)
            .field("file", &self.file)
            .field("node_configuration", &self.node_configuration)
            .field("download_link", &self.download_link)
            .field("data", &super::change::RawData(&self.data))
            .finish()
    }
}

model! {
    /// The scheduling configuration of a file (`Data.NodeConfiguration` of `GetFile`).
    pub struct NodeConfiguration {
        /// Whether the configuration takes effect at once after deployment.
        "ApplyScheduleImmediately" => apply_schedule_immediately: Option<String>,
        /// The interval between automatic reruns, in ms.
        "AutoRerunIntervalMillis" => auto_rerun_interval_millis: Option<i64>,
        /// How many automatic reruns are allowed.
        "AutoRerunTimes" => auto_rerun_times: Option<i64>,
        /// The CRON expression of the schedule.
        "CronExpress" => cron_express: Option<String>,
        /// `NOT_DAY` or `DAY`.
        "CycleType" => cycle_type: Option<String>,
        /// The nodes depended on, comma-separated.
        "DependentNodeIdList" => dependent_node_id_list: Option<String>,
        /// The cross-cycle dependency (`SELF`, `CHILD`, `USER_DEFINE`, `NONE`).
        "DependentType" => dependent_type: Option<String>,
        /// When automatic scheduling ends, in ms since the Unix epoch.
        "EndEffectDate" => end_effect_date: Option<i64>,
        /// Whether the dry-run property of ancestor nodes is skipped.
        "IgnoreParentSkipRunningProperty" => ignore_parent_skip_running_property: Option<String>,
        /// The custom image.
        "ImageId" => image_id: Option<String>,
        /// The outputs of the parent files depended on.
        "InputList" => inputs: Vec<NodeInput>,
        /// The node's input parameters.
        "InputParameters" => input_parameters: Vec<NodeInputParameter>,
        /// The file's outputs.
        "OutputList" => outputs: Vec<NodeOutput>,
        /// The node's output parameters.
        "OutputParameters" => output_parameters: Vec<NodeOutputParameter>,
        /// The scheduling parameters.
        "ParaValue" => para_value: Option<String>,
        /// `ALL_ALLOWED`, `FAILURE_ALLOWED` or `ALL_DENIED`.
        "RerunMode" => rerun_mode: Option<String>,
        /// The resource group that runs the node.
        "ResourceGroupId" => resource_group_id: Option<i64>,
        /// `NORMAL`, `MANUAL`, `PAUSE` or `SKIP`.
        "SchedulerType" => scheduler_type: Option<String>,
        /// When automatic scheduling starts, in ms since the Unix epoch.
        "StartEffectDate" => start_effect_date: Option<i64>,
        /// Whether the node runs at once after deployment (EMR streaming nodes).
        "StartImmediately" => start_immediately: Option<bool>,
        /// Whether scheduling is suspended.
        "Stop" => stop: Option<bool>,
        /// The timeout.
        "Timeout" => timeout: Option<i64>,
    }
}

model! {
    /// An output of a parent file that a file depends on.
    pub struct NodeInput {
        /// The output's name.
        "Input" => input: Option<String>,
        /// `MANUAL` or `AUTO`.
        "ParseType" => parse_type: Option<String>,
    }
}

model! {
    /// An input parameter of a node.
    pub struct NodeInputParameter {
        /// The parameter's name.
        "ParameterName" => parameter_name: Option<String>,
        /// Where its value comes from.
        "ValueSource" => value_source: Option<String>,
    }
}

model! {
    /// An output of a file.
    pub struct NodeOutput {
        /// The output's name.
        "Output" => output: Option<String>,
        /// The output table.
        "RefTableName" => ref_table_name: Option<String>,
    }
}

model! {
    /// An output parameter of a node.
    pub struct NodeOutputParameter {
        /// The parameter's name.
        "ParameterName" => parameter_name: Option<String>,
        /// `1` constant, `2` variable, `3` pass-through variable.
        "Type" => kind: Option<String>,
        /// Its value.
        "Value" => value: Option<String>,
        /// Its description.
        "Description" => description: Option<String>,
    }
}

model! {
    /// A resource's download link.
    pub(crate) struct DownloadLink {
        "downloadLink" => download_link: Option<String>,
    }
}

model! {
    pub(crate) struct FileData {
        "File" => file: Option<FileRecord>,
        "NodeConfiguration" => node_configuration: Option<NodeConfiguration>,
        "ResourceDownloadLink" => resource_download_link: Option<DownloadLink>,
    }
}

impl Declared for GetFile {
    const ACTION: &'static str = Self::ACTION;
    const PLACE: ParamLocation = ParamLocation::Body;
    type Output = FileDetails;

    fn params(&self, params: &mut Params) -> Result<(), Error> {
        workspace(params, self.project_id, self.project_identifier.as_deref())?;
        if self.file_id.is_none() && self.node_id.is_none() {
            return Err(Error::InvalidParameter {
                name: "FileId".to_owned(),
                reason: "give the file's id (FileId) or its node's (NodeId)",
            });
        }
        params.opt_id("FileId", self.file_id)?;
        params.opt_id("NodeId", self.node_id)
    }
}

operation!(GetFile => FileDetails);

impl Reply for FileDetails {
    fn read<B: AsRef<[u8]>>(
        _: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        let (data, tree) = change::read_tree(response, context)?;
        let DataAnswer { request_id, .. } = data;
        let read: FileData = change::record(&tree, response, &request_id)?;
        let Some(file) = read.file else {
            let problem = BodyProblem::MissingField { field: "Data.File" };
            return Err(change::unexpected(response, problem, request_id));
        };
        Ok(FileDetails {
            request_id,
            file,
            node_configuration: read.node_configuration,
            download_link: read
                .resource_download_link
                .and_then(|link| link.download_link),
            data: tree,
        })
    }
}
