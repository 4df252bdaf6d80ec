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
    Credentials(#[source] crate::client::CredentialsError),

    /// The HTTP client could not be built (TLS setup, invalid user agent, invalid proxy).
    #[error("cannot build the HTTP client: {0}")]
    Build(String),

    /// The TLS handshake with the endpoint failed: its certificate is not trusted (issued by
    /// an unknown root, for another name, expired), or the two sides found no common ground.
    /// Nothing was sent, and nothing is retried: the same handshake would fail again. A
    /// TLS-intercepting proxy's root certificate is trusted with
    /// [`ClientConfig::with_root_certificates_pem`](crate::client::ClientConfig::with_root_certificates_pem)
    /// or `SSL_CERT_FILE` (see [`crate::client::tls`]).
    #[error("{action}: TLS handshake with {host} failed: {cause}: {message}")]
    Tls {
        /// The API action called (`DeleteDISyncTask`, ...).
        action: String,
        /// The endpoint's host (and port, when it names one), as the client called it.
        host: String,
        /// Why the handshake failed.
        cause: TlsFailure,
        /// The TLS stack's description (never a URL, a header or a body).
        message: String,
    },

    /// A wait for a task to settle ran out of time; the details carry the last status seen.
    /// Waiting is a client-level concern (a sequence of calls), hence a client error rather
    /// than a [`crate::Error`], which describes one call.
    #[error("timed out waiting: {0}")]
    WaitTimedOut(Box<crate::wait::WaitTimeout>),

    /// An asynchronous config process ([`crate::flow::ConfigFlow`]) did not finish within the
    /// wait policy's timeout.
    #[error(
        "config process {process_id} was not done within {timeout:?} ({polls} poll(s)); last status {last_status:?}"
    )]
    ProcessTimedOut {
        /// The process id.
        process_id: i64,
        /// The status the last poll saw.
        last_status: String,
        /// How many polls were made.
        polls: u32,
        /// The wait policy's timeout.
        timeout: std::time::Duration,
    },

    /// A listing ([`crate::flow::PageFlow`]) still had more pages after its page limit.
    #[error("{action}: still more after {pages} pages")]
    TooManyPages {
        /// The listing's action.
        action: String,
        /// The pages read.
        pages: u32,
    },

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
    /// The TLS handshake failed, for this reason. Final: a call that meets it ends as
    /// [`ClientError::Tls`], never retried.
    Tls(TlsFailure),
}

impl TransportErrorKind {
    /// `connect`, `timeout`, `connection closed`, `other` or `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::ConnectionClosed => "connection closed",
            TransportErrorKind::Other => "other",
            TransportErrorKind::Tls(_) => "tls",
        }
    }
}

/// Why a TLS handshake failed ([`ClientError::Tls`]). Each transport maps its TLS stack's
/// errors onto these (rustls' certificate errors; OpenSSL's verify results under
/// `native-tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The certificate chain does not lead to a trusted root: a private CA, a self-signed
    /// certificate, or a TLS-intercepting proxy whose root certificate is not trusted.
    UnknownIssuer,
    /// The certificate is valid, but not for the host called.
    NameMismatch,
    /// The certificate is outside its validity period: expired, or not yet valid (check the
    /// clock too).
    Expired,
    /// Any other handshake failure: no protocol version or cipher in common, a certificate
    /// the client cannot read or that is not meant for a server, a revoked certificate, a peer
    /// that does not speak TLS.
    Handshake,
}

impl TlsFailure {
    /// `unknown_issuer`, `name_mismatch`, `expired` or `handshake`: a stable name, for logs and
    /// machine-readable output.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsFailure::UnknownIssuer => "unknown_issuer",
            TlsFailure::NameMismatch => "name_mismatch",
            TlsFailure::Expired => "expired",
            TlsFailure::Handshake => "handshake",
        }
    }

    /// What it means, in a sentence fragment.
    pub fn description(self) -> &'static str {
        match self {
            TlsFailure::UnknownIssuer => "the certificate is not issued by a trusted root",
            TlsFailure::NameMismatch => "the certificate is not valid for this host name",
            TlsFailure::Expired => "the certificate has expired or is not yet valid",
            TlsFailure::Handshake => "the handshake failed",
        }
    }
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.as_str())
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
        let tls = ClientError::Tls {
            action: "DeleteDISyncTask".to_owned(),
            host: "127.0.0.1:8443".to_owned(),
            cause: TlsFailure::UnknownIssuer,
            message: "invalid peer certificate: UnknownIssuer".to_owned(),
        };
        assert_eq!(
            tls.to_string(),
            "DeleteDISyncTask: TLS handshake with 127.0.0.1:8443 failed: the certificate is not \
             issued by a trusted root (unknown_issuer): invalid peer certificate: UnknownIssuer"
        );
        assert_eq!(
            TransportErrorKind::Tls(TlsFailure::Expired).to_string(),
            "tls"
        );
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
