//! The crate's one error type, the exit codes, and how a failed call maps onto them.

use std::process::ExitCode;

use di_proto::{Error as ApiError, FailureReason};

/// How `di` ends, in the order of precedence a batch uses: a larger value outranks a smaller.
///
/// The numeric exit codes are 0, 3, 1 and 2 in that order (see [`Exit::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Exit {
    /// 0: everything asked for is done (or was already done).
    Success,
    /// 3: no usable answer after the retries: network, timeout, throttling, gateway error.
    Unavailable,
    /// 1: the service refused an operation (an error answer, or `Data.Status = fail`).
    Failed,
    /// 2: a usage or configuration error; nothing was sent.
    Usage,
    /// 130: a SIGINT or SIGTERM stopped the batch (every task reported, the ones left listed).
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Unavailable => 3,
            Exit::Interrupted => 130,
        }
    }

    /// The process exit code, for `main`.
    pub(crate) fn exit_code(self) -> ExitCode {
        ExitCode::from(self.code())
    }
}

/// Everything that stops `di` before or outside a task's own result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A bad combination of options, or a bad value the argument parser could not catch.
    #[error("{0}")]
    Usage(String),

    /// File ids that do not parse (naming the list's line and quoting the token), too many
    /// of them, or none.
    #[error(transparent)]
    Ids(#[from] di_ids::IdError),

    /// A file that cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file name, or `<stdin>`.
        path: String,
        /// The reason.
        source: std::io::Error,
    },

    /// No usable credentials: the default chain's error (every source tried, one per line, or
    /// the source that is configured but unusable, or a named profile that is nowhere), with
    /// a hint when there is one; never a secret.
    #[error("{0}")]
    Credentials(String),

    /// An invalid endpoint, region or other setting.
    #[error("configuration: {0}")]
    Config(ApiError),

    /// A loopback `--endpoint` without a scheme: a bare host means https, which a loopback
    /// endpoint such as `di emulator` does not speak, so the attempts would fail in the TLS
    /// handshake and be retried as if the network had.
    #[error(
        "--endpoint {endpoint}: a loopback endpoint needs its scheme; write \
         http://{endpoint} (plain HTTP, as di emulator serves) or https://{endpoint}"
    )]
    EndpointScheme {
        /// The endpoint as given.
        endpoint: String,
    },

    /// A region DataWorks does not serve, as far as di knows: its host would not resolve, and
    /// the attempts would be retried as if the network had failed.
    #[error("{}", unknown_region(.region, .origin, *.suggestion))]
    UnknownRegion {
        /// The region as given.
        region: String,
        /// Where it came from (`--region`, `ALIBABA_CLOUD_REGION_ID`, a profile).
        origin: String,
        /// The closest known region, when one is close.
        suggestion: Option<&'static str>,
    },

    /// A call that failed outside any task (`di call`, the dry run's signing).
    #[error("{0}")]
    Client(#[from] di_ureq::Error),

    /// The emulator could not start or serve.
    #[error("emulator: {0}")]
    Emulator(String),
}

impl Error {
    /// The exit this error ends `di` with.
    pub(crate) fn exit(&self) -> Exit {
        match self {
            Error::Usage(_)
            | Error::Ids(_)
            | Error::Read { .. }
            | Error::Credentials(_)
            | Error::Config(_)
            | Error::EndpointScheme { .. }
            | Error::UnknownRegion { .. } => Exit::Usage,
            Error::Client(error) => Failure::of(error).exit,
            Error::Emulator(_) => Exit::Failed,
        }
    }
}

/// The lines of [`Error::UnknownRegion`]: the region and its origin, the suggestion, the known
/// regions, the way to reach one not listed.
fn unknown_region(region: &str, origin: &str, suggestion: Option<&str>) -> String {
    let mut text = format!("unknown region {region:?} (from {origin})");
    if let Some(suggestion) = suggestion {
        text.push_str(&format!("; did you mean {suggestion}?"));
    }
    text.push_str(&format!(
        "\n  DataWorks regions: {}",
        crate::regions::known_list("    ")
    ));
    if crate::preflight::is_well_formed(region) {
        text.push_str(&format!(
            "\n  for a region not listed here, pass --endpoint \
             https://dataworks.{region}.aliyuncs.com"
        ));
    }
    text
}

/// What a failed call comes to: the fields of the `error` object of `--output json`, and the
/// exit it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// A stable, snake_case name of the kind of failure (`task_failed`, `throttled`, ...).
    pub(crate) kind: &'static str,
    /// The service's error code, the transport failure's kind, or the reason a
    /// `Data.Status = fail` answer gave; `None` when there is none.
    pub(crate) code: Option<String>,
    /// The whole message, never a secret.
    pub(crate) message: String,
    /// The request id, when an answer carried one.
    pub(crate) request_id: Option<String>,
    /// The exit this failure implies.
    pub(crate) exit: Exit,
}

impl Failure {
    /// Classifies a client error.
    pub(crate) fn of(error: &di_ureq::Error) -> Failure {
        let (kind, code, exit) = match error {
            di_ureq::Error::Api(api) => classify_api(api),
            di_ureq::Error::Transport { kind, .. } => {
                ("transport", Some(kind.to_string()), Exit::Unavailable)
            }
            di_ureq::Error::ResponseTooLarge { .. } => ("response_too_large", None, Exit::Failed),
            di_ureq::Error::Build(_) => ("configuration", None, Exit::Usage),
            // The task may yet settle: like a network failure, a rerun may finish the job.
            di_ureq::Error::WaitTimedOut(timeout) => (
                "wait_timed_out",
                Some(timeout.last_status.to_string()),
                Exit::Unavailable,
            ),
            // A config process still at work: the same, a rerun may find it done.
            di_ureq::Error::ProcessTimedOut { last_status, .. } => (
                "wait_timed_out",
                Some(last_status.clone()),
                Exit::Unavailable,
            ),
            di_ureq::Error::TooManyPages { .. } => ("too_many_pages", None, Exit::Failed),
            di_ureq::Error::Credentials(_) => ("credentials", None, Exit::Usage),
            di_ureq::Error::Interrupted { .. } => ("interrupted", None, Exit::Interrupted),
            // A certificate the client does not trust is a configuration error: retrying it
            // cannot help.
            di_ureq::Error::Tls { cause, .. } => {
                ("tls", Some(cause.as_str().to_owned()), Exit::Usage)
            }
            _ => ("error", None, Exit::Failed),
        };
        let mut message = error.to_string();
        if let di_ureq::Error::Tls { cause, .. } = error {
            message.push_str(tls_hint(*cause));
        }
        Failure {
            kind,
            code,
            message,
            request_id: error.request_id().map(str::to_owned),
            exit,
        }
    }
}

impl Failure {
    /// `kind: message` for people, without the message's opening words when they say the
    /// kind again: `throttled: Throttling.User ...`, not `throttled: throttled: ...`.
    pub(crate) fn describe(&self) -> String {
        let spoken = format!("{}: ", self.kind.replace('_', " "));
        let message = self.message.strip_prefix(&spoken).unwrap_or(&self.message);
        format!("{}: {message}", self.kind)
    }
}

/// What to do about a failed TLS handshake, appended to its message.
fn tls_hint(cause: di_proto::client::TlsFailure) -> &'static str {
    use di_proto::client::TlsFailure;
    match cause {
        TlsFailure::NameMismatch => {
            "; check the host name of --endpoint (the certificate names others), or pass the \
             root certificate of a TLS-intercepting proxy with --ca-bundle FILE"
        }
        TlsFailure::Expired => {
            "; check this machine's clock, or the certificate of the endpoint (or of a \
             TLS-intercepting proxy: --ca-bundle FILE trusts its root)"
        }
        _ => {
            "; if a TLS-intercepting proxy or a private CA signs this endpoint's certificate, \
             trust its root certificate with --ca-bundle FILE (PEM) or SSL_CERT_FILE"
        }
    }
}

fn classify_api(error: &ApiError) -> (&'static str, Option<String>, Exit) {
    let code = || error.service_error().map(|service| service.code.clone());
    match error {
        // The documented answer for a task that does not exist (kubectl's `NotFound`).
        ApiError::TaskFailed(failure) if failure.reason == FailureReason::TaskNotFound => {
            ("not_found", Some("task_not_found".to_owned()), Exit::Failed)
        }
        ApiError::TaskFailed(_) => ("task_failed", Some("refused".to_owned()), Exit::Failed),
        ApiError::Throttled(_) => ("throttled", code(), Exit::Unavailable),
        ApiError::ServerError(_) => ("server_error", code(), Exit::Failed),
        ApiError::BadRequest(_) => ("bad_request", code(), Exit::Failed),
        ApiError::AccessDenied(_) => ("access_denied", code(), Exit::Failed),
        ApiError::SignatureMismatch { .. } => ("signature_mismatch", code(), Exit::Failed),
        ApiError::ClockSkewed { .. } => ("clock_skewed", code(), Exit::Failed),
        ApiError::NonceReused(_) => ("nonce_reused", code(), Exit::Failed),
        ApiError::CredentialsRejected(_) => ("credentials_rejected", code(), Exit::Failed),
        ApiError::Service(_) => ("service_error", code(), Exit::Failed),
        ApiError::UnexpectedResponse(response) => {
            // A gateway's or proxy's error page, or an answer cut short, says nothing about the
            // operation: the path to the service failed, as a network error does, when
            // di-proto's retry policy counts it transient.
            let exit = if error.is_transient() {
                Exit::Unavailable
            } else {
                Exit::Failed
            };
            (
                "unexpected_response",
                Some(response.status.as_u16().to_string()),
                exit,
            )
        }
        ApiError::InvalidCredentials { .. }
        | ApiError::InvalidParameter { .. }
        | ApiError::UnsupportedTaskType { .. }
        | ApiError::DuplicateParameter { .. }
        | ApiError::InvalidOperation { .. }
        | ApiError::InvalidNonce { .. }
        | ApiError::TimestampOutOfRange { .. }
        | ApiError::InvalidTimestamp { .. }
        | ApiError::InvalidHeader { .. }
        | ApiError::InvalidEndpoint { .. }
        | ApiError::BodyNotAllowed { .. } => ("invalid_input", None, Exit::Usage),
        _ => ("error", code(), Exit::Failed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_tls_handshake_is_a_configuration_error_with_a_hint() {
        let error = di_ureq::Error::Tls {
            action: "TerminateDISyncInstance".to_owned(),
            host: "127.0.0.1:8443".to_owned(),
            cause: di_proto::client::TlsFailure::UnknownIssuer,
            message: "invalid peer certificate: UnknownIssuer".to_owned(),
        };
        let failure = Failure::of(&error);
        assert_eq!(failure.kind, "tls");
        assert_eq!(failure.code.as_deref(), Some("unknown_issuer"));
        assert_eq!(failure.exit, Exit::Usage);
        assert!(
            failure.message.contains("127.0.0.1:8443"),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains("--ca-bundle"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn precedence_puts_usage_over_failure_over_unavailable() {
        let worst = [Exit::Unavailable, Exit::Success, Exit::Failed]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Exit::Failed));
        assert!(Exit::Usage > Exit::Failed);
        assert!(Exit::Unavailable > Exit::Success);
        assert_eq!(
            [
                Exit::Success,
                Exit::Failed,
                Exit::Usage,
                Exit::Unavailable,
                Exit::Interrupted
            ]
            .map(Exit::code),
            [0, 1, 2, 3, 130]
        );
    }

    #[test]
    fn classifies_transport_and_input_errors() {
        let transport = di_ureq::Error::Transport {
            action: "DeleteDISyncTask".to_owned(),
            attempts: 1,
            kind: di_ureq::TransportErrorKind::Connect,
            message: "connection refused".to_owned(),
        };
        let failure = Failure::of(&transport);
        assert_eq!(failure.kind, "transport");
        assert_eq!(failure.code.as_deref(), Some("connect"));
        assert_eq!(failure.exit, Exit::Unavailable);

        let input = di_ureq::Error::Api(ApiError::InvalidParameter {
            name: "FileId".to_owned(),
            reason: "must be a positive integer",
        });
        assert_eq!(Failure::of(&input).exit, Exit::Usage);
        let unsupported = di_ureq::Error::Api(ApiError::UnsupportedTaskType {
            action: "UpdateDISyncTask",
            task_type: di_proto::ops::TaskType::DiRealtime,
            accepted: &[di_proto::ops::TaskType::DiOffline],
        });
        assert_eq!(Failure::of(&unsupported).exit, Exit::Usage);
        assert_eq!(Failure::of(&unsupported).kind, "invalid_input");
        let process = di_ureq::Error::ProcessTimedOut {
            process_id: 7,
            last_status: "running".to_owned(),
            polls: 3,
            timeout: std::time::Duration::from_secs(1),
        };
        let failure = Failure::of(&process);
        assert_eq!(
            (failure.kind, failure.code.as_deref(), failure.exit),
            ("wait_timed_out", Some("running"), Exit::Unavailable)
        );
        let missing = Error::Credentials("no credentials found; tried, in order: ...".to_owned());
        assert_eq!(missing.exit(), Exit::Usage);
        let refreshed = di_ureq::Error::Credentials("STS refused".into());
        assert_eq!(Failure::of(&refreshed).exit, Exit::Usage);
        assert_eq!(Failure::of(&refreshed).kind, "credentials");
    }

    #[test]
    fn describing_a_failure_says_its_kind_once() {
        let failure = |kind, message: &str| Failure {
            kind,
            code: None,
            message: message.to_owned(),
            request_id: None,
            exit: Exit::Failed,
        };
        assert_eq!(
            failure(
                "throttled",
                "throttled: Throttling.User (HTTP 429): slow down"
            )
            .describe(),
            "throttled: Throttling.User (HTTP 429): slow down"
        );
        assert_eq!(
            failure("server_error", "server error: InternalError (HTTP 500)").describe(),
            "server_error: InternalError (HTTP 500)"
        );
        assert_eq!(
            failure("transport", "DeleteDISyncTask: no response").describe(),
            "transport: DeleteDISyncTask: no response"
        );
    }
}
