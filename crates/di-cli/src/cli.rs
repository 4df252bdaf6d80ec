//! The command line: every option and subcommand of `di`, and the help texts.

use di_proto::client::rate::RateLimit;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};
use di_proto::ops::{
    CreateDiSyncTask, GetDiSyncTask, TaskType, TerminateDiSyncInstance, UpdateDiSyncTask,
};
use di_proto::wait::WaitPolicy;

use di_ids::{IdRange, parse_range};

/// Shown after `di --help`: credentials, file ids, retries, exit codes.
const AFTER_LONG_HELP: &str = "\
Credentials:
  Found where the official SDKs and the aliyun CLI look, in this order:
  ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (with
  ALIBABA_CLOUD_SECURITY_TOKEN for an STS token); OIDC (ALIBABA_CLOUD_ROLE_ARN,
  ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE); the aliyun CLI's
  ~/.aliyun/config.json; ~/.alibabacloud/credentials (or credentials.ini); the ECS
  instance's RAM role; ALIBABA_CLOUD_CREDENTIALS_URI. -p/--profile (or ALIBABA_CLOUD_PROFILE)
  picks the profile in both files; a profile named so that neither file holds is an error
  (exit 2), never a fall through to another source. When none is found, di lists what it
  tried. Against di emulator, export its demo key (it prints the two lines):
  ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tDemoAccessKeyId and
  ALIBABA_CLOUD_ACCESS_KEY_SECRET=DemoAccessKeySecretForLocalUse1.
  --dry-run reads the environment variables only; without them it signs with the
  emulator's demo AccessKey and says so on stderr.

Endpoint and region:
  --endpoint URL wins; else the region: --region, else ALIBABA_CLOUD_REGION_ID, else the
  region_id of the profile (as the aliyun CLI reads it). A region DataWorks does not serve
  is an error (exit 2) that names the known ones; reach a newer region with --endpoint
  https://dataworks.REGION.aliyuncs.com. A loopback endpoint needs its scheme
  (http://127.0.0.1:PORT); a bare host name means https.

File ids:
  --file-id takes an id (100) or a range (100-140) and repeats; --file-ids-from reads one id
  or range per line from a file, or from stdin with '-' ('#' starts a comment), and repeats
  too. Each id is handled once, --jobs at a time (1 to 64, 4 by default).

Output:
  text: one line per task on stdout (failed ones coloured, see --color), a progress bar with
  the rate and the time left on stderr when it is a terminal, and a summary by outcome on
  stderr; --quiet keeps only the task lines and errors. json: one JSON object per task on
  stdout: {\"project_id\",\"file_id\",\"action\",\"outcome\":\"done|already_done|failed|
  interrupted|not_started\",\"request_id\",\"error\":{\"kind\",\"code\",\"message\"},
  \"steps\":[{\"step\",\"action\",\"outcome\",\"request_id\",\"retries\",\"note\"}]}, no progress
  bar and no summary. A line's action is the subcommand that ran (teardown,
  delete-sync-task, ..., call); a step's action is the API action it sent
  (TerminateDISyncInstance, ...), as is a --dry-run line's.
  -v logs each task's steps and retries to stderr, -vv each attempt (status, request id,
  latency) and the credentials' source, -vvv the settings di resolved and how long each
  task and attempt took; never a URL, header, body, signature or secret.

Refusals and reruns:
  A refusal (Data.Status = fail) is judged by the task's state, read with
  GetDISyncInstanceInfo, never by the words of its message: a task changing state (KILLING,
  WAIT) is waited out and the step sent again; a task at rest where the step leads is
  already_done; a task at rest elsewhere fails. Only fileId:[N] is invalid. (documented) says
  that a task does not exist: it fails as not_found, or is already_done with
  --ignore-not-found (teardown, terminate-sync-instance, delete-sync-task).

Retries:
  Safe failures (throttling, a request that never left) are retried for every call; failures
  after which the request may have taken effect (HTTP 5xx, a lost answer) only for idempotent
  calls: everything but create-sync-task --task-type DI_OFFLINE without --client-token, and
  `di call` without --idempotent. --retries N allows N retries after the first attempt (N+1
  attempts; N from 0 to 10, 2 by default); --retries 0 sends each request once.
  --connect-timeout (5 s) and --timeout (the read timeout, 10 s) bound each attempt.

Task types:
  --task-type takes DI_OFFLINE, DI_REALTIME or DI_SOLUTION (or offline, realtime, solution),
  each command those the API documents for it; DI_REALTIME is the default. create-sync-task
  and update-sync-task take all three: DI_OFFLINE is one call, DI_REALTIME and DI_SOLUTION
  go through a generated configuration (GenerateDISyncTaskConfigForCreating or ...Updating,
  QueryDISyncTaskConfigProcessResult until it is done, then CreateDISyncTask or
  UpdateDISyncTask). get-sync-task, deploy-sync-task, start-sync-instance and
  get-sync-instance-info take DI_REALTIME and DI_SOLUTION. stop-sync-instance,
  terminate-sync-instance, delete-sync-task and teardown take DI_REALTIME only. A type a
  command does not take exits 2 before anything is sent.

Finding tasks:
  list-sync-tasks lists a workspace's sync tasks (ListFiles, every page): a table, or one
  JSON object per task. teardown --select-name GLOB tears down the real-time tasks named
  like GLOB: it shows them and asks first, or goes ahead with --yes; without --yes and
  without a terminal it exits 2 having sent nothing but the listing.

Waiting:
  A teardown polls GetDISyncInstanceInfo after the terminate until the task is neither
  KILLING nor WAIT, then deletes; --wait (stop, terminate, start) and teardown --stop-first
  poll until the task settles (PAUSE or NORUN; RUN after a start). Polls come after
  --poll-interval (1 s by default), doubling up to 10 s; --wait-timeout (300 s by default)
  bounds all of a task's waiting. Without --wait, stop-, start- and terminate-sync-instance
  do not wait for the task to settle, but a step refused while the task is changing state
  is still waited out and sent again, and --wait-timeout bounds that waiting. A generated
  configuration (create- and update-sync-task of DI_REALTIME, DI_SOLUTION) is polled the
  same way, under the same two options.

Interrupting:
  The first Ctrl-C (or SIGTERM) starts no new task, lets the calls in flight finish, stops
  each task at its next step, reports every task, lists the ids left to do on stderr (ready
  for --file-ids-from) and exits 130. A second one quits at once.

Exit codes:
  0  everything done (or found already done)
  1  an operation failed: the service refused it (an error answer, or Data.Status = fail)
  2  usage or configuration error (bad option, missing credentials, invalid endpoint)
  3  no usable answer after the retries: network failure, timeout, throttling, a gateway or
     proxy error page (HTTP 429, 500, 502, 503, 504), or an answer cut short; or a wait that
     timed out
  130  interrupted (SIGINT or SIGTERM)
  A batch exits with the worst code among its tasks, in the order 130, 2, 1, 3, 0: a refused
  task outranks a transient failure, so 3 means that rerunning the failed tasks may finish
  the job.";

/// `di`: tear down DataWorks Data Integration real-time sync tasks, call any DataWorks RPC
/// action, run the local emulator, or watch the demo.
#[derive(Debug, Parser)]
#[command(
    name = "di",
    version,
    about = "DataWorks Data Integration from the command line: tear down real-time sync tasks, \
             call any action, run the local emulator",
    after_long_help = AFTER_LONG_HELP
)]
pub(crate) struct Cli {
    /// The options every subcommand takes.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The endpoint URL (`--endpoint`), which wins over the region.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = "Send to this endpoint: https://host[:port] (a bare host means https), or \
                http://127.0.0.1:PORT for a loopback endpoint such as di emulator (wins over \
                --region)"
    )]
    pub(crate) endpoint: Option<String>,

    /// Send to the DataWorks endpoint of this region (cn-shanghai, ...); else
    /// ALIBABA_CLOUD_REGION_ID, else the profile's region_id
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// Use the region's VPC endpoint (`--vpc`).
    #[arg(
        long,
        global = true,
        help = "Use the region's VPC endpoint (dataworks-vpc.<region>.aliyuncs.com)"
    )]
    pub(crate) vpc: bool,

    /// The request signature to send
    #[arg(long, global = true, value_enum, default_value_t = SignatureArg::V3)]
    pub(crate) signature: SignatureArg,

    /// The response format to ask the service for
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Json)]
    pub(crate) format: FormatArg,

    /// What to print: text for people, json for one JSON object per line
    #[arg(long, global = true, value_enum, default_value_t = OutputArg::Text)]
    pub(crate) output: OutputArg,

    /// Read timeout of each attempt: the longest wait for an answer, in seconds
    #[arg(long, global = true, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub(crate) timeout: Duration,

    /// Connect timeout of each attempt: the longest wait for a connection, in seconds
    #[arg(long, global = true, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    pub(crate) connect_timeout: Duration,

    /// Also trust the root certificates in this PEM file for HTTPS: a TLS-intercepting
    /// proxy's, or a private endpoint's CA (such as di emulator --tls --tls-ca-out FILE's).
    /// SSL_CERT_FILE, when set, replaces the system's roots
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) ca_bundle: Option<std::path::PathBuf>,

    /// Retries after the first attempt (N+1 attempts in all), 0 to 10; 0 disables retries
    #[arg(long, global = true, value_name = "N", default_value_t = 2,
          value_parser = parse_retries)]
    pub(crate) retries: u32,

    /// The rate of requests (all tasks together): adaptive (the default: none until the
    /// service throttles, then just under what it serves), off, or at most QPS per second
    #[arg(long, global = true, value_name = "QPS|adaptive|off", default_value = "adaptive",
          value_parser = parse_rate_limit)]
    pub(crate) max_rate: RateLimit,

    /// The profile to read in ~/.aliyun/config.json and ~/.alibabacloud/credentials (it must
    /// be in one of them)
    #[arg(short = 'p', long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// Print the signed requests, secrets redacted, and send nothing
    #[arg(long, global = true)]
    pub(crate) dry_run: bool,

    /// Log to stderr: -v each task's steps and retries, -vv each attempt and the credentials'
    /// source, -vvv the settings and each task's and attempt's duration
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Print only the task lines (or the answer) and errors: no progress bar, summary, notes
    /// or warnings
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Colour failed task lines: auto (when stdout is a terminal and NO_COLOR is not set),
    /// always, never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    /// When stdout is a terminal and NO_COLOR is not set
    Auto,
    /// Always, NO_COLOR or not
    Always,
    /// Never
    Never,
}

/// The signature versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignatureArg {
    /// ACS3-HMAC-SHA256 in the Authorization header, as today's official SDKs sign
    V3,
    /// HMAC-SHA1 in the Signature query parameter
    V1,
}

/// The response formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// JSON
    Json,
    /// XML
    Xml,
}

/// What `di` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputArg {
    /// Lines for people, a progress bar and a summary
    Text,
    /// One JSON object per line on stdout
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a sync task from its script (real-time: generated, then CreateDISyncTask)
    ///
    /// Prints the new task's file id. The task is not deployed: deploy-sync-task next.
    /// DI_REALTIME (the default) and DI_SOLUTION go the asynchronous way DataWorks documents:
    /// GenerateDISyncTaskConfigForCreating with the script, QueryDISyncTaskConfigProcessResult
    /// until the configuration is generated (--poll-interval, --wait-timeout: exit 3 when it
    /// runs out), then CreateDISyncTask with it, --name and --folder. DI_OFFLINE is one
    /// CreateDISyncTask. --dry-run prints the first request only.
    CreateSyncTask(CreateArgs),
    /// Change a sync task (real-time: generated, then UpdateDISyncTask)
    ///
    /// DI_OFFLINE: one UpdateDISyncTask with the new script (--content, --content-from)
    /// and/or --task-param. DI_REALTIME (the default) and DI_SOLUTION go the asynchronous way
    /// DataWorks documents: GenerateDISyncTaskConfigForUpdating with the change (--content,
    /// --content-from or --task-param: one of them), QueryDISyncTaskConfigProcessResult until
    /// the new configuration is generated, then UpdateDISyncTask with it. Redeploy a
    /// real-time task for the change to take effect. --dry-run prints the first request only.
    UpdateSyncTask(UpdateArgs),
    /// List the sync tasks of a workspace: file id, type, name, folder (ListFiles)
    ///
    /// Real-time (file type 900) and offline (batch, file type 23) tasks, every page; --name
    /// matches a glob against each name here, --folder and --type filter on the service.
    /// Text: a table with a header (the header only when nothing matches); json: one object
    /// per task, {"file_id","name","type","folder","file_type"}, nothing when nothing matches.
    ListSyncTasks(ListArgs),
    /// Print real-time sync tasks' scripts (GetDISyncTask)
    GetSyncTask(TypedTaskArgs),
    /// Deploy real-time sync tasks (DeployDISyncTask)
    ///
    /// A deployed task does not run until start-sync-instance.
    DeploySyncTask(TypedTaskArgs),
    /// Start deployed real-time sync tasks (StartDISyncInstance)
    ///
    /// A task that is already running counts as already done.
    StartSyncInstance(StartArgs),
    /// Stop (pause) running real-time sync tasks (StopDISyncInstance)
    ///
    /// A refused stop is judged by the task's state: PAUSE or NORUN is already done; KILLING
    /// or WAIT is waited out, then the stop goes again. With --wait, waits until the task is
    /// PAUSE or NORUN.
    StopSyncInstance(WaitingTaskArgs),
    /// Print real-time sync tasks' run status (GetDISyncInstanceInfo)
    ///
    /// RUN, PAUSE, NORUN, KILLING (stopping) or WAIT (starting).
    GetSyncInstanceInfo(TypedTaskArgs),
    /// Undeploy real-time sync tasks (TerminateDISyncInstance)
    ///
    /// A refused terminate is judged by the task's state: NORUN is already done; KILLING or
    /// WAIT is waited out, then the terminate goes again. A task that does not exist fails
    /// (not_found), unless --ignore-not-found. With --wait, waits until the task is NORUN (or
    /// PAUSE).
    TerminateSyncInstance(TerminateArgs),
    /// Delete undeployed real-time sync tasks (DeleteDISyncTask)
    ///
    /// A delete refused while the task is changing state (KILLING, WAIT) is sent again once
    /// it settles; refused while it is at rest (still deployed), it fails: undeploy it first,
    /// or use teardown. A task that does not exist fails (not_found), unless
    /// --ignore-not-found.
    DeleteSyncTask(DeleteArgs),
    /// Undeploy, wait until settled, then delete real-time sync tasks
    ///
    /// Terminate, poll until the task is neither KILLING nor WAIT, delete. A refusal is
    /// judged by the task's state, never by the words of the message. A rerun repeats
    /// nothing that is done: a task already undeployed goes straight to the delete, and a
    /// task already deleted fails as not_found (exit 1), or is already done with
    /// --ignore-not-found (exit 0). With --stop-first: stop and wait until stopped first.
    ///
    /// --select-name GLOB picks the tasks by name instead of by id: it lists the workspace's
    /// real-time tasks (ListFiles, file type 900; --folder narrows it), prints those whose
    /// names match on stderr, then asks "Tear down N tasks? [y/N]" when stdin is a terminal
    /// (anything but y or yes tears nothing down and exits 1). With --yes it does not ask;
    /// without --yes and without a terminal to ask on, it exits 2 having sent nothing but the
    /// listing. No match: it says so and exits 0.
    Teardown(TeardownArgs),
    /// Call any DataWorks RPC action and print the response body
    ///
    /// Exits 1 when the answer says Data.Status = fail. Not retried after an attempt that may
    /// have taken effect, unless --idempotent.
    Call(CallArgs),
    /// Run the local emulator in the foreground
    ///
    /// Takes the options of the di-emulator binary (listed below), prints the base URL as the
    /// first line on stdout (then, with the demo key, the two export lines that make di use it,
    /// on stderr), and serves until Ctrl-C or SIGTERM.
    Emulator(EmulatorArgs),
    /// Walk a task through its lifecycle, then tear down demo tasks, on an in-process emulator
    ///
    /// Starts the emulator on loopback with the demo AccessKey; creates, updates, deploys,
    /// starts, stops (waiting for it to settle), undeploys and deletes one task; then tears
    /// down its tasks through the real client --jobs at a time while faults are injected (an
    /// internal error, throttling, a lost answer, a proxy's 502, each on a different action),
    /// and shows how the retries absorb them. No account, no network. Of the global options it
    /// takes --signature, --format, --output, --timeout, --connect-timeout, --retries, -v,
    /// --quiet and --color; --endpoint, --region, --vpc, --profile and --dry-run are refused
    /// (it runs its own emulator, with its demo key).
    Demo(DemoArgs),
    /// Print a shell completion script
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The tasks a teardown subcommand works on.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("ids").required(true).multiple(true).args(["file_ids", "file_ids_from"])))]
pub(crate) struct TaskArgs {
    /// The DataWorks workspace id (ProjectId)
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub(crate) project_id: i64,

    /// A task's file id (FileId), or a range FIRST-LAST; repeatable
    #[arg(long = "file-id", value_name = "ID|FIRST-LAST", value_parser = parse_range)]
    pub(crate) file_ids: Vec<IdRange>,

    /// Read file ids from FILE (or stdin for -): one id or range per line, # comments;
    /// repeatable
    #[arg(long, value_name = "FILE|-")]
    pub(crate) file_ids_from: Vec<String>,

    /// How many tasks to work on at once, 1 to 64
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = parse_jobs)]
    pub(crate) jobs: u16,
}

/// The task types of reading, deploying and starting ([`TypedTaskArgs`]): di-proto's set of
/// `GetDISyncTask`, which `DeployDISyncTask`, `GetDISyncInstanceInfo` and
/// `StartDISyncInstance` share (a test checks that they do).
const REALTIME_OR_SOLUTION: &[TaskType] = GetDiSyncTask::TASK_TYPES;
/// The task types of stopping, undeploying, deleting and tearing down ([`RealtimeOnlyArg`]):
/// di-proto's set of `TerminateDISyncInstance`, which `StopDISyncInstance` and
/// `DeleteDISyncTask` share (a test checks that they do).
const REALTIME_ONLY: &[TaskType] = TerminateDiSyncInstance::TASK_TYPES;

/// The lowercase alias `--task-type` takes for `task_type`.
fn task_type_alias(task_type: TaskType) -> &'static str {
    match task_type {
        TaskType::DiOffline => "offline",
        TaskType::DiRealtime => "realtime",
        TaskType::DiSolution => "solution",
    }
}

/// Parses `--task-type`: one of `types`, by its wire name (`DI_REALTIME`) or its lowercase
/// alias (`realtime`); anything else is a usage error that lists `types` (and the help lists
/// them too).
fn task_type_parser(types: &'static [TaskType]) -> impl TypedValueParser<Value = TaskType> {
    PossibleValuesParser::new(
        types.iter().map(|&task_type| {
            PossibleValue::new(task_type.as_str()).alias(task_type_alias(task_type))
        }),
    )
    .try_map(move |text: String| {
        types
            .iter()
            .copied()
            .find(|&task_type| text == task_type.as_str() || text == task_type_alias(task_type))
            .ok_or_else(|| format!("{text:?}: not a task type"))
    })
}

/// Batch tasks and a `--task-type` of DI_REALTIME or DI_SOLUTION (get, deploy, status).
#[derive(Debug, Args)]
pub(crate) struct TypedTaskArgs {
    /// The tasks.
    #[command(flatten)]
    pub(crate) tasks: TaskArgs,

    /// The task type (TaskType): DI_REALTIME or DI_SOLUTION
    #[arg(long, value_name = "TYPE", default_value = "DI_REALTIME",
          value_parser = task_type_parser(REALTIME_OR_SOLUTION))]
    pub(crate) task_type: TaskType,
}

/// `--task-type` of the commands that take DI_REALTIME only (stop, terminate, delete,
/// teardown): kept so that scripts that pass it keep working.
#[derive(Debug, Args)]
pub(crate) struct RealtimeOnlyArg {
    /// The task type (TaskType): DI_REALTIME only, the one type the API takes here
    #[arg(long, value_name = "TYPE", default_value = "DI_REALTIME",
          value_parser = task_type_parser(REALTIME_ONLY))]
    pub(crate) task_type: TaskType,
}

/// How long a task may wait for the service to settle, and how often it polls.
#[derive(Debug, Args)]
pub(crate) struct SettleArgs {
    /// The most each task may spend waiting for the service to settle (exit 3 when it runs
    /// out): the wait of --wait or of a teardown, and, with or without --wait, the waiting
    /// after a refusal, while the task is seen changing state, before the step goes again
    #[arg(long, value_name = "SECONDS", default_value = "300", value_parser = parse_seconds)]
    pub(crate) wait_timeout: Duration,

    /// The first interval between two polls of GetDISyncInstanceInfo (it doubles, up to 10 s)
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_seconds)]
    pub(crate) poll_interval: Duration,
}

/// The polling and the deadline that `--poll-interval` and `--wait-timeout` ask for: of a
/// task's settling ([`SettleArgs`]) or of a generated configuration ([`ProcessWaitArgs`]).
pub(crate) fn wait_policy(poll_interval: Duration, wait_timeout: Duration) -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(poll_interval)
        .with_timeout(wait_timeout)
}

/// `--wait`, with [`SettleArgs`].
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// Then poll GetDISyncInstanceInfo until the task settles (without it, the step is not
    /// waited for, and --wait-timeout bounds only the waiting after a refusal)
    #[arg(long)]
    pub(crate) wait: bool,

    /// The deadline and polling.
    #[command(flatten)]
    pub(crate) settle: SettleArgs,
}

/// Tasks to undeploy.
#[derive(Debug, Args)]
pub(crate) struct TerminateArgs {
    /// The tasks.
    #[command(flatten)]
    pub(crate) tasks: TaskArgs,
    /// The task type.
    #[command(flatten)]
    pub(crate) task_type: RealtimeOnlyArg,
    /// The wait.
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
    /// A task that does not exist (the documented "is invalid" answer) is already done, not failed
    #[arg(long)]
    pub(crate) ignore_not_found: bool,
}

/// Tasks to delete.
#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The tasks.
    #[command(flatten)]
    pub(crate) tasks: TaskArgs,
    /// The task type.
    #[command(flatten)]
    pub(crate) task_type: RealtimeOnlyArg,
    /// The deadline and polling.
    #[command(flatten)]
    pub(crate) settle: SettleArgs,
    /// A task that does not exist (the documented "is invalid" answer) is already done, not failed
    #[arg(long)]
    pub(crate) ignore_not_found: bool,
}

/// Tasks to stop or undeploy, with an optional wait.
#[derive(Debug, Args)]
pub(crate) struct WaitingTaskArgs {
    /// The tasks.
    #[command(flatten)]
    pub(crate) tasks: TaskArgs,
    /// The task type.
    #[command(flatten)]
    pub(crate) task_type: RealtimeOnlyArg,
    /// The wait.
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// Tasks to start.
#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// The tasks and their type.
    #[command(flatten)]
    pub(crate) tasks: TypedTaskArgs,

    /// Startup parameters (StartParam), a JSON object: failoverLimit, errorLimit, offset...
    #[arg(long, value_name = "JSON")]
    pub(crate) start_param: Option<String>,

    /// The wait.
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// Tasks to tear down.
#[derive(Debug, Args)]
pub(crate) struct TeardownArgs {
    /// The tasks.
    #[command(flatten)]
    pub(crate) tasks: TaskArgs,

    /// Instead of ids: the real-time tasks whose names match GLOB (* ? [abc] {a,b}, matched
    /// on the whole name, case-sensitive), listed with ListFiles; asks first (see --yes)
    #[arg(long, value_name = "GLOB", group = "ids", value_parser = parse_glob,
          conflicts_with_all = ["file_ids", "file_ids_from"])]
    pub(crate) select_name: Option<NameGlob>,

    /// With --select-name: only the tasks in this folder (FileFolderPath)
    // (`requires = "select_name"` would be met by any member of the group "ids": conflicting
    // with the other members leaves --select-name the one way to satisfy the group.)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["file_ids", "file_ids_from"])]
    pub(crate) folder: Option<String>,

    /// With --select-name: tear the selected tasks down without asking (needed when stdin is
    /// not a terminal)
    #[arg(short = 'y', long, conflicts_with_all = ["file_ids", "file_ids_from"])]
    pub(crate) yes: bool,

    /// The task type.
    #[command(flatten)]
    pub(crate) task_type: RealtimeOnlyArg,

    /// Stop each task and wait until it is stopped before undeploying it
    #[arg(long)]
    pub(crate) stop_first: bool,

    /// The deadline and polling.
    #[command(flatten)]
    pub(crate) settle: SettleArgs,

    /// A task that does not exist (the documented "is invalid" answer) is already done, not failed
    #[arg(long)]
    pub(crate) ignore_not_found: bool,
}

/// A task's script: inline or from a file.
#[derive(Debug, Args)]
pub(crate) struct ScriptArgs {
    /// The task's script (TaskContent), JSON
    #[arg(long, value_name = "JSON", conflicts_with = "content_from")]
    pub(crate) content: Option<String>,

    /// Read the script from FILE (or stdin for -)
    #[arg(long, value_name = "FILE|-")]
    pub(crate) content_from: Option<String>,

    /// The task's parameters (TaskParam of CreateDISyncTask, UpdateDISyncTask), a JSON
    /// object: FileFolderPath, ResourceGroup. For a DI_REALTIME or DI_SOLUTION update: the
    /// change that GenerateDISyncTaskConfigForUpdating takes (or give it with --content)
    #[arg(long, value_name = "JSON")]
    pub(crate) task_param: Option<String>,
}

/// How long to wait for an asynchronous config process, and how often to poll it.
#[derive(Debug, Args)]
pub(crate) struct ProcessWaitArgs {
    /// DI_REALTIME, DI_SOLUTION: the most to wait for the configuration to be generated
    /// (exit 3 when it runs out)
    #[arg(long, value_name = "SECONDS", default_value = "300", value_parser = parse_seconds)]
    pub(crate) wait_timeout: Duration,

    /// DI_REALTIME, DI_SOLUTION: the first interval between two polls of
    /// QueryDISyncTaskConfigProcessResult (it doubles, up to 10 s)
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_seconds)]
    pub(crate) poll_interval: Duration,
}

/// A task to create.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("script").required(true).args(["content", "content_from"])))]
pub(crate) struct CreateArgs {
    /// The DataWorks workspace id (ProjectId)
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub(crate) project_id: i64,

    /// The task's name (TaskName)
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// The folder to create the task in (TaskParam's FileFolderPath), such as
    /// "Business Flow/orders/Data Integration"
    #[arg(long, value_name = "PATH")]
    pub(crate) folder: Option<String>,

    /// The script and parameters.
    #[command(flatten)]
    pub(crate) script: ScriptArgs,

    /// The task type (TaskType): DI_REALTIME and DI_SOLUTION are generated first, DI_OFFLINE
    /// is created at once
    #[arg(long, value_name = "TYPE", default_value = "DI_REALTIME",
          value_parser = task_type_parser(CreateDiSyncTask::TASK_TYPES))]
    pub(crate) task_type: TaskType,

    /// A client token (ClientToken, 1 to 64 visible ASCII characters): a repeat with the same
    /// token returns the same task (DI_OFFLINE) or process (DI_REALTIME, DI_SOLUTION), so the
    /// call is retried even after an attempt that may have taken effect. Without it, di draws
    /// one for a generated task's process
    #[arg(long, value_name = "TOKEN")]
    pub(crate) client_token: Option<String>,

    /// The wait for the generated configuration.
    #[command(flatten)]
    pub(crate) process: ProcessWaitArgs,
}

/// A task to update.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["content", "content_from", "task_param"])))]
pub(crate) struct UpdateArgs {
    /// The DataWorks workspace id (ProjectId)
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub(crate) project_id: i64,

    /// The task's file id (FileId)
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub(crate) file_id: i64,

    /// The script and parameters.
    #[command(flatten)]
    pub(crate) script: ScriptArgs,

    /// The task type (TaskType): DI_OFFLINE is updated at once, DI_REALTIME and DI_SOLUTION
    /// through a generated configuration
    #[arg(long, value_name = "TYPE", default_value = "DI_REALTIME",
          value_parser = task_type_parser(UpdateDiSyncTask::TASK_TYPES))]
    pub(crate) task_type: TaskType,

    /// The wait for the generated configuration.
    #[command(flatten)]
    pub(crate) process: ProcessWaitArgs,
}

/// What `list-sync-tasks` lists.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The DataWorks workspace id (ProjectId)
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub(crate) project_id: i64,

    /// Only the tasks whose names match GLOB (* ? [abc] {a,b}, matched on the whole name,
    /// case-sensitive)
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub(crate) name: Option<NameGlob>,

    /// Only the tasks in this folder (FileFolderPath)
    #[arg(long, value_name = "PATH")]
    pub(crate) folder: Option<String>,

    /// Only real-time tasks (file type 900) or only offline ones (batch, file type 23); both
    /// by default
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    pub(crate) kind: Option<ListKind>,
}

/// The kinds of sync task `list-sync-tasks --type` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListKind {
    /// Real-time tasks, DI_REALTIME (file type 900)
    #[value(alias = "DI_REALTIME")]
    Realtime,
    /// Offline (batch) tasks, DI_OFFLINE (file type 23)
    #[value(alias = "DI_OFFLINE")]
    Offline,
}

/// A glob over task names (`--name`, `--select-name`), as given and compiled.
#[derive(Debug, Clone)]
pub(crate) struct NameGlob {
    text: String,
    matcher: globset::GlobMatcher,
}

impl NameGlob {
    /// The pattern as given.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name`, whole, matches.
    pub(crate) fn is_match(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }
}

/// Parses a glob over task names: `*`, `?`, `[abc]`, `{a,b}`, `\` to escape.
pub(crate) fn parse_glob(text: &str) -> Result<NameGlob, String> {
    if text.is_empty() {
        return Err("an empty pattern matches no name; * matches every name".to_owned());
    }
    let glob = globset::GlobBuilder::new(text)
        .backslash_escape(true)
        .build()
        .map_err(|error| format!("{text:?} is not a glob pattern: {}", error.kind()))?;
    Ok(NameGlob {
        text: text.to_owned(),
        matcher: glob.compile_matcher(),
    })
}

/// A generic call.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The action (GetDISyncInstanceInfo, ...)
    pub(crate) action: String,

    /// The API version
    #[arg(long = "version", id = "api_version", value_name = "VERSION",
          default_value = di_proto::ops::API_VERSION)]
    pub(crate) api_version: String,

    /// A query parameter; repeatable
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub(crate) params: Vec<(String, String)>,

    /// A form body parameter; repeatable
    #[arg(long = "body-param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub(crate) body_params: Vec<(String, String)>,

    /// The HTTP method
    #[arg(long, value_enum, default_value_t = MethodArg::Post)]
    pub(crate) method: MethodArg,

    /// Sending the call twice acts once: retry it even when an attempt may have taken effect
    #[arg(long)]
    pub(crate) idempotent: bool,
}

/// The HTTP methods of RPC actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MethodArg {
    /// GET (no body parameters)
    #[value(name = "GET", alias = "get")]
    Get,
    /// POST
    #[value(name = "POST", alias = "post")]
    Post,
    /// PUT
    #[value(name = "PUT", alias = "put")]
    Put,
}

/// The emulator's own options, passed through.
#[derive(Debug, Args)]
#[command(after_help = "\
Emulator options:
  --listen ADDR                 Address to listen on [default: 127.0.0.1:0]
  --allow-non-loopback          Allow a listen address that is not loopback
  --access-key ID:SECRET[:PROJECT,...]
                                Accept this AccessKey; repeatable; replaces the demo key
  --sts-token TOKEN             Accept this STS token; repeatable
  --task PROJECT_ID:FILE_ID[-FILE_ID]
                                Hold these deployed, running tasks; repeatable; replaces
                                the demo tasks (10000:100-104)
  --settle-delay-ms N           Stops, starts and undeploys settle after N ms (KILLING /
                                WAIT until then; other changes of the task fail) [default: 0]
  --never-settle                They never settle (for testing waits that time out)
  --fail-messages WORDING       How Data.Status=fail messages other than the documented
                                \"fileId:[N] is invalid.\" read: default (they name the state),
                                opaque (a reason number only) or misleading (one text with
                                every phrase a matcher looks for) [default: default]
  --tls                         Serve HTTPS (the URL is https://...) with a certificate
                                generated at start for 127.0.0.1, ::1, localhost and each
                                --tls-name, issued by a CA generated with it
  --tls-name NAME               Make the generated certificate valid for NAME too; repeatable
  --tls-ca-out FILE             Write that CA's certificate (PEM) to FILE before printing the
                                URL: what di trusts with --ca-bundle FILE
  --tls-cert FILE --tls-key FILE
                                Serve HTTPS with this certificate chain and key (PEM)

Logs one line per request to stderr. The demo AccessKey is LTAI5tDemoAccessKeyId /
DemoAccessKeySecretForLocalUse1 (not a real key); while it is accepted (no --access-key), the
two export lines that make di use it follow the URL, on stderr.")]
pub(crate) struct EmulatorArgs {
    /// The emulator's options (see below)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "EMULATOR_OPTION"
    )]
    pub(crate) args: Vec<String>,
}

/// The demo's settings.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// How many demo tasks to tear down, 1 to 1000
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = parse_demo_tasks)]
    pub(crate) tasks: u16,

    /// How many tasks to work on at once, 1 to 64
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = parse_jobs)]
    pub(crate) jobs: u16,
}

/// Parses a positive number of seconds, decimals allowed (`0.5`), up to a day.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?}: expected a number of seconds, like 10 or 0.5"))?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "{text:?}: expected more than 0 and at most 86400 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses `--max-rate`: `adaptive`, `off`, or requests per second (more than 0).
pub(crate) fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    match text {
        "adaptive" => Ok(RateLimit::Adaptive),
        "off" => Ok(RateLimit::Off),
        _ => match text.parse::<f64>() {
            Ok(rate) if rate.is_finite() && rate >= 0.01 => Ok(RateLimit::Fixed(rate)),
            _ => Err(format!(
                "{text:?}: expected adaptive, off, or a number of requests per second (at least 0.01)"
            )),
        },
    }
}

/// The most tasks `--jobs` runs at once.
pub(crate) const MAX_JOBS: u16 = 64;
/// The most retries `--retries` allows.
pub(crate) const MAX_RETRIES: u32 = 10;
/// The most tasks `demo --tasks` creates.
pub(crate) const MAX_DEMO_TASKS: u16 = 1000;

/// Parses a whole number from `min` to `max`, saying so when `text` is not one (clap names
/// the option).
fn parse_count<T>(text: &str, min: T, max: T) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
{
    match text.trim().parse::<T>() {
        Ok(count) if count >= min && count <= max => Ok(count),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

/// Parses `--jobs`: 1 to [`MAX_JOBS`].
fn parse_jobs(text: &str) -> Result<u16, String> {
    parse_count(text, 1, MAX_JOBS)
}

/// Parses `--retries`: 0 to [`MAX_RETRIES`].
fn parse_retries(text: &str) -> Result<u32, String> {
    parse_count(text, 0, MAX_RETRIES)
}

/// Parses `demo --tasks`: 1 to [`MAX_DEMO_TASKS`].
fn parse_demo_tasks(text: &str) -> Result<u16, String> {
    parse_count(text, 1, MAX_DEMO_TASKS)
}

/// Parses a workspace or file id: a positive whole number.
pub(crate) fn parse_id(text: &str) -> Result<i64, String> {
    match text.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        Ok(_) => Err("expected a positive id (1 or more), like 10000".to_owned()),
        Err(_) if !text.trim().is_empty() && text.trim().bytes().all(|b| b.is_ascii_digit()) => {
            Err("the id is too large (at most 9223372036854775807)".to_owned())
        }
        Err(_) => Err("expected a positive whole number, like 10000".to_owned()),
    }
}

/// Parses `NAME=VALUE` (the value may be empty and may hold `=`).
fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("{text:?}: expected NAME=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The `--task-type` a command was given.
    fn task_type_of(command: &Command) -> TaskType {
        match command {
            Command::GetSyncTask(args)
            | Command::DeploySyncTask(args)
            | Command::GetSyncInstanceInfo(args) => args.task_type,
            Command::StartSyncInstance(args) => args.tasks.task_type,
            Command::StopSyncInstance(args) => args.task_type.task_type,
            Command::TerminateSyncInstance(args) => args.task_type.task_type,
            Command::DeleteSyncTask(args) => args.task_type.task_type,
            Command::Teardown(args) => args.task_type.task_type,
            Command::CreateSyncTask(args) => args.task_type,
            Command::UpdateSyncTask(args) => args.task_type,
            other => panic!("{other:?} has no --task-type"),
        }
    }

    /// Each command's `--task-type` offers exactly the task types di-proto checks for the
    /// actions it sends, in di-proto's order.
    #[test]
    fn each_task_type_option_offers_the_set_of_its_actions() {
        use di_proto::ops::{
            DeleteDiSyncTask, DeployDiSyncTask, GetDiSyncInstanceInfo, StartDiSyncInstance,
            StopDiSyncInstance,
        };

        let command = Cli::command();
        for (name, accepted) in [
            ("get-sync-task", GetDiSyncTask::TASK_TYPES),
            ("deploy-sync-task", DeployDiSyncTask::TASK_TYPES),
            ("get-sync-instance-info", GetDiSyncInstanceInfo::TASK_TYPES),
            ("start-sync-instance", StartDiSyncInstance::TASK_TYPES),
            ("stop-sync-instance", StopDiSyncInstance::TASK_TYPES),
            (
                "terminate-sync-instance",
                TerminateDiSyncInstance::TASK_TYPES,
            ),
            ("delete-sync-task", DeleteDiSyncTask::TASK_TYPES),
            // A teardown sends a stop, a terminate and a delete.
            ("teardown", StopDiSyncInstance::TASK_TYPES),
            ("teardown", TerminateDiSyncInstance::TASK_TYPES),
            ("teardown", DeleteDiSyncTask::TASK_TYPES),
            ("create-sync-task", CreateDiSyncTask::TASK_TYPES),
            ("update-sync-task", UpdateDiSyncTask::TASK_TYPES),
        ] {
            let option = command
                .find_subcommand(name)
                .and_then(|sub| sub.get_arguments().find(|arg| arg.get_id() == "task_type"))
                .unwrap_or_else(|| panic!("{name} has no --task-type"));
            let offered: Vec<String> = option
                .get_possible_values()
                .iter()
                .map(|value| value.get_name().to_owned())
                .collect();
            let wanted: Vec<&str> = accepted.iter().map(|t| t.as_str()).collect();
            assert_eq!(offered, wanted, "{name}");
            for task_type in [
                TaskType::DiOffline,
                TaskType::DiRealtime,
                TaskType::DiSolution,
            ] {
                for text in [task_type.as_str(), task_type_alias(task_type)] {
                    let args = match name {
                        "create-sync-task" => &["--project-id", "1", "--content", "{}"][..],
                        "update-sync-task" => {
                            &["--project-id", "1", "--file-id", "2", "--content", "{}"][..]
                        }
                        _ => &["--project-id", "1", "--file-id", "2"][..],
                    };
                    let parsed = Cli::try_parse_from(
                        ["di", name]
                            .into_iter()
                            .chain(args.iter().copied())
                            .chain(["--task-type", text]),
                    );
                    match parsed {
                        Ok(cli) => {
                            assert!(accepted.contains(&task_type), "{name} takes {text}");
                            assert_eq!(task_type_of(&cli.command), task_type, "{name} {text}");
                        }
                        Err(error) => {
                            assert!(!accepted.contains(&task_type), "{name} {text}: {error}");
                            assert_eq!(error.kind(), clap::error::ErrorKind::InvalidValue);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn parses_seconds_and_params() {
        assert_eq!(parse_seconds("0.5").unwrap(), Duration::from_millis(500));
        for bad in ["0", "-1", "x", "NaN", "inf", "100000"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_param("A=b=c").unwrap(),
            ("A".to_owned(), "b=c".to_owned())
        );
        assert!(parse_param("=x").is_err());
        assert!(parse_param("x").is_err());
    }

    #[test]
    fn parses_ids_and_counts_with_what_they_expect() {
        assert_eq!(parse_id("10000"), Ok(10000));
        assert_eq!(
            parse_id("abc"),
            Err("expected a positive whole number, like 10000".to_owned())
        );
        assert!(parse_id("0").unwrap_err().contains("positive"));
        assert!(parse_id("-5").unwrap_err().contains("positive"));
        assert!(
            parse_id("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert_eq!(parse_jobs("64"), Ok(64));
        assert_eq!(
            parse_jobs("65"),
            Err("expected a whole number from 1 to 64".to_owned())
        );
        assert!(parse_jobs("x").is_err() && parse_jobs("0").is_err());
        assert_eq!(parse_retries("0"), Ok(0));
        assert!(parse_retries("11").unwrap_err().contains("0 to 10"));
        assert!(parse_demo_tasks("1001").unwrap_err().contains("1 to 1000"));
    }
}
