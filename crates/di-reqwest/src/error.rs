//! What a call of [`Client`](crate::Client) can fail with.

use std::fmt;

/// Why a call failed.
///
/// The service's answers (and input errors found before sending) are [`Error::Api`], typed by
/// di-proto; the other variants say that no usable response arrived.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input, or what the service (or a body that is not the service's) said: typed by
    /// di-proto.
    #[error(transparent)]
    Api(#[from] di_proto::Error),
    /// No usable response: the last transport failure after the retry policy stopped.
    #[error("{action}: no response after {attempts} attempt(s): {kind}: {message}")]
    Transport {
        /// The API action, such as `DeleteDISyncTask`.
        action: String,
        /// The attempts made, the failed one included.
        attempts: u32,
        /// What kind of failure the last attempt met.
        kind: TransportErrorKind,
        /// The HTTP stack's description of the last failure (never the query string).
        message: String,
    },
    /// The response body exceeded `config.max_response_bytes()` (not retried).
    #[error("{action}: the response body exceeds {limit} bytes")]
    ResponseTooLarge {
        /// The API action, such as `DeleteDISyncTask`.
        action: String,
        /// The cap, `ClientConfig::max_response_bytes()`.
        limit: usize,
    },
    /// The HTTP client could not be built (TLS setup, invalid user agent).
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

impl Error {
    /// The di-proto error, when the failure is [`Error::Api`].
    pub fn api(&self) -> Option<&di_proto::Error> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The request id of the failed call, when the service answered with one: quote it to
    /// support.
    pub fn request_id(&self) -> Option<&str> {
        self.api()?.request_id()
    }
}

/// What kind of transport failure an attempt met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection: name resolution, TCP connect, proxy tunnel or TLS handshake failed.
    Connect,
    /// A timeout: connecting took longer than the connect timeout, or the whole response did
    /// not arrive within the read timeout.
    Timeout,
    /// The connection was reset or closed before the response was complete.
    ConnectionClosed,
    /// Any other failure of the HTTP stack.
    Other,
}

impl TransportErrorKind {
    /// A short lowercase name: `connect`, `timeout`, `connection closed` or `other`.
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
