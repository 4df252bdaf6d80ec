//! What a third-party transport needs from di-proto, shown by one: a few dozen lines of
//! HTTP/1.1 over a raw `TcpStream`, driving a whole teardown (terminate, wait, delete) against
//! the emulator. It uses only the flow API (`TaskFlow`, `Flow::next`, `Flow::sign`, `Input`,
//! `Action`), `Signer`, `Credentials`, `Endpoint` and `Timestamp`: the same surface the ureq
//! and reqwest transports use.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, TaskState};
use di_proto::flow::{Action, Flow, Input, StepKind, TaskAction, TaskFlow, TaskOutcome};
use di_proto::{Credentials, Endpoint, Signer, Timestamp, http};

/// Sends one request over a fresh connection and reads the whole answer.
fn exchange(request: &http::Request<Vec<u8>>) -> std::io::Result<http::Response<Vec<u8>>> {
    let authority = request.uri().authority().map_or("", |a| a.as_str());
    let mut stream = TcpStream::connect(authority)?;
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    // The signed request carries every header the signature covers, `host` included.
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method());
    for (name, value) in request.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.to_str().unwrap_or_default()
        ));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body().len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw).ok_or_else(|| std::io::Error::other("not an HTTP/1.1 response"))
}

/// Reads `raw` as a response with its whole body (the emulator sends a content length and
/// closes the connection, as asked).
fn parse(raw: &[u8]) -> Option<http::Response<Vec<u8>>> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut response = http::Response::builder().status(status);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        response = response.header(name.trim(), value.trim());
    }
    response.body(raw[end + 4..].to_vec()).ok()
}

/// The whole driver: the loop every flow asks of its transport. Its output: the flow's, and
/// the sleeps the flow asked for.
fn drive<F: Flow>(
    mut flow: F,
    credentials: &Credentials,
    endpoint: &Endpoint,
) -> (F::Output, Vec<Duration>) {
    let started = Instant::now();
    let mut input: Input<Vec<u8>> = Input::Start;
    let mut nonce = 0u8;
    let mut sleeps = Vec::new();
    loop {
        match flow.next(started.elapsed(), input) {
            Action::Send { .. } => {
                let seconds = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let now = Timestamp::from_unix_seconds(seconds as i64).unwrap();
                // A real transport draws 24 random bytes; a counter is enough here.
                nonce = nonce.wrapping_add(1);
                let request = flow
                    .sign(Signer::new(credentials, endpoint), now, [nonce; 24])
                    .unwrap();
                input = Input::Response(exchange(&request).unwrap());
            }
            Action::Sleep(delay) => {
                // Honouring the flow, as a real transport must: not the test waiting for time
                // to pass. The test below configures the emulator so that none is asked for.
                sleeps.push(delay);
                std::thread::sleep(delay);
                input = Input::Woke;
            }
            Action::Done(output) => return (output, sleeps),
        }
    }
}

#[test]
fn a_raw_tcp_transport_drives_a_teardown() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Settling at once: the flow still reads the task's state, but never asks to sleep.
    let config = Config::default()
        .with_settle_delay(Duration::ZERO)
        .with_task(10000, 7);
    let emulator = runtime.block_on(di_emulator::start(config)).unwrap();
    emulator.set_task_state(10000, 7, TaskState::Deployed);

    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap();
    let endpoint = Endpoint::parse(&emulator.base_url()).unwrap();
    let flow = TaskFlow::new(10000, 7, TaskAction::Teardown { stop_first: false });
    let (report, sleeps) = drive(flow, &credentials, &endpoint);

    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
    let kinds: Vec<StepKind> = report.steps.iter().map(|step| step.kind).collect();
    assert_eq!(
        kinds,
        [StepKind::Terminate, StepKind::Wait, StepKind::Delete],
        "{report:#?}"
    );
    assert!(report.steps.iter().all(|step| step.request_id.is_some()));
    assert_eq!(emulator.task_state(10000, 7), Some(TaskState::Deleted));
    assert!(sleeps.is_empty(), "the flow asked to sleep: {sleeps:?}");
    runtime.block_on(emulator.shutdown());
}
