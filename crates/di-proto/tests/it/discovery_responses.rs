//! Golden responses of the discovery and asynchronous-config operations
//! (`tests/data/responses/discovery`): `ListFiles`, `GetFile`, `ListFolders`,
//! `ListRefDISyncTasks`, `GenerateDISyncTaskConfigForCreating` / `...ForUpdating`,
//! `QueryDISyncTaskConfigProcessResult`, and the widened `GetDISyncTask` (alert rules, solutions)
//! and `GetDISyncInstanceInfo` (solutions). Each file is read by its typed operation and checked
//! against its `.expected` file (`{:#?}` of the result; `DI_UPDATE_GOLDEN=1` rewrites them) and
//! against assertions in code on the key typed fields, so that a regeneration cannot bless a
//! wrong result unnoticed. `tests/data/responses/README.md` says where each shape comes from.

use std::path::PathBuf;

use di_proto::ops::{
    ConfigProcess, CreateDiSyncTask, DiSyncTaskDetails, FileDetails, FileRecord, FileType,
    FolderRecord, GenerateDiSyncTaskConfigForCreating, GenerateDiSyncTaskConfigForUpdating,
    GetDiSyncInstanceInfo, GetDiSyncTask, GetFile, InstanceInfo, InstanceStatus, ListFiles,
    ListFolders, ListRefDiSyncTasks, Operation, Page, ProcessResult,
    QueryDiSyncTaskConfigProcessResult, RefTask, RefType, TaskType, UpdateDiSyncTask,
};
use di_proto::{BodyProblem, Error, FailureReason, ResponseContext, ServiceError};

use super::responses::{Hidden, every_file_has_a_case, expect_golden, load_in, responses_dir};

fn dir() -> PathBuf {
    responses_dir().join("discovery")
}

/// Which operation reads a file.
#[derive(Debug, Clone, Copy)]
enum Op {
    ListFiles,
    GetFile,
    ListFolders,
    ListRef,
    GenerateForCreating,
    GenerateForUpdating,
    Query(TaskType),
    GetTask(TaskType),
    Info(TaskType),
}

/// Every operation's result, for one table.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per case of a test table"
)]
enum Parsed {
    Files(Result<Page<FileRecord>, Error>),
    File(Result<FileDetails, Error>),
    Folders(Result<Page<FolderRecord>, Error>),
    Refs(Result<Page<RefTask>, Error>),
    Process(Result<ConfigProcess, Error>),
    Result(Result<ProcessResult, Error>),
    Task(Result<DiSyncTaskDetails, Error>),
    Info(Result<InstanceInfo, Error>),
}

impl Parsed {
    /// The result's Debug, as the `.expected` files hold it.
    fn debug(&self) -> String {
        match self {
            Parsed::Files(result) => format!("{result:#?}\n{}", result.hidden()),
            Parsed::File(result) => format!("{result:#?}\n{}", result.hidden()),
            Parsed::Folders(result) => format!("{result:#?}\n{}", result.hidden()),
            Parsed::Refs(result) => format!("{result:#?}\n{}", result.hidden()),
            Parsed::Process(result) => format!("{result:#?}\n"),
            Parsed::Result(result) => format!("{result:#?}\n"),
            Parsed::Task(result) => format!("{result:#?}\n{}", result.hidden()),
            Parsed::Info(result) => format!("{result:#?}\n"),
        }
    }

    fn error(&self) -> Option<&Error> {
        match self {
            Parsed::Files(Err(error))
            | Parsed::File(Err(error))
            | Parsed::Folders(Err(error))
            | Parsed::Refs(Err(error))
            | Parsed::Process(Err(error))
            | Parsed::Result(Err(error))
            | Parsed::Task(Err(error))
            | Parsed::Info(Err(error)) => Some(error),
            _ => None,
        }
    }
}

fn parse(op: Op, file: &str) -> Parsed {
    let response = load_in(&dir(), file);
    let context = ResponseContext::new();
    match op {
        Op::ListFiles => Parsed::Files(ListFiles::new(10000).parse_response(&response, &context)),
        Op::GetFile => {
            Parsed::File(GetFile::new(10000, 100000101).parse_response(&response, &context))
        }
        Op::ListFolders => {
            Parsed::Folders(ListFolders::new(10000, "Workflow").parse_response(&response, &context))
        }
        Op::ListRef => Parsed::Refs(
            ListRefDiSyncTasks::new(10000, "mysql_orders", RefType::From, TaskType::DiOffline)
                .parse_response(&response, &context),
        ),
        Op::GenerateForCreating => Parsed::Process(
            GenerateDiSyncTaskConfigForCreating::new(10000, TaskType::DiRealtime, "{}")
                .parse_response(&response, &context),
        ),
        Op::GenerateForUpdating => Parsed::Process(
            GenerateDiSyncTaskConfigForUpdating::new(10000, TaskType::DiRealtime, 100, "{}")
                .parse_response(&response, &context),
        ),
        Op::Query(task_type) => Parsed::Result(
            QueryDiSyncTaskConfigProcessResult::new(10000, task_type, 1024)
                .parse_response(&response, &context),
        ),
        Op::GetTask(task_type) => Parsed::Task(
            GetDiSyncTask::new(10000, 100)
                .with_task_type(task_type)
                .parse_response(&response, &context),
        ),
        Op::Info(task_type) => Parsed::Info(
            GetDiSyncInstanceInfo::new(10000, 100)
                .with_task_type(task_type)
                .parse_response(&response, &context),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the cases

fn files(parsed: &Parsed) -> &Page<FileRecord> {
    match parsed {
        Parsed::Files(Ok(page)) => page,
        _ => panic!("expected a page of files, got {parsed:#?}"),
    }
}

fn file(parsed: &Parsed) -> &FileDetails {
    match parsed {
        Parsed::File(Ok(details)) => details,
        _ => panic!("expected a file, got {parsed:#?}"),
    }
}

fn folders(parsed: &Parsed) -> &Page<FolderRecord> {
    match parsed {
        Parsed::Folders(Ok(page)) => page,
        _ => panic!("expected a page of folders, got {parsed:#?}"),
    }
}

fn refs(parsed: &Parsed) -> &Page<RefTask> {
    match parsed {
        Parsed::Refs(Ok(page)) => page,
        _ => panic!("expected a page of tasks, got {parsed:#?}"),
    }
}

fn process(parsed: &Parsed) -> &ConfigProcess {
    match parsed {
        Parsed::Process(Ok(process)) => process,
        _ => panic!("expected a process, got {parsed:#?}"),
    }
}

fn ready(parsed: &Parsed) -> &di_proto::ops::GeneratedConfig {
    match parsed {
        Parsed::Result(Ok(ProcessResult::Ready(config))) => config,
        _ => panic!("expected a generated config, got {parsed:#?}"),
    }
}

fn task(parsed: &Parsed) -> &DiSyncTaskDetails {
    match parsed {
        Parsed::Task(Ok(task)) => task,
        _ => panic!("expected a task, got {parsed:#?}"),
    }
}

fn info(parsed: &Parsed) -> &InstanceInfo {
    match parsed {
        Parsed::Info(Ok(info)) => info,
        _ => panic!("expected an instance info, got {parsed:#?}"),
    }
}

fn failed(parsed: &Parsed, action: &str, reason: FailureReason, message: &str) {
    let Some(Error::TaskFailed(failure)) = parsed.error() else {
        panic!("expected TaskFailed, got {parsed:#?}")
    };
    assert_eq!(failure.action, action);
    assert_eq!(failure.reason, reason);
    assert_eq!(failure.message, message);
    assert!(!failure.request_id.is_empty());
}

fn unexpected(parsed: &Parsed, problem: &BodyProblem, request_id: &str) {
    let Some(Error::UnexpectedResponse(response)) = parsed.error() else {
        panic!("expected UnexpectedResponse, got {parsed:#?}")
    };
    assert_eq!(&response.problem, problem);
    assert_eq!(response.status, 200);
    assert_eq!(response.request_id.as_deref(), Some(request_id));
}

fn malformed(detail: &str) -> BodyProblem {
    BodyProblem::Malformed {
        detail: detail.to_owned(),
    }
}

/// The `ErrorCode` / `ErrorMessage` shape of `ListFiles`, `GetFile` and `ListFolders` under
/// HTTP 200 and `Success: false`: a classified service error, never a success.
fn http200_error(parsed: &Parsed, code: &str, message: &str, request_id: &str) -> ServiceError {
    let error = parsed
        .error()
        .unwrap_or_else(|| panic!("expected an error, got {parsed:#?}"));
    let service = error
        .service_error()
        .unwrap_or_else(|| panic!("expected a service error, got {error:#?}"));
    assert_eq!(service.status, 200);
    assert_eq!(service.code, code);
    assert_eq!(service.message, message);
    assert_eq!(service.request_id.as_deref(), Some(request_id));
    service.clone()
}

fn ids(page: &Page<FileRecord>) -> Vec<i64> {
    page.items
        .iter()
        .map(|file| file.file_id.unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The table

/// A case: the expected file's name, the response file, the operation, and the check in code.
struct Case {
    name: &'static str,
    file: &'static str,
    op: Op,
    check: fn(&Parsed),
}

const fn case(name: &'static str, op: Op, check: fn(&Parsed)) -> Case {
    Case {
        name,
        file: name,
        op,
        check,
    }
}

/// The same file, read again by another operation: the case is named `<file>.<variant>`.
const fn variant(name: &'static str, file: &'static str, op: Op, check: fn(&Parsed)) -> Case {
    Case {
        name,
        file,
        op,
        check,
    }
}

const SCRIPT_JSON: &str = r#"{"type":"job","version":"2.0","steps":[{"stepType":"mysql","name":"reader","category":"reader"},{"stepType":"holo","name":"writer","category":"writer"}],"order":{"hops":[{"from":"reader","to":"writer"}]}}"#;
const SCRIPT_XML: &str = r#"{"type":"job","version":"2.0","steps":[{"stepType":"mysql","name":"reader","category":"reader"},{"stepType":"odps","name":"writer","category":"writer"}]}"#;

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Op::*;
    use TaskType::{DiRealtime, DiSolution};
    vec![
        // ListFiles
        case("list_files_json", ListFiles, |p| {
            let page = files(p);
            assert_eq!(page.request_id, "0bd2a1c416670001");
            assert_eq!(ids(page), [100000101, 100000102, 100000103]);
            let types: Vec<_> = page.items.iter().map(|f| f.file_type.map(FileType)).collect();
            assert_eq!(types, [Some(FileType::REALTIME_SYNC), Some(FileType::BATCH_SYNC), Some(FileType(10))]);
            assert_eq!((page.page_number, page.page_size, page.total_count), (Some(2), Some(3), Some(8)));
            assert!(page.has_next(3), "page 2 of 3 files, 8 in all");
            let first = &page.items[0];
            assert_eq!(first.file_name.as_deref(), Some("mysql_orders_to_holo"));
            assert_eq!(first.absolute_folder_path.as_deref(), Some("Workflow/orders/Data Integration"));
            assert_eq!(first.file_folder_id.as_deref(), Some("2735c2a1"));
            assert_eq!((first.commit_status, first.auto_parsing, first.is_max_compute), (Some(1), Some(false), Some(false)));
            assert_eq!((first.node_id, first.parent_id, first.business_id), (Some(300101), Some(-1), Some(300000)));
            assert_eq!(first.create_time, Some(1593950832000));
            assert_eq!(page.items[2].content, None, "null reads as absent");
        }),
        case("list_files_xml", ListFiles, |p| {
            let page = files(p);
            assert_eq!(ids(page), [100000201, 100000202]);
            assert_eq!(page.items[0].file_type, Some(900));
            assert_eq!(page.items[1].file_type, Some(23));
            assert_eq!(page.items[1].file_name.as_deref(), Some("events & users batch"));
            assert_eq!((page.items[1].auto_parsing, page.items[1].parent_id), (Some(true), Some(-1)));
            assert_eq!(page.items[1].use_type.as_deref(), Some("MANUAL"));
            assert_eq!((page.page_number, page.page_size, page.total_count), (Some(1), Some(2), Some(2)));
            assert!(!page.has_next(2), "the total is reached");
        }),
        case("list_files_one_xml", ListFiles, |p| {
            // One <Files> element: still a list, of one.
            let page = files(p);
            assert_eq!(ids(page), [100000301]);
            assert_eq!(page.items[0].file_type, Some(900));
            assert_eq!(page.items[0].file_name.as_deref(), Some("mysql_users_to_kafka"));
            assert_eq!((page.page_number, page.page_size, page.total_count), (Some(3), Some(10), Some(21)));
            assert!(!page.has_next(10), "a short page is the last");
        }),
        case("list_files_empty_json", ListFiles, |p| {
            let page = files(p);
            assert!(page.items.is_empty());
            assert_eq!(page.total_count, Some(0));
            assert!(!page.has_next(100));
        }),
        case("list_files_doc_sample_json", ListFiles, |p| {
            // The reference's sample carries ErrorCode / ErrorMessage beside Success: true; it is
            // a success all the same.
            let page = files(p);
            assert_eq!(page.request_id, "0000-ABCD-****");
            assert_eq!(ids(page), [10000001]);
            let only = &page.items[0];
            assert_eq!(only.file_type, Some(10));
            assert_eq!(only.content.as_deref(), Some("SHOW TABLES;"));
            assert_eq!(only.owner.as_deref(), Some("3872572****"));
            assert_eq!(only.absolute_folder_path.as_deref(), Some("Business_process/my_first_business_process/MaxCompute/ods_layer"));
            assert_eq!((page.page_number, page.page_size, page.total_count), (Some(1), Some(10), Some(13)));
        }),
        case("list_files_wrong_type_json", ListFiles, |p| {
            unexpected(p, &malformed("Data.Files[1].FileId is not an integer"), "0bd2a1c416670005");
        }),
        case("discovery_error_http200_json", ListFiles, |p| {
            let e = http200_error(p, "Invalid.Tenant.ConnectionNotExists", "The connection does not exist.", "0bd2a1c416670006");
            assert!(matches!(p.error(), Some(Error::BadRequest(_))), "{e:?}");
        }),
        variant("discovery_error_http200_json.get_file", "discovery_error_http200_json", GetFile, |p| {
            http200_error(p, "Invalid.Tenant.ConnectionNotExists", "The connection does not exist.", "0bd2a1c416670006");
            assert!(matches!(p.error(), Some(Error::BadRequest(_))));
        }),
        variant("discovery_error_http200_json.list_folders", "discovery_error_http200_json", ListFolders, |p| {
            http200_error(p, "Invalid.Tenant.ConnectionNotExists", "The connection does not exist.", "0bd2a1c416670006");
            assert!(matches!(p.error(), Some(Error::BadRequest(_))));
        }),
        case("discovery_error_http200_xml", ListFiles, |p| {
            http200_error(p, "Forbidden.Access", "Access is forbidden.", "0bd2a1c416670007");
            assert!(matches!(p.error(), Some(Error::AccessDenied(_))));
        }),
        variant("discovery_error_http200_xml.get_file", "discovery_error_http200_xml", GetFile, |p| {
            http200_error(p, "Forbidden.Access", "Access is forbidden.", "0bd2a1c416670007");
            assert!(matches!(p.error(), Some(Error::AccessDenied(_))));
        }),

        // GetFile
        case("get_file_json", GetFile, |p| {
            let details = file(p);
            assert_eq!(details.request_id, "0bd2a1c416670011");
            assert_eq!((details.file.file_id, details.file.file_type), (Some(100000101), Some(900)));
            assert_eq!(details.file.deleted_status.as_deref(), Some("NORMAL"));
            assert_eq!(details.file.content.as_deref(), Some(r#"{"type":"job","steps":[]}"#));
            assert_eq!(details.file.advanced_settings.as_deref(), Some(r#"{"queue":"default"}"#));
            let config = details.node_configuration.as_ref().expect("NodeConfiguration");
            let inputs: Vec<_> = config.inputs.iter().map(|i| (i.input.as_deref().unwrap(), i.parse_type.as_deref().unwrap())).collect();
            assert_eq!(inputs, [("project_root", "MANUAL"), ("orders.ods_orders", "AUTO")]);
            assert_eq!(config.outputs.len(), 1);
            assert_eq!(config.outputs[0].output.as_deref(), Some("project.100000101_out"));
            assert_eq!(config.outputs[0].ref_table_name.as_deref(), Some("ods_orders_rt"));
            assert_eq!(config.output_parameters.len(), 1);
            let out = &config.output_parameters[0];
            assert_eq!((out.parameter_name.as_deref(), out.kind.as_deref(), out.value.as_deref()), (Some("rows"), Some("1"), Some("${bizdate}")));
            assert_eq!(config.input_parameters[0].value_source.as_deref(), Some("project_001.parent_node:outputs"));
            assert_eq!(config.resource_group_id, Some(375827434852437));
            assert_eq!((config.start_immediately, config.stop), (Some(true), Some(false)));
            assert_eq!((config.auto_rerun_interval_millis, config.auto_rerun_times), (Some(120000), Some(3)));
            assert_eq!(config.apply_schedule_immediately.as_deref(), Some("true"));
            assert_eq!(config.dependent_node_id_list.as_deref(), Some("5,10,15,20"));
            assert_eq!(details.download_link.as_deref(), Some("https://dataworks-res.oss-cn-shanghai.aliyuncs.com/res/orders.jar?Expires=1700000000"));
        }),
        case("get_file_xml", GetFile, |p| {
            let details = file(p);
            assert_eq!((details.file.file_id, details.file.file_type), (Some(100000202), Some(23)));
            assert_eq!(details.file.content.as_deref(), Some(r#"{"type":"job","version":"2.0","steps":[]}"#));
            let config = details.node_configuration.as_ref().expect("NodeConfiguration");
            assert_eq!(config.inputs.len(), 1, "one <InputList>: a list of one");
            assert_eq!(config.inputs[0].input.as_deref(), Some("project_root"));
            let outputs: Vec<_> = config.outputs.iter().map(|o| o.output.as_deref().unwrap()).collect();
            assert_eq!(outputs, ["project.100000202_out", "project.ods_orders_d"]);
            assert_eq!(config.output_parameters.len(), 1);
            assert_eq!(config.output_parameters[0].kind.as_deref(), Some("2"));
            assert_eq!(config.output_parameters[0].description.as_deref(), Some("the business date"));
            assert!(config.input_parameters.is_empty());
            assert_eq!((config.auto_rerun_times, config.resource_group_id, config.stop), (Some(3), Some(375827434852437), Some(false)));
            assert_eq!(details.download_link.as_deref(), Some("https://dataworks-res.oss-cn-shanghai.aliyuncs.com/res/udf.jar?Expires=1700000000&Signature=abc"));
        }),
        case("get_file_without_file_json", GetFile, |p| {
            unexpected(p, &BodyProblem::MissingField { field: "Data.File" }, "0bd2a1c416670013");
        }),

        // ListFolders
        case("list_folders_json", ListFolders, |p| {
            let page = folders(p);
            assert_eq!(page.request_id, "0000-ABCD-****");
            let paths: Vec<_> = page.items.iter().map(|f| (f.folder_id.as_deref().unwrap(), f.folder_path.as_deref().unwrap())).collect();
            assert_eq!(paths, [
                ("2735c2****", "Business_process/my_first_business_process/MaxCompute/ods_layer"),
                ("2735c2e5", "Business_process/my_first_business_process/Data Integration"),
            ]);
            assert_eq!((page.page_number, page.page_size, page.total_count), (Some(1), Some(10), Some(13)));
        }),
        case("list_folders_xml", ListFolders, |p| {
            let page = folders(p);
            let ids: Vec<_> = page.items.iter().map(|f| f.folder_id.as_deref().unwrap()).collect();
            assert_eq!(ids, ["2735c2f6", "2735c2f7"]);
            assert_eq!((page.page_number, page.page_size, page.total_count), (Some(2), Some(2), Some(4)));
            assert!(!page.has_next(2), "page 2 of 2 reaches the total");
        }),

        // ListRefDISyncTasks
        case("list_ref_tasks_json", ListRef, |p| {
            let page = refs(p);
            assert_eq!(page.items.len(), 2);
            let first = &page.items[0];
            assert_eq!((first.node_id, first.node_name.as_deref(), first.task_type.as_deref()), (Some(100000), Some("abcd1234"), Some("DI_OFFLINE")));
            assert_eq!(first.destination_datasource.as_deref(), Some(r#"["qcc_polardb2"]"#));
            assert_eq!(first.source_datasource.as_deref(), Some(r#"["odps_writer"]"#));
            assert_eq!(page.items[1].source_datasource.as_deref(), Some(r#"["mysql_orders","mysql_users"]"#));
            assert_eq!((page.page_number, page.page_size, page.total_count), (None, None, None));
            assert!(!page.has_next(100), "no total: a short page is the last");
            assert!(page.has_next(2), "no total: a full page may have more");
        }),
        case("list_ref_tasks_xml", ListRef, |p| {
            let page = refs(p);
            assert_eq!(page.items.len(), 1, "one <DISyncTasks>: a list of one");
            assert_eq!(page.items[0].node_id, Some(100002));
            assert_eq!(page.items[0].task_type.as_deref(), Some("DI_REALTIME"));
            assert_eq!(page.items[0].source_datasource.as_deref(), Some("mysql_orders"));
        }),

        // GenerateDISyncTaskConfigForCreating / ...ForUpdating
        case("generate_creating_success_json", GenerateForCreating, |p| {
            let process = process(p);
            assert_eq!((process.process_id, process.request_id.as_str()), (1024, "0bd2a1c416670021"));
            assert_eq!(process.message, None);
        }),
        case("generate_creating_success_xml", GenerateForCreating, |p| {
            assert_eq!(process(p).process_id, 1025);
        }),
        case("generate_creating_fail_xml", GenerateForCreating, |p| {
            failed(p, "GenerateDISyncTaskConfigForCreating", FailureReason::Undocumented, "datasource:[mysql_pub1] does not exist.");
        }),
        case("generate_fail_json", GenerateForCreating, |p| {
            failed(p, "GenerateDISyncTaskConfigForCreating", FailureReason::Undocumented, "taskParam is invalid.");
        }),
        variant("generate_fail_json.updating", "generate_fail_json", GenerateForUpdating, |p| {
            failed(p, "GenerateDISyncTaskConfigForUpdating", FailureReason::Undocumented, "taskParam is invalid.");
        }),
        case("generate_creating_doc_sample_json", GenerateForCreating, |p| {
            // The reference's sample says `"Status": "true"`, which its own table does not list
            // (success, fail): not read as a success.
            unexpected(p, &malformed(r#"Data.Status is "true", not success or fail"#), "0bc1411515937635973****");
        }),
        case("generate_updating_success_json", GenerateForUpdating, |p| {
            let process = process(p);
            assert_eq!((process.process_id, process.request_id.as_str()), (2048, "0bd2a1c416670025"));
        }),
        case("generate_updating_success_xml", GenerateForUpdating, |p| {
            assert_eq!(process(p).process_id, 2049);
        }),
        case("generate_updating_fail_xml", GenerateForUpdating, |p| {
            failed(p, "GenerateDISyncTaskConfigForUpdating", FailureReason::TaskNotFound, "fileId:[100] is invalid.");
        }),

        // QueryDISyncTaskConfigProcessResult
        case("query_success_json", Query(DiRealtime), |p| {
            let config = ready(p);
            assert_eq!(config.task_content(), SCRIPT_JSON);
            assert_eq!((config.project_id(), config.task_type(), config.process_id()), (10000, DiRealtime, 1024));
            assert_eq!(config.request_id(), "0bd2a1c416670031");
            assert!(!format!("{config:?}").contains("stepType"), "Debug shows the length only");
        }),
        case("query_success_xml", Query(DiSolution), |p| {
            let config = ready(p);
            assert_eq!(config.task_content(), SCRIPT_XML);
            assert_eq!(config.task_type(), DiSolution);
        }),
        case("query_running_json", Query(DiRealtime), |p| {
            let Parsed::Result(Ok(ProcessResult::Running { request_id, status })) = p else { panic!("{p:#?}") };
            assert_eq!((request_id.as_str(), status.as_str()), ("0bd2a1c416670033", "running"));
        }),
        case("query_running_xml", Query(DiRealtime), |p| {
            let Parsed::Result(Ok(ProcessResult::Running { status, .. })) = p else { panic!("{p:#?}") };
            assert_eq!(status, "running");
        }),
        case("query_fail_json", Query(DiRealtime), |p| {
            failed(p, "QueryDISyncTaskConfigProcessResult", FailureReason::Undocumented, "table:[m_v1] has no primary key.");
        }),
        case("query_fail_xml", Query(DiRealtime), |p| {
            failed(p, "QueryDISyncTaskConfigProcessResult", FailureReason::TaskNotFound, "fileId:[100] is invalid.");
        }),
        case("query_success_no_content_json", Query(DiRealtime), |p| {
            unexpected(p, &BodyProblem::MissingField { field: "Data.TaskContent" }, "0bd2a1c416670037");
        }),
        case("query_success_no_content_xml", Query(DiRealtime), |p| {
            unexpected(p, &BodyProblem::MissingField { field: "Data.TaskContent" }, "0bd2a1c416670038");
        }),
        case("query_missing_status_json", Query(DiRealtime), |p| {
            unexpected(p, &BodyProblem::MissingField { field: "Data.Status" }, "0bd2a1c416670039");
        }),
        case("query_doc_sample_json", Query(DiRealtime), |p| {
            // The reference's sample TaskContent is not valid JSON (`"srcDbName":"m"]` closes an
            // object with a bracket). The query hands the script on as it came; creating a task
            // from it is refused before anything is signed.
            let config = ready(p);
            assert!(config.task_content().starts_with(r#"{"extend":{"mode":"migration_holo""#));
            assert!(serde_json::from_str::<serde_json::Value>(config.task_content()).is_err());
            match CreateDiSyncTask::from_generated(config).to_rpc_request() {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, "TaskContent"),
                other => panic!("{other:?}"),
            }
            match UpdateDiSyncTask::from_generated(100, config).to_rpc_request() {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, "TaskContent"),
                other => panic!("{other:?}"),
            }
        }),

        // GetDISyncTask: alert rules (DI_REALTIME) and solutions (DI_SOLUTION)
        case("get_task_alarms_json", GetTask(DiRealtime), |p| {
            let task = task(p);
            assert_eq!(task.code.as_deref(), Some(r#"{"type":"job","version":"2.0","steps":[]}"#));
            assert_eq!(task.solution, None);
            assert_eq!(task.alarms.len(), 2);
            let delay = &task.alarms[0];
            assert_eq!((delay.id, delay.metric.as_deref(), delay.enabled), (Some(45242), Some("bizDelay"), Some(true)));
            assert_eq!(delay.rule_name.as_deref(), Some("Delay alert rule name 1"));
            let notify = delay.notify_rule.as_ref().expect("NotifyRule");
            assert_eq!(notify.critical, ["SMS", "PHONE"]);
            assert_eq!(notify.warning, ["MAIL"]);
            assert_eq!(notify.interval, Some(5));
            let levels: Vec<_> = delay.rules.iter().map(|r| (r.level.as_deref().unwrap(), r.threshold.unwrap(), r.duration.unwrap())).collect();
            assert_eq!(levels, [("WARNING", 300, 3), ("CRITICAL", 900, 10)]);
            assert_eq!(delay.rules[1].aggregator.as_deref(), Some("max"));
            let failover = &task.alarms[1];
            assert_eq!(failover.enabled, Some(false));
            let notify = failover.notify_rule.as_ref().expect("NotifyRule");
            assert!(notify.critical.is_empty());
            assert_eq!(notify.warning, ["DINGDING"]);
            assert_eq!(failover.rules[0].comparator.as_deref(), Some("="));
        }),
        case("get_task_alarms_xml", GetTask(DiRealtime), |p| {
            let task = task(p);
            assert_eq!(task.alarms.len(), 1, "one <AlarmList>: a list of one");
            let rule = &task.alarms[0];
            assert_eq!((rule.id, rule.metric.as_deref(), rule.enabled), (Some(45242), Some("taskStatus"), Some(true)));
            let notify = rule.notify_rule.as_ref().expect("NotifyRule");
            assert_eq!(notify.critical, ["SMS", "PHONE"], "repeated <Critical>: a list");
            assert_eq!(notify.warning, ["MAIL"], "one <Warning>: a list of one");
            assert_eq!(rule.rules.len(), 1);
            assert_eq!((rule.rules[0].comparator.as_deref(), rule.rules[0].threshold), (Some("="), Some(1)));
        }),
        case("get_task_solution_json", GetTask(DiSolution), |p| {
            let task = task(p);
            assert_eq!(task.code, None);
            assert!(task.alarms.is_empty());
            let solution = task.solution.as_ref().expect("SolutionDetail");
            assert_eq!((solution.id, solution.project_id), (Some(100), Some(10000)));
            assert_eq!(solution.name.as_deref(), Some("holo_20211206161025"));
            assert_eq!(solution.creator_name.as_deref(), Some("dataworks_di"));
            assert_eq!((solution.status.as_deref(), solution.kind.as_deref()), (Some("0"), Some("holo")));
            assert_eq!(solution.process_extra.as_deref(), Some(r#"{"processType":"new","tableNum":300}"#));
            assert_eq!(solution.start_time.as_deref(), Some("2021-12-07 14:40:51"));
        }),
        case("get_task_solution_xml", GetTask(DiSolution), |p| {
            let solution = task(p).solution.clone().expect("SolutionDetail");
            assert_eq!((solution.id, solution.status.as_deref(), solution.source_type.as_deref()), (Some(101), Some("2"), Some("mysql")));
            assert_eq!(solution.process_content.as_deref(), Some(r#"{"holoDatasource":"holo","srcType":"mysql"}"#));
        }),
        case("get_task_wrong_type_xml", GetTask(DiRealtime), |p| {
            unexpected(p, &malformed("Data.AlarmList[0].Enabled is not true or false"), "0bd2a1c416670044");
        }),

        // GetDISyncInstanceInfo of a solution
        case("info_solution_json", Info(DiSolution), |p| {
            let info = info(p);
            // A solution's status is success / fail, none of a real-time task's states.
            assert_eq!(info.status, InstanceStatus::Other("success".to_owned()));
            let solution = info.solution.as_ref().expect("SolutionInfo");
            assert_eq!((solution.id, solution.status.as_deref()), (Some(100), Some("run")));
            assert_eq!(solution.creator_name.as_deref(), Some("dataworks_3h1"));
            let steps: Vec<_> = solution.steps.iter().map(|s| (s.step_id.unwrap(), s.step_name.as_deref().unwrap(), s.status.as_deref().unwrap())).collect();
            assert_eq!(steps, [(1, "Create a base table", "success"), (2, "Start the real-time synchronization", "running")]);
            assert_eq!(solution.steps[0].info.as_deref(), Some(r#"{"componentName":"Table"}"#));
        }),
        case("info_solution_xml", Info(DiSolution), |p| {
            let solution = info(p).solution.clone().expect("SolutionInfo");
            assert_eq!(solution.steps.len(), 1, "one <StepDetail>: a list of one");
            assert_eq!(solution.steps[0].step_id, Some(1));
            assert!(solution.steps[0].info.as_deref().unwrap().starts_with(r#"{"fusionProps""#));
        }),
        case("info_solution_fail_json", Info(DiSolution), |p| {
            // A solution whose own status is `fail` (SolutionInfo present) is the solution's
            // state, with its steps: not a refusal of the call.
            let read = info(p);
            assert_eq!(read.status, InstanceStatus::Other("fail".to_owned()));
            assert!(read.solution.is_some(), "the steps are kept");
        }),
    ]
}

#[test]
fn discovery_responses_parse_as_expected() {
    expect_golden(&dir(), &cases(), |case| {
        eprintln!("case {} ({:?})", case.name, case.op);
        let parsed = parse(case.op, case.file);
        (case.check)(&parsed);
        (case.name, parsed.debug())
    });
}

#[test]
fn every_discovery_file_has_a_case() {
    every_file_has_a_case(
        &dir(),
        cases().iter().map(|case| (case.name, case.file)),
        &[],
    );
}

/// The XML and JSON forms of the same listing read to the same records: a list of one in XML
/// is the same list as a JSON array of one.
#[test]
fn a_list_of_one_reads_alike_in_json_and_xml() {
    let json = br#"{"RequestId":"r","Success":true,"Data":{"PageNumber":3,"PageSize":10,"TotalCount":21,"Files":[{"FileId":100000301,"FileName":"mysql_users_to_kafka","FileType":900,"FileFolderId":"2735c2d4","UseType":"NORMAL"}]}}"#;
    let response = di_proto::http::Response::builder()
        .header("content-type", "application/json")
        .body(json.to_vec())
        .unwrap();
    let from_json = ListFiles::new(10000)
        .parse_response(&response, &ResponseContext::new())
        .unwrap();
    let Parsed::Files(Ok(from_xml)) = parse(Op::ListFiles, "list_files_one_xml") else {
        panic!("list_files_one_xml reads")
    };
    assert_eq!(from_json.items, from_xml.items);
    assert_eq!(
        (
            from_json.page_number,
            from_json.page_size,
            from_json.total_count
        ),
        (
            from_xml.page_number,
            from_xml.page_size,
            from_xml.total_count
        )
    );
}
