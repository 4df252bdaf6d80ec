//! Teardowns that survive the real service, over both transports against the in-process
//! emulator: changes that take time to settle, answers lost at every step, refusals worded to
//! mislead (or worded to say nothing), reruns, wait deadlines that run out, and interrupts.
//!
//! The rule under test: a refusal's words are never evidence. One call reports any refusal as
//! it came; a task flow reads the task's state (`GetDISyncInstanceInfo`) after a refusal the
//! service did not document and decides from it, and only the documented
//! `fileId:[N] is invalid.` says that a task does not exist.
//!
//! As in `suite.rs`, each test is a generic function over [`Transport`], instantiated for both
//! clients by the `teardown!` macro. No test waits for real time to pass: the flows that wait
//! for a settle delay or run out a wait deadline run on the emulator's clock
//! ([`common::OnEmulatorClock`]: each sleep the flow asks for moves the emulator's clock and
//! the flow's at once), so their polls follow the wait policy whatever the machine's speed.
//! The other flows sleep only the few milliseconds of a retry's backoff, as the clients' own
//! loops do.

mod common;

use std::time::Duration;

use common::{
    Env, PROJECT, Reqwest, Transport, Ureq, assert_outcome, assert_request_ids, quick_wait,
    refusal, refused, step, steps,
};
use di_emulator::{Config, Fault, Messages, TaskState};
use di_proto::FailureReason;
use di_proto::client::ClientError;
use di_proto::flow::{Event, StepKind, StepOutcome, TaskAction, TaskOutcome, TaskReport};
use di_proto::ops::InstanceStatus;
use di_proto::wait::{WaitFor, WaitPolicy, WaitTimeout};

const TERMINATE: &str = "TerminateDISyncInstance";
const DELETE: &str = "DeleteDISyncTask";
const INFO: &str = "GetDISyncInstanceInfo";

/// The steps of a teardown that went as planned.
const PLAIN_TEARDOWN: [(StepKind, StepOutcome); 3] = [
    (StepKind::Terminate, StepOutcome::Done),
    (StepKind::Wait, StepOutcome::Done),
    (StepKind::Delete, StepOutcome::Done),
];

const TEARDOWN: TaskAction = TaskAction::Teardown { stop_first: false };
const TEARDOWN_STOP_FIRST: TaskAction = TaskAction::Teardown { stop_first: true };

/// The one text every undocumented refusal has under [`Messages::Misleading`].
fn misleading(file_id: i64) -> String {
    format!(
        "fileId:[{file_id}] cannot be deleted in its current state: it is not deployed or not \
         running (not found, does not exist, already stopped, already running)."
    )
}

/// The settle delay of the tests that wait for one: a minute on the emulator's clock.
const SETTLE: Duration = Duration::from_secs(60);

/// Polls from 10 s apart, growing to 40 s, for up to 10 minutes: the waits on a settle delay,
/// on the emulator's clock. Seconds apart, so that the requests' own real time (milliseconds;
/// more on a loaded machine) never moves a poll across a settle.
fn settling_wait() -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(Duration::from_secs(10))
        .with_max_interval(Duration::from_secs(40))
        .with_timeout(Duration::from_secs(600))
}

/// Runs `action` on task `file_id` under `wait` on the emulator's clock: the report, and the
/// time the flow slept on that clock.
fn on_emulator_clock<T: Transport>(
    env: &Env,
    client: &T,
    file_id: i64,
    action: TaskAction,
    wait: WaitPolicy,
) -> (TaskReport, Duration) {
    client.run_task_on_emulator_clock(env, client.task(file_id, action).with_wait_policy(wait))
}

fn note(report: &TaskReport, index: usize) -> &str {
    report.steps[index].note.as_deref().unwrap_or_default()
}

/// The number of polls a wait step's note reports (`settled: NORUN after 3 poll(s)`).
fn polls(report: &TaskReport, index: usize, settled: InstanceStatus) -> u32 {
    let note = note(report, index);
    let prefix = format!("settled: {settled} after ");
    note.strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(" poll(s)"))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("step {index} is no wait that settled {settled}: {note:?}"))
}

/// The wait timeout that ended `report`.
fn timed_out(report: &TaskReport) -> &WaitTimeout {
    assert_eq!(report.outcome, TaskOutcome::Failed, "{report:#?}");
    report
        .error
        .as_ref()
        .and_then(ClientError::wait_timeout)
        .unwrap_or_else(|| panic!("expected a wait timeout: {report:#?}"))
}

/// Requests the emulator received while `run` ran.
fn counting<R>(env: &Env, run: impl FnOnce() -> R) -> (R, u64) {
    let before = env.requests();
    let result = run();
    (result, env.requests() - before)
}

/// Asserts that a teardown of task `file_id` went as planned: done, terminate, wait (settled
/// `NORUN` after `polls` polls when given), delete, each with its own request id; the task is
/// deleted on the emulator.
fn assert_torn_down(env: &Env, file_id: i64, report: &TaskReport) {
    assert_outcome(report, TaskOutcome::Done);
    assert_eq!(steps(report), PLAIN_TEARDOWN, "{report:#?}");
    assert_request_ids(report);
    assert_eq!(step(report, 0, StepKind::Terminate).action, TERMINATE);
    assert_eq!(step(report, 1, StepKind::Wait).action, INFO);
    assert_eq!(step(report, 2, StepKind::Delete).action, DELETE);
    assert!(report.steps[0].note.is_none(), "{report:#?}");
    assert!(report.steps[2].note.is_none(), "{report:#?}");
    assert_eq!(report.retries(), 0, "{report:#?}");
    assert_eq!(
        report.instance.as_ref().map(|info| &info.status),
        Some(&InstanceStatus::NoRun)
    );
    assert_eq!(
        report.request_id(),
        report.steps[2].request_id.as_deref(),
        "the delete's request id is the one to quote"
    );
    assert_eq!(
        env.emulator().task_state(PROJECT, file_id),
        Some(TaskState::Deleted)
    );
}

/// Settle delay 0: the one poll of the wait finds the task `NORUN`; three requests in all.
fn teardown_of_running_tasks_settling_at_once<T: Transport>() {
    let env = Env::start();
    let client: T = env.client();
    for file_id in 1..=3 {
        assert_eq!(
            env.emulator().task_state(PROJECT, file_id),
            Some(TaskState::Deployed)
        );
        let (report, requests) = counting(&env, || {
            client.teardown(file_id, &quick_wait(Duration::from_secs(10)), false)
        });
        assert_torn_down(&env, file_id, &report);
        assert_eq!(polls(&report, 1, InstanceStatus::NoRun), 1);
        assert_eq!(requests, 3);
    }
    // The clients' own teardown, with the default wait policy (its first poll goes out at
    // once), and its events as they came.
    let report = client.teardown_plain(4);
    assert_torn_down(&env, 4, &report);
    let (report, events) = client.run_task_interrupting(client.task(5, TEARDOWN), &|_| false);
    assert_torn_down(&env, 5, &report);
    let stepped: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            Event::Step(step) => Some(step.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(stepped, report.steps, "one event per step, in order");
    assert_eq!(events.len(), 3, "no retries: {events:?}");
    // Stop first: stop, wait until stopped, then the teardown.
    let report = client.teardown_stop_first_plain(6);
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert_eq!(polls(&report, 1, InstanceStatus::Pause), 1);
    assert_eq!(
        env.emulator().task_state(PROJECT, 6),
        Some(TaskState::Deleted)
    );
}

/// Settle delay of a minute: the wait polls until the undeploy settles (KILLING at 0, 10 and
/// 30 s; NORUN at 70 s), then the delete goes.
fn teardown_of_running_tasks_waits_until_the_undeploy_settles<T: Transport>() {
    let env = Env::with(Config::default().with_settle_delay(SETTLE));
    let client: T = env.client();
    for file_id in 1..=2 {
        let (report, slept) = on_emulator_clock(&env, &client, file_id, TEARDOWN, settling_wait());
        assert_torn_down(&env, file_id, &report);
        assert_eq!(polls(&report, 1, InstanceStatus::NoRun), 4, "{report:#?}");
        assert_eq!(slept, Duration::from_secs(70), "{report:#?}");
    }
}

/// Settle delay of five minutes: one task, polled after the policy's intervals (10 s, 20 s,
/// then every 40 s): KILLING at 0, 10, 30, 70, ... 270 s, NORUN at 310 s.
fn a_slow_undeploy_is_polled_as_the_wait_policy_says<T: Transport>() {
    let env = Env::with(Config::default().with_settle_delay(Duration::from_secs(300)));
    let client: T = env.client();
    let (report, slept) = on_emulator_clock(&env, &client, 1, TEARDOWN, settling_wait());
    assert_torn_down(&env, 1, &report);
    assert_eq!(polls(&report, 1, InstanceStatus::NoRun), 10, "{report:#?}");
    assert_eq!(slept, Duration::from_secs(310), "{report:#?}");
}

/// An answer lost at each step (the request is served, the answer never arrives): the
/// teardown still ends with the task deleted, and its steps say what happened.
fn a_lost_answer_at_any_step_still_tears_the_task_down<T: Transport>() {
    let env = Env::start();
    let client: T = env.client();
    let emulator = env.emulator();
    let wait = quick_wait(Duration::from_secs(10));

    // The terminate's: its retry is refused (the task is undeployed now); the state read says
    // NORUN, so the terminate is already done and the wait for NORUN is skipped.
    emulator.fail_next_for(TERMINATE, Fault::LostResponse, 1);
    let (report, requests) = counting(&env, || client.teardown(1, &wait, false));
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert_eq!(note(&report, 1), "status NORUN");
    let terminate = step(&report, 0, StepKind::Terminate);
    assert_eq!(terminate.retries.len(), 1, "{report:#?}");
    assert!(
        terminate
            .note
            .as_deref()
            .is_some_and(|note| note.contains("task reads NORUN: already undeployed")),
        "{report:#?}"
    );
    // The lost terminate, its refused retry, the state read, the delete.
    assert_eq!(requests, 4);
    assert_eq!(emulator.task_state(PROJECT, 1), Some(TaskState::Deleted));

    // A poll's: the poll is a read, retried; the wait step counts the retry.
    emulator.fail_next_for(INFO, Fault::LostResponse, 1);
    let (report, requests) = counting(&env, || client.teardown(2, &wait, false));
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(steps(&report), PLAIN_TEARDOWN);
    assert_request_ids(&report);
    assert_eq!(step(&report, 1, StepKind::Wait).retries.len(), 1);
    assert_eq!(report.retries(), 1);
    assert_eq!(requests, 4);
    assert_eq!(emulator.task_state(PROJECT, 2), Some(TaskState::Deleted));

    // The delete's: its retry gets the documented "is invalid": the task is gone, most likely
    // by the lost attempt, so the delete (and with it the task) counts as already done.
    emulator.fail_next_for(DELETE, Fault::LostResponse, 1);
    let (report, requests) = counting(&env, || client.teardown(3, &wait, false));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::AlreadyDone)
        ]
    );
    assert_request_ids(&report);
    let delete = step(&report, 2, StepKind::Delete);
    assert_eq!(delete.retries.len(), 1);
    assert_eq!(
        delete.note.as_deref(),
        Some("an earlier attempt's answer was lost, and the retry found the task gone")
    );
    assert_eq!(requests, 4);
    assert_eq!(emulator.task_state(PROJECT, 3), Some(TaskState::Deleted));

    // All three at once: the terminate's, the state read's and the delete's.
    for action in [TERMINATE, INFO, DELETE] {
        emulator.fail_next_for(action, Fault::LostResponse, 1);
    }
    let (report, requests) = counting(&env, || client.teardown(4, &wait, false));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::AlreadyDone)
        ]
    );
    assert_request_ids(&report);
    assert!(report.steps.iter().all(|step| step.retries.len() == 1));
    // Each of the three lost and sent again (the terminate's retry refused).
    assert_eq!(requests, 6);
    assert_eq!(emulator.task_state(PROJECT, 4), Some(TaskState::Deleted));
}

/// A lost terminate answer while the undeploy settles: the state read says KILLING, the flow
/// waits until it settles (NORUN), then counts the terminate done.
fn a_lost_terminate_answer_while_the_task_settles<T: Transport>() {
    let env = Env::with(Config::default().with_settle_delay(SETTLE));
    let client: T = env.client();
    env.emulator()
        .fail_next_for(TERMINATE, Fault::LostResponse, 1);
    let (report, _) = on_emulator_clock(&env, &client, 1, TEARDOWN, settling_wait());
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert_eq!(note(&report, 1), "status KILLING");
    // Polled at once, then 10, 20 and 40 s apart: KILLING at 0, 10 and 30 s, NORUN at 70 s
    // (the undeploy settles 60 s after the lost terminate).
    assert_eq!(polls(&report, 2, InstanceStatus::NoRun), 4);
    assert_eq!(report.steps[0].retries.len(), 1);
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Deleted)
    );
}

/// `Messages::Misleading` words every undocumented refusal as a text that says "deleted",
/// "not deployed", "does not exist", "already stopped" and "already running" at once: none of
/// it may count as done while the task still exists.
fn misleading_refusals_are_never_taken_as_done<T: Transport>() {
    let env = Env::with(Config::default().with_messages(Messages::Misleading));
    let client: T = env.client();
    let emulator = env.emulator();

    // One call: the refusal, as it came.
    let failure = refused(client.delete(1));
    assert_eq!(failure.reason, FailureReason::Undocumented);
    assert_eq!(failure.message, misleading(1));
    assert_eq!(emulator.task_state(PROJECT, 1), Some(TaskState::Deployed));

    // A delete of a running task: the state reads RUN; no state says a task that exists is
    // deleted, so the refusal stands, with or without ignore_not_found.
    for ignore_not_found in [false, true] {
        let (report, requests) = counting(&env, || {
            client.run_task(
                client
                    .task(1, TaskAction::Delete)
                    .ignore_not_found(ignore_not_found),
            )
        });
        let failure = refusal(&report);
        assert_eq!(failure.action, DELETE);
        assert_eq!(failure.reason, FailureReason::Undocumented);
        assert_eq!(failure.message, misleading(1));
        assert!(!failure.after_unknown_outcome);
        assert_eq!(
            steps(&report),
            [
                (StepKind::Delete, StepOutcome::Failed),
                (StepKind::Check, StepOutcome::Done)
            ]
        );
        assert_eq!(note(&report, 1), "status RUN");
        assert_eq!(
            report.steps[0].request_id.as_deref(),
            Some(failure.request_id.as_str())
        );
        assert_eq!(requests, 2);
        assert_eq!(emulator.task_state(PROJECT, 1), Some(TaskState::Deployed));
    }

    // Even after a lost answer (the refused attempt's answer lost, its retry refused again).
    emulator.fail_next_for(DELETE, Fault::LostResponse, 1);
    let report = client.run_task(client.task(2, TaskAction::Delete));
    let failure = refusal(&report);
    assert!(failure.after_unknown_outcome);
    assert_eq!(failure.message, misleading(2));
    assert_eq!(
        steps(&report),
        [
            (StepKind::Delete, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_eq!(report.steps[0].retries.len(), 1);
    assert_eq!(emulator.task_state(PROJECT, 2), Some(TaskState::Deployed));

    // A paused task is not deleted either.
    emulator.set_task_state(PROJECT, 3, TaskState::Paused);
    let report = client.run_task(client.task(3, TaskAction::Delete));
    assert_eq!(refusal(&report).message, misleading(3));
    assert_eq!(note(&report, 1), "status PAUSE");
    assert_eq!(emulator.task_state(PROJECT, 3), Some(TaskState::Paused));

    // "already running" of an undeployed task: the state reads NORUN; the start failed.
    emulator.set_task_state(PROJECT, 4, TaskState::Undeployed);
    let report = client.run_task(client.task(4, TaskAction::Start { start_param: None }));
    assert_eq!(refusal(&report).action, "StartDISyncInstance");
    assert_eq!(
        steps(&report),
        [
            (StepKind::Start, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_eq!(note(&report, 1), "status NORUN");
    assert_eq!(emulator.task_state(PROJECT, 4), Some(TaskState::Undeployed));

    // A teardown decides from states only, so the words change nothing: a lost terminate
    // answer still ends with the task deleted.
    emulator.fail_next_for(TERMINATE, Fault::LostResponse, 1);
    let report = client.teardown(5, &quick_wait(Duration::from_secs(10)), false);
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_eq!(emulator.task_state(PROJECT, 5), Some(TaskState::Deleted));
}

/// `Messages::Opaque` names no state in a refusal: the flows judge from the state alone.
fn opaque_refusals_are_judged_by_the_state<T: Transport>() {
    let env = Env::with(Config::default().with_messages(Messages::Opaque));
    let client: T = env.client();
    let emulator = env.emulator();

    // A stop of a paused task: one call reports the refusal ...
    emulator.set_task_state(PROJECT, 1, TaskState::Paused);
    let failure = refused(client.stop(1));
    assert_eq!(failure.reason, FailureReason::Undocumented);
    assert_eq!(
        failure.message,
        "fileId:[1]: the request was refused (reason 2)."
    );
    // ... a stop flow reads PAUSE: already done, and the wait for a stop is not needed.
    let (report, requests) = counting(&env, || {
        client.run_task(client.task(1, TaskAction::Stop).with_wait(true))
    });
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert_eq!(note(&report, 1), "status PAUSE");
    assert_eq!(
        report.instance.as_ref().map(|info| &info.status),
        Some(&InstanceStatus::Pause)
    );
    assert_eq!(requests, 2);
    assert_eq!(emulator.task_state(PROJECT, 1), Some(TaskState::Paused));

    // A start of a running task reads RUN: already done.
    let report = client.run_task(client.task(2, TaskAction::Start { start_param: None }));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Start, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    // A terminate of an undeployed task reads NORUN: already done.
    emulator.set_task_state(PROJECT, 3, TaskState::Undeployed);
    let report = client.run_task(client.task(3, TaskAction::Terminate).with_wait(true));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    // A stop of a task that is not deployed reads NORUN, which is where a stop leads too:
    // already done (a stop-first teardown of such a task goes on to its terminate).
    emulator.set_task_state(PROJECT, 6, TaskState::Undeployed);
    let report = client.run_task(client.task(6, TaskAction::Stop));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_eq!(note(&report, 1), "status NORUN");
    // A delete of a running task reads RUN: refused.
    let report = client.run_task(client.task(4, TaskAction::Delete));
    assert_eq!(
        refusal(&report).message,
        "fileId:[4]: the request was refused (reason 5)."
    );
    assert_eq!(emulator.task_state(PROJECT, 4), Some(TaskState::Deployed));
    // A teardown of a paused task: terminate, wait, delete.
    emulator.set_task_state(PROJECT, 5, TaskState::Paused);
    let report = client.teardown(5, &quick_wait(Duration::from_secs(10)), false);
    assert_torn_down(&env, 5, &report);
}

/// Reruns: a teardown of a task that is gone fails with the documented "does not exist" from
/// its delete (the stop or terminate before it, refused the same way, has nothing to do and
/// leaves the verdict to the delete), unless told to ignore it; one of a task already
/// undeployed goes on to delete it.
fn reruns_of_a_teardown<T: Transport>() {
    let env = Env::start();
    let client: T = env.client();
    let wait = quick_wait(Duration::from_secs(10));
    let report = client.teardown(1, &wait, false);
    assert_torn_down(&env, 1, &report);

    // Task 1 is deleted; task 999 never existed.
    for file_id in [1, 999] {
        for action in [TEARDOWN, TEARDOWN_STOP_FIRST] {
            let kind = match action {
                TaskAction::Teardown { stop_first: true } => StepKind::Stop,
                _ => StepKind::Terminate,
            };
            let (report, requests) = counting(&env, || {
                client.run_task(client.task(file_id, action.clone()).with_wait_policy(wait))
            });
            let failure = refusal(&report);
            assert_eq!(failure.reason, FailureReason::TaskNotFound);
            assert_eq!(failure.action, "DeleteDISyncTask");
            assert_eq!(failure.message, format!("fileId:[{file_id}] is invalid."));
            assert_eq!(
                steps(&report),
                [
                    (kind, StepOutcome::AlreadyDone),
                    (StepKind::Delete, StepOutcome::Failed)
                ]
            );
            assert_eq!(
                note(&report, 0),
                format!(
                    "\"fileId:[{file_id}] is invalid.\": nothing to change; the delete decides \
                     whether the task exists"
                )
            );
            assert_eq!(
                report.steps[1].request_id.as_deref(),
                Some(failure.request_id.as_str())
            );
            assert_eq!(requests, 2);

            let (report, requests) = counting(&env, || {
                client.run_task(
                    client
                        .task(file_id, action)
                        .with_wait_policy(wait)
                        .ignore_not_found(true),
                )
            });
            assert_outcome(&report, TaskOutcome::AlreadyDone);
            assert_eq!(
                steps(&report),
                [
                    (kind, StepOutcome::AlreadyDone),
                    (StepKind::Delete, StepOutcome::AlreadyDone)
                ]
            );
            assert_request_ids(&report);
            assert!(
                note(&report, 1).starts_with("the task does not exist"),
                "{report:#?}"
            );
            assert_eq!(requests, 2);
        }
    }
    // A delete alone, likewise.
    let report = client.run_task(client.task(1, TaskAction::Delete).ignore_not_found(true));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [(StepKind::Delete, StepOutcome::AlreadyDone)]
    );
    let report = client.run_task(client.task(1, TaskAction::Delete));
    assert_eq!(refusal(&report).reason, FailureReason::TaskNotFound);

    // Terminated already (a first run stopped after its terminate): one call reports the
    // second terminate's refusal; the teardown reads NORUN and goes on to delete.
    client.terminate(2).unwrap();
    let failure = refused(client.terminate(2));
    assert_eq!(failure.reason, FailureReason::Undocumented);
    assert_eq!(failure.message, "fileId:[2] is not deployed.");
    let report = client.teardown(2, &wait, false);
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert_eq!(
        env.emulator().task_state(PROJECT, 2),
        Some(TaskState::Deleted)
    );
}

/// A wait deadline of zero: the first poll sees KILLING, and the wait is over.
fn a_zero_wait_deadline_fails_after_one_poll<T: Transport>() {
    let env = Env::with(Config::default().never_settling());
    let client: T = env.client();
    let (report, requests) = counting(&env, || {
        client.teardown(1, &quick_wait(Duration::ZERO), false)
    });
    let timeout = timed_out(&report);
    assert_eq!(timeout.polls, 1);
    assert_eq!(timeout.wait_for, WaitFor::Settled);
    assert_eq!(timeout.last_status, InstanceStatus::Killing);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Failed)
        ]
    );
    assert_eq!(requests, 2);
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Undeployed)
    );
}

/// A task whose undeploy never settles: the wait deadline (two minutes, on the emulator's
/// clock) runs out, the task is not deleted, and the report keeps the terminate with its
/// request id.
fn a_wait_deadline_that_runs_out_keeps_the_terminate_step<T: Transport>() {
    let env = Env::with(Config::default().never_settling());
    let client: T = env.client();
    let deadline = Duration::from_secs(120);
    let (report, slept) = on_emulator_clock(
        &env,
        &client,
        1,
        TEARDOWN,
        settling_wait().with_timeout(deadline),
    );
    let timeout = timed_out(&report);
    assert_eq!(timeout.file_id, 1);
    assert_eq!(timeout.project_id, PROJECT);
    assert_eq!(timeout.wait_for, WaitFor::Settled);
    assert_eq!(timeout.last_status, InstanceStatus::Killing);
    // Polled at 0, 10, 30, 70 and 110 s, then once more when the last sleep, cut short, ends
    // at the deadline.
    assert_eq!(timeout.polls, 6, "{timeout:?}");
    // The deadline counts from the task's start: the wait had what the terminate left of it
    // (the deadline less the terminate's real milliseconds), and ran it out, asleep for all
    // of it but the polls' own milliseconds.
    let second = Duration::from_secs(1);
    assert!(
        timeout.timeout <= deadline && timeout.timeout > deadline - second,
        "{timeout:?}"
    );
    assert!(timeout.elapsed >= timeout.timeout, "{timeout:?}");
    assert!(
        slept <= timeout.timeout && slept > timeout.timeout - second,
        "slept {slept:?}: {timeout:?}"
    );
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Failed)
        ]
    );
    let terminate = step(&report, 0, StepKind::Terminate);
    assert!(
        terminate
            .request_id
            .as_deref()
            .is_some_and(|id| !id.is_empty())
    );
    // The failed wait quotes its last poll's answer, the report's request id.
    let wait = step(&report, 1, StepKind::Wait);
    assert!(wait.request_id.is_some(), "{report:#?}");
    assert_eq!(report.request_id(), wait.request_id.as_deref());
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Undeployed)
    );
}

/// A stop-first teardown whose stop takes a minute to settle, under a 30 s deadline (on the
/// emulator's clock): the report keeps the stop step; the task stays deployed (paused).
fn a_stop_first_teardown_whose_wait_runs_out_keeps_the_stop_step<T: Transport>() {
    let env = Env::with(Config::default().with_settle_delay(SETTLE));
    let client: T = env.client();
    let (report, _) = on_emulator_clock(
        &env,
        &client,
        1,
        TEARDOWN_STOP_FIRST,
        settling_wait().with_timeout(Duration::from_secs(30)),
    );
    let timeout = timed_out(&report);
    assert_eq!(timeout.wait_for, WaitFor::Stopped);
    assert_eq!(timeout.last_status, InstanceStatus::Killing);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Stop, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Failed)
        ]
    );
    let stop = step(&report, 0, StepKind::Stop);
    assert_eq!(stop.action, "StopDISyncInstance");
    assert!(stop.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Paused)
    );
}

/// A change refused while the task is changing state: the flow waits until it settles, then
/// sends the change again.
fn a_change_refused_while_the_task_settles_is_sent_again<T: Transport>() {
    let env = Env::with(Config::default().with_settle_delay(SETTLE));
    let client: T = env.client();
    // The terminate meets a stop still settling.
    client.stop(1).unwrap();
    let (report, _) = on_emulator_clock(&env, &client, 1, TEARDOWN, settling_wait());
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert!(
        note(&report, 0).ends_with("while the task was changing state; sent again once it settled"),
        "{report:#?}"
    );
    assert_eq!(note(&report, 1), "status KILLING");
    // Each wait polls at once, then 10, 20 and 40 s apart, and sees the 60 s settle end at
    // its fourth poll (70 s).
    assert_eq!(polls(&report, 2, InstanceStatus::Pause), 4);
    assert_eq!(polls(&report, 4, InstanceStatus::NoRun), 4);
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Deleted)
    );
    // A start meets the stop still settling: it goes again once the task is PAUSE.
    client.stop(2).unwrap();
    let (report, _) = on_emulator_clock(
        &env,
        &client,
        2,
        TaskAction::Start { start_param: None },
        settling_wait(),
    );
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Start, StepOutcome::Failed),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Start, StepOutcome::Done)
        ]
    );
    assert_eq!(
        env.emulator().task_state(PROJECT, 2),
        Some(TaskState::Deployed)
    );
}

fn is_step(event: &Event, kind: StepKind) -> bool {
    matches!(event, Event::Step(step) if step.kind == kind)
}

/// An interrupt triggered from the event of the terminate step, on a task whose undeploy
/// does not settle: the flow ends interrupted at the next step boundary, its steps say how
/// far it got, and the task is not deleted.
fn an_interrupt_after_the_terminate_step_leaves_the_task<T: Transport>() {
    let env = Env::with(Config::default().never_settling());
    let client: T = env.client();
    let flow = client
        .task(1, TEARDOWN)
        .with_wait_policy(quick_wait(Duration::from_secs(10)));
    let ((report, events), requests) = counting(&env, || {
        client.run_task_interrupting(flow, &|event| is_step(event, StepKind::Terminate))
    });
    assert_eq!(report.outcome, TaskOutcome::Interrupted, "{report:#?}");
    assert!(report.error.is_none(), "{report:#?}");
    assert_eq!(steps(&report), [(StepKind::Terminate, StepOutcome::Done)]);
    assert_request_ids(&report);
    assert_eq!(events.len(), 1, "{events:?}");
    // The flow had asked for its first poll when the terminate's event came: the driver does
    // not send it.
    assert_eq!(requests, 1);
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Undeployed)
    );
    assert!(matches!(
        report.into_result(),
        Err(ClientError::Interrupted { .. })
    ));
}

/// An interrupt triggered from `on_event` on a step stops the flow before any further
/// request: the poll that the flow chose with that step's event is not sent.
fn an_interrupt_on_the_terminate_step_sends_no_poll<T: Transport>() {
    let env = Env::start();
    let client: T = env.client();
    let flow = client
        .task(1, TEARDOWN)
        .with_wait_policy(quick_wait(Duration::from_secs(10)));
    let ((report, _), requests) = counting(&env, || {
        client.run_task_interrupting(flow, &|event| is_step(event, StepKind::Terminate))
    });
    assert_eq!(report.outcome, TaskOutcome::Interrupted, "{report:#?}");
    assert_eq!(steps(&report), [(StepKind::Terminate, StepOutcome::Done)]);
    assert_eq!(requests, 1, "no request after the interrupt");
}

/// An interrupt triggered from `on_event` on the wait step of a teardown: the delete that the
/// flow chose with the wait's event is not sent; `Interrupted`, `[terminate, wait]`, 2
/// requests, the task undeployed.
fn an_interrupt_on_the_wait_step_sends_no_delete<T: Transport>() {
    let env = Env::start();
    let client: T = env.client();
    let flow = client
        .task(1, TEARDOWN)
        .with_wait_policy(quick_wait(Duration::from_secs(10)));
    let ((report, _), requests) = counting(&env, || {
        client.run_task_interrupting(flow, &|event| is_step(event, StepKind::Wait))
    });
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Undeployed),
        "deleted after the interrupt: {report:#?}"
    );
    assert_eq!(report.outcome, TaskOutcome::Interrupted, "{report:#?}");
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done)
        ]
    );
    assert_eq!(requests, 2, "no delete after the interrupt");
}

/// A change refused while the task is changing state, whose wait to settle then runs out:
/// the report keeps the refused change as a step, with the refusal's request id (the report
/// promises every step taken, the failed one included).
fn a_refused_change_whose_settle_wait_runs_out_stays_in_the_report<T: Transport>() {
    let env = Env::with(Config::default().never_settling());
    let client: T = env.client();
    client.stop(1).unwrap();
    let (report, _) = on_emulator_clock(
        &env,
        &client,
        1,
        TEARDOWN,
        settling_wait().with_timeout(Duration::from_secs(30)),
    );
    assert_eq!(timed_out(&report).wait_for, WaitFor::Settled);
    let terminate = report
        .steps
        .iter()
        .find(|step| step.kind == StepKind::Terminate)
        .unwrap_or_else(|| panic!("no terminate step: {report:#?}"));
    assert_eq!(terminate.outcome, StepOutcome::Failed);
    assert!(terminate.request_id.is_some());
}

/// `TaskReport::instance` is "the last run status read (a wait's last poll, a check, or a
/// status read)": after a refusal that stands, the status the check read.
fn a_refusal_that_stands_keeps_the_status_it_read<T: Transport>() {
    let env = Env::start();
    let client: T = env.client();
    let report = client.run_task(client.task(1, TaskAction::Delete));
    assert_eq!(refusal(&report).action, DELETE);
    assert_eq!(
        report.instance.as_ref().map(|info| &info.status),
        Some(&InstanceStatus::Run)
    );
}

macro_rules! teardown {
    ($module:ident, $transport:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn teardown_of_running_tasks_settling_at_once() {
                super::teardown_of_running_tasks_settling_at_once::<$transport>();
            }
            #[test]
            fn teardown_of_running_tasks_waits_until_the_undeploy_settles() {
                super::teardown_of_running_tasks_waits_until_the_undeploy_settles::<$transport>();
            }
            #[test]
            fn a_slow_undeploy_is_polled_as_the_wait_policy_says() {
                super::a_slow_undeploy_is_polled_as_the_wait_policy_says::<$transport>();
            }
            #[test]
            fn a_lost_answer_at_any_step_still_tears_the_task_down() {
                super::a_lost_answer_at_any_step_still_tears_the_task_down::<$transport>();
            }
            #[test]
            fn a_lost_terminate_answer_while_the_task_settles() {
                super::a_lost_terminate_answer_while_the_task_settles::<$transport>();
            }
            #[test]
            fn misleading_refusals_are_never_taken_as_done() {
                super::misleading_refusals_are_never_taken_as_done::<$transport>();
            }
            #[test]
            fn opaque_refusals_are_judged_by_the_state() {
                super::opaque_refusals_are_judged_by_the_state::<$transport>();
            }
            #[test]
            fn reruns_of_a_teardown() {
                super::reruns_of_a_teardown::<$transport>();
            }
            #[test]
            fn a_zero_wait_deadline_fails_after_one_poll() {
                super::a_zero_wait_deadline_fails_after_one_poll::<$transport>();
            }
            #[test]
            fn a_wait_deadline_that_runs_out_keeps_the_terminate_step() {
                super::a_wait_deadline_that_runs_out_keeps_the_terminate_step::<$transport>();
            }
            #[test]
            fn a_stop_first_teardown_whose_wait_runs_out_keeps_the_stop_step() {
                super::a_stop_first_teardown_whose_wait_runs_out_keeps_the_stop_step::<$transport>();
            }
            #[test]
            fn a_change_refused_while_the_task_settles_is_sent_again() {
                super::a_change_refused_while_the_task_settles_is_sent_again::<$transport>();
            }
            #[test]
            fn an_interrupt_after_the_terminate_step_leaves_the_task() {
                super::an_interrupt_after_the_terminate_step_leaves_the_task::<$transport>();
            }
            #[test]
            fn an_interrupt_on_the_terminate_step_sends_no_poll() {
                super::an_interrupt_on_the_terminate_step_sends_no_poll::<$transport>();
            }
            #[test]
            fn an_interrupt_on_the_wait_step_sends_no_delete() {
                super::an_interrupt_on_the_wait_step_sends_no_delete::<$transport>();
            }
            #[test]
            fn a_refused_change_whose_settle_wait_runs_out_stays_in_the_report() {
                super::a_refused_change_whose_settle_wait_runs_out_stays_in_the_report::<$transport>();
            }
            #[test]
            fn a_refusal_that_stands_keeps_the_status_it_read() {
                super::a_refusal_that_stands_keeps_the_status_it_read::<$transport>();
            }
        }
    };
}

teardown!(over_ureq, Ureq);
teardown!(over_reqwest, Reqwest);
