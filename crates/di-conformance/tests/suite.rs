//! One suite, written once, run over both transports (`di-ureq` blocking, `di-reqwest` async)
//! against the in-process emulator on 127.0.0.1, over plain HTTP and over HTTPS.
//!
//! Each test is a generic function over [`Transport`]; the `suite!` macro instantiates every one
//! for both clients, so the two cannot drift apart.

mod common;

use std::time::{Duration, Instant};

use common::{
    Env, Failure, PROJECT, Reqwest, Transport, Ureq, assert_outcome, assert_request_ids,
    captured_traces, demo, instance_info, quick_wait, refused, step, steps,
};
use di_emulator::{Config, DEMO_ACCESS_KEY_SECRET, Fault, TaskState};
use di_proto::client::ClientConfig;
use di_proto::client::rate::RateLimit;
use di_proto::flow::{StepKind, StepOutcome, TaskAction, TaskOutcome};
use di_proto::ops::ChangeOutcome;
use di_proto::retry::RetryPolicy;
use di_proto::sign::SignatureVersion;
use di_proto::{Error as ApiError, FailureReason, Format};

const STS_TOKEN: &str = "CAIS.conformance.sts.token.SECRETLY";

/// The emulator every test here runs against: the default one, also accepting [`STS_TOKEN`],
/// with every trace captured.
fn start() -> Env {
    captured_traces();
    Env::with(Config::default().with_sts_token(STS_TOKEN))
}

fn both_operations_in_every_signature_format_and_credential<T: Transport>() {
    let env = start();
    let sts = demo().with_security_token(STS_TOKEN).unwrap();
    let mut file = 0;
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for format in [Format::Json, Format::Xml] {
            for credentials in [demo(), sts.clone()] {
                file += 1;
                let config = env
                    .config()
                    .with_signature_version(version)
                    .with_format(format);
                let client = T::new(&env, &config, credentials);
                let terminated = client.terminate(file).unwrap();
                assert_eq!(
                    terminated.outcome,
                    ChangeOutcome::Done,
                    "{version:?} {format:?}"
                );
                assert!(!terminated.request_id.is_empty());
                let deleted = client.delete(file).unwrap();
                assert_eq!(deleted.outcome, ChangeOutcome::Done);
                assert_eq!(
                    env.emulator().task_state(PROJECT, file),
                    Some(TaskState::Deleted)
                );
            }
        }
    }
}

fn fail_status_comes_out_typed<T: Transport>() {
    let env = start();
    let client: T = env.client();
    // Deleting a deployed task: a refusal the service does not document.
    let failure = refused(client.delete(1));
    assert_eq!(failure.action, "DeleteDISyncTask");
    assert_eq!(failure.reason, FailureReason::Undocumented);
    assert!(!failure.after_unknown_outcome);
    assert!(!failure.request_id.is_empty());
    assert_eq!(
        env.emulator().task_state(PROJECT, 1),
        Some(TaskState::Deployed)
    );
    // An unknown task: the one documented refusal.
    let failure = refused(client.terminate(999));
    assert_eq!(failure.message, "fileId:[999] is invalid.");
    assert_eq!(failure.reason, FailureReason::TaskNotFound);
    assert!(!failure.after_unknown_outcome);
}

fn faults_end_in_success_or_the_right_error<T: Transport>() {
    let env = start();
    // The adaptive rate limit would read the injected 429s as the service's limit and pace
    // the calls after them on the real clock (tests/rate.rs covers that); off here, the
    // retries alone are under test.
    let client = T::new(&env, &env.config().with_rate_limit(RateLimit::Off), demo());
    let emulator = env.emulator();
    let transient = [
        Fault::InternalError,
        Fault::Throttling {
            retry_after_ms: Some(30),
        },
        Fault::Throttling {
            retry_after_ms: None,
        },
        Fault::ProxyHtml502,
        Fault::ConnectionReset,
    ];
    for (file, fault) in (1..).zip(transient) {
        let before = emulator.counters().requests;
        emulator.fail_next(fault, 2);
        let output = client
            .terminate(file)
            .unwrap_or_else(|error| panic!("{fault:?}: {error:?}"));
        assert_eq!(output.outcome, ChangeOutcome::Done, "{fault:?}");
        // Every retry passed the nonce check, so every attempt carried a fresh nonce.
        assert_eq!(emulator.counters().requests - before, 3, "{fault:?}");
    }

    // A truncated success: the change happened. The single call's retry meets the
    // service's refusal (the task is undeployed now) and reports it as such: no word of it
    // is taken as "already done".
    emulator.fail_next(Fault::TruncatedBody, 1);
    let failure = refused(client.terminate(20));
    assert_eq!(failure.action, "TerminateDISyncInstance");
    assert_eq!(failure.reason, FailureReason::Undocumented);
    assert!(failure.after_unknown_outcome);
    assert_eq!(
        emulator.task_state(PROJECT, 20),
        Some(TaskState::Undeployed)
    );
    // Through a task flow, the task's state decides: NORUN, already undeployed.
    emulator.fail_next(Fault::TruncatedBody, 1);
    let report = client.run_task(client.task(22, TaskAction::Terminate));
    assert_outcome(&report, TaskOutcome::AlreadyDone);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done)
        ]
    );
    assert_eq!(step(&report, 0, StepKind::Terminate).retries.len(), 1);
    assert_eq!(
        emulator.task_state(PROJECT, 22),
        Some(TaskState::Undeployed)
    );

    // Persistent faults end as their typed error once the attempts are spent (four, under
    // `Env::config`'s policy): the emulator counts each request.
    let sent = |run: &dyn Fn()| {
        let before = emulator.counters().requests;
        run();
        emulator.clear_faults();
        emulator.counters().requests - before
    };
    emulator.fail_next(Fault::InternalError, 100);
    let requests = sent(&|| {
        assert!(matches!(
            client.terminate(21),
            Err(Failure::Api(ApiError::ServerError(_)))
        ));
    });
    assert_eq!(requests, 4);
    emulator.fail_next(Fault::ProxyHtml502, 100);
    let requests = sent(&|| {
        assert!(matches!(
            client.terminate(21),
            Err(Failure::Api(ApiError::UnexpectedResponse(_)))
        ));
    });
    assert_eq!(requests, 4);
    emulator.fail_next(Fault::ConnectionReset, 100);
    let requests = sent(&|| {
        assert!(matches!(
            client.terminate(21),
            Err(Failure::Transport { attempts: 4, .. })
        ));
    });
    assert_eq!(requests, 4);
    // A wait the service asks for that the deadline cannot hold: no retry at all.
    emulator.fail_next(
        Fault::Throttling {
            retry_after_ms: Some(600_000),
        },
        1,
    );
    let requests = sent(&|| {
        assert!(matches!(
            client.terminate(21),
            Err(Failure::Api(ApiError::Throttled(_)))
        ));
    });
    assert_eq!(requests, 1);
}

/// A delayed answer is only slow: served once, answered, not retried. Real time: the
/// emulator's delay fault holds the answer on its wall clock.
fn real_time_a_delayed_answer_is_only_slow<T: Transport>() {
    let env = start();
    let client: T = env.client();
    let emulator = env.emulator();
    let delay = Duration::from_millis(50);
    emulator.fail_next(Fault::Delay(delay), 1);
    let before = emulator.counters().requests;
    let started = Instant::now();
    let output = client.terminate(1).unwrap();
    // A lower bound only, caused by the configured delay: the answer cannot come sooner.
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(output.outcome, ChangeOutcome::Done);
    assert_eq!(emulator.counters().requests - before, 1);
    assert_eq!(emulator.counters().faults_served, 1);
}

fn lost_responses_make_teardown_done<T: Transport>() {
    let env = start();
    let client: T = env.client();
    let emulator = env.emulator();
    let wait = quick_wait(Duration::from_secs(10));

    // The terminate answer is lost: the retry is refused, and the task's state (NORUN) says
    // the terminate is done; the wait is skipped, the delete goes on.
    emulator.fail_next(Fault::LostResponse, 1);
    let report = client.teardown(30, &wait, false);
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_request_ids(&report);
    assert_eq!(emulator.task_state(PROJECT, 30), Some(TaskState::Deleted));

    // The delete answer is lost: the retry gets the documented "is invalid": the task is gone.
    client.terminate(31).unwrap();
    emulator.fail_next(Fault::LostResponse, 1);
    let deleted = client.delete(31).unwrap();
    assert_eq!(
        deleted.outcome,
        ChangeOutcome::AlreadyDone {
            reason: FailureReason::TaskNotFound
        }
    );
    assert_eq!(emulator.task_state(PROJECT, 31), Some(TaskState::Deleted));

    // A task already undeployed by someone else: the state says so, and the teardown goes on
    // to delete it.
    emulator.set_task_state(PROJECT, 32, TaskState::Undeployed);
    let report = client.teardown(32, &wait, false);
    assert_outcome(&report, TaskOutcome::Done);
    assert_eq!(
        steps(&report),
        [
            (StepKind::Terminate, StepOutcome::AlreadyDone),
            (StepKind::Check, StepOutcome::Done),
            (StepKind::Delete, StepOutcome::Done)
        ]
    );
    assert_eq!(emulator.task_state(PROJECT, 32), Some(TaskState::Deleted));
}

/// Real time: the read timeout is the client's, on its wall clock, and the body trickles on
/// the emulator's.
fn real_time_a_stalled_body_hits_the_read_timeout<T: Transport>() {
    let env = start();
    let read_timeout = Duration::from_millis(500);
    let config = env
        .config()
        .with_read_timeout(read_timeout)
        .with_retry_policy(RetryPolicy::disabled());
    let client = T::new(&env, &config, demo());
    env.emulator().fail_next(Fault::StalledBody, 1);
    let started = Instant::now();
    match client.call(&instance_info(1)) {
        Err(Failure::Transport { kind, attempts: 1 }) => assert_eq!(kind, "Timeout"),
        other => panic!("{other:?}"),
    }
    // A lower bound only, caused by the configured read timeout.
    assert!(started.elapsed() >= read_timeout, "{:?}", started.elapsed());
    assert_eq!(env.emulator().counters().requests, 1);
}

/// The cap every test of the body's cap uses.
const BODY_CAP: usize = 1024;

/// An answer the client reads as success, padded with spaces to `length` bytes.
fn ok_body(length: usize) -> Vec<u8> {
    let mut body = br#"{"Success":true,"RequestId":"raw-1","Data":{"Status":"success"}}"#.to_vec();
    body.resize(length, b' ');
    body
}

/// A 200 answer carrying `body` with a `Content-Length` of `declared`, then closing.
fn sized(body: &[u8], declared: usize) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\
         connection: close\r\n\r\n"
    )
    .into_bytes();
    response.extend_from_slice(body);
    response
}

/// A 200 answer carrying `body` chunked in two (no `Content-Length`).
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut response = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
        transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        .to_vec();
    let (first, second) = body.split_at(body.len() / 2);
    for chunk in [first, second] {
        response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        response.extend_from_slice(chunk);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"0\r\n\r\n");
    response
}

/// The answers of `a_body_of_exactly_the_cap_passes_one_byte_more_fails`, in order, with
/// whether each is over the cap.
fn cap_cases() -> Vec<(&'static str, Vec<u8>, bool)> {
    vec![
        (
            "sized, at the cap",
            sized(&ok_body(BODY_CAP), BODY_CAP),
            false,
        ),
        ("chunked, at the cap", chunked(&ok_body(BODY_CAP)), false),
        (
            "sized, one over",
            sized(&ok_body(BODY_CAP + 1), BODY_CAP + 1),
            true,
        ),
        ("chunked, one over", chunked(&ok_body(BODY_CAP + 1)), true),
        // Refused on its declared length, before reading: not a connection closed early.
        ("declared over, cut short", sized(b"{}", 4 * BODY_CAP), true),
    ]
}

/// Answers one connection per response, in order, each after reading the request.
fn serve_raw(responses: Vec<Vec<u8>>) -> u16 {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for response in responses {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).unwrap();
            let mut stream = reader.into_inner();
            let _ = stream.write_all(&response);
            let _ = stream.flush();
        }
    });
    port
}

/// di-proto's one rule for the body's cap (`di_proto::client::body::CappedBody`), the same over both
/// transports: exactly the cap passes, one byte more fails, sized or chunked, and a declared
/// length over the cap fails unread (not as a connection closed early, which a retry would
/// follow).
fn a_body_of_exactly_the_cap_passes_one_byte_more_fails<T: Transport>() {
    let env = Env::start();
    let cases = cap_cases();
    let port = serve_raw(
        cases
            .iter()
            .map(|(_, response, _)| response.clone())
            .collect(),
    );
    let config = ClientConfig::new()
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_max_response_bytes(BODY_CAP)
        .with_retry_policy(RetryPolicy::disabled());
    let client = T::new(&env, &config, demo());
    for (case, _, over) in cases {
        let result = client.delete(100);
        if over {
            assert!(
                matches!(&result, Err(Failure::TooLarge)),
                "{case}: {result:?}"
            );
        } else {
            assert_eq!(result.unwrap().request_id, "raw-1", "{case}");
        }
    }
}

fn a_ten_mib_body_hits_the_cap<T: Transport>() {
    let env = start();
    let client: T = env.client();
    env.emulator()
        .fail_next(Fault::HugeBody { bytes: 10 << 20 }, 1);
    assert!(matches!(
        client.call(&instance_info(1)),
        Err(Failure::TooLarge)
    ));
    // Under the cap, padding is just white space.
    env.emulator()
        .fail_next(Fault::HugeBody { bytes: 512 << 10 }, 1);
    client.call(&instance_info(1)).unwrap();
}

fn sequential_calls_share_one_connection<T: Transport>() {
    let env = start();
    let client: T = env.client();
    let before = env.emulator().counters().connections;
    // Back to back: hyper's pool (under reqwest) gets the connection back a moment after the
    // body ends, and di-reqwest's connector gate keeps the next call from opening another in
    // that moment.
    for _ in 0..50 {
        client.call(&instance_info(1)).unwrap();
    }
    assert_eq!(env.emulator().counters().connections - before, 1);
}

fn concurrent_calls_stay_within_the_connection_cap<T: Transport + Sync>() {
    const CAP: usize = 3;
    const THREADS: usize = 12;
    const CALLS: usize = 10;
    let env = start();
    let config = env.config().with_max_connections(CAP);
    let client = T::new(&env, &config, demo());
    let before = env.emulator().counters().connections;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|worker| {
                let client = &client;
                scope.spawn(move || {
                    for call in 0..CALLS {
                        let file_id = i64::try_from(1 + (worker * CALLS + call) % 50).unwrap();
                        client.call(&instance_info(file_id)).unwrap();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    });
    let counters = env.emulator().counters();
    assert_eq!(counters.requests, u64::try_from(THREADS * CALLS).unwrap());
    let opened = counters.connections - before;
    assert!(
        (1..=u64::try_from(CAP).unwrap()).contains(&opened),
        "{opened} connections for {THREADS} threads under a cap of {CAP}"
    );
}

fn tracing_output_holds_no_secret<T: Transport>() {
    let env = start();
    let sts = demo().with_security_token(STS_TOKEN).unwrap();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let config = env.config().with_signature_version(version);
        let client = T::new(&env, &config, sts.clone());
        env.emulator().fail_next(Fault::InternalError, 1);
        client.call(&instance_info(1)).unwrap();
    }
    // Every test's traces so far, this one's included.
    let logs = String::from_utf8_lossy(&captured_traces().0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("GetDISyncInstanceInfo"),
        "no call was traced:\n{logs}"
    );
    assert!(logs.contains("di.attempt"), "no attempt was traced");
    for secret in [DEMO_ACCESS_KEY_SECRET, STS_TOKEN] {
        assert!(!logs.contains(secret), "{secret:?} in the traces");
    }
}

macro_rules! suite {
    ($module:ident, $transport:ty, $over:path) => {
        mod $module {
            use super::*;

            #[test]
            fn both_operations_in_every_signature_format_and_credential() {
                $over(
                    super::both_operations_in_every_signature_format_and_credential::<$transport>,
                );
            }
            #[test]
            fn fail_status_comes_out_typed() {
                $over(super::fail_status_comes_out_typed::<$transport>);
            }
            #[test]
            fn faults_end_in_success_or_the_right_error() {
                $over(super::faults_end_in_success_or_the_right_error::<$transport>);
            }
            #[test]
            fn lost_responses_make_teardown_done() {
                $over(super::lost_responses_make_teardown_done::<$transport>);
            }
            #[test]
            fn real_time_a_delayed_answer_is_only_slow() {
                $over(super::real_time_a_delayed_answer_is_only_slow::<$transport>);
            }
            #[test]
            fn real_time_a_stalled_body_hits_the_read_timeout() {
                $over(super::real_time_a_stalled_body_hits_the_read_timeout::<$transport>);
            }
            #[test]
            fn a_body_of_exactly_the_cap_passes_one_byte_more_fails() {
                $over(super::a_body_of_exactly_the_cap_passes_one_byte_more_fails::<$transport>);
            }
            #[test]
            fn a_ten_mib_body_hits_the_cap() {
                $over(super::a_ten_mib_body_hits_the_cap::<$transport>);
            }
            #[test]
            fn sequential_calls_share_one_connection() {
                $over(super::sequential_calls_share_one_connection::<$transport>);
            }
            #[test]
            fn concurrent_calls_stay_within_the_connection_cap() {
                $over(super::concurrent_calls_stay_within_the_connection_cap::<$transport>);
            }
            #[test]
            fn tracing_output_holds_no_secret() {
                $over(super::tracing_output_holds_no_secret::<$transport>);
            }
        }
    };
}

suite!(over_ureq, Ureq, common::over_http);
suite!(over_reqwest, Reqwest, common::over_http);
// The same suite over HTTPS: the emulator serves a certificate it generated, and the clients
// trust its CA as an extra root (rustls, or native-tls with that feature).
suite!(over_ureq_https, Ureq, common::over_https);
suite!(over_reqwest_https, Reqwest, common::over_https);
