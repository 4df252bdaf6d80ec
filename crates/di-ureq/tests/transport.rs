//! What only the ureq transport decides, checked over loopback: error mapping, the single
//! `Host` header, read timeouts on a slow or trickling answer, the body cap, the deadline,
//! and a teardown against the emulator.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use di_emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Fault, Handle, TaskState};
use di_ureq::di_proto::client::ClientConfig;
use di_ureq::di_proto::flow::{StepKind, StepOutcome, TaskAction, TaskOutcome};
use di_ureq::di_proto::ops::ChangeOutcome;
use di_ureq::di_proto::retry::RetryPolicy;
use di_ureq::di_proto::sign::SignatureVersion;
use di_ureq::di_proto::{self, Credentials, Format};
use di_ureq::{Client, Error, TransportErrorKind};

struct Emulator {
    runtime: tokio::runtime::Runtime,
    handle: Option<Handle>,
}

impl Emulator {
    fn start() -> Emulator {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let handle = runtime
            .block_on(di_emulator::start(di_emulator::Config::default()))
            .unwrap();
        Emulator {
            runtime,
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &Handle {
        self.handle.as_ref().unwrap()
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new()
            .with_endpoint(self.handle().base_url())
            .with_retry_policy(quick_policy())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

fn demo() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
}

fn quick_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_attempts(3)
}

#[test]
fn tears_down_against_the_emulator_and_hides_the_secret() {
    let emulator = Emulator::start();
    let client = Client::new(&emulator.config(), demo()).unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains(DEMO_ACCESS_KEY_SECRET), "{debug}");
    assert!(debug.contains("proxy: None"), "{debug}");

    let report = client.teardown(10000, 100);
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
    assert_eq!(
        emulator.handle().task_state(10000, 100),
        Some(TaskState::Deleted)
    );
    assert_eq!(client.clock_offset(), 0);

    // Not deployed: the teardown goes on to the delete.
    emulator
        .handle()
        .set_task_state(10000, 101, TaskState::Undeployed);
    let report = client.teardown(10000, 101);
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:?}");
    assert_eq!(
        report.step(StepKind::Terminate).map(|step| step.outcome),
        Some(StepOutcome::AlreadyDone)
    );

    // V1 and XML through the same agent; clones share it.
    let v1 = emulator
        .config()
        .with_signature_version(SignatureVersion::V1)
        .with_format(Format::Xml);
    let v1 = Client::new(&v1, demo()).unwrap();
    let clone = v1.clone();
    assert_eq!(clone.teardown(10000, 102).outcome, TaskOutcome::Done);

    // One pool per client: sequential calls reuse a connection.
    let before = emulator.handle().counters();
    for file in 200..205 {
        emulator
            .handle()
            .set_task_state(10000, file, TaskState::Undeployed);
        client.delete_di_sync_task(10000, file).unwrap();
    }
    let counters = emulator.handle().counters();
    assert_eq!(counters.requests - before.requests, 5);
    assert!(
        counters.connections - before.connections <= 1,
        "{before:?} -> {counters:?}"
    );

    // A task that does not exist is the service's answer, typed by di-proto.
    let error = client.delete_di_sync_task(10000, 999).unwrap_err();
    assert!(
        matches!(error.api(), Some(di_proto::Error::TaskFailed(_))),
        "{error:?}"
    );
    assert!(error.request_id().is_some());
    // Bad arguments never leave.
    assert!(matches!(
        client.delete_di_sync_task(0, 100),
        Err(Error::Api(di_proto::Error::InvalidParameter { .. }))
    ));
}

#[test]
fn a_refused_connection_is_not_sent_and_retried() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = ClientConfig::new()
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_retry_policy(quick_policy());
    let client = Client::new(&config, demo()).unwrap();
    // Not sent: retried even though nothing is known about the operation's effect.
    match client.delete_di_sync_task(10000, 100) {
        Err(Error::Transport {
            action,
            attempts,
            kind,
            message,
        }) => {
            assert_eq!(action, "DeleteDISyncTask");
            assert_eq!(attempts, 3);
            assert_eq!(kind, TransportErrorKind::Connect);
            assert!(!message.contains("Signature"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let once = Client::new(&config.with_retry_policy(RetryPolicy::disabled()), demo()).unwrap();
    let error = once.terminate_di_sync_instance(10000, 100).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                attempts: 1,
                kind: TransportErrorKind::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("TerminateDISyncInstance: no response after 1 attempt(s): connect: "),
        "{error}"
    );
}

/// Serves one connection with a JSON `body`, and hands back the request head it read.
fn serve_once(body: &'static str) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        let mut request_body = vec![0; length];
        reader.read_exact(&mut request_body).unwrap();
        let mut stream = reader.into_inner();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-acs-request-id: raw-1\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).unwrap();
        stream.flush().unwrap();
        sender.send(head).unwrap();
    });
    (port, receiver)
}

#[test]
fn sends_exactly_one_host_header_and_the_user_agent() {
    const OK: &str = r#"{"Success":true,"RequestId":"raw-1","Data":{"Status":"success"}}"#;
    for version in [SignatureVersion::V3, SignatureVersion::V1] {
        let (port, head) = serve_once(OK);
        let config = ClientConfig::new()
            .with_endpoint(format!("http://127.0.0.1:{port}"))
            .with_signature_version(version)
            .with_user_agent_suffix("conformance/1");
        let client = Client::new(&config, demo()).unwrap();
        let response = client.delete_di_sync_task(10000, 100).unwrap();
        assert_eq!(response.request_id, "raw-1");
        // Sent once the answer is written: the call above returned, so it is there (or the
        // server thread failed, and the channel is closed).
        let head = head.recv().unwrap();
        let values = |name: &str| -> Vec<String> {
            head.lines()
                .filter_map(|line| line.split_once(':'))
                .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim().to_owned())
                .collect()
        };
        assert_eq!(values("host"), [format!("127.0.0.1:{port}")], "{head}");
        assert_eq!(
            values("user-agent"),
            [format!(
                "di/{} (ureq) conformance/1",
                env!("CARGO_PKG_VERSION")
            )],
            "{head}"
        );
    }
}

/// Real time: the read timeout is the client's, on its wall clock, against answers the
/// emulator holds back on its own.
#[test]
fn real_time_read_timeouts_cover_a_slow_answer_and_a_trickling_body() {
    let emulator = Emulator::start();
    let read_timeout = Duration::from_millis(300);
    let config = emulator
        .config()
        .with_read_timeout(read_timeout)
        .with_retry_policy(RetryPolicy::disabled());
    let client = Client::new(&config, demo()).unwrap();

    // The headers come at once, the body one byte per second.
    emulator.handle().fail_next(Fault::StalledBody, 1);
    let started = Instant::now();
    let error = client.terminate_di_sync_instance(10000, 100).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            &error,
            Error::Transport {
                kind: TransportErrorKind::Timeout,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("body"), "{error}");
    // A lower bound only, caused by the configured read timeout.
    assert!(elapsed >= read_timeout, "{elapsed:?}");

    // No headers within the read timeout.
    emulator
        .handle()
        .fail_next(Fault::Delay(Duration::from_secs(3)), 1);
    let started = Instant::now();
    let error = client.terminate_di_sync_instance(10000, 101).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Transport {
                kind: TransportErrorKind::Timeout,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    // A lower bound only, caused by the configured read timeout; the timeout, not the end of
    // the delay, is what the error kind says ended the call.
    assert!(started.elapsed() >= read_timeout, "{:?}", started.elapsed());

    // An idempotent terminate retries a timeout; the retry is refused (the first attempt
    // undeployed the task), and the flow reads the state (NORUN): already done.
    let retrying = Client::new(&config.with_retry_policy(quick_policy()), demo()).unwrap();
    emulator
        .handle()
        .set_task_state(10000, 103, TaskState::Deployed);
    emulator.handle().fail_next(Fault::StalledBody, 1);
    let report = retrying.run(retrying.task(10000, 103, TaskAction::Terminate));
    assert_eq!(report.outcome, TaskOutcome::AlreadyDone, "{report:?}");
    assert_eq!(report.steps[0].retries.len(), 1, "{report:?}");
}

/// Real time: the deadline is the client's, on its wall clock, against an answer the emulator
/// holds back on its own.
#[test]
fn real_time_the_deadline_bounds_an_attempt_in_flight() {
    let emulator = Emulator::start();
    let deadline = Duration::from_millis(400);
    let config = emulator
        .config()
        .with_retry_policy(quick_policy().with_deadline(Some(deadline)));
    let client = Client::new(&config, demo()).unwrap();
    emulator
        .handle()
        .fail_next(Fault::Delay(Duration::from_secs(3)), 1);
    let started = Instant::now();
    let error = client.delete_di_sync_task(10000, 100).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Transport {
                kind: TransportErrorKind::Timeout,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("deadline"), "{error}");
    // A lower bound only, caused by the configured deadline.
    assert!(started.elapsed() >= deadline, "{:?}", started.elapsed());
}

#[test]
fn caps_the_body_and_maps_a_dropped_connection() {
    let emulator = Emulator::start();
    let config = emulator
        .config()
        .with_max_response_bytes(1024)
        .with_retry_policy(RetryPolicy::disabled());
    let client = Client::new(&config, demo()).unwrap();

    emulator
        .handle()
        .fail_next(Fault::HugeBody { bytes: 1025 }, 1);
    match client.terminate_di_sync_instance(10000, 100) {
        Err(Error::ResponseTooLarge { action, limit }) => {
            assert_eq!(action, "TerminateDISyncInstance");
            assert_eq!(limit, 1024);
        }
        other => panic!("{other:?}"),
    }
    // Exactly at the cap is fine.
    emulator
        .handle()
        .set_task_state(10000, 100, TaskState::Deployed);
    emulator
        .handle()
        .fail_next(Fault::HugeBody { bytes: 1024 }, 1);
    client.terminate_di_sync_instance(10000, 100).unwrap();

    emulator.handle().fail_next(Fault::ConnectionReset, 1);
    let error = client.delete_di_sync_task(10000, 100).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Transport {
                kind: TransportErrorKind::ConnectionClosed,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );

    // With retries, a lost answer ends in AlreadyDone.
    let retrying = Client::new(&config.with_retry_policy(quick_policy()), demo()).unwrap();
    emulator.handle().fail_next(Fault::LostResponse, 1);
    let output = retrying.delete_di_sync_task(10000, 100).unwrap();
    assert!(
        matches!(output.outcome, ChangeOutcome::AlreadyDone { .. }),
        "{output:?}"
    );
}

const PROXY_CHILD: &str = "child_with_a_socks_proxy_and_no_proxy";

/// The variables the child runs with: every other proxy variable is removed.
const SOCKS_AND_NO_PROXY: [(&str, &str); 2] = [
    ("ALL_PROXY", "socks5://user:hunter2@proxy.invalid:1080"),
    ("NO_PROXY", "localhost, .example.com"),
];

/// di-proto's one proxy policy, from the process's environment: a host that `NO_PROXY`'s
/// `.example.com` lists goes direct; any other is refused its SOCKS `ALL_PROXY` at build time,
/// with the message di-reqwest gives (`crates/di-reqwest/tests/proxy.rs` runs the same child).
///
/// Setting environment variables in-process would race the other tests: the test runs this
/// binary again as a child with them set, and the child builds the clients.
#[test]
fn no_proxy_and_socks_follow_the_one_policy() {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        PROXY_CHILD,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "all_proxy",
        "no_proxy",
        "REQUEST_METHOD",
    ] {
        child.env_remove(name);
    }
    let status = child.envs(SOCKS_AND_NO_PROXY).status().unwrap();
    assert!(status.success(), "the child failed: {status}");
}

/// Run by the test above, with [`SOCKS_AND_NO_PROXY`] set.
#[test]
#[ignore = "run by no_proxy_and_socks_follow_the_one_policy, with proxy variables set"]
fn child_with_a_socks_proxy_and_no_proxy() {
    let config = ClientConfig::new().with_retry_policy(RetryPolicy::disabled());
    for endpoint in [
        "https://example.com",
        "https://dataworks.example.com",
        "https://DataWorks.Example.COM:8443",
        "http://127.0.0.1:1",
        "http://localhost:1",
    ] {
        let client = Client::new(&config.clone().with_endpoint(endpoint), demo()).unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("proxy: None"), "{endpoint}: {debug}");
    }
    for endpoint in [
        "https://dataworks.cn-shanghai.aliyuncs.com",
        "https://example.com.cn",
        "https://notexample.com",
    ] {
        let error = Client::new(&config.clone().with_endpoint(endpoint), demo()).unwrap_err();
        let Error::Build(message) = &error else {
            panic!("{endpoint}: {error:?}");
        };
        assert_eq!(
            message,
            "ALL_PROXY names a SOCKS proxy; only HTTP(S) proxies (http:// or https://, with \
             CONNECT) are supported",
            "{endpoint}"
        );
        assert!(
            !format!("{error} {error:?}").contains("hunter2"),
            "{error:?}"
        );
    }
}
