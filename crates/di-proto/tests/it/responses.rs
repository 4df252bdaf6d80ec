//! Golden responses: raw HTTP answers under `tests/data/responses`, each read by a typed
//! operation and checked twice, against its `.expected` file and against assertions in code.
//!
//! The `.expected` files hold the `{:#?}` Debug of the parse result and are rewritten with
//! `DI_UPDATE_GOLDEN=1`; the checks in [`cases`] pin the variant and the key fields, so that a
//! regeneration cannot bless a wrong result unnoticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use di_proto::http::{Response, StatusCode};
use di_proto::ops::{
    ChangeOutcome, ChangeResponse, DeleteDiSyncTask, Operation, TerminateDiSyncInstance,
};
use di_proto::retry::{
    Attempts, RetryDecision, RetryPolicy, Retryability, StopReason, TransportFailure,
};
use di_proto::{
    BodyProblem, Credentials, Endpoint, Error, FailureReason, Format, MismatchCause,
    ResponseContext, ServiceError, SignatureDiagnosis, SignatureVersion, SignedRequest, Signer,
    TaskFailure, Timestamp, UnexpectedResponse,
};

/// A recognisable piece of the STS token planted in the golden files (in the string to sign
/// that `signature_mismatch_*` quote, and in the URL that `proxy_400_echoes_token_html` echoes).
const FILE_TOKEN_MARKER: &str = "Pl4ntedSt5Tok3n";
/// A recognisable piece of the STS token of the requests these tests sign.
const SIGNED_TOKEN_MARKER: &str = "T3stBu1ltSt5Tok3n";
const SIGNED_TOKEN: &str = "CAIS+T3stBu1ltSt5Tok3n/Signed==";
/// The AccessKey id, nonce and time that `signature_mismatch_json` was written for.
const ACCESS_KEY_ID: &str = "STS.NTestKeyGolden4Di";
const NONCE: &str = "d763593649e88dbbf92e52edf7ad6b7f";
const SIGNED_AT: &str = "2030-07-02T18:40:54Z";
const HOST: &str = "dataworks.cn-shanghai.aliyuncs.com";
const SIGNATURE_MESSAGE: &str =
    "Specified signature is not matched with our calculation. server string to sign is:";

type Parsed = Result<ChangeResponse, Error>;

// ---------------------------------------------------------------------------------------------
// Reading the files

pub(super) fn responses_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/responses")
}

#[expect(clippy::disallowed_methods, reason = "tests read their own data files")]
fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The raw bytes of `<dir>/<file>.http`.
fn raw_in(dir: &Path, file: &str) -> Vec<u8> {
    read_bytes(&dir.join(format!("{file}.http")))
}

/// The raw bytes of `<file>.http`.
fn raw(file: &str) -> Vec<u8> {
    raw_in(&responses_dir(), file)
}

/// `<dir>/<file>.http` as a response.
pub(super) fn load_in(dir: &Path, file: &str) -> Response<Vec<u8>> {
    parse_http(file, &raw_in(dir, file))
}

/// `<file>.http` as a response.
fn load(file: &str) -> Response<Vec<u8>> {
    load_in(&responses_dir(), file)
}

/// Splits a raw response at its first empty line: the head (without the line break that ends
/// its last line) and the body. Lines may end in CRLF or LF.
fn split_head(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    bytes.iter().enumerate().find_map(|(at, &byte)| {
        if byte != b'\n' {
            return None;
        }
        let rest = &bytes[at + 1..];
        let blank = if rest.starts_with(b"\r\n") {
            2
        } else if rest.starts_with(b"\n") {
            1
        } else {
            return None;
        };
        let head = &bytes[..at];
        Some((head.strip_suffix(b"\r").unwrap_or(head), &rest[blank..]))
    })
}

/// Parses `HTTP/1.1 <status> <reason>`, the headers and the body, exactly as stored. A
/// `Content-Length` header, when a file has one, must match the body.
fn parse_http(name: &str, bytes: &[u8]) -> Response<Vec<u8>> {
    let (head, body) = split_head(bytes).unwrap_or_else(|| panic!("{name}: no empty line"));
    let head = std::str::from_utf8(head).unwrap_or_else(|_| panic!("{name}: head not UTF-8"));
    let mut lines = head
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{name}: {status_line}");
    let status: u16 = parts
        .next()
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("{name}: bad status line {status_line:?}"));
    let mut builder = Response::builder().status(status);
    for line in lines {
        let (header, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{name}: bad header line {line:?}"));
        if header.eq_ignore_ascii_case("content-length") {
            assert_eq!(
                value.trim().parse::<usize>().ok(),
                Some(body.len()),
                "{name}"
            );
        }
        builder = builder.header(header.trim(), value.trim());
    }
    builder
        .body(body.to_vec())
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

#[test]
fn the_file_format_takes_crlf_and_lf_heads() {
    for text in [
        &b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-A:  b \r\n\r\n{}\r\n"[..],
        b"HTTP/1.1 200 OK\nContent-Type: application/json\nX-A:b\n\n{}\r\n",
    ] {
        let response = parse_http("inline", text);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.headers()["x-a"], "b");
        assert_eq!(response.body(), b"{}\r\n");
    }
    let empty = parse_http(
        "inline",
        b"HTTP/1.1 500 Internal Server Error\nContent-Length: 0\n\n",
    );
    assert_eq!(empty.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(empty.body().is_empty());
    // The nginx file really is CRLF, the others LF: the parser meets both forms.
    assert!(raw("nginx_502_html").starts_with(b"HTTP/1.1 502 Bad Gateway\r\n"));
    assert!(raw("delete_success_json").starts_with(b"HTTP/1.1 200 OK\n"));
}

// ---------------------------------------------------------------------------------------------
// Operations and contexts

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Delete,
    Terminate,
}

impl Op {
    fn parse(self, response: &Response<Vec<u8>>, context: &ResponseContext<'_>) -> Parsed {
        match self {
            Op::Delete => DeleteDiSyncTask::new(10000, 100).parse_response(response, context),
            Op::Terminate => {
                TerminateDiSyncInstance::new(10000, 100).parse_response(response, context)
            }
        }
    }

    fn generic(self) -> di_proto::RpcRequest {
        match self {
            Op::Delete => DeleteDiSyncTask::new(10000, 100).to_rpc_request(),
            Op::Terminate => TerminateDiSyncInstance::new(10000, 100).to_rpc_request(),
        }
        .unwrap()
    }
}

/// What the parser is told about the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Nothing: `ResponseContext::new()`.
    Fresh,
    /// An earlier attempt got no answer.
    AfterUnknown,
    /// The answer is to [`signed_delete`] (V1, JSON, STS, signed at [`SIGNED_AT`]).
    Signed,
}

impl Ctx {
    fn context<'a>(self, signed: &'a SignedRequest) -> ResponseContext<'a> {
        match self {
            Ctx::Fresh => ResponseContext::new(),
            Ctx::AfterUnknown => ResponseContext::new().with_prior_outcome_unknown(true),
            Ctx::Signed => ResponseContext::new().with_request(signed),
        }
    }
}

fn sts_credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, "golden test secret")
        .unwrap()
        .with_security_token(SIGNED_TOKEN)
        .unwrap()
}

fn sign_delete(version: SignatureVersion, format: Format, at: &str) -> SignedRequest {
    let endpoint = Endpoint::parse(&format!("https://{HOST}")).unwrap();
    let request = DeleteDiSyncTask::new(10000, 100).to_rpc_request().unwrap();
    Signer::new(&sts_credentials(), &endpoint)
        .with_signature_version(version)
        .with_format(format)
        .sign(&request, Timestamp::parse(at).unwrap(), NONCE)
        .unwrap()
}

/// The request that `signature_mismatch_json` quotes, but for its STS token.
fn signed_delete() -> SignedRequest {
    sign_delete(SignatureVersion::V1, Format::Json, SIGNED_AT)
}

// ---------------------------------------------------------------------------------------------
// Checks in code

fn ok(result: &Parsed) -> &ChangeResponse {
    match result {
        Ok(response) => response,
        Err(error) => panic!("expected Ok, got {error:#?}"),
    }
}

fn done(result: &Parsed, request_id: &str) {
    let response = ok(result);
    assert_eq!(response.outcome, ChangeOutcome::Done);
    assert_eq!(response.request_id, request_id);
    assert_eq!(response.message, None);
}

fn already_done(result: &Parsed, request_id: &str, reason: FailureReason, message: &str) {
    let response = ok(result);
    assert_eq!(response.outcome, ChangeOutcome::AlreadyDone { reason });
    assert_eq!(response.request_id, request_id);
    assert_eq!(response.message.as_deref(), Some(message));
}

fn task_failed<'r>(
    result: &'r Parsed,
    action: &str,
    request_id: &str,
    reason: FailureReason,
    after_unknown_outcome: bool,
) -> &'r TaskFailure {
    let Err(Error::TaskFailed(failure)) = result else {
        panic!("expected TaskFailed, got {result:#?}")
    };
    assert_eq!(failure.action, action);
    assert_eq!(failure.request_id, request_id);
    assert_eq!(failure.reason, reason);
    assert_eq!(failure.after_unknown_outcome, after_unknown_outcome);
    failure
}

/// The name of an error's variant.
fn variant(error: &Error) -> &'static str {
    match error {
        Error::BadRequest(_) => "BadRequest",
        Error::AccessDenied(_) => "AccessDenied",
        Error::Throttled(_) => "Throttled",
        Error::ServerError(_) => "ServerError",
        Error::SignatureMismatch { .. } => "SignatureMismatch",
        Error::ClockSkewed { .. } => "ClockSkewed",
        Error::NonceReused(_) => "NonceReused",
        Error::CredentialsRejected(_) => "CredentialsRejected",
        Error::Service(_) => "Service",
        Error::TaskFailed(_) => "TaskFailed",
        Error::UnexpectedResponse(_) => "UnexpectedResponse",
        _ => "another variant",
    }
}

/// The service error of `result`, after checking its variant and the fields every gateway
/// error file has: code, status, message, request id in body and header, host and link.
fn service<'r>(
    result: &'r Parsed,
    expected_variant: &str,
    status: u16,
    code: &str,
    message: &str,
) -> &'r ServiceError {
    let Err(error) = result else {
        panic!("expected {expected_variant}, got {result:#?}")
    };
    assert_eq!(variant(error), expected_variant, "{error:#?}");
    let service = error.service_error().expect("a service error");
    assert_eq!(service.status.as_u16(), status);
    assert_eq!(service.code, code);
    assert_eq!(service.message, message);
    assert!(service.request_id.is_some());
    assert_eq!(error.request_id(), service.request_id.as_deref());
    assert_eq!(error.http_status(), Some(service.status));
    service
}

/// [`service`] for the gateway shape `{RequestId, HostId, Code, Message, Recommend}`.
fn gateway<'r>(
    result: &'r Parsed,
    expected_variant: &str,
    status: u16,
    code: &str,
    message: &str,
) -> &'r ServiceError {
    let service = service(result, expected_variant, status, code, message);
    assert_eq!(service.host_id.as_deref(), Some(HOST));
    let request_id = service.request_id.as_deref().unwrap();
    assert_eq!(
        service.recommend.as_deref(),
        Some(
            format!(
                "https://api.aliyun.com/troubleshoot?q={code}&product=dataworks-public&requestId={request_id}"
            )
            .as_str()
        )
    );
    if code != "Forbidden.Access" {
        assert_eq!(service.access_denied_detail, None);
    }
    if code != "Throttling.Api" {
        assert_eq!(service.retry_after, None);
    }
    service
}

fn unexpected(result: &Parsed, status: u16, problem: &BodyProblem) -> UnexpectedResponse {
    let Err(Error::UnexpectedResponse(response)) = result else {
        panic!("expected UnexpectedResponse, got {result:#?}")
    };
    assert_eq!(response.status.as_u16(), status);
    assert_eq!(&response.problem, problem);
    (**response).clone()
}

fn signature_mismatch(result: &Parsed) -> (&ServiceError, &SignatureDiagnosis) {
    let Err(Error::SignatureMismatch { error, diagnosis }) = result else {
        panic!("expected SignatureMismatch, got {result:#?}")
    };
    assert_eq!(error.code, "SignatureDoesNotMatch");
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert!(
        error.message.starts_with(SIGNATURE_MESSAGE),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("%26SecurityToken%3D<redacted>%26"),
        "{}",
        error.message
    );
    let server = diagnosis.server_string_to_sign.as_deref().unwrap();
    assert!(
        server.starts_with("POST&%2F&AccessKeyId%3DSTS.NTestKeyGolden4Di%26"),
        "{server}"
    );
    assert!(
        server.contains("%26SecurityToken%3D<redacted>%26SignatureMethod"),
        "{server}"
    );
    (error, diagnosis)
}

fn clock_skewed(result: &Parsed) -> Option<i64> {
    let Err(Error::ClockSkewed {
        error,
        skew_seconds,
    }) = result
    else {
        panic!("expected ClockSkewed, got {result:#?}")
    };
    assert_eq!(error.code, "InvalidTimeStamp.Expired");
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    *skew_seconds
}

// ---------------------------------------------------------------------------------------------
// The table

struct Case {
    /// The expected file, `<name>.expected`.
    name: &'static str,
    /// The response file, `<file>.http`.
    file: &'static str,
    op: Op,
    ctx: Ctx,
    check: fn(&Parsed),
}

const fn case(name: &'static str, op: Op, ctx: Ctx, check: fn(&Parsed)) -> Case {
    Case {
        name,
        file: name,
        op,
        ctx,
        check,
    }
}

/// A second reading of `file`, under another operation or context.
const fn again(
    name: &'static str,
    file: &'static str,
    op: Op,
    ctx: Ctx,
    check: fn(&Parsed),
) -> Case {
    Case {
        name,
        file,
        op,
        ctx,
        check,
    }
}

const DELETE: &str = "DeleteDISyncTask";
const TERMINATE: &str = "TerminateDISyncInstance";
const INVALID_FILE_ID: &str = "fileId:[100] is invalid.";

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Ctx::{AfterUnknown, Fresh, Signed};
    use FailureReason::{TaskNotFound, Undocumented};
    use Op::{Delete, Terminate};
    vec![
        // Successes.
        case("delete_success_json", Delete, Fresh, |r| done(r, "0bc1411515937635973a4f2e1")),
        case("delete_success_xml", Delete, Fresh, |r| done(r, "0bc1411515937635973b7c90d")),
        case("terminate_success_json", Terminate, Fresh, |r| done(r, "0bc3b4ab16637400417651e2a")),
        case("terminate_success_xml", Terminate, Fresh, |r| done(r, "0bc3b4ab16637400417652f3b")),
        case("lowercase_success_json", Delete, Fresh, |r| done(r, "0bc1411515937635973f4a8db")),

        // Data.Status = fail, HTTP 200 with Success true.
        case("fail_invalid_file_id_json", Delete, Fresh, |r| {
            let failure = task_failed(r, DELETE, "0bc1411515937635973c1d5a8", TaskNotFound, false);
            assert_eq!(failure.message, INVALID_FILE_ID);
        }),
        again("fail_invalid_file_id_json.after_unknown", "fail_invalid_file_id_json", Delete, AfterUnknown, |r| {
            already_done(r, "0bc1411515937635973c1d5a8", TaskNotFound, INVALID_FILE_ID);
        }),
        // A task that does not exist is no proof that a terminate happened.
        again("fail_invalid_file_id_json.terminate_after_unknown", "fail_invalid_file_id_json", Terminate, AfterUnknown, |r| {
            task_failed(r, TERMINATE, "0bc1411515937635973c1d5a8", TaskNotFound, true);
        }),
        case("fail_invalid_file_id_xml", Delete, Fresh, |r| {
            let failure = task_failed(r, DELETE, "0bc1411515937635973d2e6b9", TaskNotFound, false);
            assert_eq!(failure.message, INVALID_FILE_ID);
        }),
        again("fail_invalid_file_id_xml.after_unknown", "fail_invalid_file_id_xml", Delete, AfterUnknown, |r| {
            already_done(r, "0bc1411515937635973d2e6b9", TaskNotFound, INVALID_FILE_ID);
        }),
        case("fail_task_running_json", Delete, AfterUnknown, |r| {
            let failure = task_failed(r, DELETE, "0bc1411515937635973e3f7ca", Undocumented, true);
            assert_eq!(failure.message, "The task is running, stop it first.");
        }),
        again("fail_task_running_json.terminate_after_unknown", "fail_task_running_json", Terminate, AfterUnknown, |r| {
            task_failed(r, TERMINATE, "0bc1411515937635973e3f7ca", Undocumented, true);
        }),
        // Words are no evidence: "not deployed" stays a refusal, even after a lost answer (the
        // flows read the task's state to decide).
        case("fail_not_deployed_json", Terminate, AfterUnknown, |r| {
            let failure = task_failed(r, TERMINATE, "0bc3b4ab16637400417653a4c", Undocumented, true);
            assert_eq!(failure.message, "the task is not deployed");
        }),
        again("fail_not_deployed_json.terminate", "fail_not_deployed_json", Terminate, Fresh, |r| {
            task_failed(r, TERMINATE, "0bc3b4ab16637400417653a4c", Undocumented, false);
        }),
        // Not deployed is no proof that a delete happened.
        again("fail_not_deployed_json.delete_after_unknown", "fail_not_deployed_json", Delete, AfterUnknown, |r| {
            let failure = task_failed(r, DELETE, "0bc3b4ab16637400417653a4c", Undocumented, true);
            assert_eq!(failure.message, "the task is not deployed");
        }),
        case("fail_not_deployed_xml", Terminate, AfterUnknown, |r| {
            task_failed(r, TERMINATE, "0bc3b4ab16637400417654b5d", Undocumented, true);
        }),
        again("fail_not_deployed_xml.delete_after_unknown", "fail_not_deployed_xml", Delete, AfterUnknown, |r| {
            task_failed(r, DELETE, "0bc3b4ab16637400417654b5d", Undocumented, true);
        }),

        // Gateway errors, JSON and XML.
        case("param_invalid_json", Delete, Fresh, |r| {
            gateway(r, "BadRequest", 400, "Param.Invalid", "The parameter is invalid.");
        }),
        case("param_invalid_xml", Delete, Fresh, |r| {
            gateway(r, "BadRequest", 400, "Param.Invalid", "The parameter is invalid.");
        }),
        case("forbidden_access_json", Delete, Fresh, |r| {
            let e = gateway(r, "AccessDenied", 403, "Forbidden.Access", "Access is forbidden.");
            let detail = e.access_denied_detail.as_deref().unwrap();
            let detail: serde_json::Value = serde_json::from_str(detail).unwrap();
            assert_eq!(detail["AuthAction"], "dataworks:DeleteDISyncTask");
            assert_eq!(detail["NoPermissionType"], "ImplicitDeny");
        }),
        case("forbidden_access_xml", Delete, Fresh, |r| {
            let e = gateway(r, "AccessDenied", 403, "Forbidden.Access", "Access is forbidden.");
            assert_eq!(
                e.access_denied_detail.as_deref(),
                Some("PolicyType=AccountLevelIdentityBasedPolicy, AuthPrincipalType=SubUser, NoPermissionType=ImplicitDeny, AuthAction=dataworks:DeleteDISyncTask")
            );
        }),
        case("throttling_api_json", Delete, Fresh, |r| {
            let e = gateway(r, "Throttled", 429, "Throttling.Api", "Request was denied due to api flow control.");
            assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));
        }),
        case("throttling_api_xml", Delete, Fresh, |r| {
            let e = gateway(r, "Throttled", 429, "Throttling.Api", "Request was denied due to api flow control.");
            assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));
        }),
        case("internal_error_json", Delete, Fresh, |r| {
            gateway(r, "ServerError", 500, "InternalError.System", "An internal error occurred.");
        }),
        case("internal_error_xml", Terminate, Fresh, |r| {
            gateway(r, "ServerError", 500, "InternalError.System", "An internal error occurred.");
        }),
        case("signature_mismatch_json", Delete, Fresh, |r| {
            let (_, diagnosis) = signature_mismatch(r);
            assert_eq!(diagnosis.cause, MismatchCause::ClientStringUnknown);
            assert_eq!(diagnosis.client_string_to_sign, None);
        }),
        // The file quotes our exact string to sign but for the token.
        again("signature_mismatch_json.signed", "signature_mismatch_json", Delete, Signed, |r| {
            let (_, diagnosis) = signature_mismatch(r);
            assert_eq!(diagnosis.cause, MismatchCause::TokenDiffers);
            assert_eq!(diagnosis.first_difference, None);
            assert_eq!(diagnosis.client_string_to_sign, diagnosis.server_string_to_sign);
        }),
        // The server's string lacks FileId: a parameter lost on the way.
        case("signature_mismatch_xml", Delete, Signed, |r| {
            let (_, diagnosis) = signature_mismatch(r);
            assert_eq!(diagnosis.cause, MismatchCause::StringsDiffer);
            let ours = diagnosis.client_string_to_sign.as_deref().unwrap();
            // "FileId..." against "Format...": they part at the second byte.
            assert_eq!(diagnosis.first_difference, Some(ours.find("%26FileId%3D100").unwrap() + 4));
            assert!(!diagnosis.server_string_to_sign.as_deref().unwrap().contains("FileId"));
        }),
        again("signature_mismatch_xml.fresh", "signature_mismatch_xml", Delete, Fresh, |r| {
            assert_eq!(signature_mismatch(r).1.cause, MismatchCause::ClientStringUnknown);
        }),
        case("timestamp_expired_json", Delete, Signed, |r| assert_eq!(clock_skewed(r), Some(3602))),
        again("timestamp_expired_json.fresh", "timestamp_expired_json", Delete, Fresh, |r| {
            assert_eq!(clock_skewed(r), None);
        }),
        case("timestamp_expired_xml", Delete, Signed, |r| {
            assert_eq!(clock_skewed(r), Some(3602));
            gateway(r, "ClockSkewed", 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
        }),
        case("nonce_used_json", Delete, Fresh, |r| {
            gateway(r, "NonceReused", 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        }),
        case("nonce_used_xml", Delete, Fresh, |r| {
            gateway(r, "NonceReused", 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
        }),
        case("access_key_not_found_json", Delete, Fresh, |r| {
            gateway(r, "CredentialsRejected", 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        }),
        case("access_key_not_found_xml", Delete, Fresh, |r| {
            gateway(r, "CredentialsRejected", 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
        }),
        case("security_token_expired_json", Delete, Fresh, |r| {
            gateway(r, "CredentialsRejected", 400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.");
        }),
        case("security_token_expired_xml", Delete, Fresh, |r| {
            gateway(r, "CredentialsRejected", 400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.");
        }),
        case("forbidden_not_server_json", Delete, Fresh, |r| {
            gateway(r, "Service", 500, "Forbidden.Not.Server", "The API is not supported in this region.");
        }),
        case("forbidden_not_server_xml", Delete, Fresh, |r| {
            gateway(r, "Service", 500, "Forbidden.Not.Server", "The API is not supported in this region.");
        }),
        case("lowercase_error_json", Delete, Fresh, |r| {
            let e = gateway(r, "BadRequest", 400, "MissingFileId", "FileId is mandatory for this action.");
            assert_eq!(e.request_id.as_deref(), Some("90E4757C-BF61-42DA-8EC5-71D340B6FC59"));
        }),
        // The older DataWorks shape: ErrorCode / ErrorMessage, no HostId.
        case("dataworks_legacy_error_json", Delete, Fresh, |r| {
            let e = service(r, "BadRequest", 400, "Invalid.Tenant.ProjectNotExist", "The project does not exist.");
            assert_eq!(e.request_id.as_deref(), Some("0bc1411515937635973a5b9ec"));
            assert_eq!((e.host_id.as_deref(), e.recommend.as_deref()), (None, None));
        }),
        case("dataworks_legacy_error_http200_json", Delete, AfterUnknown, |r| {
            let e = service(r, "BadRequest", 200, "Invalid.DI.Task.NotExist", "The DI task does not exist.");
            assert_eq!(e.request_id.as_deref(), Some("0bc1411515937635973b6cafd"));
        }),

        // Bodies that are not the service's.
        case("nginx_502_html", Delete, Fresh, |r| {
            let u = unexpected(r, 502, &BodyProblem::UnsupportedContentType);
            assert_eq!(u.content_type.as_deref(), Some("text/html"));
            assert_eq!(u.snippet, "502 Bad Gateway 502 Bad Gateway nginx");
            assert_eq!((u.request_id, u.retry_after), (None, None));
        }),
        case("tengine_504_html", Terminate, Fresh, |r| {
            let u = unexpected(r, 504, &BodyProblem::UnsupportedContentType);
            assert_eq!(u.content_type.as_deref(), Some("text/html; charset=utf-8"));
            assert!(u.snippet.starts_with("504 Gateway Time-out 504 Gateway Time-out The gateway did not"), "{}", u.snippet);
            assert_eq!(u.snippet.chars().count(), 161);
            assert!(u.snippet.ends_with('…'));
        }),
        case("plain_503_retry_after", Delete, Fresh, |r| {
            let u = unexpected(r, 503, &BodyProblem::UnsupportedContentType);
            assert_eq!(u.retry_after, Some(Duration::from_secs(5)));
            assert_eq!(u.request_id.as_deref(), Some("A1F5E683-C072-43EB-9F96-82E451C8ED3A"));
            assert!(u.snippet.starts_with("Service Unavailable the upstream is restarting"), "{}", u.snippet);
        }),
        case("proxy_400_echoes_token_html", Delete, Fresh, |r| {
            let u = unexpected(r, 400, &BodyProblem::UnsupportedContentType);
            assert!(u.snippet.contains("/?SecurityToken=<redacted>&AccessKeyId=STS.NTestKeyGolden4Di"), "{}", u.snippet);
        }),
        case("empty_200", Delete, Fresh, |r| {
            let u = unexpected(r, 200, &BodyProblem::Empty);
            assert_eq!(u.snippet, "");
            assert_eq!(u.request_id.as_deref(), Some("0bc1411515937635973c7db0e"));
        }),
        case("empty_500", Delete, Fresh, |r| {
            let u = unexpected(r, 500, &BodyProblem::Empty);
            assert_eq!((u.content_type, u.request_id), (None, None));
        }),
        case("truncated_json_200", Delete, Fresh, |r| {
            let u = unexpected(r, 200, &BodyProblem::Truncated);
            assert_eq!(u.request_id.as_deref(), Some("0bc1411515937635973d8ec1f"));
        }),
        case("truncated_xml_200", Delete, Fresh, |r| {
            let u = unexpected(r, 200, &BodyProblem::Truncated);
            assert_eq!(u.content_type.as_deref(), Some("application/xml"));
        }),
        case("json_as_text_plain_200", Delete, Fresh, |r| {
            let u = unexpected(r, 200, &BodyProblem::UnsupportedContentType);
            assert_eq!(u.content_type.as_deref(), Some("text/plain;charset=utf-8"));
            assert!(u.snippet.starts_with(r#"{ "RequestId": "0bc1411515937635973fa0e31","#), "{}", u.snippet);
        }),
        case("empty_object_200", Delete, Fresh, |r| {
            let u = unexpected(r, 200, &BodyProblem::MissingField { field: "RequestId" });
            assert_eq!(u.request_id, None);
        }),
        case("success_missing_status_json", Delete, Fresh, |r| {
            let u = unexpected(r, 200, &BodyProblem::MissingField { field: "Data.Status" });
            assert_eq!(u.request_id.as_deref(), Some("0bc1411515937635973ab1f42"));
        }),
        // A Data.Status that is neither success nor fail: the teardown cannot judge it.
        case("unknown_status_json", Terminate, AfterUnknown, |r| {
            let u = unexpected(r, 200, &BodyProblem::Malformed {
                detail: r#"Data.Status is "pending", not success or fail"#.to_owned(),
            });
            assert_eq!(u.request_id.as_deref(), Some("0bc1411515937635973cd3164"));
        }),
        case("invalid_utf8_xml_200", Delete, Fresh, |r| {
            let Err(Error::UnexpectedResponse(u)) = r else { panic!("{r:#?}") };
            assert_eq!(u.status, StatusCode::OK);
            let BodyProblem::Malformed { detail } = &u.problem else { panic!("{u:#?}") };
            assert!(detail.starts_with("XML is not UTF-8"), "{detail}");
            assert!(u.snippet.contains("caf\u{fffd}"), "{}", u.snippet);
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Golden files

/// Whether `DI_UPDATE_GOLDEN` asks for the expected files to be rewritten.
#[expect(clippy::disallowed_methods, reason = "tests read their own switches")]
fn updating_golden() -> bool {
    std::env::var_os("DI_UPDATE_GOLDEN").is_some()
}

/// Compares `actual` with `<dir>/<name>.expected`, or rewrites it under `DI_UPDATE_GOLDEN=1`
/// (review the diff before committing it). Returns the complaint, if any.
#[expect(
    clippy::disallowed_methods,
    reason = "tests read and write their own data files"
)]
fn check_expected(dir: &Path, name: &str, actual: &str) -> Option<String> {
    let path = dir.join(format!("{name}.expected"));
    if updating_golden() {
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    match std::fs::read_to_string(&path) {
        Err(error) => Some(format!(
            "{}: {error} (DI_UPDATE_GOLDEN=1 writes it)",
            path.display()
        )),
        Ok(expected) if expected != actual => Some(format!(
            "{} differs (DI_UPDATE_GOLDEN=1 rewrites it); actual:\n{actual}",
            path.strip_prefix(responses_dir())
                .unwrap_or(&path)
                .display()
        )),
        Ok(_) => None,
    }
}

/// What an output's `Debug` hides (a script's text, the raw `Data`), written out after the
/// Debug in the `.expected` files so that the goldens still check every byte of it.
pub(super) trait Hidden {
    /// The hidden parts, one `name: value` per line (empty when nothing is hidden).
    fn hidden(&self) -> String;
}

impl<T: Hidden> Hidden for Result<T, Error> {
    fn hidden(&self) -> String {
        self.as_ref().map(Hidden::hidden).unwrap_or_default()
    }
}

impl Hidden for di_proto::ops::DiSyncTaskDetails {
    fn hidden(&self) -> String {
        format!(
            "hidden code: {:?}\nhidden data: {:#}\n",
            self.code, self.data
        )
    }
}

impl Hidden for di_proto::ops::FileDetails {
    fn hidden(&self) -> String {
        format!(
            "hidden file.content: {:?}\nhidden data: {:#}\n",
            self.file.content, self.data
        )
    }
}

impl<T: MaybeHidden> Hidden for di_proto::ops::Page<T> {
    fn hidden(&self) -> String {
        let items: String = self.items.iter().map(MaybeHidden::hidden_part).collect();
        format!("{items}hidden data: {:#}\n", self.data)
    }
}

/// A page's record: a file's content is hidden, other records hide nothing.
pub(super) trait MaybeHidden {
    /// What the record's Debug hides.
    fn hidden_part(&self) -> String {
        String::new()
    }
}

impl MaybeHidden for di_proto::ops::FileRecord {
    fn hidden_part(&self) -> String {
        format!("hidden content: {:?}\n", self.content)
    }
}

impl MaybeHidden for di_proto::ops::FolderRecord {}
impl MaybeHidden for di_proto::ops::RefTask {}

/// Runs a table of golden cases: `run` reads a case's response, checks the result in code,
/// and returns the case's name with the result's Debug, which must be what
/// `<dir>/<name>.expected` holds. Every case runs before the differences are reported, all
/// together.
pub(super) fn expect_golden<C>(
    dir: &Path,
    cases: &[C],
    run: impl Fn(&C) -> (&'static str, String),
) {
    let mut complaints = Vec::new();
    for case in cases {
        let (name, debug) = run(case);
        complaints.extend(check_expected(dir, name, &debug));
    }
    assert!(complaints.is_empty(), "{}", complaints.join("\n\n"));
}

/// Every file in `dir` has a case, and every case its file: `cases` gives each case's name
/// (its `<name>.expected`, `<file>` or `<file>.<variant>`, never twice) and file (its
/// `<file>.http`); `others` are the entries of `dir` that belong to no case (a README, the
/// folders of the other tables).
pub(super) fn every_file_has_a_case<'a>(
    dir: &Path,
    cases: impl IntoIterator<Item = (&'a str, &'a str)>,
    others: &[&str],
) {
    let mut names = BTreeSet::new();
    let mut files = BTreeSet::new();
    for (name, file) in cases {
        assert!(names.insert(name), "a case name repeats: {name}");
        files.insert(file);
        assert!(
            name == file || name.starts_with(&format!("{file}.")),
            "{name}: name it <file>.<variant>"
        );
    }
    let mut stray = Vec::new();
    let mut seen_http = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".http") {
            seen_http.insert(stem.to_owned());
            if !files.contains(stem) {
                stray.push(name);
            }
        } else if let Some(stem) = name.strip_suffix(".expected") {
            if !names.contains(stem) {
                stray.push(name);
            }
        } else if !others.contains(&name.as_str()) {
            stray.push(name);
        }
    }
    assert!(stray.is_empty(), "files without a case: {stray:?}");
    let missing: Vec<&&str> = files
        .iter()
        .filter(|file| !seen_http.contains(**file))
        .collect();
    assert!(missing.is_empty(), "cases without a file: {missing:?}");
}

#[test]
fn golden_responses_parse_as_expected() {
    let signed = signed_delete();
    expect_golden(&responses_dir(), &cases(), |case| {
        let response = load(case.file);
        let result = case.op.parse(&response, &case.ctx.context(&signed));
        eprintln!("case {} ({:?}, {:?})", case.name, case.op, case.ctx);
        (case.check)(&result);
        (case.name, format!("{result:#?}\n"))
    });
}

#[test]
fn every_file_has_a_case_and_every_case_a_file() {
    // `lifecycle/` and `discovery/` have their own cases, in `lifecycle_responses.rs` and
    // `discovery_responses.rs`.
    every_file_has_a_case(
        &responses_dir(),
        cases().iter().map(|case| (case.name, case.file)),
        &["README.md", "lifecycle", "discovery"],
    );
}

// ---------------------------------------------------------------------------------------------
// The generic call

/// Whether a typed error is a judgement of the teardown operation itself (of `Data.Status`),
/// which the generic call leaves to its caller.
fn judged_by_the_operation(error: &Error) -> bool {
    match error {
        Error::TaskFailed(_) => true,
        Error::UnexpectedResponse(response) => {
            response.problem
                == BodyProblem::MissingField {
                    field: "Data.Status",
                }
                || matches!(&response.problem, BodyProblem::Malformed { detail } if detail.starts_with("Data.Status"))
        }
        _ => false,
    }
}

#[test]
fn the_generic_call_agrees_with_the_typed_operations() {
    let signed = signed_delete();
    for case in cases() {
        let response = load(case.file);
        let context = case.ctx.context(&signed);
        let typed = case.op.parse(&response, &context);
        let generic = case.op.generic().parse_response(&response, &context);
        let name = case.name;
        match (&typed, &generic) {
            (Ok(typed), Ok(generic)) => assert_eq!(typed.request_id, generic.request_id, "{name}"),
            (Err(Error::TaskFailed(failure)), Ok(generic)) => {
                assert_eq!(failure.request_id, generic.request_id, "{name}");
            }
            (Err(error), Ok(_)) if judged_by_the_operation(error) => {}
            (Err(typed), Err(generic)) => {
                assert!(!judged_by_the_operation(typed), "{name}: {typed:#?}");
                assert_eq!(typed, generic, "{name}");
            }
            _ => panic!("{name}: typed {typed:#?}, generic {generic:#?}"),
        }
        if let Ok(generic) = generic {
            assert_eq!(generic.status, response.status(), "{name}");
            assert_eq!(
                generic.body.as_bytes(),
                response.body().as_slice(),
                "{name}"
            );
            let xml = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("xml");
            let format = if xml { Format::Xml } else { Format::Json };
            assert_eq!(generic.format, format, "{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets and snippets

/// Every error the files give, under every operation and context, and from the generic call.
fn every_error() -> Vec<(String, Error)> {
    let signed = signed_delete();
    let mut errors = Vec::new();
    for case in cases().iter().filter(|case| case.name == case.file) {
        let response = load(case.file);
        for ctx in [Ctx::Fresh, Ctx::AfterUnknown, Ctx::Signed] {
            let context = ctx.context(&signed);
            for op in [Op::Delete, Op::Terminate] {
                if let Err(error) = op.parse(&response, &context) {
                    errors.push((format!("{} {op:?} {ctx:?}", case.file), error));
                }
                if let Err(error) = op.generic().parse_response(&response, &context) {
                    errors.push((format!("{} generic {op:?} {ctx:?}", case.file), error));
                }
            }
        }
    }
    errors
}

fn assert_no_token(what: &str, error: &Error) {
    let shown = format!("{error} {error:?} {error:#?}");
    for marker in [FILE_TOKEN_MARKER, SIGNED_TOKEN_MARKER] {
        assert!(!shown.contains(marker), "{what} shows the token: {shown}");
    }
}

#[test]
fn no_error_shows_a_planted_token() {
    // The token is really there to leak: the test is not vacuous.
    let carriers = cases()
        .iter()
        .filter(|case| case.name == case.file)
        .filter(|case| String::from_utf8_lossy(&raw(case.file)).contains(FILE_TOKEN_MARKER))
        .count();
    assert_eq!(
        carriers, 3,
        "signature_mismatch_json/xml, proxy_400_echoes_token_html"
    );
    assert!(
        signed_delete()
            .signature()
            .string_to_sign()
            .contains(SIGNED_TOKEN_MARKER)
    );
    let errors = every_error();
    assert!(errors.len() > 100, "{}", errors.len());
    for (what, error) in &errors {
        assert_no_token(what, error);
    }
}

#[test]
fn snippets_are_short_and_printable() {
    let mut snippets = 0;
    for (what, error) in every_error() {
        if let Error::UnexpectedResponse(response) = &error {
            let snippet = &response.snippet;
            assert!(snippet.chars().count() <= 161, "{what}: {snippet:?}");
            assert!(
                !snippet.chars().any(char::is_control),
                "{what}: {snippet:?}"
            );
            assert!(snippet.trim() == snippet, "{what}: {snippet:?}");
            let shown = error.to_string();
            assert!(!shown.chars().any(char::is_control), "{what}: {shown:?}");
            snippets += 1;
        }
    }
    assert!(snippets > 20, "{snippets}");
}

// ---------------------------------------------------------------------------------------------
// SignatureDoesNotMatch against requests signed here

/// A gateway error answer quoting `server` as its string to sign.
fn mismatch_response(server: &str, xml: bool) -> Response<Vec<u8>> {
    let message = format!("{SIGNATURE_MESSAGE}{server}");
    let request_id = "0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9";
    let (content_type, body) = if xml {
        let escaped = message.replace('&', "&amp;").replace('<', "&lt;");
        (
            "text/xml;charset=utf-8",
            format!(
                "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>{request_id}</RequestId><HostId>{HOST}</HostId><Code>SignatureDoesNotMatch</Code><Message>{escaped}</Message></Error>"
            ),
        )
    } else {
        (
            "application/json;charset=utf-8",
            serde_json::json!({
                "RequestId": request_id,
                "HostId": HOST,
                "Code": "SignatureDoesNotMatch",
                "Message": message,
            })
            .to_string(),
        )
    };
    Response::builder()
        .status(400)
        .header("content-type", content_type)
        .body(body.into_bytes())
        .unwrap()
}

fn diagnose(signed: &SignedRequest, server: &str, xml: bool) -> (Error, SignatureDiagnosis) {
    let error = DeleteDiSyncTask::new(10000, 100)
        .parse_response(
            &mismatch_response(server, xml),
            &ResponseContext::new().with_request(signed),
        )
        .unwrap_err();
    assert_no_token("a built mismatch", &error);
    let Error::SignatureMismatch { diagnosis, .. } = &error else {
        panic!("{error:#?}")
    };
    let diagnosis = (**diagnosis).clone();
    (error, diagnosis)
}

#[test]
fn a_mismatch_against_our_own_string_blames_the_secret() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for xml in [false, true] {
            let signed = sign_delete(version, Format::Json, SIGNED_AT);
            let ours = signed.signature().string_to_sign();
            let (error, diagnosis) = diagnose(&signed, ours, xml);
            assert_eq!(
                diagnosis.cause,
                MismatchCause::WrongSecret,
                "{version:?} {xml}"
            );
            assert_eq!(diagnosis.first_difference, None);
            assert!(
                error.to_string().contains("AccessKey secret is wrong"),
                "{error}"
            );
            if version == SignatureVersion::V1 {
                // The token is in our V1 string to sign, and only its redacted form is kept.
                assert!(ours.contains(SIGNED_TOKEN_MARKER));
                let kept = diagnosis.client_string_to_sign.as_deref().unwrap();
                assert!(kept.contains("SecurityToken%3D<redacted>%26"), "{kept}");
            } else {
                assert!(ours.starts_with("ACS3-HMAC-SHA256\n"), "{ours}");
                assert_eq!(diagnosis.client_string_to_sign.as_deref(), Some(ours));
            }
        }
    }
}

#[test]
fn a_mismatch_against_another_string_shows_where_they_part() {
    for xml in [false, true] {
        let signed = signed_delete();
        let ours = signed.signature().string_to_sign();
        let theirs = ours.replace("FileId%3D100", "FileId%3D101");
        let (error, diagnosis) = diagnose(&signed, &theirs, xml);
        assert_eq!(diagnosis.cause, MismatchCause::StringsDiffer);
        let at = ours.find("FileId%3D100").unwrap() + "FileId%3D10".len();
        assert_eq!(diagnosis.first_difference, Some(at));
        let shown = error.to_string();
        assert!(shown.contains(&format!("differ from byte {at}")), "{shown}");
        assert!(shown.contains("FileId%3D101"), "{shown}");

        let token_only = ours.replace(SIGNED_TOKEN_MARKER, "Other5t5Tok3nXYZ");
        assert_ne!(token_only, ours);
        let (_, diagnosis) = diagnose(&signed, &token_only, xml);
        assert_eq!(diagnosis.cause, MismatchCause::TokenDiffers);
    }
}

// ---------------------------------------------------------------------------------------------
// Clock skew and the retry loop

#[test]
fn clock_skew_is_measured_against_the_signed_time() {
    // The file's Date header is Tue, 02 Jul 2030 19:40:56 GMT.
    let response = load("timestamp_expired_json");
    for (signed_at, skew) in [
        ("2030-07-02T18:40:54Z", 3602),
        ("2030-07-02T19:40:56Z", 0),
        ("2030-07-02T20:00:56Z", -1200),
    ] {
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            let signed = sign_delete(version, Format::Json, signed_at);
            let result = DeleteDiSyncTask::new(10000, 100)
                .parse_response(&response, &ResponseContext::new().with_request(&signed));
            assert_eq!(clock_skewed(&result), Some(skew), "{signed_at} {version:?}");
            let error = result.unwrap_err();
            assert!(
                error.to_string().contains(&format!(
                    "the service clock is {skew:+} s from the request time"
                )),
                "{error}"
            );
        }
    }
    let mut attempts = Attempts::new(
        RetryPolicy::default(),
        DeleteDiSyncTask::new(1, 1).idempotency(),
    );
    let local = Timestamp::parse("2030-07-02T18:40:54Z").unwrap();
    assert_eq!(attempts.start_attempt(local).unwrap(), local);
    attempts.observe_response(response.headers());
    assert_eq!(attempts.clock_offset(), 3602);
    let signed = signed_delete();
    let error = DeleteDiSyncTask::new(10000, 100)
        .parse_response(&response, &attempts.context(&signed))
        .unwrap_err();
    assert_eq!(Retryability::of_error(&error), Retryability::Safe);
    assert_eq!(
        attempts.after_error(&error, Duration::from_secs(1), 0),
        RetryDecision::Retry {
            delay: Duration::ZERO
        }
    );
    let corrected = attempts.start_attempt(local).unwrap();
    assert_eq!(corrected.unix_seconds() - local.unix_seconds(), 3602);
}

#[test]
fn a_retry_after_a_lost_answer_reports_a_gone_task_as_done() {
    let delete = DeleteDiSyncTask::new(10000, 100);
    let signed = signed_delete();
    let mut attempts = Attempts::new(RetryPolicy::default(), delete.idempotency());
    let local = Timestamp::parse(SIGNED_AT).unwrap();
    attempts.start_attempt(local).unwrap();
    let decision = attempts.after_transport_failure(
        TransportFailure::OutcomeUnknown,
        Duration::from_secs(10),
        0,
    );
    assert!(
        matches!(decision, RetryDecision::Retry { .. }),
        "{decision:?}"
    );
    attempts.start_attempt(local).unwrap();
    let context = attempts.context(&signed);
    assert!(context.prior_outcome_unknown());
    let output = delete
        .parse_response(&load("fail_invalid_file_id_json"), &context)
        .unwrap();
    assert_eq!(
        output.outcome,
        ChangeOutcome::AlreadyDone {
            reason: FailureReason::TaskNotFound
        }
    );
    // Without the lost attempt, the same answer is a failure that no retry changes.
    let error = delete
        .parse_response(
            &load("fail_invalid_file_id_json"),
            &ResponseContext::new().with_request(&signed),
        )
        .unwrap_err();
    assert_eq!(Retryability::of_error(&error), Retryability::Never);
}

#[test]
fn the_retry_policy_reads_the_golden_errors() {
    let retryability = |file: &str| {
        let error = DeleteDiSyncTask::new(10000, 100)
            .parse_response(&load(file), &ResponseContext::new())
            .unwrap_err();
        (Retryability::of_error(&error), error)
    };
    for (file, expected) in [
        ("throttling_api_json", Retryability::Safe),
        ("nonce_used_xml", Retryability::Safe),
        ("internal_error_json", Retryability::IfIdempotent),
        ("nginx_502_html", Retryability::IfIdempotent),
        ("plain_503_retry_after", Retryability::IfIdempotent),
        ("tengine_504_html", Retryability::IfIdempotent),
        ("empty_500", Retryability::IfIdempotent),
        ("truncated_json_200", Retryability::IfIdempotent),
        ("truncated_xml_200", Retryability::IfIdempotent),
        ("param_invalid_json", Retryability::Never),
        ("forbidden_access_json", Retryability::Never),
        ("forbidden_not_server_json", Retryability::Never),
        ("access_key_not_found_json", Retryability::Never),
        ("signature_mismatch_json", Retryability::Never),
        ("empty_200", Retryability::Never),
        ("fail_invalid_file_id_json", Retryability::Never),
        // Without the request there is no signed time to measure the skew against.
        ("timestamp_expired_json", Retryability::Never),
    ] {
        assert_eq!(retryability(file).0, expected, "{file}");
    }
    let waits = |file: &str| {
        let mut attempts = Attempts::new(
            RetryPolicy::default(),
            DeleteDiSyncTask::new(1, 1).idempotency(),
        );
        attempts
            .start_attempt(Timestamp::parse(SIGNED_AT).unwrap())
            .unwrap();
        attempts.after_error(&retryability(file).1, Duration::from_secs(1), u64::MAX)
    };
    assert_eq!(
        waits("throttling_api_xml"),
        RetryDecision::Retry {
            delay: Duration::from_millis(1500)
        }
    );
    assert_eq!(
        waits("plain_503_retry_after"),
        RetryDecision::Retry {
            delay: Duration::from_secs(5)
        }
    );
    assert_eq!(
        waits("param_invalid_xml"),
        RetryDecision::Stop(StopReason::NotRetryable)
    );
}
