//! The settings every di transport takes, with one meaning: endpoint, signature, format,
//! timeouts, retries, user agent, response cap, connection cap. A transport reads them; none
//! adds its own.

use std::time::Duration;

use crate::client::rate::RateLimit;
use crate::client::tls::ExtraRoots;
use crate::retry::RetryPolicy;
use crate::{Credentials, Endpoint, Error, Format, Network, SignatureVersion};

/// The default connect timeout: 5 s, as the official SDKs use.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default read timeout: 10 s, as the official SDKs use.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on a response body: 1 MiB. Every DI answer is far smaller.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The default cap on a client's open connections: 64, as many calls at once as a batch of
/// a few dozen workers makes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// Why a credentials provider has none to give: the provider's own error, boxed so that any
/// provider (the default chain of `di-credentials`, one of your own) can report in its terms.
/// A client returns it as [`ClientError::Credentials`](crate::client::ClientError).
pub type CredentialsError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a blocking client's credentials come from, asked once per attempt so that a provider
/// can refresh them between attempts.
///
/// `Credentials` provides itself. The default chain (`di-credentials`, cached by each
/// transport) is the other provider.
pub trait ProvideCredentials: Send + Sync + std::fmt::Debug {
    /// The credentials to sign the next attempt with.
    ///
    /// # Errors
    /// The provider's error when none are available; it must not hold a secret.
    fn provide(&self) -> Result<Credentials, CredentialsError>;
}

impl ProvideCredentials for Credentials {
    fn provide(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.clone())
    }
}

/// A shared provider provides, so that one provider (and its cache) can serve several
/// clients and stay inspectable.
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for std::sync::Arc<P> {
    fn provide(&self) -> Result<Credentials, CredentialsError> {
        (**self).provide()
    }
}

/// The settings of a di client, shared by `di-ureq` and `di-reqwest`.
///
/// ```
/// use std::time::Duration;
/// use di_proto::client::ClientConfig;
/// use di_proto::Network;
///
/// let config = ClientConfig::new()
///     .with_region("cn-shanghai")
///     .with_network(Network::Vpc)
///     .with_read_timeout(Duration::from_secs(30));
/// assert_eq!(config.endpoint()?.host(), "dataworks-vpc.cn-shanghai.aliyuncs.com");
/// // An explicit endpoint always wins over the region.
/// let local = config.with_endpoint("http://127.0.0.1:8080");
/// assert_eq!(local.endpoint()?.to_string(), "http://127.0.0.1:8080");
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    endpoint: Option<String>,
    region: Option<String>,
    network: Network,
    allow_http: bool,
    signature_version: SignatureVersion,
    format: Format,
    connect_timeout: Duration,
    read_timeout: Duration,
    retry_policy: RetryPolicy,
    user_agent_suffix: Option<String>,
    max_response_bytes: usize,
    max_connections: usize,
    rate_limit: RateLimit,
    platform_roots: bool,
    extra_roots: ExtraRoots,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig::new()
    }
}

impl ClientConfig {
    /// No endpoint or region yet; V3, JSON, 5 s connect and 10 s read timeouts, the default
    /// [`RetryPolicy`] (3 attempts, 120 s deadline), a 1 MiB response cap, at most 64
    /// connections.
    pub fn new() -> Self {
        ClientConfig {
            endpoint: None,
            region: None,
            network: Network::Public,
            allow_http: false,
            signature_version: SignatureVersion::default(),
            format: Format::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            retry_policy: RetryPolicy::default(),
            user_agent_suffix: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            rate_limit: RateLimit::Adaptive,
            platform_roots: true,
            extra_roots: ExtraRoots::default(),
        }
    }

    /// Sends to `endpoint` (`https://host[:port]`), whatever the region says.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sends to the DataWorks endpoint of `region` when no endpoint is given.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Picks the region's public or VPC host.
    #[must_use]
    pub fn with_network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// Allows a plain-HTTP endpoint that is not loopback (never needed for Alibaba Cloud).
    #[must_use]
    pub fn with_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Signs with `signature_version` instead of V3.
    #[must_use]
    pub fn with_signature_version(mut self, signature_version: SignatureVersion) -> Self {
        self.signature_version = signature_version;
        self
    }

    /// Asks for `format` instead of JSON.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Gives up connecting after `timeout`.
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Gives up on a silent response after `timeout` (per attempt: headers, then each read).
    #[must_use]
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Retries under `policy` (its deadline bounds the whole call).
    #[must_use]
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Appends `suffix` to the user agent (`di/0.1.0 <suffix>`), to tell your tool apart.
    #[must_use]
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Refuses response bodies larger than `bytes`.
    #[must_use]
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Keeps at most `connections` connections open at once (0 counts as 1).
    ///
    /// A client makes at most this many requests at once, each on a connection of its own
    /// (HTTP/1.1); a call that finds all of them busy waits for one, at most until its retry
    /// policy's deadline, and that wait is not part of its read timeout.
    #[must_use]
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Limits the rate of this client's requests (all its calls together): learned from the
    /// service's throttled answers ([`RateLimit::Adaptive`], the default), fixed, or off. See
    /// [`crate::client::rate`].
    #[must_use]
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Sends at most `requests_per_second` requests per second, all calls together, whatever
    /// the service answers: [`RateLimit::Fixed`].
    #[must_use]
    pub fn with_max_rate(self, requests_per_second: f64) -> Self {
        self.with_rate_limit(RateLimit::Fixed(requests_per_second))
    }

    /// How the rate of requests is limited.
    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit
    }

    /// Trusts the certificates in `pem` (PEM text, one or more `CERTIFICATE` blocks) as roots
    /// for HTTPS, besides the platform's (or `SSL_CERT_FILE`'s): the root certificate of a
    /// TLS-intercepting proxy, or of a private CA. Repeatable; each call adds. Checked when
    /// the client is built ([`ClientError::Build`](crate::client::ClientError::Build)
    /// for PEM without a certificate). See [`crate::client::tls`].
    #[must_use]
    pub fn with_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(pem.into());
        self
    }

    /// Whether to trust the platform's trust store (or the file `SSL_CERT_FILE` names, which
    /// replaces it): yes by default. With `false`, only the roots given to
    /// [`ClientConfig::with_root_certificates_pem`] are trusted.
    #[must_use]
    pub fn with_platform_roots(mut self, trust: bool) -> Self {
        self.platform_roots = trust;
        self
    }

    /// Whether the platform's trust store (or `SSL_CERT_FILE`'s) is trusted.
    pub fn platform_roots(&self) -> bool {
        self.platform_roots
    }

    /// The extra root certificates, as given.
    pub fn root_certificates_pem(&self) -> &ExtraRoots {
        &self.extra_roots
    }

    /// The endpoint to send to: the explicit one, else the region's.
    ///
    /// # Errors
    /// [`Error::InvalidEndpoint`] when neither is given or the chosen one is invalid.
    pub fn endpoint(&self) -> Result<Endpoint, Error> {
        match (&self.endpoint, self.allow_http) {
            (Some(endpoint), true) => Endpoint::parse_allowing_http(endpoint),
            _ => Endpoint::resolve(
                self.endpoint.as_deref(),
                self.region.as_deref(),
                self.network,
            ),
        }
    }

    /// The signature version.
    pub fn signature_version(&self) -> SignatureVersion {
        self.signature_version
    }

    /// The response format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The read timeout.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry_policy
    }

    /// The response body cap, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The cap on open connections, at least 1.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// The `User-Agent` value: `di/<version>`, then the transport, then the suffix.
    pub fn user_agent(&self, transport: &str) -> String {
        let mut agent = format!("di/{} ({transport})", env!("CARGO_PKG_VERSION"));
        if let Some(suffix) = &self.user_agent_suffix {
            agent.push(' ');
            agent.push_str(suffix);
        }
        agent
    }
}
