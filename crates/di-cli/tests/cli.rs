//! The `di` binary end to end: each test starts `di emulator` on loopback, runs `di` against
//! it as a child process, and checks exit codes, output and what must never be printed.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use common::{
    AccessKey, Emulator, PROJECT, di_isolated, json_lines, run, run_with_input, temp_dir,
};
use serde_json::Value;

const KEY: AccessKey = AccessKey {
    id: "LTAI5tCliTestKeyId",
    secret: "CliTestSecretNeverPrinted42",
};
const STS_TOKEN: &str = "CAIS.cli.test.sts.TokenNeverPrinted";

impl Emulator {
    /// Starts with the test key, the STS token and deployed tasks `first..=last` of 10000.
    fn start(first: u32, last: u32) -> Emulator {
        Emulator::start_with(first, last, &[])
    }

    /// [`Emulator::start`], with more emulator options.
    fn start_with(first: u32, last: u32, options: &[&str]) -> Emulator {
        let tasks = format!("{PROJECT}:{first}-{last}");
        let mut args = options.to_vec();
        args.extend(["--sts-token", STS_TOKEN, "--task", &tasks]);
        Emulator::launch(KEY, &args)
    }
}

/// `di` with a stable environment: no credentials anywhere the default chain looks (no
/// variable, an empty home, the metadata service off), a fixed terminal width.
fn di() -> Command {
    let mut command = di_isolated(temp_dir("home"));
    command.env("COLUMNS", "100").env("NO_COLOR", "1");
    command
}

#[test]
fn profile_picks_the_aliyun_cli_profile() {
    let emulator = Emulator::start(300, 301);
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}-profile-home", std::process::id()));
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    std::fs::write(
        home.join(".aliyun/config.json"),
        format!(
            r#"{{"current": "broken", "profiles": [
                {{"name": "broken", "mode": "AK", "access_key_id": "LTAI5tWrongKey", "access_key_secret": "wrong"}},
                {{"name": "work", "mode": "AK", "access_key_id": "{id}", "access_key_secret": "{secret}"}}
            ]}}"#,
            id = KEY.id,
            secret = KEY.secret,
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = run(di()
        .env("HOME", &home)
        .args(["--endpoint", &emulator.url, "--profile", "work"])
        .args(["teardown", "--project-id", PROJECT, "--file-id", "300"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains(KEY.secret) && !stderr.contains(KEY.secret));
    #[cfg(unix)]
    {
        // A file others may read draws a warning; once restricted, none.
        use std::os::unix::fs::PermissionsExt;
        let config = home.join(".aliyun/config.json");
        let warnings = || {
            let (_, _, stderr) = run(di()
                .env("HOME", &home)
                .args(["--endpoint", &emulator.url, "--profile", "work"])
                .args(["get-sync-instance-info", "--project-id", PROJECT])
                .args(["--file-id", "300"]));
            stderr
        };
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        let stderr = warnings();
        assert!(stderr.contains("readable by other users"), "{stderr}");
        assert!(stderr.contains("config.json"), "{stderr}");
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        let stderr = warnings();
        assert!(!stderr.contains("readable by other users"), "{stderr}");
    }
    // The file's current profile holds a key the emulator does not know.
    let (code, _, stderr) = run(di()
        .env("HOME", &home)
        .args(["--endpoint", &emulator.url])
        .args(["teardown", "--project-id", PROJECT, "--file-id", "301"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("InvalidAccessKeyId") || stderr.contains("credentials_rejected"),
        "{stderr}"
    );
    // A profile that is in neither file: nothing found, and the list says why.
    let (code, _, stderr) = run(di()
        .env("HOME", &home)
        .env("ALIBABA_CLOUD_PROFILE", "missing")
        .args(["--endpoint", &emulator.url])
        .args(["teardown", "--project-id", PROJECT, "--file-id", "301"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("has no profile \"missing\""), "{stderr}");
}

/// `di` with the test AccessKey in its environment, sending to `emulator`.
fn di_at(emulator: &Emulator) -> Command {
    let mut command = di();
    KEY.export(&mut command).args(["--endpoint", &emulator.url]);
    command
}

#[test]
fn exit_codes_and_json_lines_for_the_teardown_commands() {
    let emulator = Emulator::start(1, 10);

    // A teardown: both steps done, request ids in every line.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "--output",
        "json",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 1, "{stdout}");
    let line = &lines[0];
    assert_eq!(line["project_id"], 10000);
    assert_eq!(line["file_id"], 1);
    assert_eq!(line["action"], "teardown");
    assert_eq!(line["outcome"], "done");
    assert!(line["error"].is_null());
    assert!(
        !line["request_id"].as_str().unwrap_or_default().is_empty(),
        "{line}"
    );
    // Terminate, the wait until the task settled, delete: each with its request id.
    let steps = line["steps"].as_array().expect("steps");
    let kinds: Vec<&str> = steps
        .iter()
        .map(|step| step["step"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["terminate", "wait", "delete"], "{line}");
    for step in steps {
        assert_eq!(step["outcome"], "done", "{line}");
        assert!(step["request_id"].is_string(), "{line}");
        assert_eq!(step["retries"], 0, "{line}");
    }
    assert_eq!(line["request_id"], steps[2]["request_id"], "{line}");

    // Deleting a running task: Data.Status = fail, exit 1, with the request id; the task's
    // state (RUN, read after the refusal) shows it is not deleted.
    let (code, stdout, _) = run(di_at(&emulator).args([
        "--output",
        "json",
        "delete-sync-task",
        "--project-id",
        PROJECT,
        "--file-id",
        "2",
    ]));
    assert_eq!(code, 1, "{stdout}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["error"]["kind"], "task_failed");
    assert_eq!(line["error"]["code"], "refused");
    assert!(
        line["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("still running")
    );
    // The steps: the refused delete, and the state read that judged the refusal (in the
    // order they were decided: the check first).
    let steps = line["steps"].as_array().expect("steps");
    let step = |kind: &str| {
        steps
            .iter()
            .find(|step| step["step"] == kind)
            .unwrap_or_else(|| panic!("a {kind} step in {line}"))
    };
    assert_eq!(steps.len(), 2, "{line}");
    assert_eq!(step("delete")["outcome"], "failed", "{line}");
    assert_eq!(step("delete")["request_id"], line["request_id"], "{line}");
    assert_eq!(step("check")["outcome"], "done", "{line}");
    assert_eq!(step("check")["note"], "status RUN", "{line}");
    assert!(
        !line["request_id"].as_str().unwrap_or_default().is_empty(),
        "{line}"
    );

    // Terminating a task that is not deployed is already done (the refusal, read against the
    // task's state: NORUN); text mode prints a line per task on stdout and the summary on
    // stderr.
    let (code, _, _) = run(di_at(&emulator).args([
        "terminate-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "3",
    ]));
    assert_eq!(code, 0);
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "terminate-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "3",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("10000/3  already_done"), "{stdout}");
    assert!(
        stderr.contains("1 task: 0 done, 1 already done, 0 failed"),
        "{stderr}"
    );

    // A batch with an unknown task: the others are done, the batch exits 1 and the summary
    // names the failure: not_found, from the documented `fileId:[N] is invalid.`.
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "4-5",
        "--file-id",
        "999",
    ]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(
        stderr.contains("3 tasks: 2 done, 0 already done, 1 failed"),
        "{stderr}"
    );
    assert!(stderr.contains("failed by kind: not_found: 1"), "{stderr}");
    assert!(stderr.contains("10000/999: not_found"), "{stderr}");

    // The generic call prints the body; Data.Status = fail exits 1.
    let info = |file: &str| {
        let mut command = di_at(&emulator);
        command.args([
            "call",
            "GetDISyncInstanceInfo",
            "--idempotent",
            "--param",
            "ProjectId=10000",
            "--param",
            "TaskType=DI_REALTIME",
            "--param",
            &format!("FileId={file}"),
        ]);
        command
    };
    let (code, stdout, _) = run(&mut info("6"));
    assert_eq!(code, 0, "{stdout}");
    let body: Value = serde_json::from_str(&stdout).expect("the body is JSON");
    assert_eq!(body["Data"]["Status"], "RUN");
    assert!(body["RequestId"].is_string());
    let (code, stdout, _) = run(info("999").args(["--output", "json"]));
    assert_eq!(code, 1, "{stdout}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["outcome"], "failed");
    assert!(line["request_id"].is_string());
    // The error object every failure prints: the answer's message, no code.
    assert_eq!(line["http_status"], 200, "{line}");
    assert_eq!(line["error"]["kind"], "task_failed", "{line}");
    assert!(line["error"]["code"].is_null(), "{line}");
    assert_eq!(
        line["error"]["message"], "fileId:[999] is invalid.",
        "{line}"
    );
}

/// Polls 50 ms apart at first, for the waits on the emulator's 200 ms settle.
const FAST_POLLS: [&str; 2] = ["--poll-interval", "0.05"];

/// Waits on a real settle of 200 ms (the emulator runs in a process of its own, on the
/// machine's clock).
#[test]
fn real_time_the_lifecycle_commands_walk_a_task_and_wait() {
    // Config processes (the create and update of a real-time task) are ready at once.
    let emulator = Emulator::start_with(
        1,
        3,
        &["--settle-delay-ms", "200", "--process-delay-ms", "0"],
    );
    let json = |args: &[&str]| {
        let (code, stdout, stderr) = run(di_at(&emulator).args(["--output", "json"]).args(args));
        let lines = json_lines(&stdout);
        assert_eq!(lines.len(), 1, "{stdout}{stderr}");
        (code, lines[0].clone())
    };
    let script = temp_file("script.json", r#"{"steps":[],"setting":{}}"#);
    let (code, created) = json(&[
        "create-sync-task",
        "--project-id",
        PROJECT,
        "--name",
        "cli",
        "--content-from",
        script.to_str().unwrap(),
        "--task-param",
        r#"{"FileFolderPath":"a/b"}"#,
    ]);
    assert_eq!(code, 0, "{created}");
    // A line's action is the subcommand, for every command.
    assert_eq!(created["action"], "create-sync-task");
    let file = created["file_id"].as_i64().expect("a file id").to_string();
    let task =
        |command: &'static str| [command, "--project-id", PROJECT, "--file-id", file.as_str()];
    let (code, updated) = json(&[
        "update-sync-task",
        "--project-id",
        PROJECT,
        "--file-id",
        &file,
        "--content",
        r#"{"steps":[1]}"#,
    ]);
    assert_eq!((code, &updated["outcome"]), (0, &Value::from("done")));
    let (code, got) = json(&task("get-sync-task"));
    assert_eq!(code, 0);
    assert_eq!(got["code"]["steps"][0], 1, "{got}");
    let (code, _) = json(&task("deploy-sync-task"));
    assert_eq!(code, 0);
    let (code, info) = json(&task("get-sync-instance-info"));
    assert_eq!((code, &info["status"]), (0, &Value::from("NORUN")));
    assert_eq!(info["name"], "cli");
    let mut start = task("start-sync-instance").to_vec();
    start.extend(["--start-param", r#"{"errorLimit":{"record":0}}"#, "--wait"]);
    start.extend(FAST_POLLS);
    let (code, started) = json(&start);
    assert_eq!(
        (code, &started["status"]),
        (0, &Value::from("RUN")),
        "{started}"
    );
    // A second start is already done.
    let (code, again) = json(&task("start-sync-instance"));
    assert_eq!((code, &again["outcome"]), (0, &Value::from("already_done")));
    let mut stop = task("stop-sync-instance").to_vec();
    stop.push("--wait");
    stop.extend(FAST_POLLS);
    let (code, stopped) = json(&stop);
    assert_eq!(
        (code, &stopped["status"]),
        (0, &Value::from("PAUSE")),
        "{stopped}"
    );
    assert_eq!(stopped["steps"].as_array().map(Vec::len), Some(2));
    let (code, torn) = json(&[&task("teardown")[..], &FAST_POLLS].concat());
    assert_eq!(
        (code, &torn["outcome"]),
        (0, &Value::from("done")),
        "{torn}"
    );

    // A running task: stop first, wait, terminate, delete.
    let (code, torn) = json(&[
        "teardown",
        "--stop-first",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
        FAST_POLLS[0],
        FAST_POLLS[1],
    ]);
    assert_eq!(code, 0, "{torn}");
    let actions: Vec<&str> = torn["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| step["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "StopDISyncInstance",
            "GetDISyncInstanceInfo",
            "TerminateDISyncInstance",
            "GetDISyncInstanceInfo",
            "DeleteDISyncTask"
        ]
    );
    let kinds: Vec<&str> = torn["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| step["step"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        ["stop", "wait", "terminate", "wait", "delete"],
        "{torn}"
    );
    // The dry run shows the five requests (each wait as its first poll).
    let (code, stdout, _) = run(di_at(&emulator).args([
        "--dry-run",
        "--output",
        "json",
        "teardown",
        "--stop-first",
        "--project-id",
        PROJECT,
        "--file-id",
        "2",
    ]));
    assert_eq!(code, 0);
    let dry: Vec<String> = json_lines(&stdout)
        .iter()
        .map(|line| line["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        dry,
        [
            "StopDISyncInstance",
            "GetDISyncInstanceInfo",
            "TerminateDISyncInstance",
            "GetDISyncInstanceInfo",
            "DeleteDISyncTask"
        ],
        "{stdout}"
    );
    // Bad JSON is a usage error, before anything is sent.
    let mut bad = task("start-sync-instance").to_vec();
    bad.extend(["--start-param", "[1]"]);
    let (code, failed) = json(&bad);
    assert_eq!(
        (code, &failed["error"]["kind"]),
        (2, &Value::from("invalid_input"))
    );
}

#[test]
fn real_time_a_wait_that_times_out_exits_3_with_the_last_status() {
    let emulator = Emulator::start_with(1, 2, &["--never-settle"]);
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "--output",
        "json",
        "stop-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
        "--wait",
        "--wait-timeout",
        "0.3",
    ]));
    assert_eq!(code, 3, "{stdout}{stderr}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["error"]["kind"], "wait_timed_out", "{line}");
    assert_eq!(line["error"]["code"], "KILLING", "{line}");
    let (code, stdout, stderr) = run(di_at(&emulator).args([
        "teardown",
        "--stop-first",
        "--wait-timeout",
        "0.3",
        "--project-id",
        PROJECT,
        "--file-id",
        "2",
    ]));
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stderr.contains("last status KILLING"), "{stderr}");
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    // A bad range names the bad token.
    let (code, _, stderr) = run(di().args([
        "--endpoint",
        "http://127.0.0.1:9",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "5-x",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("5-x"), "{stderr}");

    // An unknown option, and no file ids.
    let (code, _, _) = run(di().args(["teardown", "--project-id", PROJECT, "--bogus"]));
    assert_eq!(code, 2);
    let (code, _, _) = run(di().args(["teardown", "--project-id", PROJECT]));
    assert_eq!(code, 2);

    // No credentials: the message lists every source tried and why it was passed over.
    let (code, _, stderr) = run(di().args([
        "--endpoint",
        "http://127.0.0.1:9",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]));
    assert_eq!(code, 2);
    for expected in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set",
        "oidc:",
        ".aliyun/config.json does not exist",
        "credentials.ini exists",
        "ecs-ram-role: ALIBABA_CLOUD_ECS_METADATA_DISABLED is true",
        "credentials-uri:",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }

    // No endpoint or region.
    let (code, _, stderr) =
        run(KEY
            .export(&mut di())
            .args(["teardown", "--project-id", PROJECT, "--file-id", "1"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--region"), "{stderr}");

    // An id list with a bad line names the file, the line and the token.
    let list = temp_file("bad-ids.txt", "# ids\n100\n101-10x\n");
    let (code, _, stderr) = run(di().args([
        "--endpoint",
        "http://127.0.0.1:9",
        "--dry-run",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-ids-from",
        &list.display().to_string(),
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(":3:") && stderr.contains("101-10x"),
        "{stderr}"
    );
    let _ = std::fs::remove_file(list);
}

#[test]
fn a_refused_connection_exits_3() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("an address").port()
    };
    let (code, stdout, _) = run(KEY.export(&mut di()).args([
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--retries",
        "0",
        "--output",
        "json",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "1-2",
    ]));
    assert_eq!(code, 3, "{stdout}");
    for line in json_lines(&stdout) {
        assert_eq!(line["outcome"], "failed");
        assert_eq!(line["error"]["kind"], "transport");
        assert_eq!(line["error"]["code"], "connect");
    }
}

#[test]
fn secrets_never_reach_dry_run_or_verbose_output() {
    let emulator = Emulator::start(1, 2);
    let with_sts = |command: &mut Command| {
        command.env("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN);
    };
    let check = |what: &str, stdout: &str, stderr: &str| {
        for secret in [KEY.secret, STS_TOKEN] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{what} printed a secret:\n{stdout}\n{stderr}"
            );
        }
    };
    for signature in ["v1", "v3"] {
        for output in ["text", "json"] {
            let mut command = di_at(&emulator);
            with_sts(&mut command);
            let (code, stdout, stderr) = run(command.args([
                "--dry-run",
                "-vvv",
                "--signature",
                signature,
                "--output",
                output,
                "teardown",
                "--project-id",
                PROJECT,
                "--file-id",
                "1",
            ]));
            assert_eq!(code, 0, "{stderr}");
            assert!(stdout.contains("<redacted>"), "{stdout}");
            assert!(stdout.contains("TerminateDISyncInstance"), "{stdout}");
            assert!(stdout.contains("DeleteDISyncTask"), "{stdout}");
            check(&format!("--dry-run {signature} {output}"), &stdout, &stderr);
        }
    }
    // The dry runs sent nothing: a real teardown still finds the task deployed.
    let mut command = di_at(&emulator);
    with_sts(&mut command);
    let (code, stdout, stderr) = run(command.args([
        "-vvv",
        "--output",
        "json",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(json_lines(&stdout)[0]["steps"][0]["outcome"], "done");
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "{stderr}"
    );
    check("-vvv", &stdout, &stderr);

    // Without credentials, a dry run signs with the demo key and says so.
    let (code, stdout, stderr) = run(di().args([
        "--endpoint",
        &emulator.url,
        "--dry-run",
        "call",
        "GetDISyncInstanceInfo",
        "--param",
        "FileId=1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("demo AccessKey"), "{stderr}");
    assert!(stdout.starts_with("POST http://127.0.0.1:"), "{stdout}");
}

#[test]
fn a_batch_of_100_tasks_with_8_jobs_is_all_done() {
    let emulator = Emulator::start(1, 100);
    let output = run_with_input(
        di_at(&emulator).args([
            "--output",
            "json",
            "teardown",
            "--project-id",
            PROJECT,
            "--jobs",
            "8",
            "--file-id",
            "1-50",
            "--file-ids-from",
            "-",
        ]),
        "# the rest\n51-99\n\n100   # the last\n",
        "di",
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 100);
    let mut files: Vec<i64> = lines
        .iter()
        .map(|line| {
            assert_eq!(line["outcome"], "done", "{line}");
            assert!(line["request_id"].is_string(), "{line}");
            line["file_id"].as_i64().expect("a file id")
        })
        .collect();
    files.sort_unstable();
    assert_eq!(files, (1..=100).collect::<Vec<_>>());
    // Without a terminal, no progress bar: stderr stays empty in JSON mode.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn real_time_the_demo_exits_0_with_a_summary() {
    let (code, stdout, stderr) = run(di().arg("demo"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("20 tasks: "), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(stdout.contains("absorbed them all"), "{stdout}");
    assert!(
        stdout.contains("tasks deleted on the emulator: 20 of 20"),
        "{stdout}"
    );
    assert!(stdout.contains("retried after:"), "{stdout}");
    // The lifecycle, one line per command, each from the task flow that command runs.
    let line = |command: &str| {
        stdout
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{command} ")))
            .unwrap_or_else(|| panic!("no {command} line: {stdout}"))
            .to_owned()
    };
    assert!(line("get-sync-task").contains("script of "), "{stdout}");
    assert!(
        line("deploy-sync-task").contains("deploy done ["),
        "{stdout}"
    );
    assert!(
        line("get-sync-instance-info").contains("status NORUN ["),
        "{stdout}"
    );
    for (command, change, status) in [
        ("start-sync-instance --wait", "start", "RUN"),
        ("stop-sync-instance --wait", "stop", "PAUSE"),
        ("terminate-sync-instance --wait", "terminate", "NORUN"),
    ] {
        let line = line(command);
        assert!(line.contains(&format!("{change} done [")), "{line}");
        assert!(
            line.contains("wait done [") && line.contains(&format!("(settled: {status} after ")),
            "{line}"
        );
        assert!(line.ends_with(&format!("; status {status}")), "{line}");
    }
    assert!(
        line("delete-sync-task").contains("delete done ["),
        "{stdout}"
    );
}

#[test]
fn help_matches_the_golden_file() {
    let (code, stdout, stderr) = run(di().arg("--help"));
    assert_eq!(code, 0, "{stderr}");
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/help.txt");
    if std::env::var_os("DI_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &stdout).expect("the golden file is writable");
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("tests/data/help.txt exists (DI_UPDATE_GOLDEN=1 writes it)");
    assert_eq!(
        stdout, expected,
        "`di --help` changed; rerun with DI_UPDATE_GOLDEN=1 if that is intended"
    );
    for code in ["0  ", "1  ", "2  ", "3  "] {
        assert!(stdout.contains(code), "the exit codes are documented");
    }
}

#[test]
fn the_teardown_commands_document_their_flags() {
    for (command, flags) in [
        (
            "teardown",
            &[
                "--stop-first",
                "--ignore-not-found",
                "--wait-timeout <SECONDS>",
                "--poll-interval <SECONDS>",
                "--jobs <N>",
            ][..],
        ),
        (
            "delete-sync-task",
            &[
                "--ignore-not-found",
                "--wait-timeout <SECONDS>",
                "--poll-interval <SECONDS>",
            ],
        ),
        (
            "terminate-sync-instance",
            &[
                "--ignore-not-found",
                "--wait",
                "--wait-timeout <SECONDS>",
                "--poll-interval <SECONDS>",
            ],
        ),
        (
            "stop-sync-instance",
            &[
                "--wait",
                "--wait-timeout <SECONDS>",
                "--poll-interval <SECONDS>",
            ],
        ),
    ] {
        let (code, stdout, stderr) = run(di().args([command, "--help"]));
        assert_eq!(code, 0, "{stderr}");
        for flag in flags {
            assert!(
                stdout.contains(flag),
                "{command} --help lists {flag}:\n{stdout}"
            );
        }
    }
    let (_, stdout, _) = run(di().args(["teardown", "--help"]));
    assert!(stdout.contains("not_found"), "{stdout}");
}

/// `di --help` describes what a batch prints and how it exits since the teardown flows and
/// the interrupt: the `steps` of each JSON line, the outcomes `interrupted` and
/// `not_started`, `--poll-interval`, and exit 130.
#[test]
fn help_documents_the_steps_the_interrupt_and_exit_130() {
    let (code, stdout, stderr) = run(di().arg("--help"));
    assert_eq!(code, 0, "{stderr}");
    for expected in [
        "\"steps\"",
        "interrupted",
        "not_started",
        "130",
        "--poll-interval",
    ] {
        assert!(stdout.contains(expected), "{expected} in di --help");
    }
}

/// A file under the target directory's temporary folder, unique to this test binary.
fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, contents).expect("the temporary file is writable");
    path
}

/// `di completions SHELL` prints a completion script for each shell the README names.
#[test]
fn completions_cover_every_shell_and_every_command() {
    for (shell, opening) in [
        ("bash", "_di() {"),
        ("zsh", "#compdef di"),
        ("fish", "complete -c di"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "set edit:completion:arg-completer[di]"),
    ] {
        let (code, stdout, stderr) = run(di().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains(opening), "{shell}: {stdout}");
        for command in [
            "teardown",
            "list-sync-tasks",
            "create-sync-task",
            "emulator",
        ] {
            assert!(stdout.contains(command), "{shell} lacks {command}");
        }
    }
    let (code, _, stderr) = run(di().args(["completions", "tcsh"]));
    assert_eq!(code, 2, "{stderr}");
}
