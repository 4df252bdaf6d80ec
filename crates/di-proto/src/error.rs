//! The error type of di-proto, and the details it carries about a failed call.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::response::SignatureDiagnosis;

/// Everything that can go wrong inside di-proto.
///
/// Two families share this one type:
///
/// - **Bad input** ([`Error::InvalidCredentials`] up to [`Error::BodyNotAllowed`]): caught before
///   any request exists, so a caller that sees one knows that nothing was sent.
/// - **A failed call** ([`Error::BadRequest`] and after): what a response says, one variant per
///   thing a user does about it. [`Error::service_error`], [`Error::request_id`] and
///   [`Error::http_status`] read the details common to them.
///
/// Messages name the failing input or code but never contain an AccessKey secret or a
/// security token: service messages that echo a string to sign are redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The AccessKey id, secret or security token cannot be used to sign.
    #[error("invalid credentials: {reason}")]
    InvalidCredentials {
        /// What is wrong, without the secret itself.
        reason: &'static str,
    },

    /// An API parameter name or value cannot be signed or sent.
    #[error("invalid parameter {name:?}: {reason}")]
    InvalidParameter {
        /// The parameter name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A task type the action does not take (each action documents its own set).
    #[error(
        "{action} does not take TaskType {task_type}; it takes {}",
        crate::ops::TaskType::list(accepted)
    )]
    UnsupportedTaskType {
        /// The action.
        action: &'static str,
        /// The task type given.
        task_type: crate::ops::TaskType,
        /// The task types the action takes.
        accepted: &'static [crate::ops::TaskType],
    },

    /// The same parameter name was given twice (in the query, the body, or across both).
    #[error("parameter {name:?} is given more than once")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },

    /// [`crate::flow::Flow::sign`] was called when the flow had asked for no request (only
    /// after [`crate::flow::Action::Send`]): a bug in the driver.
    #[error("the flow has no request to sign: sign only after Action::Send")]
    NoRequestToSign,

    /// The action or API version cannot be sent.
    #[error("invalid {field} {value:?}: {reason}")]
    InvalidOperation {
        /// `action` or `version`.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The nonce cannot be sent.
    #[error("invalid signature nonce: {reason}")]
    InvalidNonce {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A Unix time outside what the wire format can carry (1970-01-01 to 9999-12-31, UTC).
    #[error("timestamp {unix_seconds} s is outside 1970-01-01T00:00:00Z..=9999-12-31T23:59:59Z")]
    TimestampOutOfRange {
        /// The rejected Unix time, in seconds.
        unix_seconds: i64,
    },

    /// A text that is not a `yyyy-MM-ddTHH:mm:ssZ` UTC timestamp.
    #[error("invalid timestamp {input:?}: expected yyyy-MM-ddTHH:mm:ssZ")]
    InvalidTimestamp {
        /// The rejected text, cut to 64 bytes.
        input: String,
    },

    /// A header that the V3 signer cannot sign.
    #[error("invalid header {name:?}: {reason}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// An endpoint that is not `http(s)://host[:port]`.
    #[error("invalid endpoint {input:?}: {reason}")]
    InvalidEndpoint {
        /// The rejected endpoint, cut to 256 bytes.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Body parameters on a method that sends no body.
    #[error("{method} requests carry no body, but body parameters were given")]
    BodyNotAllowed {
        /// The HTTP method of the request.
        method: http::Method,
    },

    /// The service rejected a parameter (`Param.Invalid`, `MissingParameter`, `Invalid*`, or
    /// another HTTP 400). Fix the request; retrying it unchanged fails again.
    #[error("the service rejected the request: {0}")]
    BadRequest(Box<ServiceError>),

    /// The caller may not do this (`Forbidden.Access`, `Forbidden.RAM`,
    /// `ResourceNotAuthorized.*`, or another HTTP 403). Grant the RAM permission named in
    /// [`ServiceError::access_denied_detail`] or use another identity.
    #[error("access denied: {0}")]
    AccessDenied(Box<ServiceError>),

    /// Flow control (`Throttling.*`, HTTP 429). Safe to retry later, after
    /// [`ServiceError::retry_after`] when the service gave it.
    #[error("throttled: {0}")]
    Throttled(Box<ServiceError>),

    /// A fault on the service side (`InternalError.*`, `ServiceUnavailable`, or another HTTP
    /// 5xx). Transient as a rule; the request may or may not have taken effect.
    #[error("server error: {0}")]
    ServerError(Box<ServiceError>),

    /// The service computed another signature (`SignatureDoesNotMatch`,
    /// `IncompleteSignature`). The diagnosis compares the service's string to sign with ours:
    /// equal strings mean a wrong AccessKey secret; different ones show where they part.
    #[error("signature rejected: {error}; {diagnosis}")]
    SignatureMismatch {
        /// The service's answer (its message redacted).
        error: Box<ServiceError>,
        /// What the comparison of the two strings to sign found.
        diagnosis: Box<SignatureDiagnosis>,
    },

    /// The request time was more than 15 minutes off the service's clock
    /// (`InvalidTimeStamp.Expired`). Fix the local clock; retries sign with the measured offset.
    #[error("{error}; {}", skew_note(*.skew_seconds))]
    ClockSkewed {
        /// The service's answer.
        error: Box<ServiceError>,
        /// Service time minus request time, in seconds, from the response's `Date` header
        /// and the request's own timestamp, when both were known.
        skew_seconds: Option<i64>,
    },

    /// The nonce was used before within 15 minutes (`SignatureNonceUsed`). Retry with a fresh
    /// nonce; if it repeats, the nonce source is broken.
    #[error("nonce reused: {0}")]
    NonceReused(Box<ServiceError>),

    /// The service does not accept these credentials (`InvalidAccessKeyId.*`,
    /// `InvalidSecurityToken.*`, `InvalidAccessKeySecret`). Check the AccessKey, or refresh
    /// an expired STS token.
    #[error("credentials rejected: {0}")]
    CredentialsRejected(Box<ServiceError>),

    /// Any other service error code. [`ServiceError::code`] says which.
    #[error("service error: {0}")]
    Service(Box<ServiceError>),

    /// The call reached DataWorks, which answered HTTP 200 with `Data.Status = fail`: the task
    /// was not changed. [`TaskFailure::reason`] says whether the task looks gone.
    #[error("{0}")]
    TaskFailed(Box<TaskFailure>),

    /// A response that is not the service's: a proxy's HTML page, an empty or truncated body,
    /// malformed JSON or XML, or an unexpected content type.
    #[error("{0}")]
    UnexpectedResponse(Box<UnexpectedResponse>),
}

fn skew_note(skew_seconds: Option<i64>) -> String {
    match skew_seconds {
        Some(skew) => format!("the service clock is {skew:+} s from the request time"),
        None => "the response carried no Date header to measure the clock skew".to_owned(),
    }
}

impl Error {
    /// Whether a later try of the same call may succeed: the answer was throttling, a server
    /// error, a gateway's or proxy's error page (429, 500, 502, 503, 504), a success cut
    /// short, or a refusal that a corrected clock or a new nonce would pass. The retry policy
    /// retries exactly these (those that may have taken effect only for idempotent calls),
    /// so an error that is still transient after the retries is one a rerun may get past.
    ///
    /// ```
    /// use di_proto::ResponseContext;
    /// use di_proto::ops::{DeleteDiSyncTask, Operation};
    ///
    /// let error = |status: u16, content_type: &str, body: &str| {
    ///     let response = di_proto::http::Response::builder()
    ///         .status(status)
    ///         .header("content-type", content_type)
    ///         .body(body.to_owned())
    ///         .unwrap();
    ///     DeleteDiSyncTask::new(10000, 100)
    ///         .parse_response(&response, &ResponseContext::new())
    ///         .unwrap_err()
    /// };
    /// let json = "application/json";
    /// assert!(error(500, json, r#"{"RequestId":"r","Code":"InternalError"}"#).is_transient());
    /// assert!(error(502, "text/html", "<html>Bad Gateway</html>").is_transient());
    /// assert!(!error(400, json, r#"{"RequestId":"r","Code":"Invalid.Tenant"}"#).is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        crate::retry::Retryability::of_error(self) != crate::retry::Retryability::Never
    }

    /// The service's error answer, for every variant that carries one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::BadRequest(error)
            | Error::AccessDenied(error)
            | Error::Throttled(error)
            | Error::ServerError(error)
            | Error::NonceReused(error)
            | Error::CredentialsRejected(error)
            | Error::Service(error)
            | Error::SignatureMismatch { error, .. }
            | Error::ClockSkewed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The request id of the failed call, when the response carried one: quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::TaskFailed(failure) => Some(&failure.request_id),
            Error::UnexpectedResponse(response) => response.request_id.as_deref(),
            _ => self.service_error()?.request_id.as_deref(),
        }
    }

    /// The HTTP status of the response that failed, for the variants that come from one.
    pub fn http_status(&self) -> Option<StatusCode> {
        match self {
            Error::TaskFailed(_) => Some(StatusCode::OK),
            Error::UnexpectedResponse(response) => Some(response.status),
            _ => Some(self.service_error()?.status),
        }
    }
}

/// An error answer of the gateway or of DataWorks, in JSON or XML.
///
/// `Display` gives `Code (HTTP status): Message [request id]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The HTTP status of the response, as sent. (An error sent with HTTP 200 that states
    /// another status in its body, `HttpStatusCode`, is classified by the stated one.)
    pub status: StatusCode,
    /// The error code (`Code`, or `ErrorCode` in older DataWorks bodies).
    pub code: String,
    /// The error message, with any echoed security token redacted.
    pub message: String,
    /// The request id (`RequestId`, or the `x-acs-request-id` header).
    pub request_id: Option<String>,
    /// The gateway host that answered (`HostId`).
    pub host_id: Option<String>,
    /// A troubleshooting link (`Recommend`).
    pub recommend: Option<String>,
    /// Which policy denied access (`AccessDeniedDetail`: the JSON text as sent, or the XML
    /// children as `Name=value` pairs).
    pub access_denied_detail: Option<String>,
    /// How long the service asked the caller to wait (`x-acs-retry-after` in milliseconds,
    /// or a standard `Retry-After` in seconds).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (HTTP {})",
            Printable(&self.code),
            self.status.as_u16()
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", Printable(&self.message))?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request id {}]", Printable(request_id))?;
        }
        Ok(())
    }
}

/// What a `Data.Status = fail` answer says about the task, read from `Data.Message`.
///
/// DataWorks documents one failure text, `fileId:[100] is invalid.`, for a file id it does not
/// know: that text, and only that one, is [`FailureReason::TaskNotFound`]. Every other text is
/// [`FailureReason::Undocumented`]: its words are never taken as evidence of the task's state
/// (a message saying "deleted" may come from a task that still exists). The flows of
/// [`crate::flow`] read the task's state from the service instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The documented `fileId:[N] is invalid.`: the task does not exist, or no longer does.
    TaskNotFound,
    /// Any other message: the service refused, for a reason it did not document. Read the
    /// message, and the task's state.
    Undocumented,
}

/// A `Data.Status = fail` answer: DataWorks received the call and refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskFailure {
    /// The action that failed (`DeleteDISyncTask`).
    pub action: &'static str,
    /// The request id.
    pub request_id: String,
    /// `Data.Message`, the service's reason (empty when absent).
    pub message: String,
    /// What the message says about the task.
    pub reason: FailureReason,
    /// An earlier attempt of the same call ended without an answer, so it may have taken
    /// effect. A teardown whose task is gone after such an attempt is reported as done
    /// instead; this failure is one the earlier attempt does not explain.
    pub after_unknown_outcome: bool,
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed with Data.Status = fail: {:?} [request id {}]",
            self.action,
            self.message,
            Printable(&self.request_id)
        )?;
        if self.after_unknown_outcome {
            f.write_str("; an earlier attempt ended without an answer and may have taken effect")?;
        }
        Ok(())
    }
}

/// What is wrong with a response body that is not the service's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyProblem {
    /// The body is empty.
    Empty,
    /// The body ends before the document does.
    Truncated,
    /// The content type is neither JSON nor XML (an HTML error page, plain text, ...).
    UnsupportedContentType,
    /// The body does not parse as the JSON or XML it claims to be.
    Malformed {
        /// The parser's complaint, bounded.
        detail: String,
    },
    /// The document parses but lacks a field every service answer of this kind has.
    MissingField {
        /// The missing field (`RequestId`, `Data.Status`, ...).
        field: &'static str,
    },
    /// An error status whose body carries no error code.
    NoErrorCode,
}

impl fmt::Display for BodyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyProblem::Empty => f.write_str("the body is empty"),
            BodyProblem::Truncated => f.write_str("the body is truncated"),
            BodyProblem::UnsupportedContentType => {
                f.write_str("the content type is neither JSON nor XML")
            }
            BodyProblem::Malformed { detail } => {
                write!(f, "the body is malformed: {}", Printable(detail))
            }
            BodyProblem::MissingField { field } => write!(f, "the body lacks {field}"),
            BodyProblem::NoErrorCode => f.write_str("an error status without an error code"),
        }
    }
}

/// A response that di-proto could not read as the service's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, bounded, when present.
    pub content_type: Option<String>,
    /// What is wrong.
    pub problem: BodyProblem,
    /// The start of the body: at most 160 characters, controls and runs of white space
    /// collapsed, HTML tags dropped, secrets redacted.
    pub snippet: String,
    /// The `x-acs-request-id` header, when present.
    pub request_id: Option<String>,
    /// The wait a `Retry-After` (or `x-acs-retry-after`) header asked for.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected response (HTTP {}", self.status.as_u16())?;
        if let Some(content_type) = &self.content_type {
            write!(f, ", {content_type}")?;
        }
        write!(f, "): {}", self.problem)?;
        if !self.snippet.is_empty() {
            write!(f, "; body starts {:?}", self.snippet)?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request id {}]", Printable(request_id))?;
        }
        Ok(())
    }
}

/// Displays a text from a response with its control characters escaped (`\n`, `\u{1b}`), so
/// that what a server sent cannot move a terminal's cursor or forge log lines.
struct Printable<'a>(&'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_debug())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// Cuts `input` to at most `max` bytes on a character boundary, for error messages.
pub(crate) fn truncate_for_message(input: &str, max: usize) -> String {
    if input.len() <= max {
        return input.to_owned();
    }
    let mut end = max;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", input.get(..end).unwrap_or_default())
}
