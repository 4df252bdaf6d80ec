//! Golden responses of the lifecycle operations (`tests/data/responses/lifecycle`): success
//! and `Data.Status = fail` shapes, JSON and XML, each read by its typed operation and checked
//! against its `.expected` file (`{:#?}` of the result; `DI_UPDATE_GOLDEN=1` rewrites them) and
//! against assertions in code.

use std::path::PathBuf;

use di_proto::ops::{
    ChangeOutcome, CreateDiSyncTask, DeployDiSyncTask, GetDiSyncInstanceInfo, GetDiSyncTask,
    InstanceStatus, Operation, StartDiSyncInstance, StopDiSyncInstance, UpdateDiSyncTask,
};
use di_proto::{BodyProblem, Error, FailureReason, ResponseContext};

use super::responses::{Hidden, every_file_has_a_case, expect_golden, load_in, responses_dir};

fn dir() -> PathBuf {
    responses_dir().join("lifecycle")
}

/// Which operation reads a file, and under which context.
#[derive(Debug, Clone, Copy)]
enum Op {
    Info,
    Create,
    GetTask,
    Start,
    Stop,
    Deploy,
    Update,
}

/// A case: the expected file's name, the response file, the operation, whether an earlier
/// attempt got no answer, and the check in code of the result's Debug-free fields.
struct Case {
    name: &'static str,
    file: &'static str,
    op: Op,
    after_unknown: bool,
    check: fn(&Parsed),
}

/// Every operation's result, for one table.
#[derive(Debug)]
enum Parsed {
    Info(Result<di_proto::ops::InstanceInfo, Error>),
    Created(Result<di_proto::ops::CreatedDiSyncTask, Error>),
    Task(Result<di_proto::ops::DiSyncTaskDetails, Error>),
    Change(Result<di_proto::ops::ChangeResponse, Error>),
}

impl Parsed {
    /// The result's Debug, as the `.expected` files hold it.
    fn debug(&self) -> String {
        match self {
            Parsed::Info(result) => format!("{result:#?}\n"),
            Parsed::Created(result) => format!("{result:#?}\n"),
            Parsed::Task(result) => format!("{result:#?}\n{}", result.hidden()),
            Parsed::Change(result) => format!("{result:#?}\n"),
        }
    }

    fn error(&self) -> Option<&Error> {
        match self {
            Parsed::Info(Err(error))
            | Parsed::Created(Err(error))
            | Parsed::Task(Err(error))
            | Parsed::Change(Err(error)) => Some(error),
            _ => None,
        }
    }
}

fn parse(op: Op, file: &str, after_unknown: bool) -> Parsed {
    let response = load_in(&dir(), file);
    let context = ResponseContext::new().with_prior_outcome_unknown(after_unknown);
    match op {
        Op::Info => {
            Parsed::Info(GetDiSyncInstanceInfo::new(10000, 100).parse_response(&response, &context))
        }
        Op::Create => Parsed::Created(
            CreateDiSyncTask::new(10000, di_proto::ops::TaskType::DiRealtime, "{}")
                .parse_response(&response, &context),
        ),
        Op::GetTask => {
            Parsed::Task(GetDiSyncTask::new(10000, 100).parse_response(&response, &context))
        }
        Op::Start => {
            Parsed::Change(StartDiSyncInstance::new(10000, 100).parse_response(&response, &context))
        }
        Op::Stop => {
            Parsed::Change(StopDiSyncInstance::new(10000, 100).parse_response(&response, &context))
        }
        Op::Deploy => {
            Parsed::Change(DeployDiSyncTask::new(10000, 100).parse_response(&response, &context))
        }
        Op::Update => Parsed::Change(
            UpdateDiSyncTask::new(10000, 100)
                .with_task_param("{}")
                .parse_response(&response, &context),
        ),
    }
}

fn failed(parsed: &Parsed, action: &str, reason: FailureReason) {
    let Some(Error::TaskFailed(failure)) = parsed.error() else {
        panic!("expected TaskFailed, got {parsed:#?}")
    };
    assert_eq!(failure.action, action);
    assert_eq!(failure.reason, reason);
    assert!(!failure.request_id.is_empty());
}

fn change(parsed: &Parsed, outcome: ChangeOutcome) {
    let Parsed::Change(Ok(response)) = parsed else {
        panic!("expected a change, got {parsed:#?}")
    };
    assert_eq!(response.outcome, outcome);
}

const fn case(name: &'static str, op: Op, check: fn(&Parsed)) -> Case {
    Case {
        name,
        file: name,
        op,
        after_unknown: false,
        check,
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    vec![
        case("info_run_json", Op::Info, |p| {
            let Parsed::Info(Ok(info)) = p else { panic!("{p:#?}") };
            assert_eq!(info.status, InstanceStatus::Run);
            assert_eq!(info.name.as_deref(), Some("mysql_to_holo"));
            assert_eq!(info.message, None);
        }),
        case("info_killing_xml", Op::Info, |p| {
            let Parsed::Info(Ok(info)) = p else { panic!("{p:#?}") };
            assert_eq!(info.status, InstanceStatus::Killing);
            assert_eq!(info.request_id, "0bd2a1c416650002");
        }),
        case("info_fail_json", Op::Info, |p| {
            failed(p, "GetDISyncInstanceInfo", FailureReason::TaskNotFound);
        }),
        case("info_unknown_status_json", Op::Info, |p| {
            let Parsed::Info(Ok(info)) = p else { panic!("{p:#?}") };
            assert_eq!(info.status, InstanceStatus::Other("STARTING".to_owned()));
        }),
        case("create_success_json", Op::Create, |p| {
            let Parsed::Created(Ok(created)) = p else { panic!("{p:#?}") };
            assert_eq!(created.file_id, 1001);
        }),
        case("create_success_xml", Op::Create, |p| {
            let Parsed::Created(Ok(created)) = p else { panic!("{p:#?}") };
            assert_eq!(created.file_id, 1002);
        }),
        case("create_missing_file_id_json", Op::Create, |p| {
            let Some(Error::UnexpectedResponse(response)) = p.error() else { panic!("{p:#?}") };
            assert_eq!(response.problem, BodyProblem::MissingField { field: "Data.FileId" });
            assert_eq!(response.request_id.as_deref(), Some("0bd2a1c416650007"));
        }),
        case("create_fail_json", Op::Create, |p| {
            failed(p, "CreateDISyncTask", FailureReason::Undocumented);
        }),
        case("get_task_success_json", Op::GetTask, |p| {
            let Parsed::Task(Ok(task)) = p else { panic!("{p:#?}") };
            assert_eq!(task.code.as_deref(), Some(r#"{"type":"job","steps":[]}"#));
        }),
        case("get_task_success_xml", Op::GetTask, |p| {
            let Parsed::Task(Ok(task)) = p else { panic!("{p:#?}") };
            assert_eq!(task.code.as_deref(), Some(r#"{"type":"job","steps":[]}"#));
        }),
        case("start_fail_running_json", Op::Start, |p| {
            failed(p, "StartDISyncInstance", FailureReason::Undocumented);
        }),
        Case {
            name: "start_fail_running_json.after_unknown",
            file: "start_fail_running_json",
            op: Op::Start,
            after_unknown: true,
            // Words are no evidence: the flows read the task's state to decide.
            check: |p| failed(p, "StartDISyncInstance", FailureReason::Undocumented),
        },
        case("stop_fail_not_running_xml", Op::Stop, |p| {
            failed(p, "StopDISyncInstance", FailureReason::Undocumented);
        }),
        Case {
            name: "stop_fail_not_running_xml.after_unknown",
            file: "stop_fail_not_running_xml",
            op: Op::Stop,
            after_unknown: true,
            check: |p| failed(p, "StopDISyncInstance", FailureReason::Undocumented),
        },
        case("deploy_success_json", Op::Deploy, |p| change(p, ChangeOutcome::Done)),
        case("deploy_fail_not_deployed_json", Op::Deploy, |p| {
            failed(p, "DeployDISyncTask", FailureReason::Undocumented);
        }),
        Case {
            name: "deploy_fail_not_deployed_json.after_unknown",
            file: "deploy_fail_not_deployed_json",
            op: Op::Deploy,
            after_unknown: true,
            // A deploy has no end state that a failure could mean: it stays a failure.
            check: |p| failed(p, "DeployDISyncTask", FailureReason::Undocumented),
        },
        case("update_success_xml", Op::Update, |p| change(p, ChangeOutcome::Done)),
    ]
}

#[test]
fn lifecycle_responses_parse_as_expected() {
    expect_golden(&dir(), &cases(), |case| {
        eprintln!("case {} ({:?})", case.name, case.op);
        let parsed = parse(case.op, case.file, case.after_unknown);
        (case.check)(&parsed);
        (case.name, parsed.debug())
    });
}

#[test]
fn every_lifecycle_file_has_a_case() {
    every_file_has_a_case(
        &dir(),
        cases().iter().map(|case| (case.name, case.file)),
        &[],
    );
}
