//! `di demo`: the emulator in-process on loopback, with state changes that take a moment to
//! settle, as DataWorks' do; one task walked through its whole lifecycle (create and update,
//! each through a generated configuration, deploy, start, stop, undeploy, delete, waiting
//! where it must), then demo tasks torn down
//! (stop first, wait, undeploy, delete) through the real client with `--jobs` concurrency,
//! faults injected along the way and absorbed by retries. No account, no network, a few
//! seconds.
//!
//! Each fault is aimed at a different action, so that no call meets two of them: one retry
//! absorbs each, whatever the number of tasks and jobs.

use std::time::{Duration, Instant};

use di_emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, Fault, TaskState};
use di_proto::Credentials;
use di_proto::client::ClientConfig;
use di_proto::flow::{TaskAction, TaskOutcome, TaskReport};
use di_proto::ops::{
    GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating, TaskType,
};
use di_proto::retry::RetryPolicy;
use di_proto::wait::WaitPolicy;
use di_ureq::Client;

use crate::cli::{DemoArgs, GlobalArgs, OutputArg};
use crate::error::{Error, Exit};
use crate::plan::{Plan, names};
use crate::report::{summary, to_json, to_text, worst_exit};
use crate::run::run_batch;
use crate::{emulator, output, settings, signals};

/// The first demo task's file id.
const FIRST_FILE_ID: i64 = 100;
/// How long the throttling fault asks the client to wait.
const RETRY_AFTER_MS: u64 = 150;
/// How long the emulator's stops and starts take to settle (`KILLING`, `WAIT`).
const SETTLE: Duration = Duration::from_millis(150);
/// The script of the task the demo creates.
const SCRIPT: &str = r#"{"type":"job","version":"2.0","steps":[{"stepType":"mysql","category":"reader"},{"stepType":"hologres","category":"writer"}],"setting":{}}"#;

/// The faults injected when the teardowns start: each on its own action, with the words that
/// describe it.
const FAULTS_NOW: [(&str, Fault, &str); 2] = [
    (
        "StopDISyncInstance",
        Fault::InternalError,
        "an internal error (HTTP 500) on a stop",
    ),
    (
        "TerminateDISyncInstance",
        Fault::Throttling {
            retry_after_ms: Some(RETRY_AFTER_MS),
        },
        "throttling (HTTP 429, retry after 150 ms) on an undeploy",
    ),
];
/// The faults injected a third of the way in (at once with fewer than 3 tasks).
const FAULTS_LATER: [(&str, Fault, &str); 2] = [
    (
        "DeleteDISyncTask",
        Fault::LostResponse,
        "a lost answer to a delete",
    ),
    (
        "GetDISyncInstanceInfo",
        Fault::ProxyHtml502,
        "a proxy's HTML 502 to a status read",
    ),
];

/// The global options the demo cannot honour: it runs its own emulator, on loopback, with its
/// demo key, and sends to it for real.
fn refused_options(global: &GlobalArgs) -> Vec<&'static str> {
    [
        (global.endpoint.is_some(), "--endpoint"),
        (global.region.is_some(), "--region"),
        (global.vpc, "--vpc"),
        (global.profile.is_some(), "--profile"),
        (global.dry_run, "--dry-run"),
    ]
    .into_iter()
    .filter_map(|(given, option)| given.then_some(option))
    .collect()
}

/// Runs the demo.
///
/// # Errors
/// [`Error::Usage`] for a global option the demo cannot honour (see [`refused_options`]);
/// [`Error::Emulator`] when the emulator cannot start; a task's failure is in its report.
pub(crate) fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<Exit, Error> {
    let refused = refused_options(global);
    if !refused.is_empty() {
        return Err(Error::Usage(format!(
            "demo runs its own emulator on loopback, with its demo key, and sends to it: {} \
             cannot apply; to try them, run `di emulator` and send to it with --endpoint",
            refused.join(", ")
        )));
    }
    let started = Instant::now();
    let tasks = i64::from(args.tasks);
    let file_ids: Vec<i64> = (FIRST_FILE_ID..FIRST_FILE_ID + tasks).collect();
    let mut emulator_config = di_emulator::Config::default()
        .without_tasks()
        .with_settle_delay(SETTLE)
        .with_process_delay(SETTLE);
    for &file_id in &file_ids {
        emulator_config = emulator_config.with_task(DEMO_PROJECT_ID, file_id);
    }
    let runtime = emulator::runtime()?;
    let emulator = runtime
        .block_on(di_emulator::start(emulator_config))
        .map_err(|error| Error::Emulator(format!("cannot serve: {error}")))?;

    // The global signature, format, timeout and retry options apply; the endpoint is the
    // emulator's, and the retries back off in milliseconds, not seconds, to keep the demo
    // short.
    let config = ClientConfig::new()
        .with_endpoint(emulator.base_url())
        .with_signature_version(settings::signature_version(global.signature))
        .with_format(settings::format(global.format))
        .with_read_timeout(global.timeout)
        .with_connect_timeout(global.connect_timeout)
        .with_retry_policy(
            RetryPolicy::default()
                .with_max_attempts(global.retries + 1)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(200))
                .with_deadline(Some(Duration::from_secs(10))),
        )
        .with_user_agent_suffix(concat!("di-cli/", env!("CARGO_PKG_VERSION"), " demo"));
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
        .map_err(|error| Error::Credentials(format!("credentials: {error}")))?;
    let client = Client::new(&config, credentials)?;

    // People read the text; with --output json, stdout holds only the task objects; with
    // --quiet, only the task lines are printed.
    let say = |text: &str| match (global.quiet, global.output) {
        (true, _) => {}
        (false, OutputArg::Text) => output::line(text),
        (false, OutputArg::Json) => eprintln!("{text}"),
    };
    let colour = output::colour_stdout(global.color);
    say(&format!(
        "di demo: emulator at {} (in-process, loopback; demo AccessKey {DEMO_ACCESS_KEY_ID}, not a \
         real key: no account, no network)",
        emulator.base_url()
    ));
    // Quick polls: the emulator settles in milliseconds, not DataWorks' seconds.
    let wait = WaitPolicy::default()
        .with_initial_interval(Duration::from_millis(50))
        .with_max_interval(Duration::from_millis(200))
        .with_timeout(Duration::from_secs(10));
    say("");
    walk_lifecycle(&client, &wait, &say)?;
    say("");
    say(&format!(
        "tearing down {tasks} running task{} {DEMO_PROJECT_ID}/{} with {} job{} (stop, wait \
         until stopped, terminate, delete), up to {} attempt{} per call",
        plural(tasks),
        if tasks == 1 {
            FIRST_FILE_ID.to_string()
        } else {
            format!("{FIRST_FILE_ID}-{}", FIRST_FILE_ID + tasks - 1)
        },
        args.jobs,
        plural(i64::from(args.jobs)),
        global.retries + 1,
        plural(i64::from(global.retries + 1))
    ));
    let describe = |faults: &[(&str, Fault, &str)]| {
        faults
            .iter()
            .map(|(_, _, words)| *words)
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let inject_after = file_ids.len() / 3;
    if inject_after == 0 {
        say(&format!(
            "faults injected: {} and {} (each call meets one at most)",
            describe(&FAULTS_NOW),
            describe(&FAULTS_LATER)
        ));
    } else {
        say(&format!(
            "faults injected: {} now; {} a third of the way in (each call meets one at most)",
            describe(&FAULTS_NOW),
            describe(&FAULTS_LATER)
        ));
    }
    say("");

    let inject = |faults: &[(&str, Fault, &str)]| {
        for (action, fault, _) in faults {
            emulator.fail_next_for(action, *fault, 1);
        }
    };
    inject(&FAULTS_NOW);
    if inject_after == 0 {
        inject(&FAULTS_LATER);
    }
    let mut finished = 0;
    let plan = Plan::new(names::TEARDOWN, TaskAction::Teardown { stop_first: true })
        .with_wait(false, wait);
    let interrupt = signals::watch();
    let reports = run_batch(
        &client,
        &plan,
        DEMO_PROJECT_ID,
        &file_ids,
        usize::from(args.jobs),
        &interrupt,
        |report| {
            finished += 1;
            if finished == inject_after {
                inject(&FAULTS_LATER);
            }
            match global.output {
                OutputArg::Json => output::line(&to_json(report, &plan).to_string()),
                OutputArg::Text => {
                    let mut text = to_text(report, &plan);
                    for step in &report.steps {
                        for reason in &step.retries {
                            text.push_str(&format!(
                                "\n      {} retried after: {reason}",
                                step.kind
                            ));
                        }
                    }
                    output::line(&output::task_line(text, report.outcome, colour));
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

    let retries: usize = reports.iter().map(|report| report.retries()).sum();
    let failed = reports
        .iter()
        .filter(|report| report.outcome == TaskOutcome::Failed)
        .count();
    say("");
    say(&summary(&reports));
    let absorbed = if failed == 0 {
        format!("and {retries} retries absorbed them all")
    } else {
        format!(
            "and {retries} retries were not enough: {failed} task{} failed",
            plural(i64::try_from(failed).unwrap_or(i64::MAX))
        )
    };
    say(&format!(
        "the emulator served {} requests (calls, polls while waiting, retries): {} met an \
         injected fault, {absorbed}",
        counters.requests, counters.faults_served
    ));
    say(&format!(
        "tasks deleted on the emulator: {deleted} of {tasks}; took {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(worst_exit(&reports))
}

/// `s` unless `count` is 1.
fn plural(count: i64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Walks one new task through its lifecycle, saying what each step did: created and updated
/// through a generated configuration ([`Client::config_create`], [`Client::config_update`]),
/// then read, deployed, started, stopped, undeployed and deleted by the task flows the
/// commands of those names run (each command's [`Plan`], with `--wait` where it shows one).
///
/// # Errors
/// The first call or task flow that fails.
fn walk_lifecycle(client: &Client, wait: &WaitPolicy, say: &impl Fn(&str)) -> Result<(), Error> {
    let project = DEMO_PROJECT_ID;
    say("one task's lifecycle:");
    // DataWorks creates and changes a real-time task the asynchronous way: a process
    // generates its configuration, polled until done, then the create (or update) sends it.
    let generate = GenerateDiSyncTaskConfigForCreating::new(project, TaskType::DiRealtime, SCRIPT)
        .with_client_token(format!("di-demo-{}", std::process::id()));
    let created = client.run(
        client
            .config_create(generate, wait)
            .with_task_name("demo_orders_to_hologres")
            .with_task_param(r#"{"FileFolderPath":"Business Flow/demo/Data Integration"}"#),
    )?;
    let file = created.file_id;
    let step = |name: &str, what: String| say(&format!("  {name:<32}{what}"));
    step(
        "create-sync-task",
        format!(
            "file id {file}, from config process {} ({} poll{}) [{}]",
            created.process_id,
            created.polls,
            plural(i64::from(created.polls)),
            created.request_id
        ),
    );
    let change = SCRIPT.replace("hologres", "maxcompute");
    let updated = client.run(client.config_update(
        GenerateDiSyncTaskConfigForUpdating::new(project, TaskType::DiRealtime, file, change),
        wait,
    ))?;
    step(
        "update-sync-task",
        format!(
            "from config process {} ({} poll{}) [{}]",
            updated.process_id,
            updated.polls,
            plural(i64::from(updated.polls)),
            updated.request_id
        ),
    );
    // Then as the commands do it: each command's plan, made into the task flow it runs.
    let run = |plan: &Plan| -> Result<TaskReport, Error> {
        let flow = plan.flow(project, file, client.config().retry_policy());
        Ok(client.run(flow).into_result()?)
    };
    let read = run(&Plan::new(names::GET_TASK, TaskAction::ReadTask))?;
    step(
        names::GET_TASK,
        format!(
            "script of {} bytes [{}]",
            read.task
                .as_ref()
                .and_then(|task| task.code.as_deref())
                .map_or(0, str::len),
            read.request_id().unwrap_or("-")
        ),
    );
    let deploy = Plan::new(names::DEPLOY, TaskAction::Deploy);
    step(names::DEPLOY, steps(&run(&deploy)?));
    let status = run(&Plan::new(names::STATUS, TaskAction::ReadStatus))?;
    step(
        names::STATUS,
        format!(
            "status {} [{}]",
            status
                .instance
                .as_ref()
                .map_or("-", |info| info.status.as_str()),
            status.request_id().unwrap_or("-")
        ),
    );
    for plan in [
        Plan::new(names::START, TaskAction::Start { start_param: None }).with_wait(true, *wait),
        Plan::new(names::STOP, TaskAction::Stop).with_wait(true, *wait),
        Plan::new(names::TERMINATE, TaskAction::Terminate).with_wait(true, *wait),
        Plan::new(names::DELETE, TaskAction::Delete),
    ] {
        let report = run(&plan)?;
        let name = if plan.wait {
            format!("{} --wait", plan.name())
        } else {
            plan.name().to_owned()
        };
        step(&name, steps(&report));
    }
    Ok(())
}

/// A task flow's steps as a lifecycle line shows them: `start done [REQUEST-ID]; wait done
/// [REQUEST-ID] (settled: RUN after 3 poll(s))`, each step's retries counted, then the last
/// status read, when one was.
fn steps(report: &TaskReport) -> String {
    let mut steps: Vec<String> = report
        .steps
        .iter()
        .map(|step| {
            let mut text = format!(
                "{} {} [{}]",
                step.kind,
                step.outcome,
                step.request_id.as_deref().unwrap_or("-")
            );
            if let Some(note) = &step.note {
                text.push_str(&format!(" ({note})"));
            }
            let retries = step.retries.len();
            if retries > 0 {
                text.push_str(&format!(
                    " after {retries} retr{}",
                    if retries == 1 { "y" } else { "ies" }
                ));
            }
            text
        })
        .collect();
    if let Some(info) = &report.instance {
        steps.push(format!("status {}", info.status));
    }
    steps.join("; ")
}
