//! The command line: every option and subcommand of `di`, and the help texts.

use std::time::Duration;

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};

use di_cli::ids::{IdRange, parse_range};

/// Shown after `di --help`: credentials, file ids, retries, exit codes.
const AFTER_LONG_HELP: &str = "\
Credentials:
  Found where the official SDKs and the aliyun CLI look, in this order:
  ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (with
  ALIBABA_CLOUD_SECURITY_TOKEN for an STS token); OIDC (ALIBABA_CLOUD_ROLE_ARN,
  ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE); the aliyun CLI's
  ~/.aliyun/config.json; ~/.alibabacloud/credentials (or credentials.ini); the ECS
  instance's RAM role; ALIBABA_CLOUD_CREDENTIALS_URI. --profile (or ALIBABA_CLOUD_PROFILE)
  picks the profile in both files. When none is found, di lists what it tried.
  --dry-run reads the environment variables only; without them it signs with the
  emulator's demo AccessKey and says so on stderr.

File ids:
  --file-id takes an id (100) or a range (100-140) and repeats; --file-ids-from reads one id
  or range per line from a file, or from stdin with '-' ('#' starts a comment). Each id is
  handled once, --jobs at a time.

Output:
  text: one line per task on stdout, a progress bar on stderr when it is a terminal, and a
  summary by outcome on stderr. json: one JSON object per task on stdout:
  {\"project_id\",\"file_id\",\"action\",\"outcome\":\"done|already_done|failed|interrupted|
  not_started\",\"request_id\",\"error\":{\"kind\",\"code\",\"message\"},\"steps\":[{\"step\",
  \"action\",\"outcome\",\"request_id\",\"retries\",\"note\"}]}, no progress bar and no summary.

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
  calls: everything but create-sync-task without --client-token, and `di call` without
  --idempotent. --retries N allows N retries after the first attempt (N+1 attempts);
  --retries 0 sends each request once.

Waiting:
  A teardown polls GetDISyncInstanceInfo after the terminate until the task is neither
  KILLING nor WAIT, then deletes; --wait (stop, terminate, start) and teardown --stop-first
  poll until the task settles (PAUSE or NORUN; RUN after a start). Polls come after
  --poll-interval (1 s by default), doubling up to 10 s; --wait-timeout (300 s by default)
  bounds all of a task's waiting.

Interrupting:
  The first Ctrl-C (or SIGTERM) starts no new task, lets the calls in flight finish, stops
  each task at its next step, reports every task, lists the ids left to do on stderr (ready
  for --file-ids-from) and exits 130. A second one quits at once.

Exit codes:
  0  everything done (or found already done)
  1  an operation failed: the service refused it (an error answer, or Data.Status = fail)
  2  usage or configuration error (bad option, missing credentials, invalid endpoint)
  3  no usable answer after the retries: network failure, timeout, throttling, or a gateway
     or proxy error page (HTTP 429, 502, 503, 504); or a wait that timed out
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
        help = "Send to this endpoint: https://host[:port], or plain http to loopback (wins over --region)"
    )]
    pub(crate) endpoint: Option<String>,

    /// Send to the DataWorks endpoint of this region (cn-shanghai, ...)
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

    /// Read timeout of each attempt, in seconds
    #[arg(long, global = true, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub(crate) timeout: Duration,

    /// Retries after the first attempt (N+1 attempts in all); 0 disables retries
    #[arg(long, global = true, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(0..=10))]
    pub(crate) retries: u32,

    /// The profile to read in ~/.aliyun/config.json and ~/.alibabacloud/credentials
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// Print the signed requests, secrets redacted, and send nothing
    #[arg(long, global = true)]
    pub(crate) dry_run: bool,

    /// Log to stderr: -v info, -vv debug, -vvv trace
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub(crate) verbose: u8,
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
    /// Create a real-time sync task from its script (CreateDISyncTask)
    ///
    /// Prints the new task's file id. The task is not deployed: deploy-sync-task next.
    CreateSyncTask(CreateArgs),
    /// Replace a sync task's script or parameters (UpdateDISyncTask)
    UpdateSyncTask(UpdateArgs),
    /// Print real-time sync tasks' scripts (GetDISyncTask)
    GetSyncTask(TaskArgs),
    /// Deploy real-time sync tasks (DeployDISyncTask)
    ///
    /// A deployed task does not run until start-sync-instance.
    DeploySyncTask(TaskArgs),
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
    GetSyncInstanceInfo(TaskArgs),
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
    Teardown(TeardownArgs),
    /// Call any DataWorks RPC action and print the response body
    ///
    /// Exits 1 when the answer says Data.Status = fail. Not retried after an attempt that may
    /// have taken effect, unless --idempotent.
    Call(CallArgs),
    /// Run the local emulator in the foreground
    ///
    /// Takes the options of the di-emulator binary (listed below), prints the base URL as the
    /// first line on stdout, and serves until Ctrl-C or SIGTERM.
    Emulator(EmulatorArgs),
    /// Walk a task through its lifecycle, then tear down demo tasks, on an in-process emulator
    ///
    /// Starts the emulator on loopback with the demo AccessKey; creates, updates, deploys,
    /// starts, stops (waiting for it to settle), undeploys and deletes one task; then tears
    /// down its tasks through the real client --jobs at a time while faults are injected (an
    /// internal error, throttling, a lost answer, a proxy's 502), and shows how the retries
    /// absorb them. No account, no network.
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
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..))]
    pub(crate) project_id: i64,

    /// A task's file id (FileId), or a range FIRST-LAST; repeatable
    #[arg(long = "file-id", value_name = "ID|FIRST-LAST", value_parser = parse_range)]
    pub(crate) file_ids: Vec<IdRange>,

    /// Read file ids from FILE (or stdin for -): one id or range per line, # comments
    #[arg(long, value_name = "FILE|-")]
    pub(crate) file_ids_from: Option<String>,

    /// The task type
    #[arg(long, value_name = "TYPE", default_value = "DI_REALTIME", value_parser = ["DI_REALTIME"])]
    pub(crate) task_type: String,

    /// How many tasks to work on at once
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) jobs: u16,
}

/// How long a task may wait for the service to settle, and how often it polls.
#[derive(Debug, Args)]
pub(crate) struct SettleArgs {
    /// The most each task may spend waiting for the service to settle: its waits, and
    /// changes sent again after the task was seen changing state (exit 3 when it runs out)
    #[arg(long, value_name = "SECONDS", default_value = "300", value_parser = parse_seconds)]
    pub(crate) wait_timeout: Duration,

    /// The first interval between two polls of GetDISyncInstanceInfo (it doubles, up to 10 s)
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_seconds)]
    pub(crate) poll_interval: Duration,
}

/// `--wait`, with [`SettleArgs`].
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// Then poll GetDISyncInstanceInfo until the task settles
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
    /// The wait.
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// Tasks to start.
#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// The tasks.
    #[command(flatten)]
    pub(crate) tasks: TaskArgs,

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

    /// The task's parameters (TaskParam), a JSON object: FileFolderPath, ResourceGroup
    #[arg(long, value_name = "JSON")]
    pub(crate) task_param: Option<String>,
}

/// A task to create.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("script").required(true).args(["content", "content_from"])))]
pub(crate) struct CreateArgs {
    /// The DataWorks workspace id (ProjectId)
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..))]
    pub(crate) project_id: i64,

    /// The task's name (TaskName)
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// The script and parameters.
    #[command(flatten)]
    pub(crate) script: ScriptArgs,

    /// A client token (ClientToken): a repeat with the same token returns the same task, so
    /// the call is retried even after an attempt that may have taken effect
    #[arg(long, value_name = "TOKEN")]
    pub(crate) client_token: Option<String>,
}

/// A task to update.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("change").required(true).multiple(true)
    .args(["content", "content_from", "task_param"])))]
pub(crate) struct UpdateArgs {
    /// The DataWorks workspace id (ProjectId)
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..))]
    pub(crate) project_id: i64,

    /// The task's file id (FileId)
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..))]
    pub(crate) file_id: i64,

    /// The script and parameters.
    #[command(flatten)]
    pub(crate) script: ScriptArgs,
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

Logs one line per request to stderr. The demo AccessKey is LTAI5tDemoAccessKeyId /
DemoAccessKeySecretForLocalUse1 (not a real key).")]
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
    /// How many demo tasks to tear down
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub(crate) tasks: u16,

    /// How many tasks to work on at once
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
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
}
