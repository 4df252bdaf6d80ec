//! Secrets never leak: a recognisable AccessKey secret and STS token are driven through every
//! public path that prints something (errors' `Display` and `Debug`, every value's `Debug`,
//! tracing at TRACE, panic messages) over both clients, and must appear in none of it.
//! The CLI's paths (`--dry-run`, `-v`, error lines) are checked in di-cli's own tests.

mod common;

use std::time::Duration;

use common::{Env, Failure, Reqwest, Transport, Ureq, captured_traces, instance_info, quick_wait};
use di_emulator::{Config, Fault};
use di_proto::client::ClientConfig;
use di_proto::flow::{Action, CallFlow, Flow, Input};
use di_proto::ops::{
    CreateDiSyncTask, GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating,
    GetDiSyncTask, GetFile, ListFiles, Operation, TaskType, TerminateDiSyncInstance,
    UpdateDiSyncTask,
};
use di_proto::retry::RetryPolicy;
use di_proto::sign::SignatureVersion;
use di_proto::{Credentials, Endpoint, Signer, Timestamp};

const KEY_ID: &str = "LTAI5tSecretsTestKey";
const SECRET: &str = "SecretNeverPrinted-7c1f0a";
const WRONG_SECRET: &str = "WrongSecretNeverPrinted-93be";
const TOKEN: &str = "CAIS.TokenNeverPrinted.5d2e";

fn credentials(secret: &str) -> Credentials {
    Credentials::new(KEY_ID, secret)
        .unwrap()
        .with_security_token(TOKEN)
        .unwrap()
}

/// Fails the test if `text` holds any of the secrets.
fn assert_clean(what: &str, text: &str) {
    for secret in [SECRET, WRONG_SECRET, TOKEN] {
        assert!(!text.contains(secret), "{what} shows {secret:?}:\n{text}");
    }
}

/// The message of the panic `run` raises, as the default hook would print it.
fn panic_message(run: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(run).expect_err("the closure panics");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
        })
        .unwrap_or_default()
}

/// Every error a call can end with, provoked with the secret-bearing credentials, shown every
/// way a caller might show it.
fn errors_hold_no_secret<T: Transport>() {
    captured_traces();
    let env = Env::with(
        Config::default()
            .with_access_key(KEY_ID, SECRET, &[])
            .with_sts_token(TOKEN),
    );
    let mut shown = Vec::new();
    let mut show = |what: &str, result: Result<String, Failure>| {
        let text = match result {
            Ok(text) => text,
            Err(Failure::Api(error)) => {
                format!("{error}\n{error:?}\n{error:#?}\n{:?}", error.request_id())
            }
            Err(other) => format!("{other:?}"),
        };
        shown.push(what.to_owned());
        assert_clean(what, &text);
    };
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let config = env
            .config()
            .with_signature_version(version)
            .with_retry_policy(RetryPolicy::disabled());
        let client = T::new(&env, &config, credentials(SECRET));
        show(
            "a success",
            client.call(&instance_info(1)).map(|ok| format!("{ok:?}")),
        );
        // The server echoes its string to sign, which holds the token.
        let wrong = T::new(&env, &config, credentials(WRONG_SECRET));
        let mismatch = wrong.call(&instance_info(1));
        assert!(
            matches!(
                mismatch,
                Err(Failure::Api(di_proto::Error::SignatureMismatch { .. }))
            ),
            "{mismatch:?}"
        );
        show("SignatureDoesNotMatch", mismatch.map(|_| String::new()));
        for (fault, what) in [
            (Fault::InternalError, "a 500"),
            (
                Fault::Throttling {
                    retry_after_ms: Some(5),
                },
                "a 429",
            ),
            (Fault::ProxyHtml502, "a proxy page"),
            (Fault::ConnectionReset, "a reset"),
            (Fault::HugeBody { bytes: 4 << 20 }, "a huge body"),
        ] {
            env.emulator().fail_next(fault, 1);
            show(what, client.call(&instance_info(1)).map(|_| String::new()));
        }
        show(
            "a task failure",
            client.delete(999).map(|ok| format!("{ok:?}")),
        );
        let report = client.teardown(999, &quick_wait(Duration::from_secs(5)), false);
        assert!(report.error.is_some(), "{report:?}");
        show(
            "a failed teardown's report and events",
            Ok(format!(
                "{report:?}\n{report:#?}\n{}\n{}",
                report
                    .steps
                    .iter()
                    .map(|step| format!("{:?}", step.note))
                    .collect::<String>(),
                report
                    .error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )),
        );
        let unknown_token = T::new(
            &env,
            &config,
            Credentials::new(KEY_ID, SECRET)
                .unwrap()
                .with_security_token(format!("{TOKEN}-unknown"))
                .unwrap(),
        );
        show(
            "an unknown STS token",
            unknown_token.call(&instance_info(1)).map(|_| String::new()),
        );
    }
    let refused = ClientConfig::new()
        .with_endpoint("http://127.0.0.1:1")
        .with_retry_policy(RetryPolicy::disabled())
        .with_connect_timeout(Duration::from_secs(1));
    let client = T::new(&env, &refused, credentials(SECRET));
    show(
        "a refused connection",
        client.call(&instance_info(1)).map(|_| String::new()),
    );
    assert!(shown.len() >= 10, "{shown:?}");
}

#[test]
fn errors_hold_no_secret_over_ureq() {
    errors_hold_no_secret::<Ureq>();
}

#[test]
fn errors_hold_no_secret_over_reqwest() {
    errors_hold_no_secret::<Reqwest>();
}

#[test]
fn debug_of_every_value_that_holds_a_secret_is_redacted() {
    let credentials = credentials(SECRET);
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap();
    let request = TerminateDiSyncInstance::new(10000, 1)
        .to_rpc_request()
        .unwrap();
    let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signer = Signer::new(&credentials, &endpoint).with_signature_version(version);
        let signed = signer
            .sign(&request, timestamp, "6b0c4f2a9d8e7f10")
            .unwrap();
        assert_clean("SignedRequest", &format!("{signed:?}\n{signed:#?}"));
        assert_clean("Signature", &format!("{:?}", signed.signature()));
        assert_clean("Signer", &format!("{signer:?}"));
        // The request itself carries the token, as it must to be sent.
        let (http_request, _) = signed.into_parts();
        let carried = match version {
            SignatureVersion::V1 => http_request
                .uri()
                .query()
                .is_some_and(|query| query.contains(TOKEN)),
            _ => http_request
                .headers()
                .get("x-acs-security-token")
                .is_some_and(|value| value == TOKEN),
        };
        assert!(carried, "{version:?} does not send the token");
    }
    assert_clean("Credentials", &format!("{credentials:?}\n{credentials:#?}"));
    let config = ClientConfig::new().with_endpoint("http://127.0.0.1:1");
    let ureq = di_ureq::Client::new(&config, credentials.clone()).unwrap();
    assert_clean("di_ureq::Client", &format!("{ureq:?}"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let reqwest = di_reqwest::Client::new(&config, credentials.clone()).unwrap();
    assert_clean("di_reqwest::Client", &format!("{reqwest:?}"));
}

/// A task script holds a data source's password: the operations and the request built from
/// them show its length, never its text, while the request still sends it.
#[test]
fn debug_of_a_task_script_shows_its_length_only() {
    const PASSWORD: &str = "DataSourcePasswordNeverPrinted-41d9";
    let script = format!(r#"{{"reader":{{"password":"{PASSWORD}"}}}}"#);
    let create =
        CreateDiSyncTask::new(10000, TaskType::DiRealtime, script.as_str()).with_name("orders");
    let update = UpdateDiSyncTask::new(10000, 100).with_task_content(script.as_str());
    let request = create.to_rpc_request().unwrap();
    let generate =
        GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, script.as_str());
    let regenerate =
        GenerateDiSyncTaskConfigForUpdating::new(10000, TaskType::DiRealtime, 100, script.as_str());
    for shown in [
        format!("{generate:?}"),
        format!("{regenerate:#?}"),
        format!("{:?}", generate.to_rpc_request().unwrap()),
        format!("{create:?}"),
        format!("{update:#?}"),
        format!("{request:?}"),
        format!("{:?}", update.to_rpc_request().unwrap()),
    ] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(
            shown.contains(&format!("<{} bytes>", script.len())),
            "{shown}"
        );
    }
    assert!(format!("{request:?}").contains("TaskName=<6 bytes> (query)"));
    assert!(format!("{create:?}").contains(r#"task_name: Some("orders")"#));
    let credentials = credentials(SECRET);
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap();
    let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
    let signed = Signer::new(&credentials, &endpoint)
        .sign(&request, timestamp, "6b0c4f2a9d8e7f10")
        .unwrap();
    assert!(!format!("{signed:?}").contains(PASSWORD));
    let body = String::from_utf8(signed.into_request().into_body()).unwrap();
    assert!(body.contains("DataSourcePasswordNeverPrinted"), "{body}");

    // UpdateDISyncTask sends the script in the query, as the official SDKs do: the signed
    // request's URI and every intermediate of its signature (V3 and V1) hold it, and a flow
    // keeps the last signature. None of them shows it.
    for version in [SignatureVersion::V3, SignatureVersion::V1] {
        let signer = || Signer::new(&credentials, &endpoint).with_signature_version(version);
        let signed = signer()
            .sign(
                &update.to_rpc_request().unwrap(),
                timestamp,
                "6b0c4f2a9d8e7f10",
            )
            .unwrap();
        let mut flow = CallFlow::new(&update, RetryPolicy::default());
        assert!(matches!(
            flow.next::<Vec<u8>>(Duration::ZERO, Input::Start),
            Action::Send { .. }
        ));
        flow.sign(signer(), timestamp, [7; 24]).unwrap();
        for shown in [format!("{signed:?}"), format!("{flow:?}")] {
            assert!(
                !shown.contains("DataSourcePasswordNeverPrinted"),
                "{version:?}: {shown}"
            );
            assert!(shown.contains("TaskContent"), "{version:?}: {shown}");
            assert_clean("a signed update", &shown);
        }
        let uri = signed.request().uri().to_string();
        assert!(uri.contains("DataSourcePasswordNeverPrinted"), "{uri}");
    }

    // Scripts read back from the service: GetDISyncTask's code, a file's content, and the raw
    // `Data` of each answer.
    let answer = |body: String| {
        di_proto::http::Response::builder()
            .header("content-type", "application/json")
            .body(body)
            .unwrap()
    };
    // The script as a JSON string (it holds quotes, and no backslash).
    let quoted = format!("\"{}\"", script.replace('"', "\\\""));
    let context = di_proto::ResponseContext::new();
    let task = GetDiSyncTask::new(10000, 100)
        .parse_response(
            &answer(format!(
                r#"{{"RequestId":"r","Data":{{"Status":"success","Code":{quoted}}}}}"#
            )),
            &context,
        )
        .unwrap();
    assert_eq!(task.code.as_deref(), Some(script.as_str()));
    let file = format!(r#"{{"FileId":100,"FileName":"orders","Content":{quoted}}}"#);
    let details = GetFile::new(10000, 100)
        .parse_response(
            &answer(format!(r#"{{"RequestId":"r","Data":{{"File":{file}}}}}"#)),
            &context,
        )
        .unwrap();
    let page = ListFiles::new(10000)
        .parse_response(
            &answer(format!(
                r#"{{"RequestId":"r","Data":{{"PageNumber":1,"PageSize":10,"TotalCount":1,"Files":[{file}]}}}}"#
            )),
            &context,
        )
        .unwrap();
    assert_eq!(page.items[0].content.as_deref(), Some(script.as_str()));
    for shown in [
        format!("{task:?}"),
        format!("{details:#?}"),
        format!("{page:?}"),
    ] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(
            shown.contains(&format!("<{} bytes>", script.len())),
            "{shown}"
        );
    }
}

#[test]
fn panic_messages_hold_no_secret() {
    let credentials = credentials(SECRET);
    let other = Credentials::new(KEY_ID, WRONG_SECRET).unwrap();
    // A failed assertion prints both sides with `Debug`.
    let message = panic_message(|| {
        let left = format!("{credentials:?}");
        let right = format!("{other:?}");
        assert_eq!(left, right, "credentials differ");
    });
    assert!(message.contains("credentials differ"), "{message}");
    assert_clean("a failed assertion", &message);
    let message = panic_message(|| {
        let error = Credentials::new(KEY_ID, "").unwrap_err();
        panic!("{error} / {error:?} / {credentials:?}");
    });
    assert_clean("a panic with an error", &message);
}

#[test]
fn traces_at_trace_level_hold_no_secret() {
    // The error tests above run in this binary too; their traces land in the same buffer.
    let env = Env::with(
        Config::default()
            .with_access_key(KEY_ID, SECRET, &[])
            .with_sts_token(TOKEN),
    );
    captured_traces();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let config = env.config().with_signature_version(version);
        let client: Ureq = Transport::new(&env, &config, credentials(SECRET));
        env.emulator().fail_next(Fault::InternalError, 1);
        client.call(&instance_info(1)).unwrap();
        let client: Reqwest = Transport::new(&env, &config, credentials(SECRET));
        env.emulator().fail_next(Fault::ConnectionReset, 1);
        client.call(&instance_info(1)).unwrap();
    }
    let logs = String::from_utf8_lossy(&captured_traces().0.lock().unwrap()).into_owned();
    assert!(logs.contains("di.attempt"), "nothing was traced:\n{logs}");
    assert!(logs.contains("retrying"), "no retry was traced:\n{logs}");
    assert_clean("the traces", &logs);
}
