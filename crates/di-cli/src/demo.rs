//! `di demo`: the emulator in-process on loopback, demo tasks torn down through the real
//! client with `--jobs` concurrency, faults injected along the way and absorbed by retries.
//! No account, no network, a few seconds.

use std::time::{Duration, Instant};

use di_emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, Fault, TaskState};
use di_proto::Credentials;
use di_proto::config::ClientConfig;
use di_proto::retry::RetryPolicy;
use di_ureq::Client;

use crate::cli::{DemoArgs, GlobalArgs, OutputArg};
use crate::error::{Error, Exit};
use crate::tasks::{Outcome, TaskAction, run_batch, summary, worst_exit};
use crate::{emulator, output, settings};

/// The first demo task's file id.
const FIRST_FILE_ID: i64 = 100;
/// How long the throttling fault asks the client to wait.
const RETRY_AFTER_MS: u64 = 150;

/// Runs the demo.
///
/// # Errors
/// [`Error::Emulator`] when the emulator cannot start; a task's failure is in its report.
pub(crate) fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<Exit, Error> {
    let started = Instant::now();
    let tasks = i64::from(args.tasks);
    let file_ids: Vec<i64> = (FIRST_FILE_ID..FIRST_FILE_ID + tasks).collect();
    let mut emulator_config = di_emulator::Config::default().without_tasks();
    for &file_id in &file_ids {
        emulator_config = emulator_config.with_task(DEMO_PROJECT_ID, file_id);
    }
    let runtime = emulator::runtime()?;
    let emulator = runtime
        .block_on(di_emulator::start(emulator_config))
        .map_err(|error| Error::Emulator(format!("cannot serve: {error}")))?;

    // The global signature and format options apply; the endpoint is the emulator's, and the
    // retries back off in milliseconds, not seconds, to keep the demo short.
    let config = ClientConfig::new()
        .with_endpoint(emulator.base_url())
        .with_signature_version(settings::signature_version(global.signature))
        .with_format(settings::format(global.format))
        .with_read_timeout(Duration::from_secs(2))
        .with_retry_policy(
            RetryPolicy::default()
                .with_max_attempts(global.retries + 1)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(200))
                .with_deadline(Some(Duration::from_secs(10))),
        )
        .with_user_agent_suffix(concat!("di-cli/", env!("CARGO_PKG_VERSION"), " demo"));
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
        .map_err(|error| Error::Credentials(error.to_string()))?;
    let client = Client::new(&config, credentials)?;

    // People read the text; with --output json, stdout holds only the task objects.
    let say = |text: &str| match global.output {
        OutputArg::Text => output::line(text),
        OutputArg::Json => eprintln!("{text}"),
    };
    say(&format!(
        "di demo: emulator at {} (in-process, loopback; demo AccessKey {DEMO_ACCESS_KEY_ID}, not a \
         real key: no account, no network)",
        emulator.base_url()
    ));
    say(&format!(
        "tearing down {tasks} deployed tasks {DEMO_PROJECT_ID}/{FIRST_FILE_ID}-{} with {} jobs \
         (terminate, then delete), up to {} attempts per call",
        FIRST_FILE_ID + tasks - 1,
        args.jobs,
        global.retries + 1
    ));
    say(&format!(
        "faults injected: internal_error (HTTP 500) and throttling (HTTP 429, retry after \
         {RETRY_AFTER_MS} ms) now; a lost response and a proxy's HTML 502 a third of the way in"
    ));
    say("");

    emulator.fail_next(Fault::InternalError, 1);
    emulator.fail_next(
        Fault::Throttling {
            retry_after_ms: Some(RETRY_AFTER_MS),
        },
        1,
    );
    let later = [Fault::LostResponse, Fault::ProxyHtml502];
    let inject_after = file_ids.len() / 3;
    if inject_after == 0 {
        for fault in later {
            emulator.fail_next(fault, 1);
        }
    }
    let mut finished = 0;
    let reports = run_batch(
        &client,
        TaskAction::Teardown,
        DEMO_PROJECT_ID,
        &file_ids,
        usize::from(args.jobs),
        |report| {
            finished += 1;
            if finished == inject_after {
                for fault in later {
                    emulator.fail_next(fault, 1);
                }
            }
            match global.output {
                OutputArg::Json => output::line(&report.to_json().to_string()),
                OutputArg::Text => {
                    let mut text = report.to_text();
                    for reason in &report.retries {
                        text.push_str(&format!("\n      retried after: {reason}"));
                    }
                    output::line(&text);
                }
            }
        },
    );

    let counters = emulator.counters();
    let deleted = file_ids
        .iter()
        .filter(|&&file_id| {
            emulator.task_state(DEMO_PROJECT_ID, file_id) == Some(TaskState::Deleted)
        })
        .count();
    runtime.block_on(emulator.shutdown());

    let calls: usize = reports.iter().map(|report| report.steps.len()).sum();
    let retries: usize = reports.iter().map(|report| report.retries.len()).sum();
    let failed = reports
        .iter()
        .filter(|report| report.outcome == Outcome::Failed)
        .count();
    say("");
    say(&summary(&reports));
    let absorbed = if failed == 0 {
        format!("and {retries} retries absorbed them all")
    } else {
        format!("and {retries} retries were not enough: {failed} tasks failed")
    };
    say(&format!(
        "the emulator served {} requests for {calls} answered calls: {} met an injected fault, \
         {absorbed}",
        counters.requests, counters.faults_served
    ));
    say(&format!(
        "tasks deleted on the emulator: {deleted} of {tasks}; took {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(worst_exit(&reports))
}
