//! The `response` target: any HTTP answer through every operation's `parse_response` and the
//! retry bookkeeping, with the properties every outcome keeps.

use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::{Result, Unstructured};
use di_proto::http::{self, HeaderName, HeaderValue, StatusCode};
use di_proto::internals::Attempts;
use di_proto::ops::{
    ChangeOutcome, ChangeResponse, DeleteDiSyncTask, Operation, RpcResponse,
    TerminateDiSyncInstance,
};
use di_proto::retry::{Idempotency, RetryPolicy};
use di_proto::{
    Credentials, Endpoint, Error, Format, ResponseContext, RpcRequest, SignatureVersion,
    SignedRequest, Signer, Timestamp,
};

use crate::generate::{self, ACCESS_KEY_ID, PLANTED_SECRET, PLANTED_TOKEN};
use crate::http_text;

/// The longest `UnexpectedResponse::snippet`: 160 characters and an ellipsis.
const SNIPPET_MAX_CHARS: usize = 161;

/// The STS token of the golden responses that echo one.
const GOLDEN_TOKEN: &str = "CAIS+Pl4ntedSt5Tok3n/InFile==";

/// di-proto's redaction rules: a marker, and what must stand right before it (`None`: the
/// start of the text). A token right after one of these in an error's text must have been
/// replaced by `<redacted>`.
const REDACTION_MARKERS: &[(&str, &[Option<&str>])] = &[
    ("SecurityToken%3D", &[None, Some("%26"), Some("&")]),
    ("SecurityToken=", &[None, Some("&"), Some("?")]),
    ("x-acs-security-token:", &[None, Some("\n")]),
    (
        "\"SecurityToken\":\"",
        &[None, Some("{"), Some(","), Some(" ")],
    ),
];

/// Runs one response through every operation. The input is a raw HTTP answer as the golden
/// files store it (`HTTP/1.1 ...`), or else bytes from which one is drawn (status, headers,
/// content type, a JSON, XML or raw body).
pub fn response(data: &[u8]) {
    let response = if data.starts_with(b"HTTP/") {
        http_text::read_response(data)
    } else {
        match drawn(&mut Unstructured::new(data)) {
            Ok(response) => response,
            Err(_) => return,
        }
    };
    check(&response);
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json;charset=utf-8",
    "Application/JSON; charset=UTF-8",
    "text/json",
    "application/problem+json",
    "application/xml",
    "text/xml;charset=utf-8",
    "application/atom+xml",
    "text/html; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    ";",
    "+json",
];

const HEADER_NAMES: &[&str] = &[
    "date",
    "x-acs-retry-after",
    "retry-after",
    "x-acs-request-id",
    "content-type",
];

const HEADER_VALUES: &[&str] = &[
    "Tue, 02 Jul 2030 18:40:55 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "0",
    "1500",
    "-1",
    "18446744073709551616",
    "2.5",
    "req-1",
];

fn drawn(u: &mut Unstructured<'_>) -> Result<http::Response<Vec<u8>>> {
    let status = if u.ratio(3, 4)? {
        *u.choose(&[200_u16, 200, 200, 400, 403, 404, 429, 500, 502, 503])?
    } else {
        u.int_in_range(100..=999)?
    };
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let format = u.int_in_range(0..=3)?;
    let content_type = match (format, u.int_in_range(0..=7)?) {
        (_, 0) => None,
        (_, 1) => Some(generate::text(u)?),
        (0, _) => Some(u.choose(&CONTENT_TYPES[..5])?.to_string()),
        (1, _) => Some(u.choose(&CONTENT_TYPES[5..8])?.to_string()),
        _ => Some(u.choose(CONTENT_TYPES)?.to_string()),
    };
    let headers = response.headers_mut();
    if let Some(value) = content_type.and_then(|text| HeaderValue::from_str(&text).ok()) {
        headers.insert(http::header::CONTENT_TYPE, value);
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let name = HeaderName::from_static(u.choose(HEADER_NAMES)?);
        let value = if u.arbitrary()? {
            u.choose(HEADER_VALUES)?.to_string()
        } else {
            generate::text(u)?
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    *response.body_mut() = match format {
        0 => generate::json_body(u)?,
        1 => generate::xml_body(u)?,
        _ => u.arbitrary()?,
    };
    Ok(response)
}

/// The signed requests a response's context may hold: V1 and V3, both with the planted token.
fn signed_requests() -> &'static [SignedRequest; 2] {
    static SIGNED: OnceLock<[SignedRequest; 2]> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let sign = |version, format| {
            let credentials = Credentials::new(ACCESS_KEY_ID, PLANTED_SECRET)
                .and_then(|credentials| credentials.with_security_token(PLANTED_TOKEN))
                .expect("the planted credentials are valid");
            let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com")
                .expect("the endpoint is valid");
            let time = Timestamp::parse("2030-07-02T18:40:54Z").expect("the time is valid");
            let request = DeleteDiSyncTask::new(10000, 100)
                .to_rpc_request()
                .expect("the operation is valid");
            Signer::new(&credentials, &endpoint)
                .with_signature_version(version)
                .with_format(format)
                .sign(&request, time, "d763593649e88dbbf92e52edf7ad6b7f")
                .expect("the request signs")
        };
        [
            sign(SignatureVersion::V1, Format::Json),
            sign(SignatureVersion::V3, Format::Xml),
        ]
    })
}

/// What one operation made of the response.
#[derive(Debug)]
enum Output {
    Teardown(ChangeResponse),
    Rpc(RpcResponse),
}

fn check(response: &http::Response<Vec<u8>>) {
    let [v1, v3] = signed_requests();
    let contexts = [
        (ResponseContext::new(), false),
        (
            ResponseContext::new()
                .with_request(v1)
                .with_prior_outcome_unknown(true),
            true,
        ),
        (ResponseContext::new().with_request(v3), false),
    ];
    let planted = Planted::of(response);
    let rpc = RpcRequest::new("DescribeDISyncTask", "2020-05-18").query_param("ProjectId", "1");
    for (context, prior_outcome_unknown) in &contexts {
        let results = [
            (
                "DeleteDISyncTask",
                DeleteDiSyncTask::new(10000, 100)
                    .parse_response(response, context)
                    .map(Output::Teardown),
            ),
            (
                "TerminateDISyncInstance",
                TerminateDiSyncInstance::new(10000, 100)
                    .parse_response(response, context)
                    .map(Output::Teardown),
            ),
            (
                "RpcRequest",
                rpc.parse_response(response, context).map(Output::Rpc),
            ),
        ];
        for (op, result) in results {
            let at = format!("{op} (prior outcome unknown: {prior_outcome_unknown})");
            match result {
                Ok(output) => check_output(response, *prior_outcome_unknown, &output, &at),
                Err(error) => {
                    check_error(response.status(), *prior_outcome_unknown, &error, &at);
                    planted.check_absent(&error, &at);
                    check_retry(response, &error);
                }
            }
        }
    }
}

fn check_output(
    response: &http::Response<Vec<u8>>,
    prior_outcome_unknown: bool,
    output: &Output,
    at: &str,
) {
    assert!(
        response.status().is_success(),
        "{at}: Ok for HTTP {}: {output:?}",
        response.status()
    );
    assert!(
        std::str::from_utf8(response.body()).is_ok(),
        "{at}: Ok for a body that is not UTF-8: {output:?}"
    );
    match output {
        Output::Teardown(teardown) => {
            if let ChangeOutcome::AlreadyDone { .. } = teardown.outcome {
                assert!(
                    prior_outcome_unknown,
                    "{at}: AlreadyDone without an unknown prior outcome"
                );
            }
        }
        Output::Rpc(rpc) => {
            assert_eq!(rpc.status, response.status(), "{at}");
            assert_eq!(rpc.body.as_bytes(), &response.body()[..], "{at}");
        }
    }
}

fn check_error(status: StatusCode, prior_outcome_unknown: bool, error: &Error, at: &str) {
    match error {
        Error::TaskFailed(failure) => {
            assert!(status.is_success(), "{at}: TaskFailed for HTTP {status}");
            assert_eq!(failure.after_unknown_outcome, prior_outcome_unknown, "{at}");
            assert_eq!(error.http_status(), Some(StatusCode::OK), "{at}");
        }
        Error::UnexpectedResponse(unexpected) => {
            assert_eq!(unexpected.status, status, "{at}");
            assert_eq!(error.http_status(), Some(status), "{at}");
            let snippet = &unexpected.snippet;
            assert!(
                snippet.chars().count() <= SNIPPET_MAX_CHARS,
                "{at}: snippet of {} characters: {snippet:?}",
                snippet.chars().count()
            );
            assert!(
                !snippet.chars().any(char::is_control),
                "{at}: control character in snippet {snippet:?}"
            );
        }
        _ => {
            let service_error = error.service_error();
            assert!(
                service_error.is_some(),
                "{at}: a response gave a non-response error: {error:?}"
            );
            assert_eq!(
                service_error.map(|error| error.status),
                Some(status),
                "{at}"
            );
            assert_eq!(error.http_status(), Some(status), "{at}");
        }
    }
    let shown = error.to_string();
    assert!(!shown.is_empty(), "{at}: empty Display of {error:?}");
    assert!(
        !shown.chars().any(char::is_control),
        "{at}: control character in {shown:?}"
    );
}

/// The retry bookkeeping reads the same response: it must decide, whatever the headers.
fn check_retry(response: &http::Response<Vec<u8>>, error: &Error) {
    let mut attempts = Attempts::new(RetryPolicy::default(), Idempotency::Idempotent);
    if let Ok(time) = Timestamp::parse("2030-07-02T18:40:54Z") {
        let _ = attempts.start_attempt(time);
    }
    attempts.observe_response(response.headers());
    let _ = attempts.clock_offset();
    let _ = attempts.after_error(error, Duration::from_millis(5), u64::MAX);
}

/// What an error may not show: a security token (the one planted in the context's requests,
/// or the golden files' one) right after a redaction marker, or the planted AccessKey secret
/// unless the input carries it.
struct Planted {
    /// `Debug` texts that give a token away: a redaction marker, with what precedes it, and
    /// a token in one of its forms (raw, percent-encoded once, twice), all as `Debug` shows
    /// them (a text's start is the opening quote of a field's or an `Option`'s string).
    leaks: &'static [String],
    /// Whether the input holds the AccessKey secret, which may then come back.
    secret_in_input: bool,
}

/// `text` as `Debug` shows it inside a string, without the quotes.
fn escaped(text: &str) -> String {
    let debug = format!("{text:?}");
    debug[1..debug.len() - 1].to_owned()
}

impl Planted {
    fn of(response: &http::Response<Vec<u8>>) -> Self {
        let bytes = |bytes: &[u8]| {
            bytes
                .windows(PLANTED_SECRET.len())
                .any(|window| window == PLANTED_SECRET.as_bytes())
        };
        let secret_in_input = bytes(response.body())
            || response
                .headers()
                .values()
                .any(|value| bytes(value.as_bytes()));
        Planted {
            leaks: Self::leaks(),
            secret_in_input,
        }
    }

    /// The leaks, made once.
    fn leaks() -> &'static [String] {
        static LEAKS: OnceLock<Vec<String>> = OnceLock::new();
        LEAKS.get_or_init(|| {
            let mut leaks = Vec::new();
            for token in [PLANTED_TOKEN, GOLDEN_TOKEN] {
                let once = di_proto::internals::encode::percent_encode(token);
                let twice = di_proto::internals::encode::percent_encode(&once);
                for form in [token, &once, &twice] {
                    for (marker, preceded_by) in REDACTION_MARKERS {
                        for before in *preceded_by {
                            // A text's start, in `Debug`: a field's string or an `Option`'s.
                            let befores = before.map_or_else(
                                || vec![": \"".to_owned(), "(\"".to_owned()],
                                |before| vec![escaped(before)],
                            );
                            for before in befores {
                                leaks.push(format!("{before}{}{form}", escaped(marker)));
                            }
                        }
                    }
                }
            }
            leaks
        })
    }

    fn check_absent(&self, error: &Error, at: &str) {
        let debug = format!("{error:?}");
        // Every token form holds this; most errors show none.
        let any_token = debug.contains("Pl4nted") || debug.contains("FuzzPlanted");
        for leak in self.leaks.iter().filter(|_| any_token) {
            assert!(
                !debug.contains(leak.as_str()),
                "{at}: a token is shown where it must be redacted ({leak}): {debug}"
            );
        }
        if !self.secret_in_input {
            let shown = format!("{error}\n{debug}");
            assert!(
                !shown.contains(PLANTED_SECRET),
                "{at}: the AccessKey secret is shown: {shown}"
            );
        }
    }
}
