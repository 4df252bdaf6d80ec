//! The subcommands that talk to an endpoint: the batch commands over file ids (or, for a
//! teardown, over the tasks named like a glob), the two that create or update one task (at
//! once, or through a generated configuration), `list-sync-tasks`, and `di call`.

use std::io::{IsTerminal, Read};

use di_ids as ids;
use di_proto::RpcRequest;
use di_proto::flow::ConfigOutcome;
use di_proto::http::Method;
use di_proto::ops::{
    CreateDiSyncTask, FileType, GenerateDiSyncTaskConfigForCreating,
    GenerateDiSyncTaskConfigForUpdating, ListFiles, Operation, TaskType, UpdateDiSyncTask,
};
use di_proto::retry::Idempotency;
use di_ureq::Client;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::cli::{
    CallArgs, CreateArgs, GlobalArgs, ListArgs, MethodArg, NameGlob, OutputArg, ScriptArgs,
    TaskArgs, TeardownArgs, UpdateArgs, wait_policy,
};
use crate::error::{Error, Exit, Failure};
use crate::plan::{Plan, names};
use crate::report::{
    OUTCOME_WIDTH, error_json, left_to_do, summary, to_json, to_text, traffic, worst_exit,
};
use crate::run::run_batch;
use crate::{dry_run, listing, output, settings, signals};

/// The batch commands: `plan` on every file id of `args`.
///
/// # Errors
/// Usage and configuration errors; a task's own failure is in its report and the exit.
pub(crate) fn tasks(global: &GlobalArgs, args: &TaskArgs, plan: &Plan) -> Result<Exit, Error> {
    let mut ranges = args.file_ids.clone();
    if args
        .file_ids_from
        .iter()
        .filter(|path| *path == "-")
        .count()
        > 1
    {
        return Err(Error::Usage(
            "--file-ids-from - is given more than once: stdin can be read once".to_owned(),
        ));
    }
    for path in &args.file_ids_from {
        let (name, text) = read_text(path)?;
        ranges.extend(ids::parse_list(&text, &name)?);
    }
    let file_ids = ids::expand(&ranges)?;
    let (config, endpoint) = settings::client_config(global)?;

    if global.dry_run {
        let credentials = settings::dry_run_credentials(global)?;
        for &file_id in &file_ids {
            let requests = plan
                .requests(args.project_id, file_id)
                .map_err(|error| Error::Client(di_ureq::Error::Api(error)))?;
            for request in &requests {
                dry_run::print_signed(request, &config, &endpoint, &credentials, global.output)?;
            }
        }
        return Ok(Exit::Success);
    }

    let client = settings::client(global, &config)?;
    Ok(batch(
        global,
        &client,
        plan,
        args.project_id,
        &file_ids,
        args.jobs,
    ))
}

/// `di teardown --select-name`: the real-time tasks whose names match, listed, shown on
/// stderr, confirmed (`--yes`, or a `y` at the terminal), then torn down as `plan` says, as
/// [`tasks`] does with ids.
///
/// # Errors
/// Usage and configuration errors; without `--yes` and without a terminal to ask on,
/// [`Error::Usage`] after the listing; the listing's own failure.
pub(crate) fn teardown_selected(
    global: &GlobalArgs,
    args: &TeardownArgs,
    glob: &NameGlob,
    plan: &Plan,
) -> Result<Exit, Error> {
    let project_id = args.tasks.project_id;
    let listing = listing::listing(
        project_id,
        vec![FileType::REALTIME_SYNC],
        args.folder.as_deref(),
    );
    let (config, endpoint) = settings::client_config(global)?;
    if global.dry_run {
        let request = listing
            .to_rpc_request()
            .map_err(|error| Error::Client(di_ureq::Error::Api(error)))?;
        let credentials = settings::dry_run_credentials(global)?;
        dry_run::print_signed(&request, &config, &endpoint, &credentials, global.output)?;
        if !global.quiet {
            eprintln!(
                "note: --select-name: the tasks are those this listing finds (every page); a dry \
                 run sends nothing, so it shows no teardown requests"
            );
        }
        return Ok(Exit::Success);
    }
    let client = settings::client(global, &config)?;
    let rows = match client.list_all(listing) {
        Ok(records) => listing::select(records, Some(glob)),
        Err(error) => return Ok(listing_failed(global, names::TEARDOWN, &error)),
    };
    let place = args
        .folder
        .as_deref()
        .map(|folder| format!(" in folder {folder:?}"))
        .unwrap_or_default();
    if rows.is_empty() {
        if !global.quiet {
            eprintln!(
                "di: no real-time task of workspace {project_id}{place} is named like {:?}; \
                 nothing to tear down",
                glob.as_str()
            );
        }
        return Ok(Exit::Success);
    }
    let count = rows.len();
    let tasks = format!("{count} task{}", if count == 1 { "" } else { "s" });
    // What is about to go, on stderr: stdout holds the task lines (or objects) of the
    // teardown, as for ids. Shown even with --quiet when there is a question to answer.
    if !global.quiet || !args.yes {
        eprint!(
            "{tasks} of workspace {project_id}{place} named like {:?}:\n{}",
            glob.as_str(),
            listing::table(&rows)
        );
    }
    if !args.yes {
        match listing::ask(&format!("Tear down {tasks}?")) {
            Some(true) => {}
            Some(false) => {
                eprintln!("di: not confirmed; nothing torn down");
                return Ok(Exit::Failed);
            }
            None => {
                return Err(Error::Usage(format!(
                    "--select-name {:?} selects {tasks}; stdin is not a terminal, so di cannot \
                     ask: pass --yes to tear them down (nothing was sent but the listing)",
                    glob.as_str()
                )));
            }
        }
    }
    let file_ids: Vec<i64> = rows.iter().map(|row| row.file_id).collect();
    Ok(batch(
        global,
        &client,
        plan,
        project_id,
        &file_ids,
        args.tasks.jobs,
    ))
}

/// `plan` on `file_ids` of `project_id`, `jobs` at a time, each task reported as it ends,
/// then the summary and the ids left to do; the exit of the worst task.
fn batch(
    global: &GlobalArgs,
    client: &Client,
    plan: &Plan,
    project_id: i64,
    file_ids: &[i64],
    jobs: u16,
) -> Exit {
    let interrupt = signals::watch();
    let started = std::time::Instant::now();
    let bar = progress_bar(global, file_ids.len());
    let colour = output::colour_stdout(global.color);
    let reports = run_batch(
        client,
        plan,
        project_id,
        file_ids,
        usize::from(jobs),
        &interrupt,
        |report| {
            let line = match global.output {
                OutputArg::Json => to_json(report, plan).to_string(),
                OutputArg::Text => output::task_line(to_text(report, plan), report.outcome, colour),
            };
            bar.suspend(|| output::line(&line));
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    if global.output == OutputArg::Text && !global.quiet {
        eprintln!("{}", summary(&reports));
        eprintln!("{}", traffic(&client.rate_stats(), started.elapsed()));
    }
    if let Some(ids) = left_to_do(&reports) {
        eprintln!(
            "di: interrupted; left to do (cut short or not started), one per line as \
             --file-ids-from reads them:\n{ids}"
        );
    }
    worst_exit(&reports)
}

/// `di list-sync-tasks`: the workspace's sync tasks, every page, those named like `--name`;
/// a table (text) or one object per task (json).
///
/// # Errors
/// Usage and configuration errors; the listing's own failure is reported and exits as a
/// call's does.
pub(crate) fn list(global: &GlobalArgs, args: &ListArgs) -> Result<Exit, Error> {
    let listing = listing::listing(
        args.project_id,
        listing::file_types(args.kind),
        args.folder.as_deref(),
    );
    let request = listing
        .to_rpc_request()
        .map_err(|error| Error::Client(di_ureq::Error::Api(error)))?;
    let (config, endpoint) = settings::client_config(global)?;
    if global.dry_run {
        let credentials = settings::dry_run_credentials(global)?;
        dry_run::print_signed(&request, &config, &endpoint, &credentials, global.output)?;
        return Ok(Exit::Success);
    }
    let client = settings::client(global, &config)?;
    let rows = match client.list_all(listing) {
        Ok(records) => listing::select(records, args.name.as_ref()),
        Err(error) => return Ok(listing_failed(global, names::LIST, &error)),
    };
    match global.output {
        OutputArg::Text => output::line(&listing::table(&rows)),
        OutputArg::Json => {
            for row in &rows {
                output::line(&row.to_json().to_string());
            }
        }
    }
    Ok(Exit::Success)
}

/// Reports a listing (for subcommand `command`) that failed, on stderr for text, as one
/// object on stdout for json (as `di call` reports a failure), and returns its exit.
fn listing_failed(global: &GlobalArgs, command: &str, error: &di_ureq::Error) -> Exit {
    let failure = Failure::of(error);
    match global.output {
        OutputArg::Text => report_error(&failure),
        OutputArg::Json => output::line(
            &json!({
                "action": command,
                "api_action": ListFiles::ACTION,
                "outcome": "failed",
                "request_id": failure.request_id,
                "error": error_json(&failure),
            })
            .to_string(),
        ),
    }
    failure.exit
}

/// The progress bar's line: the bar, the tasks ended, the rate, the time left, the time
/// spent.
const PROGRESS_TEMPLATE: &str =
    "{bar:40} {pos}/{len} tasks, {per_sec}, {eta} left [{elapsed}] {msg}";

/// A progress bar on stderr when it is a terminal, the output is text and not `--quiet`;
/// hidden otherwise.
fn progress_bar(global: &GlobalArgs, len: usize) -> ProgressBar {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    if global.output != OutputArg::Text || global.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(PROGRESS_TEMPLATE)
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()).with_style(style)
}

/// `di call`: any action; prints the response body.
///
/// # Errors
/// Usage and configuration errors, and the call's own failure.
pub(crate) fn call(global: &GlobalArgs, args: &CallArgs) -> Result<Exit, Error> {
    let method = match args.method {
        MethodArg::Get => Method::GET,
        MethodArg::Post => Method::POST,
        MethodArg::Put => Method::PUT,
    };
    let mut request = RpcRequest::new(args.action.clone(), args.api_version.clone())
        .with_method(method)
        .with_idempotency(if args.idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        });
    for (name, value) in &args.params {
        request = request.query_param(name.clone(), value.clone());
    }
    for (name, value) in &args.body_params {
        request = request.body_param(name.clone(), value.clone());
    }
    let (config, endpoint) = settings::client_config(global)?;
    if global.dry_run {
        let credentials = settings::dry_run_credentials(global)?;
        dry_run::print_signed(&request, &config, &endpoint, &credentials, global.output)?;
        return Ok(Exit::Success);
    }
    let client = settings::client(global, &config)?;
    match client.call(&request) {
        Ok(response) => {
            // The answer arrived, but says that the action failed: no code (the call is not
            // classified), the answer's message.
            let failed = response.data_status_is_fail().then(|| Failure {
                kind: "task_failed",
                code: None,
                message: response.data_message.clone().unwrap_or_default(),
                request_id: Some(response.request_id.clone()),
                exit: Exit::Failed,
            });
            match global.output {
                OutputArg::Text => {
                    output::line(&response.body);
                    if let Some(failure) = &failed {
                        eprintln!(
                            "di: {} answered Data.Status = fail: {:?} [request id {}]",
                            args.action, failure.message, response.request_id
                        );
                    }
                }
                OutputArg::Json => {
                    let body = serde_json::from_str::<Value>(&response.body)
                        .unwrap_or_else(|_| Value::from(response.body.clone()));
                    let line = json!({
                        "action": names::CALL,
                        "api_action": args.action,
                        "outcome": if failed.is_some() { "failed" } else { "done" },
                        "request_id": response.request_id,
                        "http_status": response.status.as_u16(),
                        "error": failed.as_ref().map(error_json),
                        "response": body,
                    });
                    output::line(&line.to_string());
                }
            }
            Ok(failed.map_or(Exit::Success, |failure| failure.exit))
        }
        Err(error) => {
            let failure = Failure::of(&error);
            match global.output {
                OutputArg::Text => report_error(&failure),
                OutputArg::Json => {
                    let line = json!({
                        "action": names::CALL,
                        "api_action": args.action,
                        "outcome": "failed",
                        "request_id": failure.request_id,
                        "error": error_json(&failure),
                    });
                    output::line(&line.to_string());
                }
            }
            Ok(failure.exit)
        }
    }
}

/// Reads the text at `path`, or stdin for `-`; returns its name for messages (`<stdin>`) and
/// the text.
///
/// # Errors
/// [`Error::Read`] when it cannot be read.
fn read_text(path: &str) -> Result<(String, String), Error> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| Error::Read {
                path: "<stdin>".to_owned(),
                source,
            })?;
        Ok(("<stdin>".to_owned(), text))
    } else {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok((path.to_owned(), text))
    }
}

/// Prints a failed call's kind and message (which holds the request id) on stderr.
fn report_error(failure: &Failure) {
    eprintln!("di: {}", failure.describe());
}

/// The script and parameters of `args`: the script inline or read from its file.
fn script(args: &ScriptArgs) -> Result<Option<String>, Error> {
    match (&args.content, &args.content_from) {
        (Some(content), _) => Ok(Some(content.clone())),
        (None, Some(path)) => Ok(Some(read_text(path)?.1)),
        (None, None) => Ok(None),
    }
}

/// `di create-sync-task`: prints the new task's file id. DI_OFFLINE: one
/// `CreateDISyncTask`; DI_REALTIME and DI_SOLUTION: the asynchronous flow (generate, poll,
/// create), whose first request is what `--dry-run` prints.
///
/// # Errors
/// Usage and configuration errors (a name or parameters the create cannot take are refused
/// before the process is started), and the call's own failure.
pub(crate) fn create(global: &GlobalArgs, args: &CreateArgs) -> Result<Exit, Error> {
    let script = script(&args.script)?.unwrap_or_default();
    let task_param =
        task_param_with_folder(args.script.task_param.as_deref(), args.folder.as_deref())?;
    // The create as it will go: checked now, so that a bad name or TaskParam is refused
    // before a process is started for nothing.
    let mut create = CreateDiSyncTask::new(args.project_id, args.task_type, script.clone());
    if let Some(name) = &args.name {
        create = create.with_name(name.clone());
    }
    if let Some(param) = &task_param {
        create = create.with_task_param(param.clone());
    }
    if let Some(token) = &args.client_token {
        create = create.with_client_token(token.clone());
    }
    if args.task_type == TaskType::DiOffline {
        return single(global, names::CREATE, &create, args.project_id, |client| {
            let created = client.create_di_sync_task(&create)?;
            Ok(Done::call(created.file_id, created.request_id))
        });
    }
    create.to_rpc_request().map_err(api_error)?;
    let token = match &args.client_token {
        Some(token) => token.clone(),
        None => client_token()?,
    };
    let generate =
        GenerateDiSyncTaskConfigForCreating::new(args.project_id, args.task_type, script)
            .with_client_token(token);
    let wait = wait_policy(args.process.poll_interval, args.process.wait_timeout);
    single(
        global,
        names::CREATE,
        &generate,
        args.project_id,
        |client| {
            let mut flow = client.config_create(generate.clone(), &wait);
            if let Some(name) = &args.name {
                flow = flow.with_task_name(name.clone());
            }
            if let Some(param) = &task_param {
                flow = flow.with_task_param(param.clone());
            }
            client.run(flow).map(Done::generated)
        },
    )
}

/// `di update-sync-task`. DI_OFFLINE: one `UpdateDISyncTask`; DI_REALTIME and DI_SOLUTION:
/// the asynchronous flow (generate from the change, poll, update), whose first request is
/// what `--dry-run` prints.
///
/// # Errors
/// Usage and configuration errors, and the call's own failure.
pub(crate) fn update(global: &GlobalArgs, args: &UpdateArgs) -> Result<Exit, Error> {
    let content = script(&args.script)?;
    if args.task_type == TaskType::DiOffline {
        let mut update = UpdateDiSyncTask::new(args.project_id, args.file_id);
        if let Some(content) = content {
            update = update.with_task_content(content);
        }
        if let Some(param) = &args.script.task_param {
            update = update.with_task_param(param.clone());
        }
        return single(global, names::UPDATE, &update, args.project_id, |client| {
            let response = client.update_di_sync_task(&update)?;
            Ok(Done::call(args.file_id, response.request_id))
        });
    }
    let change = match (content, &args.script.task_param) {
        (Some(content), None) => content,
        (None, Some(param)) => param.clone(),
        _ => {
            return Err(Error::Usage(format!(
                "update-sync-task --task-type {}: give the change once, with --content, \
                 --content-from or --task-param: GenerateDISyncTaskConfigForUpdating takes one \
                 TaskParam, and the update then sends the script it generates",
                args.task_type
            )));
        }
    };
    let generate = GenerateDiSyncTaskConfigForUpdating::new(
        args.project_id,
        args.task_type,
        args.file_id,
        change,
    )
    .with_client_token(client_token()?);
    let wait = wait_policy(args.process.poll_interval, args.process.wait_timeout);
    single(
        global,
        names::UPDATE,
        &generate,
        args.project_id,
        |client| {
            client
                .run(client.config_update(generate.clone(), &wait))
                .map(Done::generated)
        },
    )
}

/// `--task-param` with `--folder` as its `FileFolderPath`.
///
/// # Errors
/// [`Error::Usage`] when `--folder` is given and `--task-param` is not a JSON object, or
/// names another folder.
fn task_param_with_folder(
    task_param: Option<&str>,
    folder: Option<&str>,
) -> Result<Option<String>, Error> {
    let Some(folder) = folder else {
        return Ok(task_param.map(str::to_owned));
    };
    let mut object = match task_param.map(serde_json::from_str::<Value>) {
        None => serde_json::Map::new(),
        Some(Ok(Value::Object(object))) => object,
        Some(_) => {
            return Err(Error::Usage(
                "--task-param must be a JSON object (such as {\"ResourceGroup\":\"...\"})"
                    .to_owned(),
            ));
        }
    };
    match object.get(FOLDER_PARAM) {
        Some(Value::String(given)) if given == folder => {}
        Some(given) => {
            return Err(Error::Usage(format!(
                "--folder {folder:?} and --task-param's {FOLDER_PARAM} {given} disagree: give the \
                 folder once"
            )));
        }
        None => {
            object.insert(FOLDER_PARAM.to_owned(), Value::from(folder));
        }
    }
    Ok(Some(Value::Object(object).to_string()))
}

/// The member of `TaskParam` that names the task's folder.
const FOLDER_PARAM: &str = "FileFolderPath";

/// A client token for the call that starts a config process: `di-` and 32 hex digits from
/// the operating system's random source, so that a retry of that call (after an answer that
/// was lost) finds the same process instead of starting a second.
///
/// # Errors
/// [`Error::Usage`] when the random source fails.
fn client_token() -> Result<String, Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| {
        Error::Usage(format!(
            "the operating system's random number generator failed: {error}"
        ))
    })?;
    Ok(format!("di-{}", di_proto::nonce_from_bytes(bytes)))
}

/// An operation's argument error, as the CLI reports it (exit 2).
fn api_error(error: di_proto::Error) -> Error {
    Error::Client(di_ureq::Error::Api(error))
}

/// What a create or an update did: the task, the request id of its last call, and the
/// config process it went through, if any.
struct Done {
    file_id: i64,
    request_id: String,
    process: Option<ConfigOutcome>,
}

impl Done {
    /// One call.
    fn call(file_id: i64, request_id: String) -> Done {
        Done {
            file_id,
            request_id,
            process: None,
        }
    }

    /// The asynchronous flow.
    fn generated(outcome: ConfigOutcome) -> Done {
        Done {
            file_id: outcome.file_id,
            request_id: outcome.request_id.clone(),
            process: Some(outcome),
        }
    }
}

/// `operation` (checked, or signed and printed for `--dry-run`), then `call`, for subcommand
/// `command`, reported as one line: `PROJECT/FILE  OUTCOME  request id ...` (and the config
/// process, for a generated task) or a JSON object.
fn single<O: Operation>(
    global: &GlobalArgs,
    command: &'static str,
    operation: &O,
    project_id: i64,
    call: impl FnOnce(&Client) -> Result<Done, di_ureq::Error>,
) -> Result<Exit, Error> {
    let request = operation.to_rpc_request().map_err(api_error)?;
    let (config, endpoint) = settings::client_config(global)?;
    if global.dry_run {
        let credentials = settings::dry_run_credentials(global)?;
        dry_run::print_signed(&request, &config, &endpoint, &credentials, global.output)?;
        return Ok(Exit::Success);
    }
    let client = settings::client(global, &config)?;
    let result = call(&client).map_err(|error| Failure::of(&error));
    match global.output {
        OutputArg::Json => {
            let mut line = json!({
                "project_id": project_id,
                "file_id": result.as_ref().ok().map(|done| done.file_id),
                "action": command,
                "outcome": if result.is_ok() { "done" } else { "failed" },
                "request_id": match &result {
                    Ok(done) => Some(done.request_id.clone()),
                    Err(failure) => failure.request_id.clone(),
                },
                "error": result.as_ref().err().map(error_json),
            });
            if let (
                Ok(Done {
                    process: Some(process),
                    ..
                }),
                Value::Object(object),
            ) = (&result, &mut line)
            {
                object.insert("process_id".to_owned(), Value::from(process.process_id));
                object.insert("polls".to_owned(), Value::from(process.polls));
            }
            output::line(&line.to_string());
        }
        OutputArg::Text => match &result {
            Ok(done) => {
                let mut text = format!(
                    "{project_id}/{}  {:<OUTCOME_WIDTH$}  request id {}",
                    done.file_id, "done", done.request_id
                );
                if let Some(process) = &done.process {
                    text.push_str(&format!(
                        " (config process {}, {} poll{})",
                        process.process_id,
                        process.polls,
                        if process.polls == 1 { "" } else { "s" }
                    ));
                }
                output::line(&text);
            }
            Err(failure) => report_error(failure),
        },
    }
    Ok(match result {
        Ok(_) => Exit::Success,
        Err(failure) => failure.exit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_goes_into_task_param_once() {
        assert_eq!(task_param_with_folder(None, None).unwrap(), None);
        assert_eq!(
            task_param_with_folder(Some("[1]"), None)
                .unwrap()
                .as_deref(),
            Some("[1]"),
            "without --folder, the operation checks --task-param"
        );
        assert_eq!(
            task_param_with_folder(None, Some("a/b"))
                .unwrap()
                .as_deref(),
            Some(r#"{"FileFolderPath":"a/b"}"#)
        );
        let merged: Value = serde_json::from_str(
            &task_param_with_folder(Some(r#"{"ResourceGroup":"rg"}"#), Some("a/b"))
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            merged,
            json!({"ResourceGroup": "rg", "FileFolderPath": "a/b"})
        );
        assert!(task_param_with_folder(Some(r#"{"FileFolderPath":"a/b"}"#), Some("a/b")).is_ok());
        for bad in [r#"{"FileFolderPath":"c"}"#, "[]", "not json"] {
            assert!(
                matches!(
                    task_param_with_folder(Some(bad), Some("a/b")),
                    Err(Error::Usage(_))
                ),
                "{bad}"
            );
        }
        let token = client_token().unwrap();
        assert!(
            token.len() <= 64 && token.bytes().all(|b| b.is_ascii_graphic()),
            "{token}"
        );
        assert_ne!(token, client_token().unwrap());
    }

    #[test]
    fn the_progress_bar_shows_the_rate_and_the_time_left() {
        assert!(PROGRESS_TEMPLATE.contains("{per_sec}"));
        assert!(PROGRESS_TEMPLATE.contains("{eta}"));
        assert!(ProgressStyle::with_template(PROGRESS_TEMPLATE).is_ok());
    }
}
