//! The requests of the discovery and asynchronous-config operations: each parameter's exact
//! name, value and place (query string or form body), as the official SDKs send them, and the
//! task types each action takes (any other is refused before anything is signed).
//!
//! Where each parameter goes, copied from `shared/api/dataworks-files-api.md` ("Observations
//! from the SDK sources", from the Tea SDK `alibabacloud-dataworks-public20200518` 10.1.1 and
//! the classic `aliyun-python-sdk-dataworks-public` 6.1.12):
//!
//! - all parameters in the form body: `ListFiles` (15), `GetFile` (4), `ListFolders` (5);
//! - all parameters in the query string: `ListRefDISyncTasks` (6),
//!   `QueryDISyncTaskConfigProcessResult` (3), `GenerateDISyncTaskConfigForCreating` (4),
//!   `GenerateDISyncTaskConfigForUpdating` (5).
//!
//! And the task types each action takes (from `shared/api/dataworks-di-api.md` §1 and §7a):
//! `CreateDISyncTask` DI_OFFLINE / DI_REALTIME / DI_SOLUTION; `UpdateDISyncTask` DI_OFFLINE
//! directly, a real-time task only with a generated script; the asynchronous actions,
//! `GetDISyncTask`, `DeployDISyncTask`, `StartDISyncInstance` and `GetDISyncInstanceInfo`
//! DI_REALTIME / DI_SOLUTION; `ListRefDISyncTasks` DI_OFFLINE / DI_REALTIME (one per call);
//! `StopDISyncInstance`, `TerminateDISyncInstance`, `DeleteDISyncTask` DI_REALTIME.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::Duration;

use di_proto::client::ClientError;
use di_proto::flow::{Action, CallFlow, Flow, Input};
use di_proto::http::Method;
use di_proto::ops::{
    CreateDiSyncTask, DeleteDiSyncTask, DeployDiSyncTask, FileType,
    GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating, GeneratedConfig,
    GetDiSyncInstanceInfo, GetDiSyncTask, GetFile, ListFiles, ListFolders, ListRefDiSyncTasks,
    Operation, ProcessResult, QueryDiSyncTaskConfigProcessResult, RefType, StartDiSyncInstance,
    StopDiSyncInstance, TaskType, TerminateDiSyncInstance, UpdateDiSyncTask,
};
use di_proto::retry::{Idempotency, RetryPolicy};
use di_proto::{
    Credentials, Endpoint, Error, ParamLocation, RESERVED_PARAMS, ResponseContext, RpcRequest,
    SignatureVersion, Signer, Timestamp,
};
use proptest::prelude::*;

use ParamLocation::{Body, Query};
use TaskType::{DiOffline, DiRealtime, DiSolution};

const ALL: [TaskType; 3] = [DiOffline, DiRealtime, DiSolution];
const REALTIME_OR_SOLUTION: &[TaskType] = &[DiRealtime, DiSolution];
const OFFLINE_OR_REALTIME: &[TaskType] = &[DiOffline, DiRealtime];

/// The parameters of `ListFiles`, `GetFile`, `ListFolders` as the fact sheet lists them (all
/// in the body).
const LIST_FILES_PARAMS: [&str; 15] = [
    "ExactFileName",
    "FileFolderPath",
    "FileIdIn",
    "FileTypes",
    "Keyword",
    "LastEditUser",
    "NeedAbsoluteFolderPath",
    "NeedContent",
    "NodeId",
    "Owner",
    "PageNumber",
    "PageSize",
    "ProjectId",
    "ProjectIdentifier",
    "UseType",
];

fn params(request: &RpcRequest) -> Vec<(&str, &str, ParamLocation)> {
    request.params().collect()
}

fn request_of(operation: &impl Operation) -> RpcRequest {
    operation
        .to_rpc_request()
        .unwrap_or_else(|error| panic!("{error}"))
}

/// Decoded `name=value` pairs, in order.
type Pairs = Vec<(String, String)>;

fn decode(text: &[u8]) -> Pairs {
    serde_urlencoded::from_bytes(text).unwrap()
}

/// Signs `request` under `version`, and returns the API parameters found in the query string
/// and in the form body of what would be sent (V1's common parameters left out).
fn sent(request: &RpcRequest, version: SignatureVersion) -> (Pairs, Pairs) {
    let credentials = Credentials::new("LTAI5tTestKeyId", "test-secret").unwrap();
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap();
    let signed = Signer::new(&credentials, &endpoint)
        .with_signature_version(version)
        .sign(
            request,
            Timestamp::parse("2030-07-02T18:40:54Z").unwrap(),
            "d763593649e88dbbf92e52edf7ad6b7f",
        )
        .unwrap();
    let http = signed.request();
    assert_eq!(http.method(), Method::POST, "{}", request.action());
    let query = decode(http.uri().query().unwrap_or_default().as_bytes())
        .into_iter()
        .filter(|(name, _)| !RESERVED_PARAMS.contains(&name.as_str()))
        .collect();
    (query, decode(http.body()))
}

/// Checks that `request` carries exactly `expected`, in that order, and that signing it under
/// both versions sends each parameter where it says.
fn assert_params(request: &RpcRequest, expected: &[(&str, &str, ParamLocation)]) {
    assert_eq!(params(request), expected, "{}", request.action());
    let owned = |at: ParamLocation| -> Pairs {
        expected
            .iter()
            .filter(|(_, _, place)| *place == at)
            .map(|(name, value, _)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    };
    let sorted = |mut list: Pairs| {
        list.sort();
        list
    };
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let (query, body) = sent(request, version);
        assert_eq!(
            sorted(query),
            sorted(owned(Query)),
            "{} {version:?} query",
            request.action()
        );
        assert_eq!(
            sorted(body),
            sorted(owned(Body)),
            "{} {version:?} body",
            request.action()
        );
    }
}

/// A configuration as only an answer of the service makes one.
fn generated(task_type: TaskType, process_id: i64, script: &str) -> GeneratedConfig {
    let body = serde_json::json!({
        "RequestId": "0bd2a1c416670099",
        "Success": true,
        "Data": {"Status": "success", "TaskContent": script},
    });
    let response = di_proto::http::Response::builder()
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    match QueryDiSyncTaskConfigProcessResult::new(10000, task_type, process_id)
        .parse_response(&response, &ResponseContext::new())
    {
        Ok(ProcessResult::Ready(config)) => config,
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Names, values and places

#[test]
fn list_files_sends_every_filter_in_the_body() {
    let mut list = ListFiles::new(10000)
        .with_folder("Workflow/orders")
        .with_keyword("orders")
        .with_exact_file_name("orders_sync")
        .with_file_types([FileType::REALTIME_SYNC, FileType::BATCH_SYNC])
        .with_file_ids([100000101, 100000102])
        .with_owner("3872572a1")
        .with_content(false)
        .with_absolute_folder_path(true)
        .with_page_size(50);
    list.last_edit_user = Some("382762a1".to_owned());
    list.node_id = Some(300101);
    list.use_type = Some("NORMAL".to_owned());
    list.page_number = 4;
    let request = request_of(&list);
    assert_eq!(request.action(), "ListFiles");
    assert_eq!(request.version(), "2020-05-18");
    assert_eq!(request.method(), Method::POST);
    assert_params(
        &request,
        &[
            ("ProjectId", "10000", Body),
            ("FileFolderPath", "Workflow/orders", Body),
            ("Keyword", "orders", Body),
            ("ExactFileName", "orders_sync", Body),
            ("FileTypes", "900,23", Body),
            ("FileIdIn", "100000101,100000102", Body),
            ("Owner", "3872572a1", Body),
            ("LastEditUser", "382762a1", Body),
            ("NodeId", "300101", Body),
            ("UseType", "NORMAL", Body),
            ("NeedContent", "false", Body),
            ("NeedAbsoluteFolderPath", "true", Body),
            ("PageNumber", "4", Body),
            ("PageSize", "50", Body),
        ],
    );
    let names: BTreeSet<&str> = params(&request).iter().map(|(name, _, _)| *name).collect();
    let documented: BTreeSet<&str> = LIST_FILES_PARAMS.into_iter().collect();
    assert!(names.is_subset(&documented), "{names:?}");
    assert_eq!(list.idempotency(), Idempotency::Idempotent);

    // The defaults: the workspace, page 1 of 100.
    assert_params(
        &request_of(&ListFiles::new(10000)),
        &[
            ("ProjectId", "10000", Body),
            ("PageNumber", "1", Body),
            ("PageSize", "100", Body),
        ],
    );
    // By the workspace's name instead of its id.
    assert_params(
        &request_of(&ListFiles::for_workspace_name("dw_project").with_page_size(10)),
        &[
            ("ProjectIdentifier", "dw_project", Body),
            ("PageNumber", "1", Body),
            ("PageSize", "10", Body),
        ],
    );
}

#[test]
fn list_files_refuses_what_the_service_cannot_take() {
    let refused = |list: ListFiles, name: &str| match list.to_rpc_request() {
        Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
        other => panic!("{name}: {other:?}"),
    };
    refused(ListFiles::new(10000).with_page_size(0), "PageSize");
    refused(ListFiles::new(10000).with_page_size(101), "PageSize");
    refused(ListFiles::new(0), "ProjectId");
    refused(ListFiles::new(10000).with_file_ids(1..=51), "FileIdIn");
    refused(ListFiles::new(10000).with_file_ids([5, 0]), "FileIdIn");
    refused(ListFiles::new(10000).with_folder("  "), "FileFolderPath");
    let mut nowhere = ListFiles::new(10000);
    nowhere.project_id = None;
    refused(nowhere, "ProjectId");
    let mut page_zero = ListFiles::new(10000);
    page_zero.page_number = 0;
    refused(page_zero, "PageNumber");
    // 50 ids is the most, and fine.
    assert!(
        ListFiles::new(10000)
            .with_file_ids(1..=50)
            .to_rpc_request()
            .is_ok()
    );
}

#[test]
fn get_file_sends_the_file_or_the_node_in_the_body() {
    let request = request_of(&GetFile::new(10000, 100000101));
    assert_eq!(request.action(), "GetFile");
    assert_params(
        &request,
        &[("ProjectId", "10000", Body), ("FileId", "100000101", Body)],
    );
    assert_params(
        &request_of(&GetFile::by_node(10000, 300101)),
        &[("ProjectId", "10000", Body), ("NodeId", "300101", Body)],
    );
    let mut by_name = GetFile::new(10000, 7);
    by_name.project_id = None;
    by_name.project_identifier = Some("dw_project".to_owned());
    assert_params(
        &request_of(&by_name),
        &[
            ("ProjectIdentifier", "dw_project", Body),
            ("FileId", "7", Body),
        ],
    );
    let mut neither = GetFile::new(10000, 7);
    neither.file_id = None;
    assert!(matches!(
        neither.to_rpc_request(),
        Err(Error::InvalidParameter { name, .. }) if name == "FileId"
    ));
    assert!(GetFile::new(10000, -7).to_rpc_request().is_err());
    assert_eq!(
        GetFile::new(10000, 7).idempotency(),
        Idempotency::Idempotent
    );
}

#[test]
fn list_folders_sends_the_parent_and_the_paging_in_the_body() {
    let request = request_of(
        &ListFolders::new(10000, "Business_process/my_first_business_process").with_page_size(10),
    );
    assert_eq!(request.action(), "ListFolders");
    assert_params(
        &request,
        &[
            ("ProjectId", "10000", Body),
            (
                "ParentFolderPath",
                "Business_process/my_first_business_process",
                Body,
            ),
            ("PageNumber", "1", Body),
            ("PageSize", "10", Body),
        ],
    );
    assert!(
        ListFolders::new(10000, "").to_rpc_request().is_err(),
        "ParentFolderPath is required"
    );
    assert!(
        ListFolders::new(10000, "x")
            .with_page_size(101)
            .to_rpc_request()
            .is_err()
    );
}

#[test]
fn list_ref_tasks_sends_everything_in_the_query() {
    let request = request_of(
        &ListRefDiSyncTasks::new(10000, "mysql_orders", RefType::From, DiOffline)
            .with_page_size(20),
    );
    assert_eq!(request.action(), "ListRefDISyncTasks");
    assert_params(
        &request,
        &[
            ("ProjectId", "10000", Query),
            ("DatasourceName", "mysql_orders", Query),
            ("RefType", "from", Query),
            ("TaskType", "DI_OFFLINE", Query),
            ("PageNumber", "1", Query),
            ("PageSize", "20", Query),
        ],
    );
    let mut to = ListRefDiSyncTasks::new(10000, "holo_dw", RefType::To, DiRealtime);
    to.page_number = 100;
    assert_params(
        &request_of(&to),
        &[
            ("ProjectId", "10000", Query),
            ("DatasourceName", "holo_dw", Query),
            ("RefType", "to", Query),
            ("TaskType", "DI_REALTIME", Query),
            ("PageNumber", "100", Query),
            ("PageSize", "100", Query),
        ],
    );
    // Pages 1 to 100 only.
    to.page_number = 101;
    assert!(matches!(
        to.to_rpc_request(),
        Err(Error::InvalidParameter { name, .. }) if name == "PageNumber"
    ));
    assert!(
        ListRefDiSyncTasks::new(10000, " ", RefType::To, DiRealtime)
            .to_rpc_request()
            .is_err()
    );
}

#[test]
fn the_config_actions_send_everything_in_the_query() {
    let script = r#"{"type":"realtime","steps":[{"stepType":"mysql"}]}"#;
    let creating = GenerateDiSyncTaskConfigForCreating::new(10000, DiRealtime, script)
        .with_client_token("orders-sync-1");
    let request = request_of(&creating);
    assert_eq!(request.action(), "GenerateDISyncTaskConfigForCreating");
    assert_params(
        &request,
        &[
            ("ProjectId", "10000", Query),
            ("TaskType", "DI_REALTIME", Query),
            ("TaskParam", script, Query),
            ("ClientToken", "orders-sync-1", Query),
        ],
    );
    assert_eq!(creating.idempotency(), Idempotency::Idempotent);
    let untokened = GenerateDiSyncTaskConfigForCreating::new(10000, DiSolution, "{}");
    assert_params(
        &request_of(&untokened),
        &[
            ("ProjectId", "10000", Query),
            ("TaskType", "DI_SOLUTION", Query),
            ("TaskParam", "{}", Query),
        ],
    );
    assert_eq!(
        untokened.idempotency(),
        Idempotency::NotIdempotent,
        "a repeat starts a second process"
    );

    let updating = GenerateDiSyncTaskConfigForUpdating::new(10000, DiRealtime, 100, script)
        .with_client_token("orders-sync-2");
    let request = request_of(&updating);
    assert_eq!(request.action(), "GenerateDISyncTaskConfigForUpdating");
    assert_params(
        &request,
        &[
            ("ProjectId", "10000", Query),
            ("TaskType", "DI_REALTIME", Query),
            ("TaskId", "100", Query),
            ("TaskParam", script, Query),
            ("ClientToken", "orders-sync-2", Query),
        ],
    );
    assert_eq!(
        GenerateDiSyncTaskConfigForUpdating::new(10000, DiRealtime, 100, "{}").idempotency(),
        Idempotency::NotIdempotent
    );

    let query = QueryDiSyncTaskConfigProcessResult::new(10000, DiSolution, 1024);
    let request = request_of(&query);
    assert_eq!(request.action(), "QueryDISyncTaskConfigProcessResult");
    assert_params(
        &request,
        &[
            ("AsyncProcessId", "1024", Query),
            ("ProjectId", "10000", Query),
            ("TaskType", "DI_SOLUTION", Query),
        ],
    );
    assert_eq!(query.idempotency(), Idempotency::Idempotent);

    // Checked before anything is signed.
    for (operation, name) in [
        (
            GenerateDiSyncTaskConfigForCreating::new(10000, DiRealtime, "not json")
                .to_rpc_request(),
            "TaskParam",
        ),
        (
            GenerateDiSyncTaskConfigForCreating::new(0, DiRealtime, "{}").to_rpc_request(),
            "ProjectId",
        ),
        (
            GenerateDiSyncTaskConfigForCreating::new(1, DiRealtime, "{}")
                .with_client_token("a b")
                .to_rpc_request(),
            "ClientToken",
        ),
        (
            GenerateDiSyncTaskConfigForUpdating::new(1, DiRealtime, 0, "{}").to_rpc_request(),
            "TaskId",
        ),
        (
            QueryDiSyncTaskConfigProcessResult::new(1, DiRealtime, 0).to_rpc_request(),
            "AsyncProcessId",
        ),
    ] {
        match operation {
            Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn a_generated_script_goes_where_create_and_update_put_it() {
    let script = r#"{"type":"job","steps":[]}"#;
    // Create: the script in the body, the rest in the query; a client token from the process.
    let mut create = CreateDiSyncTask::from_generated(&generated(DiRealtime, 1024, script));
    create.task_name = Some("orders_sync".to_owned());
    create.task_param = Some(r#"{"FileFolderPath":"Workflow/orders"}"#.to_owned());
    assert_params(
        &request_of(&create),
        &[
            ("ProjectId", "10000", Query),
            ("TaskType", "DI_REALTIME", Query),
            ("TaskName", "orders_sync", Query),
            (
                "TaskParam",
                r#"{"FileFolderPath":"Workflow/orders"}"#,
                Query,
            ),
            ("ClientToken", "di-config-1024", Query),
            ("TaskContent", script, Body),
        ],
    );
    assert_eq!(create.idempotency(), Idempotency::Idempotent);
    // Update: everything in the query, the task type of the process.
    let update = UpdateDiSyncTask::from_generated(100, &generated(DiSolution, 2048, script));
    assert_params(
        &request_of(&update),
        &[
            ("ProjectId", "10000", Query),
            ("TaskType", "DI_SOLUTION", Query),
            ("FileId", "100", Query),
            ("TaskContent", script, Query),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Task types

/// Every operation that sends `TaskType`, with the task type asked for, and the set its action
/// takes.
fn with_task_type(
    op: usize,
    task_type: TaskType,
    project_id: i64,
    file_id: i64,
) -> (RpcResult, &'static [TaskType]) {
    let script = r#"{"steps":[]}"#;
    match op {
        0 => (
            CreateDiSyncTask::new(project_id, task_type, script).to_rpc_request(),
            &ALL,
        ),
        1 => {
            let mut update = UpdateDiSyncTask::new(project_id, file_id).with_task_content(script);
            update.task_type = task_type;
            (update.to_rpc_request(), &[DiOffline])
        }
        2 => (
            GenerateDiSyncTaskConfigForCreating::new(project_id, task_type, script)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        3 => (
            GenerateDiSyncTaskConfigForUpdating::new(project_id, task_type, file_id, script)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        4 => (
            QueryDiSyncTaskConfigProcessResult::new(project_id, task_type, file_id)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        5 => (
            GetDiSyncTask::new(project_id, file_id)
                .with_task_type(task_type)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        6 => (
            DeployDiSyncTask::new(project_id, file_id)
                .with_task_type(task_type)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        7 => (
            StartDiSyncInstance::new(project_id, file_id)
                .with_task_type(task_type)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        8 => (
            GetDiSyncInstanceInfo::new(project_id, file_id)
                .with_task_type(task_type)
                .to_rpc_request(),
            REALTIME_OR_SOLUTION,
        ),
        9 => (
            ListRefDiSyncTasks::new(project_id, "mysql_orders", RefType::From, task_type)
                .to_rpc_request(),
            OFFLINE_OR_REALTIME,
        ),
        _ => unreachable!(),
    }
}

type RpcResult = Result<RpcRequest, Error>;

const OPERATIONS: usize = 10;

fn task_type_params(request: &RpcRequest) -> Vec<&str> {
    request
        .params()
        .filter(|(name, _, _)| *name == "TaskType")
        .map(|(_, value, _)| value)
        .collect()
}

#[test]
fn each_action_takes_its_documented_task_types_only() {
    for op in 0..OPERATIONS {
        for task_type in ALL {
            let (result, accepted) = with_task_type(op, task_type, 10000, 100);
            match result {
                Ok(request) => {
                    assert!(
                        accepted.contains(&task_type),
                        "{} took {task_type}",
                        request.action()
                    );
                    assert_eq!(task_type_params(&request), [task_type.as_str()]);
                }
                Err(Error::UnsupportedTaskType {
                    action,
                    task_type: refused,
                    accepted: listed,
                }) => {
                    assert!(
                        !accepted.contains(&task_type),
                        "{action} refused {task_type}"
                    );
                    assert_eq!(refused, task_type);
                    assert_eq!(listed, accepted, "{action}");
                }
                Err(other) => panic!("op {op} {task_type}: {other:?}"),
            }
        }
    }
    // The messages name the action and what it takes.
    let (refused, _) = with_task_type(9, DiSolution, 10000, 100);
    assert_eq!(
        refused.unwrap_err().to_string(),
        "ListRefDISyncTasks does not take TaskType DI_SOLUTION; it takes DI_OFFLINE or DI_REALTIME"
    );
    let (refused, _) = with_task_type(2, DiOffline, 10000, 100);
    assert_eq!(
        refused.unwrap_err().to_string(),
        "GenerateDISyncTaskConfigForCreating does not take TaskType DI_OFFLINE; it takes DI_REALTIME or DI_SOLUTION"
    );
}

#[test]
fn update_takes_a_real_time_task_only_from_a_generated_script() {
    let script = r#"{"type":"job","steps":[]}"#;
    for task_type in [DiRealtime, DiSolution] {
        let mut direct = UpdateDiSyncTask::new(10000, 100).with_task_content(script);
        direct.task_type = task_type;
        match direct.to_rpc_request() {
            Err(Error::UnsupportedTaskType {
                action, accepted, ..
            }) => {
                assert_eq!(action, "UpdateDISyncTask");
                assert_eq!(accepted, [DiOffline]);
            }
            other => panic!("{task_type}: {other:?}"),
        }
    }
    let from_process = UpdateDiSyncTask::from_generated(100, &generated(DiRealtime, 7, script));
    assert_eq!(from_process.task_type, DiRealtime);
    assert_eq!(
        task_type_params(&request_of(&from_process)),
        ["DI_REALTIME"]
    );
    // A generated update whose script was replaced is no longer the process's.
    let edited = from_process
        .clone()
        .with_task_content(r#"{"type":"job","steps":[1]}"#);
    assert!(matches!(
        edited.to_rpc_request(),
        Err(Error::UnsupportedTaskType { .. })
    ));
    // A generated update may add parameters to the generated script.
    let with_param = from_process.with_task_param(r#"{"ResourceGroup":"S_res_group_1"}"#);
    let request = request_of(&with_param);
    assert_eq!(task_type_params(&request), ["DI_REALTIME"]);
    let task_param: Vec<&str> = request
        .params()
        .filter(|(name, _, _)| *name == "TaskParam")
        .map(|(_, value, _)| value)
        .collect();
    assert_eq!(task_param, [r#"{"ResourceGroup":"S_res_group_1"}"#]);
}

#[test]
fn the_real_time_only_actions_send_di_realtime() {
    for request in [
        request_of(&StopDiSyncInstance::new(10000, 100)),
        request_of(&TerminateDiSyncInstance::new(10000, 100)),
        request_of(&DeleteDiSyncTask::new(10000, 100)),
    ] {
        assert_params(
            &request,
            &[
                ("ProjectId", "10000", Query),
                ("TaskType", "DI_REALTIME", Query),
                ("FileId", "100", Query),
            ],
        );
    }
    // The typed reads default to DI_REALTIME.
    for request in [
        request_of(&GetDiSyncTask::new(10000, 100)),
        request_of(&GetDiSyncInstanceInfo::new(10000, 100)),
        request_of(&DeployDiSyncTask::new(10000, 100)),
    ] {
        assert_eq!(task_type_params(&request), ["DI_REALTIME"]);
    }
}

/// A refused task type never reaches a signer: the call flow ends at its first step, without
/// asking to send, and has nothing to sign.
#[test]
fn a_refused_task_type_is_never_signed() {
    let credentials = Credentials::new("LTAI5tTestKeyId", "test-secret").unwrap();
    let endpoint = Endpoint::parse("http://127.0.0.1:8080").unwrap();
    let now = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
    let mut flow = CallFlow::new(
        ListRefDiSyncTasks::new(10000, "mysql_orders", RefType::From, DiSolution),
        RetryPolicy::default(),
    );
    match flow.next::<Vec<u8>>(Duration::ZERO, Input::Start) {
        Action::Done(Err(ClientError::Api(Error::UnsupportedTaskType { action, .. }))) => {
            assert_eq!(action, "ListRefDISyncTasks");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        flow.sign(Signer::new(&credentials, &endpoint), now, [1; 24]),
        Err(Error::NoRequestToSign)
    ));
    assert_eq!(flow.attempts_made(), 0);

    let mut flow = CallFlow::new(
        GenerateDiSyncTaskConfigForCreating::new(10000, DiOffline, "{}"),
        RetryPolicy::default(),
    );
    assert!(matches!(
        flow.next::<Vec<u8>>(Duration::ZERO, Input::Start),
        Action::Done(Err(ClientError::Api(Error::UnsupportedTaskType { .. })))
    ));
}

fn task_type() -> impl Strategy<Value = TaskType> {
    prop_oneof![Just(DiOffline), Just(DiRealtime), Just(DiSolution)]
}

proptest! {
    /// The wire names round-trip, and nothing else parses (no case folding, no blanks).
    #[test]
    fn task_types_round_trip_through_their_wire_names(task_type in task_type(), other in "\\PC{0,16}") {
        prop_assert_eq!(TaskType::from_str(task_type.as_str()).unwrap(), task_type);
        prop_assert_eq!(task_type.to_string(), task_type.as_str());
        let known = ALL.iter().any(|t| t.as_str() == other);
        match TaskType::from_str(&other) {
            Ok(parsed) => prop_assert!(known && parsed.as_str() == other),
            Err(Error::InvalidParameter { name, .. }) => {
                prop_assert!(!known);
                prop_assert_eq!(name, "TaskType");
            }
            Err(error) => prop_assert!(false, "{error:?}"),
        }
        for variant in [task_type.as_str().to_ascii_lowercase(), format!(" {}", task_type.as_str())] {
            prop_assert!(TaskType::from_str(&variant).is_err());
        }
    }

    /// Whatever the operation, the task type and the ids, a request that is built carries
    /// exactly one `TaskType`, one of its action's set; and it is built whenever the type is
    /// in the set.
    #[test]
    fn no_request_carries_a_task_type_outside_its_set(
        op in 0..OPERATIONS,
        task_type in task_type(),
        project_id in 1i64..=i64::MAX,
        file_id in 1i64..=i64::MAX,
    ) {
        let (result, accepted) = with_task_type(op, task_type, project_id, file_id);
        match result {
            Ok(request) => {
                let sent = task_type_params(&request);
                prop_assert_eq!(sent.len(), 1);
                prop_assert!(accepted.iter().any(|t| t.as_str() == sent[0]));
                prop_assert_eq!(sent[0], task_type.as_str());
            }
            Err(Error::UnsupportedTaskType { task_type: refused, .. }) => {
                prop_assert_eq!(refused, task_type);
                prop_assert!(!accepted.contains(&task_type));
            }
            Err(other) => prop_assert!(false, "op {} {}: {:?}", op, task_type, other),
        }
    }
}
