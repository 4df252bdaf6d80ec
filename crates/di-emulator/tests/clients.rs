//! The emulator driven over loopback HTTP by di-proto-signed calls, through a small blocking
//! client (ureq plus di-proto's `CallFlow` loop): both signature versions, both formats, STS,
//! the gateway's refusals, every fault kind ending in success or the right typed error, and 64
//! concurrent clients.
//!
//! The client never sleeps: the waits `CallFlow` asks for between attempts pass on its own
//! clock (the time it is given), as the emulator answers the same whenever the retry comes.

use std::io::Read;
use std::time::{Duration, Instant, SystemTime};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Fault, Handle, TaskState};
use di_proto::client::{ClientError, TransportErrorKind};
use di_proto::flow::{Action, CallFlow, Flow, Input, NoResponse};
use di_proto::ops::{ChangeOutcome, DeleteDiSyncTask, Operation, TerminateDiSyncInstance};
use di_proto::retry::{RetryPolicy, TransportFailure};
use di_proto::sign::SignatureVersion;
use di_proto::{Credentials, Endpoint, Error, Format, RpcRequest, Signer, Timestamp};

const STS_TOKEN: &str = "CAIS.emulator.test.token";

struct Emulator {
    runtime: tokio::runtime::Runtime,
    handle: Option<Handle>,
}

impl Emulator {
    fn start() -> Emulator {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let config = Config::default().with_sts_token(STS_TOKEN);
        let handle = runtime.block_on(di_emulator::start(config)).unwrap();
        Emulator {
            runtime,
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &Handle {
        self.handle.as_ref().unwrap()
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint::parse(&self.handle().base_url()).unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(3)))
        .build()
        .into()
}

fn demo() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
}

/// The random bytes of an attempt: a nonce never drawn before in this process, and the
/// jitter `1 << 63` (half the full-jitter range).
fn fresh_random() -> [u8; 24] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut random = [0; 24];
    random[..8].copy_from_slice(&nanos.to_le_bytes());
    random[8..16].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    random[16..].copy_from_slice(&(1u64 << 63).to_le_bytes());
    random
}

/// What a transport does around `CallFlow`: sign, send, read, wait, repeat. The waits are on
/// an injected clock: the flow is told that the time it asked for has passed (the real
/// elapsed time plus every wait so far), without sleeping.
fn run<O: Operation>(
    agent: &ureq::Agent,
    signer: Signer<'_>,
    operation: &O,
    policy: RetryPolicy,
) -> Result<O::Output, Error> {
    let started = Instant::now();
    let mut waited = Duration::ZERO;
    let mut flow = CallFlow::new(operation, policy);
    let mut input = Input::Start;
    loop {
        let action = flow.next(started.elapsed() + waited, input);
        while let Some(event) = flow.poll_event() {
            println!("{event}");
        }
        input = match action {
            Action::Done(Ok(output)) => return Ok(output),
            Action::Done(Err(ClientError::Api(error))) => return Err(error),
            Action::Done(Err(error)) => panic!("transport failed, stopped: {error:?}"),
            Action::Sleep(delay) => {
                waited += delay;
                Input::Woke
            }
            Action::Send { .. } => {
                let now = Timestamp::try_from(SystemTime::now() + waited)?;
                let request = flow.sign(signer, now, fresh_random())?;
                let lost = |message| {
                    let failure = TransportFailure::OutcomeUnknown;
                    Input::NoResponse(NoResponse::new(failure, TransportErrorKind::Other, message))
                };
                match agent.run(request) {
                    Ok(response) => {
                        let (parts, mut body) = response.into_parts();
                        let mut bytes = Vec::new();
                        match body.as_reader().read_to_end(&mut bytes) {
                            Ok(_) => Input::Response(http::Response::from_parts(parts, bytes)),
                            Err(error) => lost(format!("reading the body: {error}")),
                        }
                    }
                    Err(error) => lost(error.to_string()),
                }
            }
        };
    }
}

fn quick_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_attempts(4)
}

#[test]
fn tears_down_over_http_with_every_signature_format_and_credential() {
    let emulator = Emulator::start();
    let endpoint = emulator.endpoint();
    let agent = agent();
    let sts = demo().with_security_token(STS_TOKEN).unwrap();
    let mut file = 200;
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for format in [Format::Json, Format::Xml] {
            for credentials in [demo(), sts.clone()] {
                file += 1;
                emulator
                    .handle()
                    .set_task_state(10000, file, TaskState::Deployed);
                let signer = Signer::new(&credentials, &endpoint)
                    .with_signature_version(version)
                    .with_format(format);
                let terminate = TerminateDiSyncInstance::new(10000, file);
                let done = run(&agent, signer, &terminate, quick_policy()).unwrap();
                assert_eq!(done.outcome, ChangeOutcome::Done, "{version:?} {format:?}");
                let delete = DeleteDiSyncTask::new(10000, file);
                assert_eq!(
                    run(&agent, signer, &delete, quick_policy())
                        .unwrap()
                        .outcome,
                    ChangeOutcome::Done
                );
                assert_eq!(
                    emulator.handle().task_state(10000, file),
                    Some(TaskState::Deleted)
                );
            }
        }
    }
    // The generic call reads the state back.
    let info = RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")
        .query_param("ProjectId", "10000")
        .query_param("TaskType", "DI_REALTIME")
        .query_param("FileId", "100");
    let credentials = demo();
    let response = run(
        &agent,
        Signer::new(&credentials, &endpoint),
        &info,
        quick_policy(),
    )
    .unwrap();
    assert!(
        response.body.contains("\"Status\":\"RUN\""),
        "{}",
        response.body
    );
}

#[test]
fn the_gateway_refuses_over_http() {
    let emulator = Emulator::start();
    let endpoint = emulator.endpoint();
    let agent = agent();
    let delete = DeleteDiSyncTask::new(10000, 100);
    let wrong = Credentials::new(DEMO_ACCESS_KEY_ID, "not the secret").unwrap();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signer = Signer::new(&wrong, &endpoint).with_signature_version(version);
        match run(&agent, signer, &delete, quick_policy()) {
            Err(Error::SignatureMismatch { diagnosis, .. }) => {
                assert_eq!(
                    diagnosis.cause,
                    di_proto::MismatchCause::WrongSecret,
                    "{version:?}"
                );
            }
            other => panic!("{version:?}: {other:?}"),
        }
    }
    let stranger = Credentials::new("LTAI5tNobody", "x").unwrap();
    assert!(matches!(
        run(
            &agent,
            Signer::new(&stranger, &endpoint),
            &delete,
            quick_policy()
        ),
        Err(Error::CredentialsRejected(_))
    ));
    let expired = demo().with_security_token("CAIS.unknown").unwrap();
    assert!(matches!(
        run(
            &agent,
            Signer::new(&expired, &endpoint),
            &delete,
            quick_policy()
        ),
        Err(Error::CredentialsRejected(_))
    ));
}

#[test]
fn faults_end_in_success_or_the_right_error() {
    let emulator = Emulator::start();
    let endpoint = emulator.endpoint();
    let agent = agent();
    let credentials = demo();
    let signer = Signer::new(&credentials, &endpoint);
    let handle = emulator.handle();
    let terminate = |file| TerminateDiSyncInstance::new(10000, file);

    // Transient faults are retried to success.
    for (file, fault) in [
        (100, Fault::InternalError),
        (
            101,
            Fault::Throttling {
                retry_after_ms: Some(20),
            },
        ),
        (
            102,
            Fault::Throttling {
                retry_after_ms: None,
            },
        ),
        (103, Fault::ProxyHtml502),
        (104, Fault::ConnectionReset),
    ] {
        handle.fail_next(fault, 2);
        let output = run(&agent, signer, &terminate(file), quick_policy()).unwrap();
        assert_eq!(output.outcome, ChangeOutcome::Done, "{fault:?}");
    }

    // A lost response: the change happened. The retry is refused with an undocumented
    // message, which is no evidence of the task's state: the call reports the refusal, marked
    // as following an attempt that may have taken effect.
    handle.set_task_state(10000, 105, TaskState::Deployed);
    handle.fail_next(Fault::LostResponse, 1);
    let Err(Error::TaskFailed(failure)) = run(&agent, signer, &terminate(105), quick_policy())
    else {
        panic!("the retry of a lost terminate is refused");
    };
    assert!(failure.after_unknown_outcome, "{failure:?}");
    assert_eq!(failure.message, "fileId:[105] is not deployed.");
    assert_eq!(handle.task_state(10000, 105), Some(TaskState::Undeployed));

    // A truncated body: the change happened too.
    handle.fail_next(Fault::TruncatedBody, 1);
    let delete = DeleteDiSyncTask::new(10000, 105);
    let output = run(&agent, signer, &delete, quick_policy()).unwrap();
    assert!(
        matches!(output.outcome, ChangeOutcome::AlreadyDone { .. }),
        "{output:?}"
    );

    // Persistent faults end as their typed error once the attempts are spent.
    handle.fail_next(Fault::InternalError, 10);
    assert!(matches!(
        run(&agent, signer, &terminate(999), quick_policy()),
        Err(Error::ServerError(_))
    ));
    handle.clear_faults();
    handle.fail_next(
        Fault::Throttling {
            retry_after_ms: Some(120_000),
        },
        1,
    );
    assert!(matches!(
        run(&agent, signer, &terminate(999), quick_policy()),
        Err(Error::Throttled(error)) if error.retry_after == Some(Duration::from_secs(120))
    ));
    handle.clear_faults();

    // A delay below the client's timeout is just slow.
    handle.set_task_state(10000, 106, TaskState::Deployed);
    handle.fail_next(Fault::Delay(Duration::from_millis(50)), 1);
    assert_eq!(
        run(&agent, signer, &terminate(106), quick_policy())
            .unwrap()
            .outcome,
        ChangeOutcome::Done
    );
}

#[test]
fn holds_64_concurrent_clients_for_10000_requests() {
    let emulator = Emulator::start();
    let endpoint = emulator.endpoint();
    let info = RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")
        .query_param("ProjectId", "10000")
        .query_param("TaskType", "DI_REALTIME")
        .query_param("FileId", "100");
    let before = emulator.handle().counters();
    let started = Instant::now();
    let clients = 64;
    let per_client = 10_000 / clients + 1;
    std::thread::scope(|scope| {
        for _ in 0..clients {
            scope.spawn(|| {
                let agent = agent();
                let credentials = demo();
                let signer = Signer::new(&credentials, &endpoint);
                for _ in 0..per_client {
                    run(&agent, signer, &info, RetryPolicy::disabled()).unwrap();
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let counters = emulator.handle().counters();
    let served = counters.requests - before.requests;
    assert_eq!(served, (clients * per_client) as u64);
    println!(
        "{served} requests from {clients} clients in {:.2} s: {:.0} requests/s, {} connections",
        elapsed.as_secs_f64(),
        served as f64 / elapsed.as_secs_f64(),
        counters.connections - before.connections
    );
}
