//! `di teardown` end to end, as a user runs it: `di emulator` as a child process (tasks that
//! take a moment to settle, faults planned through its control route, refusals worded to
//! mislead), `di` against it, and the emulator's own record of each task afterwards
//! (`GET /_emulator/tasks/{project}/{file}`). The batch tests tear down 200 tasks with
//! `--poll-interval 0.1`, a few seconds each.
//!
//! The tests named `real_time_` take real time and depend on it: the emulator, a process of
//! its own, settles changes, holds answers and lets waits run out on its wall clock, which a
//! real `di` meets; and a signal is sent while a batch runs. They wait for what they need
//! (a task reported, the calls in flight, `di`'s own word that a signal arrived), never for
//! a fixed time, and hold `di` to no deadline: times are printed, and checked only as lower
//! bounds that the emulator's configured delays cause.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{
    AccessKey, Emulator, PROJECT, di_isolated, json_lines, run_json, step, step_kinds, temp_dir,
};
use serde_json::Value;

const KEY: AccessKey = AccessKey {
    id: "LTAI5tCliTeardownKeyId",
    secret: "CliTeardownSecretNeverPrinted9",
};

impl Emulator {
    /// Starts with the test key, running tasks `10000:first-last` and `options`.
    fn start(first: i64, last: i64, options: &[&str]) -> Emulator {
        let tasks = format!("{PROJECT}:{first}-{last}");
        Emulator::launch(KEY, &[&["--task", &tasks][..], options].concat())
    }
}

/// `di --endpoint URL --output json` with the test key in its environment and nothing else
/// the credential chain reads (an empty home).
fn di(emulator: &Emulator) -> Command {
    let mut command = di_isolated(temp_dir("teardown-home"));
    KEY.export(&mut command)
        .args(["--endpoint", &emulator.url, "--output", "json"]);
    command
}

/// Runs `command`: the exit code, the JSON lines on stdout, and stderr; never the secret.
fn run(command: &mut Command) -> (i32, Vec<Value>, String) {
    run_json(command, KEY.secret)
}

/// The file id of each line, checking that each of `first..=last` is reported exactly once.
fn by_file_id(lines: &[Value], first: i64, last: i64) -> BTreeMap<i64, &Value> {
    let mut reported = BTreeMap::new();
    for line in lines {
        let file_id = line["file_id"].as_i64().expect("a file id");
        assert!(
            reported.insert(file_id, line).is_none(),
            "task {file_id} reported twice"
        );
    }
    assert_eq!(
        reported.keys().copied().collect::<Vec<_>>(),
        (first..=last).collect::<Vec<_>>(),
        "every task reported once"
    );
    reported
}

/// 200 running tasks whose undeploys settle after 300 ms, one request in ten failing (an
/// internal error, a lost answer, throttling): with enough retries every task ends done or
/// already done, each line lists its steps with their request ids, and the emulator holds
/// none of the tasks afterwards.
///
/// Real time: the emulator settles each change 300 ms after it, on its wall clock, and `di`
/// polls until it has.
#[test]
fn real_time_two_hundred_settling_tasks_torn_down_through_faults_are_all_gone() {
    let emulator = Emulator::start(1, 200, &["--settle-delay-ms", "300"]);
    for fault in [
        r#"{"fault":"internal_error","per_mille":34}"#,
        r#"{"fault":"lost_response","per_mille":33}"#,
        r#"{"fault":"throttling","per_mille":33,"retry_after_ms":50}"#,
    ] {
        emulator.fault(fault);
    }
    let started = Instant::now();
    let (code, lines, stderr) = run(di(&emulator).args([
        "--retries",
        "10",
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "1-200",
        "--jobs",
        "16",
        "--poll-interval",
        "0.1",
    ]));
    let elapsed = started.elapsed();
    assert_eq!(code, 0, "{lines:?}\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let reported = by_file_id(&lines, 1, 200);
    let mut retried = 0;
    for line in reported.values() {
        let outcome = line["outcome"].as_str().unwrap_or_default();
        assert!(matches!(outcome, "done" | "already_done"), "{line}");
        assert!(line["error"].is_null(), "{line}");
        assert_eq!(line["action"], "teardown", "{line}");
        assert!(line["request_id"].is_string(), "{line}");
        let kinds = step_kinds(line);
        // One terminate, and the delete last; besides, the wait and the state reads that
        // judged a refusal (after a lost answer, the retry of a change meets it done). A
        // terminate judged by a state read is listed after that read (see
        // `a_refused_change_is_listed_before_the_state_read_that_judged_it`), so its place
        // is not checked here.
        assert_eq!(kinds.last(), Some(&"delete"), "{line}");
        assert_eq!(
            kinds.iter().filter(|kind| **kind == "terminate").count(),
            1,
            "{line}"
        );
        assert!(
            kinds
                .iter()
                .all(|kind| matches!(*kind, "terminate" | "check" | "wait" | "delete")),
            "{line}"
        );
        for step in line["steps"].as_array().into_iter().flatten() {
            assert!(
                matches!(step["outcome"].as_str(), Some("done" | "already_done")),
                "{line}"
            );
            assert!(step["request_id"].is_string(), "{line}");
            assert!(step["action"].is_string(), "{line}");
        }
        if line["retries"] == 0 {
            assert_eq!(kinds, ["terminate", "wait", "delete"], "{line}");
            assert_eq!(line["outcome"], "done", "{line}");
        } else {
            retried += 1;
        }
    }
    assert!(retried > 0, "the faults were met and retried");
    assert!(emulator.faults_served() > 0);

    println!(
        "200 tasks in {elapsed:?}, {retried} retried, {} faults served",
        emulator.faults_served()
    );
    emulator.clear_faults();
    let left: Vec<i64> = (1..=200)
        .filter(|&file_id| !emulator.is_gone(file_id))
        .collect();
    assert!(left.is_empty(), "still on the emulator: {left:?}");
}

/// A child's pipe, read line by line on a thread of its own (so that a full pipe never holds
/// the child up): a test can wait for a line as it comes, and take the whole text once the
/// child has ended.
struct Pipe {
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Pipe {
    fn read(pipe: impl Read + Send + 'static) -> Pipe {
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let line = line.expect("UTF-8 output");
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Pipe {
            lines,
            seen: Vec::new(),
        }
    }

    /// Blocks until a line for which `wanted` holds, and returns it: a readiness signal.
    /// Fails when the pipe closes first (the child ended).
    fn until(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        loop {
            let Ok(line) = self.lines.recv() else {
                panic!(
                    "the pipe closed before the line awaited; it carried:\n{}",
                    self.seen.join("\n")
                );
            };
            self.seen.push(line.clone());
            if wanted(&line) {
                return line;
            }
        }
    }

    /// Every line the pipe carried, once it closed.
    fn text(mut self) -> String {
        self.seen.extend(self.lines.iter());
        self.seen.iter().map(|line| format!("{line}\n")).collect()
    }
}

/// `di teardown ... --output json` as a child process, with its stdout and stderr.
fn spawn_teardown(emulator: &Emulator, args: &[&str]) -> (Child, Pipe, Pipe) {
    let mut child = di(emulator)
        .args(["teardown", "--project-id", PROJECT])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("di runs");
    let stdout = Pipe::read(child.stdout.take().expect("piped stdout"));
    let stderr = Pipe::read(child.stderr.take().expect("piped stderr"));
    (child, stdout, stderr)
}

/// Sends `signal` (`-INT`, `-TERM`) to `child` through `kill`: the crate has no libc, and
/// forbids unsafe code.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} failed");
}

/// Waits for `child` to exit: its exit code, and how long after `since`, for the log.
fn exit_of(child: &mut Child, since: Instant) -> (Option<i32>, Duration) {
    let status = child.wait().expect("di is there");
    (status.code(), since.elapsed())
}

/// Parses the stderr block after `di: interrupted; left to do ...`: one id or `FIRST-LAST`
/// per line.
fn left_to_do(stderr: &str) -> BTreeSet<i64> {
    let mut lines = stderr
        .lines()
        .skip_while(|line| !line.starts_with("di: interrupted; left to do"));
    assert!(lines.next().is_some(), "a left-to-do list in {stderr}");
    let mut ids = BTreeSet::new();
    for line in lines {
        let (first, last) = line.split_once('-').unwrap_or((line, line));
        let (Ok(first), Ok(last)) = (first.trim().parse::<i64>(), last.trim().parse::<i64>())
        else {
            panic!("{line:?} is not an id or a range, in {stderr}");
        };
        assert!(first <= last, "{line:?}");
        ids.extend(first..=last);
    }
    ids
}

/// SIGINT once a teardown of 200 settling tasks has reported its first task: `di` stops
/// starting tasks, lets the calls in flight finish, and exits 130; it reports every task
/// exactly once; a task reported done is gone on the emulator and a task gone is reported
/// done; the tasks cut short or not started are the ones the stderr list says are left to do.
///
/// Real time: the signal has to arrive while the batch runs. Each task takes at least the
/// 300 ms its undeploy settles in, on the emulator's wall clock, so 8 jobs need at least 25
/// times that for the 200: the signal, sent at the first report, finds most tasks not
/// started.
#[test]
fn real_time_sigint_stops_a_200_task_teardown_and_reports_every_task() {
    let emulator = Emulator::start(1, 200, &["--settle-delay-ms", "300"]);
    let (mut child, mut stdout, stderr) = spawn_teardown(
        &emulator,
        &[
            "--file-id",
            "1-200",
            "--jobs",
            "8",
            "--poll-interval",
            "0.1",
        ],
    );
    let first = stdout.until(|line| !line.trim().is_empty());
    assert!(
        child.try_wait().expect("di is there").is_none(),
        "di ended at its first report ({first}): 200 tasks settling 300 ms each, 8 at a time, \
         take longer"
    );
    let signalled = Instant::now();
    signal(&child, "-INT");
    let (code, took) = exit_of(&mut child, signalled);
    let stdout = stdout.text();
    let stderr = stderr.text();
    assert_eq!(code, Some(130), "{stdout}\n{stderr}");

    let lines = json_lines(&stdout);
    let reported = by_file_id(&lines, 1, 200);
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unfinished = BTreeSet::new();
    for (&file_id, line) in &reported {
        let outcome = line["outcome"].as_str().unwrap_or_default();
        *outcomes.entry(outcome).or_default() += 1;
        let gone = emulator.is_gone(file_id);
        match outcome {
            "done" | "already_done" => {
                assert!(
                    gone,
                    "task {file_id} reported {outcome} is still there: {line}"
                );
                assert!(line["error"].is_null(), "{line}");
            }
            "interrupted" | "not_started" => {
                assert!(
                    !gone,
                    "task {file_id} is gone but reported {outcome}: {line}"
                );
                assert!(line["error"].is_null(), "{line}");
                if outcome == "not_started" {
                    assert_eq!(line["steps"], Value::Array(Vec::new()), "{line}");
                    assert!(line["request_id"].is_null(), "{line}");
                }
                unfinished.insert(file_id);
            }
            _ => panic!("task {file_id}: unexpected outcome: {line}"),
        }
    }
    println!("SIGINT at the first report: {outcomes:?}; exit {took:?} after the signal");
    assert!(
        outcomes.get("done").copied().unwrap_or_default() > 0,
        "the task reported before the signal is done: {outcomes:?}"
    );
    assert!(
        !unfinished.is_empty(),
        "the signal left tasks to do: {outcomes:?}"
    );
    assert!(
        outcomes.get("not_started").copied().unwrap_or_default() > 0,
        "{outcomes:?}"
    );
    assert_eq!(left_to_do(&stderr), unfinished, "{stderr}");
    assert!(stderr.contains("di: interrupted"), "{stderr}");
}

/// The first SIGINT lets the calls in flight finish (every answer held 1.5 s here): the
/// tasks whose terminate was in flight end interrupted with that step done (and the
/// emulator shows them undeployed), the rest not started. A second signal (SIGTERM, then
/// SIGINT), sent while the calls are still in flight (held a minute each), ends `di` at once
/// with exit 130, reporting nothing.
///
/// Real time: the emulator holds each answer on its wall clock, and the signals have to
/// arrive while it does. They are sent once the emulator has the calls (4 jobs: 4 calls), and
/// the second once `di` says it has the first.
#[test]
fn real_time_sigint_lets_calls_in_flight_finish_and_a_second_quits_at_once() {
    let emulator = Emulator::start(1, 40, &[]);
    emulator.fault(r#"{"fault":"delay","per_mille":1000,"delay_ms":1500}"#);
    let spawned = Instant::now();
    let (mut child, stdout, stderr) =
        spawn_teardown(&emulator, &["--file-id", "1-20", "--jobs", "4"]);
    emulator.until_faults_served(4, &mut child);
    let signalled = Instant::now();
    signal(&child, "-INT");
    let (code, took) = exit_of(&mut child, signalled);
    let ran = spawned.elapsed();
    let (stdout, stderr) = (stdout.text(), stderr.text());
    assert_eq!(code, Some(130), "{stdout}\n{stderr}");
    // A lower bound the delay causes: the calls in flight were sent after the spawn and
    // answered 1.5 s after they arrived, and di waited for them.
    assert!(
        ran >= Duration::from_millis(1500),
        "di exited {ran:?} after it started ({took:?} after the signal): before the calls in \
         flight could finish"
    );
    let lines = json_lines(&stdout);
    let reported = by_file_id(&lines, 1, 20);
    let mut in_flight = BTreeSet::new();
    for (&file_id, line) in &reported {
        match line["outcome"].as_str() {
            Some("interrupted") => {
                // The terminate in flight finished, and nothing came after it.
                assert_eq!(step_kinds(line), ["terminate"], "{line}");
                assert_eq!(step(line, "terminate")["outcome"], "done", "{line}");
                assert!(step(line, "terminate")["request_id"].is_string(), "{line}");
                assert_eq!(emulator.state(file_id), "undeployed", "{line}");
                in_flight.insert(file_id);
            }
            Some("not_started") => assert_eq!(emulator.state(file_id), "deployed", "{line}"),
            _ => panic!("task {file_id}: {line}"),
        }
    }
    assert_eq!(in_flight.len(), 4, "one task in flight per job: {stdout}");
    assert_eq!(
        left_to_do(&stderr),
        (1..=20).collect::<BTreeSet<i64>>(),
        "{stderr}"
    );

    // Answers held a minute (with a read timeout longer than that): the calls in flight
    // cannot come back while the test runs, so an exit is the second signal's doing.
    emulator.clear_faults();
    emulator.fault(r#"{"fault":"delay","per_mille":1000,"delay_ms":60000}"#);
    let served = emulator.faults_served();
    let (mut child, stdout, mut stderr) = spawn_teardown(
        &emulator,
        &["--file-id", "21-40", "--jobs", "4", "--timeout", "120"],
    );
    emulator.until_faults_served(served + 4, &mut child);
    // SIGTERM counts as SIGINT does.
    signal(&child, "-TERM");
    stderr.until(|line| line.starts_with("di: interrupted: finishing the calls in flight"));
    assert!(
        child.try_wait().expect("di is there").is_none(),
        "after one signal, di waits for the calls in flight"
    );
    let signalled = Instant::now();
    signal(&child, "-INT");
    let (code, took) = exit_of(&mut child, signalled);
    let (stdout, stderr) = (stdout.text(), stderr.text());
    println!("the second signal ended di {took:?} after it");
    assert_eq!(code, Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted again"), "{stderr}");
    // Had di waited for the calls in flight, it would have reported every task.
    assert!(stdout.is_empty(), "{stdout}");
    for file_id in 21..=24 {
        assert_eq!(emulator.state(file_id), "deployed", "task {file_id}");
    }
}

/// A rerun repeats nothing: the second teardown of the same ids finds them gone (its
/// terminate has nothing to do, its delete says `not_found`, exit 1), the third with `--ignore-not-found` counts them already done (exit
/// 0); the same for delete-sync-task and terminate-sync-instance; a task already undeployed
/// goes straight to the delete.
#[test]
fn a_rerun_finds_the_tasks_gone_and_ignore_not_found_makes_them_already_done() {
    let emulator = Emulator::start(1, 4, &["--settle-delay-ms", "100"]);
    let teardown = |extra: &[&str]| {
        run(di(&emulator)
            .args(["teardown", "--project-id", PROJECT, "--file-id", "1-3"])
            .args(["--poll-interval", "0.1"])
            .args(extra))
    };
    let (code, lines, stderr) = teardown(&[]);
    assert_eq!(code, 0, "{lines:?}{stderr}");
    for line in by_file_id(&lines, 1, 3).values() {
        assert_eq!(line["outcome"], "done", "{line}");
        assert_eq!(step_kinds(line), ["terminate", "wait", "delete"], "{line}");
    }

    let (code, lines, stderr) = teardown(&[]);
    assert_eq!(code, 1, "{lines:?}{stderr}");
    for line in by_file_id(&lines, 1, 3).values() {
        assert_eq!(line["outcome"], "failed", "{line}");
        assert_eq!(line["error"]["kind"], "not_found", "{line}");
        assert_eq!(line["error"]["code"], "task_not_found", "{line}");
        assert!(line["request_id"].is_string(), "{line}");
        // The terminate finds nothing to do; the delete finds the task missing.
        assert_eq!(step_kinds(line), ["terminate", "delete"], "{line}");
        assert_eq!(step(line, "terminate")["outcome"], "already_done", "{line}");
        assert_eq!(step(line, "delete")["outcome"], "failed", "{line}");
    }

    let (code, lines, stderr) = teardown(&["--ignore-not-found"]);
    assert_eq!(code, 0, "{lines:?}{stderr}");
    for line in by_file_id(&lines, 1, 3).values() {
        assert_eq!(line["outcome"], "already_done", "{line}");
        assert!(line["error"].is_null(), "{line}");
        assert_eq!(step_kinds(line), ["terminate", "delete"], "{line}");
        for kind in ["terminate", "delete"] {
            assert_eq!(step(line, kind)["outcome"], "already_done", "{line}");
            assert!(step(line, kind)["request_id"].is_string(), "{line}");
        }
    }

    for command in ["delete-sync-task", "terminate-sync-instance"] {
        let single = |extra: &[&str]| {
            run(di(&emulator)
                .args([command, "--project-id", PROJECT, "--file-id", "2"])
                .args(extra))
        };
        let (code, lines, stderr) = single(&[]);
        assert_eq!(code, 1, "{command}: {lines:?}{stderr}");
        assert_eq!(lines[0]["error"]["kind"], "not_found", "{command}");
        assert_eq!(lines[0]["steps"].as_array().map(Vec::len), Some(1));
        let (code, lines, stderr) = single(&["--ignore-not-found"]);
        assert_eq!(code, 0, "{command}: {lines:?}{stderr}");
        assert_eq!(lines[0]["outcome"], "already_done", "{command}");
        assert!(lines[0]["error"].is_null(), "{command}");
    }

    // Undeployed by an earlier run that stopped short: the teardown finds the terminate done
    // (the task reads NORUN) and goes on to the delete.
    let (code, lines, stderr) = run(di(&emulator).args([
        "terminate-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "4",
        "--wait",
        "--poll-interval",
        "0.1",
    ]));
    assert_eq!(code, 0, "{lines:?}{stderr}");
    assert_eq!(emulator.state(4), "undeployed");
    let (code, lines, stderr) = run(di(&emulator).args([
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        "4",
        "--poll-interval",
        "0.1",
    ]));
    assert_eq!(code, 0, "{lines:?}{stderr}");
    let line = &lines[0];
    assert_eq!(line["outcome"], "done", "{line}");
    assert_eq!(step(line, "terminate")["outcome"], "already_done", "{line}");
    assert_eq!(step(line, "delete")["outcome"], "done", "{line}");
    assert!(emulator.is_gone(4));
}

/// With every undocumented refusal worded to fool a phrase matcher ("not found, does not
/// exist, already stopped, already running"), `di` judges by the task's state: deleting a
/// running task fails and leaves it there, even with `--ignore-not-found`; stopping a
/// stopped task is already done; a teardown still works.
#[test]
fn misleading_refusals_are_judged_by_the_task_state() {
    let emulator = Emulator::start(1, 3, &["--fail-messages", "misleading"]);
    let task = |command: &str, file_id: &str, extra: &[&str]| {
        run(di(&emulator)
            .args([command, "--project-id", PROJECT, "--file-id", file_id])
            .args(extra))
    };

    for extra in [&[][..], &["--ignore-not-found"]] {
        let (code, lines, stderr) = task("delete-sync-task", "1", extra);
        assert_eq!(code, 1, "{extra:?}: {lines:?}{stderr}");
        let line = &lines[0];
        assert_eq!(line["outcome"], "failed", "{line}");
        assert_eq!(line["error"]["kind"], "task_failed", "{line}");
        assert_eq!(line["error"]["code"], "refused", "{line}");
        assert!(
            line["error"]["message"]
                .as_str()
                .is_some_and(|message| message.contains("not found")),
            "the misleading words reach the message: {line}"
        );
        assert_eq!(step(line, "check")["note"], "status RUN", "{line}");
        assert_eq!(step(line, "delete")["outcome"], "failed", "{line}");
        assert_eq!(emulator.state(1), "deployed", "the task is still there");
    }

    // A start of a running task is already done, for the same reason.
    let (code, lines, stderr) = task("start-sync-instance", "1", &[]);
    assert_eq!(code, 0, "{lines:?}{stderr}");
    assert_eq!(lines[0]["outcome"], "already_done", "{}", lines[0]);

    let (code, lines, stderr) = task("stop-sync-instance", "2", &[]);
    assert_eq!(code, 0, "{lines:?}{stderr}");
    assert_eq!(lines[0]["outcome"], "done", "{}", lines[0]);
    let (code, lines, stderr) = task("stop-sync-instance", "2", &[]);
    assert_eq!(code, 0, "{lines:?}{stderr}");
    let line = &lines[0];
    assert_eq!(line["outcome"], "already_done", "{line}");
    assert!(line["error"].is_null(), "{line}");
    assert_eq!(step(line, "check")["note"], "status PAUSE", "{line}");
    let stop = step(line, "stop");
    assert_eq!(stop["outcome"], "already_done", "{line}");
    assert!(stop["request_id"].is_string(), "{line}");
    assert_eq!(emulator.state(2), "paused");

    // A teardown of the stopped task, then of a task gone: the documented text is the same
    // under every wording.
    let (code, lines, stderr) = task("teardown", "2", &["--poll-interval", "0.1"]);
    assert_eq!(code, 0, "{lines:?}{stderr}");
    assert_eq!(lines[0]["outcome"], "done", "{}", lines[0]);
    assert!(emulator.is_gone(2));
    let (code, lines, stderr) = task("teardown", "2", &[]);
    assert_eq!(code, 1, "{lines:?}{stderr}");
    assert_eq!(lines[0]["error"]["kind"], "not_found", "{}", lines[0]);
}

/// `teardown --stop-first` on a service that never settles: the wait after the stop runs out
/// of `--wait-timeout`, `di` exits 3 (a rerun may finish the job), and the JSON line keeps
/// the stop step with its request id.
///
/// Real time: the wait runs out on `di`'s wall clock, half a second after the task began.
#[test]
fn real_time_a_stop_first_teardown_whose_wait_times_out_exits_3_and_keeps_the_stop_step() {
    let emulator = Emulator::start(1, 1, &["--never-settle"]);
    let (code, lines, stderr) = run(di(&emulator).args([
        "teardown",
        "--stop-first",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
        "--wait-timeout",
        "0.5",
        "--poll-interval",
        "0.1",
    ]));
    assert_eq!(code, 3, "{lines:?}{stderr}");
    let line = &lines[0];
    assert_eq!(line["outcome"], "failed", "{line}");
    assert_eq!(line["error"]["kind"], "wait_timed_out", "{line}");
    assert_eq!(line["error"]["code"], "KILLING", "{line}");
    assert_eq!(step_kinds(line), ["stop", "wait"], "{line}");
    let stop = step(line, "stop");
    assert_eq!(stop["outcome"], "done", "{line}");
    assert_eq!(stop["action"], "StopDISyncInstance", "{line}");
    assert!(stop["request_id"].is_string(), "{line}");
    assert_eq!(step(line, "wait")["outcome"], "failed", "{line}");
    assert!(!emulator.is_gone(1));
}

/// The steps of a task are listed in the order they were sent: a refused change, then the
/// state read that judged it (`delete-sync-task` on a running task: `[delete, check]`).
#[test]
fn a_refused_change_is_listed_before_the_state_read_that_judged_it() {
    let emulator = Emulator::start(1, 1, &[]);
    let (code, lines, stderr) = run(di(&emulator).args([
        "delete-sync-task",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]));
    assert_eq!(code, 1, "{lines:?}{stderr}");
    assert_eq!(step_kinds(&lines[0]), ["delete", "check"], "{}", lines[0]);
}

/// A change the service refused is kept in the steps, with the request id of the refusal,
/// however the task ends: here a delete refused while the task is stopping, on a service
/// that never settles, whose wait for the task to settle then runs out of `--wait-timeout`:
/// the refused delete keeps its step and request id, before the check and the failed wait.
///
/// Real time: the wait runs out on `di`'s wall clock, half a second after the task began.
#[test]
fn real_time_a_refused_change_keeps_its_step_when_the_wait_after_it_times_out() {
    let emulator = Emulator::start(1, 1, &["--never-settle"]);
    let (code, lines, stderr) = run(di(&emulator).args([
        "stop-sync-instance",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
    ]));
    assert_eq!(code, 0, "{lines:?}{stderr}");
    // The task reads KILLING from now on: the delete is refused, the flow waits for the task
    // to settle, and the wait times out.
    let (code, lines, stderr) = run(di(&emulator).args([
        "delete-sync-task",
        "--project-id",
        PROJECT,
        "--file-id",
        "1",
        "--wait-timeout",
        "0.5",
        "--poll-interval",
        "0.1",
    ]));
    assert_eq!(code, 3, "{lines:?}{stderr}");
    let line = &lines[0];
    assert_eq!(line["error"]["kind"], "wait_timed_out", "{line}");
    let delete = step(line, "delete");
    assert_eq!(delete["outcome"], "failed", "{line}");
    assert!(delete["request_id"].is_string(), "{line}");
}
