//! One HTTP exchange the chain needs, as data: the request to send and its timeouts; and what
//! came back. A transport executes it with its own HTTP stack.

use std::fmt;
use std::time::Duration;

/// A request for the transport to send, with the timeouts to send it under.
///
/// Its `Debug` shows the method and the URL path only: a request can carry an OIDC token or
/// an STS token, and a URL's query an AccessKey id.
pub struct Exchange {
    /// What this exchange is for (`IMDS token`, `AssumeRole`, ...), for messages and logs.
    pub step: &'static str,
    /// The request.
    pub request: http::Request<Vec<u8>>,
    /// How long to wait for the connection.
    pub connect_timeout: Duration,
    /// How long to wait for the response (headers, then the body).
    pub read_timeout: Duration,
}

impl Exchange {
    pub(crate) fn new(
        step: &'static str,
        request: http::Request<Vec<u8>>,
        (connect_timeout, read_timeout): (Duration, Duration),
    ) -> Self {
        Exchange {
            step,
            request,
            connect_timeout,
            read_timeout,
        }
    }

    /// The connect timeout plus the read timeout: a bound on the whole exchange for stacks
    /// that take one total timeout per request.
    pub fn total_timeout(&self) -> Duration {
        self.connect_timeout.saturating_add(self.read_timeout)
    }
}

impl fmt::Debug for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exchange")
            .field("step", &self.step)
            .field("method", self.request.method())
            .field("host", &self.request.uri().host())
            .field("path", &self.request.uri().path())
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .finish()
    }
}

/// What the transport got for an [`Exchange`].
#[derive(Debug)]
pub enum Reply {
    /// A response, whatever its status (the body read whole, under a cap).
    Response(http::Response<Vec<u8>>),
    /// No response: the transport's description of the failure (never a header or a body).
    Failed(String),
}

/// The largest credentials answer a transport needs to read, in bytes. Every real one is a
/// few kilobytes.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// A snippet of a body for an error message: it never shows the body when it could hold
/// credentials, only its size and status.
pub(crate) fn describe_status(response: &http::Response<Vec<u8>>) -> String {
    format!(
        "HTTP {} ({} byte body)",
        response.status().as_u16(),
        response.body().len()
    )
}
