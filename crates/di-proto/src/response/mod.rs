//! Reading a response: JSON or XML, a success or a service error, or a body that is not the
//! service's at all.
//!
//! [`read`] is the one entry point the operations share. It picks the format from
//! `Content-Type` (or, when there is none, from the first byte), parses with [`json`] or
//! [`xml`] into the same [`Fields`], and turns anything that is not a success into the
//! matching [`Error`] variant. The operations then read their own fields from the success.

mod diagnosis;
mod json;
pub(crate) mod tree;
mod xml;

pub use diagnosis::{MismatchCause, SignatureDiagnosis};

use std::borrow::Cow;
use std::time::Duration;

use http::header::{CONTENT_TYPE, DATE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, StatusCode};

use crate::error::{BodyProblem, ServiceError, UnexpectedResponse};
use crate::{Error, Format, Signature, SignedRequest, Timestamp};

const X_ACS_REQUEST_ID: HeaderName = HeaderName::from_static("x-acs-request-id");
const X_ACS_RETRY_AFTER: HeaderName = HeaderName::from_static("x-acs-retry-after");

/// The longest snippet of a foreign body kept in an error, in characters.
const SNIPPET_CHARS: usize = 160;

/// What the parser knows about the attempt that got a response.
///
/// Every part is optional, and a parse without them is still correct; they add diagnosis:
///
/// - the signature lets a `SignatureDoesNotMatch` answer be compared with our string to sign,
///   and the request time lets an `InvalidTimeStamp.Expired` answer measure the clock skew;
/// - `prior_outcome_unknown` says that an earlier attempt of the same call was sent but got
///   no answer, so that a teardown which finds its task gone can report it done.
///
/// [`crate::retry::Attempts::context`] and [`crate::flow::CallFlow`] build it for a retry loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseContext<'a> {
    signature: Option<&'a Signature>,
    request_time: Option<Timestamp>,
    prior_outcome_unknown: bool,
}

impl<'a> ResponseContext<'a> {
    /// A context that knows nothing about the attempt.
    pub fn new() -> Self {
        ResponseContext::default()
    }

    /// Adds the signed request this response answers.
    #[must_use]
    pub fn with_request(self, request: &'a SignedRequest) -> Self {
        self.with_signature(request.signature(), request.timestamp())
    }

    /// Adds the signature and the signing time of the request this response answers, for
    /// callers that took the [`SignedRequest`] apart to send it.
    #[must_use]
    pub fn with_signature(mut self, signature: &'a Signature, request_time: Timestamp) -> Self {
        self.signature = Some(signature);
        self.request_time = Some(request_time);
        self
    }

    /// Says whether an earlier attempt of this call may have taken effect unseen.
    #[must_use]
    pub fn with_prior_outcome_unknown(mut self, prior_outcome_unknown: bool) -> Self {
        self.prior_outcome_unknown = prior_outcome_unknown;
        self
    }

    /// The signature of the request this response answers, when known.
    pub fn signature(&self) -> Option<&'a Signature> {
        self.signature
    }

    /// The time the request was signed with, when known.
    pub fn request_time(&self) -> Option<Timestamp> {
        self.request_time
    }

    /// Whether an earlier attempt of this call may have taken effect unseen.
    pub fn prior_outcome_unknown(&self) -> bool {
        self.prior_outcome_unknown
    }
}

/// The fields di-proto reads from any answer, JSON or XML.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields<'a> {
    pub(crate) success: Option<bool>,
    pub(crate) request_id: Option<Cow<'a, str>>,
    pub(crate) host_id: Option<Cow<'a, str>>,
    pub(crate) code: Option<Cow<'a, str>>,
    pub(crate) message: Option<Cow<'a, str>>,
    pub(crate) recommend: Option<Cow<'a, str>>,
    /// `HttpStatusCode`: the status some DataWorks answers (`ListFiles`, `GetFile`, ...)
    /// state in the body, as its text.
    pub(crate) http_status_code: Option<Cow<'a, str>>,
    pub(crate) access_denied_detail: Option<String>,
    pub(crate) data_status: Option<Cow<'a, str>>,
    pub(crate) data_message: Option<Cow<'a, str>>,
    /// `Data.FileId` (`CreateDISyncTask`), as its text.
    pub(crate) data_file_id: Option<Cow<'a, str>>,
    /// `Data.Name` (`GetDISyncInstanceInfo`).
    pub(crate) data_name: Option<Cow<'a, str>>,
}

impl Fields<'_> {
    /// Redacts security tokens from every text the service sent ([`redact_secrets`]), before
    /// they make an error, and so its `Debug` or `Display`. `message` stays whole here:
    /// the signature diagnosis reads the server's string to sign in it; [`service_error`]
    /// redacts it.
    fn redact_secrets(&mut self) {
        for field in [
            &mut self.request_id,
            &mut self.host_id,
            &mut self.code,
            &mut self.recommend,
            &mut self.data_status,
            &mut self.data_message,
        ] {
            if let Some(Cow::Owned(redacted)) = field.as_deref().map(redact_secrets) {
                *field = Some(Cow::Owned(redacted));
            }
        }
        if let Some(detail) = &mut self.access_denied_detail
            && let Cow::Owned(redacted) = redact_secrets(detail)
        {
            *detail = redacted;
        }
    }
}

/// Why a body did not parse.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The document ends early.
    Truncated,
    /// Anything else, with the parser's words.
    Malformed(String),
}

impl From<ParseError> for BodyProblem {
    fn from(error: ParseError) -> Self {
        match error {
            ParseError::Truncated => BodyProblem::Truncated,
            // The parser's words may quote the body: redacted like any text from it.
            ParseError::Malformed(detail) => BodyProblem::Malformed {
                detail: crate::error::truncate_for_message(&redact_secrets(&detail), 120),
            },
        }
    }
}

/// A successful answer of the service.
#[derive(Debug)]
pub(crate) struct Answer<'a> {
    pub(crate) format: Format,
    pub(crate) request_id: Cow<'a, str>,
    pub(crate) fields: Fields<'a>,
}

/// Reads a response as the service's answer.
///
/// # Errors
/// The service error the body carries, classified; or [`Error::UnexpectedResponse`] when the
/// body is not the service's.
pub(crate) fn read<'a>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &'a [u8],
    context: &ResponseContext<'_>,
) -> Result<Answer<'a>, Error> {
    let unexpected = |problem: BodyProblem| {
        Error::UnexpectedResponse(unexpected_response(status, headers, body, problem))
    };
    let format = body_format(headers, body).map_err(unexpected)?;
    let mut fields = match format {
        Format::Xml => xml::parse(body),
        _ => json::parse(body),
    }
    .map_err(|error| unexpected(error.into()))?;

    let failed = !status.is_success()
        || fields.success == Some(false)
        || (fields.code.is_some() && fields.success != Some(true));
    if failed {
        fields.redact_secrets();
        return Err(match fields.code {
            Some(_) => service_error(status, headers, fields, context),
            None => unexpected(BodyProblem::NoErrorCode),
        });
    }
    let request_id = match fields.request_id.clone() {
        Some(request_id) => request_id,
        None => return Err(unexpected(BodyProblem::MissingField { field: "RequestId" })),
    };
    Ok(Answer {
        format,
        request_id,
        fields,
    })
}

/// The format a body claims by its `Content-Type`, or shows by its first byte when it has none.
fn body_format(headers: &HeaderMap, body: &[u8]) -> Result<Format, BodyProblem> {
    let start = body.trim_ascii_start();
    if start.is_empty() {
        return Err(BodyProblem::Empty);
    }
    let Some(content_type) = headers.get(CONTENT_TYPE) else {
        return match start.first() {
            Some(b'{') => Ok(Format::Json),
            Some(b'<') if !looks_like_html(start) => Ok(Format::Xml),
            _ => Err(BodyProblem::UnsupportedContentType),
        };
    };
    // Bytes, not `to_str`: the media type is ASCII, and parameters after `;` do not matter.
    let value = content_type.as_bytes();
    let media_type = value
        .split(|byte| *byte == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    let is = |name: &[u8]| media_type.eq_ignore_ascii_case(name);
    let has_suffix = |suffix: &[u8]| {
        media_type.len() > suffix.len()
            && media_type[media_type.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    if is(b"application/json") || is(b"text/json") || has_suffix(b"+json") {
        Ok(Format::Json)
    } else if is(b"application/xml") || is(b"text/xml") || has_suffix(b"+xml") {
        Ok(Format::Xml)
    } else {
        Err(BodyProblem::UnsupportedContentType)
    }
}

fn looks_like_html(start: &[u8]) -> bool {
    let head = &start[..start.len().min(14)];
    [&b"<!doctype html"[..], b"<html"].iter().any(|prefix| {
        head.len() >= prefix.len() && head[..prefix.len()].eq_ignore_ascii_case(prefix)
    })
}

fn header_str<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// The details of a response that is not the service's answer, or not the one expected.
pub(crate) fn unexpected_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    problem: BodyProblem,
) -> Box<UnexpectedResponse> {
    let content_type = header_str(headers, &CONTENT_TYPE)
        .filter(|value| !value.is_empty())
        .map(|value| sanitize(value.as_bytes(), 64, false));
    let is_html = content_type
        .as_deref()
        .is_some_and(|value| value.to_ascii_lowercase().starts_with("text/html"))
        || looks_like_html(body.trim_ascii_start());
    Box::new(UnexpectedResponse {
        status,
        content_type,
        problem,
        snippet: sanitize(body, SNIPPET_CHARS, is_html),
        request_id: request_id_header(headers),
        retry_after: retry_after(headers),
    })
}

fn request_id_header(headers: &HeaderMap) -> Option<String> {
    header_str(headers, &X_ACS_REQUEST_ID)
        .filter(|value| !value.is_empty())
        .map(|value| sanitize(value.as_bytes(), 64, false))
}

/// The start of `bytes` as printable text: at most `max_chars` characters, invalid UTF-8
/// replaced, controls and runs of white space collapsed to one space, HTML tags dropped when
/// `is_html`, secrets redacted.
fn sanitize(bytes: &[u8], max_chars: usize, is_html: bool) -> String {
    // Read a bounded prefix only: a huge body costs no more than a small one.
    let prefix = &bytes[..bytes.len().min(max_chars * 8)];
    let text = String::from_utf8_lossy(prefix);
    let mut collapsed = String::with_capacity(text.len());
    let mut in_tag = false;
    let mut pending_space = false;
    for c in text.chars() {
        if is_html && c == '<' {
            in_tag = true;
            pending_space = true;
            continue;
        }
        if in_tag {
            in_tag = c != '>';
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            pending_space = true;
            continue;
        }
        if pending_space && !collapsed.is_empty() {
            collapsed.push(' ');
        }
        pending_space = false;
        collapsed.push(c);
    }
    // Redact before cutting, so that the bound holds for what is kept.
    let redacted = redact_secrets(&collapsed);
    match redacted.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", redacted.get(..cut).unwrap_or_default()),
        None if prefix.len() < bytes.len() => format!("{redacted}…"),
        None => redacted.into_owned(),
    }
}

/// Removes security tokens from a text the service sent back: the V1 string to sign
/// (`SecurityToken%3D...`), a query (`SecurityToken=...`), V3 canonical headers
/// (`x-acs-security-token:...`) and a JSON member (`"SecurityToken":"..."`).
pub(crate) fn redact_secrets(text: &str) -> Cow<'_, str> {
    use crate::sign::redact_marked;
    if !text.contains("ecurity") {
        return Cow::Borrowed(text);
    }
    let mut text = Cow::Borrowed(text);
    for (marker, preceded_by, terminator) in [
        ("SecurityToken%3D", &["%26", "&"][..], "%26"),
        ("SecurityToken=", &["&", "?"][..], "&"),
        ("x-acs-security-token:", &["\n"][..], "\n"),
        ("\"SecurityToken\":\"", &["{", ",", " "][..], "\""),
    ] {
        if let Cow::Owned(redacted) = redact_marked(&text, marker, preceded_by, terminator) {
            text = Cow::Owned(redacted);
        }
    }
    text
}

/// Turns an error answer into the variant that says what to do about it.
fn service_error(
    status: StatusCode,
    headers: &HeaderMap,
    fields: Fields<'_>,
    context: &ResponseContext<'_>,
) -> Error {
    let code = fields.code.unwrap_or_default().into_owned();
    let raw_message = fields.message.unwrap_or_default();
    let owned = |value: Option<Cow<'_, str>>| value.map(Cow::into_owned);
    let error = Box::new(ServiceError {
        status,
        message: redact_secrets(&raw_message).into_owned(),
        request_id: owned(fields.request_id).or_else(|| request_id_header(headers)),
        host_id: owned(fields.host_id),
        recommend: owned(fields.recommend),
        access_denied_detail: fields.access_denied_detail,
        retry_after: retry_after(headers),
        code,
    });
    // An error answered with HTTP 200 may state its real status in the body
    // (`HttpStatusCode`, which the discovery answers model): classify by that one, so that a
    // 5xx or a 429 there is retried as it would be on the wire.
    let stated = fields
        .http_status_code
        .as_deref()
        .and_then(|text| text.trim().parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .filter(|code| code.is_client_error() || code.is_server_error());
    let class_status = match stated {
        Some(stated) if status.is_success() => stated,
        _ => status,
    };
    match ErrorClass::of(&error.code, class_status) {
        ErrorClass::SignatureMismatch => {
            let ours = context.signature.map(Signature::string_to_sign);
            Error::SignatureMismatch {
                diagnosis: Box::new(SignatureDiagnosis::new(&raw_message, ours)),
                error,
            }
        }
        ErrorClass::ClockSkewed => Error::ClockSkewed {
            skew_seconds: context
                .request_time
                .and_then(|request_time| clock_skew(headers, request_time)),
            error,
        },
        ErrorClass::NonceReused => Error::NonceReused(error),
        ErrorClass::CredentialsRejected => Error::CredentialsRejected(error),
        ErrorClass::Throttled => Error::Throttled(error),
        ErrorClass::AccessDenied => Error::AccessDenied(error),
        ErrorClass::BadRequest => Error::BadRequest(error),
        ErrorClass::ServerError => Error::ServerError(error),
        ErrorClass::Other => Error::Service(error),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorClass {
    SignatureMismatch,
    ClockSkewed,
    NonceReused,
    CredentialsRejected,
    Throttled,
    AccessDenied,
    BadRequest,
    ServerError,
    Other,
}

impl ErrorClass {
    /// Exact codes first, then code families, then the HTTP status.
    fn of(code: &str, status: StatusCode) -> ErrorClass {
        let family = |prefix: &str| {
            code == prefix
                || code
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        };
        match code {
            "SignatureDoesNotMatch" | "IncompleteSignature" => ErrorClass::SignatureMismatch,
            "InvalidTimeStamp.Expired" => ErrorClass::ClockSkewed,
            "SignatureNonceUsed" => ErrorClass::NonceReused,
            "InvalidAccessKeySecret" | "Forbidden.AccessKeyDisabled" => {
                ErrorClass::CredentialsRejected
            }
            "ServiceUnavailable" | "UnknownError" => ErrorClass::ServerError,
            _ if family("InvalidAccessKeyId") || family("InvalidSecurityToken") => {
                ErrorClass::CredentialsRejected
            }
            _ if family("Throttling") || status == StatusCode::TOO_MANY_REQUESTS => {
                ErrorClass::Throttled
            }
            _ if family("InternalError") => ErrorClass::ServerError,
            // `Forbidden.Not.Server` (HTTP 500) means the API is not offered in the region: no
            // permission fixes that, nor does a retry.
            "Forbidden.Not.Server" => ErrorClass::Other,
            _ if family("Forbidden")
                || family("ResourceNotAuthorized")
                || family("NoPermission")
                || status == StatusCode::FORBIDDEN =>
            {
                ErrorClass::AccessDenied
            }
            _ if family("Param")
                || code.starts_with("Missing")
                || code.starts_with("Invalid")
                || code.starts_with("Illegal")
                || status == StatusCode::BAD_REQUEST =>
            {
                ErrorClass::BadRequest
            }
            _ if status.is_server_error() => ErrorClass::ServerError,
            _ => ErrorClass::Other,
        }
    }
}

/// The wait a response asks for: `x-acs-retry-after` in milliseconds, else a standard
/// `Retry-After` in whole seconds. Zero, negative or unreadable values count as absent.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(millis) = header_str(headers, &X_ACS_RETRY_AFTER)
        .and_then(|value| value.parse::<u64>().ok())
        .filter(|millis| *millis > 0)
    {
        return Some(Duration::from_millis(millis));
    }
    header_str(headers, &RETRY_AFTER)
        .and_then(|value| value.parse::<u32>().ok())
        .filter(|seconds| *seconds > 0)
        .map(|seconds| Duration::from_secs(u64::from(seconds)))
}

/// The server's clock minus `reference`, in seconds, from the response's `Date` header.
pub(crate) fn clock_skew(headers: &HeaderMap, reference: Timestamp) -> Option<i64> {
    let server = Timestamp::parse_http_date(header_str(headers, &DATE)?).ok()?;
    Some(server.unix_seconds() - reference.unix_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An HTTP 200 error of the discovery family states its status in the body: that status
    /// classifies it, in JSON and XML alike; the wire's status stays in the error.
    #[test]
    fn an_http_200_error_is_classified_by_its_stated_status() {
        let classify = |body: String, content_type: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, content_type.parse().unwrap());
            match read(
                StatusCode::OK,
                &headers,
                body.as_bytes(),
                &ResponseContext::new(),
            ) {
                Err(error) => error,
                Ok(_) => panic!("{body} is an error"),
            }
        };
        for (stated, expect) in [
            ("503", "ServerError"),
            ("429", "Throttled"),
            ("400", "BadRequest"),
            ("403", "AccessDenied"),
            ("200", "Service"),
            ("abc", "Service"),
            ("", "Service"),
        ] {
            let json = format!(
                r#"{{"Success":false,"ErrorCode":"Odd.Failure","ErrorMessage":"m","HttpStatusCode":"{stated}","RequestId":"r"}}"#
            );
            let xml = format!(
                "<R><Success>false</Success><ErrorCode>Odd.Failure</ErrorCode><HttpStatusCode>{stated}</HttpStatusCode><RequestId>r</RequestId></R>"
            );
            for error in [
                classify(json, "application/json"),
                classify(xml, "text/xml"),
            ] {
                let variant = format!("{error:?}");
                assert!(variant.starts_with(expect), "{stated}: {variant}");
                assert_eq!(error.http_status(), Some(StatusCode::OK), "{stated}");
            }
        }
        let numeric =
            r#"{"Success":false,"ErrorCode":"Odd.Failure","HttpStatusCode":502,"RequestId":"r"}"#;
        assert!(matches!(
            classify(numeric.to_owned(), "application/json"),
            Error::ServerError(_)
        ));
    }

    #[test]
    fn classifies_codes_before_statuses() {
        let cases = [
            ("Param.Invalid", 400, ErrorClass::BadRequest),
            ("MissingProjectId", 400, ErrorClass::BadRequest),
            ("Forbidden.Access", 403, ErrorClass::AccessDenied),
            ("Forbidden.RAM", 403, ErrorClass::AccessDenied),
            ("ResourceNotAuthorized.Api", 403, ErrorClass::AccessDenied),
            ("Throttling.Api", 429, ErrorClass::Throttled),
            ("Throttling", 400, ErrorClass::Throttled),
            ("Whatever", 429, ErrorClass::Throttled),
            ("InternalError.System", 500, ErrorClass::ServerError),
            ("ServiceUnavailable", 503, ErrorClass::ServerError),
            ("SignatureDoesNotMatch", 400, ErrorClass::SignatureMismatch),
            ("SignatureDoesNotMatch", 403, ErrorClass::SignatureMismatch),
            ("InvalidTimeStamp.Expired", 400, ErrorClass::ClockSkewed),
            ("InvalidTimeStamp.Format", 400, ErrorClass::BadRequest),
            ("SignatureNonceUsed", 400, ErrorClass::NonceReused),
            (
                "InvalidAccessKeyId.NotFound",
                404,
                ErrorClass::CredentialsRejected,
            ),
            (
                "InvalidAccessKeyId.Inactive",
                400,
                ErrorClass::CredentialsRejected,
            ),
            (
                "InvalidSecurityToken.Expired",
                400,
                ErrorClass::CredentialsRejected,
            ),
            ("InvalidAccessKeyIdX", 404, ErrorClass::BadRequest),
            ("Forbidden.Not.Server", 500, ErrorClass::Other),
            ("InvalidApi.NotFound", 404, ErrorClass::BadRequest),
            ("Teapot", 418, ErrorClass::Other),
            ("Odd", 502, ErrorClass::ServerError),
        ];
        for (code, status, class) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(ErrorClass::of(code, status), class, "{code} {status}");
        }
    }

    #[test]
    fn sanitizes_foreign_bodies() {
        let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\n<body>\x07<center><h1>502 Bad Gateway</h1></center></body></html>";
        assert_eq!(sanitize(html, 160, true), "502 Bad Gateway 502 Bad Gateway");
        assert_eq!(sanitize(b"a\x00\x01  b\xffc", 160, false), "a b\u{fffd}c");
        let long = "x".repeat(500);
        let cut = sanitize(long.as_bytes(), 160, false);
        assert_eq!(cut.chars().count(), 161);
        assert!(cut.ends_with('…'));
        assert_eq!(
            sanitize(
                b"GET&%2F&AccessKeyId%3Did%26SecurityToken%3Dtok%26X%3D1",
                160,
                false
            ),
            "GET&%2F&AccessKeyId%3Did%26SecurityToken%3D<redacted>%26X%3D1"
        );
    }

    #[test]
    fn picks_the_format_from_content_type_then_first_byte() {
        let with = |content_type: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, content_type.parse().unwrap());
            headers
        };
        let none = HeaderMap::new();
        assert_eq!(
            body_format(&with("application/json;charset=utf-8"), b"{}"),
            Ok(Format::Json)
        );
        assert_eq!(
            body_format(&with("text/xml;charset=utf-8"), b"<a/>"),
            Ok(Format::Xml)
        );
        assert_eq!(
            body_format(&with("Application/XML"), b"<a/>"),
            Ok(Format::Xml)
        );
        assert_eq!(
            body_format(&with("text/html"), b"<html>"),
            Err(BodyProblem::UnsupportedContentType)
        );
        assert_eq!(
            body_format(&with("text/plain"), b"{}"),
            Err(BodyProblem::UnsupportedContentType)
        );
        assert_eq!(body_format(&none, b" \n{}"), Ok(Format::Json));
        assert_eq!(
            body_format(&none, b"<?xml version=\"1.0\"?><a/>"),
            Ok(Format::Xml)
        );
        assert_eq!(
            body_format(&none, b"<!DOCTYPE html><html>"),
            Err(BodyProblem::UnsupportedContentType)
        );
        assert_eq!(body_format(&none, b" \r\n"), Err(BodyProblem::Empty));
        assert_eq!(
            body_format(&with("application/json"), b""),
            Err(BodyProblem::Empty)
        );
    }

    #[test]
    fn reads_retry_hints() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(X_ACS_RETRY_AFTER, "1500".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
        headers.insert(X_ACS_RETRY_AFTER, "-1".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
