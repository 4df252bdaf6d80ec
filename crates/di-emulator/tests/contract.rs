//! The documented contract of every action served, through the [`Responder`] (the gateway and
//! the service, on the caller's clock: time moves when the test answers later, nothing
//! sleeps): required parameters (`Missing{Name}`), each action's task types, the discovery
//! answers and their paging, the asynchronous config processes, and updates of real-time
//! tasks. Each case asserts the exact HTTP status and code.
//!
//! Requests are di-proto's generic `RpcRequest`s signed by its `Signer`, parameters where the
//! official SDKs put them (the discovery actions' in the form body, `CreateDISyncTask`'s
//! `TaskContent` too, everything else in the query); answers are read as raw JSON or XML.

use std::time::Duration;

use di_emulator::{
    Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_OWNER_ID, DEMO_PROJECT_IDENTIFIER,
    PROCESS_RUNNING, Responder, SeedTask, TaskState, TaskType,
};
use di_proto::{
    Credentials, Endpoint, Format, ParamLocation, RpcRequest, SignatureVersion, Signer, Timestamp,
};
use serde_json::{Value, json};

const PROJECT: i64 = 10000;
/// The time of the first request, in Unix seconds.
const START: i64 = 1_800_000_000;

/// One answer: its HTTP status and its body, parsed.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    text: String,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or_default()
    }

    fn data(&self) -> &Value {
        &self.body["Data"]
    }

    /// Asserts HTTP 400 with `code`.
    #[track_caller]
    fn assert_refused(&self, code: &str) {
        assert_eq!((self.status, self.code()), (400, code), "{}", self.text);
    }

    /// Asserts HTTP 200 with `Success: true`, and returns `Data`.
    #[track_caller]
    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.text);
        assert_eq!(self.body["Success"], true, "{}", self.text);
        self.data()
    }
}

/// A responder and the caller's clock.
struct Service {
    responder: Responder,
    /// The time of the next request, in Unix seconds: the responder's clock.
    now: i64,
    nonce: u64,
}

impl Service {
    fn new(config: Config) -> Self {
        Service {
            responder: Responder::new(config),
            now: START,
            nonce: 0,
        }
    }

    /// Moves the clock `seconds` ahead.
    fn wait(&mut self, seconds: i64) {
        self.now += seconds;
    }

    fn sign(&mut self, request: &RpcRequest, format: Format) -> http::Request<Vec<u8>> {
        self.nonce += 1;
        let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap();
        let endpoint = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        let now = Timestamp::from_unix_seconds(self.now).unwrap();
        Signer::new(&credentials, &endpoint)
            .with_signature_version(SignatureVersion::V3)
            .with_format(format)
            .sign(request, now, &format!("contract-{}", self.nonce))
            .unwrap()
            .into_request()
    }

    /// Sends `request` (V3, JSON) and reads the answer.
    fn send(&mut self, request: &RpcRequest) -> Answer {
        let signed = self.sign(request, Format::Json);
        let answer = self
            .responder
            .respond(signed, Timestamp::from_unix_seconds(self.now).unwrap());
        let text = String::from_utf8(answer.body().clone()).unwrap();
        Answer {
            status: answer.status().as_u16(),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    /// Sends `request` asking for XML; the body as text.
    fn send_xml(&mut self, request: &RpcRequest) -> (u16, String) {
        let signed = self.sign(request, Format::Xml);
        let answer = self
            .responder
            .respond(signed, Timestamp::from_unix_seconds(self.now).unwrap());
        (
            answer.status().as_u16(),
            String::from_utf8(answer.body().clone()).unwrap(),
        )
    }

    fn call(&mut self, action: &str, params: &[(&str, &str, ParamLocation)]) -> Answer {
        self.send(&request(action, params))
    }
}

fn request(action: &str, params: &[(&str, &str, ParamLocation)]) -> RpcRequest {
    params.iter().fold(
        RpcRequest::new(action, "2020-05-18"),
        |request, (name, value, at)| request.param(*name, *value, *at),
    )
}

use ParamLocation::{Body as B, Query as Q};

/// A request parameter: name, value, and where it goes.
type Param = (&'static str, &'static str, ParamLocation);

/// A complete, valid request of every action served, on the default tasks (real-time tasks
/// 100 to 104 of workspace 10000) plus batch task 200.
fn complete_requests() -> Vec<(&'static str, Vec<Param>)> {
    let task = |task_type| {
        vec![
            ("ProjectId", "10000", Q),
            ("TaskType", task_type, Q),
            ("FileId", "100", Q),
        ]
    };
    vec![
        (
            "CreateDISyncTask",
            vec![
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_REALTIME", Q),
                ("TaskContent", "{}", B),
            ],
        ),
        (
            "UpdateDISyncTask",
            vec![
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_OFFLINE", Q),
                ("FileId", "200", Q),
                ("TaskContent", "{}", Q),
            ],
        ),
        ("GetDISyncTask", task("DI_REALTIME")),
        ("DeployDISyncTask", task("DI_REALTIME")),
        ("StartDISyncInstance", task("DI_REALTIME")),
        ("StopDISyncInstance", task("DI_REALTIME")),
        ("GetDISyncInstanceInfo", task("DI_REALTIME")),
        ("TerminateDISyncInstance", task("DI_REALTIME")),
        ("DeleteDISyncTask", task("DI_REALTIME")),
        (
            "GenerateDISyncTaskConfigForCreating",
            vec![
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_REALTIME", Q),
                ("TaskParam", "{}", Q),
            ],
        ),
        (
            "GenerateDISyncTaskConfigForUpdating",
            vec![
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_REALTIME", Q),
                ("TaskId", "100", Q),
                ("TaskParam", "{}", Q),
            ],
        ),
        (
            "QueryDISyncTaskConfigProcessResult",
            vec![
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_REALTIME", Q),
                ("AsyncProcessId", "1", Q),
            ],
        ),
        (
            "ListRefDISyncTasks",
            vec![
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_REALTIME", Q),
                ("DatasourceName", "mysql_source", Q),
                ("RefType", "from", Q),
            ],
        ),
        ("ListFiles", vec![("ProjectId", "10000", B)]),
        (
            "GetFile",
            vec![("ProjectId", "10000", B), ("FileId", "100", B)],
        ),
        (
            "ListFolders",
            vec![
                ("ProjectId", "10000", B),
                ("PageNumber", "1", B),
                ("PageSize", "10", B),
                ("ParentFolderPath", "/", B),
            ],
        ),
    ]
}

/// The default tasks, plus batch task 200.
fn service() -> Service {
    Service::new(
        Config::default().with_seed_task(SeedTask::new(PROJECT, 200).of_type(TaskType::DiOffline)),
    )
}

#[test]
fn every_complete_request_is_served() {
    for (action, params) in complete_requests() {
        let answer = service().call(action, &params);
        answer.ok();
        assert_eq!(answer.body["RequestId"].as_str().map(str::len), Some(36));
    }
}

#[test]
fn every_missing_required_parameter_is_refused_with_its_code() {
    // The required parameters of each action, as the fact sheets list them.
    let required: &[(&str, &[&str])] = &[
        (
            "CreateDISyncTask",
            &["ProjectId", "TaskType", "TaskContent"],
        ),
        ("UpdateDISyncTask", &["FileId", "ProjectId", "TaskType"]),
        ("GetDISyncTask", &["FileId", "ProjectId", "TaskType"]),
        ("DeployDISyncTask", &["FileId", "ProjectId", "TaskType"]),
        ("StartDISyncInstance", &["FileId", "ProjectId", "TaskType"]),
        ("StopDISyncInstance", &["FileId", "ProjectId", "TaskType"]),
        (
            "GetDISyncInstanceInfo",
            &["FileId", "ProjectId", "TaskType"],
        ),
        (
            "TerminateDISyncInstance",
            &["FileId", "ProjectId", "TaskType"],
        ),
        ("DeleteDISyncTask", &["FileId", "ProjectId", "TaskType"]),
        (
            "GenerateDISyncTaskConfigForCreating",
            &["ProjectId", "TaskParam", "TaskType"],
        ),
        (
            "GenerateDISyncTaskConfigForUpdating",
            &["ProjectId", "TaskId", "TaskParam", "TaskType"],
        ),
        (
            "QueryDISyncTaskConfigProcessResult",
            &["AsyncProcessId", "ProjectId", "TaskType"],
        ),
        (
            "ListRefDISyncTasks",
            &["DatasourceName", "ProjectId", "RefType", "TaskType"],
        ),
        (
            "ListFolders",
            &["PageNumber", "PageSize", "ParentFolderPath"],
        ),
    ];
    let complete = complete_requests();
    let mut cases = 0;
    for (action, names) in required {
        let (_, params) = complete.iter().find(|(name, _)| name == action).unwrap();
        for missing in *names {
            // Absent, then present but empty: both are missing.
            let without: Vec<_> = params
                .iter()
                .copied()
                .filter(|(name, _, _)| name != missing)
                .collect();
            let code = format!("Missing{missing}");
            service().call(action, &without).assert_refused(&code);
            let emptied: Vec<_> = params
                .iter()
                .map(|&(name, value, at)| (name, if name == *missing { "" } else { value }, at))
                .collect();
            service().call(action, &emptied).assert_refused(&code);
            cases += 2;
        }
    }
    // The discovery actions take ProjectId or ProjectIdentifier: without either, the generic
    // code; either one alone is enough.
    for action in ["ListFiles", "GetFile", "ListFolders"] {
        let (_, params) = complete.iter().find(|(name, _)| *name == action).unwrap();
        let without: Vec<_> = params
            .iter()
            .copied()
            .filter(|(name, _, _)| *name != "ProjectId")
            .collect();
        let refused = service().call(action, &without);
        refused.assert_refused("MissingParameter");
        assert_eq!(
            refused.body["Message"],
            "The input parameter \"ProjectId\" or \"ProjectIdentifier\" that is mandatory for \
             processing this request is not supplied."
        );
        // The discovery answers model ErrorCode / ErrorMessage / HttpStatusCode: a refusal
        // carries them too.
        assert_eq!(refused.body["ErrorCode"], "MissingParameter");
        assert_eq!(refused.body["HttpStatusCode"], 400);
        assert_eq!(refused.body["Success"], false);
        let mut named = without.clone();
        named.push(("ProjectIdentifier", DEMO_PROJECT_IDENTIFIER, B));
        service().call(action, &named).ok();
        let mut unknown = without.clone();
        unknown.push(("ProjectIdentifier", "no_such_workspace", B));
        service()
            .call(action, &unknown)
            .assert_refused("Param.Invalid");
        cases += 1;
    }
    assert_eq!(cases, 2 * 44 + 3);
    // The message is the gateway's.
    let answer = service().call(
        "DeleteDISyncTask",
        &[("ProjectId", "10000", Q), ("TaskType", "DI_REALTIME", Q)],
    );
    answer.assert_refused("MissingFileId");
    assert_eq!(
        answer.body["Message"],
        "The input parameter \"FileId\" that is mandatory for processing this request is not \
         supplied."
    );
    assert!(answer.body.get("ErrorCode").is_none(), "{}", answer.text);
}

#[test]
fn a_task_type_outside_the_action_set_is_refused() {
    // The documented task types of each action that takes one.
    let accepted: &[(&str, &[&str])] = &[
        (
            "CreateDISyncTask",
            &["DI_OFFLINE", "DI_REALTIME", "DI_SOLUTION"],
        ),
        (
            "UpdateDISyncTask",
            &["DI_OFFLINE", "DI_REALTIME", "DI_SOLUTION"],
        ),
        (
            "GenerateDISyncTaskConfigForCreating",
            &["DI_REALTIME", "DI_SOLUTION"],
        ),
        (
            "GenerateDISyncTaskConfigForUpdating",
            &["DI_REALTIME", "DI_SOLUTION"],
        ),
        (
            "QueryDISyncTaskConfigProcessResult",
            &["DI_REALTIME", "DI_SOLUTION"],
        ),
        ("GetDISyncTask", &["DI_REALTIME", "DI_SOLUTION"]),
        ("DeployDISyncTask", &["DI_REALTIME", "DI_SOLUTION"]),
        ("StartDISyncInstance", &["DI_REALTIME", "DI_SOLUTION"]),
        ("GetDISyncInstanceInfo", &["DI_REALTIME", "DI_SOLUTION"]),
        ("StopDISyncInstance", &["DI_REALTIME"]),
        ("TerminateDISyncInstance", &["DI_REALTIME"]),
        ("DeleteDISyncTask", &["DI_REALTIME"]),
        ("ListRefDISyncTasks", &["DI_OFFLINE", "DI_REALTIME"]),
    ];
    let complete = complete_requests();
    let mut refused = 0;
    for (action, types) in accepted {
        let (_, params) = complete.iter().find(|(name, _)| name == action).unwrap();
        for task_type in [
            "DI_OFFLINE",
            "DI_REALTIME",
            "DI_SOLUTION",
            "DI_BATCH",
            "di_realtime",
        ] {
            let typed: Vec<_> = params
                .iter()
                .map(|&(name, value, at)| {
                    (name, if name == "TaskType" { task_type } else { value }, at)
                })
                .collect();
            let answer = service().call(action, &typed);
            if types.contains(&task_type) {
                // Served: HTTP 200 (a task of another type is unknown to it: Data says so).
                assert_eq!(answer.status, 200, "{action} {task_type}: {}", answer.text);
            } else {
                answer.assert_refused("Param.Invalid");
                let message = answer.body["Message"].as_str().unwrap();
                assert!(message.contains(&types.join(", ")), "{action}: {message}");
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 13 * 5 - 25);
}

#[test]
fn a_task_of_another_type_is_unknown_to_the_lifecycle() {
    let mut service = service();
    // Batch task 200 is no real-time task; real-time task 100 no batch task.
    let info = service.call(
        "GetDISyncInstanceInfo",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_SOLUTION", Q),
            ("FileId", "100", Q),
        ],
    );
    assert_eq!(
        info.ok(),
        &json!({"Status": "fail", "Message": "fileId:[100] is invalid."})
    );
    let update = service.call(
        "UpdateDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_OFFLINE", Q),
            ("FileId", "100", Q),
            ("TaskContent", "{}", Q),
        ],
    );
    assert_eq!(
        update.ok(),
        &json!({"Status": "fail", "Message": "fileId:[100] is invalid."})
    );
    let deploy = service.call(
        "DeployDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_REALTIME", Q),
            ("FileId", "200", Q),
        ],
    );
    assert_eq!(
        deploy.ok(),
        &json!({"Status": "fail", "Message": "fileId:[200] is invalid."})
    );
}

/// `ListFiles` with these body parameters (and the workspace).
fn list_files(service: &mut Service, params: &[(&str, &str)]) -> Answer {
    let mut all = vec![("ProjectId", "10000", B)];
    all.extend(params.iter().map(|&(name, value)| (name, value, B)));
    service.call("ListFiles", &all)
}

#[test]
fn list_files_pages_through_a_thousand_tasks() {
    let mut config = Config::default().without_tasks();
    for file in 1..=1000 {
        config = config.with_seed_task(
            SeedTask::new(PROJECT, file).in_folder("Business Flow/sales/Data Integration"),
        );
    }
    let mut service = Service::new(config);
    let mut seen = Vec::new();
    for page in 1..=10 {
        let answer = list_files(
            &mut service,
            &[("PageNumber", &page.to_string()), ("PageSize", "100")],
        );
        let data = answer.ok();
        assert_eq!(
            (&data["PageNumber"], &data["PageSize"], &data["TotalCount"]),
            (&json!(page), &json!(100), &json!(1000))
        );
        let files = data["Files"].as_array().unwrap();
        assert_eq!(files.len(), 100, "page {page}");
        seen.extend(files.iter().map(|file| file["FileId"].as_i64().unwrap()));
        // The discovery answers carry ErrorCode, ErrorMessage and HttpStatusCode.
        assert_eq!(
            (
                &answer.body["HttpStatusCode"],
                &answer.body["ErrorCode"],
                &answer.body["ErrorMessage"]
            ),
            (&json!(200), &json!(""), &json!(""))
        );
    }
    assert_eq!(
        seen,
        (1..=1000).collect::<Vec<i64>>(),
        "every file once, by FileId"
    );
    // The last page is page 10; past it, nothing.
    let past = list_files(&mut service, &[("PageNumber", "11"), ("PageSize", "100")]);
    assert_eq!(past.ok()["Files"], json!([]));
    assert_eq!(past.ok()["TotalCount"], 1000);
    // The default page: the first 10.
    let first = list_files(&mut service, &[]);
    let data = first.ok();
    assert_eq!(
        (&data["PageNumber"], &data["PageSize"]),
        (&json!(1), &json!(10))
    );
    let file = &data["Files"][0];
    assert_eq!(file["FileName"], "task_00001");
    assert_eq!(file["FileType"], 900);
    assert_eq!(file["UseType"], "NORMAL");
    assert_eq!(file["Owner"], DEMO_OWNER_ID);
    assert_eq!(file["CreateTime"], 1_704_067_200_000_i64);
    assert!(file["FileFolderId"].is_string(), "{file}");
    assert!(file.get("Content").is_none() && file.get("AbsoluteFolderPath").is_none());
    // PageSize is at most 100; pages start at 1.
    for (name, value) in [
        ("PageSize", "101"),
        ("PageSize", "0"),
        ("PageNumber", "0"),
        ("PageSize", "ten"),
    ] {
        let refused = list_files(&mut service, &[(name, value)]);
        refused.assert_refused("Param.Invalid");
        assert_eq!(refused.body["HttpStatusCode"], 400);
        assert_eq!(refused.body["ErrorCode"], "Param.Invalid");
    }
}

#[test]
fn list_files_filters_and_shows_content_and_paths_on_request() {
    let mut service = Service::new(
        Config::default()
            .without_tasks()
            .with_seed_task(
                SeedTask::new(PROJECT, 1)
                    .named("orders_rt")
                    .in_folder("Business Flow/sales/Data Integration"),
            )
            .with_seed_task(
                SeedTask::new(PROJECT, 2)
                    .named("orders_batch")
                    .in_folder("Business Flow/sales/Data Integration/daily")
                    .of_type(TaskType::DiOffline),
            )
            .with_seed_task(
                SeedTask::new(PROJECT, 3)
                    .named("users")
                    .in_folder("Business Flow/crm"),
            )
            .with_seed_task(
                SeedTask::new(PROJECT, 4)
                    .named("solution")
                    .of_type(TaskType::DiSolution),
            )
            .with_seed_task(
                SeedTask::new(PROJECT, 5)
                    .named("gone")
                    .in_state(TaskState::Deleted),
            )
            .with_seed_task(SeedTask::new(20000, 6).named("elsewhere")),
    );
    let ids = |answer: Answer| -> Vec<i64> {
        answer.ok()["Files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|file| file["FileId"].as_i64().unwrap())
            .collect()
    };
    // Solutions, deleted tasks and other workspaces are not listed.
    assert_eq!(ids(list_files(&mut service, &[])), [1, 2, 3]);
    assert_eq!(ids(list_files(&mut service, &[("FileTypes", "23")])), [2]);
    assert_eq!(
        ids(list_files(&mut service, &[("FileTypes", "900, 23")])),
        [1, 2, 3]
    );
    assert_eq!(
        ids(list_files(&mut service, &[("Keyword", "ORDERS")])),
        [1, 2]
    );
    assert_eq!(
        ids(list_files(&mut service, &[("ExactFileName", "orders")])),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(list_files(&mut service, &[("ExactFileName", "users")])),
        [3]
    );
    // A folder holds what is in it and in its sub-folders.
    assert_eq!(
        ids(list_files(
            &mut service,
            &[("FileFolderPath", "/Business Flow/sales/")]
        )),
        [1, 2]
    );
    assert_eq!(
        ids(list_files(
            &mut service,
            &[("FileFolderPath", "Business Flow/sal")]
        )),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(list_files(&mut service, &[("FileIdIn", "3,1,99")])),
        [1, 3]
    );
    assert_eq!(
        ids(list_files(&mut service, &[("Owner", DEMO_OWNER_ID)])),
        [1, 2, 3]
    );
    assert_eq!(
        ids(list_files(&mut service, &[("Owner", "42")])),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(list_files(&mut service, &[("NodeId", "700000000002")])),
        [2]
    );
    let fifty_one = (1..=51)
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    list_files(&mut service, &[("FileIdIn", &fifty_one)]).assert_refused("Param.Invalid");
    list_files(&mut service, &[("FileTypes", "sql")]).assert_refused("Param.Invalid");

    // NeedContent / NeedAbsoluteFolderPath: True or true (Tea Python writes str(bool)).
    for (yes, no) in [("True", "False"), ("true", "false")] {
        let answer = list_files(
            &mut service,
            &[
                ("FileIdIn", "1"),
                ("NeedContent", yes),
                ("NeedAbsoluteFolderPath", yes),
            ],
        );
        let file = &answer.ok()["Files"][0];
        assert_eq!(
            file["AbsoluteFolderPath"],
            "Business Flow/sales/Data Integration"
        );
        let content: Value = serde_json::from_str(file["Content"].as_str().unwrap()).unwrap();
        assert_eq!(
            content["steps"][0]["parameter"]["datasource"],
            "mysql_source"
        );
        let answer = list_files(
            &mut service,
            &[
                ("FileIdIn", "1"),
                ("NeedContent", no),
                ("NeedAbsoluteFolderPath", no),
            ],
        );
        let file = &answer.ok()["Files"][0];
        assert!(file.get("Content").is_none() && file.get("AbsoluteFolderPath").is_none());
    }
    list_files(&mut service, &[("NeedContent", "yes")]).assert_refused("Param.Invalid");

    // In XML, the list is its element repeated.
    let (status, xml) = service.send_xml(&request(
        "ListFiles",
        &[("ProjectId", "10000", B), ("PageSize", "2", B)],
    ));
    assert_eq!(status, 200, "{xml}");
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<Files>").count(), 2, "{xml}");
    assert!(xml.contains("<FileName>orders_rt</FileName>"), "{xml}");
    assert!(xml.contains("<TotalCount>3</TotalCount>"), "{xml}");
    assert!(
        xml.contains("<HttpStatusCode>200</HttpStatusCode>"),
        "{xml}"
    );
}

#[test]
fn folders_come_from_the_tasks_with_stable_ids() {
    let seeds = [
        SeedTask::new(PROJECT, 1).in_folder("Business Flow/sales/Data Integration"),
        SeedTask::new(PROJECT, 2).in_folder("Business Flow/sales/Data Integration/daily"),
        SeedTask::new(PROJECT, 3).in_folder("Business Flow/crm"),
        SeedTask::new(PROJECT, 4).in_folder("shared"),
    ];
    let folders = |order: &[usize], parent: &str| -> Vec<(String, String)> {
        let config = order
            .iter()
            .fold(Config::default().without_tasks(), |config, &at| {
                config.with_seed_task(seeds[at].clone())
            });
        let answer = Service::new(config).call(
            "ListFolders",
            &[
                ("ProjectId", "10000", B),
                ("PageNumber", "1", B),
                ("PageSize", "100", B),
                ("ParentFolderPath", parent, B),
            ],
        );
        answer.ok()["Folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|folder| {
                (
                    folder["FolderPath"].as_str().unwrap().to_owned(),
                    folder["FolderId"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let paths = |listed: Vec<(String, String)>| -> Vec<String> {
        listed.into_iter().map(|(path, _)| path).collect()
    };
    assert_eq!(
        paths(folders(&[0, 1, 2, 3], "/")),
        ["Business Flow", "shared"]
    );
    assert_eq!(
        paths(folders(&[0, 1, 2, 3], "Business Flow")),
        ["Business Flow/crm", "Business Flow/sales"]
    );
    assert_eq!(
        paths(folders(
            &[0, 1, 2, 3],
            "Business Flow/sales/Data Integration"
        )),
        ["Business Flow/sales/Data Integration/daily"]
    );
    assert!(folders(&[0, 1, 2, 3], "nowhere").is_empty());
    // The same folder has the same id, whatever order the tasks came in.
    assert_eq!(
        folders(&[0, 1, 2, 3], "Business Flow"),
        folders(&[3, 2, 1, 0], "Business Flow")
    );
    // A file's FileFolderId is its folder's FolderId.
    let mut service = Service::new(
        Config::default()
            .without_tasks()
            .with_seed_task(seeds[2].clone()),
    );
    let file = list_files(&mut service, &[]).ok()["Files"][0].clone();
    let crm = folders(&[2], "Business Flow");
    assert_eq!(crm[0].0, "Business Flow/crm");
    assert_eq!(file["FileFolderId"], crm[0].1.as_str());
    // PageSize over 100 is refused here too.
    Service::new(Config::default())
        .call(
            "ListFolders",
            &[
                ("ProjectId", "10000", B),
                ("PageNumber", "1", B),
                ("PageSize", "101", B),
                ("ParentFolderPath", "/", B),
            ],
        )
        .assert_refused("Param.Invalid");
}

#[test]
fn get_file_reads_one_file_by_file_id_or_node_id() {
    let mut service = service();
    let get = |service: &mut Service, name: &str, value: &str| {
        service.call("GetFile", &[("ProjectId", "10000", B), (name, value, B)])
    };
    let by_file = get(&mut service, "FileId", "200");
    let data = by_file.ok();
    assert_eq!(data["File"]["FileId"], 200);
    assert_eq!(data["File"]["FileType"], 23);
    assert_eq!(data["File"]["FileName"], "task_00200");
    assert_eq!(data["File"]["DeletedStatus"], "NORMAL");
    assert!(
        data["File"]["Content"]
            .as_str()
            .unwrap()
            .contains("mysql_source")
    );
    assert_eq!(data["NodeConfiguration"]["SchedulerType"], "NORMAL");
    assert_eq!(by_file.body["HttpStatusCode"], 200);
    let node = data["File"]["NodeId"].as_i64().unwrap().to_string();
    assert_eq!(get(&mut service, "NodeId", &node).ok(), data);
    let unknown = get(&mut service, "FileId", "999");
    unknown.assert_refused("Param.Invalid");
    assert_eq!(unknown.body["ErrorCode"], "Param.Invalid");
    service
        .call("GetFile", &[("ProjectId", "10000", B)])
        .assert_refused("Param.Invalid");

    // A deleted task is in the recycle bin, and no longer listed.
    let task = [
        ("ProjectId", "10000", Q),
        ("TaskType", "DI_REALTIME", Q),
        ("FileId", "101", Q),
    ];
    service.call("TerminateDISyncInstance", &task).ok();
    assert_eq!(
        service.call("DeleteDISyncTask", &task).ok()["Status"],
        "success"
    );
    assert_eq!(
        get(&mut service, "FileId", "101").ok()["File"]["DeletedStatus"],
        "RECYCLE_BIN"
    );
    let listed = list_files(&mut service, &[("FileIdIn", "101")]);
    assert_eq!(listed.ok()["TotalCount"], 0);
}

#[test]
fn list_ref_tasks_reads_the_data_sources_of_scripts() {
    let two_sources = r#"{"steps":[
        {"category":"reader","parameter":{"connection":[{"datasource":"mysql_source"},{"datasource":"mysql_archive"}]}},
        {"category":"writer","parameter":{"datasource":"holo"}}]}"#;
    let mut service = Service::new(
        Config::default()
            .without_tasks()
            .with_seed_task(SeedTask::new(PROJECT, 1).named("rt"))
            .with_seed_task(
                SeedTask::new(PROJECT, 2)
                    .named("batch")
                    .of_type(TaskType::DiOffline),
            )
            .with_seed_task(
                SeedTask::new(PROJECT, 3)
                    .named("two")
                    .with_script(two_sources),
            ),
    );
    let refs = |service: &mut Service, task_type: &str, name: &str, ref_type: &str| {
        service.call(
            "ListRefDISyncTasks",
            &[
                ("ProjectId", "10000", Q),
                ("TaskType", task_type, Q),
                ("DatasourceName", name, Q),
                ("RefType", ref_type, Q),
            ],
        )
    };
    let answer = refs(&mut service, "DI_REALTIME", "mysql_source", "from");
    assert_eq!(
        answer.ok(),
        &json!({"DISyncTasks": [
            {
                "NodeId": 700_000_000_001_i64,
                "NodeName": "rt",
                "TaskType": "DI_REALTIME",
                "DiSourceDatasource": "mysql_source",
                "DiDestinationDatasource": "odps_destination",
            },
            {
                "NodeId": 700_000_000_003_i64,
                "NodeName": "two",
                "TaskType": "DI_REALTIME",
                "DiSourceDatasource": r#"["mysql_source","mysql_archive"]"#,
                "DiDestinationDatasource": "holo",
            },
        ]})
    );
    let batch = refs(&mut service, "DI_OFFLINE", "odps_destination", "to");
    assert_eq!(batch.ok()["DISyncTasks"][0]["NodeName"], "batch");
    assert_eq!(batch.ok()["DISyncTasks"].as_array().unwrap().len(), 1);
    // A source is not a destination.
    let none = refs(&mut service, "DI_REALTIME", "mysql_source", "to");
    assert_eq!(none.ok()["DISyncTasks"], json!([]));
    refs(&mut service, "DI_REALTIME", "mysql_source", "both").assert_refused("Param.Invalid");
    // The discovery-only fields are not part of this answer.
    assert!(none.body.get("HttpStatusCode").is_none(), "{}", none.text);
}

/// `Data` of `QueryDISyncTaskConfigProcessResult` for process `id`.
fn query_process(service: &mut Service, task_type: &str, id: &Value) -> Value {
    let answer = service.call(
        "QueryDISyncTaskConfigProcessResult",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", task_type, Q),
            ("AsyncProcessId", &id.to_string(), Q),
        ],
    );
    answer.ok().clone()
}

/// Starts a config process; its `ProcessId`.
fn generate(service: &mut Service, params: &[(&str, &str)]) -> Value {
    let action = if params.iter().any(|(name, _)| *name == "TaskId") {
        "GenerateDISyncTaskConfigForUpdating"
    } else {
        "GenerateDISyncTaskConfigForCreating"
    };
    let mut all = vec![("ProjectId", "10000", Q)];
    all.extend(params.iter().map(|&(name, value)| (name, value, Q)));
    let answer = service.call(action, &all);
    let data = answer.ok();
    assert_eq!(data["Status"], "success", "{}", answer.text);
    assert!(data.get("Message").is_none(), "{}", answer.text);
    data["ProcessId"].clone()
}

#[test]
fn config_processes_run_until_the_delay_on_the_injected_clock() {
    let mut service = Service::new(Config::default().with_process_delay(Duration::from_secs(5)));
    let param =
        r#"{"FileFolderPath":"Business Flow/rt","source":"orders_db","destination":"holo_dw"}"#;
    let id = generate(
        &mut service,
        &[("TaskType", "DI_REALTIME"), ("TaskParam", param)],
    );
    // Not done before the delay: the undocumented "running" (anything but success / fail).
    assert_eq!(PROCESS_RUNNING, "running");
    for wait in [0, 4] {
        service.wait(wait);
        assert_eq!(
            query_process(&mut service, "DI_REALTIME", &id),
            json!({"Status": "running"})
        );
    }
    // Done once it has passed: the generated script.
    service.wait(1);
    let done = query_process(&mut service, "DI_REALTIME", &id);
    assert_eq!(done["Status"], "success", "{done}");
    let script = done["TaskContent"].as_str().unwrap().to_owned();
    let parsed: Value = serde_json::from_str(&script).unwrap();
    assert_eq!(parsed["steps"][0]["parameter"]["datasource"], "orders_db");
    assert_eq!(parsed["steps"][1]["parameter"]["datasource"], "holo_dw");
    // Asked again, the same.
    assert_eq!(query_process(&mut service, "DI_REALTIME", &id), done);
    // The process is of its workspace and type only; another id is unknown.
    assert_eq!(
        query_process(&mut service, "DI_SOLUTION", &id),
        json!({"Status": "fail", "Message": format!("processId:[{id}] is invalid.")})
    );
    assert_eq!(
        query_process(&mut service, "DI_REALTIME", &json!(999)),
        json!({"Status": "fail", "Message": "processId:[999] is invalid."})
    );

    // The script creates the task.
    let created = service.call(
        "CreateDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_REALTIME", Q),
            ("TaskName", "orders_rt", Q),
            (
                "TaskParam",
                r#"{"FileFolderPath":"Business Flow/rt/Data Integration"}"#,
                Q,
            ),
            ("TaskContent", &script, B),
        ],
    );
    let file = created.ok()["FileId"].as_i64().unwrap();
    let listed = list_files(
        &mut service,
        &[
            ("ExactFileName", "orders_rt"),
            ("NeedContent", "True"),
            ("NeedAbsoluteFolderPath", "True"),
        ],
    );
    let record = &listed.ok()["Files"][0];
    assert_eq!(record["FileId"], file);
    assert_eq!(record["FileType"], 900);
    assert_eq!(record["Content"], script.as_str());
    assert_eq!(
        record["AbsoluteFolderPath"],
        "Business Flow/rt/Data Integration"
    );
    assert_eq!(record["CreateTime"], (START + 5) * 1000);
}

#[test]
fn a_task_param_that_is_no_json_object_fails_the_process() {
    let mut service = Service::new(Config::default().with_process_delay(Duration::from_secs(2)));
    for bad in ["[1]", "not json", "\"text\""] {
        let id = generate(
            &mut service,
            &[("TaskType", "DI_SOLUTION"), ("TaskParam", bad)],
        );
        assert_eq!(
            query_process(&mut service, "DI_SOLUTION", &id),
            json!({"Status": "running"})
        );
        service.wait(2);
        assert_eq!(
            query_process(&mut service, "DI_SOLUTION", &id),
            json!({"Status": "fail", "Message": "TaskParam must be a JSON object."}),
            "{bad}"
        );
    }
    // A process for updating names an existing task of its type.
    let answer = service.call(
        "GenerateDISyncTaskConfigForUpdating",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_REALTIME", Q),
            ("TaskId", "999", Q),
            ("TaskParam", "{}", Q),
        ],
    );
    assert_eq!(
        answer.ok(),
        &json!({"Status": "fail", "Message": "fileId:[999] is invalid."})
    );
    // The same ClientToken, the same process.
    let params = [
        ("TaskType", "DI_REALTIME"),
        ("TaskParam", "{}"),
        ("ClientToken", "once"),
    ];
    assert_eq!(
        generate(&mut service, &params),
        generate(&mut service, &params)
    );
}

#[test]
fn a_real_time_task_is_updated_only_with_its_generated_script() {
    let mut service = Service::new(Config::default().with_process_delay(Duration::from_secs(1)));
    let update = |service: &mut Service, file: &str, script: &str| {
        service.call(
            "UpdateDISyncTask",
            &[
                ("ProjectId", "10000", Q),
                ("TaskType", "DI_REALTIME", Q),
                ("FileId", file, Q),
                ("TaskContent", script, Q),
            ],
        )
    };
    let not_generated = |file: &str| {
        json!({
            "Status": "fail",
            "Message": format!(
                "fileId:[{file}] is updated only with the TaskContent that \
                 QueryDISyncTaskConfigProcessResult returned for it \
                 (GenerateDISyncTaskConfigForUpdating first)."
            ),
        })
    };
    // Without a generated script: refused, as the DISyncTask family refuses (HTTP 200).
    assert_eq!(
        update(&mut service, "100", r#"{"steps":[]}"#).ok(),
        &not_generated("100")
    );
    let no_script = service.call(
        "UpdateDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_REALTIME", Q),
            ("FileId", "100", Q),
            ("TaskParam", r#"{"ResourceGroup":"rg"}"#, Q),
        ],
    );
    assert_eq!(no_script.ok(), &not_generated("100"));
    // A script generated for creating, or for another task: refused too.
    let creating = generate(
        &mut service,
        &[("TaskType", "DI_REALTIME"), ("TaskParam", "{}")],
    );
    let other = generate(
        &mut service,
        &[
            ("TaskType", "DI_REALTIME"),
            ("TaskId", "101"),
            ("TaskParam", "{}"),
        ],
    );
    let mine = generate(
        &mut service,
        &[
            ("TaskType", "DI_REALTIME"),
            ("TaskId", "100"),
            ("TaskParam", r#"{"tables":["a"]}"#),
        ],
    );
    service.wait(1);
    let script = |service: &mut Service, id: &Value| {
        query_process(service, "DI_REALTIME", id)["TaskContent"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (creating, other, mine) = (
        script(&mut service, &creating),
        script(&mut service, &other),
        script(&mut service, &mine),
    );
    assert_eq!(
        update(&mut service, "100", &creating).ok(),
        &not_generated("100")
    );
    assert_eq!(
        update(&mut service, "100", &other).ok(),
        &not_generated("100")
    );
    // The script generated for this task: accepted, and read back; repeats are idempotent.
    for _ in 0..2 {
        assert_eq!(
            update(&mut service, "100", &mine).ok(),
            &json!({"Status": "success"})
        );
    }
    let task = service.call(
        "GetDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_REALTIME", Q),
            ("FileId", "100", Q),
        ],
    );
    assert_eq!(
        task.ok(),
        &json!({"Status": "success", "Code": mine, "AlarmList": []})
    );
    let file = &list_files(&mut service, &[("FileIdIn", "100")]).ok()["Files"][0].clone();
    assert_eq!(file["CurrentVersion"], 3);
    assert_eq!(file["LastEditTime"], (START + 1) * 1000);

    // A batch task is updated directly, its folder too.
    service
        .responder
        .seed_task(&SeedTask::new(PROJECT, 300).of_type(TaskType::DiOffline));
    let offline = service.call(
        "UpdateDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_OFFLINE", Q),
            ("FileId", "300", Q),
            ("TaskContent", r#"{"steps":[]}"#, Q),
            ("TaskParam", r#"{"FileFolderPath":"moved/here"}"#, Q),
        ],
    );
    assert_eq!(offline.ok(), &json!({"Status": "success"}));
    let moved = list_files(
        &mut service,
        &[("FileIdIn", "300"), ("NeedAbsoluteFolderPath", "true")],
    );
    assert_eq!(moved.ok()["Files"][0]["AbsoluteFolderPath"], "moved/here");
}

#[test]
fn solutions_follow_the_lifecycle_they_are_documented_for() {
    let mut service = Service::new(Config::default().without_tasks());
    let created = service.call(
        "CreateDISyncTask",
        &[
            ("ProjectId", "10000", Q),
            ("TaskType", "DI_SOLUTION", Q),
            ("TaskName", "whole_db", Q),
            ("TaskContent", r#"{"type":"solution"}"#, B),
        ],
    );
    let file = created.ok()["FileId"].as_i64().unwrap().to_string();
    let solution = [
        ("ProjectId", "10000", Q),
        ("TaskType", "DI_SOLUTION", Q),
        ("FileId", file.as_str(), Q),
    ];
    assert_eq!(
        service.call("DeployDISyncTask", &solution).ok()["Status"],
        "success"
    );
    assert_eq!(
        service.call("StartDISyncInstance", &solution).ok()["Status"],
        "success"
    );
    let info = service.call("GetDISyncInstanceInfo", &solution);
    assert_eq!(info.ok()["Status"], "success");
    assert_eq!(info.ok()["SolutionInfo"]["Status"], "RUN");
    let details = service.call("GetDISyncTask", &solution);
    assert_eq!(details.ok()["SolutionDetail"]["Name"], "whole_db");
    assert_eq!(
        details.ok()["SolutionDetail"]["ProcessContent"],
        r#"{"type":"solution"}"#
    );
    // No file, and not to be stopped, undeployed or deleted through the DISyncTask family.
    assert_eq!(list_files(&mut service, &[]).ok()["TotalCount"], 0);
    for action in [
        "StopDISyncInstance",
        "TerminateDISyncInstance",
        "DeleteDISyncTask",
    ] {
        service
            .call(action, &solution)
            .assert_refused("Param.Invalid");
    }
}
