//! The ureq side of a call: building the agent (timeouts, proxy, user agent, TLS), sending
//! one attempt, reading its body under the cap, and mapping ureq's errors to a
//! [`TransportFailure`] and a [`TransportErrorKind`].
//!
//! No policy lives here: whether to retry is di-proto's `Call` to decide.

use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use di_proto::config::ClientConfig;
use di_proto::retry::TransportFailure;
use di_proto::{Endpoint, Scheme};
use http::HeaderValue;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Agent, Proxy, Timeout};

use crate::connections::Connections;
use crate::{Error, TransportErrorKind};

/// The variables a proxy for an `https` endpoint is read from, in order.
const HTTPS_PROXY_VARS: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
/// The variables a proxy for a plain `http` endpoint is read from, in order.
const HTTP_PROXY_VARS: [&str; 4] = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];
/// The variables listing the hosts that bypass the proxy, in order.
const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// Never read more than this much ahead of time for a body, whatever its `Content-Length`.
const MAX_BODY_PREALLOCATION: usize = 64 * 1024;

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
    /// The proxy is read from the environment here, once (see [`proxy_for`]).
    pub(crate) fn new(
        config: &ClientConfig,
        endpoint: &Endpoint,
        user_agent: &str,
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
        let proxy = match proxy_for(endpoint, |name| std::env::var(name).ok()) {
            Some((variable, url)) => Some(build_proxy(variable, &url)?),
            None => None,
        };
        let proxy_display = proxy
            .as_ref()
            .map(|proxy| format!("{}://{}:{}", scheme_of(proxy), proxy.host(), proxy.port()));

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
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let builder = builder.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        );
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
        let limit = self.max_response_bytes;
        let capacity = body
            .content_length()
            .and_then(|length| usize::try_from(length).ok())
            .unwrap_or(0)
            .min(limit.saturating_add(1))
            .min(MAX_BODY_PREALLOCATION);
        let mut bytes = Vec::with_capacity(capacity);
        let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        body.as_reader()
            .take(cap)
            .read_to_end(&mut bytes)
            .map_err(|error| Failure::Transport(classify_body_error(error)))?;
        if bytes.len() > limit {
            return Err(Failure::TooLarge);
        }
        Ok(http::Response::from_parts(parts, bytes))
    }
}

/// Picks the proxy for `endpoint` from the environment variables `var` reads, as the official
/// SDKs do: `HTTPS_PROXY`/`https_proxy` (for an `https` endpoint) or `HTTP_PROXY`/`http_proxy`
/// (for `http`), then `ALL_PROXY`/`all_proxy`; none for a host `NO_PROXY`/`no_proxy` lists,
/// and never for a loopback host. Empty values count as unset.
///
/// Returns the variable the proxy came from and its value.
pub(crate) fn proxy_for(
    endpoint: &Endpoint,
    var: impl Fn(&str) -> Option<String>,
) -> Option<(&'static str, String)> {
    if endpoint.is_loopback() {
        return None;
    }
    let set = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    if let Some(no_proxy) = NO_PROXY_VARS.iter().find_map(|name| set(name))
        && bypasses(&no_proxy, endpoint.host())
    {
        return None;
    }
    let candidates = match endpoint.scheme() {
        Scheme::Https => HTTPS_PROXY_VARS,
        Scheme::Http => HTTP_PROXY_VARS,
    };
    candidates
        .into_iter()
        .find_map(|name| Some((name, set(name)?.trim().to_owned())))
}

/// Whether `no_proxy` (comma-separated entries) lists `host`: `*` lists every host; an entry
/// lists its host and every subdomain (a leading `.` or `*.` is ignored); an entry's port, if
/// any, is ignored.
fn bypasses(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    no_proxy.split(',').any(|entry| {
        let entry = entry.trim();
        if entry == "*" {
            return true;
        }
        let entry = entry.trim_start_matches('*').trim_start_matches('.');
        let entry = strip_port(entry)
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        !entry.is_empty()
            && (host == entry
                || host
                    .strip_suffix(entry.as_str())
                    .is_some_and(|rest| rest.ends_with('.')))
    })
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`; a bare IPv6 address stays whole.
fn strip_port(entry: &str) -> &str {
    if let Some(end) = entry.find(']') {
        return &entry[..=end];
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            host
        }
        _ => entry,
    }
}

fn build_proxy(variable: &str, url: &str) -> Result<Proxy, Error> {
    // The value may hold a password: it never goes into a message.
    let proxy = Proxy::new(url).map_err(|_| {
        Error::Build(format!(
            "{variable} is not a proxy URL of the form http://[user:password@]host[:port]"
        ))
    })?;
    if !matches!(
        proxy.protocol(),
        ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https
    ) {
        return Err(Error::Build(format!(
            "{variable} names a SOCKS proxy; di-ureq supports HTTP(S) CONNECT proxies"
        )));
    }
    Ok(proxy)
}

fn scheme_of(proxy: &Proxy) -> &'static str {
    match proxy.protocol() {
        ureq::ProxyProtocol::Https => "https",
        _ => "http",
    }
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
    TransportError {
        failure: TransportFailure::OutcomeUnknown,
        ..classify(&error)
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
fn describe(error: &ureq::Error) -> String {
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

    const EVERY_PROXY: &[(&str, &str)] = &[
        ("HTTPS_PROXY", "http://secure-proxy:3128"),
        ("https_proxy", "http://lower-secure-proxy:3128"),
        ("HTTP_PROXY", "http://plain-proxy:3128"),
        ("http_proxy", "http://lower-plain-proxy:3128"),
        ("ALL_PROXY", "http://all-proxy:3128"),
        ("all_proxy", "http://lower-all-proxy:3128"),
    ];

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::parse_allowing_http(url).unwrap()
    }

    #[test]
    fn loopback_is_never_proxied() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.3.2.1",
            "http://localhost:9000",
            "http://LOCALHOST:9000",
            "http://[::1]:8080",
            "https://localhost",
        ] {
            assert_eq!(proxy_for(&endpoint(url), env(EVERY_PROXY)), None, "{url}");
        }
    }

    #[test]
    fn picks_the_variable_of_the_scheme_then_all_proxy() {
        let https = endpoint("https://dataworks.cn-shanghai.aliyuncs.com");
        let http = endpoint("http://dataworks.internal");
        assert_eq!(
            proxy_for(&https, env(EVERY_PROXY)),
            Some(("HTTPS_PROXY", "http://secure-proxy:3128".to_owned()))
        );
        assert_eq!(
            proxy_for(&http, env(EVERY_PROXY)),
            Some(("HTTP_PROXY", "http://plain-proxy:3128".to_owned()))
        );
        // Lower case when upper case is missing or empty.
        let lower = [("HTTPS_PROXY", " "), ("https_proxy", "http://p:1")];
        assert_eq!(
            proxy_for(&https, env(&lower)),
            Some(("https_proxy", "http://p:1".to_owned()))
        );
        // An http proxy variable does not apply to https, and the other way round.
        assert_eq!(
            proxy_for(&https, env(&[("HTTP_PROXY", "http://p:1")])),
            None
        );
        assert_eq!(
            proxy_for(&http, env(&[("HTTPS_PROXY", "http://p:1")])),
            None
        );
        // ALL_PROXY for both.
        let all = [("all_proxy", "http://all:8080")];
        assert_eq!(
            proxy_for(&https, env(&all)),
            Some(("all_proxy", "http://all:8080".to_owned()))
        );
        assert_eq!(
            proxy_for(&http, env(&all)),
            Some(("all_proxy", "http://all:8080".to_owned()))
        );
        assert_eq!(proxy_for(&https, env(&[])), None);
    }

    #[test]
    fn no_proxy_lists_hosts_and_their_subdomains() {
        let host = endpoint("https://dataworks.cn-shanghai.aliyuncs.com");
        for no_proxy in [
            "*",
            "dataworks.cn-shanghai.aliyuncs.com",
            "DataWorks.CN-Shanghai.aliyuncs.com.",
            "aliyuncs.com",
            ".aliyuncs.com",
            "*.aliyuncs.com",
            "example.com, .aliyuncs.com",
            "aliyuncs.com:443",
        ] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert_eq!(proxy_for(&host, env(&vars)), None, "{no_proxy}");
            let vars = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", no_proxy)];
            assert_eq!(proxy_for(&host, env(&vars)), None, "{no_proxy}");
        }
        for no_proxy in [
            "",
            "example.com",
            "yuncs.com",
            "shanghai.aliyuncs",
            ".",
            "*.*",
        ] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert!(proxy_for(&host, env(&vars)).is_some(), "{no_proxy:?}");
        }
        let address = endpoint("https://10.0.0.7:8443");
        let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "10.0.0.7")];
        assert_eq!(proxy_for(&address, env(&vars)), None);
        let v6 = endpoint("https://[fd00::7]:8443");
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "[fd00::7]:8443"),
        ];
        assert_eq!(proxy_for(&v6, env(&vars)), None);
        let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "fd00::7")];
        assert_eq!(proxy_for(&v6, env(&vars)), None);
    }

    #[test]
    fn proxies_are_checked_without_echoing_them() {
        let error = build_proxy("HTTPS_PROXY", "ftp://user:hunter2@proxy").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
        let error = build_proxy("ALL_PROXY", "socks5://proxy:1080").unwrap_err();
        assert!(error.to_string().contains("SOCKS"), "{error}");
        let proxy = build_proxy("HTTPS_PROXY", "http://user:hunter2@proxy:3128").unwrap();
        assert_eq!(proxy.host(), "proxy");
        assert_eq!(proxy.port(), 3128);
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
