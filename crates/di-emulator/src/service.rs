//! The service behind the gateway: what each action requires ([`contract`]), the real-time
//! task lifecycle over the task state, the asynchronous config processes ([`crate::process`]) and
//! the discovery actions ([`discovery`]).
//!
//! `CreateDISyncTask` makes an undeployed task (a batch task, a real-time task or a
//! solution); `DeployDISyncTask` deploys it (`NORUN`); `StartDISyncInstance` starts it
//! (`WAIT`, then `RUN`); `StopDISyncInstance` stops it (`KILLING`, then `PAUSE`);
//! `TerminateDISyncInstance` undeploys it (`KILLING`, then `NORUN`, whether it was running,
//! paused or never started); `DeleteDISyncTask` deletes an undeployed task.
//! `GetDISyncInstanceInfo` reports the run status, `GetDISyncTask` the script,
//! `UpdateDISyncTask` replaces it: a batch task's at once, a real-time task's or a solution's
//! only with the script a config process for updating it generated.
//!
//! Before any of it, every action's contract is checked: a missing (or empty) required
//! parameter is HTTP 400 `Missing{Name}` (`MissingParameter` when either of two would do), a
//! `TaskType` outside the action's documented set HTTP 400 `Param.Invalid`. A task is found
//! by workspace, file id and type: another type's task is as unknown as a missing one.
//!
//! The changes answer HTTP 200 either way, as DataWorks does: `Data.Status` is `success`
//! when the task moved, `fail` with a `Message` when it could not (unknown task, a task not in
//! a state the action applies to, or a change still settling). How long a change takes to
//! settle is the config's [`Settle`], measured on the `uptime` clock passed in; deploys and
//! deletes apply at once. The unknown task's message is the documented one
//! ([`messages::invalid`]); the others are worded as the config's [`Messages`] asks.

use std::collections::HashMap;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use di_proto::Timestamp;
use di_proto::http::StatusCode;
use serde_json::{Value, json};

use crate::config::DEMO_OWNER_ID;
use crate::contract::{self, Contract, Workspace};
use crate::discovery;
use crate::gateway::{self, Refusal, Verified};
use crate::messages::{self, Messages, Refused};
use crate::process::{PROCESS_RUNNING, Progress, Purpose};
use crate::render;
use crate::state::{Settle, Shared, Task, TaskState, TaskType};

/// The first file id `CreateDISyncTask` hands out, when no task has a larger one.
const FIRST_CREATED_FILE_ID: i64 = 1000;

/// Answers one request as the gateway and then the service would; `now` is the emulator's
/// wall clock, `uptime` its monotonic clock (time since it started), which times how long
/// changes take to settle and config processes to finish. Never panics, whatever the
/// request.
pub(crate) fn answer(
    shared: &Shared,
    request: &http::Request<Bytes>,
    now: Timestamp,
    uptime: Duration,
) -> http::Response<Bytes> {
    let format = gateway::requested_format(request.headers(), request.uri().query());
    let request_id = render::request_id(shared.request_ids.fetch_add(1, Ordering::Relaxed));
    let mut retry_after = None;
    let mut error_fields = false;
    let result = gateway::verify(shared, request, now).and_then(|verified| {
        // The flow control counts the calls it lets through, per AccessKey.
        let rules = &shared.config.rate_rules;
        if let Err(throttled) =
            shared
                .flow_control
                .admit(rules, &verified.access_key_id, &verified.action, uptime)
        {
            shared.throttled.fetch_add(1, Ordering::Relaxed);
            retry_after = Some(throttled.retry_after);
            return Err(Refusal {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: throttled.code.to_owned(),
                message: throttled.message.to_owned(),
            });
        }
        error_fields = contract::of(&verified.action).is_some_and(|served| served.error_fields);
        serve(shared, &verified, now, uptime)
    });
    let mut response = match result {
        Ok((action, data)) => {
            render::success(format, action, &request_id, &data, error_fields, now)
        }
        Err(refusal) => {
            let host_id = request
                .headers()
                .get(http::header::HOST)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("127.0.0.1");
            render::error(
                format,
                refusal.status,
                &refusal.code,
                &refusal.message,
                &request_id,
                host_id,
                error_fields,
                now,
            )
        }
    };
    if let Some(wait) = retry_after {
        let millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        response
            .headers_mut()
            .insert("x-acs-retry-after", http::HeaderValue::from(millis));
    }
    response
}

/// A served action's name and `Data`.
type Served = (&'static str, Value);

/// The request's parameters.
type Params = HashMap<String, String>;

fn serve(
    shared: &Shared,
    verified: &Verified,
    now: Timestamp,
    uptime: Duration,
) -> Result<Served, Refusal> {
    let contract = contract::of(&verified.action)
        .ok_or_else(|| param_invalid("The action is not served here."))?;
    let action = contract.action;
    let params = &verified.params;
    check_required(contract, params)?;
    let project_id = workspace(shared, contract, params)?;
    let task_type = requested_type(contract, params)?;
    if !gateway::may_access(shared, &verified.access_key_id, project_id) {
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            code: "Forbidden.Access".to_owned(),
            message: "Access is forbidden.".to_owned(),
        });
    }
    let now_ms = now.unix_seconds().saturating_mul(1000);
    let data = match (action, task_type) {
        ("ListFiles", _) => discovery::list_files(&lock_tasks(shared), project_id, params)?,
        ("GetFile", _) => discovery::get_file(&lock_tasks(shared), project_id, params)?,
        ("ListFolders", _) => discovery::list_folders(&lock_tasks(shared), project_id, params)?,
        ("ListRefDISyncTasks", Some(task_type)) => {
            discovery::list_ref_tasks(&lock_tasks(shared), project_id, task_type, params)?
        }
        ("GenerateDISyncTaskConfigForCreating", Some(task_type)) => start_process(
            shared,
            project_id,
            task_type,
            Purpose::Creating,
            params,
            uptime,
        ),
        ("GenerateDISyncTaskConfigForUpdating", Some(task_type)) => {
            let file_id = positive_param(params, "TaskId")?;
            let exists = lock_tasks(shared)
                .get(&(project_id, file_id))
                .is_some_and(|task| {
                    task.state != TaskState::Deleted && task.task_type == task_type
                });
            if !exists {
                fail(&messages::invalid(file_id))
            } else {
                let purpose = Purpose::Updating { file_id };
                start_process(shared, project_id, task_type, purpose, params, uptime)
            }
        }
        ("QueryDISyncTaskConfigProcessResult", Some(task_type)) => {
            let id = positive_param(params, "AsyncProcessId")?;
            let progress = shared
                .processes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .query(project_id, task_type, id, uptime);
            match progress {
                None => fail(&format!("processId:[{id}] is invalid.")),
                // Not a documented value: see `PROCESS_RUNNING`.
                Some(Progress::Running) => json!({"Status": PROCESS_RUNNING}),
                Some(Progress::Succeeded(script)) => {
                    json!({"Status": "success", "TaskContent": script})
                }
                Some(Progress::Failed(message)) => fail(&message),
            }
        }
        (_, Some(task_type)) => {
            let change = Change {
                project_id,
                task_type,
                now_ms,
                uptime,
            };
            lifecycle(shared, action, params, &change)?
        }
        (_, None) => return Err(param_invalid("The action is not served here.")),
    };
    Ok((action, data))
}

/// Refuses the first required parameter of `contract` that is missing or empty, in the fact
/// sheet's (alphabetical) order, `ProjectId` included; then, for the discovery actions, a
/// request with neither `ProjectId` nor `ProjectIdentifier`.
fn check_required(contract: &Contract, params: &Params) -> Result<(), Refusal> {
    let given = |name: &str| params.get(name).is_some_and(|value| !value.is_empty());
    let mut required = contract.required.to_vec();
    if contract.workspace == Workspace::Id {
        required.push("ProjectId");
        required.sort_unstable();
    }
    if let Some(missing) = required.into_iter().find(|name| !given(name)) {
        return Err(Refusal::missing(missing));
    }
    if contract.workspace == Workspace::IdOrIdentifier
        && !given("ProjectId")
        && !given("ProjectIdentifier")
    {
        return Err(Refusal::missing_either("ProjectId", "ProjectIdentifier"));
    }
    Ok(())
}

/// The workspace the request names: `ProjectId`, or for the discovery actions
/// `ProjectIdentifier` when no `ProjectId` is given (a configured workspace name).
fn workspace(shared: &Shared, contract: &Contract, params: &Params) -> Result<i64, Refusal> {
    let identifier = params
        .get("ProjectIdentifier")
        .filter(|_| contract.workspace == Workspace::IdOrIdentifier)
        .filter(|_| params.get("ProjectId").is_none_or(String::is_empty));
    match identifier {
        None => positive_param(params, "ProjectId"),
        Some(identifier) => shared
            .config
            .project_identifiers
            .iter()
            .find(|(_, name)| name == identifier)
            .map(|(id, _)| *id)
            .ok_or_else(|| param_invalid("ProjectIdentifier names no workspace.")),
    }
}

/// The `TaskType` asked for, which must be one of `contract`'s; `None` for an action without
/// one.
fn requested_type(contract: &Contract, params: &Params) -> Result<Option<TaskType>, Refusal> {
    if contract.task_types.is_empty() {
        return Ok(None);
    }
    let asked = params
        .get("TaskType")
        .and_then(|text| TaskType::from_wire(text))
        .filter(|task_type| contract.task_types.contains(task_type));
    match asked {
        Some(task_type) => Ok(Some(task_type)),
        None if contract.task_types.len() == 1 => Err(param_invalid(&format!(
            "TaskType must be {}.",
            contract::task_type_list(contract)
        ))),
        None => Err(param_invalid(&format!(
            "TaskType must be one of {}.",
            contract::task_type_list(contract)
        ))),
    }
}

fn lock_tasks(shared: &Shared) -> std::sync::MutexGuard<'_, HashMap<(i64, i64), Task>> {
    shared.tasks.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts a config process; `Data` with its `ProcessId`.
fn start_process(
    shared: &Shared,
    project_id: i64,
    task_type: TaskType,
    purpose: Purpose,
    params: &Params,
    uptime: Duration,
) -> Value {
    let task_param = params
        .get("TaskParam")
        .map(String::as_str)
        .unwrap_or_default();
    let ready_at = uptime.saturating_add(shared.config.process_delay);
    let id = shared
        .processes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .start(
            project_id,
            task_type,
            purpose,
            task_param,
            params.get("ClientToken").map(String::as_str),
            ready_at,
        );
    json!({"Status": "success", "ProcessId": id})
}

/// What a change of the DISyncTask family is made in.
struct Change {
    project_id: i64,
    task_type: TaskType,
    /// The wall clock, for `CreateTime` and `LastEditTime`.
    now_ms: i64,
    /// The emulator's clock, for settling.
    uptime: Duration,
}

/// The DISyncTask family: create, update, read, and the lifecycle changes.
fn lifecycle(
    shared: &Shared,
    action: &'static str,
    params: &Params,
    change: &Change,
) -> Result<Value, Refusal> {
    for name in ["TaskParam", "StartParam"] {
        if let Some(value) = params.get(name)
            && !matches!(serde_json::from_str::<Value>(value), Ok(Value::Object(_)))
        {
            return Err(param_invalid(&format!("{name} must be a JSON object.")));
        }
    }
    if let Some(content) = params.get("TaskContent")
        && serde_json::from_str::<Value>(content).is_err()
    {
        return Err(param_invalid("TaskContent must be JSON."));
    }
    let folder = match params.get("TaskParam") {
        None => None,
        Some(param) => folder_of(param)?,
    };

    let mut tasks = lock_tasks(shared);
    if action == "CreateDISyncTask" {
        return create(shared, &mut tasks, params, change, folder);
    }
    let (project_id, uptime) = (change.project_id, change.uptime);
    let file_id = positive_param(params, "FileId")?;
    let settles_at = match shared.config.settle {
        Settle::Immediately => None,
        Settle::After(delay) => Some(uptime.saturating_add(delay)),
        Settle::Never => Some(Duration::MAX),
    };
    let Some(task) = tasks
        .get_mut(&(project_id, file_id))
        .filter(|task| task.state != TaskState::Deleted && task.task_type == change.task_type)
    else {
        return Ok(fail(&messages::invalid(file_id)));
    };
    let settled = task.is_settled(uptime);
    if settled {
        task.settles_at = None;
    }
    let wording: Messages = shared.config.messages;
    let refuse = |reason| fail(&messages::refused(wording, file_id, reason));
    let busy = Refused::ChangingState(run_status(task.state, false));
    let solution = task.task_type == TaskType::DiSolution;
    use TaskState::{Deleted, Deployed, NotStarted, Paused, Undeployed};
    let data = match (action, task.state) {
        ("GetDISyncInstanceInfo", state) if solution => json!({
            "Status": "success",
            "Name": task.name,
            "SolutionInfo": {
                "CreatorName": DEMO_OWNER_ID,
                "Id": file_id,
                "Status": run_status(state, settled),
                "StepDetail": [{
                    "StepId": 1,
                    "StepName": "sync",
                    "Status": run_status(state, settled),
                    "Info": "",
                }],
            },
        }),
        ("GetDISyncInstanceInfo", state) => json!({
            "Name": task.name,
            "Status": run_status(state, settled),
        }),
        ("GetDISyncTask", state) if solution => json!({
            "Status": "success",
            "SolutionDetail": {
                "CreatorName": DEMO_OWNER_ID,
                "Id": file_id,
                "Name": task.name,
                "ProcessContent": task.content,
                "ProcessExtra": task.param.as_deref().unwrap_or_default(),
                "ProjectId": project_id,
                "Status": solution_status(state),
                "Type": "DI_SOLUTION",
            },
        }),
        // A task without alert rules: the list is there, empty, as the SDK models it.
        ("GetDISyncTask", _) => json!({"Status": "success", "Code": task.content, "AlarmList": []}),
        ("UpdateDISyncTask", _) => {
            // Batch tasks directly; real-time tasks and solutions only with the script a
            // config process for updating them generated.
            let vouched = task.task_type == TaskType::DiOffline
                || params.get("TaskContent").is_some_and(|content| {
                    shared
                        .processes
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .generated_for(project_id, task.task_type, file_id, content, uptime)
                });
            if vouched {
                if let Some(content) = params.get("TaskContent") {
                    task.content.clone_from(content);
                }
                if let Some(param) = params.get("TaskParam") {
                    task.param = Some(param.clone());
                }
                if let Some(folder) = folder {
                    task.folder = folder;
                }
                task.edited_ms = change.now_ms;
                task.version = task.version.saturating_add(1);
                success()
            } else {
                refuse(Refused::NotGenerated)
            }
        }
        (_, Deleted) => fail(&messages::invalid(file_id)),
        // Changes wait for the last one to settle, but for repeats of it, which find the task
        // already where it goes.
        ("StopDISyncInstance", Paused | NotStarted) => refuse(Refused::NotRunning),
        ("StartDISyncInstance", Deployed) => refuse(Refused::AlreadyRunning),
        ("TerminateDISyncInstance" | "StopDISyncInstance" | "StartDISyncInstance", Undeployed) => {
            refuse(Refused::NotDeployed)
        }
        _ if !settled => refuse(busy),
        ("DeployDISyncTask", Undeployed) => {
            task.state = NotStarted;
            success()
        }
        // Deploying a deployed task publishes it again; its run state stays.
        ("DeployDISyncTask", _) => success(),
        ("StartDISyncInstance", Paused | NotStarted) => {
            task.state = Deployed;
            task.settles_at = settles_at;
            success()
        }
        ("StopDISyncInstance", Deployed) => {
            task.state = Paused;
            task.settles_at = settles_at;
            success()
        }
        // Undeploying passes through KILLING, whether the task was running or not.
        ("TerminateDISyncInstance", Deployed | Paused | NotStarted) => {
            task.state = Undeployed;
            task.settles_at = settles_at;
            success()
        }
        ("DeleteDISyncTask", Undeployed) => {
            task.state = Deleted;
            success()
        }
        ("DeleteDISyncTask", Deployed) => refuse(Refused::StillRunning),
        ("DeleteDISyncTask", _) => refuse(Refused::StillDeployed),
        _ => return Err(param_invalid("The action is not served here.")),
    };
    Ok(data)
}

/// The folder `TaskParam` (a JSON object) names in `FileFolderPath`, normalized.
fn folder_of(task_param: &str) -> Result<Option<String>, Refusal> {
    let param: Value = serde_json::from_str(task_param)
        .map_err(|_| param_invalid("TaskParam must be a JSON object."))?;
    match param.get("FileFolderPath") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(path)) => Ok(Some(discovery::normalize_folder(path))),
        Some(_) => Err(param_invalid("TaskParam.FileFolderPath must be a string.")),
    }
}

/// `CreateDISyncTask`: a new undeployed task, or the one an earlier call with the same
/// `ClientToken` created.
fn create(
    shared: &Shared,
    tasks: &mut HashMap<(i64, i64), Task>,
    params: &Params,
    change: &Change,
    folder: Option<String>,
) -> Result<Value, Refusal> {
    let project_id = change.project_id;
    let content = params
        .get("TaskContent")
        .ok_or_else(|| Refusal::missing("TaskContent"))?;
    let mut tokens = shared
        .client_tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let token = params
        .get("ClientToken")
        .map(|token| (project_id, token.clone()));
    if let Some(file_id) = token.as_ref().and_then(|token| tokens.get(token)) {
        return Ok(json!({"Status": "success", "FileId": *file_id}));
    }
    let file_id = tasks
        .keys()
        .map(|(_, file)| file.saturating_add(1))
        .max()
        .unwrap_or_default()
        .max(FIRST_CREATED_FILE_ID);
    let mut task = Task::new(file_id, TaskState::Undeployed, change.now_ms);
    if let Some(name) = params.get("TaskName").filter(|name| !name.is_empty()) {
        task.name.clone_from(name);
    }
    task.content.clone_from(content);
    task.param = params.get("TaskParam").cloned();
    task.task_type = change.task_type;
    task.folder = folder.unwrap_or_default();
    tasks.insert((project_id, file_id), task);
    if let Some(token) = token {
        tokens.insert(token, file_id);
    }
    Ok(json!({"Status": "success", "FileId": file_id}))
}

/// What `GetDISyncInstanceInfo` says about a task in `state`.
fn run_status(state: TaskState, settled: bool) -> &'static str {
    match (state, settled) {
        (TaskState::Deployed, true) => "RUN",
        (TaskState::Deployed, false) => "WAIT",
        (TaskState::Paused, true) => "PAUSE",
        (TaskState::Paused | TaskState::Undeployed, false) => "KILLING",
        _ => "NORUN",
    }
}

/// `SolutionDetail.Status` of a solution in `state`, in the documented codes: 1 not running,
/// 2 running, 4 committed.
fn solution_status(state: TaskState) -> &'static str {
    match state {
        TaskState::Deployed => "2",
        TaskState::NotStarted | TaskState::Paused => "4",
        TaskState::Undeployed | TaskState::Deleted => "1",
    }
}

fn success() -> Value {
    json!({"Status": "success"})
}

fn fail(message: &str) -> Value {
    json!({"Status": "fail", "Message": message})
}

fn positive_param(params: &Params, name: &str) -> Result<i64, Refusal> {
    params
        .get(name)
        .and_then(|value| value.parse::<i64>().ok())
        .filter(|value| *value > 0)
        .ok_or_else(|| param_invalid(&format!("{name} must be a positive integer.")))
}

/// The service's refusal of a parameter's value: HTTP 400 `Param.Invalid`, as documented for
/// the DISyncTask family.
pub(crate) fn param_invalid(detail: &str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        code: "Param.Invalid".to_owned(),
        message: format!("The parameter is invalid. {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::config::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
    use di_proto::ops::{ChangeOutcome, DeleteDiSyncTask, Operation, TerminateDiSyncInstance};
    use di_proto::sign::SignatureVersion;
    use di_proto::{Credentials, Endpoint, Error, Format, ResponseContext, Signer};

    const NOW: i64 = 1_800_000_000;

    fn now() -> Timestamp {
        Timestamp::from_unix_seconds(NOW).unwrap()
    }

    fn shared() -> Shared {
        Shared::new(
            Config::default()
                .with_access_key("LTAI5tLimited", "limited-secret", &[20000])
                .with_sts_token("CAIS.sts.token"),
        )
    }

    fn demo() -> Credentials {
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
    }

    struct Sent {
        request: http::Request<Bytes>,
        signed: di_proto::SignedRequest,
    }

    fn sign<O: Operation>(
        operation: &O,
        credentials: &Credentials,
        version: SignatureVersion,
        format: Format,
        time: Timestamp,
        nonce: &str,
    ) -> Sent {
        let endpoint = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        let signed = Signer::new(credentials, &endpoint)
            .with_signature_version(version)
            .with_format(format)
            .sign(&operation.to_rpc_request().unwrap(), time, nonce)
            .unwrap();
        let request = signed.request().clone().map(Bytes::from);
        Sent { request, signed }
    }

    fn call<O: Operation>(shared: &Shared, operation: &O, sent: &Sent) -> Result<O::Output, Error> {
        let response = answer(shared, &sent.request, now(), Duration::ZERO);
        assert!(response.headers().contains_key(http::header::DATE));
        operation.parse_response(
            &response,
            &ResponseContext::new().with_request(&sent.signed),
        )
    }

    #[test]
    fn the_flow_control_throttles_per_access_key_with_a_retry_after() {
        let rule = crate::RateRule::new(10.0).unwrap().with_burst(2.0).unwrap();
        let shared = Shared::new(Config::default().with_rate_limit(rule));
        let info = di_proto::ops::GetDiSyncInstanceInfo::new(crate::DEMO_PROJECT_ID, 100);
        let send = |nonce: &str, uptime: Duration| {
            let sent = sign(
                &info,
                &demo(),
                SignatureVersion::V3,
                Format::Json,
                now(),
                nonce,
            );
            answer(&shared, &sent.request, now(), uptime)
        };
        // The burst, then 429 Throttling.User with the wait until the next token (100 ms).
        assert_eq!(send("t1", Duration::ZERO).status(), StatusCode::OK);
        assert_eq!(send("t2", Duration::ZERO).status(), StatusCode::OK);
        let throttled = send("t3", Duration::ZERO);
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(throttled.headers()["x-acs-retry-after"], "100");
        let body = String::from_utf8_lossy(throttled.body()).into_owned();
        assert!(body.contains(r#""Code":"Throttling.User""#), "{body}");
        assert_eq!(shared.throttled.load(Ordering::Relaxed), 1);
        // A tenth of a second later, one more passes; a refused request takes no token.
        assert_eq!(
            send("t4", Duration::from_millis(100)).status(),
            StatusCode::OK
        );
        assert_eq!(
            send("t5", Duration::from_millis(100)).status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }

    #[test]
    fn tears_down_under_both_signatures_and_formats() {
        let shared = shared();
        let sts = demo().with_security_token("CAIS.sts.token").unwrap();
        let mut nonce = 0;
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            for format in [Format::Json, Format::Xml] {
                for credentials in [demo(), sts.clone()] {
                    nonce += 1;
                    let file = 100 + nonce % 5;
                    shared
                        .tasks
                        .lock()
                        .unwrap()
                        .insert((10000, file), Task::new(file, TaskState::Deployed, 0));
                    let terminate = TerminateDiSyncInstance::new(10000, file);
                    let sent = sign(
                        &terminate,
                        &credentials,
                        version,
                        format,
                        now(),
                        &format!("t{nonce}"),
                    );
                    let output = call(&shared, &terminate, &sent).unwrap();
                    assert_eq!(
                        output.outcome,
                        ChangeOutcome::Done,
                        "{version:?} {format:?}"
                    );
                    let delete = DeleteDiSyncTask::new(10000, file);
                    let sent = sign(
                        &delete,
                        &credentials,
                        version,
                        format,
                        now(),
                        &format!("d{nonce}"),
                    );
                    assert_eq!(
                        call(&shared, &delete, &sent).unwrap().outcome,
                        ChangeOutcome::Done
                    );
                    assert_eq!(
                        shared.tasks.lock().unwrap()[&(10000, file)].state,
                        TaskState::Deleted
                    );
                }
            }
        }
    }

    #[test]
    fn answers_fail_for_unknown_or_finished_tasks() {
        let shared = shared();
        let delete = DeleteDiSyncTask::new(10000, 100);
        let sent = sign(
            &delete,
            &demo(),
            SignatureVersion::V3,
            Format::Json,
            now(),
            "n1",
        );
        let Err(Error::TaskFailed(failure)) = call(&shared, &delete, &sent) else {
            panic!("a deployed task cannot be deleted");
        };
        assert!(failure.message.contains("terminate it"), "{failure:?}");
        let terminate = TerminateDiSyncInstance::new(10000, 100);
        let sent = sign(
            &terminate,
            &demo(),
            SignatureVersion::V3,
            Format::Json,
            now(),
            "n2",
        );
        call(&shared, &terminate, &sent).unwrap();
        let sent = sign(
            &terminate,
            &demo(),
            SignatureVersion::V3,
            Format::Json,
            now(),
            "n3",
        );
        let Err(Error::TaskFailed(failure)) = call(&shared, &terminate, &sent) else {
            panic!("terminating twice fails");
        };
        assert_eq!(failure.message, "fileId:[100] is not deployed.");
        let unknown = DeleteDiSyncTask::new(10000, 999);
        let sent = sign(
            &unknown,
            &demo(),
            SignatureVersion::V1,
            Format::Xml,
            now(),
            "n4",
        );
        let Err(Error::TaskFailed(failure)) = call(&shared, &unknown, &sent) else {
            panic!("an unknown task fails");
        };
        assert_eq!(failure.message, "fileId:[999] is invalid.");
    }

    /// Signs `operation` (V3, JSON, a fresh nonce) and answers it at `uptime`.
    fn call_at<O: Operation>(
        shared: &Shared,
        operation: &O,
        nonce: &mut u32,
        uptime: Duration,
    ) -> Result<O::Output, Error> {
        *nonce += 1;
        let sent = sign(
            operation,
            &demo(),
            SignatureVersion::V3,
            Format::Json,
            now(),
            &format!("life{nonce}"),
        );
        let response = answer(shared, &sent.request, now(), uptime);
        operation.parse_response(
            &response,
            &ResponseContext::new().with_request(&sent.signed),
        )
    }

    fn failure<T: std::fmt::Debug>(result: Result<T, Error>) -> di_proto::TaskFailure {
        match result {
            Err(Error::TaskFailed(failure)) => *failure,
            other => panic!("expected Data.Status = fail, got {other:?}"),
        }
    }

    #[test]
    fn walks_a_task_through_its_lifecycle_with_settling() {
        use di_proto::ops::{
            CreateDiSyncTask, DeployDiSyncTask, GetDiSyncInstanceInfo, GetDiSyncTask,
            InstanceStatus, StartDiSyncInstance, StopDiSyncInstance,
        };
        let delay = Duration::from_secs(5);
        let shared = Shared::new(Config::default().with_settle_delay(delay));
        let n = &mut 0;
        let at = |seconds: u64| Duration::from_secs(seconds);
        let created = call_at(
            &shared,
            &CreateDiSyncTask::new(
                10000,
                di_proto::ops::TaskType::DiRealtime,
                r#"{"steps":[]}"#,
            )
            .with_name("orders"),
            n,
            at(0),
        )
        .unwrap();
        let file = created.file_id;
        assert_eq!(file, 1000);
        let status = |n: &mut u32, t: u64| {
            call_at(&shared, &GetDiSyncInstanceInfo::new(10000, file), n, at(t))
                .unwrap()
                .status
        };
        assert_eq!(status(n, 0), InstanceStatus::NoRun);
        let info = call_at(&shared, &GetDiSyncInstanceInfo::new(10000, file), n, at(0)).unwrap();
        assert_eq!(info.name.as_deref(), Some("orders"));
        // Not deployed yet: start and stop fail.
        let start = StartDiSyncInstance::new(10000, file);
        assert_eq!(
            failure(call_at(&shared, &start, n, at(0))).message,
            format!("fileId:[{file}] is not deployed.")
        );
        call_at(&shared, &DeployDiSyncTask::new(10000, file), n, at(0)).unwrap();
        let stop = StopDiSyncInstance::new(10000, file);
        assert_eq!(
            failure(call_at(&shared, &stop, n, at(0))).message,
            format!("fileId:[{file}] is not running.")
        );
        // Start: WAIT until the delay passed, then RUN.
        call_at(&shared, &start, n, at(10)).unwrap();
        assert_eq!(status(n, 14), InstanceStatus::Wait);
        assert_eq!(
            failure(call_at(&shared, &start, n, at(14))).message,
            format!("fileId:[{file}] is already running.")
        );
        assert_eq!(
            failure(call_at(&shared, &stop, n, at(14))).message,
            format!("fileId:[{file}] is changing state (WAIT); try again later.")
        );
        assert_eq!(status(n, 15), InstanceStatus::Run);
        // Stop: KILLING, then PAUSE; a repeat finds it not running.
        call_at(&shared, &stop, n, at(20)).unwrap();
        assert_eq!(status(n, 21), InstanceStatus::Killing);
        assert_eq!(
            failure(call_at(&shared, &stop, n, at(21))).message,
            format!("fileId:[{file}] is not running.")
        );
        let terminate = TerminateDiSyncInstance::new(10000, file);
        assert_eq!(
            failure(call_at(&shared, &terminate, n, at(21))).message,
            format!("fileId:[{file}] is changing state (KILLING); try again later.")
        );
        assert_eq!(status(n, 25), InstanceStatus::Pause);
        // A real-time task is updated only with the script a config process generated for it.
        let update = |script: &str| {
            di_proto::RpcRequest::new("UpdateDISyncTask", "2020-05-18")
                .query_param("ProjectId", "10000")
                .query_param("TaskType", "DI_REALTIME")
                .query_param("FileId", file.to_string())
                .query_param("TaskContent", script)
        };
        let refused = call_at(&shared, &update(r#"{"steps":[1]}"#), n, at(25)).unwrap();
        assert_eq!(refused.data_status.as_deref(), Some("fail"));
        assert_eq!(
            refused.data_message.unwrap(),
            format!(
                "fileId:[{file}] is updated only with the TaskContent that \
                 QueryDISyncTaskConfigProcessResult returned for it \
                 (GenerateDISyncTaskConfigForUpdating first)."
            )
        );
        let generate =
            di_proto::RpcRequest::new("GenerateDISyncTaskConfigForUpdating", "2020-05-18")
                .query_param("ProjectId", "10000")
                .query_param("TaskType", "DI_REALTIME")
                .query_param("TaskId", file.to_string())
                .query_param("TaskParam", r#"{"steps":[1]}"#);
        let process = call_at(&shared, &generate, n, at(25)).unwrap();
        let process: serde_json::Value = serde_json::from_str(&process.body).unwrap();
        let query = di_proto::RpcRequest::new("QueryDISyncTaskConfigProcessResult", "2020-05-18")
            .query_param("ProjectId", "10000")
            .query_param("TaskType", "DI_REALTIME")
            .query_param("AsyncProcessId", process["Data"]["ProcessId"].to_string());
        let result = call_at(&shared, &query, n, at(26)).unwrap();
        let result: serde_json::Value = serde_json::from_str(&result.body).unwrap();
        let script = result["Data"]["TaskContent"].as_str().unwrap();
        let updated = call_at(&shared, &update(script), n, at(26)).unwrap();
        assert_eq!(updated.data_status.as_deref(), Some("success"));
        let task = call_at(&shared, &GetDiSyncTask::new(10000, file), n, at(26)).unwrap();
        assert_eq!(task.code.as_deref(), Some(script));
        // A paused task is deployed: it cannot be deleted, and undeploys through KILLING.
        let delete = DeleteDiSyncTask::new(10000, file);
        assert_eq!(
            failure(call_at(&shared, &delete, n, at(25))).message,
            format!(
                "fileId:[{file}] is deployed; terminate it with TerminateDISyncInstance first."
            )
        );
        call_at(&shared, &terminate, n, at(25)).unwrap();
        assert_eq!(status(n, 26), InstanceStatus::Killing);
        assert_eq!(
            failure(call_at(&shared, &delete, n, at(26))).message,
            format!("fileId:[{file}] is changing state (KILLING); try again later.")
        );
        assert_eq!(status(n, 30), InstanceStatus::NoRun);
        call_at(&shared, &delete, n, at(30)).unwrap();
        assert_eq!(
            failure(call_at(
                &shared,
                &GetDiSyncTask::new(10000, file),
                n,
                at(30)
            ))
            .message,
            format!("fileId:[{file}] is invalid.")
        );
        // A running task undeploys through KILLING, and cannot be deleted until it settled.
        call_at(
            &shared,
            &TerminateDiSyncInstance::new(10000, 100),
            n,
            at(30),
        )
        .unwrap();
        assert_eq!(
            call_at(&shared, &GetDiSyncInstanceInfo::new(10000, 100), n, at(31))
                .unwrap()
                .status,
            InstanceStatus::Killing
        );
        let delete_100 = DeleteDiSyncTask::new(10000, 100);
        assert_eq!(
            failure(call_at(&shared, &delete_100, n, at(31))).message,
            "fileId:[100] is changing state (KILLING); try again later."
        );
        call_at(&shared, &delete_100, n, at(35)).unwrap();
    }

    /// Signs `operation` (V3, JSON, a fresh nonce), answers it at `uptime`, and returns the
    /// answer's `Data` as sent (HTTP 200 checked), without di-proto's reading of it.
    fn data_at<O: Operation>(
        shared: &Shared,
        operation: &O,
        nonce: &mut u32,
        uptime: Duration,
    ) -> serde_json::Value {
        *nonce += 1;
        let sent = sign(
            operation,
            &demo(),
            SignatureVersion::V3,
            Format::Json,
            now(),
            &format!("data{nonce}"),
        );
        let response = answer(shared, &sent.request, now(), uptime);
        assert_eq!(response.status(), StatusCode::OK);
        let mut body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        body["Data"].take()
    }

    /// `{"Status":"fail","Message":message}`.
    fn failed(message: &str) -> serde_json::Value {
        serde_json::json!({"Status": "fail", "Message": message})
    }

    fn succeeded() -> serde_json::Value {
        serde_json::json!({"Status": "success"})
    }

    /// The run status `GetDISyncInstanceInfo` reports for task `file` at `uptime`.
    fn run_status_at(shared: &Shared, file: i64, nonce: &mut u32, uptime: Duration) -> String {
        let info = di_proto::ops::GetDiSyncInstanceInfo::new(10000, file);
        let data = data_at(shared, &info, nonce, uptime);
        data["Status"].as_str().unwrap().to_owned()
    }

    #[test]
    fn terminate_of_a_paused_or_never_started_task_settles_through_killing() {
        use di_proto::ops::{DeployDiSyncTask, StartDiSyncInstance, StopDiSyncInstance};
        let shared = Shared::new(Config::default().with_settle_delay(Duration::from_secs(5)));
        let n = &mut 0;
        let at = Duration::from_secs;
        // 100 paused (settled at 5), 101 deployed and never started.
        assert_eq!(
            data_at(&shared, &StopDiSyncInstance::new(10000, 100), n, at(0)),
            succeeded()
        );
        assert_eq!(run_status_at(&shared, 100, n, at(5)), "PAUSE");
        shared
            .tasks
            .lock()
            .unwrap()
            .get_mut(&(10000, 101))
            .unwrap()
            .state = TaskState::NotStarted;
        assert_eq!(run_status_at(&shared, 101, n, at(10)), "NORUN");

        for file in [100, 101] {
            let terminate = TerminateDiSyncInstance::new(10000, file);
            assert_eq!(data_at(&shared, &terminate, n, at(10)), succeeded());
            assert_eq!(
                shared.tasks.lock().unwrap()[&(10000, file)].settles_at,
                Some(at(15))
            );
            assert_eq!(run_status_at(&shared, file, n, at(10)), "KILLING");
            assert_eq!(run_status_at(&shared, file, n, at(14)), "KILLING");
            // Other changes wait for it to settle.
            let busy = failed(&format!(
                "fileId:[{file}] is changing state (KILLING); try again later."
            ));
            let delete = DeleteDiSyncTask::new(10000, file);
            assert_eq!(data_at(&shared, &delete, n, at(14)), busy);
            let deploy = DeployDiSyncTask::new(10000, file);
            assert_eq!(data_at(&shared, &deploy, n, at(14)), busy);
            // Repeats, and the changes a not deployed task refuses, answer as once settled.
            let not_deployed = failed(&format!("fileId:[{file}] is not deployed."));
            assert_eq!(data_at(&shared, &terminate, n, at(14)), not_deployed);
            let stop = StopDiSyncInstance::new(10000, file);
            assert_eq!(data_at(&shared, &stop, n, at(14)), not_deployed);
            let start = StartDiSyncInstance::new(10000, file);
            assert_eq!(data_at(&shared, &start, n, at(14)), not_deployed);
            // Settled: NORUN, and the delete applies at once.
            assert_eq!(run_status_at(&shared, file, n, at(15)), "NORUN");
            assert_eq!(
                shared.tasks.lock().unwrap()[&(10000, file)].state,
                TaskState::Undeployed
            );
            assert_eq!(data_at(&shared, &delete, n, at(15)), succeeded());
            assert_eq!(
                data_at(&shared, &delete, n, at(15)),
                failed(&format!("fileId:[{file}] is invalid."))
            );
        }
    }

    #[test]
    fn terminate_of_a_paused_task_never_settles_when_configured_so() {
        let shared = Shared::new(Config::default().never_settling());
        let n = &mut 0;
        shared
            .tasks
            .lock()
            .unwrap()
            .get_mut(&(10000, 100))
            .unwrap()
            .state = TaskState::Paused;
        let terminate = TerminateDiSyncInstance::new(10000, 100);
        assert_eq!(data_at(&shared, &terminate, n, Duration::ZERO), succeeded());
        let year = Duration::from_secs(86_400 * 365);
        assert_eq!(run_status_at(&shared, 100, n, year), "KILLING");
        assert_eq!(
            data_at(&shared, &DeleteDiSyncTask::new(10000, 100), n, year),
            failed("fileId:[100] is changing state (KILLING); try again later.")
        );
    }

    /// Every refusal of task 100 (running at first), in order, answered at once.
    fn every_refusal(messages: Messages) -> Vec<serde_json::Value> {
        use di_proto::ops::{DeployDiSyncTask, StartDiSyncInstance, StopDiSyncInstance};
        let shared = Shared::new(
            Config::default()
                .with_settle_delay(Duration::from_secs(5))
                .with_messages(messages),
        );
        let n = &mut 0;
        let at = Duration::from_secs;
        let start = StartDiSyncInstance::new(10000, 100);
        let stop = StopDiSyncInstance::new(10000, 100);
        let terminate = TerminateDiSyncInstance::new(10000, 100);
        let delete = DeleteDiSyncTask::new(10000, 100);
        let mut refusals = Vec::new();
        // Running: start and delete are refused.
        refusals.push(data_at(&shared, &start, n, at(0)));
        refusals.push(data_at(&shared, &delete, n, at(0)));
        // Stopping: a stop repeats as not running, a delete waits.
        assert_eq!(data_at(&shared, &stop, n, at(0)), succeeded());
        refusals.push(data_at(&shared, &stop, n, at(1)));
        refusals.push(data_at(&shared, &delete, n, at(1)));
        // Paused: delete is refused.
        refusals.push(data_at(&shared, &delete, n, at(5)));
        // Undeployed: start is refused.
        assert_eq!(data_at(&shared, &terminate, n, at(5)), succeeded());
        refusals.push(data_at(&shared, &start, n, at(10)));
        // Deleted, and unknown: the documented message.
        assert_eq!(data_at(&shared, &delete, n, at(10)), succeeded());
        refusals.push(data_at(&shared, &delete, n, at(10)));
        let unknown = DeployDiSyncTask::new(10000, 999);
        refusals.push(data_at(&shared, &unknown, n, at(10)));
        refusals
    }

    #[test]
    fn default_messages_name_the_state() {
        assert_eq!(
            every_refusal(Messages::Default),
            [
                "fileId:[100] is already running.",
                "fileId:[100] is still running; terminate it with TerminateDISyncInstance first.",
                "fileId:[100] is not running.",
                "fileId:[100] is changing state (KILLING); try again later.",
                "fileId:[100] is deployed; terminate it with TerminateDISyncInstance first.",
                "fileId:[100] is not deployed.",
                "fileId:[100] is invalid.",
                "fileId:[999] is invalid.",
            ]
            .map(failed)
        );
    }

    #[test]
    fn opaque_messages_name_no_state() {
        assert_eq!(
            every_refusal(Messages::Opaque),
            [
                "fileId:[100]: the request was refused (reason 3).",
                "fileId:[100]: the request was refused (reason 5).",
                "fileId:[100]: the request was refused (reason 2).",
                "fileId:[100]: the request was refused (reason 4).",
                "fileId:[100]: the request was refused (reason 6).",
                "fileId:[100]: the request was refused (reason 1).",
                "fileId:[100] is invalid.",
                "fileId:[999] is invalid.",
            ]
            .map(failed)
        );
    }

    #[test]
    fn misleading_messages_are_one_text_but_for_the_documented_one() {
        let misleading = concat!(
            "fileId:[100] cannot be deleted in its current state: it is not deployed or not ",
            "running (not found, does not exist, already stopped, already running)."
        );
        assert_eq!(
            every_refusal(Messages::Misleading),
            [
                misleading,
                misleading,
                misleading,
                misleading,
                misleading,
                misleading,
                "fileId:[100] is invalid.",
                "fileId:[999] is invalid.",
            ]
            .map(failed)
        );
    }

    #[test]
    fn never_settling_tasks_stay_in_between_and_client_tokens_repeat_creates() {
        use di_proto::ops::{
            CreateDiSyncTask, GetDiSyncInstanceInfo, InstanceStatus, StopDiSyncInstance,
        };
        let shared = Shared::new(Config::default().never_settling());
        let n = &mut 0;
        call_at(
            &shared,
            &StopDiSyncInstance::new(10000, 100),
            n,
            Duration::ZERO,
        )
        .unwrap();
        let info = call_at(
            &shared,
            &GetDiSyncInstanceInfo::new(10000, 100),
            n,
            Duration::from_secs(86_400 * 365),
        )
        .unwrap();
        assert_eq!(info.status, InstanceStatus::Killing);

        let create = CreateDiSyncTask::new(10000, di_proto::ops::TaskType::DiRealtime, "{}")
            .with_client_token("token-1");
        let first = call_at(&shared, &create, n, Duration::ZERO).unwrap();
        let again = call_at(&shared, &create, n, Duration::ZERO).unwrap();
        assert_eq!(first.file_id, again.file_id);
        let other = call_at(
            &shared,
            &CreateDiSyncTask::new(10000, di_proto::ops::TaskType::DiRealtime, "{}"),
            n,
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(other.file_id, first.file_id + 1);
    }

    #[test]
    fn refuses_as_the_gateway_does() {
        let shared = shared();
        let delete = DeleteDiSyncTask::new(10000, 100);
        let v3 = |credentials: &Credentials, time: Timestamp, nonce: &str| {
            sign(
                &delete,
                credentials,
                SignatureVersion::V3,
                Format::Json,
                time,
                nonce,
            )
        };

        // Timestamp window.
        let late = Timestamp::from_unix_seconds(NOW - 901).unwrap();
        assert!(matches!(
            call(&shared, &delete, &v3(&demo(), late, "a")),
            Err(Error::ClockSkewed { .. })
        ));
        // Unknown key, wrong secret, unknown and malformed tokens.
        let stranger = Credentials::new("LTAI5tStranger", "x").unwrap();
        assert!(matches!(
            call(&shared, &delete, &v3(&stranger, now(), "b")),
            Err(Error::CredentialsRejected(_))
        ));
        let wrong = Credentials::new(DEMO_ACCESS_KEY_ID, "wrong").unwrap();
        let Err(Error::SignatureMismatch { diagnosis, .. }) =
            call(&shared, &delete, &v3(&wrong, now(), "c"))
        else {
            panic!("a wrong secret is a signature mismatch");
        };
        assert_eq!(diagnosis.cause, di_proto::MismatchCause::WrongSecret);
        let unknown_token = demo().with_security_token("CAIS.other").unwrap();
        assert!(matches!(
            call(&shared, &delete, &v3(&unknown_token, now(), "d")),
            Err(Error::CredentialsRejected(_))
        ));
        // Nonce replay.
        call(&shared, &delete, &v3(&demo(), now(), "e")).ok();
        assert!(matches!(
            call(&shared, &delete, &v3(&demo(), now(), "e")),
            Err(Error::NonceReused(_))
        ));
        // Workspace permission.
        let limited = Credentials::new("LTAI5tLimited", "limited-secret").unwrap();
        assert!(matches!(
            call(&shared, &delete, &v3(&limited, now(), "f")),
            Err(Error::AccessDenied(_))
        ));
        // Parameters.
        let negative = di_proto::RpcRequest::new("DeleteDISyncTask", "2020-05-18")
            .query_param("ProjectId", "10000")
            .query_param("TaskType", "DI_BATCH")
            .query_param("FileId", "100");
        let sent = sign(
            &negative,
            &demo(),
            SignatureVersion::V3,
            Format::Json,
            now(),
            "g",
        );
        assert!(matches!(
            call(&shared, &negative, &sent),
            Err(Error::BadRequest(_))
        ));
        // Unknown action and version.
        let other = di_proto::RpcRequest::new("ListProjects", "2020-05-18");
        let sent = sign(
            &other,
            &demo(),
            SignatureVersion::V1,
            Format::Json,
            now(),
            "h",
        );
        assert!(matches!(
            call(&shared, &other, &sent),
            Err(Error::BadRequest(_))
        ));
        let old = di_proto::RpcRequest::new("DeleteDISyncTask", "2019-01-01");
        let sent = sign(
            &old,
            &demo(),
            SignatureVersion::V1,
            Format::Json,
            now(),
            "i",
        );
        assert!(matches!(
            call(&shared, &old, &sent),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn any_changed_byte_is_refused() {
        let shared = shared();
        let delete = DeleteDiSyncTask::new(10000, 100);
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            let sent = sign(&delete, &demo(), version, Format::Json, now(), "z");
            let uri = sent.request.uri().to_string();
            let tampered = uri.replace("FileId=100", "FileId=101");
            let mut request = sent.request.clone();
            *request.uri_mut() = tampered.parse().unwrap();
            let response = answer(&shared, &request, now(), Duration::ZERO);
            let result = delete.parse_response(&response, &ResponseContext::new());
            assert!(
                matches!(result, Err(Error::SignatureMismatch { .. })),
                "{version:?}: {result:?}"
            );
        }
    }

    #[test]
    fn garbage_gets_a_4xx_never_a_panic() {
        let shared = shared();
        for (uri, authorization) in [
            ("/?%FF=1", None),
            ("/?Action=DeleteDISyncTask&Action=x", None),
            ("/", Some("ACS3-HMAC-SHA256 nonsense")),
            ("/", Some("ACS3-HMAC-SHA256 Credential=a,Credential=b")),
            ("/", Some("Basic abc")),
            ("/?Signature=x", None),
        ] {
            let mut builder = http::Request::builder().method("POST").uri(uri);
            if let Some(value) = authorization {
                builder = builder
                    .header("authorization", value)
                    .header("x-acs-action", "DeleteDISyncTask")
                    .header("x-acs-version", "2020-05-18")
                    .header("x-acs-date", "2027-01-15T08:00:00Z")
                    .header("x-acs-signature-nonce", "n")
                    .header(
                        "x-acs-content-sha256",
                        di_proto::internals::v3::EMPTY_PAYLOAD_SHA256,
                    );
            }
            let request = builder.body(Bytes::new()).unwrap();
            let response = answer(&shared, &request, now(), Duration::ZERO);
            assert!(
                response.status().is_client_error(),
                "{uri} {authorization:?}: {:?}",
                response.status()
            );
        }
    }
}
