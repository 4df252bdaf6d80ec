//! The reqwest side of an attempt: building the HTTP client once, sending one signed request,
//! reading its response under the read deadline and the body cap, and mapping reqwest's
//! failures to [`TransportFailure`] and [`TransportErrorKind`] (a failed TLS handshake to
//! [`TransportErrorKind::Tls`], which ends the call).

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use di_proto::Endpoint;
use di_proto::client::ClientConfig;
use di_proto::client::body::CappedBody;
use di_proto::client::proxy::{ProxyError, proxy_for};
use di_proto::retry::TransportFailure;

use crate::connections::{Admission, Connections};
use crate::{Error, TransportErrorKind};
#[cfg(any(feature = "rustls", feature = "native-tls"))]
use di_proto::client::TlsFailure;

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

/// The HTTP side of a [`Client`](crate::Client): one reqwest client (one connection pool),
/// the cap on its connections, and the proxy it goes through.
#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    connections: Connections,
    max_connections: usize,
    /// `scheme://host:port` of the proxy in use, without any user info (for `Debug`).
    proxy: Option<String>,
}

/// Builds the one reqwest client (one connection pool) of a [`Client`](crate::Client).
///
/// - `connect_timeout` bounds name resolution, TCP connect, a proxy tunnel and the TLS
///   handshake; the read timeout is applied per attempt by [`Http::send`], not here.
/// - At most `max_connections` connections: see [`crate::connections`].
/// - No redirects and no reqwest retries: every response goes to di-proto as it came, and
///   every attempt is one that di-proto counted and signed.
/// - The proxy is read from the process's environment by di-proto's one proxy policy
///   ([`proxy_for`]: `HTTPS_PROXY`/`https_proxy` or `HTTP_PROXY`/`http_proxy`, then
///   `ALL_PROXY`/`all_proxy`; `NO_PROXY`/`no_proxy`; never for loopback; HTTP(S) proxies
///   only), the same as di-ureq's; reqwest's own reading of the environment is off. A client
///   talks to one endpoint only, so that decision is made once, here.
/// - TLS: rustls with ring (or, with only the `native-tls` feature, the platform's TLS
///   library), trusting the roots of di-proto's one trust policy ([`di_proto::client::tls`]: the
///   platform's store or `SSL_CERT_FILE`'s, plus the configured extra roots), read here.
pub(crate) fn build_http_client(config: &ClientConfig, endpoint: &Endpoint) -> Result<Http, Error> {
    build_with_variables(config, endpoint, |name| std::env::var(name).ok())
}

/// [`build_http_client`], with the environment variables that `var` reads.
fn build_with_variables(
    config: &ClientConfig,
    endpoint: &Endpoint,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Http, Error> {
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
        .retry(reqwest::retry::never())
        // Always: reqwest's own reading of the environment never applies.
        .no_proxy();
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    {
        builder = with_tls(
            builder,
            config,
            &var,
            endpoint.scheme() == di_proto::Scheme::Https,
        )?;
    }
    let choice = proxy_for(endpoint, var).map_err(proxy_error)?;
    if let Some(choice) = &choice {
        // di-proto has validated the URL; should reqwest refuse it still, the error names the
        // variable only (the URL may hold a password).
        let proxy = reqwest::Proxy::all(choice.url_with_credentials()).map_err(|_| {
            proxy_error(ProxyError::Invalid {
                variable: choice.variable(),
                reason: "the HTTP stack refused it",
            })
        })?;
        builder = builder.proxy(proxy);
    }
    let client = builder
        .build()
        .map_err(|error| Error::Build(describe(&error.without_url())))?;
    Ok(Http {
        client,
        connections,
        max_connections,
        proxy: choice.map(|choice| choice.without_credentials().to_owned()),
    })
}

/// Sets up TLS on `builder`: rustls (ring) over the trusted roots, or native-tls with them
/// as its only roots. For a plain-HTTP endpoint (`https` false) no root is read: rustls
/// still gets its configuration (reqwest builds one whatever the endpoint, and has no crypto
/// provider of its own here), with none.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn with_tls(
    builder: reqwest::ClientBuilder,
    config: &ClientConfig,
    var: &impl Fn(&str) -> Option<String>,
    https: bool,
) -> Result<reqwest::ClientBuilder, Error> {
    let roots = if https {
        di_tls::trusted_roots(config, var).map_err(|error| Error::Build(error.to_string()))?
    } else {
        Vec::new()
    };
    #[cfg(feature = "rustls")]
    {
        use std::sync::Arc;
        let mut store = rustls::RootCertStore::empty();
        // A platform store may hold certificates webpki cannot use; they are skipped, as
        // every rustls client does.
        let (_added, _ignored) = store.add_parsable_certificates(roots);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::Build(format!("TLS setup: {error}")))?
            .with_root_certificates(store)
            .with_no_client_auth();
        // HTTP/1.1 only, as the client speaks.
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(builder.tls_backend_preconfigured(tls))
    }
    #[cfg(not(feature = "rustls"))]
    {
        if !https {
            return Ok(builder);
        }
        let mut certificates = Vec::with_capacity(roots.len());
        for der in &roots {
            // Skipped when OpenSSL cannot read one, as a platform store may hold such.
            if let Ok(certificate) = reqwest::Certificate::from_der(der.as_ref()) {
                certificates.push(certificate);
            }
        }
        Ok(builder.tls_backend_native().tls_certs_only(certificates))
    }
}

/// Why the TLS handshake failed, when a connect `error` is such a failure: a rustls error in
/// its sources, or OpenSSL's description under native-tls.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_failure(error: &reqwest::Error) -> Option<TlsFailure> {
    if !error.is_connect() {
        return None;
    }
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = source {
        #[cfg(feature = "rustls")]
        if let Some(rustls_error) = rustls_error_in(current) {
            return di_tls::rustls_failure(rustls_error);
        }
        source = current.source();
    }
    #[cfg(not(feature = "rustls"))]
    {
        di_proto::client::tls::openssl_verify_failure(&describe(error))
    }
    #[cfg(feature = "rustls")]
    None
}

/// The rustls error `error` is, or holds: hyper's connector wraps it in an I/O error inside
/// another, and an I/O error's `source` skips the error it holds.
#[cfg(feature = "rustls")]
fn rustls_error_in<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current = error;
    loop {
        if let Some(found) = current.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        let inner: &(dyn StdError + 'static) = current.downcast_ref::<io::Error>()?.get_ref()?;
        current = inner;
    }
}

/// A proxy variable refused by di-proto's policy, as a build error (the same message as
/// di-ureq's).
fn proxy_error(error: ProxyError) -> Error {
    Error::Build(error.to_string())
}

impl Http {
    /// The proxy in use, as `scheme://host:port` (never its user info).
    pub(crate) fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

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
/// connect timeout set on the client (and counts against this deadline too). The body is read
/// under `limit` by di-proto's one rule ([`CappedBody`]): a declared length over it is refused
/// unread, and at most `limit` bytes are kept.
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
        let mut body = CappedBody::with_hint(limit, response.content_length())
            .map_err(|_| AttemptError::TooLarge)?;
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            body.push(&chunk).map_err(|_| AttemptError::TooLarge)?;
        }
        if let Some(admission) = admission {
            admission.finished(response.version(), response.headers());
        }
        let mut answer = http::Response::new(body.finish());
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
    // The handshake comes before the request: nothing was sent.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    if let Some(cause) = tls_failure(error) {
        return (TransportFailure::NotSent, TransportErrorKind::Tls(cause));
    }
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

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn build(url: &str, vars: &[(&str, &str)]) -> Result<Http, Error> {
        let endpoint = Endpoint::parse_allowing_http(url).unwrap();
        build_with_variables(&ClientConfig::new(), &endpoint, env(vars))
    }

    /// di-proto's policy, wired: the same choices and the same errors as di-ureq
    /// (`crates/di-ureq/src/transport.rs` has this test too).
    #[test]
    fn proxies_follow_the_one_policy() {
        let proxied = [
            ("HTTPS_PROXY", "http://user:hunter2@proxy.corp:3128"),
            ("NO_PROXY", "localhost,.example.com"),
        ];
        let http = build("https://dataworks.aliyuncs.com", &proxied).unwrap();
        assert_eq!(http.proxy(), Some("http://proxy.corp:3128"));
        // reqwest's client has it (and shows no password either).
        let debug = format!("{http:?}");
        assert!(debug.contains("proxy.corp:3128"), "{debug}");
        assert!(!debug.contains("hunter2"), "{debug}");
        let direct = build("https://dataworks.example.com", &proxied).unwrap();
        assert_eq!(direct.proxy(), None);
        let debug = format!("{direct:?}");
        assert!(!debug.contains("proxy.corp"), "{debug}");

        // `.example.com` lists example.com and its subdomains: they go direct, and ALL_PROXY,
        // a SOCKS proxy, is refused for every other host, naming the variable only.
        let socks = [
            ("ALL_PROXY", "socks5://user:hunter2@proxy.corp:1080"),
            ("no_proxy", " .example.com "),
        ];
        for url in [
            "https://example.com",
            "https://dataworks.Example.com:8443",
            "http://127.0.0.1:8080",
        ] {
            let http = build(url, &socks).unwrap();
            assert_eq!(http.proxy(), None, "{url}");
            let debug = format!("{http:?}");
            assert!(!debug.contains("proxy.corp"), "{url}: {debug}");
        }
        let Err(Error::Build(message)) = build("https://dataworks.aliyuncs.com", &socks) else {
            panic!("a SOCKS proxy was accepted");
        };
        assert_eq!(
            message,
            ProxyError::Socks {
                variable: "ALL_PROXY"
            }
            .to_string()
        );
        assert!(!message.contains("hunter2"), "{message}");
    }

    /// di-proto's trust policy, wired: `SSL_CERT_FILE` replaces the platform's roots, the
    /// extra roots add to them, and a file that cannot be read is a build error naming it.
    /// (di-ureq has this test too.)
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[tokio::test]
    async fn ssl_cert_file_and_extra_roots_decide_the_trust() {
        let emulator = di_emulator::start(di_emulator::Config::default().with_tls())
            .await
            .unwrap();
        let url = emulator.base_url();
        let ca = emulator.tls_ca_pem().unwrap().to_owned();
        let file = std::env::temp_dir().join(format!("di-reqwest-{}-ca.pem", std::process::id()));
        std::fs::write(&file, &ca).unwrap();
        let path = file.to_str().unwrap();
        let endpoint = Endpoint::parse(&url).unwrap();
        let call = async |config: &ClientConfig, vars: &[(&str, &str)]| {
            let http = build_with_variables(config, &endpoint, env(vars))?;
            let request = http::Request::get(format!("{url}/?Action=DeleteDISyncTask"))
                .body(Vec::new())
                .unwrap();
            Ok::<_, Error>(
                http.send(request, Duration::from_secs(5), 1 << 20, None)
                    .await,
            )
        };
        let config = ClientConfig::new();
        // The handshake passed: the gateway answered, refusing an unsigned request (400
        // MissingVersion).
        assert_eq!(
            call(&config, &[("SSL_CERT_FILE", path)])
                .await
                .unwrap()
                .map(|response| response.status().as_u16())
                .ok(),
            Some(400)
        );
        let extra = config.clone().with_root_certificates_pem(ca.clone());
        assert_eq!(
            call(&extra, &[])
                .await
                .unwrap()
                .map(|response| response.status().as_u16())
                .ok(),
            Some(400)
        );
        match call(&config, &[]).await.unwrap() {
            Err(AttemptError::Transport { failure, kind, .. }) => {
                assert_eq!(kind, TransportErrorKind::Tls(TlsFailure::UnknownIssuer));
                assert_eq!(failure, TransportFailure::NotSent);
            }
            other => panic!("{other:?}"),
        }
        // Only the extra roots: SSL_CERT_FILE is not read.
        let only = config
            .clone()
            .with_platform_roots(false)
            .with_root_certificates_pem(ca);
        let missing = [("SSL_CERT_FILE", "/nonexistent/ca.pem")];
        assert_eq!(
            call(&only, &missing)
                .await
                .unwrap()
                .map(|response| response.status().as_u16())
                .ok(),
            Some(400)
        );
        let Err(Error::Build(message)) = call(&config, &missing).await else {
            panic!("an unreadable SSL_CERT_FILE was accepted");
        };
        assert!(
            message.starts_with("SSL_CERT_FILE file \"/nonexistent/ca.pem\": cannot be read"),
            "{message}"
        );
        let bad = config.clone().with_root_certificates_pem("not PEM");
        let Err(Error::Build(message)) = call(&bad, &[]).await else {
            panic!("PEM without a certificate was accepted");
        };
        assert_eq!(
            message,
            "extra root certificates (PEM #1): holds no PEM CERTIFICATE block"
        );
        let _ = std::fs::remove_file(&file);
        emulator.shutdown().await;
    }

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
