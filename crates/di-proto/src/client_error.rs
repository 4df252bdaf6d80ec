//! The error of a transport client's call (`di_ureq::Client`, `di_reqwest::Client`): what
//! di-proto says about the request or the answer, or why no usable answer arrived. Both
//! transports re-export it as their `Error`, so that they fail alike.

use std::fmt;

/// Everything a transport client's call can fail with.
///
/// [`ClientError::api`] and [`ClientError::request_id`] read the details of a failure the service (or a
/// body that is not the service's) reported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Bad input, or what the service (or a body that is not the service's) said: typed by
    /// di-proto.
    #[error(transparent)]
    Api(#[from] crate::Error),

    /// No usable response: the last transport failure after the retry policy stopped.
    #[error("{action}: no response after {attempts} attempt(s): {kind}: {message}")]
    Transport {
        /// The API action called (`DeleteDISyncTask`, ...).
        action: String,
        /// How many attempts were sent (or tried to be).
        attempts: u32,
        /// What kind of failure the last attempt met.
        kind: TransportErrorKind,
        /// The last failure, as the HTTP stack described it (never the URL, a header or a
        /// body).
        message: String,
    },

    /// The response body exceeded `config.max_response_bytes()` (not retried).
    #[error("{action}: the response body exceeds {limit} bytes")]
    ResponseTooLarge {
        /// The API action called.
        action: String,
        /// The cap, in bytes.
        limit: usize,
    },

    /// No credentials to sign with: the provider's error (for the default chain, a
    /// `di_credentials::Error` that lists every source it tried).
    #[error("no usable credentials: {0}")]
    Credentials(#[source] crate::config::CredentialsError),

    /// The HTTP client could not be built (TLS setup, invalid user agent, invalid proxy).
    #[error("cannot build the HTTP client: {0}")]
    Build(String),

    /// A wait for a task to settle ran out of time; the details carry the last status seen.
    /// Waiting is a client-level concern (a sequence of calls), hence a client error rather
    /// than a [`crate::Error`], which describes one call.
    #[error("timed out waiting: {0}")]
    WaitTimedOut(Box<crate::wait::WaitTimeout>),

    /// An interrupt ([`crate::flow::Flow::interrupt`]) stopped the flow before its next call.
    #[error("interrupted before {action}")]
    Interrupted {
        /// The API action that was not sent (empty between two steps).
        action: String,
    },

    /// A driver called [`crate::flow::Flow::next`] after the flow had ended, or signed when
    /// no request was asked for: a bug in the driver.
    #[error("the flow had already ended")]
    FlowEnded,
}

impl ClientError {
    /// The di-proto error, when the request was refused before sending or the answer said
    /// the call failed.
    pub fn api(&self) -> Option<&crate::Error> {
        match self {
            ClientError::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The request id of the failed call, when an answer carried one: quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        self.api()?.request_id()
    }

    /// The details of a wait that timed out.
    pub fn wait_timeout(&self) -> Option<&crate::wait::WaitTimeout> {
        match self {
            ClientError::WaitTimedOut(timeout) => Some(timeout),
            _ => None,
        }
    }
}

/// How an attempt failed to get a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be set up: name resolution, connect refused or unreachable,
    /// proxy or TLS setup.
    Connect,
    /// A timeout: connecting, waiting for the response, reading its body, or the retry
    /// policy's deadline.
    Timeout,
    /// The connection was reset or closed before the whole response arrived.
    ConnectionClosed,
    /// Anything else (an HTTP protocol error, an unexpected I/O error).
    Other,
}

impl TransportErrorKind {
    /// `connect`, `timeout`, `connection closed` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::ConnectionClosed => "connection closed",
            TransportErrorKind::Other => "other",
        }
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_and_reads_details() {
        let error = ClientError::Transport {
            action: "DeleteDISyncTask".to_owned(),
            attempts: 3,
            kind: TransportErrorKind::Timeout,
            message: "timed out waiting for the response".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "DeleteDISyncTask: no response after 3 attempt(s): timeout: timed out waiting for \
             the response"
        );
        assert!(error.api().is_none());
        assert!(error.request_id().is_none());
        let api = ClientError::from(crate::Error::InvalidParameter {
            name: "FileId".to_owned(),
            reason: "must be a positive integer",
        });
        assert!(api.api().is_some());
        assert_eq!(
            ClientError::ResponseTooLarge {
                action: "X".to_owned(),
                limit: 10
            }
            .to_string(),
            "X: the response body exceeds 10 bytes"
        );
    }
}
