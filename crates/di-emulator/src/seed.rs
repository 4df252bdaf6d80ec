//! Tasks the emulator holds before any request: [`SeedTask`], from code
//! ([`Config::with_seed_task`](crate::Config::with_seed_task),
//! [`Handle::seed_task`](crate::Handle::seed_task),
//! [`Responder::seed_task`](crate::Responder::seed_task)) or from the binary's `--task`.

use crate::config::ConfigError;
use crate::discovery::normalize_folder;
use crate::state::{DEFAULT_SCRIPT, SEED_TIME_MS, Task, TaskState, TaskType};

/// The folder of a seeded task when none is given: a workflow's Data Integration folder, as
/// DataStudio lays them out.
pub const DEFAULT_TASK_FOLDER: &str = "Business Flow/emulator/Data Integration";

/// The name pattern of seeded tasks when none is given: `task_00001` for file id 1.
pub const DEFAULT_NAME_PATTERN: &str = "task_{id}";

/// The most ids one `--task` range may span.
const MAX_RANGE: i64 = 100_000;

/// A task the emulator holds from the start ([`Config::with_seed_task`](crate::Config::with_seed_task))
/// or gets at once, as if created long ago ([`Handle::seed_task`](crate::Handle::seed_task),
/// [`Responder::seed_task`](crate::Responder::seed_task)).
///
/// By default: a real-time task ([`TaskType::DiRealtime`]), deployed and running
/// ([`TaskState::Deployed`]), named `task_{id}` with the id zero-padded to five digits
/// (`task_00001`, `task_00100`, `task_123456`), in folder [`DEFAULT_TASK_FOLDER`], with a
/// script that reads data source `mysql_source` and writes `odps_destination`, created and
/// last edited at 2024-01-01T00:00:00Z.
///
/// ```
/// use di_emulator::{Config, SeedTask, TaskState, TaskType};
/// let config = Config::default().without_tasks().with_seed_task(
///     SeedTask::new(10000, 1)
///         .named("orders_to_odps")
///         .in_folder("Business Flow/sales/Data Integration")
///         .of_type(TaskType::DiOffline),
/// );
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedTask {
    pub(crate) project_id: i64,
    pub(crate) file_id: i64,
    pub(crate) name: String,
    pub(crate) folder: String,
    pub(crate) task_type: TaskType,
    pub(crate) state: TaskState,
    pub(crate) script: String,
}

impl SeedTask {
    /// Task `file_id` of workspace `project_id`, with the defaults above.
    pub fn new(project_id: i64, file_id: i64) -> Self {
        SeedTask {
            project_id,
            file_id,
            name: default_name(file_id),
            folder: normalize_folder(DEFAULT_TASK_FOLDER),
            task_type: TaskType::DiRealtime,
            state: TaskState::Deployed,
            script: DEFAULT_SCRIPT.to_owned(),
        }
    }

    /// Names it `name` (its `FileName`, and `GetDISyncInstanceInfo`'s `Name`).
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Puts it in folder `path` (`a/b/c`; leading, trailing and repeated `/` are dropped; an
    /// empty path is the root). Its parents are folders too (`ListFolders`).
    #[must_use]
    pub fn in_folder(mut self, path: &str) -> Self {
        self.folder = normalize_folder(path);
        self
    }

    /// Makes it a task of type `task_type`.
    #[must_use]
    pub fn of_type(mut self, task_type: TaskType) -> Self {
        self.task_type = task_type;
        self
    }

    /// Puts it in run state `state`, settled.
    #[must_use]
    pub fn in_state(mut self, state: TaskState) -> Self {
        self.state = state;
        self
    }

    /// Gives it `script` as its `TaskContent` (read by `GetDISyncTask`, `GetFile`, and
    /// `ListRefDISyncTasks` for its data sources).
    #[must_use]
    pub fn with_script(mut self, script: impl Into<String>) -> Self {
        self.script = script.into();
        self
    }

    /// The workspace.
    pub fn project_id(&self) -> i64 {
        self.project_id
    }

    /// The file id.
    pub fn file_id(&self) -> i64 {
        self.file_id
    }

    /// The task as the state holds it.
    pub(crate) fn to_task(&self) -> Task {
        let mut task = Task::new(self.file_id, self.state, SEED_TIME_MS);
        task.name.clone_from(&self.name);
        task.folder.clone_from(&self.folder);
        task.task_type = self.task_type;
        task.content.clone_from(&self.script);
        task
    }
}

/// The default name of task `file_id`: [`DEFAULT_NAME_PATTERN`] applied.
pub(crate) fn default_name(file_id: i64) -> String {
    apply_pattern(DEFAULT_NAME_PATTERN, file_id)
}

/// `pattern` with every `{id}` replaced by `file_id`, zero-padded to five digits.
pub(crate) fn apply_pattern(pattern: &str, file_id: i64) -> String {
    pattern.replace("{id}", &format!("{file_id:05}"))
}

/// Reads one `--task` value: `PROJECT_ID:FILE_ID[-FILE_ID]`, then optionally `,name=PATTERN`
/// (`{id}` is the file id, zero-padded to five digits), `,folder=PATH` (no comma in it) and
/// `,type=DI_OFFLINE|DI_REALTIME|DI_SOLUTION`, in any order.
pub(crate) fn parse_task_spec(text: &str) -> Result<Vec<SeedTask>, ConfigError> {
    let invalid = |reason| ConfigError::InvalidValue {
        option: "--task",
        value: text.to_owned(),
        reason,
    };
    let mut parts = text.split(',');
    let ids = parts.next().unwrap_or_default();
    let (project, files) = ids.split_once(':').ok_or_else(|| {
        invalid("expected PROJECT_ID:FILE_ID[-FILE_ID][,name=PATTERN][,folder=PATH][,type=TYPE]")
    })?;
    let project = positive(project).ok_or_else(|| invalid("ids are positive integers"))?;
    let (first, last) = match files.split_once('-') {
        Some((first, last)) => (first, last),
        None => (files, files),
    };
    let (Some(first), Some(last)) = (positive(first), positive(last)) else {
        return Err(invalid("ids are positive integers"));
    };
    if last < first || last - first >= MAX_RANGE {
        return Err(invalid("a range runs upwards and spans at most 100000 ids"));
    }
    let mut pattern = DEFAULT_NAME_PATTERN.to_owned();
    let mut folder = DEFAULT_TASK_FOLDER.to_owned();
    let mut task_type = TaskType::DiRealtime;
    let mut seen = Vec::new();
    for part in parts {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| invalid("options are name=PATTERN, folder=PATH or type=TYPE"))?;
        if seen.contains(&key) {
            return Err(invalid("an option is given twice"));
        }
        seen.push(key);
        match key {
            "name" if !value.is_empty() => pattern = value.to_owned(),
            "name" => return Err(invalid("a name pattern is not empty")),
            "folder" => folder = value.to_owned(),
            "type" => {
                task_type = TaskType::from_wire(value)
                    .ok_or_else(|| invalid("type is DI_OFFLINE, DI_REALTIME or DI_SOLUTION"))?;
            }
            _ => {
                return Err(invalid(
                    "options are name=PATTERN, folder=PATH or type=TYPE",
                ));
            }
        }
    }
    Ok((first..=last)
        .map(|file| {
            SeedTask::new(project, file)
                .named(apply_pattern(&pattern, file))
                .in_folder(&folder)
                .of_type(task_type)
        })
        .collect())
}

pub(crate) fn positive(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|value| *value > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_zero_padded_and_patterns_apply() {
        assert_eq!(default_name(1), "task_00001");
        assert_eq!(default_name(100), "task_00100");
        assert_eq!(default_name(123_456), "task_123456");
        assert_eq!(apply_pattern("orders_{id}_v{id}", 7), "orders_00007_v00007");
        assert_eq!(apply_pattern("fixed", 7), "fixed");
    }

    #[test]
    fn reads_task_specs() {
        let plain = parse_task_spec("7:1-3").unwrap();
        assert_eq!(plain.len(), 3);
        assert_eq!(plain[0], SeedTask::new(7, 1));
        assert_eq!(plain[2].name, "task_00003");
        assert_eq!(plain[2].folder, "Business Flow/emulator/Data Integration");
        let named = parse_task_spec("8:9,type=DI_OFFLINE,folder=/a//b/,name=sync_{id}").unwrap();
        assert_eq!(
            named,
            vec![
                SeedTask::new(8, 9)
                    .named("sync_00009")
                    .in_folder("a/b")
                    .of_type(TaskType::DiOffline)
            ]
        );
        let root = parse_task_spec("8:9,folder=").unwrap();
        assert_eq!(root[0].folder, "");
        for bad in [
            "1",
            "1:5-2",
            "0:1",
            "1:x",
            "1:1-100001",
            "1:1,type=DI_BATCH",
            "1:1,color=red",
            "1:1,name=",
            "1:1,name=a,name=b",
            "1:1,folder",
        ] {
            assert!(parse_task_spec(bad).is_err(), "{bad}");
        }
    }
}
