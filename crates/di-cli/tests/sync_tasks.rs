//! Finding tasks by name and the task types, end to end: `di emulator` as a child process
//! holding named tasks in folders, `di` against it, and the emulator's own record afterwards
//! (`GetFile`, `GET /_emulator/tasks/{project}/{file}`, `GET /_emulator/counters`).
//!
//! - `list-sync-tasks`, text and JSON, over more than 100 tasks (two pages of `ListFiles`);
//! - `teardown --select-name`: exactly the tasks named like the glob, with `--yes`; nothing
//!   but the listing without it, when stdin is not a terminal;
//! - `create-sync-task` and `update-sync-task` of DI_REALTIME through the generated
//!   configuration, DI_OFFLINE directly: the calls each sends, read from its `-vv` log;
//! - a task type a command does not take: exit 2, nothing sent.
//!
//! No test waits for time to pass: config processes are ready at once
//! (`--process-delay-ms 0`) and tasks settle at once, except in the one test of a process
//! that never ends in time, where `di` itself waits out its `--wait-timeout`.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use common::{AccessKey, DI, Emulator, PROJECT, json_lines, run, run_with_input};
use serde_json::Value;

const KEY: AccessKey = AccessKey {
    id: "LTAI5tCliSyncTasksKeyId",
    secret: "CliSyncTasksSecretNeverPrinted7",
};

impl Emulator {
    /// With the test key and `options` (its `--task` specs replace the demo tasks); config
    /// processes are ready at once unless `options` say otherwise.
    fn start(options: &[&str]) -> Emulator {
        Emulator::launch(KEY, &[&["--process-delay-ms", "0"][..], options].concat())
    }
}

/// `di` with the test key and no other variable but `HOME`, sending to `emulator`, stdin not
/// a terminal.
fn di_at(emulator: &Emulator) -> Command {
    let mut command = Command::new(DI);
    command
        .env_clear()
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--endpoint", &emulator.url])
        .stdin(Stdio::null());
    KEY.export(&mut command);
    command
}

/// The API actions `di -vv` logged an attempt of, in order.
fn attempts(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| {
            let rest = line.split_once("di.attempt{action=\"")?.1;
            Some(rest.split_once('"')?.0.to_owned())
        })
        .collect()
}

/// `list-sync-tasks --output json` with `args`: the file ids, in order.
fn listed_ids(emulator: &Emulator, args: &[&str]) -> Vec<i64> {
    let (code, stdout, stderr) = run(di_at(emulator)
        .args([
            "--output",
            "json",
            "list-sync-tasks",
            "--project-id",
            PROJECT,
        ])
        .args(args));
    assert_eq!(code, 0, "{stderr}");
    json_lines(&stdout)
        .iter()
        .map(|line| line["file_id"].as_i64().expect("a file id"))
        .collect()
}

/// `call GetFile` of task `file_id` of 10000, which must succeed: `Data.File` of the answer.
fn get_file(emulator: &Emulator, file_id: i64) -> Value {
    let (code, stdout, stderr) = run(di_at(emulator)
        .args(["--output", "json", "call", "GetFile"])
        .args(["--body-param", "ProjectId=10000", "--body-param"])
        .arg(format!("FileId={file_id}")));
    assert_eq!(code, 0, "{stderr}");
    json_lines(&stdout)[0]["response"]["Data"]["File"].clone()
}

/// 160 real-time `orders_` tasks in Business Flow/shop, 10 real-time `users_` tasks in
/// Business Flow/crm, 5 offline `orders_batch_` tasks in Business Flow/shop, 5 real-time
/// `my_orders_` tasks: 180 tasks, two pages of ListFiles.
const NAMED_TASKS: [&str; 8] = [
    "--task",
    "10000:1-160,name=orders_{id},folder=Business Flow/shop",
    "--task",
    "10000:161-170,name=users_{id},folder=Business Flow/crm",
    "--task",
    "10000:171-175,name=orders_batch_{id},folder=Business Flow/shop,type=DI_OFFLINE",
    "--task",
    "10000:176-180,name=my_orders_{id},folder=Business Flow/shop",
];

#[test]
fn list_sync_tasks_pages_through_named_tasks_in_folders_as_a_table_or_json() {
    let emulator = Emulator::start(&NAMED_TASKS);

    // JSON: one object per task, every page, in the service's order.
    let before = emulator.requests();
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "--output",
        "json",
        "list-sync-tasks",
        "--project-id",
        PROJECT,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(emulator.requests() - before, 2, "two pages of ListFiles");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 180, "a page of 100, then 80");
    let ids: Vec<i64> = lines
        .iter()
        .map(|line| line["file_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=180).collect::<Vec<_>>());
    assert_eq!(
        lines[0],
        serde_json::json!({
            "file_id": 1,
            "name": "orders_00001",
            "type": "DI_REALTIME",
            "folder": "Business Flow/shop",
            "file_type": 900,
        })
    );
    assert_eq!(lines[170]["type"], "DI_OFFLINE");
    assert_eq!(lines[170]["file_type"], 23);
    assert_eq!(lines[170]["name"], "orders_batch_00171");
    assert_eq!(lines[165]["folder"], "Business Flow/crm");

    // Text: a header, then one aligned line per task.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "list-sync-tasks",
        "--project-id",
        PROJECT,
        "--name",
        "users_*",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 11, "{stdout}");
    assert_eq!(rows[0], "FILE_ID  TYPE         NAME         FOLDER");
    assert_eq!(
        rows[1],
        "161      DI_REALTIME  users_00161  Business Flow/crm"
    );
    assert_eq!(
        rows[10],
        "170      DI_REALTIME  users_00170  Business Flow/crm"
    );

    // The glob matches whole names, here; the type and the folder filter on the service.
    assert_eq!(
        listed_ids(&emulator, &["--name", "orders_*"]),
        (1..=175)
            .filter(|id| !(161..=170).contains(id))
            .collect::<Vec<_>>(),
        "orders_* takes orders_batch_ too, never my_orders_"
    );
    assert_eq!(
        listed_ids(&emulator, &["--name", "orders_*", "--type", "realtime"]),
        (1..=160).collect::<Vec<_>>()
    );
    assert_eq!(
        listed_ids(&emulator, &["--type", "offline"]),
        (171..=175).collect::<Vec<_>>()
    );
    assert_eq!(
        listed_ids(&emulator, &["--folder", "Business Flow/crm"]),
        (161..=170).collect::<Vec<_>>()
    );
    assert_eq!(
        listed_ids(
            &emulator,
            &[
                "--name",
                "orders_0015[0-9]",
                "--folder",
                "Business Flow/shop"
            ]
        ),
        (150..=159).collect::<Vec<_>>()
    );

    // Nothing matches: the header alone (text), nothing (JSON); exit 0 either way.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "list-sync-tasks",
        "--project-id",
        PROJECT,
        "--name",
        "nobody_*",
    ]));
    assert_eq!(
        (code, stdout.as_str()),
        (0, "FILE_ID  TYPE  NAME  FOLDER\n"),
        "{stderr}"
    );
    assert_eq!(
        listed_ids(&emulator, &["--name", "nobody_*"]),
        Vec::<i64>::new()
    );

    // A glob that does not parse is a usage error, before anything is sent.
    let before = emulator.requests();
    let (code, _, stderr) = run(di_at(&emulator).args([
        "list-sync-tasks",
        "--project-id",
        PROJECT,
        "--name",
        "orders_[",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a glob pattern"), "{stderr}");
    assert_eq!(emulator.requests(), before);
}

#[test]
fn teardown_select_name_with_yes_tears_down_exactly_the_matching_real_time_tasks() {
    let emulator = Emulator::start(&NAMED_TASKS);
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "--output",
        "json",
        "teardown",
        "--project-id",
        PROJECT,
        "--select-name",
        "orders_*",
        "--yes",
        "--jobs",
        "16",
        "--poll-interval",
        "0.05",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    // What it was about to tear down, on stderr: the count, then the table.
    assert!(
        stderr.starts_with("160 tasks of workspace 10000 named like \"orders_*\":\nFILE_ID"),
        "{stderr}"
    );
    let lines = json_lines(&stdout);
    let torn: BTreeSet<i64> = lines
        .iter()
        .map(|line| {
            assert_eq!(
                (&line["action"], &line["outcome"]),
                (&Value::from("teardown"), &Value::from("done")),
                "{line}"
            );
            line["file_id"].as_i64().expect("a file id")
        })
        .collect();
    // orders_* over real-time tasks only: not orders_batch_ (offline), not my_orders_.
    assert_eq!(torn, (1..=160).collect::<BTreeSet<_>>());
    for file_id in 1..=180 {
        let state = emulator.state(file_id);
        assert_eq!(
            state == "deleted",
            file_id <= 160,
            "task {file_id} is {state}"
        );
    }
    assert_eq!(
        listed_ids(&emulator, &[]),
        (161..=180).collect::<Vec<_>>(),
        "the listing shows every other task, and none of those torn down"
    );
    // GetFile keeps a deleted task in the recycle bin.
    let file = get_file(&emulator, 7);
    assert_eq!(file["DeletedStatus"], "RECYCLE_BIN", "{file}");

    // A rerun finds nothing more to do: it says so and exits 0.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "teardown",
        "--project-id",
        PROJECT,
        "--select-name",
        "orders_*",
        "--yes",
    ]));
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert!(stderr.contains("nothing to tear down"), "{stderr}");
}

#[test]
fn teardown_select_name_without_yes_and_without_a_terminal_exits_2_having_only_listed() {
    let emulator = Emulator::start(&NAMED_TASKS);
    for stdin in [None, Some("y\n")] {
        let before = emulator.requests();
        let mut command = di_at(&emulator);
        command.args([
            "teardown",
            "--project-id",
            PROJECT,
            "--select-name",
            "users_*",
            "--folder",
            "Business Flow/crm",
        ]);
        // A "y" on a pipe is no answer: only a terminal can confirm.
        let (code, stdout, stderr) = match stdin {
            None => run(&mut command),
            Some(answer) => {
                let output = run_with_input(&mut command, answer, "di");
                (
                    output.status.code().expect("di exits"),
                    String::from_utf8(output.stdout).unwrap(),
                    String::from_utf8(output.stderr).unwrap(),
                )
            }
        };
        assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
        assert!(
            stderr.contains("10 tasks of workspace 10000 in folder \"Business Flow/crm\""),
            "{stderr}"
        );
        assert!(stderr.contains("users_00161"), "the table: {stderr}");
        assert!(stderr.contains("pass --yes"), "{stderr}");
        assert_eq!(
            emulator.requests() - before,
            1,
            "one page of ListFiles, nothing else"
        );
    }
    for file_id in 161..=170 {
        assert_eq!(emulator.state(file_id), "deployed", "task {file_id}");
    }

    // --select-name goes with neither --file-id nor --file-ids-from.
    let (code, _, stderr) = run(di_at(&emulator).args([
        "teardown",
        "--project-id",
        PROJECT,
        "--select-name",
        "users_*",
        "--file-id",
        "161",
        "--yes",
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn create_real_time_goes_through_the_generated_configuration_and_lands_named_in_its_folder() {
    let emulator = Emulator::start(&["--task", "10000:1"]);
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "-vv",
        "--output",
        "json",
        "create-sync-task",
        "--project-id",
        PROJECT,
        "--task-type",
        "DI_REALTIME",
        "--name",
        "orders_new",
        "--folder",
        "Business Flow/new/Data Integration",
        "--content",
        r#"{"source":"orders_db","destination":"warehouse"}"#,
        "--poll-interval",
        "0.05",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["action"], "create-sync-task");
    assert_eq!(line["outcome"], "done");
    let file_id = line["file_id"].as_i64().expect("a file id");
    assert!(
        line["process_id"].as_i64().is_some_and(|id| id > 0),
        "{line}"
    );
    assert_eq!(
        attempts(&stderr),
        [
            "GenerateDISyncTaskConfigForCreating",
            "QueryDISyncTaskConfigProcessResult",
            "CreateDISyncTask"
        ]
    );

    // The listing shows it with its name, type and folder.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "--output",
        "json",
        "list-sync-tasks",
        "--project-id",
        PROJECT,
        "--name",
        "orders_new",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        json_lines(&stdout),
        [serde_json::json!({
            "file_id": file_id,
            "name": "orders_new",
            "type": "DI_REALTIME",
            "folder": "Business Flow/new/Data Integration",
            "file_type": 900,
        })]
    );
    // GetFile too, with the script the process generated from the one given.
    let file = get_file(&emulator, file_id);
    assert_eq!(file["FileName"], "orders_new");
    assert_eq!(file["FileType"], 900);
    let script: Value =
        serde_json::from_str(file["Content"].as_str().expect("the script")).expect("JSON");
    assert_eq!(
        script["steps"][0]["parameter"]["datasource"], "orders_db",
        "{script}"
    );
    assert_eq!(script["extend"]["processId"], line["process_id"]);

    // The text line names the file and the process.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "create-sync-task",
        "--project-id",
        PROJECT,
        "--name",
        "orders_text",
        "--content",
        "{}",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("10000/"), "{stdout}");
    assert!(stdout.contains("  done  "), "{stdout}");
    assert!(stdout.contains("(config process "), "{stdout}");
}

#[test]
fn update_offline_goes_direct_and_real_time_goes_generate_query_update() {
    let emulator = Emulator::start(&[
        "--task",
        "10000:1,name=orders_rt",
        "--task",
        "10000:2,name=orders_batch,type=DI_OFFLINE",
    ]);
    // DI_OFFLINE: one UpdateDISyncTask, with the script as given.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "-vv",
        "--output",
        "json",
        "update-sync-task",
        "--task-type",
        "offline",
        "--project-id",
        PROJECT,
        "--file-id",
        "2",
        "--content",
        r#"{"steps":["batch"]}"#,
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(attempts(&stderr), ["UpdateDISyncTask"]);
    let line = &json_lines(&stdout)[0];
    assert_eq!(
        (&line["file_id"], &line["outcome"]),
        (&Value::from(2), &Value::from("done"))
    );
    assert!(line.get("process_id").is_none(), "{line}");
    assert_eq!(get_file(&emulator, 2)["Content"], r#"{"steps":["batch"]}"#);

    // DI_REALTIME (the default): generate from the change, poll, update with what was
    // generated; the change may come in --content or --task-param.
    for change in [
        ["--content", r#"{"steps":["rt"]}"#],
        ["--task-param", r#"{"steps":["rt2"]}"#],
    ] {
        let (code, stdout, stderr) = run(di_at(&emulator)
            .args([
                "-vv",
                "--output",
                "json",
                "update-sync-task",
                "--project-id",
                PROJECT,
                "--file-id",
                "1",
                "--poll-interval",
                "0.05",
            ])
            .args(change));
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert_eq!(
            attempts(&stderr),
            [
                "GenerateDISyncTaskConfigForUpdating",
                "QueryDISyncTaskConfigProcessResult",
                "UpdateDISyncTask"
            ]
        );
        let line = &json_lines(&stdout)[0];
        assert_eq!(
            (&line["file_id"], &line["outcome"]),
            (&Value::from(1), &Value::from("done"))
        );
        let (code, stdout, stderr) = run(di_at(&emulator).args([
            "--output",
            "json",
            "get-sync-task",
            "--project-id",
            PROJECT,
            "--file-id",
            "1",
        ]));
        assert_eq!(code, 0, "{stderr}");
        let code_now = &json_lines(&stdout)[0]["code"];
        let expected: Value = serde_json::from_str(change[1]).unwrap();
        assert_eq!(code_now["steps"], expected["steps"], "{code_now}");
        assert_eq!(
            code_now["extend"]["processId"], line["process_id"],
            "{code_now}"
        );
    }
}

#[test]
fn a_task_type_a_command_does_not_take_exits_2_before_any_request() {
    let emulator = Emulator::start(&["--task", "10000:1"]);
    let refused: [&[&str]; 8] = [
        &[
            "stop-sync-instance",
            "--task-type",
            "DI_OFFLINE",
            "--file-id",
            "1",
        ],
        &[
            "terminate-sync-instance",
            "--task-type",
            "DI_SOLUTION",
            "--file-id",
            "1",
        ],
        &[
            "delete-sync-task",
            "--task-type",
            "solution",
            "--file-id",
            "1",
        ],
        &["teardown", "--task-type", "DI_OFFLINE", "--file-id", "1"],
        &[
            "get-sync-task",
            "--task-type",
            "DI_OFFLINE",
            "--file-id",
            "1",
        ],
        &[
            "start-sync-instance",
            "--task-type",
            "offline",
            "--file-id",
            "1",
        ],
        &[
            "create-sync-task",
            "--task-type",
            "DI_BATCH",
            "--content",
            "{}",
        ],
        // A generated update takes its change once.
        &[
            "update-sync-task",
            "--file-id",
            "1",
            "--content",
            "{}",
            "--task-param",
            "{}",
        ],
    ];
    for args in refused {
        let (code, stdout, stderr) = run(di_at(&emulator)
            .args(&args[..1])
            .args(["--project-id", PROJECT])
            .args(&args[1..]));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}: {stderr}");
        assert!(
            stderr.contains("--task-type") || stderr.contains("give the change once"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(emulator.requests(), 0, "nothing was sent");

    // The dry run of a generated create or update prints its first request; a direct one
    // its one call; the lowercase names are the wire names.
    for (args, action) in [
        (
            &["create-sync-task", "--content", "{}"][..],
            "GenerateDISyncTaskConfigForCreating",
        ),
        (
            &[
                "create-sync-task",
                "--task-type",
                "offline",
                "--content",
                "{}",
            ],
            "CreateDISyncTask",
        ),
        (
            &[
                "update-sync-task",
                "--task-type",
                "solution",
                "--file-id",
                "1",
                "--content",
                "{}",
            ],
            "GenerateDISyncTaskConfigForUpdating",
        ),
        (
            &[
                "update-sync-task",
                "--task-type",
                "DI_OFFLINE",
                "--file-id",
                "1",
                "--content",
                "{}",
            ],
            "UpdateDISyncTask",
        ),
        (&["teardown", "--select-name", "orders_*"], "ListFiles"),
    ] {
        let (code, stdout, stderr) = run(di_at(&emulator)
            .args(["--dry-run", "--output", "json"])
            .args(&args[..1])
            .args(["--project-id", PROJECT])
            .args(&args[1..]));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let lines = json_lines(&stdout);
        assert_eq!(lines.len(), 1, "{args:?}: {stdout}");
        assert_eq!(lines[0]["action"], action, "{args:?}");
    }
    let (_, stdout, _) = run(di_at(&emulator).args([
        "--dry-run",
        "--output",
        "json",
        "update-sync-task",
        "--task-type",
        "solution",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
        "--content",
        "{}",
    ]));
    let url = json_lines(&stdout)[0]["url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(url.contains("TaskType=DI_SOLUTION"), "{url}");
    assert!(url.contains("ClientToken=di-"), "a token di drew: {url}");
    // The task flows send the type they are given (a solution's status, its deploy).
    for command in [
        "get-sync-instance-info",
        "deploy-sync-task",
        "get-sync-task",
    ] {
        let (code, stdout, stderr) = run(di_at(&emulator).args([
            "--dry-run",
            "--output",
            "json",
            command,
            "--task-type",
            "DI_SOLUTION",
            "--project-id",
            PROJECT,
            "--file-id",
            "1",
        ]));
        assert_eq!(code, 0, "{command}: {stderr}");
        let url = json_lines(&stdout)[0]["url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(url.contains("TaskType=DI_SOLUTION"), "{command}: {url}");
    }
    assert_eq!(emulator.requests(), 0, "a dry run sends nothing");
}

#[test]
fn real_time_a_config_process_that_runs_past_wait_timeout_exits_3_with_its_last_status() {
    let emulator = Emulator::start(&["--process-delay-ms", "600000"]);
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "--output",
        "json",
        "create-sync-task",
        "--project-id",
        PROJECT,
        "--name",
        "slow",
        "--content",
        "{}",
        "--wait-timeout",
        "0.3",
        "--poll-interval",
        "0.05",
    ]));
    assert_eq!(code, 3, "{stdout}{stderr}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["error"]["kind"], "wait_timed_out", "{line}");
    assert_eq!(line["error"]["code"], "running", "{line}");
}

/// On a terminal, `teardown --select-name` asks, and only `y`/`yes` goes ahead: run as a user
/// would, in a pseudo-terminal (util-linux `script`), answering on its input.
#[test]
fn on_a_terminal_select_name_asks_and_only_yes_tears_down() {
    let emulator = Emulator::start(&[
        "--task",
        "10000:1-3,name=orders_{id}",
        "--task",
        "10000:4-5,name=users_{id}",
    ]);
    let in_a_terminal = |answer: &str| {
        let command = format!(
            "{DI} --endpoint {} teardown --project-id {PROJECT} --select-name 'orders_*' \
             --poll-interval 0.05",
            emulator.url
        );
        let mut script = Command::new("script");
        script
            .args(["--quiet", "--return", "--command", &command, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env!("CARGO_TARGET_TMPDIR"))
            .env("TERM", "dumb");
        KEY.export(&mut script);
        let output = run_with_input(&mut script, answer, "util-linux script (CI installs it)");
        (
            output.status.code().expect("an exit code"),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };

    let (code, terminal) = in_a_terminal("n\n");
    assert_eq!(code, 1, "{terminal}");
    assert!(terminal.contains("Tear down 3 tasks? [y/N]"), "{terminal}");
    assert!(
        (1..=5).all(|id| emulator.state(id) == "deployed"),
        "no means no"
    );

    let (code, terminal) = in_a_terminal("yes\n");
    assert_eq!(code, 0, "{terminal}");
    assert!(
        (1..=3).all(|id| emulator.state(id) == "deleted"),
        "{terminal}"
    );
    assert!((4..=5).all(|id| emulator.state(id) == "deployed"));
}
