//! The emulator's targets: `emulator_request` (any request through the gateway and the
//! service) and `emulator_signature` (requests signed by di-proto must pass the gateway, and
//! any change to one must not).

use arbitrary::{Result, Unstructured};
use di_emulator::{Config, DEMO_ACCESS_KEY_SECRET, Responder};
use di_proto::http::{self, HeaderName, HeaderValue, Method, StatusCode};
use di_proto::internals::encode::{percent_decode, percent_encode};
use di_proto::ops::{Operation, RpcResponse};
use di_proto::{
    Credentials, Endpoint, Error, Format, ParamLocation, ResponseContext, RpcRequest,
    SignatureVersion, SignedRequest, Signer, Timestamp,
};

use crate::generate::{self, ACCESS_KEY_ID, PLANTED_SECRET, PLANTED_TOKEN};
use crate::http_text;

/// The emulator's clock in every case: the corpus requests are signed at this time.
pub(crate) const NOW: &str = "2030-07-02T18:41:00Z";
/// The endpoint the corpus and the drawn requests are signed for.
pub(crate) const ENDPOINT: &str = "http://127.0.0.1:8080";
/// The actions the emulator serves.
pub(crate) const ACTIONS: [&str; 3] = [
    "DeleteDISyncTask",
    "TerminateDISyncInstance",
    "GetDISyncInstanceInfo",
];

/// The codes only the service (past the gateway) answers with: a parameter it refuses, a
/// required one of the served actions missing or empty (`Missing{Name}`), or a workspace the
/// caller may not touch.
const SERVICE_CODES: [&str; 5] = [
    "Param.Invalid",
    "MissingFileId",
    "MissingProjectId",
    "MissingTaskType",
    "Forbidden.Access",
];

fn now() -> Timestamp {
    Timestamp::parse(NOW).unwrap_or_else(|_| unreachable!("NOW is a valid timestamp"))
}

/// A fresh emulator: the demo key, the planted key and token, the default tasks. Fresh for
/// every case, so that a case's outcome depends on its input alone.
pub(crate) fn responder() -> Responder {
    Responder::new(
        Config::default()
            .with_access_key(ACCESS_KEY_ID, PLANTED_SECRET, &[])
            .with_sts_token(PLANTED_TOKEN),
    )
}

/// The planted credentials, with the planted token or without.
pub(crate) fn credentials(with_token: bool) -> Credentials {
    let credentials = Credentials::new(ACCESS_KEY_ID, PLANTED_SECRET)
        .unwrap_or_else(|_| unreachable!("the planted credentials are valid"));
    if with_token {
        credentials
            .with_security_token(PLANTED_TOKEN)
            .unwrap_or_else(|_| unreachable!("the planted token is valid"))
    } else {
        credentials
    }
}

/// Runs one request through the emulator. The input is a raw request
/// (`POST /?... HTTP/1.1`, headers, body; the corpus holds real signed ones), or else bytes
/// from which one is drawn (method, query and form pairs, encoded well or not, headers).
///
/// Properties: the answer is 200 or a 4xx in the gateway's format, with `Date`, a
/// `RequestId` and a code di-proto classifies; no AccessKey secret in it unless the request
/// carried it; a request that passed the gateway is refused when replayed.
pub fn emulator_request(data: &[u8]) {
    let request = match http_text::read_request(data) {
        Some(request) => request,
        None => match drawn_request(&mut Unstructured::new(data)) {
            Ok(Some(request)) => request,
            Ok(None) | Err(_) => return,
        },
    };
    let emulator = responder();
    let answer = emulator.respond(request.clone(), now());
    let passed_gateway = check_answer(&request, &answer);
    if passed_gateway {
        let replayed = emulator.respond(request.clone(), now());
        assert_eq!(
            code_of(&replayed).as_deref(),
            Some("SignatureNonceUsed"),
            "a replayed request was not refused: {replayed:?}"
        );
    }
}

const PARAM_NAMES: &[&str] = &[
    "Action",
    "Version",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Format",
    "SecurityToken",
    "ProjectId",
    "FileId",
    "TaskType",
];

const PARAM_VALUES: &[&str] = &[
    "DeleteDISyncTask",
    "TerminateDISyncInstance",
    "GetDISyncInstanceInfo",
    "2020-05-18",
    "LTAI5tDemoAccessKeyId",
    "LTAI5tFuzzAccessKeyId",
    "HMAC-SHA1",
    "1.0",
    "2030-07-02T18:41:00Z",
    "2030-07-02T18:26:00Z",
    "JSON",
    "XML",
    "10000",
    "100",
    "-1",
    "99999999999999999999",
    "DI_REALTIME",
    "CAIS.FuzzPlanted%2BSts%2FToken%3D%3D",
    "%FF",
    "%",
    "%2",
    "a+b",
];

const REQUEST_HEADERS: &[&str] = &[
    "authorization",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
    "x-acs-accesskey-id",
    "content-type",
    "accept",
    "host",
];

const HEADER_VALUES: &[&str] = &[
    "ACS3-HMAC-SHA256 Credential=LTAI5tFuzzAccessKeyId,SignedHeaders=host;x-acs-action,Signature=00",
    "ACS3-HMAC-SHA256 Credential=a,Credential=b",
    "ACS3-HMAC-SHA256 ",
    "DeleteDISyncTask",
    "2020-05-18",
    "2030-07-02T18:41:00Z",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "application/x-www-form-urlencoded",
    "application/json",
    "application/xml",
    "127.0.0.1:8080",
    "CAIS.FuzzPlanted+Sts/Token==",
];

/// A query or form string of drawn pairs; names and values raw (so possibly badly encoded).
fn pairs(u: &mut Unstructured<'_>) -> Result<String> {
    let mut out = String::new();
    for index in 0..u.int_in_range(0..=10)? {
        if index > 0 {
            out.push_str(if u.ratio(1, 16)? { "&&" } else { "&" });
        }
        if u.ratio(7, 8)? {
            out.push_str(u.choose(PARAM_NAMES)?);
        } else {
            out.push_str(&percent_encode(&generate::text(u)?));
        }
        if u.ratio(1, 16)? {
            continue;
        }
        out.push('=');
        match u.int_in_range(0..=3)? {
            0 | 1 => out.push_str(u.choose(PARAM_VALUES)?),
            2 => out.push_str(&percent_encode(&generate::text(u)?)),
            _ => out.push_str(&generate::text(u)?),
        }
    }
    Ok(out)
}

fn drawn_request(u: &mut Unstructured<'_>) -> Result<Option<http::Request<Vec<u8>>>> {
    let method = *u.choose(&["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])?;
    let path = *u.choose(&["/", "/", "/", "//", "/x/../"])?;
    let query = pairs(u)?;
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("{path}?{query}"));
    for _ in 0..u.int_in_range(0..=8)? {
        let name = HeaderName::from_static(u.choose(REQUEST_HEADERS)?);
        let value = if u.arbitrary()? {
            u.choose(HEADER_VALUES)?.to_string()
        } else {
            generate::text(u)?
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            builder = builder.header(name, value);
        }
    }
    let body = if u.arbitrary()? {
        pairs(u)?.into_bytes()
    } else {
        u.arbitrary()?
    };
    Ok(builder.body(body).ok())
}

/// Checks what holds for any answer; says whether the request passed the gateway (it got 200
/// or a service-level refusal).
fn check_answer(request: &http::Request<Vec<u8>>, answer: &http::Response<Vec<u8>>) -> bool {
    let status = answer.status();
    assert!(
        matches!(status.as_u16(), 200 | 400 | 403 | 404),
        "unexpected HTTP status {status} for {request:?}"
    );
    assert!(
        answer.headers().contains_key(http::header::DATE),
        "no Date in {answer:?}"
    );
    let sent = format!("{request:?}{}", String::from_utf8_lossy(request.body()));
    let body = String::from_utf8_lossy(answer.body());
    for secret in [PLANTED_SECRET, DEMO_ACCESS_KEY_SECRET] {
        if !sent.contains(secret) {
            assert!(!body.contains(secret), "a secret in the answer: {body}");
        }
    }
    let parsed = read(answer);
    match &parsed {
        Ok(response) => {
            assert_eq!(status, StatusCode::OK, "Ok for {status}");
            assert!(!response.request_id.is_empty(), "no RequestId: {body}");
            true
        }
        Err(error) => {
            let service = error.service_error().unwrap_or_else(|| {
                panic!("the emulator's answer is not the gateway's format: {error:?}\n{body}")
            });
            assert!(!service.code.is_empty(), "no code: {body}");
            assert!(service.request_id.is_some(), "no RequestId: {body}");
            assert_ne!(status, StatusCode::OK, "an error code with 200: {body}");
            SERVICE_CODES.contains(&service.code.as_str())
        }
    }
}

fn read(answer: &http::Response<Vec<u8>>) -> std::result::Result<RpcResponse, Error> {
    RpcRequest::new("DeleteDISyncTask", "2020-05-18")
        .parse_response(answer, &ResponseContext::new())
}

fn code_of(answer: &http::Response<Vec<u8>>) -> Option<String> {
    read(answer)
        .err()
        .and_then(|error| error.service_error().map(|service| service.code.clone()))
}

/// A call drawn from the input, as the signer takes it.
struct DrawnCall {
    request: RpcRequest,
    version: SignatureVersion,
    format: Format,
    with_token: bool,
    /// Seconds between the request's time and the emulator's clock, within its window.
    skew: i64,
    nonce: String,
}

fn drawn_call(u: &mut Unstructured<'_>) -> Result<DrawnCall> {
    let action = *u.choose(&ACTIONS)?;
    let method = if u.arbitrary()? {
        Method::POST
    } else {
        Method::GET
    };
    let mut request = RpcRequest::new(action, "2020-05-18").with_method(method.clone());
    let mut params: Vec<(String, String)> = Vec::new();
    for (name, usual) in [
        ("ProjectId", "10000"),
        ("FileId", "100"),
        ("TaskType", "DI_REALTIME"),
    ] {
        if u.ratio(15, 16)? {
            let value = if u.ratio(3, 4)? {
                usual.to_owned()
            } else {
                generate::text(u)?
            };
            params.push((name.to_owned(), value));
        }
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let name = if u.arbitrary()? {
            format!("Extra{}", u.int_in_range(0..=9)?)
        } else {
            generate::text(u)?
        };
        params.push((name, generate::text(u)?));
    }
    for (name, value) in params {
        let location = if method == Method::POST && u.arbitrary()? {
            ParamLocation::Body
        } else {
            ParamLocation::Query
        };
        request = request.param(name, value, location);
    }
    let nonce = if u.ratio(3, 4)? {
        di_proto::nonce_from_bytes(u.arbitrary()?)
    } else {
        generate::text(u)?
    };
    Ok(DrawnCall {
        request,
        version: if u.arbitrary()? {
            SignatureVersion::V1
        } else {
            SignatureVersion::V3
        },
        format: if u.arbitrary()? {
            Format::Json
        } else {
            Format::Xml
        },
        with_token: u.arbitrary()?,
        skew: u.int_in_range(-900..=900)?,
        nonce,
    })
}

/// Whether `data` draws a call that di-proto signs (the corpus keeps such inputs).
pub(crate) fn signs(data: &[u8]) -> bool {
    drawn_call(&mut Unstructured::new(data))
        .ok()
        .and_then(|call| sign(&call))
        .is_some()
}

fn sign(call: &DrawnCall) -> Option<SignedRequest> {
    let credentials = credentials(call.with_token);
    let endpoint = Endpoint::parse(ENDPOINT).ok()?;
    let time = now().checked_add_seconds(call.skew).ok()?;
    Signer::new(&credentials, &endpoint)
        .with_signature_version(call.version)
        .with_format(call.format)
        .sign(&call.request, time, &call.nonce)
        .ok()
}

/// Signs a call drawn from the input with di-proto (V1 or V3, query or form parameters, any
/// values, STS token or not, any time within the window) and checks that the emulator's
/// gateway accepts it, that a replay is refused, and that the request changed in any signed
/// part (a parameter's value, a parameter added, removed or repeated, the method, a signed
/// header, the body, the signature) is refused.
pub fn emulator_signature(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(call) = drawn_call(&mut u) else {
        return;
    };
    // Calls the signer refuses (a reserved or empty name, a repeated one, a bad nonce) are
    // not sent; their refusal is di-proto's own property, tested there.
    let Some(signed) = sign(&call) else {
        return;
    };
    let request = signed.request().clone();
    let emulator = responder();
    let answer = emulator.respond(request.clone(), now());
    assert!(
        check_answer(&request, &answer),
        "a request signed by di-proto was refused: {}\n{}",
        String::from_utf8_lossy(&http_text::write_request(&request)),
        String::from_utf8_lossy(answer.body())
    );
    let replayed = emulator.respond(request.clone(), now());
    assert_eq!(code_of(&replayed).as_deref(), Some("SignatureNonceUsed"));

    let Ok(tamper) = Tamper::draw(&mut u) else {
        return;
    };
    let Some(changed) = tamper.apply(&request) else {
        return;
    };
    let answer = responder().respond(changed.clone(), now());
    check_answer(&changed, &answer);
    assert!(
        !answer.status().is_success(),
        "{tamper:?}: a changed request was accepted:\n{}\nfrom:\n{}",
        String::from_utf8_lossy(&http_text::write_request(&changed)),
        String::from_utf8_lossy(&http_text::write_request(&request)),
    );
}

/// One change to a signed part of a request.
#[derive(Debug)]
enum Tamper {
    /// Changes the value of the pair at this index (query pairs, then form pairs).
    Value(usize),
    /// Removes the pair at this index.
    Remove(usize),
    /// Repeats the pair at this index, with the same value or with another.
    Repeat(usize, bool),
    /// Adds a pair with a new name, in the query or in the form.
    Add(bool),
    /// Swaps GET and POST.
    Method,
    /// Changes one signed header's value, or adds an `x-acs-` header.
    Header(usize),
    /// Appends to the body.
    Body,
    /// Changes one character of the signature.
    Signature(usize),
}

impl Tamper {
    fn draw(u: &mut Unstructured<'_>) -> Result<Self> {
        let index = u.int_in_range(0..=63)?;
        Ok(match u.int_in_range(0..=7)? {
            0 => Tamper::Value(index),
            1 => Tamper::Remove(index),
            2 => Tamper::Repeat(index, u.arbitrary()?),
            3 => Tamper::Add(u.arbitrary()?),
            4 => Tamper::Method,
            5 => Tamper::Header(index),
            6 => Tamper::Body,
            _ => Tamper::Signature(index),
        })
    }

    /// The changed request; `None` when this change does not apply to it.
    fn apply(&self, request: &http::Request<Vec<u8>>) -> Option<http::Request<Vec<u8>>> {
        let mut changed = request.clone();
        let query = request.uri().query().unwrap_or_default();
        let mut query: Vec<String> = split_pairs(query);
        let form = !request.body().is_empty();
        let mut body: Vec<String> = split_pairs(std::str::from_utf8(request.body()).ok()?);
        let pair_at = |index: usize, query: &mut Vec<String>, body: &mut Vec<String>| {
            let total = query.len() + body.len();
            if total == 0 {
                return None;
            }
            let index = index % total;
            Some(if index < query.len() {
                (true, index)
            } else {
                (false, index - query.len())
            })
        };
        match *self {
            Tamper::Value(index) => {
                let (in_query, at) = pair_at(index, &mut query, &mut body)?;
                let list = if in_query { &mut query } else { &mut body };
                let (name, value) = list[at].split_once('=')?;
                let value = percent_decode(value)?;
                list[at] = format!("{name}={}", percent_encode(&format!("{value}x")));
            }
            Tamper::Remove(index) => {
                let (in_query, at) = pair_at(index, &mut query, &mut body)?;
                if in_query {
                    query.remove(at);
                } else {
                    body.remove(at);
                }
            }
            Tamper::Repeat(index, same) => {
                let (in_query, at) = pair_at(index, &mut query, &mut body)?;
                let list = if in_query { &mut query } else { &mut body };
                let pair = list[at].clone();
                let repeated = if same {
                    pair
                } else {
                    format!("{}=other", pair.split_once('=')?.0)
                };
                list.push(repeated);
            }
            Tamper::Add(in_query) => {
                let pair = "FuzzAddedName=1".to_owned();
                if in_query || !form {
                    query.push(pair);
                } else {
                    body.push(pair);
                }
            }
            Tamper::Method => {
                *changed.method_mut() = if request.method() == Method::GET {
                    Method::POST
                } else {
                    Method::GET
                };
            }
            Tamper::Header(index) => {
                let headers = changed.headers_mut();
                let signed: Vec<HeaderName> = headers
                    .keys()
                    .filter(|name| {
                        let name = name.as_str();
                        name.starts_with("x-acs-") || name == "host"
                    })
                    .cloned()
                    .collect();
                if request.headers().contains_key(http::header::AUTHORIZATION) && index % 4 == 0 {
                    headers.insert("x-acs-fuzz-added", HeaderValue::from_static("1"));
                } else {
                    // V1 signs no header: only V3 requests take this change.
                    if !request.headers().contains_key(http::header::AUTHORIZATION) {
                        return None;
                    }
                    let name = signed.get(index % signed.len().max(1))?.clone();
                    let value = headers.get(&name)?.to_str().ok()?;
                    let value = HeaderValue::from_str(&format!("{value}0")).ok()?;
                    headers.insert(name, value);
                }
            }
            Tamper::Body => {
                if !form {
                    return None;
                }
                changed.body_mut().extend_from_slice(b"&FuzzAddedName=1");
                return Some(changed);
            }
            Tamper::Signature(index) => {
                if let Some(authorization) = request.headers().get(http::header::AUTHORIZATION) {
                    let text = authorization.to_str().ok()?;
                    let at = text.find("Signature=")? + "Signature=".len();
                    let value = change_char(text, at + index % (text.len() - at).max(1))?;
                    changed.headers_mut().insert(
                        http::header::AUTHORIZATION,
                        HeaderValue::from_str(&value).ok()?,
                    );
                    return Some(changed);
                }
                let at = query
                    .iter()
                    .position(|pair| pair.starts_with("Signature="))?;
                let pair = &query[at];
                let start = "Signature=".len();
                query[at] = change_char(pair, start + index % (pair.len() - start).max(1))?;
            }
        }
        let path = request.uri().path();
        let uri = format!(
            "{}://{}{path}?{}",
            request.uri().scheme_str().unwrap_or("http"),
            request.uri().authority()?,
            query.join("&")
        );
        *changed.uri_mut() = uri.parse().ok()?;
        if form {
            *changed.body_mut() = body.join("&").into_bytes();
        }
        Some(changed)
    }
}

fn split_pairs(text: &str) -> Vec<String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `text` with the character at byte `at` (an ASCII one) replaced by another; percent
/// escapes are left whole, so the change is to the decoded value too.
fn change_char(text: &str, at: usize) -> Option<String> {
    let byte = *text.as_bytes().get(at)?;
    if !byte.is_ascii_alphanumeric() {
        return None;
    }
    let replacement = if byte == b'A' { 'B' } else { 'A' };
    let mut changed = text.to_owned();
    changed.replace_range(at..=at, &replacement.to_string());
    Some(changed)
}
