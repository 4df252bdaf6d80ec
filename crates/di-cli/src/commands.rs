//! The subcommands that talk to an endpoint: the batch commands over file ids, the two that
//! create or update one task, and `di call`.

use std::io::{IsTerminal, Read};

use di_cli::ids;
use di_proto::RpcRequest;
use di_proto::http::Method;
use di_proto::ops::{CreateDiSyncTask, Operation, UpdateDiSyncTask};
use di_proto::retry::Idempotency;
use di_ureq::Client;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::cli::{
    CallArgs, CreateArgs, GlobalArgs, MethodArg, OutputArg, ScriptArgs, TaskArgs, UpdateArgs,
};
use crate::error::{Error, Exit, Failure};
use crate::plan::{Plan, names};
use crate::report::{OUTCOME_WIDTH, left_to_do, summary, to_json, to_text, traffic, worst_exit};
use crate::run::run_batch;
use crate::{dry_run, output, settings, signals};

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
    let interrupt = signals::watch();
    let started = std::time::Instant::now();
    let bar = progress_bar(global, file_ids.len());
    let colour = output::colour_stdout(global.color);
    let reports = run_batch(
        &client,
        plan,
        args.project_id,
        &file_ids,
        usize::from(args.jobs),
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
    Ok(worst_exit(&reports))
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
            let failed = response
                .data_status_is_fail()
                .then(|| response.data_message.clone().unwrap_or_default());
            match global.output {
                OutputArg::Text => {
                    output::line(&response.body);
                    if let Some(message) = &failed {
                        eprintln!(
                            "di: {} answered Data.Status = fail: {message:?} [request id {}]",
                            args.action, response.request_id
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
                        "error": failed.as_ref().map(|message| json!({
                            "kind": "task_failed",
                            "code": Value::Null,
                            "message": message,
                        })),
                        "response": body,
                    });
                    output::line(&line.to_string());
                }
            }
            Ok(if failed.is_some() {
                Exit::Failed
            } else {
                Exit::Success
            })
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
                        "error": {
                            "kind": failure.kind,
                            "code": failure.code,
                            "message": failure.message,
                        },
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

/// `di create-sync-task`: prints the new task's file id.
///
/// # Errors
/// Usage and configuration errors, and the call's own failure.
pub(crate) fn create(global: &GlobalArgs, args: &CreateArgs) -> Result<Exit, Error> {
    let mut create =
        CreateDiSyncTask::new(args.project_id, script(&args.script)?.unwrap_or_default());
    if let Some(name) = &args.name {
        create = create.with_name(name.clone());
    }
    if let Some(param) = &args.script.task_param {
        create = create.with_task_param(param.clone());
    }
    if let Some(token) = &args.client_token {
        create = create.with_client_token(token.clone());
    }
    single(global, names::CREATE, &create, args.project_id, |client| {
        let created = client.create_di_sync_task(&create)?;
        Ok((Some(created.file_id), created.request_id))
    })
}

/// `di update-sync-task`.
///
/// # Errors
/// Usage and configuration errors, and the call's own failure.
pub(crate) fn update(global: &GlobalArgs, args: &UpdateArgs) -> Result<Exit, Error> {
    let mut update = UpdateDiSyncTask::new(args.project_id, args.file_id);
    if let Some(content) = script(&args.script)? {
        update = update.with_task_content(content);
    }
    if let Some(param) = &args.script.task_param {
        update = update.with_task_param(param.clone());
    }
    single(global, names::UPDATE, &update, args.project_id, |client| {
        let response = client.update_di_sync_task(&update)?;
        Ok((Some(args.file_id), response.request_id))
    })
}

/// One call of `operation` (checked, or signed and printed for `--dry-run`), run by `call`
/// for subcommand `command`, reported as one line: `PROJECT/FILE  OUTCOME  request id ...`
/// or a JSON object.
fn single<O: Operation>(
    global: &GlobalArgs,
    command: &'static str,
    operation: &O,
    project_id: i64,
    call: impl FnOnce(&Client) -> Result<(Option<i64>, String), di_ureq::Error>,
) -> Result<Exit, Error> {
    let request = operation
        .to_rpc_request()
        .map_err(|error| Error::Client(di_ureq::Error::Api(error)))?;
    let (config, endpoint) = settings::client_config(global)?;
    if global.dry_run {
        let credentials = settings::dry_run_credentials(global)?;
        dry_run::print_signed(&request, &config, &endpoint, &credentials, global.output)?;
        return Ok(Exit::Success);
    }
    let client = settings::client(global, &config)?;
    let (file_id, result) = match call(&client) {
        Ok((file_id, request_id)) => (file_id, Ok(request_id)),
        Err(error) => (None, Err(Failure::of(&error))),
    };
    match global.output {
        OutputArg::Json => {
            let (outcome, request_id, error) = match &result {
                Ok(request_id) => ("done", Some(request_id.clone()), Value::Null),
                Err(failure) => (
                    "failed",
                    failure.request_id.clone(),
                    json!({"kind": failure.kind, "code": failure.code, "message": failure.message}),
                ),
            };
            let line = json!({
                "project_id": project_id,
                "file_id": file_id,
                "action": command,
                "outcome": outcome,
                "request_id": request_id,
                "error": error,
            });
            output::line(&line.to_string());
        }
        OutputArg::Text => match &result {
            Ok(request_id) => output::line(&format!(
                "{project_id}/{}  {:<OUTCOME_WIDTH$}  request id {request_id}",
                file_id.map_or_else(|| "-".to_owned(), |id| id.to_string()),
                "done",
            )),
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
    fn the_progress_bar_shows_the_rate_and_the_time_left() {
        assert!(PROGRESS_TEMPLATE.contains("{per_sec}"));
        assert!(PROGRESS_TEMPLATE.contains("{eta}"));
        assert!(ProgressStyle::with_template(PROGRESS_TEMPLATE).is_ok());
    }
}
