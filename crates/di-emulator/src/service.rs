//! The service behind the gateway: the real-time task lifecycle over the task state.
//!
//! `CreateDISyncTask` makes an undeployed task; `DeployDISyncTask` deploys it (`NORUN`);
//! `StartDISyncInstance` starts it (`WAIT`, then `RUN`); `StopDISyncInstance` stops it
//! (`KILLING`, then `PAUSE`); `TerminateDISyncInstance` undeploys it (`KILLING`, then `NORUN`,
//! whether it was running, paused or never started); `DeleteDISyncTask` deletes an undeployed
//! task. `GetDISyncInstanceInfo` reports the run status, `GetDISyncTask` the script,
//! `UpdateDISyncTask` replaces it.
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

use crate::gateway::{self, Refusal, Verified};
use crate::messages::{self, Messages, Refused};
use crate::render::{self, Member};
use crate::state::{Settle, Shared, Task, TaskState};

/// The first file id `CreateDISyncTask` hands out, when no task has a larger one.
const FIRST_CREATED_FILE_ID: i64 = 1000;

/// Answers one request as the gateway and then the service would; `now` is the emulator's
/// wall clock, `uptime` its monotonic clock (time since it started), which times how long
/// changes take to settle. Never panics, whatever the request.
pub(crate) fn answer(
    shared: &Shared,
    request: &http::Request<Bytes>,
    now: Timestamp,
    uptime: Duration,
) -> http::Response<Bytes> {
    let format = gateway::requested_format(request.headers(), request.uri().query());
    let request_id = render::request_id(shared.request_ids.fetch_add(1, Ordering::Relaxed));
    let mut retry_after = None;
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
        serve(shared, &verified, uptime)
    });
    let mut response = match result {
        Ok((action, data)) => render::success(format, action, &request_id, &data, now),
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

/// The `Data` members of a served action.
type Data = Vec<(&'static str, Member)>;

/// The action names, as `'static` strings for the answer's root element.
fn action_name(action: &str) -> Option<&'static str> {
    gateway::ACTIONS
        .iter()
        .copied()
        .find(|known| *known == action)
}

fn serve(
    shared: &Shared,
    verified: &Verified,
    uptime: Duration,
) -> Result<(&'static str, Data), Refusal> {
    let action = action_name(&verified.action)
        .ok_or_else(|| param_invalid("The action is not served here."))?;
    let project_id = positive_param(verified, "ProjectId")?;
    match verified.params.get("TaskType").map(String::as_str) {
        Some("DI_REALTIME") => {}
        _ => return Err(param_invalid("TaskType must be DI_REALTIME.")),
    }
    let allowed = gateway::may_access(shared, &verified.access_key_id, project_id);
    if !allowed {
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            code: "Forbidden.Access".to_owned(),
            message: "Access is forbidden.".to_owned(),
        });
    }
    let params = &verified.params;
    for name in ["TaskParam", "StartParam"] {
        if let Some(value) = params.get(name)
            && !matches!(
                serde_json::from_str::<serde_json::Value>(value),
                Ok(serde_json::Value::Object(_))
            )
        {
            return Err(param_invalid(&format!("{name} must be a JSON object.")));
        }
    }
    if let Some(content) = params.get("TaskContent")
        && serde_json::from_str::<serde_json::Value>(content).is_err()
    {
        return Err(param_invalid("TaskContent must be JSON."));
    }

    let mut tasks = shared.tasks.lock().unwrap_or_else(PoisonError::into_inner);
    if action == "CreateDISyncTask" {
        let data = create(shared, &mut tasks, project_id, params)?;
        return Ok((action, data));
    }
    let file_id = positive_param(verified, "FileId")?;
    let key = (project_id, file_id);
    let settles_at = match shared.config.settle {
        Settle::Immediately => None,
        Settle::After(delay) => Some(uptime.saturating_add(delay)),
        Settle::Never => Some(Duration::MAX),
    };
    let Some(task) = tasks
        .get_mut(&key)
        .filter(|task| task.state != TaskState::Deleted)
    else {
        return Ok((action, fail(&messages::invalid(file_id))));
    };
    let settled = task.is_settled(uptime);
    if settled {
        task.settles_at = None;
    }
    let wording: Messages = shared.config.messages;
    let refuse = |reason| fail(&messages::refused(wording, file_id, reason));
    let busy = Refused::ChangingState(run_status(task.state, false));
    use TaskState::{Deleted, Deployed, NotStarted, Paused, Undeployed};
    let data = match (action, task.state) {
        ("GetDISyncInstanceInfo", state) => vec![
            ("Name", Member::Text(task.name.clone())),
            (
                "Status",
                Member::Text(run_status(state, settled).to_owned()),
            ),
        ],
        ("GetDISyncTask", _) => vec![
            ("Status", text("success")),
            ("Code", Member::Text(task.content.clone())),
        ],
        ("UpdateDISyncTask", _) => {
            if let Some(content) = params.get("TaskContent") {
                task.content.clone_from(content);
            }
            if let Some(param) = params.get("TaskParam") {
                task.param = Some(param.clone());
            }
            success()
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
    Ok((action, data))
}

/// `CreateDISyncTask`: a new undeployed task, or the one an earlier call with the same
/// `ClientToken` created.
fn create(
    shared: &Shared,
    tasks: &mut HashMap<(i64, i64), Task>,
    project_id: i64,
    params: &HashMap<String, String>,
) -> Result<Data, Refusal> {
    let Some(content) = params.get("TaskContent") else {
        return Err(param_invalid("TaskContent is mandatory."));
    };
    let mut tokens = shared
        .client_tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let token = params
        .get("ClientToken")
        .map(|token| (project_id, token.clone()));
    if let Some(file_id) = token.as_ref().and_then(|token| tokens.get(token)) {
        return Ok(vec![
            ("Status", text("success")),
            ("FileId", Member::Integer(*file_id)),
        ]);
    }
    let file_id = tasks
        .keys()
        .map(|(_, file)| *file + 1)
        .max()
        .unwrap_or_default()
        .max(FIRST_CREATED_FILE_ID);
    let mut task = Task::new(file_id, TaskState::Undeployed);
    if let Some(name) = params.get("TaskName") {
        task.name.clone_from(name);
    }
    task.content.clone_from(content);
    task.param = params.get("TaskParam").cloned();
    tasks.insert((project_id, file_id), task);
    if let Some(token) = token {
        tokens.insert(token, file_id);
    }
    Ok(vec![
        ("Status", text("success")),
        ("FileId", Member::Integer(file_id)),
    ])
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

fn text(value: &str) -> Member {
    Member::Text(value.to_owned())
}

fn success() -> Data {
    vec![("Status", text("success"))]
}

fn fail(message: &str) -> Data {
    vec![("Status", text("fail")), ("Message", text(message))]
}

fn positive_param(verified: &Verified, name: &str) -> Result<i64, Refusal> {
    verified
        .params
        .get(name)
        .and_then(|value| value.parse::<i64>().ok())
        .filter(|value| *value > 0)
        .ok_or_else(|| param_invalid(&format!("{name} must be a positive integer.")))
}

fn param_invalid(detail: &str) -> Refusal {
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
    use di_proto::ops::{DeleteDiSyncTask, Operation, TeardownOutcome, TerminateDiSyncInstance};
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
                        .insert((10000, file), Task::new(file, TaskState::Deployed));
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
                        TeardownOutcome::Done,
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
                        TeardownOutcome::Done
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
            InstanceStatus, StartDiSyncInstance, StopDiSyncInstance, UpdateDiSyncTask,
        };
        let delay = Duration::from_secs(5);
        let shared = Shared::new(Config::default().with_settle_delay(delay));
        let n = &mut 0;
        let at = |seconds: u64| Duration::from_secs(seconds);
        let created = call_at(
            &shared,
            &CreateDiSyncTask::new(10000, r#"{"steps":[]}"#).with_name("orders"),
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
        // Update and read the script back.
        let update = UpdateDiSyncTask::new(10000, file).with_task_content(r#"{"steps":[1]}"#);
        call_at(&shared, &update, n, at(25)).unwrap();
        let task = call_at(&shared, &GetDiSyncTask::new(10000, file), n, at(25)).unwrap();
        assert_eq!(task.code, r#"{"steps":[1]}"#);
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

        let create = CreateDiSyncTask::new(10000, "{}").with_client_token("token-1");
        let first = call_at(&shared, &create, n, Duration::ZERO).unwrap();
        let again = call_at(&shared, &create, n, Duration::ZERO).unwrap();
        assert_eq!(first.file_id, again.file_id);
        let other = call_at(
            &shared,
            &CreateDiSyncTask::new(10000, "{}"),
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
        let other = di_proto::RpcRequest::new("ListFiles", "2020-05-18");
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
                        di_proto::sign::v3::EMPTY_PAYLOAD_SHA256,
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
