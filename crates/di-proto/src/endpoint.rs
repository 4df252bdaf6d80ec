//! Where requests go: scheme and authority of the DataWorks OpenAPI endpoint.

use std::fmt;
use std::net::IpAddr;

use http::uri::{Authority, Scheme as UriScheme, Uri};

use crate::Error;

/// The URL scheme of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// TLS, the default.
    Https,
    /// Plain HTTP: only for loopback hosts or behind an explicit opt-in.
    Http,
}

impl Scheme {
    /// `https` or `http`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// Which network an endpoint is reached over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Network {
    /// The internet: `dataworks.<region>.aliyuncs.com`, the default.
    #[default]
    Public,
    /// An Alibaba Cloud VPC: `dataworks-vpc.<region>.aliyuncs.com`.
    Vpc,
}

/// The regions that the service answers on the central host `dataworks.aliyuncs.com`, over
/// either network (no VPC endpoint is documented for them).
pub const CENTRAL_REGIONS: [&str; 7] = [
    "cn-huhehaote",
    "cn-qingdao",
    "cn-zhangjiakou",
    "cn-hangzhou-finance",
    "cn-shenzhen-finance-1",
    "cn-shanghai-finance-1",
    "cn-north-2-gov-1",
];

/// The regions with a DataWorks OpenAPI host of their own (`dataworks.<region>.aliyuncs.com`),
/// from the service's endpoint list. A region in neither this list nor [`CENTRAL_REGIONS`]
/// still gets its host by the same pattern ([`Endpoint::for_region`]), for regions added
/// after this crate; a tool can refuse it as a likely typo ([`is_known_region`]).
pub const REGIONAL_REGIONS: [&str; 17] = [
    "cn-hangzhou",
    "cn-shanghai",
    "cn-beijing",
    "cn-shenzhen",
    "cn-wulanchabu",
    "cn-chengdu",
    "cn-hongkong",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "us-west-1",
    "us-east-1",
    "eu-central-1",
    "eu-west-1",
];

/// Whether `region` (as written, lower case) is one of [`REGIONAL_REGIONS`] or
/// [`CENTRAL_REGIONS`].
///
/// ```
/// assert!(di_proto::is_known_region("cn-shanghai"));
/// assert!(di_proto::is_known_region("cn-qingdao"));
/// assert!(!di_proto::is_known_region("cn-shangai"));
/// ```
pub fn is_known_region(region: &str) -> bool {
    REGIONAL_REGIONS.contains(&region) || CENTRAL_REGIONS.contains(&region)
}

/// An endpoint: `https://host[:port]`, with no path, query or user info.
///
/// ```
/// use di_proto::Endpoint;
/// let endpoint = Endpoint::parse("dataworks.cn-shanghai.aliyuncs.com")?;
/// assert_eq!(endpoint.to_string(), "https://dataworks.cn-shanghai.aliyuncs.com");
/// assert!(Endpoint::parse("http://127.0.0.1:8080")?.is_loopback());
/// assert!(Endpoint::parse("http://dataworks.aliyuncs.com").is_err());
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
}

impl Endpoint {
    /// Parses `https://host[:port]`, `http://host[:port]` or a bare `host[:port]` (HTTPS), with
    /// at most a trailing `/`. Plain HTTP is accepted only for a loopback host (`localhost`,
    /// `127.0.0.0/8`, `::1`).
    ///
    /// # Errors
    /// [`Error::InvalidEndpoint`] for anything else, including plain HTTP to another host: use
    /// [`Endpoint::parse_allowing_http`] to allow that knowingly.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let endpoint = Self::parse_allowing_http(input)?;
        if endpoint.scheme == Scheme::Http && !endpoint.is_loopback() {
            return Err(invalid(
                input,
                "plain HTTP is refused for a host that is not loopback; use HTTPS",
            ));
        }
        Ok(endpoint)
    }

    /// As [`Endpoint::parse`], but accepts plain HTTP to any host, which sends the request
    /// (and the AccessKey id, the signature and any STS token) readable by the network.
    ///
    /// # Errors
    /// [`Error::InvalidEndpoint`] when `input` is not `[scheme://]host[:port][/]`.
    pub fn parse_allowing_http(input: &str) -> Result<Self, Error> {
        let with_scheme = if input.contains("://") {
            input.to_owned()
        } else {
            format!("https://{input}")
        };
        let uri: Uri = with_scheme
            .parse()
            .map_err(|_| invalid(input, "not a URL of the form https://host[:port]"))?;
        let scheme = match uri.scheme() {
            Some(scheme) if *scheme == UriScheme::HTTPS => Scheme::Https,
            Some(scheme) if *scheme == UriScheme::HTTP => Scheme::Http,
            _ => return Err(invalid(input, "the scheme must be https or http")),
        };
        let Some(authority) = uri.authority().cloned() else {
            return Err(invalid(input, "the host is missing"));
        };
        if authority.host().is_empty() {
            return Err(invalid(input, "the host is missing"));
        }
        if authority.as_str().contains('@') {
            return Err(invalid(input, "user info is not allowed in an endpoint"));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(invalid(input, "an endpoint has no path or query"));
        }
        Ok(Endpoint { scheme, authority })
    }

    /// The DataWorks endpoint of `region` over `network`, always HTTPS: the central host
    /// `dataworks.aliyuncs.com` for the [`CENTRAL_REGIONS`], otherwise
    /// `dataworks.<region>.aliyuncs.com` ([`Network::Public`]) or
    /// `dataworks-vpc.<region>.aliyuncs.com` ([`Network::Vpc`]). An explicit endpoint, read
    /// with [`Endpoint::parse`], takes precedence over a region.
    ///
    /// ```
    /// use di_proto::{Endpoint, Network};
    /// let public = Endpoint::for_region("cn-shanghai", Network::Public)?;
    /// assert_eq!(public.to_string(), "https://dataworks.cn-shanghai.aliyuncs.com");
    /// let vpc = Endpoint::for_region("cn-shanghai", Network::Vpc)?;
    /// assert_eq!(vpc.to_string(), "https://dataworks-vpc.cn-shanghai.aliyuncs.com");
    /// let central = Endpoint::for_region("cn-qingdao", Network::Public)?;
    /// assert_eq!(central.to_string(), "https://dataworks.aliyuncs.com");
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidEndpoint`] when `region` is not 1 to 63 characters matching
    /// `^[a-z0-9]+(-[a-z0-9]+)*$`; it is neither trimmed nor lowercased.
    pub fn for_region(region: &str, network: Network) -> Result<Self, Error> {
        // A region id becomes one DNS label, which holds at most 63 bytes.
        if region.is_empty() || region.len() > 63 {
            return Err(invalid(region, "a region id is 1 to 63 characters long"));
        }
        let well_formed = region.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
        });
        if !well_formed {
            return Err(invalid(
                region,
                "a region id is lowercase letters and digits, in parts joined by single hyphens",
            ));
        }
        let host = match network {
            _ if CENTRAL_REGIONS.contains(&region) => "dataworks.aliyuncs.com".to_owned(),
            Network::Public => format!("dataworks.{region}.aliyuncs.com"),
            Network::Vpc => format!("dataworks-vpc.{region}.aliyuncs.com"),
        };
        let authority = Authority::try_from(host.as_str())
            .map_err(|_| invalid(region, "the region does not give a valid host name"))?;
        Ok(Endpoint {
            scheme: Scheme::Https,
            authority,
        })
    }

    /// Picks the endpoint the way every di front end does: an explicit endpoint always wins
    /// (read with [`Endpoint::parse`], so plain HTTP only for loopback), else the region's
    /// host over `network` ([`Endpoint::for_region`]).
    ///
    /// ```
    /// use di_proto::{Endpoint, Network};
    /// let explicit = Endpoint::resolve(Some("http://127.0.0.1:8080"), Some("cn-shanghai"), Network::Vpc)?;
    /// assert_eq!(explicit.to_string(), "http://127.0.0.1:8080");
    /// let regional = Endpoint::resolve(None, Some("cn-beijing"), Network::Public)?;
    /// assert_eq!(regional.host(), "dataworks.cn-beijing.aliyuncs.com");
    /// assert!(Endpoint::resolve(None, None, Network::Public).is_err());
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidEndpoint`] when the chosen input is invalid, or when neither is given.
    pub fn resolve(
        explicit: Option<&str>,
        region: Option<&str>,
        network: Network,
    ) -> Result<Self, Error> {
        match (explicit, region) {
            (Some(endpoint), _) => Endpoint::parse(endpoint),
            (None, Some(region)) => Endpoint::for_region(region, network),
            (None, None) => Err(invalid("", "give an endpoint URL or a region id")),
        }
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host[:port]`, the value of the `Host` header.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// `host[:port]` as `http` holds it, for building request URIs without parsing them again.
    pub(crate) fn http_authority(&self) -> &Authority {
        &self.authority
    }

    /// The host name or address, without brackets around IPv6 addresses.
    pub fn host(&self) -> &str {
        let host = self.authority.host();
        host.strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.authority.port_u16()
    }

    /// Whether the host is `localhost`, in `127.0.0.0/8` or `::1`.
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<IpAddr>()
                .is_ok_and(|address| address.is_loopback())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.authority)
    }
}

fn invalid(input: &str, reason: &'static str) -> Error {
    Error::InvalidEndpoint {
        input: crate::error::truncate_for_message(input, 256),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hosts_with_and_without_scheme() {
        for (input, display, loopback) in [
            (
                "dataworks.cn-shanghai.aliyuncs.com",
                "https://dataworks.cn-shanghai.aliyuncs.com",
                false,
            ),
            (
                "https://dataworks.aliyuncs.com/",
                "https://dataworks.aliyuncs.com",
                false,
            ),
            (
                "https://dataworks.aliyuncs.com:8443",
                "https://dataworks.aliyuncs.com:8443",
                false,
            ),
            ("http://127.0.0.1:41234", "http://127.0.0.1:41234", true),
            ("http://127.8.9.10", "http://127.8.9.10", true),
            ("http://localhost:80", "http://localhost:80", true),
            ("http://[::1]:9000", "http://[::1]:9000", true),
        ] {
            let endpoint = Endpoint::parse(input).unwrap();
            assert_eq!(endpoint.to_string(), display);
            assert_eq!(endpoint.is_loopback(), loopback, "{input}");
        }
        assert_eq!(Endpoint::parse("http://[::1]:9000").unwrap().host(), "::1");
    }

    #[test]
    fn rejects_what_is_not_an_endpoint() {
        for input in [
            "",
            "https://",
            "ftp://dataworks.aliyuncs.com",
            "https://dataworks.aliyuncs.com/path",
            "https://dataworks.aliyuncs.com/?Action=x",
            "https://user:pass@dataworks.aliyuncs.com",
            "https://data works.aliyuncs.com",
            "http://dataworks.aliyuncs.com",
            "http://10.0.0.1",
        ] {
            assert!(
                matches!(Endpoint::parse(input), Err(Error::InvalidEndpoint { .. })),
                "{input:?} was accepted"
            );
        }
        assert!(Endpoint::parse_allowing_http("http://dataworks.aliyuncs.com").is_ok());
    }

    /// Resolves `region` over `network` and expects the HTTPS endpoint of `host`, or a rejection.
    fn check_region(region: &str, network: Network, host: Option<&str>) {
        match (host, Endpoint::for_region(region, network)) {
            (Some(host), Ok(endpoint)) => {
                assert_eq!(endpoint.to_string(), format!("https://{host}"), "{region}");
                assert_eq!(endpoint.scheme(), Scheme::Https);
                assert_eq!(endpoint.host(), host);
                assert_eq!(endpoint.port(), None);
            }
            (None, Err(Error::InvalidEndpoint { input, reason })) => {
                assert_eq!(input, crate::error::truncate_for_message(region, 256));
                assert!(reason.starts_with("a region id is"), "{reason}");
            }
            (host, got) => panic!("{region:?} {network:?}: got {got:?}, expected {host:?}"),
        }
    }

    #[test]
    fn resolves_regions_to_endpoints() {
        // Each case: region, network, expected host.
        for case in [
            "cn-hangzhou            public dataworks.cn-hangzhou.aliyuncs.com",
            "cn-hangzhou            vpc    dataworks-vpc.cn-hangzhou.aliyuncs.com",
            "cn-shanghai            public dataworks.cn-shanghai.aliyuncs.com",
            "cn-shanghai            vpc    dataworks-vpc.cn-shanghai.aliyuncs.com",
            "ap-southeast-1         public dataworks.ap-southeast-1.aliyuncs.com",
            "ap-southeast-1         vpc    dataworks-vpc.ap-southeast-1.aliyuncs.com",
            "eu-central-1           public dataworks.eu-central-1.aliyuncs.com",
            "eu-central-1           vpc    dataworks-vpc.eu-central-1.aliyuncs.com",
            "us-west-1              public dataworks.us-west-1.aliyuncs.com",
            "us-west-1              vpc    dataworks-vpc.us-west-1.aliyuncs.com",
            "cn-huhehaote           public dataworks.aliyuncs.com",
            "cn-huhehaote           vpc    dataworks.aliyuncs.com",
            "cn-qingdao             public dataworks.aliyuncs.com",
            "cn-qingdao             vpc    dataworks.aliyuncs.com",
            "cn-zhangjiakou         public dataworks.aliyuncs.com",
            "cn-zhangjiakou         vpc    dataworks.aliyuncs.com",
            "cn-hangzhou-finance    public dataworks.aliyuncs.com",
            "cn-hangzhou-finance    vpc    dataworks.aliyuncs.com",
            "cn-shenzhen-finance-1  public dataworks.aliyuncs.com",
            "cn-shenzhen-finance-1  vpc    dataworks.aliyuncs.com",
            "cn-shanghai-finance-1  public dataworks.aliyuncs.com",
            "cn-shanghai-finance-1  vpc    dataworks.aliyuncs.com",
            "cn-north-2-gov-1       public dataworks.aliyuncs.com",
            "cn-north-2-gov-1       vpc    dataworks.aliyuncs.com",
        ] {
            let words: Vec<&str> = case.split_whitespace().collect();
            let network = if words[1] == "vpc" {
                Network::Vpc
            } else {
                Network::Public
            };
            check_region(words[0], network, Some(words[2]));
        }
        assert_eq!(Network::default(), Network::Public);
        let longest = "a".repeat(63);
        let host = format!("dataworks.{longest}.aliyuncs.com");
        check_region(&longest, Network::Public, Some(&host));
    }

    #[test]
    fn rejects_malformed_region_ids() {
        let too_long = "a".repeat(64);
        for region in [
            "",
            "CN-HANGZHOU",
            "cn_hangzhou",
            "cn-hangzhou.",
            "-cn",
            "cn-",
            "cn--x",
            "cn hangzhou",
            " cn-hangzhou",
            too_long.as_str(),
            "cn-hangzhou/evil",
            "ünicode",
        ] {
            check_region(region, Network::Public, None);
            check_region(region, Network::Vpc, None);
        }
    }
}
