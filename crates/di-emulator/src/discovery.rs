//! The discovery actions: the tasks seen as DataStudio files and folders (`ListFiles`,
//! `GetFile`, `ListFolders`) and by the data sources they read and write
//! (`ListRefDISyncTasks`).
//!
//! A real-time task is a file of `FileType` 900, a batch task one of `FileType` 23; a solution
//! is no file. A deleted task is listed nowhere, and `GetFile` shows it with `DeletedStatus`
//! `RECYCLE_BIN`. Folders are the tasks' folders (`TaskParam`'s `FileFolderPath`) and their
//! parents; a folder's id is a hash of its workspace and path, so it stays the same however
//! the tasks came. Every file is owned, created and last edited by
//! [`DEMO_OWNER_ID`], in module `NORMAL`.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use crate::config::DEMO_OWNER_ID;
use crate::gateway::Refusal;
use crate::service::param_invalid;
use crate::state::{Task, TaskState, TaskType};

/// The scheduling node of file `N` is `NODE_ID_BASE + N` (`NodeId`).
const NODE_ID_BASE: i64 = 700_000_000_000;
/// `PageSize` when none is given.
const DEFAULT_PAGE_SIZE: i64 = 10;
/// The largest `PageSize`.
const MAX_PAGE_SIZE: i64 = 100;
/// The most ids `FileIdIn` may list.
const MAX_FILE_IDS: usize = 50;
/// The largest `PageNumber` of `ListRefDISyncTasks`.
const MAX_REF_PAGE_NUMBER: i64 = 100;
/// The top folder of workflows, as DataStudio names it.
const BUSINESS_FLOW: &str = "Business Flow";

/// The request's parameters.
type Params = HashMap<String, String>;
/// Tasks by `(project id, file id)`.
type Tasks = HashMap<(i64, i64), Task>;

/// `path` as the emulator keeps folder paths: segments joined by single `/`, no leading or
/// trailing one; the root is empty.
pub(crate) fn normalize_folder(path: &str) -> String {
    path.split('/')
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// The folder that holds `path` (the root for a top folder); `None` for the root.
fn parent_of(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    Some(path.rsplit_once('/').map_or("", |(parent, _)| parent))
}

/// Whether `folder` is `under` or inside it.
fn is_within(folder: &str, under: &str) -> bool {
    under.is_empty()
        || folder == under
        || folder
            .strip_prefix(under)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// FNV-1a, 64 bits: stable ids from text, with no dependency.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `FolderId` of folder `path` in workspace `project_id`: 16 hex digits.
pub(crate) fn folder_id(project_id: i64, path: &str) -> String {
    format!("{:016x}", fnv1a(&format!("{project_id}/{path}")))
}

/// `BusinessId` of a file in `folder`: the workflow's (`Business Flow/NAME/...`), else 0.
fn business_id(project_id: i64, folder: &str) -> i64 {
    let mut segments = folder.split('/');
    match (segments.next(), segments.next()) {
        (Some(BUSINESS_FLOW), Some(workflow)) => {
            let hash = fnv1a(&format!("{project_id}/{BUSINESS_FLOW}/{workflow}"));
            i64::try_from(hash % 1_000_000_000).unwrap_or_default() + 1
        }
        _ => 0,
    }
}

/// The `NodeId` of file `file_id`.
pub(crate) fn node_id(file_id: i64) -> i64 {
    NODE_ID_BASE.saturating_add(file_id)
}

/// The file a task is, as `ListFiles` lists it; `None` for a solution or a deleted task.
fn listed(task: &Task) -> Option<i64> {
    task.task_type
        .file_type()
        .filter(|_| task.state != TaskState::Deleted)
}

/// A file's record: what `ListFiles` and `GetFile` share.
fn file_record(project_id: i64, file_id: i64, task: &Task, file_type: i64) -> Map<String, Value> {
    let committed = !matches!(task.state, TaskState::Undeployed | TaskState::Deleted)
        && task.task_type != TaskType::DiOffline;
    let business = business_id(project_id, &task.folder);
    let mut record = Map::new();
    for (name, value) in [
        ("AutoParsing", Value::from(false)),
        ("BizId", Value::from(business)),
        ("BusinessId", Value::from(business)),
        ("CommitStatus", Value::from(i64::from(committed))),
        ("CreateTime", Value::from(task.created_ms)),
        ("CreateUser", Value::from(DEMO_OWNER_ID)),
        ("CurrentVersion", Value::from(task.version)),
        ("FileDescription", Value::from("")),
        (
            "FileFolderId",
            Value::from(folder_id(project_id, &task.folder)),
        ),
        ("FileId", Value::from(file_id)),
        ("FileName", Value::from(task.name.as_str())),
        ("FileType", Value::from(file_type)),
        ("LastEditTime", Value::from(task.edited_ms)),
        ("LastEditUser", Value::from(DEMO_OWNER_ID)),
        ("NodeId", Value::from(node_id(file_id))),
        ("Owner", Value::from(DEMO_OWNER_ID)),
        ("UseType", Value::from("NORMAL")),
    ] {
        record.insert(name.to_owned(), value);
    }
    record
}

/// A boolean parameter: `true` / `false` in any case (Tea Python sends `True` / `False`);
/// absent is `false`.
fn flag(params: &Params, name: &str) -> Result<bool, Refusal> {
    match params.get(name) {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") || value.is_empty() => Ok(false),
        Some(_) => Err(param_invalid(&format!("{name} must be true or false."))),
    }
}

/// An integer parameter, when given.
fn integer(params: &Params, name: &str) -> Result<Option<i64>, Refusal> {
    match params.get(name).filter(|value| !value.is_empty()) {
        None => Ok(None),
        Some(value) => value
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| param_invalid(&format!("{name} must be an integer."))),
    }
}

/// `PageNumber` (default 1, at least 1, at most `max_page`) and `PageSize` (default 10, 1 to
/// 100).
fn paging(params: &Params, max_page: i64) -> Result<(i64, i64), Refusal> {
    let page = integer(params, "PageNumber")?.unwrap_or(1);
    if !(1..=max_page).contains(&page) {
        return Err(param_invalid(&format!(
            "PageNumber must be 1 to {max_page}."
        )));
    }
    let size = integer(params, "PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(param_invalid(&format!(
            "PageSize must be 1 to {MAX_PAGE_SIZE}."
        )));
    }
    Ok((page, size))
}

/// The items of page `page` of size `size`.
fn page_of<T>(items: Vec<T>, page: i64, size: i64) -> Vec<T> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let skip = usize::try_from(page.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .saturating_mul(size);
    items.into_iter().skip(skip).take(size).collect()
}

/// A comma-separated list of integers.
fn integer_list(params: &Params, name: &str) -> Result<Option<Vec<i64>>, Refusal> {
    let Some(list) = params.get(name).filter(|list| !list.trim().is_empty()) else {
        return Ok(None);
    };
    list.split(',')
        .map(|item| item.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(|_| param_invalid(&format!("{name} must list integers, comma-separated.")))
}

/// `ListFiles`: the workspace's files that pass every filter given, by `FileId`, one page.
pub(crate) fn list_files(
    tasks: &Tasks,
    project_id: i64,
    params: &Params,
) -> Result<Value, Refusal> {
    let (page, size) = paging(params, i64::MAX)?;
    let need_content = flag(params, "NeedContent")?;
    let need_path = flag(params, "NeedAbsoluteFolderPath")?;
    let file_types = integer_list(params, "FileTypes")?;
    let file_ids = integer_list(params, "FileIdIn")?;
    if file_ids
        .as_ref()
        .is_some_and(|ids| ids.len() > MAX_FILE_IDS)
    {
        return Err(param_invalid(&format!(
            "FileIdIn lists at most {MAX_FILE_IDS} ids."
        )));
    }
    let node = integer(params, "NodeId")?;
    let folder = params
        .get("FileFolderPath")
        .map(|path| normalize_folder(path));
    let text = |name: &str| params.get(name).filter(|value| !value.is_empty());
    let keyword = text("Keyword").map(|keyword| keyword.to_lowercase());
    let exact = text("ExactFileName");
    let owner = text("Owner");
    let editor = text("LastEditUser");
    let use_type = text("UseType");

    let mut matching: Vec<(i64, &Task, i64)> = tasks
        .iter()
        .filter(|((project, _), _)| *project == project_id)
        .filter_map(|((_, file), task)| Some((*file, task, listed(task)?)))
        .filter(|(file, task, file_type)| {
            folder
                .as_deref()
                .is_none_or(|folder| is_within(&task.folder, folder))
                && keyword
                    .as_deref()
                    .is_none_or(|keyword| task.name.to_lowercase().contains(keyword))
                && exact.is_none_or(|exact| task.name == *exact)
                && file_types
                    .as_ref()
                    .is_none_or(|types| types.contains(file_type))
                && file_ids.as_ref().is_none_or(|ids| ids.contains(file))
                && node.is_none_or(|node| node == node_id(*file))
                && owner.is_none_or(|owner| owner == DEMO_OWNER_ID)
                && editor.is_none_or(|editor| editor == DEMO_OWNER_ID)
                && use_type.is_none_or(|use_type| use_type == "NORMAL")
        })
        .collect();
    matching.sort_unstable_by_key(|(file, _, _)| *file);
    let total = matching.len();
    let files: Vec<Value> = page_of(matching, page, size)
        .into_iter()
        .map(|(file, task, file_type)| {
            let mut record = file_record(project_id, file, task, file_type);
            if need_path {
                record.insert(
                    "AbsoluteFolderPath".to_owned(),
                    Value::from(task.folder.as_str()),
                );
            }
            if need_content {
                record.insert("Content".to_owned(), Value::from(task.content.as_str()));
            }
            Value::Object(record)
        })
        .collect();
    Ok(json!({
        "Files": files,
        "PageNumber": page,
        "PageSize": size,
        "TotalCount": total,
    }))
}

/// `GetFile`: one file by `FileId` (or else `NodeId`), with its script and a scheduling
/// configuration.
pub(crate) fn get_file(tasks: &Tasks, project_id: i64, params: &Params) -> Result<Value, Refusal> {
    let file_id = match (integer(params, "FileId")?, integer(params, "NodeId")?) {
        (Some(file), _) => file,
        (None, Some(node)) => node.saturating_sub(NODE_ID_BASE),
        (None, None) => return Err(param_invalid("Give FileId or NodeId.")),
    };
    let found = tasks
        .get(&(project_id, file_id))
        .and_then(|task| Some((task, task.task_type.file_type()?)));
    let Some((task, file_type)) = found else {
        return Err(param_invalid(&format!(
            "The file {file_id} does not exist."
        )));
    };
    let mut file = file_record(project_id, file_id, task, file_type);
    file.insert("Content".to_owned(), Value::from(task.content.as_str()));
    let deleted = if task.state == TaskState::Deleted {
        "RECYCLE_BIN"
    } else {
        "NORMAL"
    };
    file.insert("DeletedStatus".to_owned(), Value::from(deleted));
    file.insert("AdvancedSettings".to_owned(), Value::from(""));
    file.insert("ConnectionName".to_owned(), Value::from(""));
    let configuration = json!({
        "ApplyScheduleImmediately": "false",
        "AutoRerunIntervalMillis": 120_000,
        "AutoRerunTimes": 3,
        "CronExpress": "00 00 00 * * ?",
        "CycleType": "DAY",
        "DependentNodeIdList": "",
        "DependentType": "NONE",
        "EndEffectDate": 4_155_787_800_000_i64,
        "IgnoreParentSkipRunningProperty": "false",
        "ImageId": "",
        "InputList": [],
        "InputParameters": [],
        "OutputList": [{
            "Output": format!("{project_id}.{}_out", node_id(file_id)),
            "RefTableName": "",
        }],
        "OutputParameters": [],
        "ParaValue": "",
        "RerunMode": "ALL_ALLOWED",
        "ResourceGroupId": 0,
        "SchedulerType": "NORMAL",
        "StartEffectDate": 0,
        "StartImmediately": false,
        "Stop": false,
        "Timeout": 0,
    });
    Ok(json!({"File": file, "NodeConfiguration": configuration}))
}

/// `ListFolders`: the folders directly in `ParentFolderPath` (`/` or empty: the top ones),
/// by path, one page.
pub(crate) fn list_folders(
    tasks: &Tasks,
    project_id: i64,
    params: &Params,
) -> Result<Value, Refusal> {
    let (page, size) = paging(params, i64::MAX)?;
    let parent = normalize_folder(params.get("ParentFolderPath").map_or("", String::as_str));
    let mut folders = BTreeSet::new();
    for ((project, _), task) in tasks {
        if *project != project_id || listed(task).is_none() {
            continue;
        }
        let mut path = task.folder.as_str();
        while let Some(up) = parent_of(path) {
            folders.insert(path);
            path = up;
        }
    }
    let children: Vec<&str> = folders
        .into_iter()
        .filter(|path| parent_of(path) == Some(parent.as_str()))
        .collect();
    let total = children.len();
    let listed: Vec<Value> = page_of(children, page, size)
        .into_iter()
        .map(|path| json!({"FolderId": folder_id(project_id, path), "FolderPath": path}))
        .collect();
    Ok(json!({
        "Folders": listed,
        "PageNumber": page,
        "PageSize": size,
        "TotalCount": total,
    }))
}

/// The data sources a script reads and writes: the `datasource` of every step (an object
/// with `category` `reader` or `writer`), in its `parameter` or its `parameter.connection`
/// entries, at any depth, each once, in order.
pub(crate) fn data_sources(script: &str) -> (Vec<String>, Vec<String>) {
    fn walk(value: &Value, sources: &mut Vec<String>, destinations: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                let side = match object.get("category").and_then(Value::as_str) {
                    Some("reader") => Some(&mut *sources),
                    Some("writer") => Some(&mut *destinations),
                    _ => None,
                };
                if let Some(side) = side {
                    let parameter = object.get("parameter");
                    let connections = parameter
                        .and_then(|parameter| parameter.get("connection"))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten();
                    let names = parameter
                        .into_iter()
                        .chain(connections)
                        .filter_map(|holder| holder.get("datasource").and_then(Value::as_str));
                    for name in names {
                        if !name.is_empty() && !side.iter().any(|known| known == name) {
                            side.push(name.to_owned());
                        }
                    }
                }
                for child in object.values() {
                    walk(child, sources, destinations);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, sources, destinations);
                }
            }
            _ => {}
        }
    }
    let (mut sources, mut destinations) = (Vec::new(), Vec::new());
    if let Ok(value) = serde_json::from_str::<Value>(script) {
        walk(&value, &mut sources, &mut destinations);
    }
    (sources, destinations)
}

/// One name, or a JSON array of them when there are several (as `DiSourceDatasource` and
/// `DiDestinationDatasource` are documented).
fn names_text(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        _ => Value::from(names.to_vec()).to_string(),
    }
}

/// `ListRefDISyncTasks`: the tasks of `task_type` whose script reads (`RefType=from`) or
/// writes (`to`) data source `DatasourceName`, by file id, one page.
pub(crate) fn list_ref_tasks(
    tasks: &Tasks,
    project_id: i64,
    task_type: TaskType,
    params: &Params,
) -> Result<Value, Refusal> {
    let (page, size) = paging(params, MAX_REF_PAGE_NUMBER)?;
    let reading = match params.get("RefType").map(String::as_str) {
        Some("from") => true,
        Some("to") => false,
        _ => return Err(param_invalid("RefType must be from or to.")),
    };
    let name = params
        .get("DatasourceName")
        .map(String::as_str)
        .unwrap_or_default();
    let mut matching: Vec<(i64, &Task, Vec<String>, Vec<String>)> = tasks
        .iter()
        .filter(|((project, _), task)| {
            *project == project_id
                && task.task_type == task_type
                && task.state != TaskState::Deleted
        })
        .filter_map(|((_, file), task)| {
            let (sources, destinations) = data_sources(&task.content);
            let side = if reading { &sources } else { &destinations };
            side.iter()
                .any(|known| known == name)
                .then_some((*file, task, sources, destinations))
        })
        .collect();
    matching.sort_unstable_by_key(|(file, ..)| *file);
    let listed: Vec<Value> = page_of(matching, page, size)
        .into_iter()
        .map(|(file, task, sources, destinations)| {
            json!({
                "NodeId": node_id(file),
                "NodeName": task.name,
                "TaskType": task.task_type.as_str(),
                "DiSourceDatasource": names_text(&sources),
                "DiDestinationDatasource": names_text(&destinations),
            })
        })
        .collect();
    Ok(json!({"DISyncTasks": listed}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_normalize_and_nest() {
        assert_eq!(normalize_folder("/a//b/ c /"), "a/b/c");
        assert_eq!(normalize_folder("/"), "");
        assert_eq!(parent_of("a/b/c"), Some("a/b"));
        assert_eq!(parent_of("a"), Some(""));
        assert_eq!(parent_of(""), None);
        assert!(is_within("a/b", "a"));
        assert!(is_within("a", "a"));
        assert!(is_within("a", ""));
        assert!(!is_within("ab", "a"));
        assert_eq!(folder_id(1, "a/b"), folder_id(1, "a/b"));
        assert_ne!(folder_id(1, "a/b"), folder_id(2, "a/b"));
        assert_eq!(folder_id(1, "a").len(), 16);
        assert!(business_id(1, "Business Flow/sales/Data Integration") > 0);
        assert_eq!(
            business_id(1, "Business Flow/sales/x"),
            business_id(1, "Business Flow/sales/y")
        );
        assert_eq!(business_id(1, "elsewhere/x"), 0);
    }

    #[test]
    fn reads_the_data_sources_of_a_script() {
        let script = r#"{"steps":[
            {"category":"reader","parameter":{"datasource":"a","connection":[{"datasource":"b"},{"datasource":"a"}]}},
            {"category":"writer","parameter":{"datasource":"c"}},
            {"category":"other","parameter":{"datasource":"d"}},
            {"nested":{"category":"writer","parameter":{"connection":[{"datasource":"e"}]}}}
        ]}"#;
        assert_eq!(
            data_sources(script),
            (
                vec!["a".to_owned(), "b".to_owned()],
                vec!["c".to_owned(), "e".to_owned()]
            )
        );
        assert_eq!(data_sources("not json"), (vec![], vec![]));
        assert_eq!(names_text(&["a".to_owned()]), "a");
        assert_eq!(
            names_text(&["a".to_owned(), "b".to_owned()]),
            r#"["a","b"]"#
        );
        assert_eq!(names_text(&[]), "[]");
    }

    #[test]
    fn flags_take_either_case_and_pages_are_bounded() {
        let params = |pairs: &[(&str, &str)]| -> Params {
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect()
        };
        for (text, expected) in [
            ("True", true),
            ("true", true),
            ("False", false),
            ("false", false),
        ] {
            assert_eq!(
                flag(&params(&[("NeedContent", text)]), "NeedContent"),
                Ok(expected)
            );
        }
        assert!(flag(&params(&[("NeedContent", "yes")]), "NeedContent").is_err());
        assert_eq!(paging(&params(&[]), 100), Ok((1, 10)));
        assert_eq!(paging(&params(&[("PageSize", "100")]), 100), Ok((1, 100)));
        for bad in [
            ("PageSize", "101"),
            ("PageSize", "0"),
            ("PageNumber", "0"),
            ("PageNumber", "101"),
            ("PageSize", "x"),
        ] {
            assert!(paging(&params(&[bad]), 100).is_err(), "{bad:?}");
        }
        assert_eq!(page_of((1..=25).collect(), 3, 10), vec![21, 22, 23, 24, 25]);
        assert_eq!(
            page_of((1..=25).collect::<Vec<i32>>(), 4, 10),
            Vec::<i32>::new()
        );
    }
}
