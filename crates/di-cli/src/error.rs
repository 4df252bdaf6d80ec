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
    Ids(#[from] di_cli::ids::IdError),

    /// A file that cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file name, or `<stdin>`.
        path: String,
        /// The reason.
        source: std::io::Error,
    },

    /// No usable credentials: the default chain's error (every source tried, or the source
    /// that is configured but unusable); never a secret.
    #[error("credentials: {0}")]
    Credentials(String),

    /// An invalid endpoint, region or other setting.
    #[error("configuration: {0}")]
    Config(ApiError),

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
            | Error::Config(_) => Exit::Usage,
            Error::Client(error) => Failure::of(error).exit,
            Error::Emulator(_) => Exit::Failed,
        }
    }
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
            di_ureq::Error::Credentials(_) => ("credentials", None, Exit::Usage),
            di_ureq::Error::Interrupted { .. } => ("interrupted", None, Exit::Interrupted),
            _ => ("error", None, Exit::Failed),
        };
        Failure {
            kind,
            code,
            message: error.to_string(),
            request_id: error.request_id().map(str::to_owned),
            exit,
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
            // A gateway's or proxy's error page says nothing about the operation: the path to
            // the service failed, as a network error does.
            let exit = match response.status.as_u16() {
                429 | 502 | 503 | 504 => Exit::Unavailable,
                _ => Exit::Failed,
            };
            (
                "unexpected_response",
                Some(response.status.as_u16().to_string()),
                exit,
            )
        }
        ApiError::InvalidCredentials { .. }
        | ApiError::InvalidParameter { .. }
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
        let missing = Error::Credentials("no credentials found; tried, in order: ...".to_owned());
        assert_eq!(missing.exit(), Exit::Usage);
        let refreshed = di_ureq::Error::Credentials("STS refused".into());
        assert_eq!(Failure::of(&refreshed).exit, Exit::Usage);
        assert_eq!(Failure::of(&refreshed).kind, "credentials");
    }
}
