//! What is particular to the reqwest transport: how its failures map (a refused port, a
//! trickling body, an oversized body), that its futures are `Send`, and a smoke run against
//! the emulator. The behaviour shared with di-ureq is tested in di-conformance.

use std::time::{Duration, Instant};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Fault, Handle, TaskState};
use di_reqwest::di_proto::client::ClientConfig;
use di_reqwest::di_proto::flow::{StepKind, StepOutcome, TaskOutcome};
use di_reqwest::di_proto::ops::{ChangeOutcome, DeleteDiSyncTask, Operation};
use di_reqwest::di_proto::retry::RetryPolicy;
use di_reqwest::di_proto::{Credentials, RpcRequest};
use di_reqwest::{Client, Error, TransportErrorKind};

fn demo() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
}

fn client(endpoint: &str, config: ClientConfig) -> Client {
    Client::new(&config.with_endpoint(endpoint), demo()).unwrap()
}

fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_attempts(2)
}

async fn emulator() -> Handle {
    di_emulator::start(Config::default()).await.unwrap()
}

fn assert_send<T: Send>(_: T) {}
fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn the_client_is_send_sync_and_its_futures_are_send() {
    assert_send_sync_clone::<Client>();
    assert_error::<Error>();
    let client = client("http://127.0.0.1:1", ClientConfig::new());
    // Built, never polled: no runtime needed.
    assert_send(client.call(&DeleteDiSyncTask::new(10000, 100)));
    assert_send(client.call(&RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")));
    assert_send(client.terminate_di_sync_instance(10000, 100));
    assert_send(client.delete_di_sync_task(10000, 100));
    assert_send(client.teardown(10000, 100));
    // For any operation, whatever its output, as long as it can be shared.
    fn generic<O: Operation + Sync>(client: &Client, operation: &O) {
        assert_send(client.call(operation));
    }
    generic(&client, &DeleteDiSyncTask::new(10000, 100));
    // An https endpoint: the TLS backend is set up at build time.
    let config = ClientConfig::new().with_region("cn-shanghai");
    let regional = Client::new(&config, demo()).unwrap();
    assert_eq!(
        regional.endpoint().to_string(),
        "https://dataworks.cn-shanghai.aliyuncs.com"
    );
}

#[tokio::test]
async fn a_refused_port_is_a_connect_failure_retried_then_reported() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client(
        &format!("http://127.0.0.1:{port}"),
        ClientConfig::new().with_retry_policy(quick()),
    );
    let error = client.delete_di_sync_task(10000, 100).await.unwrap_err();
    let Error::Transport {
        action,
        attempts,
        kind,
        message,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(action, "DeleteDISyncTask");
    // Not sent: retried even though the outcome of a delete matters.
    assert_eq!(*attempts, 2);
    assert_eq!(*kind, TransportErrorKind::Connect);
    let shown = error.to_string();
    assert!(
        shown.starts_with("DeleteDISyncTask: no response after 2 attempt(s): connect: "),
        "{shown}"
    );
    // The URL's query (signature, nonce, token) never shows.
    for secret_part in ["Signature", "AccessKeyId", "?", DEMO_ACCESS_KEY_SECRET] {
        assert!(!message.contains(secret_part), "{message}");
    }
    assert!(error.api().is_none() && error.request_id().is_none());
}

#[tokio::test]
async fn tears_down_through_the_emulator_and_hides_the_secret() {
    let emulator = emulator().await;
    let client = client(&emulator.base_url(), ClientConfig::new());
    let report = client.teardown(10000, 100).await;
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:?}");
    let kinds: Vec<_> = report
        .steps
        .iter()
        .map(|step| (step.kind, step.outcome))
        .collect();
    assert_eq!(
        kinds,
        [
            (StepKind::Terminate, StepOutcome::Done),
            (StepKind::Wait, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert!(report.steps.iter().all(|step| step.request_id.is_some()));
    assert_eq!(emulator.task_state(10000, 100), Some(TaskState::Deleted));
    // Clones share the pool and the clock offset; Debug shows no secret.
    let clone = client.clone();
    assert_eq!(clone.clock_offset(), 0);
    let debug = format!("{clone:?}");
    assert!(debug.contains("127.0.0.1"), "{debug}");
    assert!(!debug.contains(DEMO_ACCESS_KEY_SECRET), "{debug}");
    // Gone now: a second delete is the service's typed answer.
    let error = client.delete_di_sync_task(10000, 100).await.unwrap_err();
    assert!(
        matches!(
            error.api(),
            Some(di_reqwest::di_proto::Error::TaskFailed(_))
        ),
        "{error:?}"
    );
    assert!(error.request_id().is_some());
    emulator.shutdown().await;
}

/// Real time: the read timeout is the client's, on its wall clock, and the body trickles on
/// the emulator's.
#[tokio::test]
async fn real_time_a_trickling_body_times_out_within_the_read_timeout() {
    let emulator = emulator().await;
    let read_timeout = Duration::from_millis(1500);
    let client = client(
        &emulator.base_url(),
        ClientConfig::new()
            .with_read_timeout(read_timeout)
            .with_retry_policy(RetryPolicy::disabled()),
    );
    // One byte per second: every read is quick, the whole body is not.
    emulator.fail_next(Fault::StalledBody, 1);
    let started = Instant::now();
    let error = client
        .terminate_di_sync_instance(10000, 101)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportErrorKind::Timeout,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    // A lower bound only, caused by the configured read timeout.
    assert!(elapsed >= read_timeout, "{elapsed:?}");
    assert_eq!(emulator.counters().requests, 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_retry() {
    let emulator = emulator().await;
    let client = client(
        &emulator.base_url(),
        ClientConfig::new()
            .with_max_response_bytes(4096)
            .with_retry_policy(quick()),
    );
    emulator.fail_next(Fault::HugeBody { bytes: 4097 }, 2);
    let error = client
        .terminate_di_sync_instance(10000, 102)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::ResponseTooLarge { action, limit: 4096 } if action == "TerminateDISyncInstance"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "TerminateDISyncInstance: the response body exceeds 4096 bytes"
    );
    // Exactly at the cap is fine.
    emulator.clear_faults();
    emulator.fail_next(Fault::HugeBody { bytes: 4096 }, 1);
    let output = client.delete_di_sync_task(10000, 102).await.unwrap();
    assert_eq!(output.outcome, ChangeOutcome::Done);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_at_most_max_connections() {
    const CAP: usize = 4;
    const TASKS: i64 = 200;
    let emulator = emulator().await;
    let client = client(
        &emulator.base_url(),
        ClientConfig::new().with_max_connections(CAP),
    );
    let before = emulator.counters().connections;
    let calls: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let read = RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")
                    .query_param("ProjectId", "10000")
                    .query_param("TaskType", "DI_REALTIME")
                    .query_param("FileId", (100 + task % 3).to_string());
                client.call(&read).await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let counters = emulator.counters();
    assert_eq!(counters.requests, u64::try_from(TASKS).unwrap());
    let opened = counters.connections - before;
    assert!(
        (1..=u64::try_from(CAP).unwrap()).contains(&opened),
        "{opened} connections for {TASKS} tasks under a cap of {CAP}"
    );
    emulator.shutdown().await;
}
