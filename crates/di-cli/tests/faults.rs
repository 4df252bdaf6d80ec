//! The fault matrix through the `di` binary: `di emulator` runs as a child process, a fault is
//! planned through its control route, and `di` must end with the right exit code and error
//! kind, after the retries the fault calls for (counted in its line, not timed), never
//! printing a secret.

mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{AccessKey, Emulator, di_isolated, json_line, run_hiding, temp_dir};
use serde_json::Value;

const KEY: AccessKey = AccessKey {
    id: "LTAI5tCliFaultKeyId",
    secret: "CliFaultSecretNeverPrinted77",
};

impl Emulator {
    /// Starts with the test key, tasks 10000:1-20 and `extra` options.
    fn start(extra: &[&str]) -> Emulator {
        Emulator::launch(KEY, &[&["--task", "10000:1-20"][..], extra].concat())
    }
}

/// What one run of `di` printed.
struct Run {
    code: i32,
    line: Value,
    stderr: String,
}

/// Runs `di --output json --endpoint endpoint args...` with the test key as its only
/// credentials (no profile, no metadata service, an empty home).
fn di(endpoint: &str, args: &[&str]) -> Run {
    let mut command = di_isolated(temp_dir("faults-home"));
    command
        .args(["--output", "json", "--endpoint", endpoint])
        .args(args);
    KEY.export(&mut command);
    let (code, stdout, stderr) = run_hiding(&mut command, KEY.secret);
    let line = stdout.lines().next().map_or(Value::Null, json_line);
    Run { code, line, stderr }
}

fn terminate(endpoint: &str, file_id: &str, extra: &[&str]) -> Run {
    let mut args = extra.to_vec();
    args.extend([
        "terminate-sync-instance",
        "--project-id",
        "10000",
        "--file-id",
        file_id,
    ]);
    di(endpoint, &args)
}

/// A case: its run must exit with `code`, with `outcome` and (for failures) `kind`, after
/// `retries` retries in all (what ends a case is the attempts it spent, never the time).
fn expect(case: &str, run: &Run, code: i32, outcome: &str, kind: Option<&str>, retries: u64) {
    let context = format!("{case}: {} {}", run.line, run.stderr);
    assert_eq!(run.code, code, "{context}");
    assert_eq!(run.line["outcome"], outcome, "{context}");
    if let Some(kind) = kind {
        assert_eq!(run.line["error"]["kind"], kind, "{context}");
    }
    assert_eq!(run.line["retries"], retries, "{context}");
    // Every line lists its steps; a failed task's last step is the one that failed.
    let steps = run.line["steps"].as_array();
    assert!(steps.is_some_and(|steps| !steps.is_empty()), "{context}");
    if outcome == "failed" {
        let last = steps.and_then(|steps| steps.last());
        assert_eq!(
            last.map(|step| &step["outcome"]),
            Some(&Value::from("failed")),
            "{context}"
        );
    }
}

#[test]
fn faults_end_with_the_right_exit_code_after_the_retries_they_call_for() {
    let emulator = Emulator::start(&[]);
    let url = emulator.url.as_str();

    // Transient: the retries absorb them, one per fault served. The adaptive rate limit would
    // read the injected 429s as the service's limit and pace the retries after them on the
    // real clock (the rate tests cover that): off for those, the retries alone under test.
    for (file, fault, options) in [
        ("1", r#"{"fault":"internal_error","count":2}"#, &[][..]),
        (
            "2",
            r#"{"fault":"throttling","count":2,"retry_after_ms":20}"#,
            &["--max-rate", "off"],
        ),
        ("3", r#"{"fault":"proxy_html_502","count":2}"#, &[]),
        ("4", r#"{"fault":"connection_reset","count":2}"#, &[]),
    ] {
        emulator.fault(fault);
        expect(fault, &terminate(url, file, options), 0, "done", None, 2);
    }
    // The change was applied but the answer lost or cut: the retry finds it done.
    for (file, fault) in [
        ("5", r#"{"fault":"lost_response","count":1}"#),
        ("6", r#"{"fault":"truncated_body","count":1}"#),
    ] {
        emulator.fault(fault);
        expect(
            fault,
            &terminate(url, file, &[]),
            0,
            "already_done",
            None,
            1,
        );
    }

    // Persistent: the typed error and its exit code, once the one retry allowed is spent.
    emulator.fault(r#"{"fault":"internal_error","count":100}"#);
    let run = terminate(url, "8", &["--retries", "1"]);
    expect("500 always", &run, 1, "failed", Some("server_error"), 1);
    emulator.clear_faults();
    emulator.fault(r#"{"fault":"proxy_html_502","count":100}"#);
    let run = terminate(url, "9", &["--retries", "1"]);
    expect(
        "502 always",
        &run,
        3,
        "failed",
        Some("unexpected_response"),
        1,
    );
    emulator.clear_faults();
    // Every answer cut short, the state reads after them too: no usable answer, as a network
    // failure.
    emulator.fault(r#"{"fault":"truncated_body","count":100}"#);
    let run = terminate(url, "9", &["--retries", "1"]);
    assert_eq!(
        run.code, 3,
        "truncated always: {:?} {}",
        run.line, run.stderr
    );
    assert_eq!(
        run.line["error"]["kind"], "unexpected_response",
        "{:?}",
        run.line
    );
    emulator.clear_faults();

    emulator.fault(r#"{"fault":"huge_body","count":1,"bytes":10485760}"#);
    let run = terminate(url, "10", &[]);
    expect(
        "10 MiB body",
        &run,
        1,
        "failed",
        Some("response_too_large"),
        0,
    );
}

/// A body that trickles (one byte a second): the read timeout (`--timeout 1`) cuts it, and
/// the retry finds the change made. Real time: the timeout is `di`'s, on its wall clock,
/// against a body the emulator trickles on its own.
#[test]
fn real_time_a_stalled_body_is_cut_by_the_read_timeout_and_retried() {
    let emulator = Emulator::start(&[]);
    emulator.fault(r#"{"fault":"stalled_body","count":1}"#);
    let started = Instant::now();
    let run = terminate(&emulator.url, "7", &["--timeout", "1"]);
    // A lower bound only, caused by the configured read timeout.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    expect("stalled body", &run, 0, "already_done", None, 1);
}

/// The step of `kind` in a run's line.
fn step<'a>(run: &'a Run, kind: &str) -> &'a Value {
    common::step(&run.line, kind)
}

/// A teardown whose delete answer is lost: the change happened, the retry meets the
/// documented `fileId:[N] is invalid.`, and after an unknown outcome that means already
/// done, not `not_found`. A teardown whose terminate answer is lost: the retry is refused,
/// the task reads NORUN, the terminate is already done and the delete follows.
#[test]
fn a_teardown_whose_answers_are_lost_ends_with_the_task_gone() {
    let emulator = Emulator::start(&[]);
    let url = emulator.url.as_str();
    let teardown = |file_id: &str| {
        di(
            url,
            &["teardown", "--project-id", "10000", "--file-id", file_id],
        )
    };

    emulator.fault(r#"{"fault":"lost_response","count":1,"action":"DeleteDISyncTask"}"#);
    let run = teardown("11");
    expect("lost delete answer", &run, 0, "already_done", None, 1);
    let delete = step(&run, "delete");
    assert_eq!(delete["outcome"], "already_done", "{}", run.line);
    assert_eq!(delete["retries"], 1, "{}", run.line);
    assert!(delete["request_id"].is_string(), "{}", run.line);
    assert_eq!(step(&run, "terminate")["outcome"], "done", "{}", run.line);
    assert_eq!(emulator.state("11"), "deleted");

    emulator.fault(r#"{"fault":"lost_response","count":1,"action":"TerminateDISyncInstance"}"#);
    let run = teardown("12");
    expect("lost terminate answer", &run, 0, "done", None, 1);
    let terminate = step(&run, "terminate");
    assert_eq!(terminate["outcome"], "already_done", "{}", run.line);
    assert_eq!(terminate["retries"], 1, "{}", run.line);
    assert_eq!(step(&run, "check")["note"], "status NORUN", "{}", run.line);
    assert_eq!(step(&run, "delete")["outcome"], "done", "{}", run.line);
    assert_eq!(emulator.state("12"), "deleted");

    // Both gone: a rerun finds them so.
    let run = teardown("11");
    expect("rerun", &run, 1, "failed", Some("not_found"), 0);
}

#[test]
fn unreachable_endpoints_exit_3() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let run = terminate(&closed, "1", &["--retries", "1"]);
    expect(
        "connection refused",
        &run,
        3,
        "failed",
        Some("transport"),
        1,
    );
}

#[test]
fn a_server_clock_twenty_minutes_off_is_absorbed() {
    for skew in ["1200", "-1200"] {
        let emulator = Emulator::start(&["--clock-skew", skew]);
        let run = di(
            &emulator.url,
            &["teardown", "--project-id", "10000", "--file-id", "1"],
        );
        // The first attempt is refused for its time; the answer's `Date` gives the skew, and
        // one retry on the corrected clock passes, as does every later call at once.
        expect(skew, &run, 0, "done", None, 1);
    }
}

/// `di call` sends any action, so it cannot know whether a repeat is harmless: after an attempt
/// that may have taken effect (the answer lost), it retries only with `--idempotent`.
#[test]
fn di_call_retries_a_lost_answer_only_when_told_the_call_is_idempotent() {
    let emulator = Emulator::start(&[]);
    let url = emulator.url.as_str();
    let call = |extra: &[&str]| {
        let mut args = vec![
            "call",
            "GetDISyncInstanceInfo",
            "--param",
            "ProjectId=10000",
            "--param",
            "TaskType=DI_REALTIME",
            "--param",
            "FileId=1",
        ];
        args.extend(extra);
        emulator.fault(r#"{"fault":"lost_response","count":1}"#);
        let before = emulator.requests();
        let run = di(url, &args);
        (run, emulator.requests() - before)
    };
    let (run, requests) = call(&[]);
    assert_eq!(run.code, 3, "{:?} {}", run.line, run.stderr);
    assert_eq!(run.line["error"]["kind"], "transport", "{:?}", run.line);
    assert_eq!(requests, 1, "sent once: {}", run.stderr);
    let (run, requests) = call(&["--idempotent"]);
    assert_eq!(run.code, 0, "{:?} {}", run.line, run.stderr);
    assert_eq!(requests, 2, "the lost answer retried: {}", run.stderr);
}
