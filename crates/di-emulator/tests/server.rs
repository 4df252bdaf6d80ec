//! The emulator's HTTP side, over raw HTTP/1.1 on 127.0.0.1: the control routes, every fault,
//! the body cap, keep-alive, shutdown, and the binary's first line. The answers of the service
//! core are not checked here (`contract.rs` does), but for the gateway's refusal of the unsigned
//! request every test sends: HTTP 400 `MissingVersion`.
//!
//! The tests named `real_time_...` measure or wait for real time on purpose (a delayed or
//! trickled answer, an idle timeout, a shutdown, a process exiting); no other test sleeps.

use std::io::ErrorKind;
use std::time::{Duration, Instant, SystemTime};

use di_emulator::{Config, Fault, Handle, TaskState};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A minimal API request asking for JSON; the gateway refuses it (no signature), which is fine
/// here.
const DELETE: &str = "POST /?Action=DeleteDISyncTask&Format=JSON HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
/// The longest any single step of a test may take.
const STEP: Duration = Duration::from_secs(5);

async fn emulator() -> Handle {
    di_emulator::start(Config::default()).await.unwrap()
}

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(STEP, future)
        .await
        .expect("the step took too long")
}

/// One HTTP/1.1 answer, read off the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A raw connection to the emulator.
struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn connect(handle: &Handle) -> Client {
        let stream = within(TcpStream::connect(handle.local_addr()))
            .await
            .unwrap();
        Client {
            stream: BufReader::new(stream),
        }
    }

    async fn send(&mut self, raw: &[u8]) {
        within(self.stream.get_mut().write_all(raw)).await.unwrap();
    }

    async fn read_head(&mut self) -> (u16, Vec<(String, String)>) {
        let mut line = String::new();
        within(self.stream.read_line(&mut line)).await.unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {line:?}"));
        let mut headers = Vec::new();
        loop {
            line.clear();
            within(self.stream.read_line(&mut line)).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                return (status, headers);
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
    }

    /// Reads one answer with a `Content-Length` body.
    async fn read_reply(&mut self) -> Reply {
        let (status, headers) = self.read_head().await;
        let mut reply = Reply {
            status,
            headers,
            body: Vec::new(),
        };
        let length: usize = reply
            .header("content-length")
            .map_or(0, |length| length.parse().unwrap());
        reply.body = vec![0; length];
        within(self.stream.read_exact(&mut reply.body))
            .await
            .unwrap();
        reply
    }

    async fn exchange(&mut self, raw: &[u8]) -> Reply {
        self.send(raw).await;
        self.read_reply().await
    }

    /// Everything the server sends until it closes the connection (a reset counts as a
    /// close).
    async fn read_to_close(&mut self) -> Vec<u8> {
        let mut received = Vec::new();
        match within(self.stream.read_to_end(&mut received)).await {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
            Err(error) => panic!("reading failed: {error}"),
        }
        received
    }
}

/// Sends one request on a fresh connection and reads its answer.
async fn exchange(handle: &Handle, raw: &[u8]) -> Reply {
    Client::connect(handle).await.exchange(raw).await
}

fn request(method: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Checks an error answer written by the emulator itself (not the service core).
fn assert_own_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert!(reply.header("date").is_some());
    assert!(
        reply
            .header("content-type")
            .is_some_and(|kind| kind.starts_with("application/json"))
    );
    let body = reply.json();
    assert_eq!(body["Code"], code);
    assert!(body["Message"].as_str().is_some_and(|m| !m.is_empty()));
    let request_id = body["RequestId"].as_str().unwrap();
    assert_eq!(reply.header("x-acs-request-id"), Some(request_id));
}

#[tokio::test]
async fn control_routes_plan_faults_and_report_counters() {
    let handle = emulator().await;
    let mut control = Client::connect(&handle).await;

    let planned = control
        .exchange(&request(
            "POST",
            "/_emulator/faults",
            r#"{"fault":"internal_error","count":1}"#,
        ))
        .await;
    assert_eq!(planned.status, 204);
    assert!(planned.header("date").is_some());

    let served = exchange(&handle, DELETE.as_bytes()).await;
    assert_own_error(&served, 500, "InternalError.System");
    assert!(served.json()["HostId"].is_string());

    let counters = control
        .exchange(&request("GET", "/_emulator/counters", ""))
        .await;
    assert_eq!(counters.status, 200);
    let body = counters.json();
    assert_eq!(body["requests"], 1, "{body}");
    assert_eq!(body["faults_served"], 1);
    assert_eq!(body["connections"], 2);
    let counters = handle.counters();
    assert_eq!(
        (
            counters.requests,
            counters.connections,
            counters.faults_served
        ),
        (1, 2, 1)
    );

    // A rate of 1000 per mille serves every request, until cleared.
    let planned = control
        .exchange(&request(
            "POST",
            "/_emulator/faults",
            r#"{"fault":"throttling","per_mille":1000,"retry_after_ms":250}"#,
        ))
        .await;
    assert_eq!(planned.status, 204);
    for _ in 0..2 {
        assert_eq!(exchange(&handle, DELETE.as_bytes()).await.status, 429);
    }
    let cleared = control
        .exchange(&request("DELETE", "/_emulator/faults", ""))
        .await;
    assert_eq!(cleared.status, 204);
    assert_own_error(
        &exchange(&handle, DELETE.as_bytes()).await,
        400,
        "MissingVersion",
    );
    assert_eq!(handle.counters().faults_served, 3);

    for bad in [
        "{not json",
        r#"{"fault":"gremlins","count":1}"#,
        r#"{"fault":"delay","count":1}"#,
        r#"{"fault":"internal_error"}"#,
    ] {
        let refused = control
            .exchange(&request("POST", "/_emulator/faults", bad))
            .await;
        assert_eq!(refused.status, 400, "{bad}");
        assert!(refused.json()["error"].is_string(), "{bad}");
    }

    let task = control
        .exchange(&request("GET", "/_emulator/tasks/10000/100", ""))
        .await;
    assert_eq!(task.status, 200);
    assert_eq!(task.json()["state"], "deployed");
    handle.set_task_state(10000, 100, TaskState::Undeployed);
    let task = control
        .exchange(&request("GET", "/_emulator/tasks/10000/100", ""))
        .await;
    assert_eq!(task.json()["state"], "undeployed");
    let missing = control
        .exchange(&request("GET", "/_emulator/tasks/1/1", ""))
        .await;
    assert_eq!(missing.status, 404);
    let wrong_method = control
        .exchange(&request("PUT", "/_emulator/counters", ""))
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow"), Some("GET"));

    // The control routes are not API requests.
    assert_eq!(handle.counters().requests, 4);
    handle.shutdown().await;
}

#[tokio::test]
async fn connection_reset_closes_without_answering() {
    let handle = emulator().await;
    handle.fail_next(Fault::ConnectionReset, 1);
    let mut client = Client::connect(&handle).await;
    client.send(DELETE.as_bytes()).await;
    assert_eq!(client.read_to_close().await, b"");
    assert_eq!(handle.counters().faults_served, 1);
    // The next request is served.
    assert_own_error(
        &exchange(&handle, DELETE.as_bytes()).await,
        400,
        "MissingVersion",
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn lost_response_closes_without_answering() {
    let handle = emulator().await;
    handle.fail_next(Fault::LostResponse, 1);
    let mut client = Client::connect(&handle).await;
    client.send(DELETE.as_bytes()).await;
    assert_eq!(client.read_to_close().await, b"");
    let counters = handle.counters();
    assert_eq!((counters.requests, counters.faults_served), (1, 1));
    handle.shutdown().await;
}

/// Serialises a signed request as HTTP/1.1.
fn raw_request(request: &di_proto::http::Request<Vec<u8>>) -> Vec<u8> {
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |target| target.as_str());
    let mut raw = format!("{} {target} HTTP/1.1\r\n", request.method()).into_bytes();
    for (name, value) in request.headers() {
        raw.extend_from_slice(name.as_str().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(b"\r\n");
    }
    if !request.headers().contains_key("content-length") {
        raw.extend_from_slice(format!("content-length: {}\r\n", request.body().len()).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(request.body());
    raw
}

#[tokio::test]
async fn lost_response_applies_the_change() {
    use di_proto::ops::{DeleteDiSyncTask, Operation};
    use di_proto::{Credentials, Endpoint, Signer, Timestamp};

    let handle = emulator().await;
    // A deployed task cannot be deleted: undeploy it first.
    handle.set_task_state(10000, 100, TaskState::Undeployed);
    handle.fail_next(Fault::LostResponse, 1);

    let credentials = Credentials::new(
        di_emulator::DEMO_ACCESS_KEY_ID,
        di_emulator::DEMO_ACCESS_KEY_SECRET,
    )
    .unwrap();
    let endpoint = Endpoint::parse(&handle.base_url()).unwrap();
    let operation = DeleteDiSyncTask::new(10000, 100).to_rpc_request().unwrap();
    let now = Timestamp::try_from(SystemTime::now()).unwrap();
    let signed = Signer::new(&credentials, &endpoint)
        .sign(&operation, now, "lost-response-applies-1")
        .unwrap()
        .into_request();

    let mut client = Client::connect(&handle).await;
    client.send(&raw_request(&signed)).await;
    assert_eq!(client.read_to_close().await, b"");
    assert_eq!(
        handle.task_state(10000, 100),
        Some(TaskState::Deleted),
        "the lost DeleteDISyncTask took effect"
    );
    handle.shutdown().await;
}

/// Signs `operation` (V3: its action in the `x-acs-action` header) for `handle`, as HTTP/1.1.
fn signed_v3<O: di_proto::ops::Operation>(handle: &Handle, operation: &O, nonce: &str) -> Vec<u8> {
    use di_proto::sign::SignatureVersion;
    use di_proto::{Credentials, Endpoint, Format, Signer, Timestamp};
    let credentials = Credentials::new(
        di_emulator::DEMO_ACCESS_KEY_ID,
        di_emulator::DEMO_ACCESS_KEY_SECRET,
    )
    .unwrap();
    let endpoint = Endpoint::parse(&handle.base_url()).unwrap();
    let now = Timestamp::try_from(SystemTime::now()).unwrap();
    let signed = Signer::new(&credentials, &endpoint)
        .with_signature_version(SignatureVersion::V3)
        .with_format(Format::Json)
        .sign(&operation.to_rpc_request().unwrap(), now, nonce)
        .unwrap()
        .into_request();
    raw_request(&signed)
}

#[tokio::test]
async fn a_fault_for_one_action_passes_other_actions_by() {
    use di_proto::ops::{DeleteDiSyncTask, GetDiSyncInstanceInfo};

    let handle = emulator().await;
    let mut control = Client::connect(&handle).await;
    let planned = control
        .exchange(&request(
            "POST",
            "/_emulator/faults",
            r#"{"fault":"lost_response","count":1,"action":"DeleteDISyncTask"}"#,
        ))
        .await;
    assert_eq!(planned.status, 204);

    // V1 requests of other actions are answered (the gateway refuses them unsigned).
    let terminate = "POST /?Action=TerminateDISyncInstance&Format=JSON HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
    let answered = exchange(&handle, terminate.as_bytes()).await;
    assert_own_error(&answered, 400, "MissingVersion");
    assert_eq!(handle.counters().faults_served, 0);
    // The first DeleteDISyncTask meets the fault; the next one is answered.
    let mut client = Client::connect(&handle).await;
    client.send(DELETE.as_bytes()).await;
    assert_eq!(client.read_to_close().await, b"");
    assert_eq!(handle.counters().faults_served, 1);
    assert_own_error(
        &exchange(&handle, DELETE.as_bytes()).await,
        400,
        "MissingVersion",
    );

    // Through the Handle, with signed V3 requests: the action is the x-acs-action header.
    handle.set_task_state(10000, 100, TaskState::Undeployed);
    handle.fail_next_for("DeleteDISyncTask", Fault::LostResponse, 1);
    let info = exchange(
        &handle,
        &signed_v3(
            &handle,
            &GetDiSyncInstanceInfo::new(10000, 100),
            "one-action-1",
        ),
    )
    .await;
    assert_eq!(info.status, 200, "{}", info.text());
    assert_eq!(info.json()["Data"]["Status"], "NORUN");
    let mut client = Client::connect(&handle).await;
    client
        .send(&signed_v3(
            &handle,
            &DeleteDiSyncTask::new(10000, 100),
            "one-action-2",
        ))
        .await;
    assert_eq!(client.read_to_close().await, b"");
    assert_eq!(handle.task_state(10000, 100), Some(TaskState::Deleted));
    let counters = handle.counters();
    assert_eq!((counters.requests, counters.faults_served), (5, 2));

    // A misspelt action is refused, not queued for ever.
    let refused = control
        .exchange(&request(
            "POST",
            "/_emulator/faults",
            r#"{"fault":"lost_response","count":1,"action":"DeleteDiSyncTask"}"#,
        ))
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["error"],
        "\"action\" must name an action served here: DeleteDISyncTask, \
         TerminateDISyncInstance, GetDISyncInstanceInfo, StopDISyncInstance, \
         StartDISyncInstance, DeployDISyncTask, GetDISyncTask, CreateDISyncTask, \
         UpdateDISyncTask, GenerateDISyncTaskConfigForCreating, \
                 GenerateDISyncTaskConfigForUpdating, QueryDISyncTaskConfigProcessResult, \
                 ListRefDISyncTasks, ListFiles, GetFile, ListFolders, AssumeRole, \
                 AssumeRoleWithOIDC"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn throttling_sends_retry_after() {
    let handle = emulator().await;
    handle.fail_next(
        Fault::Throttling {
            retry_after_ms: Some(250),
        },
        1,
    );
    handle.fail_next(
        Fault::Throttling {
            retry_after_ms: None,
        },
        1,
    );
    let mut client = Client::connect(&handle).await;
    let first = client.exchange(DELETE.as_bytes()).await;
    assert_own_error(&first, 429, "Throttling.User");
    assert_eq!(first.header("x-acs-retry-after"), Some("250"));
    // The connection stays usable.
    let second = client.exchange(DELETE.as_bytes()).await;
    assert_own_error(&second, 429, "Throttling.User");
    assert_eq!(second.header("x-acs-retry-after"), None);
    assert_ne!(first.json()["RequestId"], second.json()["RequestId"]);
    handle.shutdown().await;
}

#[tokio::test]
async fn proxy_502_is_an_html_page() {
    let handle = emulator().await;
    handle.fail_next(Fault::ProxyHtml502, 1);
    let reply = exchange(&handle, DELETE.as_bytes()).await;
    assert_eq!(reply.status, 502);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|kind| kind.starts_with("text/html"))
    );
    assert!(reply.header("date").is_some());
    assert!(reply.text().contains("<html>"), "{}", reply.text());
    assert!(reply.text().contains("502 Bad Gateway"));
    handle.shutdown().await;
}

#[tokio::test]
async fn truncated_body_sends_half_with_a_matching_length() {
    let handle = emulator().await;
    let mut client = Client::connect(&handle).await;
    let whole = client.exchange(DELETE.as_bytes()).await;
    handle.fail_next(Fault::TruncatedBody, 1);
    // `read_reply` reads exactly `Content-Length` bytes.
    let cut = client.exchange(DELETE.as_bytes()).await;
    assert_eq!(cut.status, whole.status);
    assert_eq!(
        cut.header("content-length"),
        Some(cut.body.len().to_string().as_str())
    );
    // Both answers are the same gateway refusal, up to their request ids.
    assert!(
        cut.body.len().abs_diff(whole.body.len() / 2) <= 4,
        "{} bytes of {}",
        cut.body.len(),
        whole.body.len()
    );
    assert!(!cut.body.is_empty() || whole.body.len() < 2);
    // The connection is still in step: another request is answered in full.
    let again = client.exchange(DELETE.as_bytes()).await;
    assert_eq!(again.status, whole.status);
    handle.shutdown().await;
}

#[tokio::test]
async fn real_time_delay_holds_the_answer_back() {
    let handle = emulator().await;
    handle.fail_next(Fault::Delay(Duration::from_millis(400)), 1);
    let started = Instant::now();
    let reply = exchange(&handle, DELETE.as_bytes()).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_own_error(&reply, 400, "MissingVersion");
    handle.shutdown().await;
}

#[tokio::test]
async fn real_time_stalled_body_sends_the_head_then_trickles() {
    let handle = emulator().await;
    handle.fail_next(Fault::StalledBody, 1);
    let mut client = Client::connect(&handle).await;
    client.send(DELETE.as_bytes()).await;
    // The head comes before the body, which trickles (timed below, as a lower bound).
    let (_, headers) = client.read_head().await;
    let length: usize = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.parse().unwrap())
        .unwrap();
    assert!(length >= 2, "a body of {length} bytes");
    let started = Instant::now();
    let mut two = [0; 2];
    within(client.stream.read_exact(&mut two)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "two bytes took {:?}",
        started.elapsed()
    );
    // Dropping the client mid-body must not hold the shutdown for long.
    drop(client);
    within(handle.shutdown()).await;
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused() {
    let handle = emulator().await;
    let body = vec![b'a'; 2 * 1024 * 1024];
    let mut raw = format!(
        "POST /?Action=DeleteDISyncTask&Format=JSON HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    let mut client = Client::connect(&handle).await;
    let reply = client.exchange(&raw).await;
    assert_own_error(&reply, 413, "InvalidParameter");
    // The body was read and discarded: the connection goes on.
    assert_own_error(
        &client.exchange(DELETE.as_bytes()).await,
        400,
        "MissingVersion",
    );
    assert_eq!(handle.counters().requests, 2);
    handle.shutdown().await;
}

#[tokio::test]
async fn keep_alive_serves_many_requests_on_one_connection() {
    let handle = emulator().await;
    let mut client = Client::connect(&handle).await;
    for _ in 0..5 {
        let reply = client.exchange(DELETE.as_bytes()).await;
        assert_own_error(&reply, 400, "MissingVersion");
    }
    let counters = handle.counters();
    assert_eq!((counters.requests, counters.connections), (5, 1));
    handle.shutdown().await;
}

#[tokio::test]
async fn real_time_an_idle_timeout_closes_kept_alive_connections_between_requests() {
    let config = Config::default().with_idle_timeout(Duration::from_millis(100));
    let handle = di_emulator::start(config).await.unwrap();
    let mut client = Client::connect(&handle).await;
    // Requests that follow each other closely share the connection...
    for _ in 0..3 {
        assert_own_error(
            &client.exchange(DELETE.as_bytes()).await,
            400,
            "MissingVersion",
        );
    }
    // ...until it sits idle: then the emulator closes it without a word.
    let idle_since = Instant::now();
    assert_eq!(client.read_to_close().await, b"");
    let idle = idle_since.elapsed();
    assert!(idle >= Duration::from_millis(90), "closed after {idle:?}");
    let counters = handle.counters();
    assert_eq!((counters.requests, counters.connections), (3, 1));
    handle.shutdown().await;
}

#[tokio::test]
async fn a_skewed_clock_moves_the_date_header() {
    let skew = 20 * 60;
    let handle = di_emulator::start(Config::default().with_clock_skew(skew))
        .await
        .unwrap();
    let reply = exchange(&handle, DELETE.as_bytes()).await;
    let date = httpdate::parse_http_date(reply.header("date").unwrap()).unwrap();
    let ahead = date
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .as_secs();
    assert!(
        (skew as u64 - 5..=skew as u64 + 5).contains(&ahead),
        "{ahead}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn shutdown_does_not_wait_for_idle_connections_and_closes_them() {
    let handle = emulator().await;
    let address = handle.local_addr();
    let mut idle = Client::connect(&handle).await;
    idle.exchange(DELETE.as_bytes()).await;
    // An idle connection does not hold the shutdown up (`within` only guards against a hang).
    within(handle.shutdown()).await;
    assert_eq!(idle.read_to_close().await, b"");
    assert!(TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn real_time_shutdown_lets_a_request_in_flight_finish() {
    let handle = emulator().await;
    handle.fail_next(Fault::Delay(Duration::from_millis(300)), 1);
    let mut client = Client::connect(&handle).await;
    client.send(DELETE.as_bytes()).await;
    // Let the request reach the server before stopping it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown = tokio::spawn(handle.shutdown());
    let reply = client.read_reply().await;
    assert_own_error(&reply, 400, "MissingVersion");
    within(shutdown).await.unwrap();
}

#[tokio::test]
async fn real_time_dropping_the_handle_stops_the_server() {
    let handle = emulator().await;
    let address = handle.local_addr();
    drop(handle);
    let deadline = Instant::now() + Duration::from_secs(2);
    while TcpStream::connect(address).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn start_refuses_a_non_loopback_address_without_the_opt_in() {
    let config = Config::default().with_listen("0.0.0.0:0".parse().unwrap());
    let error = di_emulator::start(config).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn debug_output_keeps_the_secret_out() {
    let handle = emulator().await;
    let shown = format!("{handle:?}");
    assert!(
        !shown.contains(di_emulator::DEMO_ACCESS_KEY_SECRET),
        "{shown}"
    );
    handle.shutdown().await;
}

#[test]
fn handle_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Handle>();
}

#[test]
fn real_time_the_binary_prints_the_base_url_first() {
    use std::io::{BufRead, Read};
    use std::process::{Command, Stdio};

    /// Kills the emulator if the test fails half-way.
    struct Reaper(std::process::Child);
    impl Drop for Reaper {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let mut child = Reaper(
        Command::new(env!("CARGO_BIN_EXE_di-emulator"))
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first.trim_end_matches('\n');
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("not a base URL: {first:?}"));
    assert_ne!(port, 0);

    // It serves there.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(STEP)).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /_emulator/counters HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // SIGTERM stops it cleanly; elsewhere, kill it.
    #[cfg(unix)]
    {
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + STEP;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the emulator ignored SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status}");
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // Nothing follows the URL on stdout.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
}

#[test]
fn the_binary_refuses_bad_arguments_with_status_2() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_di-emulator"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_di-emulator"))
        .args(["--fail-messages", "loud"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "di-emulator: invalid --fail-messages \"loud\": expected default, opaque or misleading\n"
        ),
        "{stderr}"
    );
}
