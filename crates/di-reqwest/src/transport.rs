//! The reqwest side of an attempt: building the HTTP client once, sending one signed request,
//! reading its response under the read deadline and the body cap, and mapping reqwest's
//! failures to [`TransportFailure`] and [`TransportErrorKind`].

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use di_proto::Endpoint;
use di_proto::config::ClientConfig;
use di_proto::retry::TransportFailure;

use crate::connections::{Admission, Connections};
use crate::{Error, TransportErrorKind};

/// How one attempt failed without a usable response.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// No response: the retry policy decides.
    Transport {
        /// Whether the request may have reached the service.
        failure: TransportFailure,
        /// The kind, for [`Error::Transport`].
        kind: TransportErrorKind,
        /// What went wrong, without the URL.
        message: String,
    },
    /// The body is larger than the cap: final.
    TooLarge,
}

/// The HTTP side of a [`Client`](crate::Client): one reqwest client (one connection pool)
/// and the cap on its connections.
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    connections: Connections,
    max_connections: usize,
}

/// Builds the one reqwest client (one connection pool) of a [`Client`](crate::Client).
///
/// - `connect_timeout` bounds name resolution, TCP connect, a proxy tunnel and the TLS
///   handshake; the read timeout is applied per attempt by [`Http::send`], not here.
/// - At most `max_connections` connections: see [`crate::connections`].
/// - No redirects and no reqwest retries: every response goes to di-proto as it came, and
///   every attempt is one that di-proto counted and signed.
/// - Proxies come from the environment (reqwest's system proxy: `HTTPS_PROXY`/`https_proxy`,
///   `HTTP_PROXY`/`http_proxy`, `ALL_PROXY`/`all_proxy`, `NO_PROXY`/`no_proxy`), except for a
///   loopback endpoint, which is never proxied. A client talks to one endpoint only, so that
///   decision is made once, here.
pub(crate) fn build_http_client(config: &ClientConfig, endpoint: &Endpoint) -> Result<Http, Error> {
    if !cfg!(any(feature = "rustls", feature = "native-tls"))
        && endpoint.scheme() == di_proto::Scheme::Https
    {
        return Err(Error::Build(
            "an https endpoint needs a TLS backend: enable the `rustls` or `native-tls` feature"
                .to_owned(),
        ));
    }
    let max_connections = config.max_connections();
    let connections = Connections::new(max_connections);
    let mut builder = reqwest::Client::builder()
        .user_agent(config.user_agent("reqwest"))
        .connect_timeout(config.connect_timeout())
        .connector_layer(connections.layer())
        .pool_max_idle_per_host(max_connections)
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never());
    if endpoint.is_loopback() {
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|error| Error::Build(describe(&error.without_url())))?;
    Ok(Http {
        client,
        connections,
        max_connections,
    })
}

impl Http {
    /// Sends `request` and reads its whole response, as [`send`] does, once one of the
    /// client's `max_connections` places is free: waiting for it is not part of the read
    /// timeout, and gives up after `wait_limit` (what is left of the retry policy's
    /// deadline) as a timeout before sending.
    pub(crate) async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        read_timeout: Duration,
        limit: usize,
        wait_limit: Option<Duration>,
    ) -> Result<http::Response<Vec<u8>>, AttemptError> {
        let request = to_reqwest(request)?;
        let Some(admission) = self.connections.admit(wait_limit).await else {
            return Err(AttemptError::Transport {
                failure: TransportFailure::NotSent,
                kind: TransportErrorKind::Timeout,
                message: format!(
                    "all {} connections stayed busy until the retry policy's deadline",
                    self.max_connections
                ),
            });
        };
        admission
            .run(exchange(
                &self.client,
                request,
                read_timeout,
                limit,
                Some(&admission),
            ))
            .await
    }
}

/// Sends `request` and reads its whole response.
///
/// `read_timeout` bounds the whole attempt from the moment it is handed to reqwest: waiting
/// for the headers and receiving the body, so that a body that trickles in fails as
/// [`TransportErrorKind::Timeout`] like a silent one. Connecting is bounded separately by the
/// connect timeout set on the client (and counts against this deadline too). At most
/// `limit + 1` bytes of body are kept.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: http::Request<Vec<u8>>,
    read_timeout: Duration,
    limit: usize,
) -> Result<http::Response<Vec<u8>>, AttemptError> {
    exchange(http, to_reqwest(request)?, read_timeout, limit, None).await
}

fn to_reqwest(request: http::Request<Vec<u8>>) -> Result<reqwest::Request, AttemptError> {
    reqwest::Request::try_from(request).map_err(|error| AttemptError::Transport {
        failure: TransportFailure::NotSent,
        kind: TransportErrorKind::Other,
        message: describe(&error.without_url()),
    })
}

/// [`send`], telling the cap's gate (when `admission` is given) what the attempt did.
async fn exchange(
    http: &reqwest::Client,
    request: reqwest::Request,
    read_timeout: Duration,
    limit: usize,
    admission: Option<&Admission>,
) -> Result<http::Response<Vec<u8>>, AttemptError> {
    let attempt = async {
        let mut response = match admission {
            Some(admission) => {
                let response = std::pin::pin!(http.execute(request));
                admission.first_poll_noted(response).await
            }
            None => http.execute(request).await,
        }
        .map_err(failed)?;
        if response
            .content_length()
            .is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX))
        {
            return Err(AttemptError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if chunk.len() > limit.saturating_sub(body.len()) {
                return Err(AttemptError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(admission) = admission {
            admission.finished(response.version(), response.headers());
        }
        let mut answer = http::Response::new(body);
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = std::mem::take(response.headers_mut());
        Ok(answer)
    };
    match tokio::time::timeout(read_timeout, attempt).await {
        Ok(result) => result,
        Err(_elapsed) => Err(AttemptError::Transport {
            failure: TransportFailure::OutcomeUnknown,
            kind: TransportErrorKind::Timeout,
            message: format!("no complete response within the read timeout ({read_timeout:?})"),
        }),
    }
}

/// Maps a reqwest failure of sending a request or reading its body.
fn failed(error: reqwest::Error) -> AttemptError {
    let error = error.without_url();
    let (failure, kind) = classify(&error);
    AttemptError::Transport {
        failure,
        kind,
        message: describe(&error),
    }
}

/// Whether the request may have been sent, and what kind of failure it met.
///
/// reqwest reports every failure of its connector (name resolution, TCP connect, proxy
/// tunnel, TLS handshake, and the connect timeout around them) as `is_connect`: nothing of
/// the request was written then. Everything else happened on an established connection.
fn classify(error: &reqwest::Error) -> (TransportFailure, TransportErrorKind) {
    if error.is_connect() {
        let kind = if error.is_timeout() {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Connect
        };
        return (TransportFailure::NotSent, kind);
    }
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if closed(error) {
        TransportErrorKind::ConnectionClosed
    } else {
        TransportErrorKind::Other
    };
    (TransportFailure::OutcomeUnknown, kind)
}

/// Whether the connection was reset or closed under the request.
///
/// hyper's own "closed" errors carry no `io::Error`; without depending on hyper to downcast
/// them, they are recognised by their (stable) wording. This only picks the kind reported;
/// the retry decision (`OutcomeUnknown`) is the same either way.
fn closed(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<io::Error>()
            && matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::NotConnected
            )
        {
            return true;
        }
        let text = current.to_string();
        if text.contains("connection closed")
            || text.contains("channel closed")
            || text.contains("connection reset")
        {
            return true;
        }
        source = current.source();
    }
    false
}

/// The error and its sources, `: `-separated, with the query string of any URL cut out.
fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(current) = source {
        let text = current.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = current.source();
    }
    without_queries(&message)
}

/// Cuts the query string (`?…` up to whitespace or a closing bracket) out of every URL in
/// `text`: a V1 query holds the signature and the security token.
fn without_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (before, url) = rest.split_at(start);
        out.push_str(before);
        let end = url
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '>' | '"' | '\''))
            .unwrap_or(url.len());
        let (url, after) = url.split_at(end);
        match url.find('?') {
            Some(query) => {
                out.push_str(&url[..query]);
                out.push_str("?…");
            }
            None => out.push_str(url),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cuts_queries_out_of_urls() {
        assert_eq!(
            without_queries(
                "error sending request for url (http://127.0.0.1:1/?Signature=abc&SecurityToken=t): x"
            ),
            "error sending request for url (http://127.0.0.1:1/?…): x"
        );
        assert_eq!(without_queries("no url here"), "no url here");
        assert_eq!(
            without_queries("a https://h/p b https://h/?q=1"),
            "a https://h/p b https://h/?…"
        );
    }
}
