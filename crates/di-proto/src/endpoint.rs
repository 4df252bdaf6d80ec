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

    /// `https` or `http`.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host[:port]`, the value of the `Host` header.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
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
}
