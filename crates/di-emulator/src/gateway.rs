//! The gateway checks, in the gateway's order: the request's shape, common parameters, action
//! and version, timestamp window, AccessKey, STS token, signature, nonce replay.
//!
//! Signatures are recomputed with di-proto's own signer ([`di_proto::sign`]) from what the
//! request carries, and compared in constant time.

use std::collections::HashMap;

use bytes::Bytes;
use di_proto::Credentials;
use di_proto::Timestamp;
use di_proto::http::{HeaderMap, Method, StatusCode};
use di_proto::internals::{v1, v3};
use percent_encoding::percent_decode;
use subtle::ConstantTimeEq;

use crate::render::Format;
use crate::state::Shared;

/// The only API version served.
pub(crate) const VERSION: &str = "2020-05-18";
/// The actions served, each with its contract ([`crate::contract::CONTRACTS`], in the same
/// order).
pub(crate) const ACTIONS: [&str; 16] = [
    "DeleteDISyncTask",
    "TerminateDISyncInstance",
    "GetDISyncInstanceInfo",
    "StopDISyncInstance",
    "StartDISyncInstance",
    "DeployDISyncTask",
    "GetDISyncTask",
    "CreateDISyncTask",
    "UpdateDISyncTask",
    "GenerateDISyncTaskConfigForCreating",
    "GenerateDISyncTaskConfigForUpdating",
    "QueryDISyncTaskConfigProcessResult",
    "ListRefDISyncTasks",
    "ListFiles",
    "GetFile",
    "ListFolders",
];
/// How far a request time may be from the emulator's clock, in seconds.
pub(crate) const TIME_WINDOW_SECONDS: i64 = 15 * 60;
/// The longest STS token accepted, in bytes.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A gateway refusal: HTTP status, error code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    fn invalid_parameter(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, "InvalidParameter", message)
    }

    /// A required parameter (or header) `name` missing: `Missing{name}` for a parameter,
    /// `MissingParameter` for a header.
    pub(crate) fn missing(name: &str) -> Self {
        let code = if name.starts_with("x-acs-") || name == "Authorization" {
            "MissingParameter".to_owned()
        } else {
            format!("Missing{name}")
        };
        Refusal::new(
            StatusCode::BAD_REQUEST,
            code,
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    /// Neither `first` nor `second` given, where one of them is required: `MissingParameter`.
    pub(crate) fn missing_either(first: &str, second: &str) -> Self {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!(
                "The input parameter \"{first}\" or \"{second}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    fn incomplete_signature(message: &str) -> Self {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards. {message}"),
        )
    }

    fn signature_mismatch(server_string_to_sign: &str) -> Self {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{server_string_to_sign}"
            ),
        )
    }
}

/// A request that passed the gateway.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) action: String,
    /// The API parameters (common ones removed), decoded.
    pub(crate) params: HashMap<String, String>,
    /// The AccessKey id that signed it.
    pub(crate) access_key_id: String,
}

/// The answer format a request asks for, read before any check so that refusals use it too:
/// V1 `Format` (XML when absent, as the gateway does), V3 `Accept` (JSON unless it names XML).
pub(crate) fn requested_format(headers: &HeaderMap, query: Option<&str>) -> Format {
    if is_v3(headers) {
        let accept = headers
            .get(http::header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        return if accept.contains("xml") && !accept.contains("json") {
            Format::Xml
        } else {
            Format::Json
        };
    }
    let format = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("Format="))
        .unwrap_or_default();
    if format.eq_ignore_ascii_case("json") {
        Format::Json
    } else {
        Format::Xml
    }
}

fn is_v3(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes().starts_with(b"ACS3-"))
}

/// Runs every gateway check on `request` at time `now`.
pub(crate) fn verify(
    shared: &Shared,
    request: &http::Request<Bytes>,
    now: Timestamp,
) -> Result<Verified, Refusal> {
    if !matches!(*request.method(), Method::GET | Method::POST | Method::PUT) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedHTTPMethod",
            format!(
                "Specified http method {} is not supported.",
                request.method()
            ),
        ));
    }
    // No cap on the query's length of our own: no documented gateway limit says there is one,
    // and the official SDKs send an UpdateDISyncTask script in the query. What bounds it is
    // the `http` crate's `Uri`, which holds at most 65,534 bytes: over the server, hyper
    // answers a longer request target with 414 before the emulator sees the request.
    let query = request.uri().query().unwrap_or_default();
    let mut params = decode_pairs(query.as_bytes())?;
    if is_form(request.headers()) {
        params.extend(decode_pairs(request.body())?);
    }
    let mut seen: Vec<&str> = params.iter().map(|(name, _)| name.as_str()).collect();
    seen.sort_unstable();
    if let Some(pair) = seen.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(Refusal::invalid_parameter(format!(
            "The parameter \"{}\" is given more than once.",
            pair[0]
        )));
    }
    if is_v3(request.headers()) {
        verify_v3(shared, request, params, now)
    } else {
        verify_v1(shared, request, params, now)
    }
}

/// The query's and the form body's parameters, decoded.
pub(crate) fn all_params(request: &http::Request<Bytes>) -> Result<Vec<(String, String)>, Refusal> {
    let mut params = decode_pairs(request.uri().query().unwrap_or_default().as_bytes())?;
    if is_form(request.headers()) {
        params.extend(decode_pairs(request.body())?);
    }
    Ok(params)
}

/// Whether AccessKey `access_key_id` (a configured one, or a temporary one STS issued) may act
/// on workspace `project_id`.
pub(crate) fn may_access(shared: &Shared, access_key_id: &str, project_id: i64) -> bool {
    let projects = shared
        .config
        .access_keys
        .iter()
        .find(|(id, _, _)| id == access_key_id)
        .map(|(_, _, projects)| projects.clone())
        .or_else(|| crate::sts::issued_projects(shared, access_key_id));
    projects.is_some_and(|projects| projects.is_empty() || projects.contains(&project_id))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Decodes one name or value of a query or form body: `+` is a space, escapes must give
/// UTF-8.
fn decode_component(part: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = part
        .iter()
        .map(|&byte| if byte == b'+' { b' ' } else { byte })
        .collect();
    let bytes: Vec<u8> = percent_decode(&spaced).collect();
    String::from_utf8(bytes).ok()
}

/// The raw `(name, value)` pairs of `a=b&c=d`, not decoded; empty pairs skipped.
fn raw_pairs(raw: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    raw.split(|&byte| byte == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|&byte| byte == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        })
}

/// Decodes `a=b&c=d` strictly: `+` is a space, escapes must give UTF-8.
fn decode_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, Refusal> {
    let decode = |part: &[u8]| {
        decode_component(part).ok_or_else(|| {
            Refusal::invalid_parameter("A parameter name or value is not UTF-8 once decoded.")
        })
    };
    raw_pairs(raw)
        .map(|(name, value)| Ok((decode(name)?, decode(value)?)))
        .collect()
}

/// The action `request` names, read as the gateway reads it, before any check (for the log
/// and for the faults aimed at one action): the `x-acs-action` header of a V3 request; else
/// the `Action` parameter of the query or, for a form, of the body (`body`, when read), or
/// failing that the header. `None` when it is missing, given more than once, not UTF-8 once
/// decoded, or not a plausible action name (ASCII letters and digits, at most 64 bytes).
/// Never panics, whatever the request.
pub(crate) fn action_of(
    headers: &HeaderMap,
    query: Option<&str>,
    body: Option<&[u8]>,
) -> Option<String> {
    let header = || {
        headers
            .get("x-acs-action")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let action = if is_v3(headers) {
        header()
    } else {
        let form = body.filter(|_| is_form(headers)).unwrap_or_default();
        let mut values = raw_pairs(query.unwrap_or_default().as_bytes())
            .chain(raw_pairs(form))
            .filter(|(name, _)| decode_component(name).is_some_and(|name| name == "Action"))
            .map(|(_, value)| value);
        match (values.next(), values.next()) {
            (Some(value), None) => decode_component(value),
            (Some(_), Some(_)) => None,
            (None, _) => header(),
        }
    };
    action.filter(|action| {
        !action.is_empty()
            && action.len() <= 64
            && action.bytes().all(|byte| byte.is_ascii_alphanumeric())
    })
}

fn take(params: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let index = params.iter().position(|(key, _)| key == name)?;
    Some(params.swap_remove(index).1)
}

fn check_action_and_version(action: &str, version: &str) -> Result<(), Refusal> {
    if crate::sts::is_sts_action(action, version) {
        return Ok(());
    }
    if !ACTIONS.contains(&action) {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    if version != VERSION {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        ));
    }
    Ok(())
}

pub(crate) fn check_time(text: &str, now: Timestamp) -> Result<(), Refusal> {
    let time = Timestamp::parse(text).map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
    })?;
    if (time.unix_seconds() - now.unix_seconds()).abs() > TIME_WINDOW_SECONDS {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    Ok(())
}

/// The credentials of `access_key_id`, with `token` checked.
fn credentials(
    shared: &Shared,
    access_key_id: &str,
    token: Option<&str>,
    now: Timestamp,
) -> Result<Credentials, Refusal> {
    if let Some(secret) = crate::sts::issued_secret(shared, access_key_id, token, now)? {
        let malformed = || {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "InvalidSecurityToken.Malformed",
                "The security token you provided is malformed.",
            )
        };
        return Credentials::new(access_key_id, secret)
            .and_then(|credentials| credentials.with_security_token(token.unwrap_or_default()))
            .map_err(|_| malformed());
    }
    let Some((_, secret, _)) = shared
        .config
        .access_keys
        .iter()
        .find(|(id, _, _)| id == access_key_id)
    else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    };
    let malformed = || {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.Malformed",
            "The security token you provided is malformed.",
        )
    };
    let mut credentials = Credentials::new(access_key_id, secret).map_err(|_| malformed())?;
    if let Some(token) = token {
        if token.is_empty()
            || token.len() > MAX_TOKEN_BYTES
            || !token.bytes().all(|byte| byte.is_ascii_graphic())
        {
            return Err(malformed());
        }
        if !shared.config.sts_tokens.iter().any(|known| known == token) {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "InvalidSecurityToken.Expired",
                "The security token you provided has expired.",
            ));
        }
        credentials = credentials
            .with_security_token(token)
            .map_err(|_| malformed())?;
    }
    Ok(credentials)
}

/// Records `nonce`, refusing one seen within the time window.
fn check_nonce(shared: &Shared, nonce: &str, now: Timestamp) -> Result<(), Refusal> {
    let mut nonces = shared
        .nonces
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let now = now.unix_seconds();
    if nonces.len() > 100_000 {
        nonces.retain(|_, seen| now - *seen <= TIME_WINDOW_SECONDS);
    }
    match nonces.get(nonce) {
        Some(seen) if now - *seen <= TIME_WINDOW_SECONDS => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        )),
        _ => {
            nonces.insert(nonce.to_owned(), now);
            Ok(())
        }
    }
}

pub(crate) fn equal_in_constant_time(left: &str, right: &str) -> bool {
    left.as_bytes().ct_eq(right.as_bytes()).into()
}

fn verify_v1(
    shared: &Shared,
    request: &http::Request<Bytes>,
    mut params: Vec<(String, String)>,
    now: Timestamp,
) -> Result<Verified, Refusal> {
    for name in [
        "Action",
        "Version",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "Timestamp",
    ] {
        if !params.iter().any(|(key, _)| key == name) {
            return Err(Refusal::missing(name));
        }
    }
    let signature = take(&mut params, "Signature").unwrap_or_default();
    let lookup = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let (action, version) = (lookup("Action"), lookup("Version"));
    check_action_and_version(&action, &version)?;
    if lookup("SignatureMethod") != "HMAC-SHA1" {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "InvalidSignatureMethod",
            "Specified signature method is not supported.",
        ));
    }
    if let Some((_, version)) = params.iter().find(|(key, _)| key == "SignatureVersion")
        && version != "1.0"
    {
        return Err(Refusal::invalid_parameter(
            "Specified parameter SignatureVersion is not valid.",
        ));
    }
    check_time(&lookup("Timestamp"), now)?;
    let access_key_id = lookup("AccessKeyId");
    let token = params
        .iter()
        .find(|(key, _)| key == "SecurityToken")
        .map(|(_, value)| value.clone());
    let credentials = credentials(shared, &access_key_id, token.as_deref(), now)?;

    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let expected = v1::sign(request.method(), &pairs, &credentials)
        .map_err(|error| Refusal::invalid_parameter(error.to_string()))?;
    if !equal_in_constant_time(expected.signature(), &signature) {
        return Err(Refusal::signature_mismatch(expected.string_to_sign()));
    }
    check_nonce(shared, &lookup("SignatureNonce"), now)?;

    let mut api = HashMap::new();
    for (name, value) in params {
        if !COMMON_V1.contains(&name.as_str()) {
            api.insert(name, value);
        }
    }
    Ok(Verified {
        action,
        params: api,
        access_key_id,
    })
}

/// The common parameters of V1, which are not API parameters.
const COMMON_V1: [&str; 12] = [
    "AccessKeyId",
    "Action",
    "Format",
    "RegionId",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureType",
    "SignatureVersion",
    "Timestamp",
    "Version",
];

/// `Credential=...,SignedHeaders=...,Signature=...` of a V3 `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, Refusal> {
    let rest = value
        .strip_prefix(v3::ALGORITHM)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| Refusal::incomplete_signature("The algorithm must be ACS3-HMAC-SHA256."))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=').ok_or_else(|| {
            Refusal::incomplete_signature("The Authorization header is malformed.")
        })?;
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(Refusal::incomplete_signature(
                    "The Authorization header has an unknown part.",
                ));
            }
        };
        if slot.replace(value).is_some() {
            return Err(Refusal::incomplete_signature(
                "The Authorization header repeats a part.",
            ));
        }
    }
    match (credential, signed_headers, signature) {
        (Some(access_key_id), Some(signed_headers), Some(signature))
            if !access_key_id.is_empty() && !signature.is_empty() =>
        {
            Ok(Authorization {
                access_key_id,
                signed_headers: signed_headers.split(';').collect(),
                signature,
            })
        }
        _ => Err(Refusal::incomplete_signature(
            "Credential, SignedHeaders and Signature are required.",
        )),
    }
}

fn header<'r>(headers: &'r HeaderMap, name: &str) -> Result<Option<&'r str>, Refusal> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(Some).map_err(|_| {
            Refusal::invalid_parameter(format!("The header \"{name}\" is not visible ASCII."))
        }),
    }
}

fn verify_v3(
    shared: &Shared,
    request: &http::Request<Bytes>,
    params: Vec<(String, String)>,
    now: Timestamp,
) -> Result<Verified, Refusal> {
    let headers = request.headers();
    let mut required = Vec::with_capacity(6);
    for name in [
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        required.push(header(headers, name)?.ok_or_else(|| Refusal::missing(name))?);
    }
    let [action, version, date, nonce, content_sha256] = required[..] else {
        return Err(Refusal::missing("x-acs-action"));
    };
    check_action_and_version(action, version)?;
    check_time(date, now)?;
    let authorization = header(headers, "authorization")?.unwrap_or_default();
    let authorization = parse_authorization(authorization)?;
    let token = header(headers, "x-acs-security-token")?;
    let credentials = credentials(shared, authorization.access_key_id, token, now)?;

    // Every x-acs- header and the host must be signed, so that none can be changed on the way.
    for name in headers.keys() {
        let name = name.as_str();
        if (name.starts_with("x-acs-") || name == "host")
            && !authorization.signed_headers.contains(&name)
        {
            return Err(Refusal::incomplete_signature(&format!(
                "The header \"{name}\" must be signed."
            )));
        }
    }
    let mut signed = Vec::with_capacity(authorization.signed_headers.len());
    for &name in &authorization.signed_headers {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                Refusal::invalid_parameter(format!("The header \"{name}\" is not visible ASCII."))
            })?;
        if values.is_empty() {
            return Err(Refusal::incomplete_signature(&format!(
                "The signed header \"{name}\" is missing."
            )));
        }
        signed.push((name, values.join(",")));
    }
    let signed: Vec<(&str, &str)> = signed
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let body_sha256 = v3::payload_sha256(request.body());
    let query: Vec<(&str, &str)> = request_query(&params, request);
    let expected = v3::sign(
        &v3::V3Input {
            method: request.method(),
            pathname: request.uri().path(),
            query: &query,
            headers: &signed,
            payload_sha256: content_sha256,
        },
        &credentials,
    )
    .map_err(|error| Refusal::incomplete_signature(&error.to_string()))?;
    if !equal_in_constant_time(expected.signature(), authorization.signature)
        || !equal_in_constant_time(&body_sha256, content_sha256)
    {
        return Err(Refusal::signature_mismatch(expected.string_to_sign()));
    }
    check_nonce(shared, nonce, now)?;

    Ok(Verified {
        action: action.to_owned(),
        params: params.into_iter().collect(),
        access_key_id: authorization.access_key_id.to_owned(),
    })
}

/// The query part of `params` (V3 signs the query, not the form body): the first pairs, as
/// many as the query string holds.
fn request_query<'p>(
    params: &'p [(String, String)],
    request: &http::Request<Bytes>,
) -> Vec<(&'p str, &'p str)> {
    let in_query = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .count();
    params
        .iter()
        .take(in_query)
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use serde_json::Value;

    // The golden vectors made with the official SDKs' signing functions, copied into this
    // repository with their source (see di-proto's tests/data/vectors/SOURCE.md).
    const V1: &str = include_str!("../../di-proto/tests/data/vectors/v1.jsonl");
    const V3: &str = include_str!("../../di-proto/tests/data/vectors/v3.jsonl");

    /// The vectors whose requests were sent on the wire, for the actions served here.
    fn wire_vectors(text: &str, kind: &str) -> Vec<Value> {
        text.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .filter(|vector| vector["kind"] == kind)
            .filter(|vector| {
                let action = vector["action"].as_str().unwrap_or_default();
                ACTIONS.contains(&action)
            })
            .collect()
    }

    fn shared_for(vector: &Value) -> Shared {
        let mut config = Config::default().without_access_keys().with_access_key(
            vector["access_key_id"].as_str().unwrap(),
            vector["secret"].as_str().unwrap(),
            &[],
        );
        if let Some(token) = vector["security_token"].as_str() {
            config = config.with_sts_token(token);
        }
        Shared::new(config)
    }

    fn request(vector: &Value, headers: &serde_json::Map<String, Value>) -> http::Request<Bytes> {
        let wire = &vector["wire"];
        let mut builder = http::Request::builder()
            .method(vector["method"].as_str().unwrap())
            .uri(format!("/?{}", wire["query_string"].as_str().unwrap()));
        for (name, value) in headers {
            builder = builder.header(name, value.as_str().unwrap());
        }
        if let Some(content_type) = wire["content_type"].as_str()
            && !headers.contains_key("content-type")
        {
            builder = builder.header("content-type", content_type);
        }
        let body = wire["body"].as_str().unwrap_or_default().to_owned();
        builder.body(Bytes::from(body)).unwrap()
    }

    /// Changes the last character of `needle`'s first occurrence in `text` to another one.
    fn change_one_byte(text: &str, needle: &str) -> String {
        let at = text.find(needle).unwrap() + needle.len() - 1;
        let replacement = if &text[at..=at] == "0" { "1" } else { "0" };
        format!("{}{}{}", &text[..at], replacement, &text[at + 1..])
    }

    fn assert_mismatch(result: Result<Verified, Refusal>, id: &str) {
        match result {
            Err(refusal) => assert_eq!(refusal.code, "SignatureDoesNotMatch", "{id}"),
            Ok(_) => panic!("{id}: a changed request was accepted"),
        }
    }

    #[test]
    fn accepts_official_v1_requests_and_refuses_them_changed() {
        let vectors = wire_vectors(V1, "randomized");
        assert!(vectors.len() >= 60, "{}", vectors.len());
        for vector in &vectors {
            let id = vector["id"].as_str().unwrap();
            let now = Timestamp::parse(vector["timestamp"].as_str().unwrap()).unwrap();
            let original = request(vector, &serde_json::Map::new());
            let verified = verify(&shared_for(vector), &original, now);
            assert!(verified.is_ok(), "{id}: {verified:?}");

            let nonce = vector["nonce"].as_str().unwrap();
            let mut changed = original.clone();
            let uri = change_one_byte(&original.uri().to_string(), nonce);
            *changed.uri_mut() = uri.parse().unwrap();
            assert_mismatch(verify(&shared_for(vector), &changed, now), id);
        }
    }

    #[test]
    fn accepts_official_v3_requests_and_refuses_them_changed() {
        let vectors = wire_vectors(V3, "randomized-tea-client-wire");
        assert_eq!(vectors.len(), 50);
        for vector in &vectors {
            let id = vector["id"].as_str().unwrap();
            let headers = vector["headers"].as_object().unwrap().clone();
            let mut with_authorization = headers.clone();
            with_authorization.insert(
                "authorization".to_owned(),
                vector["expected_authorization"].clone(),
            );
            let now = Timestamp::parse(vector["x_acs_date"].as_str().unwrap()).unwrap();
            let original = request(vector, &with_authorization);
            let verified = verify(&shared_for(vector), &original, now);
            assert!(verified.is_ok(), "{id}: {verified:?}");

            let mut changed_headers = with_authorization.clone();
            let nonce = vector["nonce"].as_str().unwrap();
            changed_headers.insert(
                "x-acs-signature-nonce".to_owned(),
                Value::String(change_one_byte(nonce, nonce)),
            );
            assert_mismatch(
                verify(&shared_for(vector), &request(vector, &changed_headers), now),
                id,
            );
        }
    }

    #[test]
    fn reads_the_action_as_the_gateway_does_never_panicking() {
        const FORM: &str = "application/x-www-form-urlencoded";
        /// Query, headers, body, and the action read.
        type Case = (
            &'static str,
            &'static [(&'static str, &'static str)],
            &'static str,
            Option<&'static str>,
        );
        let cases: [Case; 16] = [
            // V1: the query, or a form body.
            (
                "Action=DeleteDISyncTask&Format=JSON",
                &[],
                "",
                Some("DeleteDISyncTask"),
            ),
            (
                "Format=JSON&Action=%44eleteDISyncTask",
                &[],
                "",
                Some("DeleteDISyncTask"),
            ),
            ("%41ction=GetDISyncTask", &[], "", Some("GetDISyncTask")),
            (
                "Format=JSON",
                &[("content-type", FORM)],
                "Action=StopDISyncInstance",
                Some("StopDISyncInstance"),
            ),
            // A body that is not a form is not read.
            ("Format=JSON", &[], "Action=StopDISyncInstance", None),
            // Given twice, empty, not UTF-8, not a name: none.
            (
                "Action=GetDISyncTask",
                &[("content-type", FORM)],
                "Action=DeleteDISyncTask",
                None,
            ),
            ("Action=A&Action=A", &[], "", None),
            ("Action=", &[], "", None),
            ("Action=%FF", &[], "", None),
            ("Action=Delete+Task", &[], "", None),
            ("Action=a%0Ab", &[], "", None),
            // V3: the header, whatever the query says.
            (
                "Action=GetDISyncTask",
                &[
                    ("authorization", "ACS3-HMAC-SHA256 x"),
                    ("x-acs-action", "TerminateDISyncInstance"),
                ],
                "",
                Some("TerminateDISyncInstance"),
            ),
            (
                "Action=GetDISyncTask",
                &[("authorization", "ACS3-HMAC-SHA256 x")],
                "",
                None,
            ),
            // Unsigned, without a parameter: the header.
            (
                "",
                &[("x-acs-action", "AssumeRoleWithOIDC")],
                "",
                Some("AssumeRoleWithOIDC"),
            ),
            ("&&=&%", &[], "", None),
            ("", &[("x-acs-action", "Delete DISyncTask")], "", None),
        ];
        for (query, headers, body, expected) in cases {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, value.parse().unwrap());
            }
            assert_eq!(
                action_of(&map, Some(query), Some(body.as_bytes())).as_deref(),
                expected,
                "{query:?} {headers:?} {body:?}"
            );
        }
        let long = format!("Action={}", "A".repeat(65));
        assert_eq!(action_of(&HeaderMap::new(), Some(&long), None), None);
        assert_eq!(action_of(&HeaderMap::new(), None, None), None);
        let mut binary = HeaderMap::new();
        binary.insert(
            "x-acs-action",
            http::HeaderValue::from_bytes(b"\xffA").unwrap(),
        );
        assert_eq!(action_of(&binary, None, None), None);
    }
}
