//! `di` as the aliyun CLI's users expect it, end to end: region and profile conventions,
//! configuration mistakes that exit 2 at once and send nothing (the emulator's request
//! counter proves it), the first run against `di emulator`, the global options (`-p`,
//! `--quiet`, `--color`, `--connect-timeout`, `-v`...), and the small defects of issue 20.
//! Every test talks to 127.0.0.1 only; a region's real host is only ever printed by
//! `--dry-run`, never asked.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{AccessKey, Emulator, PROJECT, di_isolated, json_lines, run_hiding};
use serde_json::Value;

const KEY: AccessKey = AccessKey {
    id: "LTAI5tConventionsKeyId",
    secret: "ConventionsSecretNeverPrinted3",
};
const DEMO_KEY_ID: &str = "LTAI5tDemoAccessKeyId";

impl Emulator {
    /// With the test key and deployed, running tasks `10000:1-last`, and `options`.
    fn start(last: u32, options: &[&str]) -> Emulator {
        let tasks = format!("{PROJECT}:1-{last}");
        let key = KEY.pair();
        let mut args = vec!["--access-key", &key, "--task", &tasks];
        args.extend(options);
        Emulator::spawn(&args, false)
    }
}

/// A fresh, empty directory under the target's temporary folder.
fn temp_dir(name: &str) -> PathBuf {
    let dir = common::temp_dir(&format!("conventions-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    dir
}

/// Writes `text` at `dir/path`, creating the folders, and restricts it to its owner.
fn write(dir: &Path, path: &str, text: &str) -> PathBuf {
    let path = dir.join(path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("the folder is writable");
    }
    std::fs::write(&path, text).expect("the file is writable");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .expect("the mode is settable");
    }
    path
}

/// Writes, in `home`, an aliyun CLI config.json whose one profile, `work` (the current one),
/// holds the test key: its path.
fn work_profile(home: &Path) -> PathBuf {
    write(
        home,
        ".aliyun/config.json",
        &format!(
            r#"{{"current": "work", "profiles": [{{"name": "work", "mode": "AK",
                "access_key_id": "{}", "access_key_secret": "{}"}}]}}"#,
            KEY.id, KEY.secret
        ),
    )
}

/// `di` with nothing the credential chain reads (no variable, an empty home, the metadata
/// service off) and no colour. The home is created once, never emptied: tests share it.
fn di() -> Command {
    let mut command = di_isolated(common::temp_dir("conventions-empty-home"));
    command.env("NO_COLOR", "1");
    command
}

/// [`di`] with the test key in the environment.
fn di_keyed() -> Command {
    let mut command = di();
    KEY.export(&mut command);
    command
}

/// Runs `command`: exit code, stdout, stderr; never a secret in either.
fn run(command: &mut Command) -> (i32, String, String) {
    run_hiding(command, KEY.secret)
}

fn teardown(file_id: &str) -> [&str; 5] {
    ["teardown", "--project-id", PROJECT, "--file-id", file_id]
}

/// The README's first run on a fresh clone: `di emulator` as written (no option) prints its
/// URL first on stdout and then, on stderr, the two `export` lines of its demo key; with them
/// exported, the README's teardown against it works. With `--access-key`, no export lines.
#[test]
fn di_emulator_prints_its_demo_key_and_a_teardown_against_it_works() {
    let mut emulator = Emulator::spawn(&[], true);
    let exports = emulator.exports();
    let names: Vec<&str> = exports.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        ],
        "{exports:?}"
    );
    assert_eq!(exports[0].1, DEMO_KEY_ID);
    let (code, stdout, stderr) = run(di()
        .envs(exports)
        .args(["--endpoint", &emulator.url])
        .args(teardown("100-104")));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 5, "{stdout}");
    assert!(
        stderr.contains("5 tasks: 5 done, 0 already done, 0 failed"),
        "{stderr}"
    );

    // A key of one's own replaces the demo key: nothing to export.
    let key = KEY.pair();
    let mut keyed = Emulator::spawn(&["--access-key", &key], true);
    let _ = keyed.child.kill();
    let _ = keyed.child.wait();
    let mut rest = String::new();
    keyed
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut rest)
        .expect("stderr read");
    assert!(!rest.contains("export "), "{rest}");
}

/// Without credentials, the error is a short line, then one line per source tried; against
/// a loopback endpoint it says how to use the emulator's demo key, elsewhere not. Nothing is
/// sent.
#[test]
fn no_credentials_lists_the_sources_one_per_line_with_the_demo_key_hint_on_loopback() {
    let emulator = Emulator::start(1, &[]);
    let (code, _, stderr) = run(di().args(["--endpoint", &emulator.url]).args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"di: error: no credentials found; tried, in order:"),
        "{stderr}"
    );
    for (line, source) in lines[1..].iter().zip([
        "environment:",
        "oidc:",
        "cli-profile:",
        "profile-file:",
        "ecs-ram-role:",
        "credentials-uri:",
    ]) {
        assert!(line.starts_with(&format!("  {source}")), "{line:?}");
        assert_eq!(
            line.matches(": ").count(),
            1,
            "one source per line: {line:?}"
        );
    }
    assert!(
        stderr.contains(&format!("export ALIBABA_CLOUD_ACCESS_KEY_ID={DEMO_KEY_ID}")),
        "{stderr}"
    );
    assert_eq!(emulator.requests(), 0, "nothing was sent");

    // A region's endpoint is not loopback: no demo key hint (and nothing is asked: the
    // credentials come first).
    let (code, _, stderr) = run(di().args(["--region", "cn-shanghai"]).args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("di: error: no credentials found"),
        "{stderr}"
    );
    assert!(!stderr.contains("export"), "{stderr}");
}

/// `--profile nosuch` (or `-p`, or `ALIBABA_CLOUD_PROFILE`) exits 2, names the files it
/// looked in, and sends nothing, not even to a credentials URI the chain would ask next
/// (here the emulator, which counts every request); the same profile name that exists works.
#[test]
fn a_named_profile_that_is_nowhere_exits_2_and_sends_nothing() {
    let emulator = Emulator::start(2, &[]);
    let home = temp_dir("profile-home");
    let config = work_profile(&home);
    let uri = format!("{}/credentials", emulator.url);
    let with_home = |extra: &[&str], variable: Option<&str>| {
        let mut command = di();
        command
            .env("HOME", &home)
            .env("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)
            .args(extra)
            .args(["--endpoint", &emulator.url])
            .args(teardown("1"));
        if let Some(profile) = variable {
            command.env("ALIBABA_CLOUD_PROFILE", profile);
        }
        run(&mut command)
    };
    for (extra, variable, named_by) in [
        (&["--profile", "nosuch"][..], None, "-p/--profile"),
        (&["-p", "nosuch"][..], None, "-p/--profile"),
        (&[][..], Some("nosuch"), "ALIBABA_CLOUD_PROFILE"),
    ] {
        let (code, stdout, stderr) = with_home(extra, variable);
        assert_eq!(code, 2, "{extra:?}: {stdout}{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "di: error: no profile \"nosuch\" (named by {named_by}) in the profile files"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "  cli-profile: {} has no profile \"nosuch\"",
                config.display()
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("  profile-file: neither ") && stderr.contains("credentials.ini"),
            "{stderr}"
        );
        assert_eq!(emulator.requests(), 0, "{extra:?}: nothing was sent");
    }
    // The profile that is there: the teardown goes through.
    let (code, stdout, stderr) = with_home(&["-p", "work"], None);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let sent = emulator.requests();
    assert!(sent > 0);
    // Without a profile and without files, the chain would ask the credentials URI: the
    // checks above are what kept it from doing so.
    let (code, _, stderr) = run(di()
        .env("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)
        .args(["--endpoint", &emulator.url])
        .args(teardown("2")));
    assert_ne!(code, 0, "{stderr}");
    assert_eq!(emulator.requests(), sent + 1, "the URI was asked: {stderr}");
}

/// Configuration mistakes exit 2 before anything is sent (the emulator's request counter
/// proves it), with a hint: a loopback endpoint without its scheme, a region DataWorks does
/// not serve (from the flag or the variable, with the closest one suggested), an id that is
/// not a number, a count out of its range.
#[test]
fn configuration_mistakes_exit_2_with_a_hint_and_send_nothing() {
    let emulator = Emulator::start(1, &[]);
    let (code, _, stderr) = run(di_keyed()
        .args(["--endpoint", emulator.address()])
        .args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("needs its scheme") && stderr.contains(&emulator.url),
        "{stderr}"
    );

    let (code, _, stderr) = run(di_keyed()
        .args(["--region", "cn-nowhere-9"])
        .args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("di: error: unknown region \"cn-nowhere-9\" (from --region)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("DataWorks regions: cn-hangzhou, cn-shanghai"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--endpoint https://dataworks.cn-nowhere-9.aliyuncs.com"),
        "{stderr}"
    );
    let (code, _, stderr) = run(di_keyed()
        .env("ALIBABA_CLOUD_REGION_ID", "cn-shangai")
        .args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("(from ALIBABA_CLOUD_REGION_ID); did you mean cn-shanghai?"),
        "{stderr}"
    );
    let (code, _, stderr) = run(di_keyed().args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no endpoint: pass --region"), "{stderr}");

    // Ids and counts: the option named, and what it expects.
    for (args, option, expected) in [
        (
            &["teardown", "--project-id", "abc", "--file-id", "1"][..],
            "--project-id",
            "expected a positive whole number",
        ),
        (
            &["teardown", "--project-id", "0", "--file-id", "1"],
            "--project-id",
            "expected a positive id",
        ),
        (
            &[
                "teardown",
                "--project-id",
                PROJECT,
                "--file-id",
                "1",
                "--jobs",
                "65",
            ],
            "--jobs",
            "from 1 to 64",
        ),
        (
            &[
                "--retries",
                "11",
                "teardown",
                "--project-id",
                PROJECT,
                "--file-id",
                "1",
            ],
            "--retries",
            "from 0 to 10",
        ),
        (
            &[
                "--connect-timeout",
                "0",
                "teardown",
                "--project-id",
                PROJECT,
                "--file-id",
                "1",
            ],
            "--connect-timeout",
            "more than 0",
        ),
    ] {
        let (code, _, stderr) = run(di_keyed().args(["--endpoint", &emulator.url]).args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(option) && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("invalid digit"), "{stderr}");
    }
    assert_eq!(emulator.requests(), 0, "nothing was sent");
}

/// The region comes from `--region`, else `ALIBABA_CLOUD_REGION_ID`, else the profile's
/// `region_id` (config.json, else the INI file), as the aliyun CLI reads it. Shown by
/// `--dry-run`, which prints the URL and sends nothing.
#[test]
fn the_region_comes_from_the_flag_the_variable_then_the_profile() {
    let home = temp_dir("region-home");
    let config = write(
        &home,
        ".aliyun/config.json",
        r#"{"current": "main", "profiles": [
            {"name": "main", "mode": "AK", "access_key_id": "a", "access_key_secret": "s", "region_id": "cn-hangzhou"},
            {"name": "far", "mode": "AK", "access_key_id": "a", "access_key_secret": "s", "region_id": "cn-faraway-1"}
        ]}"#,
    );
    let host = |command: &mut Command| {
        let (code, stdout, stderr) = run(command
            .env("HOME", &home)
            .args(["--dry-run", "--output", "json", "get-sync-instance-info"])
            .args(["--project-id", PROJECT, "--file-id", "1"]));
        assert_eq!(code, 0, "{stdout}{stderr}");
        let line = &json_lines(&stdout)[0];
        line["url"]
            .as_str()
            .and_then(|url| url.strip_prefix("https://"))
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(host(&mut di()), "dataworks.cn-hangzhou.aliyuncs.com");
    assert_eq!(
        host(di().env("ALIBABA_CLOUD_REGION_ID", "cn-beijing")),
        "dataworks.cn-beijing.aliyuncs.com"
    );
    assert_eq!(
        host(
            di().env("ALIBABA_CLOUD_REGION_ID", "cn-beijing")
                .args(["--region", "cn-shanghai"])
        ),
        "dataworks.cn-shanghai.aliyuncs.com"
    );
    // A profile's region that DataWorks does not serve names its profile and file.
    let (code, _, stderr) = run(di()
        .env("HOME", &home)
        .args(["-p", "far", "--dry-run"])
        .args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "unknown region \"cn-faraway-1\" (from region_id of profile \"far\" of {})",
            config.display()
        )),
        "{stderr}"
    );
    // The INI file, when config.json has no such profile.
    let ini_home = temp_dir("region-ini-home");
    write(
        &ini_home,
        ".alibabacloud/credentials",
        "[default]\ntype = access_key\naccess_key_id = a\naccess_key_secret = s\nregion_id = cn-shenzhen\n",
    );
    let (code, stdout, stderr) = run(di()
        .env("HOME", &ini_home)
        .args(["--dry-run", "--output", "json"])
        .args(teardown("1")));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        json_lines(&stdout)[0]["url"]
            .as_str()
            .is_some_and(|url| url.starts_with("https://dataworks.cn-shenzhen.aliyuncs.com/")),
        "{stdout}"
    );
}

/// `--wait-timeout` without `--wait` is not ignored: it bounds the waiting after a refusal
/// (here a terminate refused while the task is stopping, on a service that never settles),
/// and the help says so. A millisecond has passed by the time the refusal is checked, so the
/// wait ends at its first poll; under the default (300 s) it would still be polling.
#[test]
fn real_time_wait_timeout_without_wait_bounds_the_waiting_after_a_refusal() {
    let emulator = Emulator::start(1, &["--never-settle"]);
    let (code, _, stderr) = run(di_keyed().args(["--endpoint", &emulator.url]).args([
        "stop-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(di_keyed()
        .args(["--endpoint", &emulator.url, "--output", "json"])
        .args([
            "terminate-sync-instance",
            "--project-id",
            PROJECT,
            "--file-id",
            "1",
        ])
        .args(["--wait-timeout", "0.001", "--poll-interval", "0.1"]));
    assert_eq!(code, 3, "{stdout}{stderr}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["error"]["kind"], "wait_timed_out", "{line}");
    assert_eq!(line["error"]["code"], "KILLING", "{line}");
    // Refused, checked (KILLING), then the wait that ran out.
    let steps: Vec<_> = line["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|step| (&step["step"], &step["outcome"]))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        steps,
        [
            (&Value::from("terminate"), &Value::from("failed")),
            (&Value::from("check"), &Value::from("done")),
            (&Value::from("wait"), &Value::from("failed")),
        ],
        "{line}"
    );

    let (_, help, _) = run(di().args(["terminate-sync-instance", "--help"]));
    assert!(
        help.contains("--wait-timeout bounds only the waiting after a refusal"),
        "{help}"
    );
    assert!(help.contains("with or without --wait"), "{help}");
}

/// The demo honours the global options that mean something to it (--output json, --quiet,
/// --retries, ...) and refuses the rest (--endpoint, --region, --vpc, --profile, --dry-run);
/// it passes for one task and for two, each injected fault absorbed.
///
/// Real time: `di demo` runs its own emulator, whose changes settle on its wall clock (the
/// demo shows DataWorks' settling), out of this test's reach.
#[test]
fn real_time_the_demo_passes_for_one_and_two_tasks_and_refuses_the_options_it_cannot_honour() {
    for (args, refused) in [
        (
            &["--endpoint", "http://127.0.0.1:9", "demo"][..],
            "--endpoint",
        ),
        (&["--dry-run", "demo"][..], "--dry-run"),
        (
            &["--region", "cn-shanghai", "-p", "x", "demo"][..],
            "--region, --profile",
        ),
    ] {
        let (code, stdout, stderr) = run(di().args(args));
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("{refused} cannot apply")),
            "{stderr}"
        );
        assert!(stdout.is_empty(), "{stdout}");
    }

    let (code, stdout, stderr) = run(di().args(["demo", "--tasks", "1"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("tearing down 1 running task 10000/100 "),
        "{stdout}"
    );
    assert!(
        stdout.contains("4 met an injected fault, and 4 retries absorbed them all"),
        "{stdout}"
    );
    assert!(
        stdout.contains("tasks deleted on the emulator: 1 of 1"),
        "{stdout}"
    );

    // JSON: stdout holds the task objects only, the narration goes to stderr.
    let (code, stdout, stderr) = run(di().args(["--output", "json", "demo", "--tasks", "2"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 2, "{stdout}");
    for line in &lines {
        assert_eq!(line["action"], "teardown", "{line}");
        assert!(
            matches!(line["outcome"].as_str(), Some("done" | "already_done")),
            "{line}"
        );
    }
    assert!(stderr.contains("absorbed them all"), "{stderr}");

    // Quiet: the task's lines (with the retries that absorbed its faults) and nothing else.
    let (code, stdout, stderr) = run(di().args(["-q", "demo", "--tasks", "1"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("10000/100  "), "{stdout}");
    assert!(
        stdout
            .lines()
            .skip(1)
            .all(|line| line.contains(" retried after: ")),
        "{stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");
}

/// `-v`, `-vv` and `-vvv` each add to the one before, on stderr; the default prints the
/// summary only, `--quiet` nothing at all. No level prints a secret (checked by `run`).
#[test]
fn the_three_verbosity_levels_and_quiet() {
    let emulator = Emulator::start(5, &[]);
    let stderr_of = |flags: &[&str], file: &str| {
        let (code, stdout, stderr) = run(di_keyed()
            .args(["--endpoint", &emulator.url])
            .args(flags)
            .args(teardown(file)));
        assert_eq!(code, 0, "{flags:?}: {stdout}{stderr}");
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        stderr
    };
    let quiet = stderr_of(&["--quiet"], "1");
    assert!(quiet.is_empty(), "{quiet}");
    let default = stderr_of(&[], "2");
    assert!(default.starts_with("1 task: 1 done"), "{default}");
    assert!(!default.contains("INFO"), "{default}");

    let info = stderr_of(&["-v"], "3");
    assert!(
        info.contains(" INFO ") && info.contains("terminate done"),
        "{info}"
    );
    assert!(!info.contains("DEBUG"), "{info}");

    let debug = stderr_of(&["-vv"], "4");
    assert!(
        debug.contains(" INFO ") && debug.contains("terminate done"),
        "{debug}"
    );
    assert!(
        debug.contains("DEBUG") && debug.contains("status=200"),
        "{debug}"
    );
    assert!(debug.contains("credentials resolved"), "{debug}");
    assert!(!debug.contains("TRACE"), "{debug}");

    let trace = stderr_of(&["-vvv", "--connect-timeout", "0.5"], "5");
    assert!(
        trace.contains("DEBUG") && trace.contains("status=200"),
        "{trace}"
    );
    assert!(
        trace.contains("TRACE") && trace.contains("settings"),
        "{trace}"
    );
    assert!(trace.contains("connect_timeout=500ms"), "{trace}");
    assert!(trace.contains("time.busy"), "spans' durations: {trace}");

    let (code, _, stderr) = run(di_keyed().args(["-q", "-v"]).args(teardown("1")));
    assert_eq!(code, 2, "{stderr}");
}

/// Text lines: the outcome column is wide enough for `already_done`, two spaces before the
/// details; a failed line is coloured with `--color always` (even with NO_COLOR), not with
/// `auto` off a terminal or `never`; a throttled failure says `throttled` once.
#[test]
fn text_lines_align_colour_failures_and_say_the_kind_once() {
    let emulator = Emulator::start(4, &[]);
    let at = |args: &[&str]| run(di_keyed().args(["--endpoint", &emulator.url]).args(args));
    let (code, _, _) = at(&[
        "terminate-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]);
    assert_eq!(code, 0);
    let (code, stdout, stderr) = at(&[
        "terminate-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "1-2",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let column = "10000/1  ".len() + "already_done".len() + 2;
    for line in stdout.lines() {
        let (head, details) = line.split_at(column);
        assert!(
            head.ends_with("  ") && !details.starts_with(' '),
            "details line up after two spaces: {line:?}"
        );
    }
    assert!(stdout.contains("10000/1  already_done  "), "{stdout}");
    assert!(stdout.contains("10000/2  done          "), "{stdout}");

    let failing = [
        "delete-sync-task",
        "--project-id",
        PROJECT,
        "--file-id",
        "999",
    ];
    for (color, coloured) in [("always", true), ("auto", false), ("never", false)] {
        let (code, stdout, _) = at(&[&["--color", color][..], &failing[..]].concat());
        assert_eq!(code, 1, "{stdout}");
        assert_eq!(
            stdout.contains("\x1b[31m"),
            coloured,
            "--color {color}: {stdout:?}"
        );
    }
    let (_, stdout, _) = run(di_keyed()
        .env_remove("NO_COLOR")
        .args(["--endpoint", &emulator.url])
        .args(failing));
    assert!(!stdout.contains('\x1b'), "not a terminal: {stdout:?}");

    emulator.fault(r#"{"fault":"throttling","count":5,"retry_after_ms":10}"#);
    let (code, stdout, stderr) = at(&[
        "--retries",
        "0",
        "terminate-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "3",
    ]);
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stdout.contains("throttled: Throttling.User"), "{stdout}");
    assert!(!stdout.contains("throttled: throttled"), "{stdout}");
    assert!(!stderr.contains("throttled: throttled"), "{stderr}");
}

/// `--file-ids-from` repeats as `--file-id` does (stdin once at most), and the JSON `action`
/// is the subcommand for every command, `call` included (with the API action beside it); a
/// step's action and a dry run's are the API's.
#[test]
fn file_id_lists_repeat_and_json_actions_are_subcommands() {
    let emulator = Emulator::start(6, &[]);
    let dir = temp_dir("lists");
    let first = write(&dir, "first.txt", "1\n2 # two\n");
    let second = write(&dir, "second.txt", "# more\n3-4\n");
    let (code, stdout, stderr) = run(di_keyed()
        .args(["--endpoint", &emulator.url, "--output", "json"])
        .args(["get-sync-instance-info", "--project-id", PROJECT])
        .args(["--file-ids-from", first.to_str().unwrap_or_default()])
        .args(["--file-ids-from", second.to_str().unwrap_or_default()]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let mut files: Vec<i64> = json_lines(&stdout)
        .iter()
        .map(|line| {
            assert_eq!(line["action"], "get-sync-instance-info", "{line}");
            assert_eq!(
                line["steps"][0]["action"], "GetDISyncInstanceInfo",
                "{line}"
            );
            line["file_id"].as_i64().unwrap_or_default()
        })
        .collect();
    files.sort_unstable();
    assert_eq!(files, [1, 2, 3, 4]);
    let (code, _, stderr) = run(di_keyed()
        .args(["--endpoint", &emulator.url])
        .args(["teardown", "--project-id", PROJECT])
        .args(["--file-ids-from", "-", "--file-ids-from", "-"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("stdin can be read once"), "{stderr}");

    for (command, expected) in [
        ("delete-sync-task", "delete-sync-task"),
        ("terminate-sync-instance", "terminate-sync-instance"),
        ("teardown", "teardown"),
    ] {
        let (_, stdout, _) = run(di_keyed()
            .args(["--endpoint", &emulator.url, "--output", "json", command])
            .args(["--project-id", PROJECT, "--file-id", "5"]));
        assert_eq!(json_lines(&stdout)[0]["action"], expected, "{stdout}");
    }
    let (code, stdout, _) = run(di_keyed()
        .args(["--endpoint", &emulator.url, "--output", "json"])
        .args(["call", "GetDISyncInstanceInfo", "--idempotent"])
        .args([
            "--param",
            "ProjectId=10000",
            "--param",
            "TaskType=DI_REALTIME",
        ])
        .args(["--param", "FileId=6"]));
    assert_eq!(code, 0, "{stdout}");
    let line = &json_lines(&stdout)[0];
    assert_eq!(line["action"], "call", "{line}");
    assert_eq!(line["api_action"], "GetDISyncInstanceInfo", "{line}");
    let (_, stdout, _) = run(di_keyed()
        .args(["--endpoint", &emulator.url, "--output", "json", "--dry-run"])
        .args(teardown("6")));
    let actions: Vec<Value> = json_lines(&stdout)
        .iter()
        .map(|line| line["action"].clone())
        .collect();
    assert_eq!(
        actions,
        [
            "TerminateDISyncInstance",
            "GetDISyncInstanceInfo",
            "DeleteDISyncTask"
        ]
    );
}

/// A credentials file others may read draws one plain warning line (no timestamp, no log
/// level); --quiet keeps it off.
#[cfg(unix)]
#[test]
fn the_file_permission_warning_is_a_plain_line() {
    use std::os::unix::fs::PermissionsExt;
    let emulator = Emulator::start(1, &[]);
    let home = temp_dir("warning-home");
    let config = work_profile(&home);
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644))
        .expect("the mode is settable");
    let status = |extra: &[&str]| {
        run(di()
            .env("HOME", &home)
            .args(["--endpoint", &emulator.url])
            .args(extra)
            .args([
                "get-sync-instance-info",
                "--project-id",
                PROJECT,
                "--file-id",
                "1",
            ]))
    };
    let (code, _, stderr) = status(&[]);
    assert_eq!(code, 0, "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("readable by other users"))
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "di: warning: {} holds credentials and is readable by other users (mode 644); \
             restrict it with chmod 600",
            config.display()
        )],
        "{stderr}"
    );
    let (code, _, stderr) = status(&["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// The help states the limits: at most 64 jobs, at most 10 retries, at most 1000 demo tasks.
#[test]
fn the_help_states_the_limits() {
    let (_, help, _) = run(di().arg("--help"));
    assert!(help.contains("0 to 10"), "{help}");
    assert!(help.contains("1 to 64"), "{help}");
    let (_, teardown_help, _) = run(di().args(["teardown", "--help"]));
    assert!(teardown_help.contains("1 to 64"), "{teardown_help}");
    let (_, demo_help, _) = run(di().args(["demo", "--help"]));
    assert!(demo_help.contains("1 to 1000"), "{demo_help}");
}
