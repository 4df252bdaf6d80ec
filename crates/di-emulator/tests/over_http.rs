//! The contract over loopback HTTP, where only the server can show it: a script over 32 KiB in
//! the query (as the official SDKs send `UpdateDISyncTask`), the request target's limit, the
//! clock a test moves with [`Handle::advance_clock`] (config processes and settling changes,
//! with no sleep), and tasks seeded at run time ([`Handle::seed_task`]).

use std::io::Read;
use std::time::{Duration, SystemTime};

use di_emulator::{
    Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Handle, SeedTask, TaskState, TaskType,
};
use di_proto::{
    Credentials, Endpoint, Format, ParamLocation, RpcRequest, SignatureVersion, Signer, Timestamp,
};
use serde_json::{Value, json};

const PROJECT: i64 = 10000;

struct Emulator {
    runtime: tokio::runtime::Runtime,
    handle: Option<Handle>,
    agent: ureq::Agent,
    nonce: u64,
}

impl Emulator {
    fn start(config: Config) -> Emulator {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let handle = runtime.block_on(di_emulator::start(config)).unwrap();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        Emulator {
            runtime,
            handle: Some(handle),
            agent,
            nonce: 0,
        }
    }

    fn handle(&self) -> &Handle {
        self.handle.as_ref().unwrap()
    }

    /// Signs `request` (`version`, JSON) for the emulator.
    fn sign(&mut self, request: &RpcRequest, version: SignatureVersion) -> http::Request<Vec<u8>> {
        self.nonce += 1;
        let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap();
        let endpoint = Endpoint::parse(&self.handle().base_url()).unwrap();
        let now = Timestamp::try_from(SystemTime::now()).unwrap();
        Signer::new(&credentials, &endpoint)
            .with_signature_version(version)
            .with_format(Format::Json)
            .sign(request, now, &format!("over-http-{}", self.nonce))
            .unwrap()
            .into_request()
    }

    /// Sends a signed request; its status and body.
    fn send(&mut self, signed: http::Request<Vec<u8>>) -> (u16, String) {
        let response = self.agent.run(signed).unwrap();
        let status = response.status().as_u16();
        let mut body = String::new();
        response
            .into_body()
            .as_reader()
            .read_to_string(&mut body)
            .unwrap();
        (status, body)
    }

    /// Calls `action` (V3) with query parameters; HTTP 200 checked, `Data` returned.
    fn data(&mut self, action: &str, params: &[(&str, &str)]) -> Value {
        let request = params.iter().fold(
            RpcRequest::new(action, "2020-05-18"),
            |request, (name, value)| request.query_param(*name, *value),
        );
        let signed = self.sign(&request, SignatureVersion::V3);
        let (status, body) = self.send(signed);
        assert_eq!(status, 200, "{action}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        body["Data"].clone()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// A script of about `bytes` bytes that stays about as long percent-encoded.
fn long_script(bytes: usize) -> String {
    format!(
        r#"{{"type":"job","version":"2.0","steps":[],"note":"{}"}}"#,
        "a".repeat(bytes)
    )
}

#[test]
fn a_script_over_32_kib_in_the_query_is_accepted() {
    let mut emulator = Emulator::start(Config::default());
    emulator
        .handle()
        .seed_task(&SeedTask::new(PROJECT, 300).of_type(TaskType::DiOffline));
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let script = long_script(40 * 1024);
        let update = RpcRequest::new("UpdateDISyncTask", "2020-05-18")
            .query_param("ProjectId", "10000")
            .query_param("TaskType", "DI_OFFLINE")
            .query_param("FileId", "300")
            .query_param("TaskContent", script.as_str());
        let signed = emulator.sign(&update, version);
        let query = signed.uri().query().unwrap_or_default().len();
        assert!(
            query > 32 * 1024 && query < 65_534,
            "{version:?}: {query} bytes"
        );
        let (status, body) = emulator.send(signed);
        assert_eq!(status, 200, "{version:?}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["Data"], json!({"Status": "success"}), "{version:?}");
        // Stored whole.
        let request = RpcRequest::new("GetFile", "2020-05-18")
            .param("ProjectId", "10000", ParamLocation::Body)
            .param("FileId", "300", ParamLocation::Body);
        let signed = emulator.sign(&request, SignatureVersion::V3);
        let (status, body) = emulator.send(signed);
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["Data"]["File"]["Content"], script.as_str());
    }
}

#[test]
fn a_request_target_over_the_http_layer_limit_is_answered_414() {
    use std::io::{BufRead, BufReader, Write};
    let emulator = Emulator::start(Config::default());
    // di-proto (as any client built on the `http` crate) cannot even build such a URL: its
    // `Uri` holds at most 65,534 bytes. Sent by hand, hyper answers 414 before the emulator
    // sees the request.
    let target = format!(
        "/?Action=UpdateDISyncTask&TaskContent={}",
        "a".repeat(70 * 1024)
    );
    let mut stream = std::net::TcpStream::connect(emulator.handle().local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut status_line = String::new();
    BufReader::new(&stream).read_line(&mut status_line).unwrap();
    assert!(status_line.starts_with("HTTP/1.1 414"), "{status_line}");
    assert_eq!(emulator.handle().counters().requests, 0);
}

#[test]
fn a_test_moves_the_clock_instead_of_sleeping() {
    let mut emulator = Emulator::start(
        Config::default()
            .with_process_delay(Duration::from_secs(3600))
            .with_settle_delay(Duration::from_secs(600)),
    );
    let generated = emulator.data(
        "GenerateDISyncTaskConfigForUpdating",
        &[
            ("ProjectId", "10000"),
            ("TaskType", "DI_REALTIME"),
            ("TaskId", "100"),
            ("TaskParam", r#"{"tables":["orders"]}"#),
        ],
    );
    let id = generated["ProcessId"].to_string();
    let query = [
        ("ProjectId", "10000"),
        ("TaskType", "DI_REALTIME"),
        ("AsyncProcessId", id.as_str()),
    ];
    assert_eq!(
        emulator.data("QueryDISyncTaskConfigProcessResult", &query),
        json!({"Status": "running"})
    );
    emulator.handle().advance_clock(Duration::from_secs(3599));
    assert_eq!(
        emulator.data("QueryDISyncTaskConfigProcessResult", &query)["Status"],
        "running"
    );
    emulator.handle().advance_clock(Duration::from_secs(1));
    let done = emulator.data("QueryDISyncTaskConfigProcessResult", &query);
    assert_eq!(done["Status"], "success", "{done}");
    let script = done["TaskContent"].as_str().unwrap().to_owned();
    // The generated script updates the real-time task.
    let update = [
        ("ProjectId", "10000"),
        ("TaskType", "DI_REALTIME"),
        ("FileId", "100"),
        ("TaskContent", script.as_str()),
    ];
    assert_eq!(
        emulator.data("UpdateDISyncTask", &update),
        json!({"Status": "success"})
    );

    // A stop settles after ten minutes of the moved clock.
    let task = [
        ("ProjectId", "10000"),
        ("TaskType", "DI_REALTIME"),
        ("FileId", "100"),
    ];
    assert_eq!(
        emulator.data("StopDISyncInstance", &task),
        json!({"Status": "success"})
    );
    assert_eq!(
        emulator.data("GetDISyncInstanceInfo", &task)["Status"],
        "KILLING"
    );
    emulator.handle().advance_clock(Duration::from_secs(600));
    assert_eq!(
        emulator.data("GetDISyncInstanceInfo", &task)["Status"],
        "PAUSE"
    );
    assert_eq!(
        emulator.handle().task_state(PROJECT, 100),
        Some(TaskState::Paused)
    );
}

#[test]
fn tasks_seeded_at_run_time_are_listed_with_their_names_and_folders() {
    let mut emulator = Emulator::start(Config::default().without_tasks());
    for file in 1..=3 {
        emulator.handle().seed_task(
            &SeedTask::new(PROJECT, file)
                .named(format!("orders_{file}"))
                .in_folder("Business Flow/sales/Data Integration"),
        );
    }
    let request = RpcRequest::new("ListFiles", "2020-05-18")
        .param("ProjectId", "10000", ParamLocation::Body)
        .param("Keyword", "orders", ParamLocation::Body)
        .param("NeedAbsoluteFolderPath", "True", ParamLocation::Body);
    let signed = emulator.sign(&request, SignatureVersion::V1);
    let (status, body) = emulator.send(signed);
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let files = body["Data"]["Files"].as_array().unwrap();
    let names: Vec<&str> = files
        .iter()
        .map(|file| file["FileName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orders_1", "orders_2", "orders_3"]);
    assert!(
        files
            .iter()
            .all(|file| file["AbsoluteFolderPath"] == "Business Flow/sales/Data Integration")
    );
    assert_eq!(body["HttpStatusCode"], 200);
}
