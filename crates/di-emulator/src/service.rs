//! The service behind the gateway: `DeleteDISyncTask`, `TerminateDISyncInstance` and
//! `GetDISyncInstanceInfo` over the task state.
//!
//! The two teardown actions answer HTTP 200 either way, as DataWorks does: `Data.Status` is
//! `success` when the task moved, `fail` with a `Message` when it could not (unknown task, or
//! already in the state asked for).

use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use di_proto::Timestamp;
use di_proto::http::StatusCode;

use crate::gateway::{self, Refusal, Verified};
use crate::render;
use crate::state::{Shared, TaskState};

/// Answers one request as the gateway and then the service would; `now` is the emulator's
/// clock. Never panics, whatever the request.
pub(crate) fn answer(
    shared: &Shared,
    request: &http::Request<Bytes>,
    now: Timestamp,
) -> http::Response<Bytes> {
    let format = gateway::requested_format(request.headers(), request.uri().query());
    let request_id = render::request_id(shared.request_ids.fetch_add(1, Ordering::Relaxed));
    let result =
        gateway::verify(shared, request, now).and_then(|verified| serve(shared, &verified));
    match result {
        Ok((action, data)) => {
            let data: Vec<(&str, &str)> = data
                .iter()
                .map(|(name, text)| (*name, text.as_str()))
                .collect();
            render::success(format, action, &request_id, &data, now)
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
                now,
            )
        }
    }
}

/// The `Data` members of a served action.
type Data = Vec<(&'static str, String)>;

fn serve(shared: &Shared, verified: &Verified) -> Result<(&'static str, Data), Refusal> {
    let project_id = positive_param(verified, "ProjectId")?;
    let file_id = positive_param(verified, "FileId")?;
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

    let mut tasks = shared.tasks.lock().unwrap_or_else(PoisonError::into_inner);
    let key = (project_id, file_id);
    let state = tasks
        .get(&key)
        .copied()
        .filter(|state| *state != TaskState::Deleted);
    let invalid = format!("fileId:[{file_id}] is invalid.");
    let fail = |message: &str| {
        vec![
            ("Status", "fail".to_owned()),
            ("Message", message.to_owned()),
        ]
    };
    let success = || vec![("Status", "success".to_owned())];
    let answer = match (verified.action.as_str(), state) {
        ("TerminateDISyncInstance", Some(TaskState::Deployed)) => {
            tasks.insert(key, TaskState::Undeployed);
            ("TerminateDISyncInstance", success())
        }
        ("TerminateDISyncInstance", Some(_)) => (
            "TerminateDISyncInstance",
            fail(&format!("fileId:[{file_id}] is not deployed.")),
        ),
        ("TerminateDISyncInstance", None) => ("TerminateDISyncInstance", fail(&invalid)),
        ("DeleteDISyncTask", Some(TaskState::Undeployed)) => {
            tasks.insert(key, TaskState::Deleted);
            ("DeleteDISyncTask", success())
        }
        ("DeleteDISyncTask", Some(_)) => (
            "DeleteDISyncTask",
            fail(&format!(
                "fileId:[{file_id}] is still running; terminate it with TerminateDISyncInstance first."
            )),
        ),
        ("DeleteDISyncTask", None) => ("DeleteDISyncTask", fail(&invalid)),
        (_, Some(state)) => (
            "GetDISyncInstanceInfo",
            vec![
                ("Name", format!("realtime_task_{file_id}")),
                (
                    "Status",
                    match state {
                        TaskState::Deployed => "RUN",
                        _ => "NORUN",
                    }
                    .to_owned(),
                ),
            ],
        ),
        (_, None) => ("GetDISyncInstanceInfo", fail(&invalid)),
    };
    Ok(answer)
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
        let response = answer(shared, &sent.request, now());
        assert!(response.headers().contains_key(http::header::DATE));
        operation.parse_response(
            &response,
            &ResponseContext::new().with_request(&sent.signed),
        )
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
                        .insert((10000, file), TaskState::Deployed);
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
                        shared.tasks.lock().unwrap()[&(10000, file)],
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
        assert_eq!(failure.reason, di_proto::FailureReason::NotDeployed);
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
        assert_eq!(failure.reason, di_proto::FailureReason::TaskNotFound);
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
            let response = answer(&shared, &request, now());
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
            let response = answer(&shared, &request, now());
            assert!(
                response.status().is_client_error(),
                "{uri} {authorization:?}: {:?}",
                response.status()
            );
        }
    }
}
