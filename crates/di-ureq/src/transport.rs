//! The ureq side of a call: building the agent (timeouts, proxy, user agent, TLS and its
//! trusted roots), sending one attempt, reading its body under the cap, and mapping ureq's
//! errors to a [`TransportFailure`] and a [`TransportErrorKind`] (a failed TLS handshake to
//! [`TransportErrorKind::Tls`], which ends the call).
//!
//! No policy lives here: whether to retry is for di-proto's flows (`CallFlow`) to decide.

use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use di_proto::client::ClientConfig;
use di_proto::client::body::CappedBody;
use di_proto::client::proxy::{ProxyChoice, ProxyError, proxy_for};
use di_proto::retry::TransportFailure;
use di_proto::{Endpoint, Scheme};
use http::HeaderValue;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, Proxy, Timeout};

use crate::connections::Connections;
use crate::{Error, TransportErrorKind};
#[cfg(any(feature = "rustls", feature = "native-tls"))]
use di_proto::client::TlsFailure;

/// A built ureq agent, with what the client needs to know about it.
pub(crate) struct Transport {
    agent: Agent,
    connections: Connections,
    max_response_bytes: usize,
    /// `scheme://host:port` of the proxy in use, without any user info (for `Debug`).
    proxy: Option<String>,
}

/// Why an attempt produced no response to read.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The exchange failed.
    Transport(TransportError),
    /// The body was larger than the cap.
    TooLarge,
}

/// A failed exchange, classified.
#[derive(Debug)]
pub(crate) struct TransportError {
    /// Whether the request may have reached the service.
    pub(crate) failure: TransportFailure,
    /// What kind of failure it was.
    pub(crate) kind: TransportErrorKind,
    /// A description without the URL, headers or body.
    pub(crate) message: String,
}

impl Transport {
    /// Builds the agent for `endpoint` under `config`.
    ///
    /// The proxy is read from the process's environment here, once, by di-proto's one proxy
    /// policy ([`proxy_for`]); for an `https` endpoint, the trusted roots too, by di-proto's
    /// one trust policy ([`di_proto::client::tls`]: the platform's store or `SSL_CERT_FILE`'s, plus the
    /// configured extra roots).
    pub(crate) fn new(
        config: &ClientConfig,
        endpoint: &Endpoint,
        user_agent: &str,
    ) -> Result<Transport, Error> {
        Transport::with_variables(config, endpoint, user_agent, |name| {
            std::env::var(name).ok()
        })
    }

    /// [`Transport::new`], with the environment variables that `var` reads.
    fn with_variables(
        config: &ClientConfig,
        endpoint: &Endpoint,
        user_agent: &str,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Transport, Error> {
        if HeaderValue::from_str(user_agent).is_err() {
            return Err(Error::Build(
                "the user agent holds characters a header cannot carry; check the user agent \
                 suffix"
                    .to_owned(),
            ));
        }
        if endpoint.scheme() == Scheme::Https
            && !cfg!(any(feature = "rustls", feature = "native-tls"))
        {
            return Err(Error::Build(
                "an https endpoint needs the `rustls` or `native-tls` feature of di-ureq"
                    .to_owned(),
            ));
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let tls = match endpoint.scheme() {
            Scheme::Https => Some(tls_config(config, &var)?),
            Scheme::Http => None,
        };
        let choice = proxy_for(endpoint, var).map_err(proxy_error)?;
        let proxy = choice.as_ref().map(build_proxy).transpose()?;
        let proxy_display = choice.map(|choice| choice.without_credentials().to_owned());

        let connect = Some(config.connect_timeout());
        let read = Some(config.read_timeout());
        let max_connections = config.max_connections();
        let builder = Agent::config_builder()
            // Every response, whatever its status, goes to di-proto.
            .http_status_as_error(false)
            // A signed request must not follow a redirect; a 3xx goes to di-proto as is.
            .max_redirects(0)
            // Always set, so that ureq's own reading of the environment never applies.
            .proxy(proxy)
            .user_agent(user_agent)
            // One client talks to one host: its pool keeps every connection the cap allows,
            // so none is closed for lack of room (see `crate::connections`).
            .max_idle_connections(max_connections)
            .max_idle_connections_per_host(max_connections)
            // Connecting: name resolution, then TCP, proxy and TLS setup, each bounded.
            .timeout_resolve(connect)
            .timeout_connect(connect)
            // Sending a small request rarely blocks; bound it anyway.
            .timeout_send_request(read)
            .timeout_send_body(read)
            // Receiving: the headers within `read`, then the whole body within `read` of
            // them, however it trickles.
            .timeout_recv_response(read)
            .timeout_recv_body(read);
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let builder = match tls {
            Some(tls) => builder.tls_config(tls),
            None => builder,
        };
        Ok(Transport {
            agent: Agent::with_parts(builder.build(), DefaultConnector::new(), NameResolver),
            connections: Connections::new(max_connections),
            max_response_bytes: config.max_response_bytes(),
            proxy: proxy_display,
        })
    }

    /// The proxy in use, as `scheme://host:port` (never its user info).
    pub(crate) fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// Sends one attempt and reads its whole response, once one of the client's
    /// `max_connections` places is free. `time_left` is what remains of the retry policy's
    /// deadline: waiting for a place, then the attempt, give up when it runs out.
    pub(crate) fn send(
        &self,
        request: http::Request<Vec<u8>>,
        time_left: Option<Duration>,
    ) -> Result<http::Response<Vec<u8>>, Failure> {
        let waiting = Instant::now();
        // Held until the body is read: ureq has put the connection back in its pool by then.
        let Some(_admission) = self.connections.admit(time_left) else {
            return Err(Failure::Transport(TransportError {
                failure: TransportFailure::NotSent,
                kind: TransportErrorKind::Timeout,
                message: format!(
                    "all {} connections stayed busy until the retry policy's deadline",
                    self.connections.max()
                ),
            }));
        };
        let time_left = time_left.map(|left| left.saturating_sub(waiting.elapsed()));
        let result = match time_left {
            Some(left) => {
                let request = self
                    .agent
                    .configure_request(request)
                    .timeout_global(Some(left.max(Duration::from_millis(1))))
                    .build();
                self.agent.run(request)
            }
            None => self.agent.run(request),
        };
        let response = result.map_err(|error| Failure::Transport(classify(&error)))?;
        let (parts, mut body) = response.into_parts();
        // di-proto's one rule: a declared length over the cap is refused unread, and at most
        // the cap is kept.
        let mut capped = CappedBody::with_hint(self.max_response_bytes, body.content_length())
            .map_err(|_| Failure::TooLarge)?;
        let mut reader = body.as_reader();
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => capped.push(&chunk[..read]).map_err(|_| Failure::TooLarge)?,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(Failure::Transport(classify_body_error(error))),
            }
        }
        Ok(http::Response::from_parts(parts, capped.finish()))
    }
}

/// The piece of a body read at a time.
const READ_CHUNK: usize = 16 * 1024;

/// ureq's TLS settings: rustls (ring) or, with only the `native-tls` feature, the platform's
/// TLS library; the roots [`di_tls::trusted_roots`] gives, and nothing else.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub(crate) fn tls_config(
    config: &ClientConfig,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<ureq::tls::TlsConfig, Error> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
    let roots =
        di_tls::trusted_roots(config, var).map_err(|error| Error::Build(error.to_string()))?;
    let roots: Vec<Certificate<'static>> = roots
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    let provider = if cfg!(feature = "rustls") {
        TlsProvider::Rustls
    } else {
        TlsProvider::NativeTls
    };
    Ok(TlsConfig::builder()
        .provider(provider)
        .root_certs(RootCerts::from(roots))
        .build())
}

/// Why the TLS handshake failed, when `error` is such a failure: rustls' own error (inside
/// ureq's I/O error), or native-tls' (OpenSSL's verify result in its text).
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn tls_failure(error: &ureq::Error) -> Option<TlsFailure> {
    match error {
        #[cfg(feature = "rustls")]
        ureq::Error::Io(error) => error
            .get_ref()?
            .downcast_ref::<rustls::Error>()
            .and_then(di_tls::rustls_failure),
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(error) => di_tls::rustls_failure(error),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(error) => Some(
            di_proto::client::tls::openssl_verify_failure(&error.to_string())
                .unwrap_or(TlsFailure::Handshake),
        ),
        _ => None,
    }
}

/// A proxy variable refused by di-proto's policy, as a build error (the same message as
/// di-reqwest's).
fn proxy_error(error: ProxyError) -> Error {
    Error::Build(error.to_string())
}

/// The ureq proxy for `choice`. di-proto has validated its URL; should ureq refuse it still,
/// the error names the variable only (the URL may hold a password).
fn build_proxy(choice: &ProxyChoice) -> Result<Proxy, Error> {
    Proxy::new(choice.url_with_credentials()).map_err(|_| {
        proxy_error(ProxyError::Invalid {
            variable: choice.variable(),
            reason: "the HTTP stack refused it",
        })
    })
}

/// ureq's own resolver, except that any failure to resolve is `HostNotFound`: the standard
/// library reports a failed lookup as an uncategorised I/O error, which could not otherwise be
/// told apart from a failure after the request left. Nothing is sent before resolution, so
/// such a failure is always safe to retry.
///
/// An IP address needs no lookup: it is answered here. ureq resolves the host of every
/// request, pooled connection or not, and its resolver runs each lookup under a timeout on a
/// thread of its own, which costs more than the rest of a call on loopback.
#[derive(Debug)]
struct NameResolver;

impl Resolver for NameResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(address) = ip_address_of(uri) {
            let mut resolved = self.empty();
            for address in config.ip_family().keep_wanted(std::iter::once(address)) {
                resolved.push(address);
            }
            return if resolved.is_empty() {
                Err(ureq::Error::HostNotFound)
            } else {
                Ok(resolved)
            };
        }
        DefaultResolver::default()
            .resolve(uri, config, timeout)
            .map_err(|error| match error {
                ureq::Error::Io(error) => {
                    tracing::debug!(%error, "the host name did not resolve");
                    ureq::Error::HostNotFound
                }
                other => other,
            })
    }
}

/// The socket address of a URI whose host is an IP address (`[v6]` bracketed), with the
/// scheme's default port when none is given.
fn ip_address_of(uri: &http::Uri) -> Option<SocketAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = match uri.port_u16() {
        Some(port) => port,
        None => match uri.scheme_str()? {
            "https" => 443,
            "http" => 80,
            _ => return None,
        },
    };
    Some(SocketAddr::new(ip, port))
}

/// Classifies an error of `Agent::run`: connection setup failures are
/// [`TransportFailure::NotSent`]; anything that may have happened after the first request
/// byte left is [`TransportFailure::OutcomeUnknown`].
pub(crate) fn classify(error: &ureq::Error) -> TransportError {
    use TransportErrorKind::{Connect, Other};
    use TransportFailure::{NotSent, OutcomeUnknown};
    // The handshake comes before the request: nothing was sent.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    if let Some(cause) = tls_failure(error) {
        return TransportError {
            failure: NotSent,
            kind: TransportErrorKind::Tls(cause),
            message: describe(error),
        };
    }
    let (failure, kind) = match error {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Tls(_)
        | ureq::Error::TlsRequired => (NotSent, Connect),
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        ureq::Error::Pem(_) => (NotSent, Connect),
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => (NotSent, Connect),
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) | ureq::Error::Der(_) => (NotSent, Connect),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            (NotSent, Other)
        }
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => {
            (NotSent, TransportErrorKind::Timeout)
        }
        ureq::Error::Timeout(_) => (OutcomeUnknown, TransportErrorKind::Timeout),
        ureq::Error::Io(error) => classify_io(error),
        _ => (OutcomeUnknown, Other),
    };
    TransportError {
        failure,
        kind,
        message: describe(error),
    }
}

/// Classifies an error while reading the body: the request was sent, so the outcome is
/// unknown whatever the error.
fn classify_body_error(error: io::Error) -> TransportError {
    let error = ureq::Error::from(error);
    let classified = classify(&error);
    TransportError {
        failure: TransportFailure::OutcomeUnknown,
        // A TLS error in the body is no failed handshake: it may not end the call.
        kind: match classified.kind {
            TransportErrorKind::Tls(_) => TransportErrorKind::Other,
            kind => kind,
        },
        ..classified
    }
}

fn classify_io(error: &io::Error) -> (TransportFailure, TransportErrorKind) {
    use io::ErrorKind as K;
    match error.kind() {
        // Only a connect attempt fails these ways.
        K::ConnectionRefused
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::AddrNotAvailable
        | K::AddrInUse => (TransportFailure::NotSent, TransportErrorKind::Connect),
        K::ConnectionReset
        | K::ConnectionAborted
        | K::BrokenPipe
        | K::UnexpectedEof
        | K::NotConnected => (
            TransportFailure::OutcomeUnknown,
            TransportErrorKind::ConnectionClosed,
        ),
        K::TimedOut | K::WouldBlock => (
            TransportFailure::OutcomeUnknown,
            TransportErrorKind::Timeout,
        ),
        // A TLS failure shows as an I/O error too, in the handshake or later: which one
        // cannot be told apart here, so it counts as possibly sent.
        _ => (TransportFailure::OutcomeUnknown, TransportErrorKind::Other),
    }
}

/// Describes `error` without the URL (which carries the signature, the AccessKey id and any
/// STS token in its query), a header or a body.
pub(crate) fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(timeout) => format!("timed out {}", timeout_phase(*timeout)),
        ureq::Error::Io(error) => error.to_string(),
        ureq::Error::HostNotFound => "the host name did not resolve".to_owned(),
        ureq::Error::BadUri(_) => "the request URL is invalid".to_owned(),
        ureq::Error::RequireHttpsOnly(_) => "the request URL is not https".to_owned(),
        ureq::Error::Other(_) => "the HTTP stack failed".to_owned(),
        other => other.to_string(),
    }
}

fn timeout_phase(timeout: Timeout) -> &'static str {
    match timeout {
        Timeout::Resolve => "resolving the host name (connect timeout)",
        Timeout::Connect => "connecting (connect timeout)",
        Timeout::SendRequest | Timeout::SendBody | Timeout::PerWrite => {
            "sending the request (read timeout)"
        }
        Timeout::RecvResponse => "waiting for the response headers (read timeout)",
        Timeout::RecvBody => "reading the response body (read timeout)",
        Timeout::Global => "at the retry policy's deadline",
        _ => "waiting for the service",
    }
}

#[cfg(test)]
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

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::parse_allowing_http(url).unwrap()
    }

    fn build(url: &str, vars: &[(&str, &str)]) -> Result<Transport, Error> {
        Transport::with_variables(&ClientConfig::new(), &endpoint(url), "di-test", env(vars))
    }

    /// di-proto's policy, wired: the same choices and the same errors as di-reqwest
    /// (`crates/di-reqwest/src/transport.rs` has this test too).
    #[test]
    fn proxies_follow_the_one_policy() {
        let proxied = [
            ("HTTPS_PROXY", "http://user:hunter2@proxy.corp:3128"),
            ("NO_PROXY", "localhost,.example.com"),
        ];
        let transport = build("https://dataworks.aliyuncs.com", &proxied).unwrap();
        assert_eq!(transport.proxy(), Some("http://proxy.corp:3128"));
        let proxy = transport.agent.config().proxy().unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.corp", 3128));
        assert_eq!(proxy.password(), Some("hunter2"));
        assert_eq!(
            build("https://dataworks.example.com", &proxied)
                .unwrap()
                .proxy(),
            None
        );

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
            let transport = build(url, &socks).unwrap();
            assert_eq!(transport.proxy(), None, "{url}");
            assert!(transport.agent.config().proxy().is_none(), "{url}");
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
    /// (di-reqwest has this test too.)
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn ssl_cert_file_and_extra_roots_decide_the_trust() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let emulator = runtime
            .block_on(di_emulator::start(
                di_emulator::Config::default().with_tls(),
            ))
            .unwrap();
        let url = emulator.base_url();
        let ca = emulator.tls_ca_pem().unwrap().to_owned();
        let file = std::env::temp_dir().join(format!("di-ureq-{}-ca.pem", std::process::id()));
        std::fs::write(&file, &ca).unwrap();
        let path = file.to_str().unwrap();
        let call = |config: &ClientConfig, vars: &[(&str, &str)]| {
            let transport =
                Transport::with_variables(config, &endpoint(&url), "di-test", env(vars))?;
            let request = http::Request::get(format!("{url}/?Action=DeleteDISyncTask"))
                .body(Vec::new())
                .unwrap();
            Ok::<_, Error>(transport.send(request, Some(Duration::from_secs(5))))
        };
        let config = ClientConfig::new();
        // The handshake passed: the gateway answered, refusing an unsigned request (400
        // MissingVersion).
        assert_eq!(
            call(&config, &[("SSL_CERT_FILE", path)])
                .unwrap()
                .map(|response| response.status().as_u16())
                .ok(),
            Some(400)
        );
        assert_eq!(
            call(&config.clone().with_root_certificates_pem(ca.clone()), &[])
                .unwrap()
                .map(|response| response.status().as_u16())
                .ok(),
            Some(400)
        );
        match call(&config, &[]).unwrap() {
            Err(Failure::Transport(failed)) => {
                assert_eq!(
                    failed.kind,
                    TransportErrorKind::Tls(TlsFailure::UnknownIssuer)
                );
                assert_eq!(failed.failure, TransportFailure::NotSent);
            }
            other => panic!("{other:?}"),
        }
        // Only the extra roots: SSL_CERT_FILE is not read.
        let only = config
            .clone()
            .with_platform_roots(false)
            .with_root_certificates_pem(ca);
        assert_eq!(
            call(&only, &[("SSL_CERT_FILE", "/nonexistent/ca.pem")])
                .unwrap()
                .map(|response| response.status().as_u16())
                .ok(),
            Some(400)
        );
        let Err(Error::Build(message)) = call(&config, &[("SSL_CERT_FILE", "/nonexistent/ca.pem")])
        else {
            panic!("an unreadable SSL_CERT_FILE was accepted");
        };
        assert!(
            message.starts_with("SSL_CERT_FILE file \"/nonexistent/ca.pem\": cannot be read"),
            "{message}"
        );
        let Err(Error::Build(message)) =
            call(&config.clone().with_root_certificates_pem("not PEM"), &[])
        else {
            panic!("PEM without a certificate was accepted");
        };
        assert_eq!(
            message,
            "extra root certificates (PEM #1): holds no PEM CERTIFICATE block"
        );
        let _ = std::fs::remove_file(&file);
        runtime.block_on(emulator.shutdown());
    }

    #[test]
    fn ip_addresses_need_no_lookup() {
        let uri = |text: &str| text.parse::<http::Uri>().unwrap();
        assert_eq!(
            ip_address_of(&uri("http://127.0.0.1:8080/?a=b")),
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(
            ip_address_of(&uri("https://[::1]/")),
            Some("[::1]:443".parse().unwrap())
        );
        assert_eq!(
            ip_address_of(&uri("http://10.0.0.7")),
            Some("10.0.0.7:80".parse().unwrap())
        );
        assert_eq!(ip_address_of(&uri("http://localhost:8080/")), None);
        assert_eq!(ip_address_of(&uri("https://dataworks.aliyuncs.com/")), None);
        // The same answer as ureq's resolver, without its lookup thread.
        let config = ureq::config::Config::default();
        for text in ["http://127.0.0.1:8080/", "https://[::1]/"] {
            let bounded = NextTimeout {
                after: Duration::from_secs(5).into(),
                ..NextTimeout::default()
            };
            let ours = NameResolver.resolve(&uri(text), &config, bounded).unwrap();
            // Without a timeout, ureq's resolver runs on the calling thread.
            let theirs = DefaultResolver::default()
                .resolve(&uri(text), &config, NextTimeout::default())
                .unwrap();
            assert_eq!(ours.to_vec(), theirs.to_vec(), "{text}");
        }
    }

    #[test]
    fn maps_errors_by_phase() {
        let refused = ureq::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        let mapped = classify(&refused);
        assert_eq!(mapped.failure, TransportFailure::NotSent);
        assert_eq!(mapped.kind, TransportErrorKind::Connect);
        for (error, failure, kind) in [
            (
                ureq::Error::HostNotFound,
                TransportFailure::NotSent,
                TransportErrorKind::Connect,
            ),
            (
                ureq::Error::Timeout(Timeout::Connect),
                TransportFailure::NotSent,
                TransportErrorKind::Timeout,
            ),
            (
                ureq::Error::Timeout(Timeout::RecvResponse),
                TransportFailure::OutcomeUnknown,
                TransportErrorKind::Timeout,
            ),
            (
                ureq::Error::Timeout(Timeout::Global),
                TransportFailure::OutcomeUnknown,
                TransportErrorKind::Timeout,
            ),
            (
                ureq::Error::Io(io::Error::from(io::ErrorKind::ConnectionReset)),
                TransportFailure::OutcomeUnknown,
                TransportErrorKind::ConnectionClosed,
            ),
            (
                ureq::Error::Io(io::Error::from(io::ErrorKind::InvalidData)),
                TransportFailure::OutcomeUnknown,
                TransportErrorKind::Other,
            ),
        ] {
            let mapped = classify(&error);
            assert_eq!((mapped.failure, mapped.kind), (failure, kind), "{error}");
        }
        // Whatever happens to the body, the request went out.
        let mapped = classify_body_error(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(mapped.failure, TransportFailure::OutcomeUnknown);
        let mapped = classify_body_error(ureq::Error::Timeout(Timeout::RecvBody).into_io());
        assert_eq!(mapped.failure, TransportFailure::OutcomeUnknown);
        assert_eq!(mapped.kind, TransportErrorKind::Timeout);
        assert_eq!(
            mapped.message,
            "timed out reading the response body (read timeout)"
        );
    }

    #[test]
    fn messages_never_carry_the_url() {
        let url = "http://127.0.0.1/?AccessKeyId=LTAI&Signature=abc&SecurityToken=CAIS";
        for error in [
            ureq::Error::BadUri(format!("{url} is missing host")),
            ureq::Error::RequireHttpsOnly(url.to_owned()),
            ureq::Error::Other(url.into()),
        ] {
            let message = classify(&error).message;
            assert!(!message.contains("Signature"), "{message}");
        }
    }
}
