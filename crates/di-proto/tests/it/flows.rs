//! The multi-call flows of discovery and configuration, [`PageFlow`] and [`ConfigFlow`],
//! driven against a scripted in-memory service: a closure from the signed request to the
//! answer, run by the one driver loop that `flow/mod.rs` describes (send: sign and hand back
//! the response; sleep: advance the clock and hand back `Woke`; done). Time is the `now` the
//! driver passes: it moves by each sleep (and by a latency per request, when a test sets one),
//! and nothing sleeps for real.

use std::time::Duration;

use di_proto::client::ClientError;
use di_proto::flow::{Action, ConfigFlow, ConfigOutcome, Event, Flow, Input, PageFlow};
use di_proto::http::{Request, Response};
use di_proto::ops::{
    FileRecord, GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating,
    ListFiles, ListFolders, ListRefDiSyncTasks, RefType, TaskType,
};
use di_proto::retry::RetryPolicy;
use di_proto::wait::WaitPolicy;
use di_proto::{Credentials, Endpoint, Error, FailureReason, Signer, Timestamp};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The driver

/// One request as the service saw it: its action and its decoded parameters.
#[derive(Debug, Clone)]
struct Sent {
    action: String,
    nonce: String,
    query: Vec<(String, String)>,
    body: Vec<(String, String)>,
}

impl Sent {
    fn of(request: &Request<Vec<u8>>) -> Sent {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        Sent {
            action: header("x-acs-action"),
            nonce: header("x-acs-signature-nonce"),
            query: serde_urlencoded::from_str(request.uri().query().unwrap_or_default()).unwrap(),
            body: serde_urlencoded::from_bytes(request.body()).unwrap(),
        }
    }

    fn query(&self, name: &str) -> Option<&str> {
        find(&self.query, name)
    }

    fn body(&self, name: &str) -> Option<&str> {
        find(&self.body, name)
    }

    /// A parameter wherever it is.
    fn param(&self, name: &str) -> Option<&str> {
        self.query(name).or_else(|| self.body(name))
    }

    fn number(&self, name: &str) -> i64 {
        self.param(name)
            .unwrap_or_else(|| panic!("{} without {name}: {self:?}", self.action))
            .parse()
            .unwrap()
    }
}

fn find<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = params.iter().filter(|(key, _)| key == name);
    let value = found.next().map(|(_, value)| value.as_str());
    assert!(found.next().is_none(), "{name} repeats");
    value
}

/// What happened while a flow ran.
#[derive(Debug, Default)]
struct Trace {
    requests: Vec<Sent>,
    sleeps: Vec<Duration>,
    events: Vec<Event>,
    now: Duration,
}

impl Trace {
    fn actions(&self) -> Vec<&str> {
        self.requests
            .iter()
            .map(|sent| sent.action.as_str())
            .collect()
    }

    fn retries(&self) -> usize {
        self.events
            .iter()
            .filter(|event| matches!(event, Event::Retry(_)))
            .count()
    }
}

/// How the driver behaves besides sending and sleeping.
#[derive(Debug, Default, Clone, Copy)]
struct Driver {
    /// Interrupts the flow when it asks to send request number `n` (from 0), and hands back
    /// `Woke` in its place, as a driver does once interrupted: the request is not sent.
    interrupt_before: Option<usize>,
    /// Interrupts the flow while request number `n` is in flight: it is answered all the same.
    interrupt_during: Option<usize>,
    /// How long each request takes on the driver's clock.
    latency: Duration,
}

fn credentials() -> Credentials {
    Credentials::new("LTAI5tTestKeyId", "test-secret").unwrap()
}

fn endpoint() -> Endpoint {
    Endpoint::parse("http://127.0.0.1:8080").unwrap()
}

/// 24 random bytes that differ from one attempt to the next.
fn random(attempt: usize) -> [u8; 24] {
    let mut bytes = [0x5a; 24];
    bytes[..8].copy_from_slice(&(attempt as u64 + 1).to_le_bytes());
    bytes
}

/// Runs `flow` to its end against `service`, the driver loop of `flow/mod.rs`.
fn run<F: Flow>(
    flow: &mut F,
    driver: Driver,
    mut service: impl FnMut(&Request<Vec<u8>>) -> Response<Vec<u8>>,
) -> (F::Output, Trace) {
    let credentials = credentials();
    let endpoint = endpoint();
    let mut trace = Trace::default();
    let mut input = Input::Start;
    for _ in 0..100_000 {
        let action = flow.next(trace.now, input);
        while let Some(event) = flow.poll_event() {
            trace.events.push(event);
        }
        match action {
            Action::Send { .. } => {
                let number = trace.requests.len();
                if driver.interrupt_before == Some(number) {
                    flow.interrupt();
                    input = Input::Woke;
                    continue;
                }
                let wall = Timestamp::from_unix_seconds(1_700_000_000 + trace.now.as_secs() as i64)
                    .unwrap();
                let request = flow
                    .sign(Signer::new(&credentials, &endpoint), wall, random(number))
                    .unwrap_or_else(|error| panic!("signing request {number}: {error}"));
                trace.requests.push(Sent::of(&request));
                if driver.interrupt_during == Some(number) {
                    flow.interrupt();
                }
                let response = service(&request);
                trace.now += driver.latency;
                input = Input::Response(response);
            }
            Action::Sleep(delay) => {
                trace.sleeps.push(delay);
                trace.now += delay;
                input = Input::Woke;
            }
            Action::Done(output) => return (output, trace),
        }
    }
    panic!("the flow did not end: {trace:?}")
}

// ---------------------------------------------------------------------------------------------
// The service's answers

fn respond(status: u16, body: &Value) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=utf-8")
        .body(serde_json::to_vec(body).unwrap())
        .unwrap()
}

fn success(request_id: &str, data: Value) -> Response<Vec<u8>> {
    respond(
        200,
        &json!({"RequestId": request_id, "Success": true, "Data": data}),
    )
}

fn unavailable() -> Response<Vec<u8>> {
    respond(
        503,
        &json!({
            "RequestId": "0bd2a1c4166700ee",
            "HostId": "dataworks.cn-shanghai.aliyuncs.com",
            "Code": "ServiceUnavailable",
            "Message": "The request has failed due to a temporary failure of the server.",
        }),
    )
}

/// A `ListFiles` service over files 1 to `total`, in that order; `with_total` says whether its
/// pages carry `TotalCount`.
fn files_service(
    total: i64,
    with_total: bool,
) -> impl FnMut(&Request<Vec<u8>>) -> Response<Vec<u8>> {
    move |request| {
        let sent = Sent::of(request);
        assert_eq!(sent.action, "ListFiles");
        assert!(
            sent.query.is_empty(),
            "ListFiles sends everything in the body"
        );
        let (number, size) = (sent.number("PageNumber"), sent.number("PageSize"));
        let first = (number - 1) * size + 1;
        let files: Vec<Value> = (first..=total.min(number * size))
            .map(|id| json!({"FileId": id, "FileName": format!("task_{id}"), "FileType": 900}))
            .collect();
        let mut data = json!({"PageNumber": number, "PageSize": size, "Files": files});
        if with_total {
            data["TotalCount"] = json!(total);
        }
        success(&format!("page-{number}"), data)
    }
}

fn file_ids(files: &[FileRecord]) -> Vec<i64> {
    files.iter().map(|file| file.file_id.unwrap()).collect()
}

fn page_numbers(trace: &Trace) -> Vec<i64> {
    trace
        .requests
        .iter()
        .map(|sent| sent.number("PageNumber"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// PageFlow

#[test]
fn pages_through_a_thousand_files_in_ten_calls() {
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let (files, trace) = run(&mut flow, Driver::default(), files_service(1000, true));
    let files = files.unwrap();
    assert_eq!(trace.requests.len(), 10);
    assert_eq!(page_numbers(&trace), (1..=10).collect::<Vec<_>>());
    assert!(
        trace
            .requests
            .iter()
            .all(|sent| sent.number("PageSize") == 100)
    );
    assert!(
        trace
            .requests
            .iter()
            .all(|sent| sent.number("ProjectId") == 10000)
    );
    assert_eq!(file_ids(&files), (1..=1000).collect::<Vec<_>>());
    assert!(trace.sleeps.is_empty());
    assert_eq!(flow.pages(), 10);
}

#[test]
fn a_listing_without_a_total_stops_at_the_first_short_page() {
    let mut flow = PageFlow::new(
        ListFiles::new(10000).with_page_size(100),
        RetryPolicy::default(),
    );
    let (files, trace) = run(&mut flow, Driver::default(), files_service(250, false));
    assert_eq!(page_numbers(&trace), [1, 2, 3]);
    assert_eq!(file_ids(&files.unwrap()), (1..=250).collect::<Vec<_>>());

    // A last page that happens to be full: one more call, which comes back empty.
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let (files, trace) = run(&mut flow, Driver::default(), files_service(200, false));
    assert_eq!(page_numbers(&trace), [1, 2, 3]);
    assert_eq!(files.unwrap().len(), 200);
}

#[test]
fn ref_tasks_page_in_the_query_until_a_short_page() {
    // ListRefDISyncTasks documents no total: the short page ends it.
    let list = ListRefDiSyncTasks::new(10000, "mysql_orders", RefType::From, TaskType::DiRealtime)
        .with_page_size(2);
    let mut flow = PageFlow::new(list, RetryPolicy::default());
    let (tasks, trace) = run(&mut flow, Driver::default(), |request| {
        let sent = Sent::of(request);
        assert_eq!(sent.action, "ListRefDISyncTasks");
        assert!(
            sent.body.is_empty(),
            "ListRefDISyncTasks sends everything in the query"
        );
        assert_eq!(sent.query("DatasourceName"), Some("mysql_orders"));
        assert_eq!(sent.query("RefType"), Some("from"));
        assert_eq!(sent.query("TaskType"), Some("DI_REALTIME"));
        let page = sent.number("PageNumber");
        let ids: Vec<i64> = match page {
            1 => vec![11, 12],
            2 => vec![13, 14],
            _ => vec![15],
        };
        let tasks: Vec<Value> = ids
            .iter()
            .map(
                |id| json!({"NodeId": id, "NodeName": format!("n{id}"), "TaskType": "DI_REALTIME"}),
            )
            .collect();
        success(&format!("refs-{page}"), json!({"DISyncTasks": tasks}))
    });
    let ids: Vec<i64> = tasks.unwrap().iter().map(|t| t.node_id.unwrap()).collect();
    assert_eq!(ids, [11, 12, 13, 14, 15]);
    assert_eq!(page_numbers(&trace), [1, 2, 3]);
}

#[test]
fn an_empty_first_page_gives_no_records() {
    let mut flow = PageFlow::new(
        ListFolders::new(10000, "Workflow/empty"),
        RetryPolicy::default(),
    );
    let (folders, trace) = run(&mut flow, Driver::default(), |request| {
        let sent = Sent::of(request);
        assert_eq!(sent.action, "ListFolders");
        assert_eq!(sent.body("ParentFolderPath"), Some("Workflow/empty"));
        success(
            "empty",
            json!({"PageNumber": 1, "PageSize": 100, "TotalCount": 0, "Folders": []}),
        )
    });
    assert_eq!(folders.unwrap(), []);
    assert_eq!(trace.requests.len(), 1);

    // The same without a total, and with no Folders member at all.
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let (files, trace) = run(&mut flow, Driver::default(), |_| success("none", json!({})));
    assert!(files.unwrap().is_empty());
    assert_eq!(trace.requests.len(), 1);
}

#[test]
fn a_retryable_error_on_page_three_is_retried_and_the_listing_is_complete() {
    let mut pages = files_service(1000, true);
    let mut failed_once = false;
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let (files, trace) = run(&mut flow, Driver::default(), |request| {
        let sent = Sent::of(request);
        if sent.number("PageNumber") == 3 && !failed_once {
            failed_once = true;
            return unavailable();
        }
        pages(request)
    });
    let files = files.unwrap();
    assert_eq!(file_ids(&files), (1..=1000).collect::<Vec<_>>());
    assert_eq!(page_numbers(&trace), [1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(trace.sleeps.len(), 1, "one backoff before the retry");
    // The full-jitter draw of the first retry, from the random bytes of the failed attempt
    // (request number 2).
    let (_, jitter) = di_proto::internals::nonce_and_jitter_from_bytes(random(2));
    assert_eq!(trace.sleeps, [RetryPolicy::default().backoff(1, jitter)]);
    assert_eq!(trace.retries(), 1);
    let Some(Event::Retry(retry)) = trace.events.iter().find(|e| matches!(e, Event::Retry(_)))
    else {
        unreachable!()
    };
    assert_eq!((retry.action.as_str(), retry.attempt), ("ListFiles", 1));
    assert_eq!(retry.request_id.as_deref(), Some("0bd2a1c4166700ee"));
    // The retry is a new attempt: a fresh nonce.
    assert_ne!(trace.requests[2].nonce, trace.requests[3].nonce);
}

#[test]
fn an_error_that_is_not_retryable_ends_the_listing() {
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let mut pages = files_service(1000, true);
    let (files, trace) = run(&mut flow, Driver::default(), |request| {
        if Sent::of(request).number("PageNumber") == 2 {
            return respond(
                200,
                &json!({"Success": false, "ErrorCode": "Invalid.Tenant.ConnectionNotExists",
                    "ErrorMessage": "The connection does not exist.", "HttpStatusCode": 400,
                    "RequestId": "page-2"}),
            );
        }
        pages(request)
    });
    match files {
        Err(ClientError::Api(Error::BadRequest(error))) => {
            assert_eq!(error.code, "Invalid.Tenant.ConnectionNotExists");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(page_numbers(&trace), [1, 2]);
}

#[test]
fn an_interrupt_between_pages_ends_the_listing() {
    // Interrupted when page 3 is asked for: it is not sent.
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let driver = Driver {
        interrupt_before: Some(2),
        ..Driver::default()
    };
    let (files, trace) = run(&mut flow, driver, files_service(1000, true));
    match files {
        Err(ClientError::Interrupted { action }) => assert_eq!(action, "ListFiles"),
        other => panic!("{other:?}"),
    }
    assert_eq!(page_numbers(&trace), [1, 2]);

    // Interrupted while page 2 is in flight: it is answered, and page 3 never starts.
    let mut flow = PageFlow::new(ListFiles::new(10000), RetryPolicy::default());
    let driver = Driver {
        interrupt_during: Some(1),
        ..Driver::default()
    };
    let (files, trace) = run(&mut flow, driver, files_service(1000, true));
    assert!(
        matches!(files, Err(ClientError::Interrupted { .. })),
        "{files:?}"
    );
    assert_eq!(page_numbers(&trace), [1, 2]);
}

#[test]
fn a_listing_that_never_ends_stops_at_the_page_limit() {
    let mut flow = PageFlow::new(
        ListFiles::new(10000).with_page_size(10),
        RetryPolicy::default(),
    )
    .with_max_pages(3);
    let (files, trace) = run(
        &mut flow,
        Driver::default(),
        files_service(i64::MAX / 2, false),
    );
    match files {
        Err(ClientError::TooManyPages { action, pages }) => {
            assert_eq!((action.as_str(), pages), ("ListFiles", 3));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(page_numbers(&trace), [1, 2, 3]);
}

/// `ListRefDISyncTasks` takes pages 1 to 100 only: a listing whose pages stay full is never
/// asked beyond page 100, and does not end as if it were complete.
#[test]
fn ref_tasks_are_never_asked_past_page_one_hundred() {
    let list = ListRefDiSyncTasks::new(10000, "mysql_orders", RefType::To, TaskType::DiOffline)
        .with_page_size(1);
    let mut flow = PageFlow::new(list, RetryPolicy::default());
    let (tasks, trace) = run(&mut flow, Driver::default(), |request| {
        let page = Sent::of(request).number("PageNumber");
        success(
            &format!("refs-{page}"),
            json!({"DISyncTasks": [{"NodeId": page, "TaskType": "DI_OFFLINE"}]}),
        )
    });
    assert_eq!(page_numbers(&trace), (1..=100).collect::<Vec<_>>());
    assert!(
        matches!(tasks, Err(ClientError::TooManyPages { pages: 100, .. })),
        "a full page 100 may have more after it, and page 101 is not documented: {tasks:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// ConfigFlow

const PROCESS_ID: i64 = 4242;
const GENERATED: &str = r#"{"type":"job","version":"2.0","steps":[{"stepType":"mysql","name":"reader","category":"reader"},{"stepType":"holo","name":"writer","category":"writer"}],"order":{"hops":[{"from":"reader","to":"writer"}]}}"#;
const TASK_PARAM: &str = r#"{"FileFolderPath":"Workflow/orders","ResourceGroup":"S_res_group_1"}"#;
const SCRIPT: &str = r#"{"type":"realtime","version":"1.0","steps":[{"stepType":"mysql","parameter":{"connection":[{"datasource":"mysql_pub1"}]}}]}"#;

fn policy() -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(Duration::from_secs(1))
        .with_multiplier(2)
        .with_max_interval(Duration::from_secs(10))
        .with_timeout(Duration::from_secs(300))
}

fn secs(values: &[u64]) -> Vec<Duration> {
    values.iter().copied().map(Duration::from_secs).collect()
}

/// A DataWorks that generates `GENERATED` after `running` polls that answer `running`, and
/// creates task 100000777 (or updates the task asked for).
fn config_service(
    running: usize,
    task_type: &'static str,
) -> impl FnMut(&Request<Vec<u8>>) -> Response<Vec<u8>> {
    let mut polls = 0;
    move |request| {
        let sent = Sent::of(request);
        match sent.action.as_str() {
            "GenerateDISyncTaskConfigForCreating" | "GenerateDISyncTaskConfigForUpdating" => {
                assert!(
                    sent.body.is_empty(),
                    "{} sends everything in the query",
                    sent.action
                );
                assert_eq!(sent.query("TaskType"), Some(task_type));
                success(
                    "generate",
                    json!({"Status": "success", "ProcessId": PROCESS_ID}),
                )
            }
            "QueryDISyncTaskConfigProcessResult" => {
                assert!(sent.body.is_empty());
                assert_eq!(sent.number("AsyncProcessId"), PROCESS_ID);
                assert_eq!(sent.query("ProjectId"), Some("10000"));
                assert_eq!(sent.query("TaskType"), Some(task_type));
                polls += 1;
                if polls <= running {
                    success(&format!("poll-{polls}"), json!({"Status": "running"}))
                } else {
                    success(
                        &format!("poll-{polls}"),
                        json!({"Status": "success", "TaskContent": GENERATED}),
                    )
                }
            }
            "CreateDISyncTask" => {
                success("create", json!({"Status": "success", "FileId": 100000777}))
            }
            "UpdateDISyncTask" => success("update", json!({"Status": "success"})),
            other => panic!("unexpected action {other}"),
        }
    }
}

#[test]
fn config_create_generates_polls_and_creates_the_task() {
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT)
        .with_client_token("orders-sync-1");
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), policy())
        .with_task_name("orders_sync")
        .with_task_param(TASK_PARAM);
    let (outcome, trace) = run(
        &mut flow,
        Driver::default(),
        config_service(4, "DI_REALTIME"),
    );
    let outcome: ConfigOutcome = outcome.unwrap();
    assert_eq!(
        (outcome.file_id, outcome.process_id, outcome.polls),
        (100000777, PROCESS_ID, 5)
    );
    assert_eq!(outcome.request_id, "create");
    assert_eq!(flow.process_id(), PROCESS_ID);
    assert_eq!(
        trace.actions(),
        [
            "GenerateDISyncTaskConfigForCreating",
            "QueryDISyncTaskConfigProcessResult",
            "QueryDISyncTaskConfigProcessResult",
            "QueryDISyncTaskConfigProcessResult",
            "QueryDISyncTaskConfigProcessResult",
            "QueryDISyncTaskConfigProcessResult",
            "CreateDISyncTask",
        ]
    );
    // The polls follow the policy: 1 s, then doubling.
    assert_eq!(trace.sleeps, secs(&[1, 2, 4, 8]));
    // The generate carries the script and the caller's token.
    let generate = &trace.requests[0];
    assert_eq!(generate.query("TaskParam"), Some(SCRIPT));
    assert_eq!(generate.query("ClientToken"), Some("orders-sync-1"));
    // The create carries the generated script in the body, the rest in the query.
    let create = trace.requests.last().unwrap();
    assert_eq!(
        create.body,
        [("TaskContent".to_owned(), GENERATED.to_owned())]
    );
    assert_eq!(create.query("ProjectId"), Some("10000"));
    assert_eq!(create.query("TaskType"), Some("DI_REALTIME"));
    assert_eq!(create.query("TaskName"), Some("orders_sync"));
    assert_eq!(create.query("TaskParam"), Some(TASK_PARAM));
    assert_eq!(create.query("ClientToken"), Some("di-config-4242"));
}

#[test]
fn config_update_generates_polls_and_updates_the_task() {
    let generate = GenerateDiSyncTaskConfigForUpdating::new(
        10000,
        TaskType::DiRealtime,
        100,
        r#"{"type":"realtime","steps":[],"addTables":["orders_v2"]}"#,
    );
    let mut flow = ConfigFlow::update(generate, RetryPolicy::default(), policy());
    let (outcome, trace) = run(
        &mut flow,
        Driver::default(),
        config_service(1, "DI_REALTIME"),
    );
    let outcome = outcome.unwrap();
    assert_eq!(
        (outcome.file_id, outcome.process_id, outcome.polls),
        (100, PROCESS_ID, 2)
    );
    assert_eq!(outcome.request_id, "update");
    assert_eq!(
        trace.actions(),
        [
            "GenerateDISyncTaskConfigForUpdating",
            "QueryDISyncTaskConfigProcessResult",
            "QueryDISyncTaskConfigProcessResult",
            "UpdateDISyncTask",
        ]
    );
    assert_eq!(trace.requests[0].query("TaskId"), Some("100"));
    assert_eq!(trace.sleeps, secs(&[1]));
    // The update: everything in the query, TaskType DI_REALTIME, the generated script.
    let update = trace.requests.last().unwrap();
    assert!(
        update.body.is_empty(),
        "UpdateDISyncTask sends everything in the query"
    );
    assert_eq!(update.query("TaskType"), Some("DI_REALTIME"));
    assert_eq!(update.query("FileId"), Some("100"));
    assert_eq!(update.query("ProjectId"), Some("10000"));
    assert_eq!(update.query("TaskContent"), Some(GENERATED));
}

#[test]
fn a_process_that_fails_ends_the_flow_with_its_reason() {
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiSolution, SCRIPT);
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), policy());
    let mut polls = 0;
    let (outcome, trace) = run(&mut flow, Driver::default(), |request| {
        let sent = Sent::of(request);
        match sent.action.as_str() {
            "GenerateDISyncTaskConfigForCreating" => {
                success("g", json!({"Status": "success", "ProcessId": PROCESS_ID}))
            }
            "QueryDISyncTaskConfigProcessResult" => {
                polls += 1;
                if polls < 3 {
                    success("q", json!({"Status": "running"}))
                } else {
                    success(
                        "q-fail",
                        json!({"Status": "fail", "Message": "table:[m_v1] has no primary key."}),
                    )
                }
            }
            other => panic!("{other} after a failed process"),
        }
    });
    match outcome {
        Err(ClientError::Api(Error::TaskFailed(failure))) => {
            assert_eq!(failure.action, "QueryDISyncTaskConfigProcessResult");
            assert_eq!(failure.message, "table:[m_v1] has no primary key.");
            assert_eq!(failure.reason, FailureReason::Undocumented);
            assert_eq!(failure.request_id, "q-fail");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(trace.requests.len(), 4, "no create after a failed process");
    assert_eq!(trace.sleeps, secs(&[1, 2]));

    // A generate that fails: no poll at all.
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT);
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), policy());
    let (outcome, trace) = run(&mut flow, Driver::default(), |_| {
        success(
            "g-fail",
            json!({"Status": "fail", "Message": "taskParam is invalid."}),
        )
    });
    match outcome {
        Err(ClientError::Api(Error::TaskFailed(failure))) => {
            assert_eq!(failure.action, "GenerateDISyncTaskConfigForCreating");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(trace.requests.len(), 1);
}

#[test]
fn a_process_that_never_finishes_times_out_at_the_policy_timeout() {
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT);
    let wait = policy().with_timeout(Duration::from_secs(60));
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), wait);
    let (outcome, trace) = run(&mut flow, Driver::default(), |request| {
        let sent = Sent::of(request);
        match sent.action.as_str() {
            "GenerateDISyncTaskConfigForCreating" => {
                success("g", json!({"Status": "success", "ProcessId": PROCESS_ID}))
            }
            _ => success("q", json!({"Status": "running"})),
        }
    });
    match outcome {
        Err(ClientError::ProcessTimedOut {
            process_id,
            last_status,
            polls,
            timeout,
        }) => {
            assert_eq!(process_id, PROCESS_ID);
            assert_eq!(last_status, "running");
            assert_eq!(timeout, Duration::from_secs(60));
            assert_eq!(polls as usize, trace.requests.len() - 1);
            assert_eq!(polls, 10);
        }
        other => panic!("{other:?}"),
    }
    // 1, 2, 4, 8, then the 10 s cap, and a last short wait that ends at the timeout.
    assert_eq!(trace.sleeps, secs(&[1, 2, 4, 8, 10, 10, 10, 10, 5]));
    assert_eq!(trace.now, Duration::from_secs(60));

    // With time spent in each request too, the wait still ends once the timeout has passed,
    // and never sleeps past it.
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT);
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), wait);
    let driver = Driver {
        latency: Duration::from_millis(700),
        ..Driver::default()
    };
    let (outcome, trace) = run(&mut flow, driver, |request| {
        match Sent::of(request).action.as_str() {
            "GenerateDISyncTaskConfigForCreating" => {
                success("g", json!({"Status": "success", "ProcessId": PROCESS_ID}))
            }
            _ => success("q", json!({"Status": "running"})),
        }
    });
    assert!(
        matches!(outcome, Err(ClientError::ProcessTimedOut { .. })),
        "{outcome:?}"
    );
    // The wait starts once the process id is known (0.7 s, after the generate call): polls at
    // 0.7, 2.4, 5.1, 9.8, 18.5, 29.2, 39.9, 50.6 and, after a last sleep cut to end at the
    // 60 s timeout, 60.7 s, each taking 0.7 s.
    let millis = |ms: &[u64]| {
        ms.iter()
            .map(|ms| Duration::from_millis(*ms))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        trace.sleeps,
        millis(&[1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 9400])
    );
    assert_eq!(trace.now, Duration::from_millis(61_400));
}

#[test]
fn a_poll_that_meets_a_server_error_is_retried_within_the_poll() {
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT)
        .with_client_token("t-1");
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), policy());
    let mut inner = config_service(1, "DI_REALTIME");
    let mut failed_once = false;
    let (outcome, trace) = run(&mut flow, Driver::default(), |request| {
        if Sent::of(request).action == "QueryDISyncTaskConfigProcessResult" && !failed_once {
            failed_once = true;
            return unavailable();
        }
        inner(request)
    });
    let outcome = outcome.unwrap();
    assert_eq!((outcome.file_id, outcome.polls), (100000777, 2));
    assert_eq!(trace.retries(), 1);
    assert_eq!(
        trace.requests.len(),
        5,
        "generate, poll (503), poll again, poll, create"
    );
    // The retry's backoff, then the policy's 1 s between the two polls.
    assert_eq!(trace.sleeps.len(), 2);
    assert_eq!(trace.sleeps[1], Duration::from_secs(1));
}

#[test]
fn an_interrupt_between_polls_ends_the_flow() {
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT);
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), policy());
    let driver = Driver {
        interrupt_before: Some(3),
        ..Driver::default()
    };
    let (outcome, trace) = run(&mut flow, driver, config_service(10, "DI_REALTIME"));
    match outcome {
        Err(ClientError::Interrupted { action }) => {
            assert_eq!(action, "QueryDISyncTaskConfigProcessResult");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(trace.requests.len(), 3, "generate and two polls");
}

/// The reference's sample `TaskContent` is not JSON: the create made from it is refused
/// before it is signed, and the flow ends with that refusal.
#[test]
fn a_generated_script_that_is_not_json_is_never_sent() {
    let generate = GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, SCRIPT);
    let mut flow = ConfigFlow::create(generate, RetryPolicy::default(), policy());
    let (outcome, trace) = run(&mut flow, Driver::default(), |request| {
        match Sent::of(request).action.as_str() {
            "GenerateDISyncTaskConfigForCreating" => {
                success("g", json!({"Status": "success", "ProcessId": PROCESS_ID}))
            }
            "QueryDISyncTaskConfigProcessResult" => success(
                "q",
                json!({"Status": "success", "TaskContent": r#"{"steps":[{"a":1]}"#}),
            ),
            other => panic!("{other} was sent"),
        }
    });
    match outcome {
        Err(ClientError::Api(Error::InvalidParameter { name, .. })) => {
            assert_eq!(name, "TaskContent");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(trace.requests.len(), 2);
}

/// A solution's flow sends `DI_SOLUTION` in every call it makes; a change a solution does not
/// take ends the flow before anything is sent.
#[test]
fn a_solution_task_flow_sends_its_task_type_and_refuses_realtime_only_changes() {
    use di_proto::flow::{TaskAction, TaskFlow};
    use di_proto::ops::TaskType;

    let flow = TaskFlow::new(10000, 100, TaskAction::Deploy).with_task_type(TaskType::DiSolution);
    let requests = flow.requests().unwrap();
    assert!(requests.iter().all(|request| {
        request
            .params()
            .any(|(name, value, _)| (name, value) == ("TaskType", "DI_SOLUTION"))
    }));
    let read = TaskFlow::new(10000, 100, TaskAction::ReadStatus)
        .with_task_type(TaskType::DiSolution)
        .requests()
        .unwrap();
    assert_eq!(read[0].action(), "GetDISyncInstanceInfo");
    assert!(read[0].params().any(|param| param.1 == "DI_SOLUTION"));

    let mut teardown = TaskFlow::new(10000, 100, TaskAction::Teardown { stop_first: false })
        .with_task_type(TaskType::DiSolution);
    let Action::Done(report) = teardown.next::<Vec<u8>>(Duration::ZERO, Input::Start) else {
        panic!("nothing is sent");
    };
    assert!(matches!(
        report.error,
        Some(ClientError::Api(di_proto::Error::UnsupportedTaskType {
            action: "TerminateDISyncInstance",
            task_type: TaskType::DiSolution,
            ..
        }))
    ));
    assert!(report.steps.is_empty());
}
