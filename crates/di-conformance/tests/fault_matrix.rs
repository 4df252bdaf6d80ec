//! The fault matrix: every way the network, a proxy or the service can misbehave, through both
//! clients, against the in-process emulator on 127.0.0.1 (the DNS case asks the system
//! resolver for a name it refuses before sending any query).
//!
//! Each case records its outcome and the time it took; the table is printed (run with
//! `--nocapture` to see it) and written to `$CARGO_TARGET_TMPDIR/fault-matrix-<client>.md`.
//! A case passes when it ends as success or as the typed error it must end as; none may hang,
//! because every call runs under the retry policy's deadline. The times are reported, not
//! judged: a loaded machine may take any time over a case.
//!
//! The tests are named `real_time_`: real clients over real sockets meet delays, read
//! timeouts and idle timeouts the emulator runs on its wall clock.

mod common;

use std::fmt::Write as _;
use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Env, Failure, PROJECT, Reqwest, Transport, Ureq, demo, instance_info, steps};
use di_emulator::{Config, Fault, TaskState};
use di_proto::Error as ApiError;
use di_proto::client::ClientConfig;
use di_proto::flow::{StepKind, StepOutcome, TaskAction, TaskOutcome, TaskReport};
use di_proto::ops::ChangeOutcome;
use di_proto::retry::RetryPolicy;

/// One row of the matrix.
struct Row {
    case: &'static str,
    expected: &'static str,
    outcome: String,
    elapsed: Duration,
    passed: bool,
}

/// Runs the cases one by one and collects their rows.
#[derive(Default)]
struct Matrix {
    rows: Vec<Row>,
}

impl Matrix {
    /// Runs `case`, which returns whether the outcome is the expected one and a description of
    /// it. The time it took goes into the table only.
    fn case(
        &mut self,
        case: &'static str,
        expected: &'static str,
        run: impl FnOnce() -> (bool, String),
    ) {
        let started = Instant::now();
        let (passed, outcome) = run();
        self.rows.push(Row {
            case,
            expected,
            outcome,
            elapsed: started.elapsed(),
            passed,
        });
    }

    /// Prints and writes the table, then fails the test if any case failed.
    fn finish(self, client: &str) {
        let mut table = format!(
            "Fault matrix over {client}\n\n| case | expected | outcome | ms | |\n|---|---|---|---:|---|\n"
        );
        for row in &self.rows {
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} |",
                row.case,
                row.expected,
                row.outcome.replace('|', "\\|"),
                row.elapsed.as_millis(),
                if row.passed { "ok" } else { "FAILED" }
            );
        }
        println!("{table}");
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("fault-matrix-{client}.md"));
        let _ = std::fs::write(path, &table);
        let failed: Vec<&str> = self
            .rows
            .iter()
            .filter(|row| !row.passed)
            .map(|row| row.case)
            .collect();
        assert!(failed.is_empty(), "failed cases: {failed:?}\n{table}");
    }
}

/// A short description of a result, for the table.
fn describe<O: std::fmt::Debug>(result: &Result<O, Failure>) -> String {
    match result {
        Ok(_) => "success".to_owned(),
        Err(Failure::Api(error)) => format!("Api({})", api_variant(error)),
        Err(Failure::Transport { kind, attempts }) => {
            format!("Transport({kind}) after {attempts} attempts")
        }
        Err(Failure::TooLarge) => "ResponseTooLarge".to_owned(),
        Err(Failure::Tls { cause, .. }) => format!("Tls({cause:?})"),
        Err(Failure::Other(message)) => format!("Other({message})"),
    }
}

fn api_variant(error: &ApiError) -> String {
    let debug = format!("{error:?}");
    debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// How many requests the emulator received while `run` ran.
fn counting<R>(env: &Env, run: impl FnOnce() -> R) -> (R, u64) {
    let before = env.emulator().counters().requests;
    let result = run();
    (result, env.emulator().counters().requests - before)
}

/// The emulator and the client a case runs against.
struct Target<'a, T> {
    env: &'a Env,
    client: &'a T,
}

/// A case whose fault hits the first `count` attempts of a terminate: the call must end
/// `wanted` after `count + 1` requests.
fn transient<T: Transport>(
    matrix: &mut Matrix,
    Target { env, client }: &Target<'_, T>,
    case: &'static str,
    fault: Fault,
    count: u64,
    file_id: i64,
    wanted: fn(&ChangeOutcome) -> bool,
) {
    let expected = if count == 1 {
        "success after 1 retry"
    } else {
        "success after retries"
    };
    matrix.case(case, expected, || {
        env.emulator().fail_next(fault, count);
        let (result, requests) = counting(env, || client.terminate(file_id));
        let outcome = match &result {
            Ok(response) => format!("{:?} in {requests} requests", response.outcome),
            Err(_) => describe(&result),
        };
        let right = result
            .as_ref()
            .is_ok_and(|response| wanted(&response.outcome))
            && requests == count + 1
            && env.emulator().task_state(PROJECT, file_id) == Some(TaskState::Undeployed);
        (right, outcome)
    });
}

fn done(outcome: &ChangeOutcome) -> bool {
    *outcome == ChangeOutcome::Done
}

/// Whether a terminate flow found the task already undeployed from its state: the lost
/// attempt applied the change, the retry was refused, and the state read (NORUN) says done.
fn undeployed_from_the_state(report: &TaskReport) -> bool {
    report.outcome == TaskOutcome::AlreadyDone
        && report.error.is_none()
        && steps(report)
            == [
                (StepKind::Terminate, StepOutcome::AlreadyDone),
                (StepKind::Check, StepOutcome::Done),
            ]
        && report.steps[0].retries.len() == 1
}

fn describe_report(report: &TaskReport, requests: u64) -> String {
    match &report.error {
        None => format!(
            "{} ({}) in {requests} requests",
            report.outcome,
            report
                .steps
                .iter()
                .map(|step| format!("{} {}", step.kind, step.outcome))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(error) => format!("{} ({error}) in {requests} requests", report.outcome),
    }
}

/// A case whose fault applies the change but loses its answer, on the first attempt of a
/// terminate flow: the retry is refused (the task is undeployed now), and the state read
/// after the refusal says the terminate is done: three requests.
fn applied_but_unanswered<T: Transport>(
    matrix: &mut Matrix,
    Target { env, client }: &Target<'_, T>,
    case: &'static str,
    fault: Fault,
    file_id: i64,
) {
    matrix.case(
        case,
        "already done, from the state read after the refused retry",
        || {
            env.emulator().fail_next(fault, 1);
            let (report, requests) = counting(env, || {
                client.run_task(client.task(file_id, TaskAction::Terminate))
            });
            let right = undeployed_from_the_state(&report)
                && requests == 3
                && env.emulator().task_state(PROJECT, file_id) == Some(TaskState::Undeployed);
            (right, describe_report(&report, requests))
        },
    );
}

/// A persistent fault on a read: the call must stop with `wanted` after `attempts` requests.
fn persistent<T: Transport>(
    matrix: &mut Matrix,
    Target { env, client }: &Target<'_, T>,
    case: &'static str,
    expected: &'static str,
    fault: Fault,
    attempts: u64,
    wanted: fn(&Failure) -> bool,
) {
    matrix.case(case, expected, || {
        env.emulator().fail_next(fault, 100);
        let (result, requests) = counting(env, || client.call(&instance_info(1)));
        env.emulator().clear_faults();
        let right = result.as_ref().err().is_some_and(wanted) && requests == attempts;
        (
            right,
            format!("{} in {requests} requests", describe(&result)),
        )
    });
}

fn fault_matrix<T: Transport>() {
    let mut matrix = Matrix::default();
    let env = Env::start();
    let client: T = env.client();
    let target = Target {
        env: &env,
        client: &client,
    };

    // Transient faults: each hits the first attempts only.
    let transients = [
        (
            "500 InternalError x2",
            Fault::InternalError,
            2,
            done as fn(&_) -> _,
        ),
        (
            "429 with x-acs-retry-after 30 ms x2",
            Fault::Throttling {
                retry_after_ms: Some(30),
            },
            2,
            done,
        ),
        (
            "429 without a hint x2",
            Fault::Throttling {
                retry_after_ms: None,
            },
            2,
            done,
        ),
        ("proxy HTML 502 x2", Fault::ProxyHtml502, 2, done),
        ("connection reset x2", Fault::ConnectionReset, 2, done),
    ];
    for ((case, fault, count, wanted), file_id) in transients.into_iter().zip(1..) {
        transient(&mut matrix, &target, case, fault, count, file_id, wanted);
    }
    applied_but_unanswered(
        &mut matrix,
        &target,
        "truncated 200 (change applied)",
        Fault::TruncatedBody,
        6,
    );
    applied_but_unanswered(
        &mut matrix,
        &target,
        "lost response (change applied)",
        Fault::LostResponse,
        7,
    );
    matrix.case("delay 200 ms", "success, slower", || {
        env.emulator()
            .fail_next(Fault::Delay(Duration::from_millis(200)), 1);
        let started = Instant::now();
        let (result, requests) = counting(&env, || client.terminate(10));
        // A lower bound the configured delay causes: the emulator holds the answer 200 ms
        // after the request arrived, within this span. (No upper bound: a loaded machine may
        // take any time.)
        let slow = started.elapsed() >= Duration::from_millis(200);
        let right = result
            .as_ref()
            .is_ok_and(|response| done(&response.outcome))
            && requests == 1
            && slow;
        (
            right,
            format!("{} in {requests} requests", describe(&result)),
        )
    });

    // A body that trickles: the read timeout cuts the attempt; the change was applied, so the
    // retry is refused and the state read says the task is undeployed.
    matrix.case(
        "stalled body (1 byte/s), read timeout 500 ms",
        "timeout, then already done from the state",
        || {
            let config = env.config().with_read_timeout(Duration::from_millis(500));
            let client = T::new(&env, &config, demo());
            env.emulator().fail_next(Fault::StalledBody, 1);
            let (report, requests) = counting(&env, || {
                client.run_task(client.task(11, TaskAction::Terminate))
            });
            let right = undeployed_from_the_state(&report) && requests == 3;
            (right, describe_report(&report, requests))
        },
    );
    matrix.case(
        "10 MiB body (cap 1 MiB)",
        "ResponseTooLarge, no retry",
        || {
            env.emulator()
                .fail_next(Fault::HugeBody { bytes: 10 << 20 }, 1);
            let (result, requests) = counting(&env, || client.call(&instance_info(1)));
            let right = matches!(result, Err(Failure::TooLarge)) && requests == 1;
            (
                right,
                format!("{} in {requests} requests", describe(&result)),
            )
        },
    );

    // Persistent faults: the typed error, after every attempt the policy allows (4 here).
    persistent(
        &mut matrix,
        &target,
        "500 InternalError, always",
        "Api(ServerError) after 4 attempts",
        Fault::InternalError,
        4,
        |failure| matches!(failure, Failure::Api(ApiError::ServerError(_))),
    );
    persistent(
        &mut matrix,
        &target,
        "proxy HTML 502, always",
        "Api(UnexpectedResponse) after 4 attempts",
        Fault::ProxyHtml502,
        4,
        |failure| matches!(failure, Failure::Api(ApiError::UnexpectedResponse(_))),
    );
    persistent(
        &mut matrix,
        &target,
        "connection reset, always",
        "Transport(ConnectionClosed) after 4 attempts",
        Fault::ConnectionReset,
        4,
        |failure| matches!(failure, Failure::Transport { attempts: 4, .. }),
    );
    persistent(
        &mut matrix,
        &target,
        "429 asking to wait 10 minutes",
        "Api(Throttled) at once",
        Fault::Throttling {
            retry_after_ms: Some(600_000),
        },
        1,
        |failure| matches!(failure, Failure::Api(ApiError::Throttled(_))),
    );

    pooled_connection_closed_while_idle::<T>(&mut matrix);
    unreachable_endpoints::<T>(&mut matrix, &env);
    for skew in [20 * 60, -20 * 60] {
        clock_off::<T>(&mut matrix, skew);
    }
    matrix.finish(T::NAME);
}

/// Blocks until the emulator has closed, for being idle, every connection that was idle
/// before this call: a readiness signal, in place of a pause longer than the idle timeout.
///
/// A raw connection that sends nothing is closed when its idle timer fires, and the timers
/// of the connections idle since before it fire no later (the same timeout, earlier starts).
/// A timer fired is not yet a connection closed, though: the server closes it when it next
/// runs that connection's task, and a request that arrives first is served. So a second raw
/// connection, opened once the first is closed, waits one more idle timeout: by its end, the
/// tasks woken a whole timeout earlier have run.
fn until_idle_connections_are_closed(env: &Env) {
    for _ in 0..2 {
        let mut raw = TcpStream::connect(env.emulator().local_addr()).unwrap();
        let mut byte = [0_u8; 1];
        // The end of the stream, or a reset: either way, closed by the server.
        let read = raw.read(&mut byte);
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    }
}

/// The server closes kept-alive connections after 100 ms idle, as load balancers do; a client
/// that comes back later must not fail on the dead pooled socket.
fn pooled_connection_closed_while_idle<T: Transport>(matrix: &mut Matrix) {
    let env = Env::with(Config::default().with_idle_timeout(Duration::from_millis(100)));
    let client: T = env.client();
    matrix.case(
        "pooled connection closed by the server while idle",
        "success on every call",
        || {
            let (outcomes, requests) = counting(&env, || {
                (0..3)
                    .map(|_| {
                        let ok = client.call(&instance_info(1)).is_ok();
                        until_idle_connections_are_closed(&env);
                        ok
                    })
                    .collect::<Vec<_>>()
            });
            // Each call after the first found its pooled connection closed, and opened
            // another: 3 in all, or at least 2 should a request still have beaten a close (the
            // 6 raw connections aside).
            let connections = env.emulator().counters().connections - 6;
            let right = outcomes.iter().all(|ok| *ok) && connections >= 2;
            let outcome = format!(
                "{} of 3 calls succeeded, {requests} requests over {connections} connections",
                outcomes.iter().filter(|ok| **ok).count()
            );
            (right, outcome)
        },
    );
}

/// Nobody listening, and a name that does not resolve: a connect error, retried (nothing was
/// sent), then reported as such.
fn unreachable_endpoints<T: Transport>(matrix: &mut Matrix, env: &Env) {
    let policy = RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(5))
        .with_deadline(Some(Duration::from_secs(10)));
    let closed_port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cases = [
        (
            "connection refused",
            format!("http://127.0.0.1:{closed_port}"),
        ),
        // A label of 64 characters, over DNS's limit of 63: the resolver refuses the name on
        // the machine, before any query is sent, so the case needs no network and asks no
        // name server.
        (
            "DNS failure (a 64-character label)",
            format!("http://{}.invalid", "a".repeat(64)),
        ),
    ];
    for (case, endpoint) in cases {
        matrix.case(case, "Transport(Connect) after 3 attempts", || {
            let config = ClientConfig::new()
                .with_endpoint(endpoint)
                .with_insecure_http(true)
                .with_connect_timeout(Duration::from_secs(2))
                .with_retry_policy(policy);
            let client = T::new(env, &config, demo());
            let result = client.terminate(1);
            let right = matches!(
                &result,
                Err(Failure::Transport { kind, attempts: 3 }) if kind == "Connect"
            );
            (right, describe(&result))
        });
    }
}

/// The server's clock runs 20 minutes off: the first attempt is refused as expired, the
/// client measures the skew from the answer's `Date`, and the retry, signed with the
/// corrected time, goes through; later calls start corrected.
fn clock_off<T: Transport>(matrix: &mut Matrix, skew: i64) {
    let env = Env::with(Config::default().with_clock_skew(skew));
    let client: T = env.client();
    let case = if skew > 0 {
        "server clock 20 minutes ahead"
    } else {
        "server clock 20 minutes behind"
    };
    matrix.case(case, "success after 1 retry; offset measured", || {
        let before = unix_seconds();
        let (first, first_requests) = counting(&env, || client.terminate(1));
        let (second, second_requests) = counting(&env, || client.delete(1));
        let after = unix_seconds();
        // The offset is a `Date` (the server's wall clock plus the skew, in whole
        // seconds) minus the local second an attempt was signed in, both read between
        // `before` and `after`: off the skew by at most the seconds that passed, however
        // many that was.
        let offset = client.clock_offset();
        let right = first.is_ok()
            && second.is_ok()
            && first_requests == 2
            && second_requests == 1
            && (offset - skew).abs() <= after - before;
        let outcome = format!(
            "{} in {first_requests} requests, then {} in {second_requests}; offset {offset} s",
            describe(&first),
            describe(&second)
        );
        (right, outcome)
    });
}

/// The wall clock, in whole seconds since the epoch, as the client and the emulator read it.
fn unix_seconds() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

// Real time: the emulator's delays, a body trickling at 1 byte/s against a 500 ms read
// timeout, and its 100 ms idle timeout, all on its wall clock, met by real clients.
#[test]
fn real_time_fault_matrix_over_ureq() {
    fault_matrix::<Ureq>();
}

#[test]
fn real_time_fault_matrix_over_reqwest() {
    fault_matrix::<Reqwest>();
}
