//! Finding sync tasks by what they are called: `list-sync-tasks` and `teardown --select-name`
//! list the workspace's DataStudio files (`ListFiles`, every page), keep those whose names
//! match a glob, and show them as a table or as JSON lines; the teardown then asks before it
//! acts on what it found.

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal};

use di_proto::ops::{FileRecord, FileType, ListFiles};
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::cli::{ListKind, NameGlob};

/// One sync task of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskRow {
    /// `FileId`: the task's id.
    pub(crate) file_id: i64,
    /// `FileName`: the task's name.
    pub(crate) name: Option<String>,
    /// `FileType`: 900 real-time, 23 offline.
    pub(crate) file_type: Option<i64>,
    /// `AbsoluteFolderPath`.
    pub(crate) folder: Option<String>,
}

impl TaskRow {
    /// The task type its file type stands for (`DI_REALTIME` for 900, `DI_OFFLINE` for 23).
    pub(crate) fn task_type(&self) -> Option<&'static str> {
        match self.file_type.map(FileType) {
            Some(FileType::REALTIME_SYNC) => Some("DI_REALTIME"),
            Some(FileType::BATCH_SYNC) => Some("DI_OFFLINE"),
            _ => None,
        }
    }

    /// The one JSON object of `--output json`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "file_id": self.file_id,
            "name": self.name,
            "type": self.task_type(),
            "folder": self.folder,
            "file_type": self.file_type,
        })
    }
}

/// The file types `--type` asks for: both kinds of sync task when it is not given.
pub(crate) fn file_types(kind: Option<ListKind>) -> Vec<FileType> {
    match kind {
        Some(ListKind::Realtime) => vec![FileType::REALTIME_SYNC],
        Some(ListKind::Offline) => vec![FileType::BATCH_SYNC],
        None => vec![FileType::REALTIME_SYNC, FileType::BATCH_SYNC],
    }
}

/// The listing of the sync tasks of `types` in workspace `project_id` (in `folder` when
/// given), with their folders, 100 to a page.
pub(crate) fn listing(project_id: i64, types: Vec<FileType>, folder: Option<&str>) -> ListFiles {
    let listing = ListFiles::new(project_id)
        .with_file_types(types)
        .with_absolute_folder_path(true);
    match folder {
        Some(folder) => listing.with_folder(folder),
        None => listing,
    }
}

/// The tasks among `records` whose names match `glob` (every one without a glob; a file
/// without a name counts as named ""), in the service's order, each file id once (a listing
/// over pages may show a file twice) and none without an id.
pub(crate) fn select(records: Vec<FileRecord>, glob: Option<&NameGlob>) -> Vec<TaskRow> {
    let mut seen = HashSet::new();
    records
        .into_iter()
        .filter_map(|record| {
            let file_id = record.file_id?;
            let name = record.file_name.as_deref().unwrap_or_default();
            let wanted = glob.is_none_or(|glob| glob.is_match(name));
            (wanted && seen.insert(file_id)).then_some(TaskRow {
                file_id,
                name: record.file_name,
                file_type: record.file_type,
                folder: record.absolute_folder_path,
            })
        })
        .collect()
}

/// The header of the table.
const HEADER: [&str; 4] = ["FILE_ID", "TYPE", "NAME", "FOLDER"];

/// `text` for a table cell: control characters (a tab, a line break) escaped, so that one
/// task stays one line.
fn cell(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// The table of `rows`: the header, then one line per task, the columns aligned (by display
/// width: a CJK name takes two columns per character) and two spaces apart, no trailing
/// spaces; `-` for what the service did not say.
pub(crate) fn table(rows: &[TaskRow]) -> String {
    let lines: Vec<[String; 4]> = std::iter::once(HEADER.map(str::to_owned))
        .chain(rows.iter().map(|row| {
            [
                row.file_id.to_string(),
                row.task_type().map_or_else(
                    || {
                        row.file_type
                            .map_or_else(|| "-".to_owned(), |t| t.to_string())
                    },
                    str::to_owned,
                ),
                row.name.as_deref().map_or_else(|| "-".to_owned(), cell),
                row.folder.as_deref().map_or_else(|| "-".to_owned(), cell),
            ]
        }))
        .collect();
    let mut widths = [0_usize; 4];
    for line in &lines {
        for (width, text) in widths.iter_mut().zip(line) {
            *width = (*width).max(text.width());
        }
    }
    let mut table = String::new();
    for line in &lines {
        let mut text = String::new();
        for (column, (value, width)) in line.iter().zip(widths).enumerate() {
            if column > 0 {
                text.push_str("  ");
            }
            text.push_str(value);
            text.push_str(&" ".repeat(width.saturating_sub(value.width())));
        }
        table.push_str(text.trim_end());
        table.push('\n');
    }
    table
}

/// Whether an answer to `[y/N]` says yes: `y` or `yes`, in any case, around spaces.
pub(crate) fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// What the person at the terminal answered to `question` (asked on stderr); `None` when
/// stdin is not a terminal, so that nobody can be asked.
pub(crate) fn ask(question: &str) -> Option<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    // An unreadable terminal, or end of input, is not a yes.
    Some(stdin.lock().read_line(&mut answer).is_ok() && is_yes(&answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::parse_glob;

    fn record(file_id: Option<i64>, name: Option<&str>, file_type: i64) -> FileRecord {
        let value = json!({
            "FileId": file_id,
            "FileName": name,
            "FileType": file_type,
            "AbsoluteFolderPath": "Business Flow/orders",
        });
        let response = di_proto::http::Response::builder()
            .header("content-type", "application/json")
            .body(
                json!({
                    "RequestId": "r",
                    "Success": true,
                    "Data": {"PageNumber": 1, "PageSize": 100, "TotalCount": 1, "Files": [value]},
                })
                .to_string(),
            )
            .unwrap();
        let page = di_proto::ops::Operation::parse_response(
            &ListFiles::new(1),
            &response,
            &di_proto::ResponseContext::new(),
        )
        .unwrap();
        page.items.into_iter().next().unwrap()
    }

    #[test]
    fn selects_whole_names_once_each_in_order() {
        let records = vec![
            record(Some(3), Some("orders_eu"), 900),
            record(Some(1), Some("orders"), 900),
            record(Some(2), Some("my_orders_eu"), 900),
            record(Some(3), Some("orders_eu"), 900),
            record(None, Some("orders_x"), 900),
            record(Some(4), None, 23),
        ];
        let glob = parse_glob("orders_*").unwrap();
        let ids: Vec<i64> = select(records.clone(), Some(&glob))
            .iter()
            .map(|row| row.file_id)
            .collect();
        assert_eq!(ids, [3]);
        let every: Vec<i64> = select(records.clone(), None)
            .iter()
            .map(|row| row.file_id)
            .collect();
        assert_eq!(every, [3, 1, 2, 4]);
        let alternatives = parse_glob("{orders,my_*}").unwrap();
        let ids: Vec<i64> = select(records, Some(&alternatives))
            .iter()
            .map(|row| row.file_id)
            .collect();
        assert_eq!(ids, [1, 2]);
        assert!(parse_glob("").is_err());
        assert!(parse_glob("orders_[").is_err());
        assert!(parse_glob("a\\*").unwrap().is_match("a*"));
        assert!(!parse_glob("a\\*").unwrap().is_match("ab"));
    }

    #[test]
    fn the_table_aligns_by_display_width_and_escapes_line_breaks() {
        let rows = [
            TaskRow {
                file_id: 7,
                name: Some("订单同步".to_owned()),
                file_type: Some(900),
                folder: Some("a/b".to_owned()),
            },
            TaskRow {
                file_id: 1234,
                name: Some("two\nlines".to_owned()),
                file_type: Some(23),
                folder: None,
            },
        ];
        assert_eq!(
            table(&rows),
            "FILE_ID  TYPE         NAME        FOLDER\n\
             7        DI_REALTIME  订单同步    a/b\n\
             1234     DI_OFFLINE   two\\nlines  -\n"
        );
        assert_eq!(table(&[]), "FILE_ID  TYPE  NAME  FOLDER\n");
        assert_eq!(
            rows[0].to_json(),
            json!({"file_id": 7, "name": "订单同步", "type": "DI_REALTIME", "folder": "a/b", "file_type": 900})
        );
    }

    #[test]
    fn only_y_or_yes_is_yes() {
        for yes in ["y", "Y", "yes", " YES \n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yess", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
