//! Properties of the response parsers, checked with proptest: whatever the status, headers and
//! body, reading a response never panics, and what comes out keeps the bounds the types
//! document.
//!
//! Four targets, each its own proptest so that each gets its own case count:
//!
//! - `json` and `xml`: arbitrary bytes, generated documents (the known members with values of
//!   any type, escapes, references, nesting) and well-formed successes that must round-trip;
//! - `mutations`: golden-ish bodies, damaged (cut, bytes flipped, inserted, deleted or
//!   repeated), under any content type;
//! - `headers`: the header-driven paths (`Date` and clock skew, retry hints, content type,
//!   request id) and the signature diagnosis, with the signed request in the context.
//!
//! Every response goes through `DeleteDiSyncTask`, `TerminateDiSyncInstance` and the generic
//! `RpcRequest`, each with and without an unknown prior outcome.
//!
//! The case count is `DI_FUZZ_CASES` (256 when unset); for a longer run:
//! `DI_FUZZ_CASES=100000 cargo test --release -p di-proto --test it parser_props`. (The fuzz
//! targets of `crates/di-fuzz`, run by `cargo xtask fuzz`, cover the same parsers from raw
//! bytes.) The bugs the properties and the fuzz targets found are kept as minimal regression
//! tests at the end of this file.

use std::time::{Duration, SystemTime};

use di_proto::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, header};
use di_proto::ops::{
    ChangeOutcome, ChangeResponse, DeleteDiSyncTask, Operation, RpcResponse,
    TerminateDiSyncInstance,
};
use di_proto::{
    Credentials, Endpoint, Error, Format, MismatchCause, ResponseContext, RpcRequest,
    SignatureVersion, SignedRequest, Signer, Timestamp,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

/// The case count of every target: `DI_FUZZ_CASES`, 256 when unset.
///
/// An explicit config overrides `PROPTEST_CASES`, hence a variable of our own. A failure is
/// printed with its shrunk input; nothing is written to the source tree.
#[expect(clippy::disallowed_methods, reason = "tests read their own switches")]
fn config() -> ProptestConfig {
    let cases = std::env::var("DI_FUZZ_CASES").map_or(256, |cases| {
        cases
            .trim()
            .parse()
            .expect("DI_FUZZ_CASES is a whole number of cases")
    });
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

/// The longest `UnexpectedResponse::snippet`: 160 characters and an ellipsis.
const SNIPPET_MAX_CHARS: usize = 161;

const JSON_TYPES: &[&str] = &[
    "application/json",
    "application/json;charset=utf-8",
    "Application/JSON; charset=UTF-8",
    "text/json",
    "application/problem+json",
];

const XML_TYPES: &[&str] = &[
    "application/xml",
    "text/xml;charset=utf-8",
    "Application/XML",
    "application/atom+xml",
];

const OTHER_TYPES: &[&str] = &[
    "text/html",
    "text/html; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    "",
    ";",
    "+json",
    "json",
];

// ---------------------------------------------------------------------------------------------
// Running the parsers, and what holds for any response
// ---------------------------------------------------------------------------------------------

/// What one operation made of a response.
#[derive(Debug)]
enum Output {
    Teardown(ChangeResponse),
    Rpc(RpcResponse),
}

#[derive(Debug)]
struct Parsed {
    op: &'static str,
    prior_outcome_unknown: bool,
    result: Result<Output, Error>,
}

fn response(status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

fn with_content_type(content_type: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
    }
    headers
}

fn rpc_request() -> RpcRequest {
    RpcRequest::new("DescribeDISyncTask", "2020-05-18").query_param("ProjectId", "10000")
}

/// Reads `response` with every operation, with and without an unknown prior outcome.
fn parse_all(response: &Response<Vec<u8>>, request: Option<&SignedRequest>) -> Vec<Parsed> {
    let mut parsed = Vec::with_capacity(6);
    for prior_outcome_unknown in [false, true] {
        let mut context = if prior_outcome_unknown {
            ResponseContext::new().with_prior_outcome_unknown(true)
        } else {
            ResponseContext::new()
        };
        if let Some(request) = request {
            context = context.with_request(request);
        }
        let results = [
            (
                "DeleteDISyncTask",
                DeleteDiSyncTask::new(10000, 100)
                    .parse_response(response, &context)
                    .map(Output::Teardown),
            ),
            (
                "TerminateDISyncInstance",
                TerminateDiSyncInstance::new(10000, 100)
                    .parse_response(response, &context)
                    .map(Output::Teardown),
            ),
            (
                "RpcRequest",
                rpc_request()
                    .parse_response(response, &context)
                    .map(Output::Rpc),
            ),
        ];
        for (op, result) in results {
            parsed.push(Parsed {
                op,
                prior_outcome_unknown,
                result,
            });
        }
    }
    parsed
}

/// Parses `response` with every operation and checks what holds for any response.
fn parse_and_check(
    response: &Response<Vec<u8>>,
    request: Option<&SignedRequest>,
) -> Result<Vec<Parsed>, TestCaseError> {
    let parsed = parse_all(response, request);
    for one in &parsed {
        check_parsed(response, one)?;
    }
    Ok(parsed)
}

fn check_parsed(response: &Response<Vec<u8>>, parsed: &Parsed) -> Result<(), TestCaseError> {
    let status = response.status();
    let body = response.body();
    let Parsed {
        op,
        prior_outcome_unknown,
        result,
    } = parsed;
    match result {
        Ok(output) => {
            prop_assert!(
                status.is_success(),
                "{}: Ok for HTTP {}: {:?}",
                op,
                status,
                output
            );
            prop_assert!(
                std::str::from_utf8(body).is_ok(),
                "{}: Ok for a body that is not UTF-8: {:?}",
                op,
                output
            );
            match output {
                Output::Teardown(teardown) => {
                    if let ChangeOutcome::AlreadyDone { .. } = teardown.outcome {
                        prop_assert!(
                            *prior_outcome_unknown,
                            "{}: AlreadyDone without an unknown prior outcome",
                            op
                        );
                    }
                }
                Output::Rpc(rpc) => {
                    prop_assert_eq!(rpc.status, status);
                    prop_assert_eq!(rpc.body.as_bytes(), &body[..]);
                }
            }
        }
        Err(error) => check_error(status, *prior_outcome_unknown, error)
            .map_err(|failure| TestCaseError::fail(format!("{op}: {failure}")))?,
    }
    Ok(())
}

/// What holds for any error a response gives.
fn check_error(
    status: StatusCode,
    prior_outcome_unknown: bool,
    error: &Error,
) -> Result<(), TestCaseError> {
    match error {
        Error::TaskFailed(failure) => {
            prop_assert!(status.is_success(), "TaskFailed for HTTP {}", status);
            prop_assert_eq!(failure.after_unknown_outcome, prior_outcome_unknown);
            // `http_status` says 200 for any TaskFailed; the status it came with is a 2xx.
            prop_assert_eq!(error.http_status(), Some(StatusCode::OK));
        }
        Error::UnexpectedResponse(unexpected) => {
            prop_assert_eq!(unexpected.status, status);
            prop_assert_eq!(error.http_status(), Some(status));
            let snippet = &unexpected.snippet;
            prop_assert!(
                snippet.chars().count() <= SNIPPET_MAX_CHARS,
                "snippet of {} characters: {:?}",
                snippet.chars().count(),
                snippet
            );
            prop_assert!(
                !snippet.chars().any(char::is_control),
                "control character in snippet {:?}",
                snippet
            );
        }
        _ => {
            let service_error = error.service_error();
            prop_assert!(
                service_error.is_some(),
                "a response gave a non-response error: {:?}",
                error
            );
            prop_assert_eq!(service_error.map(|error| error.status), Some(status));
            prop_assert_eq!(error.http_status(), Some(status));
        }
    }
    check_display(error)
}

/// `Display` and `Debug` do not panic, and `Display` shows no control character: texts from
/// the response are escaped or sanitized.
fn check_display(error: &Error) -> Result<(), TestCaseError> {
    let _ = format!("{error:?}");
    let shown = error.to_string();
    prop_assert!(!shown.is_empty());
    prop_assert!(
        !shown.chars().any(char::is_control),
        "control character in {:?}",
        shown
    );
    Ok(())
}

/// For a body the operations must accept: every one returns Ok, with `request_id`, and the
/// typed ones say `Done` with `message`; the generic one keeps the body and its format.
fn check_round_trip(
    parsed: &[Parsed],
    format: Format,
    request_id: &str,
    message: Option<&str>,
    body: &[u8],
) -> Result<(), TestCaseError> {
    for Parsed { op, result, .. } in parsed {
        match result {
            Ok(Output::Teardown(teardown)) => {
                prop_assert_eq!(&teardown.request_id, request_id, "{}", op);
                prop_assert_eq!(teardown.outcome, ChangeOutcome::Done, "{}", op);
                prop_assert_eq!(teardown.message.as_deref(), message, "{}", op);
            }
            Ok(Output::Rpc(rpc)) => {
                prop_assert_eq!(&rpc.request_id, request_id, "{}", op);
                prop_assert_eq!(rpc.format, format, "{}", op);
                prop_assert_eq!(rpc.body.as_bytes(), body, "{}", op);
            }
            Err(error) => {
                return Err(TestCaseError::fail(format!(
                    "{op} rejected a well-formed success: {error:?}\nbody: {}",
                    String::from_utf8_lossy(body)
                )));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Shared strategies
// ---------------------------------------------------------------------------------------------

fn status() -> impl Strategy<Value = StatusCode> {
    prop_oneof![
        3 => Just(200_u16),
        1 => 200_u16..=299,
        1 => select(&[400_u16, 403, 404, 429, 500, 502, 503][..]),
        3 => 100_u16..=599,
    ]
    .prop_map(|status| StatusCode::from_u16(status).unwrap())
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// Text that leans on what parsers and sanitizers get wrong, plus any Unicode at all.
fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ._:/-]{0,12}",
        2 => r#"[\x00-\x1f"'\\/<>&;\x7f\u{80}-\u{9f}é中😀\u{2028}\u{2029}\u{feff}\u{fffd} \t\r\n]{0,10}"#,
        1 => any::<String>(),
        1 => select(&[
            "server string to sign is:GET&%2F&SecurityToken%3Dtok%26X%3D1",
            "SecurityToken=tok&a=b",
            "x-acs-security-token:tok\nhost:h",
            "fileId:[100] is invalid.",
            "the task is not deployed",
            "]]>",
            "&amp;",
        ][..])
        .prop_map(str::to_owned),
    ]
}

/// A bit mask that says which characters of a text to write another way.
fn mask() -> impl Strategy<Value = u64> {
    prop_oneof![2 => Just(0_u64), 1 => any::<u64>(), 1 => Just(u64::MAX)]
}

fn bit(mask: u64, index: usize) -> bool {
    mask >> (index % 64) & 1 == 1
}

fn two_bits(mask: u64, index: usize) -> u64 {
    mask.rotate_right(u32::try_from(2 * index % 64).unwrap()) & 3
}

/// A permutation of `0..len` drawn from `seed`.
fn shuffled(len: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut state = seed | 1;
    for index in (1..len).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(index, usize::try_from(state % (index as u64 + 1)).unwrap());
    }
    order
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// A JSON string: its text, and which characters to write as escapes.
#[derive(Debug, Clone)]
struct JsonStr {
    text: String,
    escapes: u64,
}

#[derive(Debug, Clone)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A number as written: out of range, exponents, negative zero.
    Number(&'static str),
    Str(JsonStr),
    /// A string holding raw bytes, not necessarily UTF-8.
    RawStr(Vec<u8>),
    Array(Vec<Json>),
    Object(Vec<(JsonStr, Json)>),
}

fn write_json_str(out: &mut Vec<u8>, value: &JsonStr) {
    out.push(b'"');
    for (index, c) in value.text.chars().enumerate() {
        let must = c == '"' || c == '\\' || c < ' ';
        if !must && !bit(value.escapes, index) {
            let mut buffer = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        let short = match c {
            '"' => Some(b'"'),
            '\\' => Some(b'\\'),
            '/' => Some(b'/'),
            '\u{8}' => Some(b'b'),
            '\u{c}' => Some(b'f'),
            '\n' => Some(b'n'),
            '\r' => Some(b'r'),
            '\t' => Some(b't'),
            _ => None,
        };
        match short {
            Some(short) if !bit(value.escapes, index + 17) => {
                out.extend_from_slice(&[b'\\', short])
            }
            _ => {
                let mut units = [0; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                }
            }
        }
    }
    out.push(b'"');
}

fn write_json(out: &mut Vec<u8>, value: &Json, pretty: bool) {
    let (comma, colon): (&[u8], &[u8]) = if pretty {
        (b",\n  ", b" : ")
    } else {
        (b",", b":")
    };
    match value {
        Json::Null => out.extend_from_slice(b"null"),
        Json::Bool(value) => out.extend_from_slice(value.to_string().as_bytes()),
        Json::Int(value) => out.extend_from_slice(value.to_string().as_bytes()),
        Json::Float(value) => out.extend_from_slice(format!("{value:?}").as_bytes()),
        Json::Number(text) => out.extend_from_slice(text.as_bytes()),
        Json::Str(text) => write_json_str(out, text),
        Json::RawStr(bytes) => {
            out.push(b'"');
            out.extend(
                bytes
                    .iter()
                    .filter(|&&byte| byte >= b' ' && byte != b'"' && byte != b'\\'),
            );
            out.push(b'"');
        }
        Json::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.extend_from_slice(comma);
                }
                write_json(out, item, pretty);
            }
            out.push(b']');
        }
        Json::Object(members) => {
            out.push(b'{');
            if pretty {
                out.extend_from_slice(b"\n  ");
            }
            for (index, (key, member)) in members.iter().enumerate() {
                if index > 0 {
                    out.extend_from_slice(comma);
                }
                write_json_str(out, key);
                out.extend_from_slice(colon);
                write_json(out, member, pretty);
            }
            if pretty {
                out.extend_from_slice(b"\n");
            }
            out.push(b'}');
        }
    }
}

fn json_bytes(value: &Json, pretty: bool) -> Vec<u8> {
    let mut out = Vec::new();
    write_json(&mut out, value, pretty);
    out
}

fn json_str() -> impl Strategy<Value = JsonStr> {
    (tricky_text(), mask()).prop_map(|(text, escapes)| JsonStr { text, escapes })
}

/// One of `names`, sometimes written with escapes.
fn json_key(names: &'static [&'static str]) -> impl Strategy<Value = JsonStr> {
    (
        select(names),
        prop_oneof![3 => Just(0_u64), 1 => any::<u64>()],
    )
        .prop_map(|(name, escapes)| JsonStr {
            text: name.to_owned(),
            escapes,
        })
}

/// Any JSON value; with `raw_bytes`, strings may hold bytes that are not UTF-8.
fn json_value_with(raw_bytes: bool) -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        1 => Just(Json::Null),
        1 => any::<bool>().prop_map(Json::Bool),
        1 => any::<i64>().prop_map(Json::Int),
        1 => (prop::num::f64::NORMAL
            | prop::num::f64::SUBNORMAL
            | prop::num::f64::ZERO
            | prop::num::f64::POSITIVE
            | prop::num::f64::NEGATIVE)
            .prop_map(Json::Float),
        1 => select(
            &[
                "-0",
                "1e400",
                "-1E-400",
                "1.5e+3",
                "123456789012345678901234567890",
                "-9223372036854775809",
                "18446744073709551615",
            ][..]
        )
        .prop_map(Json::Number),
        3 => json_str().prop_map(Json::Str),
        u32::from(raw_bytes) => bytes(12).prop_map(Json::RawStr),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((json_str(), inner), 0..4).prop_map(Json::Object),
        ]
    })
}

fn json_value() -> impl Strategy<Value = Json> {
    json_value_with(true)
}

const TEXT_KEYS: &[&str] = &[
    "RequestId",
    "requestId",
    "Code",
    "code",
    "Message",
    "message",
    "HostId",
    "hostId",
    "Recommend",
    "recommend",
    "ErrorCode",
    "ErrorMessage",
];

/// A service text member: mostly a string, sometimes any value.
fn json_text_value() -> impl Strategy<Value = Json> {
    prop_oneof![
        5 => json_str().prop_map(Json::Str),
        1 => select(&["Forbidden.RAM", "SignatureDoesNotMatch", "Throttling.User", "InvalidTimeStamp.Expired", "InternalError"][..])
            .prop_map(|code| Json::Str(JsonStr { text: code.to_owned(), escapes: 0 })),
        1 => json_value(),
    ]
}

fn json_data() -> impl Strategy<Value = Json> {
    let member = prop_oneof![
        (
            json_key(&["Status"]),
            prop_oneof![
                3 => select(&["success", "fail", "SUCCESS", "Fail", "running", ""][..])
                    .prop_map(|status| Json::Str(JsonStr { text: status.to_owned(), escapes: 0 })),
                1 => json_text_value(),
            ]
        ),
        (json_key(&["Message"]), json_text_value()),
        (json_key(&["status", "Other", "Extra"]), json_value()),
    ];
    prop::collection::vec(member, 0..4).prop_map(Json::Object)
}

/// A member of the body, known or not, with a value of any type.
fn json_member() -> impl Strategy<Value = (JsonStr, Json)> {
    prop_oneof![
        2 => (json_key(&["Success", "success"]), prop_oneof![
            3 => any::<bool>().prop_map(Json::Bool),
            1 => json_value(),
        ]),
        5 => (json_key(TEXT_KEYS), json_text_value()),
        2 => (json_key(&["Data"]), prop_oneof![3 => json_data(), 1 => json_value()]),
        1 => (json_key(&["AccessDeniedDetail"]), json_value()),
        1 => (json_str(), json_value()),
    ]
}

/// A body: mostly an object whose members have distinct names (a name and its alias count
/// as one), as the service sends them; sometimes one with repeated members, or not an object.
fn json_document() -> impl Strategy<Value = Json> {
    prop_oneof![
        5 => prop::collection::vec(json_member(), 0..8).prop_map(|members| {
            let mut seen = std::collections::HashSet::new();
            Json::Object(
                members
                    .into_iter()
                    .filter(|(key, _)| seen.insert(key.text.to_ascii_lowercase()))
                    .collect(),
            )
        }),
        3 => prop::collection::vec(json_member(), 0..8).prop_map(Json::Object),
        1 => json_value(),
    ]
}

/// A well-formed success: `Success: true`, a request id, `Data.Status = success`, and
/// members the parser does not know, in any order.
#[derive(Debug, Clone)]
struct JsonSuccess {
    success_key: JsonStr,
    request_id: JsonStr,
    status_word: String,
    message: Option<JsonStr>,
    extras: Vec<(JsonStr, Json)>,
    data_extras: Vec<(JsonStr, Json)>,
    order: u64,
    pretty: bool,
}

/// A member name the parser does not know (none of them starts with `x`).
fn unknown_json_key() -> impl Strategy<Value = JsonStr> {
    ("x[a-zA-Z0-9_]{0,6}", mask()).prop_map(|(text, escapes)| JsonStr { text, escapes })
}

fn json_success() -> impl Strategy<Value = JsonSuccess> {
    (
        json_key(&["Success", "success"]),
        json_str(),
        "[sS][uU][cC][cC][eE][sS][sS]",
        prop::option::of(json_str()),
        prop::collection::vec((unknown_json_key(), json_value_with(false)), 0..4),
        prop::collection::vec((unknown_json_key(), json_value_with(false)), 0..3),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                success_key,
                request_id,
                status_word,
                message,
                extras,
                data_extras,
                order,
                pretty,
            )| {
                JsonSuccess {
                    success_key,
                    request_id,
                    status_word,
                    message,
                    extras,
                    data_extras,
                    order,
                    pretty,
                }
            },
        )
}

impl JsonSuccess {
    fn to_bytes(&self) -> Vec<u8> {
        let key = |name: &str| JsonStr {
            text: name.to_owned(),
            escapes: 0,
        };
        let mut data = vec![(
            key("Status"),
            Json::Str(JsonStr {
                text: self.status_word.clone(),
                escapes: 0,
            }),
        )];
        if let Some(message) = &self.message {
            data.push((key("Message"), Json::Str(message.clone())));
        }
        data.extend(self.data_extras.iter().cloned());
        let mut members = vec![
            (self.success_key.clone(), Json::Bool(true)),
            (key("RequestId"), Json::Str(self.request_id.clone())),
            (key("Data"), Json::Object(data)),
        ];
        members.extend(self.extras.iter().cloned());
        let members = shuffled(members.len(), self.order)
            .into_iter()
            .map(|index| members[index].clone())
            .collect();
        json_bytes(&Json::Object(members), self.pretty)
    }
}

#[derive(Debug, Clone)]
enum JsonCase {
    Bytes(Vec<u8>),
    Document(Json, bool),
    Success(JsonSuccess),
}

fn json_case() -> impl Strategy<Value = JsonCase> {
    prop_oneof![
        1 => bytes(256).prop_map(JsonCase::Bytes),
        3 => (json_document(), any::<bool>()).prop_map(|(document, pretty)| JsonCase::Document(document, pretty)),
        1 => json_success().prop_map(JsonCase::Success),
        // A success with raw bytes (often not UTF-8) in a member nobody reads.
        1 => (json_success(), unknown_json_key(), bytes(12), any::<bool>()).prop_map(
            |(mut success, key, raw, in_data)| {
                let members = if in_data { &mut success.data_extras } else { &mut success.extras };
                members.push((key, Json::RawStr(raw)));
                JsonCase::Success(success)
            },
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Xml {
    Element {
        name: String,
        attributes: String,
        children: Vec<Xml>,
        self_closing: bool,
    },
    /// Text as written, references and all.
    Text(String),
    CData(String),
    Comment(String),
    Pi(String),
}

fn write_xml(out: &mut String, node: &Xml) {
    match node {
        Xml::Element {
            name,
            attributes,
            children,
            self_closing,
        } => {
            if children.is_empty() && *self_closing {
                out.push_str(&format!("<{name}{attributes}/>"));
            } else {
                out.push_str(&format!("<{name}{attributes}>"));
                for child in children {
                    write_xml(out, child);
                }
                out.push_str(&format!("</{name}>"));
            }
        }
        Xml::Text(text) => out.push_str(text),
        Xml::CData(text) => out.push_str(&format!("<![CDATA[{text}]]>")),
        Xml::Comment(text) => out.push_str(&format!("<!--{text}-->")),
        Xml::Pi(text) => out.push_str(&format!("<?{text}?>")),
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// `text` as XML character data that reads back as `text` (NUL, which XML cannot carry at
/// all, is dropped). `mask` picks, per character, a literal, a character reference (hex or
/// decimal), a named entity, or a CDATA section.
fn xml_escape(text: &str, mask: u64) -> String {
    let mut out = String::new();
    for (index, c) in text.chars().filter(|&c| c != '\0').enumerate() {
        let named = match c {
            '<' => Some("&lt;"),
            '&' => Some("&amp;"),
            '>' => Some("&gt;"),
            '\'' => Some("&apos;"),
            '"' => Some("&quot;"),
            _ => None,
        };
        let raw_unsafe = c == '<' || c == '&' || (c.is_control() && c != '\t' && c != '\n');
        match two_bits(mask, index) {
            1 => out.push_str(&format!("&#x{:X};", u32::from(c))),
            2 => out.push_str(&format!("&#{};", u32::from(c))),
            3 if named.is_some() => out.push_str(named.unwrap_or_default()),
            3 if !c.is_control() => out.push_str(&format!("<![CDATA[{c}]]>")),
            _ if raw_unsafe => out
                .push_str(&named.map_or_else(|| format!("&#x{:x};", u32::from(c)), str::to_owned)),
            _ => out.push(c),
        }
    }
    out
}

const XML_NAMES: &[&str] = &[
    "Success",
    "RequestId",
    "HostId",
    "Code",
    "ErrorCode",
    "Message",
    "ErrorMessage",
    "Recommend",
    "AccessDeniedDetail",
    "Data",
    "Status",
    "PolicyType",
    "XResponse",
    "Error",
];

fn xml_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(XML_NAMES).prop_map(str::to_owned),
        3 => "[A-Za-z_][A-Za-z0-9._-]{0,8}",
        1 => "[^<>/= \t\r\n]{1,4}",
    ]
}

/// A name as XML allows it.
fn clean_xml_name() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(XML_NAMES).prop_map(str::to_owned),
        1 => "[A-Za-z_][A-Za-z0-9._-]{0,8}",
    ]
}

fn xml_attributes() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(String::new()),
        2 => r#" [a-z]{1,4}="[a-z0-9 &;<]{0,6}""#,
        1 => r#" [a-z:]{1,4}='[^'<]{0,6}'"#,
        1 => "[ a-z=\"']{0,8}",
    ]
}

/// Text as written: plain, escaped, references good and bad, and raw markup characters.
fn xml_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9 ._:-]{0,10}",
        2 => (tricky_text(), any::<u64>()).prop_map(|(text, mask)| xml_escape(&text, mask)),
        2 => select(&[
            "&amp;", "&lt;", "&gt;", "&apos;", "&quot;", "&#x41;", "&#65;", "&#x1F600;",
            "&#0;", "&#xD800;", "&#x110000;", "&#-1;", "&#x;", "&#X41;", "&bogus;", "&",
            "<", ">", "]]>", "true", "false", " \r\n\t",
        ][..])
        .prop_map(str::to_owned),
        1 => tricky_text(),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|pieces| pieces.concat())
}

fn xml_node() -> impl Strategy<Value = Xml> {
    let leaf = prop_oneof![
        6 => xml_text().prop_map(Xml::Text),
        1 => "[^\\]]{0,8}(]]>)?".prop_map(Xml::CData),
        1 => "[^-]{0,8}(--)?".prop_map(Xml::Comment),
        1 => "[a-z]{1,4}( [^?]{0,6})?".prop_map(Xml::Pi),
        2 => (xml_name(), xml_attributes(), any::<bool>()).prop_map(|(name, attributes, self_closing)| {
            Xml::Element { name, attributes, children: Vec::new(), self_closing }
        }),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        (
            xml_name(),
            xml_attributes(),
            prop::collection::vec(inner, 0..5),
            any::<bool>(),
        )
            .prop_map(|(name, attributes, children, self_closing)| Xml::Element {
                name,
                attributes,
                children,
                self_closing,
            })
    })
}

#[derive(Debug, Clone)]
struct XmlDocument {
    prolog: String,
    root: Xml,
    epilog: String,
}

fn xml_document() -> impl Strategy<Value = XmlDocument> {
    let prolog = prop_oneof![
        3 => Just(String::new()),
        3 => Just("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_owned()),
        1 => Just("<!DOCTYPE Error>".to_owned()),
        1 => Just("\u{feff}<?xml version='1.0'?><!-- c -->".to_owned()),
        1 => "[ \t\r\na-z<>?!-]{0,8}",
    ];
    let root_name = prop_oneof![
        2 => Just("XResponse".to_owned()),
        2 => Just("Error".to_owned()),
        1 => xml_name(),
    ];
    let epilog = prop_oneof![
        6 => Just(String::new()),
        2 => Just("\n".to_owned()),
        1 => Just("<!-- trailing -->".to_owned()),
        1 => prop_oneof![Just("<Second/>".to_owned()), Just("text".to_owned()), Just("</XResponse>".to_owned())],
    ];
    (
        prolog,
        root_name,
        xml_attributes(),
        prop_oneof![
            2 => xml_members(),
            1 => prop::collection::vec(xml_node(), 0..8),
        ],
        any::<bool>(),
        epilog,
    )
        .prop_map(
            |(prolog, name, attributes, children, self_closing, epilog)| XmlDocument {
                prolog,
                root: Xml::Element {
                    name,
                    attributes,
                    children,
                    self_closing,
                },
                epilog,
            },
        )
}

impl XmlDocument {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.prolog.clone();
        write_xml(&mut out, &self.root);
        out.push_str(&self.epilog);
        out.into_bytes()
    }
}

fn xml_element(name: &str, children: Vec<Xml>) -> Xml {
    Xml::Element {
        name: name.to_owned(),
        attributes: String::new(),
        children,
        self_closing: true,
    }
}

/// Escaped text, padded with white space.
fn xml_value() -> impl Strategy<Value = Xml> {
    (tricky_text(), any::<u64>(), "[ \t\r\n]{0,2}")
        .prop_map(|(text, mask, pad)| Xml::Text(format!("{pad}{}{pad}", xml_escape(&text, mask))))
}

/// One child of the root, as the service would send it: a known member with a value of
/// its kind (or not), or a well-formed element it does not know.
fn xml_member() -> impl Strategy<Value = Xml> {
    let word = |words: &'static [&'static str]| {
        (select(words), "[ \t\r\n]{0,2}")
            .prop_map(|(word, pad)| vec![Xml::Text(format!("{pad}{word}{pad}"))])
    };
    let data_child = prop_oneof![
        2 => word(&["success", "fail", "Success", "FAIL", "running", ""])
            .prop_map(|children| xml_element("Status", children)),
        2 => prop::collection::vec(xml_value(), 0..2).prop_map(|children| xml_element("Message", children)),
        1 => clean_xml_node(),
    ];
    prop_oneof![
        2 => word(&["true", "false", " true\n", "True", "1"])
            .prop_map(|children| xml_element("Success", children)),
        5 => (
            select(&["RequestId", "HostId", "Code", "ErrorCode", "Message", "ErrorMessage", "Recommend"][..]),
            prop::collection::vec(prop_oneof![4 => xml_value(), 1 => clean_xml_node()], 0..3),
        )
            .prop_map(|(name, children)| xml_element(name, children)),
        2 => prop::collection::vec(data_child, 0..4).prop_map(|children| xml_element("Data", children)),
        1 => prop::collection::vec(clean_xml_node(), 0..3)
            .prop_map(|children| xml_element("AccessDeniedDetail", children)),
        2 => clean_xml_node(),
    ]
}

/// The children of a root: known members at most once each, mostly.
fn xml_members() -> impl Strategy<Value = Vec<Xml>> {
    (
        prop::collection::vec(xml_member(), 0..8),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(members, distinct)| {
            let mut seen = std::collections::HashSet::new();
            members
                .into_iter()
                .filter(|member| match member {
                    Xml::Element { name, .. } if distinct && XML_NAMES.contains(&name.as_str()) => {
                        seen.insert(name.clone())
                    }
                    _ => true,
                })
                .collect()
        })
}

/// A well-formed element subtree, for the members a success may carry besides its own.
fn clean_xml_node() -> impl Strategy<Value = Xml> {
    let leaf = prop_oneof![
        3 => (tricky_text(), any::<u64>()).prop_map(|(text, mask)| Xml::Text(xml_escape(&text, mask))),
        1 => "[a-z <>&]{0,8}".prop_map(Xml::CData),
        1 => "[a-z <>&]{0,8}".prop_map(Xml::Comment),
        1 => (clean_xml_name(), any::<bool>()).prop_map(|(name, self_closing)| Xml::Element {
            name, attributes: String::new(), children: Vec::new(), self_closing,
        }),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        (
            clean_xml_name(),
            prop::collection::vec(inner, 0..4),
            any::<bool>(),
        )
            .prop_map(|(name, children, self_closing)| Xml::Element {
                name,
                attributes: String::new(),
                children,
                self_closing,
            })
    })
}

/// An element the parser does not know (no member name starts with `x`), holding anything
/// well-formed: a member name nested below it must be ignored.
fn unknown_xml_element() -> impl Strategy<Value = Xml> {
    (
        "x[a-zA-Z0-9_]{0,6}",
        prop::collection::vec(clean_xml_node(), 0..3),
    )
        .prop_map(|(name, children)| Xml::Element {
            name,
            attributes: String::new(),
            children,
            self_closing: true,
        })
}

/// A well-formed success, `<ActionResponse>` with `Success`, `RequestId` and `Data`, values
/// escaped in every way XML allows and padded with white space.
#[derive(Debug, Clone)]
struct XmlSuccess {
    declaration: bool,
    root: String,
    request_id: String,
    request_id_mask: u64,
    status_word: String,
    message: Option<(String, u64)>,
    pad: (String, String),
    extras: Vec<Xml>,
    data_extras: Vec<Xml>,
    comments: Vec<String>,
    order: u64,
}

fn xml_success() -> impl Strategy<Value = XmlSuccess> {
    (
        any::<bool>(),
        "[A-Z][A-Za-z]{0,12}Response",
        (tricky_text(), any::<u64>()),
        "[sS][uU][cC][cC][eE][sS][sS]",
        prop::option::of((tricky_text(), any::<u64>())),
        ("[ \t\r\n]{0,3}", "[ \t\r\n]{0,3}"),
        prop::collection::vec(unknown_xml_element(), 0..3),
        prop::collection::vec(unknown_xml_element(), 0..2),
        prop::collection::vec("[a-z <>&]{0,6}", 0..3),
        any::<u64>(),
    )
        .prop_map(
            |(
                declaration,
                root,
                (request_id, request_id_mask),
                status_word,
                message,
                pad,
                extras,
                data_extras,
                comments,
                order,
            )| XmlSuccess {
                declaration,
                root,
                request_id,
                request_id_mask,
                status_word,
                message,
                pad,
                extras,
                data_extras,
                comments,
                order,
            },
        )
}

impl XmlSuccess {
    /// What the parser must read a value back as: NUL dropped, XML white space trimmed.
    fn read_back(text: &str) -> String {
        text.replace('\0', "").trim_matches(is_xml_space).to_owned()
    }

    fn to_bytes(&self) -> Vec<u8> {
        let (before, after) = &self.pad;
        let member = |name: &str, value: String| Xml::Element {
            name: name.to_owned(),
            attributes: String::new(),
            children: vec![Xml::Text(format!("{before}{value}{after}"))],
            self_closing: false,
        };
        let mut data = vec![member("Status", self.status_word.clone())];
        if let Some((message, mask)) = &self.message {
            data.push(member("Message", xml_escape(message, *mask)));
        }
        data.extend(self.data_extras.iter().cloned());
        let mut members = vec![
            member("Success", "true".to_owned()),
            member(
                "RequestId",
                xml_escape(&self.request_id, self.request_id_mask),
            ),
            Xml::Element {
                name: "Data".to_owned(),
                attributes: String::new(),
                children: data,
                self_closing: false,
            },
        ];
        members.extend(self.extras.iter().cloned());
        members.extend(self.comments.iter().cloned().map(Xml::Comment));
        let children = shuffled(members.len(), self.order)
            .into_iter()
            .map(|index| members[index].clone())
            .collect();
        let mut out = if self.declaration {
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_owned()
        } else {
            String::new()
        };
        write_xml(
            &mut out,
            &Xml::Element {
                name: self.root.clone(),
                attributes: String::new(),
                children,
                self_closing: false,
            },
        );
        out.into_bytes()
    }
}

#[derive(Debug, Clone)]
enum XmlCase {
    Bytes(Vec<u8>),
    Document(XmlDocument),
    Success(XmlSuccess),
}

fn xml_case() -> impl Strategy<Value = XmlCase> {
    prop_oneof![
        1 => bytes(256).prop_map(XmlCase::Bytes),
        3 => xml_document().prop_map(XmlCase::Document),
        1 => xml_success().prop_map(XmlCase::Success),
    ]
}

// ---------------------------------------------------------------------------------------------
// Mutations of golden-ish bodies
// ---------------------------------------------------------------------------------------------

const SEEDS: &[&[u8]] = &[
    br#"{"Success":true,"RequestId":"0bc1411515937635973","Data":{"Status":"success","Message":""}}"#,
    br#"{"Success":true,"RequestId":"0bc1411515937635974","Data":{"Status":"fail","Message":"fileId:[100] is invalid."}}"#,
    br#"{"RequestId":"46C9F0B8-2E4A-5F3A-9E4D-1B2C3D4E5F60","HostId":"dataworks.cn-shanghai.aliyuncs.com","Code":"Forbidden.Access","Message":"User not authorized to operate on the specified resource.","Recommend":"https://api.aliyun.com/troubleshoot?q=Forbidden.Access&product=dataworks-public","AccessDeniedDetail":{"PolicyType":"AccountLevelIdentityBasedPolicy","AuthAction":"dataworks:DeleteDISyncTask"}}"#,
    br#"{"RequestId":"r-sig","HostId":"dataworks.aliyuncs.com","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3DLTAI%26SecurityToken%3DCAIS%252Bsecret%26Timestamp%3D2030"}"#,
    br#"{"Success":false,"ErrorCode":"Invalid.Tenant.ProjectNotExists","ErrorMessage":"The project \u0022x\u0022 does not exist.","RequestId":"r-old","Data":null}"#,
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteDISyncTaskResponse>\n  <Success>true</Success>\n  <RequestId>0bc1411515937635973</RequestId>\n  <Data>\n    <Status>success</Status>\n    <Message></Message>\n  </Data>\n</DeleteDISyncTaskResponse>\n",
    b"<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>r-x</RequestId><HostId>h</HostId><Code>Forbidden.RAM</Code><Message>a &amp; b &#x41; &lt;c&gt;</Message><Recommend><![CDATA[https://x/?a=1&b=2]]></Recommend><AccessDeniedDetail><PolicyType>Explicit</PolicyType><AuthAction>dataworks:Delete</AuthAction></AccessDeniedDetail><!-- c --></Error>",
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n",
];

/// Bytes that matter to the parsers, besides any byte at all.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        1 => any::<u8>(),
        1 => select(&b"{}[]<>\"'\\&;:,/!?-=# \t\r\n\0\x7f\x80\xbf\xc3\xe4\xed\xf0\xffuU0x"[..]),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, u8),
    Overwrite(Index, u8),
    Delete(Index, usize),
    Duplicate { from: Index, len: usize, to: Index },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), 0_u8..8).prop_map(|(at, bit)| Mutation::Flip(at, bit)),
        2 => (any::<Index>(), interesting_byte()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        2 => (any::<Index>(), interesting_byte()).prop_map(|(at, byte)| Mutation::Overwrite(at, byte)),
        1 => (any::<Index>(), 1_usize..16).prop_map(|(at, len)| Mutation::Delete(at, len)),
        1 => (any::<Index>(), 1_usize..32, any::<Index>())
            .prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
    ]
}

impl Mutation {
    fn apply(&self, body: &mut Vec<u8>) {
        let len = body.len();
        match self {
            Mutation::Insert(at, byte) => body.insert(at.index(len + 1), *byte),
            _ if len == 0 => {}
            Mutation::Truncate(at) => body.truncate(at.index(len)),
            Mutation::Flip(at, bit) => body[at.index(len)] ^= 1 << bit,
            Mutation::Overwrite(at, byte) => body[at.index(len)] = *byte,
            Mutation::Delete(at, count) => {
                let start = at.index(len);
                body.drain(start..(start + count).min(len));
            }
            Mutation::Duplicate {
                from,
                len: count,
                to,
            } => {
                let start = from.index(len);
                let slice = body[start..(start + count).min(len)].to_vec();
                let at = to.index(len + 1);
                body.splice(at..at, slice);
            }
        }
    }
}

fn any_content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        2 => select(JSON_TYPES).prop_map(|value| Some(value.to_owned())),
        2 => select(XML_TYPES).prop_map(|value| Some(value.to_owned())),
        2 => select(OTHER_TYPES).prop_map(|value| Some(value.to_owned())),
        1 => "[ -~]{0,24}".prop_map(Some),
    ]
}

// ---------------------------------------------------------------------------------------------
// Headers, and the signed request they are compared with
// ---------------------------------------------------------------------------------------------

/// The STS token of the signed requests; it must never show in an error.
const TOKEN_MARK: &str = "FUZZTOKENSECRET";

fn signed_request(version: SignatureVersion, sts: bool, unix_seconds: i64) -> SignedRequest {
    let mut credentials = Credentials::new("LTAI5tFuzzKeyId", "fuzz secret").unwrap();
    if sts {
        credentials = credentials
            .with_security_token(format!("CAIS+sts/{TOKEN_MARK}=="))
            .unwrap();
    }
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap();
    let request = DeleteDiSyncTask::new(10000, 100).to_rpc_request().unwrap();
    Signer::new(&credentials, &endpoint)
        .with_signature_version(version)
        .sign(
            &request,
            Timestamp::from_unix_seconds(unix_seconds).unwrap(),
            "8c1e3f6a0b9d4e27",
        )
        .unwrap()
}

/// Any header value `http` accepts: tab, visible ASCII, space and obs-text.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            1 => Just(b'\t'),
            8 => 0x20_u8..=0x7e,
            2 => 0x80_u8..=0xff,
        ],
        0..48,
    )
}

/// The last Unix second an HTTP date (and a `Timestamp`) can carry: 9999-12-31T23:59:59Z.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

#[derive(Debug, Clone)]
enum DateHeader {
    Absent,
    Valid(i64),
    Bytes(Vec<u8>),
}

fn date_header() -> impl Strategy<Value = DateHeader> {
    prop_oneof![
        1 => Just(DateHeader::Absent),
        3 => prop_oneof![
            0_i64..=MAX_UNIX_SECONDS,
            1_500_000_000_i64..2_100_000_000,
            Just(0_i64),
            Just(MAX_UNIX_SECONDS),
        ].prop_map(DateHeader::Valid),
        1 => header_bytes().prop_map(DateHeader::Bytes),
        1 => select(&[
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Mon, 31 Dec 9999 23:59:59 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sat, 01 Jan 10000 00:00:00 GMT",
            "Tue, 30 Feb 2021 00:00:00 GMT",
        ][..]).prop_map(|value| DateHeader::Bytes(value.as_bytes().to_vec())),
    ]
}

/// A numeric header: numbers in and out of range, signed, padded, or any bytes.
fn number_header() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::weighted(
        0.6,
        prop_oneof![
            3 => any::<u64>().prop_map(|value| value.to_string()),
            3 => (0_u32..100_000).prop_map(|value| value.to_string()),
            1 => any::<i64>().prop_map(|value| value.to_string()),
            1 => "[ \t]{0,2}[+-]?[0-9]{0,22}[ \t]{0,2}",
            1 => Just("18446744073709551616".to_owned()),
            1 => Just("4294967296".to_owned()),
        ]
        .prop_map(String::into_bytes)
        .boxed()
        .prop_union(header_bytes().boxed()),
    )
}

fn request_id_header() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::weighted(
        0.5,
        prop_oneof![
            2 => "[0-9A-F-]{0,40}".prop_map(String::into_bytes),
            1 => header_bytes(),
            1 => Just([&b"R".repeat(80)[..], b"\x80\t"].concat()),
        ],
    )
}

/// How the service's message ends after `server string to sign is:`.
#[derive(Debug, Clone)]
enum Quote {
    /// Our own string to sign: both sides signed the same string.
    Ours,
    /// Ours with one character replaced.
    OursEdited(Index, char),
    /// Ours, then more text.
    OursThen(String),
    /// Any text.
    Other(String),
    /// No marker at all.
    Missing,
}

#[derive(Debug, Clone)]
enum HeadersBody {
    /// A `SignatureDoesNotMatch` or `IncompleteSignature` error quoting a string to sign.
    Signature {
        code: &'static str,
        marker_case: u64,
        quote: Quote,
    },
    /// Any other service error, by code.
    Service(&'static str),
    /// A DataWorks answer with `Data.Status`.
    Answer(&'static str),
    Html,
    Bytes(Vec<u8>),
}

fn headers_body() -> impl Strategy<Value = HeadersBody> {
    let quote = prop_oneof![
        2 => Just(Quote::Ours),
        2 => (any::<Index>(), any::<char>()).prop_map(|(at, c)| Quote::OursEdited(at, c)),
        1 => tricky_text().prop_map(Quote::OursThen),
        2 => tricky_text().prop_map(Quote::Other),
        1 => Just(Quote::Missing),
    ];
    prop_oneof![
        4 => (
            select(&["SignatureDoesNotMatch", "IncompleteSignature"][..]),
            mask(),
            quote,
        )
            .prop_map(|(code, marker_case, quote)| HeadersBody::Signature { code, marker_case, quote }),
        3 => select(&[
            "InvalidTimeStamp.Expired",
            "Throttling.User",
            "ServiceUnavailable",
            "SignatureNonceUsed",
            "InvalidAccessKeyId.NotFound",
            "Forbidden.RAM",
            "Whatever",
        ][..]).prop_map(HeadersBody::Service),
        1 => select(&["success", "fail", "odd"][..]).prop_map(HeadersBody::Answer),
        1 => Just(HeadersBody::Html),
        1 => bytes(64).prop_map(HeadersBody::Bytes),
    ]
}

#[derive(Debug, Clone)]
struct HeadersCase {
    status: StatusCode,
    version: SignatureVersion,
    sts: bool,
    unix_seconds: i64,
    body: HeadersBody,
    xml: bool,
    body_request_id: bool,
    content_type: Option<Vec<u8>>,
    matching_content_type: bool,
    date: DateHeader,
    acs_retry_after: Option<Vec<u8>>,
    retry_after: Option<Vec<u8>>,
    request_id: Option<Vec<u8>>,
}

fn headers_case() -> impl Strategy<Value = HeadersCase> {
    (
        (
            prop_oneof![
                2 => select(&[400_u16, 403, 429, 500, 503, 200][..])
                    .prop_map(|status| StatusCode::from_u16(status).unwrap()),
                1 => status(),
            ],
            prop_oneof![Just(SignatureVersion::V1), Just(SignatureVersion::V3)],
            any::<bool>(),
            prop_oneof![0_i64..=MAX_UNIX_SECONDS, 1_500_000_000_i64..2_100_000_000],
            headers_body(),
            any::<bool>(),
            prop::bool::weighted(0.7),
        ),
        (
            prop::option::weighted(0.3, header_bytes()),
            prop::bool::weighted(0.7),
            date_header(),
            number_header(),
            number_header(),
            request_id_header(),
        ),
    )
        .prop_map(
            |(
                (status, version, sts, unix_seconds, body, xml, body_request_id),
                (
                    content_type,
                    matching_content_type,
                    date,
                    acs_retry_after,
                    retry_after,
                    request_id,
                ),
            )| HeadersCase {
                status,
                version,
                sts,
                unix_seconds,
                body,
                xml,
                body_request_id,
                content_type,
                matching_content_type,
                date,
                acs_retry_after,
                retry_after,
                request_id,
            },
        )
}

const SERVER_MARKER: &str = "server string to sign is:";

impl HeadersCase {
    fn message(&self, ours: &str) -> Option<String> {
        let HeadersBody::Signature {
            marker_case, quote, ..
        } = &self.body
        else {
            return None;
        };
        let marker: String = SERVER_MARKER
            .chars()
            .enumerate()
            .map(|(index, c)| {
                if bit(*marker_case, index) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        let quoted = match quote {
            Quote::Missing => {
                return Some("Specified signature is not matched with our calculation.".to_owned());
            }
            Quote::Ours => ours.to_owned(),
            Quote::OursEdited(at, c) => {
                let mut chars: Vec<char> = ours.chars().collect();
                let at = at.index(chars.len());
                chars[at] = *c;
                chars.into_iter().collect()
            }
            Quote::OursThen(more) => format!("{ours}{more}"),
            Quote::Other(text) => text.clone(),
        };
        Some(format!(
            "Specified signature is not matched with our calculation. {marker}{quoted}"
        ))
    }

    fn body(&self, ours: &str) -> Vec<u8> {
        let request_id = self.body_request_id.then_some("0bc1411515937635973");
        let (code, message, data_status) = match &self.body {
            HeadersBody::Signature { code, .. } => (Some(*code), self.message(ours), None),
            HeadersBody::Service(code) => (Some(*code), Some(format!("{code} happened")), None),
            HeadersBody::Answer(status) => (None, None, Some(*status)),
            HeadersBody::Html => return SEEDS[SEEDS.len() - 1].to_vec(),
            HeadersBody::Bytes(bytes) => return bytes.clone(),
        };
        if self.xml {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>");
            let mut member = |name: &str, value: &str| {
                out.push_str(&format!("<{name}>{}</{name}>", xml_escape(value, 0)));
            };
            if let Some(request_id) = request_id {
                member("RequestId", request_id);
            }
            if let Some(code) = code {
                member("Code", code);
            }
            if let Some(message) = &message {
                member("Message", message);
            }
            if let Some(status) = data_status {
                member("Success", "true");
                out.push_str(&format!(
                    "<Data><Status>{status}</Status><Message>task not found</Message></Data>"
                ));
            }
            out.push_str("</Error>");
            out.into_bytes()
        } else {
            let mut members = serde_json::Map::new();
            let mut member = |name: &str, value: serde_json::Value| {
                members.insert(name.to_owned(), value);
            };
            if let Some(request_id) = request_id {
                member("RequestId", request_id.into());
            }
            if let Some(code) = code {
                member("Code", code.into());
            }
            if let Some(message) = message {
                member("Message", message.into());
            }
            if let Some(status) = data_status {
                member("Success", true.into());
                member(
                    "Data",
                    serde_json::json!({ "Status": status, "Message": "task not found" }),
                );
            }
            serde_json::to_vec(&members).unwrap()
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut insert = |name: HeaderName, value: &[u8]| {
            headers.insert(name, HeaderValue::from_bytes(value).unwrap());
        };
        let content_type = if self.matching_content_type {
            Some(
                if self.xml {
                    "application/xml;charset=utf-8"
                } else {
                    "application/json;charset=utf-8"
                }
                .as_bytes()
                .to_vec(),
            )
        } else {
            self.content_type.clone()
        };
        if let Some(content_type) = &content_type {
            insert(header::CONTENT_TYPE, content_type);
        }
        match &self.date {
            DateHeader::Absent => {}
            DateHeader::Valid(unix_seconds) => insert(
                header::DATE,
                httpdate::fmt_http_date(unix_time(*unix_seconds)).as_bytes(),
            ),
            DateHeader::Bytes(bytes) => insert(header::DATE, bytes),
        }
        if let Some(value) = &self.acs_retry_after {
            insert(HeaderName::from_static("x-acs-retry-after"), value);
        }
        if let Some(value) = &self.retry_after {
            insert(header::RETRY_AFTER, value);
        }
        if let Some(value) = &self.request_id {
            insert(HeaderName::from_static("x-acs-request-id"), value);
        }
        headers
    }

    /// The wait the headers ask for, as documented on `ServiceError::retry_after`:
    /// `x-acs-retry-after` in milliseconds, else `Retry-After` in seconds; zero, negative or
    /// unreadable values count as absent.
    fn expected_retry_after(&self) -> Option<Duration> {
        // A header value reads as text when it is visible ASCII, spaces and tabs.
        let text = |value: &Option<Vec<u8>>| {
            let value = value.as_deref()?;
            value
                .iter()
                .all(|&byte| byte == b'\t' || (0x20..0x7f).contains(&byte))
                .then(|| String::from_utf8_lossy(value).trim().to_owned())
        };
        if let Some(millis) = text(&self.acs_retry_after)
            .and_then(|value| value.parse::<u64>().ok())
            .filter(|&millis| millis > 0)
        {
            return Some(Duration::from_millis(millis));
        }
        text(&self.retry_after)
            .and_then(|value| value.parse::<u32>().ok())
            .filter(|&seconds| seconds > 0)
            .map(|seconds| Duration::from_secs(u64::from(seconds)))
    }
}

fn unix_time(unix_seconds: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(unix_seconds).unwrap())
}

/// What the header paths promise, beyond what holds for any response.
fn check_headers_case(case: &HeadersCase, parsed: &[Parsed]) -> Result<(), TestCaseError> {
    for Parsed { op, result, .. } in parsed {
        let Err(error) = result else { continue };
        if let Some(service_error) = error.service_error() {
            prop_assert_eq!(
                service_error.retry_after,
                case.expected_retry_after(),
                "{}: retry hint",
                op
            );
        }
        match error {
            Error::ClockSkewed { skew_seconds, .. } => match case.date {
                DateHeader::Absent => prop_assert_eq!(*skew_seconds, None, "{}", op),
                DateHeader::Valid(server) => {
                    prop_assert_eq!(*skew_seconds, Some(server - case.unix_seconds), "{}", op);
                }
                DateHeader::Bytes(_) => {}
            },
            Error::SignatureMismatch { diagnosis, .. } => {
                prop_assert!(diagnosis.client_string_to_sign.is_some(), "{}", op);
                if let HeadersBody::Signature { quote, .. } = &case.body {
                    match quote {
                        Quote::Ours => {
                            prop_assert_eq!(diagnosis.cause, MismatchCause::WrongSecret, "{}", op);
                        }
                        Quote::Missing => prop_assert_eq!(
                            diagnosis.cause,
                            MismatchCause::ServerStringMissing,
                            "{}",
                            op
                        ),
                        Quote::OursEdited(..) | Quote::OursThen(_) | Quote::Other(_) => {}
                    }
                    // Echoes of our own string to sign keep the token out of the error.
                    if matches!(quote, Quote::Ours | Quote::Missing) {
                        let shown = format!("{error} {error:?}");
                        prop_assert!(
                            !shown.contains(TOKEN_MARK),
                            "{}: the security token shows in {}",
                            op,
                            shown
                        );
                    }
                }
                if let Some(first_difference) = diagnosis.first_difference {
                    let client = diagnosis
                        .client_string_to_sign
                        .as_deref()
                        .unwrap_or_default();
                    prop_assert!(first_difference <= client.len(), "{}", op);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The targets
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json(
        case in json_case(),
        status in status(),
        content_type in select(JSON_TYPES),
    ) {
        let body = match &case {
            JsonCase::Bytes(bytes) => bytes.clone(),
            JsonCase::Document(document, pretty) => json_bytes(document, *pretty),
            JsonCase::Success(success) => success.to_bytes(),
        };
        let http = response(status, with_content_type(Some(content_type)), body.clone());
        let parsed = parse_and_check(&http, None)?;
        let round_trips = status.is_success() && std::str::from_utf8(&body).is_ok();
        if let (JsonCase::Success(success), true) = (&case, round_trips) {
            check_round_trip(
                &parsed,
                Format::Json,
                &success.request_id.text,
                success.message.as_ref().map(|message| message.text.as_str()),
                &body,
            )?;
        }
    }

    #[test]
    fn xml(
        case in xml_case(),
        status in status(),
        content_type in select(XML_TYPES),
    ) {
        let body = match &case {
            XmlCase::Bytes(bytes) => bytes.clone(),
            XmlCase::Document(document) => document.to_bytes(),
            XmlCase::Success(success) => success.to_bytes(),
        };
        let http = response(status, with_content_type(Some(content_type)), body.clone());
        let parsed = parse_and_check(&http, None)?;
        if let (XmlCase::Success(success), true) = (&case, status.is_success()) {
            let message = success
                .message
                .as_ref()
                .map(|(message, _)| XmlSuccess::read_back(message));
            check_round_trip(
                &parsed,
                Format::Xml,
                &XmlSuccess::read_back(&success.request_id),
                message.as_deref(),
                &body,
            )?;
        }
    }

    #[test]
    fn mutations(
        seed in select(SEEDS),
        mutations in prop::collection::vec(mutation(), 1..6),
        content_type in any_content_type(),
        status in status(),
    ) {
        let mut body = seed.to_vec();
        for mutation in &mutations {
            mutation.apply(&mut body);
        }
        let http = response(status, with_content_type(content_type.as_deref()), body);
        parse_and_check(&http, None)?;
    }

    #[test]
    fn headers(case in headers_case()) {
        let request = signed_request(case.version, case.sts, case.unix_seconds);
        let body = case.body(request.signature().string_to_sign());
        let http = response(case.status, case.headers(), body);
        let parsed = parse_and_check(&http, Some(&request))?;
        check_headers_case(&case, &parsed)?;
        // Without the request, the same response must read the same way, minus the diagnosis.
        parse_and_check(&http, None)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal inputs of the bugs the properties found, kept as regression tests
// ---------------------------------------------------------------------------------------------

/// The snippet of a 502 `text/plain` body `body`, as `DeleteDISyncTask` reports it.
fn snippet_of(body: &[u8]) -> String {
    let http = response(
        StatusCode::BAD_GATEWAY,
        with_content_type(Some("text/plain")),
        body.to_vec(),
    );
    match DeleteDiSyncTask::new(10000, 100).parse_response(&http, &ResponseContext::new()) {
        Err(Error::UnexpectedResponse(unexpected)) => unexpected.snippet,
        other => panic!("not an UnexpectedResponse: {other:?}"),
    }
}

#[test]
fn snippet_stays_bounded_when_a_space_lands_on_the_limit() {
    // 159 characters, a space, 10 more: the snippet once kept all 170 characters.
    let body = [&b"a".repeat(159)[..], b" ", &b"b".repeat(10)[..]].concat();
    let snippet = snippet_of(&body);
    assert!(
        snippet.chars().count() <= SNIPPET_MAX_CHARS,
        "{} characters: {snippet:?}",
        snippet.chars().count()
    );
}

#[test]
fn snippet_stays_bounded_after_redaction() {
    // `x` once became `<redacted>` after the cut at 160 characters: 170 in all.
    let body = [&b"SecurityToken=x&"[..], &b"b".repeat(300)[..]].concat();
    let snippet = snippet_of(&body);
    assert!(
        snippet.chars().count() <= SNIPPET_MAX_CHARS,
        "{} characters: {snippet:?}",
        snippet.chars().count()
    );
}

#[test]
fn typed_operations_reject_json_that_is_not_utf8() {
    let body =
        b"{\"Success\":true,\"RequestId\":\"r\",\"Data\":{\"Status\":\"success\"},\"x\":\"\xff\"}";
    let http = response(
        StatusCode::OK,
        with_content_type(Some("application/json")),
        body.to_vec(),
    );
    let result = DeleteDiSyncTask::new(10000, 100).parse_response(&http, &ResponseContext::new());
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn tokens_are_redacted_from_every_text_of_an_answer() {
    // Only `Message` was redacted: a token in another member reached the error's Debug
    // (found by the `response` fuzz target).
    let token = "CAIS.Regression%2BToken";
    let error_body = format!(
        r#"{{"RequestId":"SecurityToken={token}","HostId":"SecurityToken={token}","Code":"SecurityToken={token}","Message":"m","Recommend":"https://x/?q=1&SecurityToken={token}","AccessDeniedDetail":{{"SecurityToken":"{token}"}}}}"#
    );
    let fail_body = format!(
        r#"{{"RequestId":"r","Success":true,"Data":{{"Status":"fail","Message":"SecurityToken={token}&a=b"}}}}"#
    );
    for (status, body) in [
        (StatusCode::FORBIDDEN, error_body),
        (StatusCode::OK, fail_body),
    ] {
        let http = response(
            status,
            with_content_type(Some("application/json")),
            body.into_bytes(),
        );
        let error = DeleteDiSyncTask::new(10000, 100)
            .parse_response(&http, &ResponseContext::new())
            .unwrap_err();
        let shown = format!("{error}\n{error:?}");
        assert!(!shown.contains(token), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}

#[test]
fn tokens_are_redacted_from_a_parser_message() {
    // quick-xml quotes a mismatched end tag, which held the V1 string to sign with its
    // token (found by the `response` fuzz target).
    let body = b"<Error><Code>x</E%26SecurityToken%3DCAIS%252BTok%26X%3D1></Error>";
    let http = response(
        StatusCode::BAD_REQUEST,
        with_content_type(Some("text/xml")),
        body.to_vec(),
    );
    let error = DeleteDiSyncTask::new(10000, 100)
        .parse_response(&http, &ResponseContext::new())
        .unwrap_err();
    let shown = format!("{error}\n{error:?}");
    assert!(matches!(error, Error::UnexpectedResponse(_)), "{shown}");
    assert!(!shown.contains("CAIS%252BTok"), "{shown}");
}
