//! The one proxy policy of every transport: which proxy, if any, a client for an endpoint goes
//! through, from the proxy environment variables.
//!
//! Pure: the caller reads the variables (`|name| std::env::var(name).ok()`), once, when it
//! builds its HTTP client, and hands the chosen URL to its HTTP stack with the stack's own
//! reading of the environment turned off, so that every transport proxies the same hosts
//! through the same proxy, or refuses the same settings with the same error.
//!
//! ```
//! use di_proto::Endpoint;
//! use di_proto::client::proxy::{ProxyError, proxy_for};
//!
//! let vars = |name: &str| match name {
//!     "HTTPS_PROXY" => Some("http://user:hunter2@proxy.corp:3128".to_owned()),
//!     "NO_PROXY" => Some("localhost, .internal.corp".to_owned()),
//!     _ => None,
//! };
//! let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com")?;
//! let choice = proxy_for(&endpoint, vars)?.expect("a proxy");
//! assert_eq!(choice.variable(), "HTTPS_PROXY");
//! assert_eq!(choice.to_string(), "http://proxy.corp:3128");
//! assert!(!format!("{choice:?}").contains("hunter2"));
//!
//! // Loopback and the hosts NO_PROXY lists go direct.
//! let local = Endpoint::parse("http://127.0.0.1:8080")?;
//! assert!(proxy_for(&local, vars)?.is_none());
//! let internal = Endpoint::parse("https://dataworks.internal.corp")?;
//! assert!(proxy_for(&internal, vars)?.is_none());
//!
//! // SOCKS is refused, naming the variable and never its value.
//! let socks = |name: &str| (name == "ALL_PROXY").then(|| "socks5://proxy:1080".to_owned());
//! let error = proxy_for(&endpoint, socks).unwrap_err();
//! assert!(matches!(error, ProxyError::Socks { variable: "ALL_PROXY" }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::{Endpoint, Scheme};

/// The variables a proxy for an `https` endpoint is read from, in order.
pub const HTTPS_PROXY_VARIABLES: [&str; 4] =
    ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// The variables a proxy for a plain `http` endpoint is read from, in order.
pub const HTTP_PROXY_VARIABLES: [&str; 4] = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];

/// The variables listing the hosts that go direct, in order: the first one set (and not blank)
/// is read.
pub const NO_PROXY_VARIABLES: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// The variable a CGI server sets for each request. Under CGI, the request header `Proxy:`
/// reaches the program as `HTTP_PROXY` ("httpoxy"), so that variable is not read then.
pub const CGI_VARIABLE: &str = "REQUEST_METHOD";

/// Picks the proxy for `endpoint` from the environment variables `var` reads.
///
/// In order:
/// 1. A loopback endpoint (`localhost`, `127.0.0.0/8`, `::1`) is never proxied, whatever the
///    variables say (and whatever they hold: nothing is validated then).
/// 2. The first of [`NO_PROXY_VARIABLES`] that is set and not blank: when it lists the
///    endpoint's host ([`no_proxy_lists`]), no proxy.
/// 3. The first of the scheme's variables that is set and not blank
///    ([`HTTPS_PROXY_VARIABLES`] for `https`, [`HTTP_PROXY_VARIABLES`] for `http`, each ending
///    with `ALL_PROXY`/`all_proxy`) is the proxy, read as [`ProxyChoice`] describes. In a CGI
///    program (`REQUEST_METHOD` set), `HTTP_PROXY` is skipped: a request header sets it.
///
/// Values are trimmed; a blank value counts as unset.
///
/// # Errors
/// [`ProxyError`] when the chosen value is not an `http://` or `https://` proxy URL: a SOCKS
/// proxy, another scheme, or a malformed URL. The error names the variable, never its value
/// (which may hold a password).
pub fn proxy_for(
    endpoint: &Endpoint,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, ProxyError> {
    if endpoint.is_loopback() {
        return Ok(None);
    }
    let set = |name: &str| {
        var(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    if let Some(no_proxy) = NO_PROXY_VARIABLES.iter().find_map(|name| set(name))
        && no_proxy_lists(&no_proxy, endpoint.host())
    {
        return Ok(None);
    }
    let candidates = match endpoint.scheme() {
        Scheme::Https => HTTPS_PROXY_VARIABLES,
        Scheme::Http => HTTP_PROXY_VARIABLES,
    };
    let cgi = var(CGI_VARIABLE).is_some();
    let chosen = candidates
        .into_iter()
        .filter(|name| !(cgi && *name == "HTTP_PROXY"))
        .find_map(|name| Some((name, set(name)?)));
    match chosen {
        Some((variable, value)) => ProxyChoice::parse(variable, &value).map(Some),
        None => Ok(None),
    }
}

/// Whether `no_proxy`, a `NO_PROXY` value, lists `host` (a host name, or an IP address with or
/// without brackets), so that it goes direct.
///
/// The value is a comma-separated list; entries are trimmed, empty ones ignored, and compared
/// without regard to case or a trailing `.`:
/// - `*` lists every host;
/// - a domain lists itself and every subdomain, written `example.com`, `.example.com` or
///   `*.example.com` alike;
/// - an IP address lists that address (compared as an address, so `fd00::7` and
///   `[fd00:0::7]` are the same), and `address/bits` (CIDR) the addresses of that network; a
///   host that is an IP address is listed only by these (and `*`), never by a domain suffix;
/// - a port on an entry (`example.com:443`, `[fd00::7]:8443`) is ignored.
pub fn no_proxy_lists(no_proxy: &str, host: &str) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host);
    let address = host.parse::<IpAddr>().ok();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    no_proxy.split(',').any(|entry| {
        let entry = entry.trim();
        if entry == "*" {
            return true;
        }
        match address {
            Some(address) => lists_address(entry, address),
            None => lists_domain(entry, &host),
        }
    })
}

/// Whether the entry `entry` (not `*`) lists the host name `host` (lower case, no trailing
/// dot).
fn lists_domain(entry: &str, host: &str) -> bool {
    let entry = entry.trim_start_matches('*').trim_start_matches('.');
    let entry = strip_port(entry).trim_end_matches('.').to_ascii_lowercase();
    !entry.is_empty()
        && (host == entry
            || host
                .strip_suffix(entry.as_str())
                .is_some_and(|rest| rest.ends_with('.')))
}

/// Whether the entry `entry` (not `*`) lists the IP address `address`: the same address, or a
/// network holding it.
fn lists_address(entry: &str, address: IpAddr) -> bool {
    if let Some((network, bits)) = entry.split_once('/') {
        let Some(network) = parse_address(network) else {
            return false;
        };
        let Ok(bits) = bits.trim().parse::<u8>() else {
            return false;
        };
        return in_network(address, network, bits);
    }
    parse_address(strip_port(entry)).is_some_and(|entry| entry == address)
}

/// An IP address, with or without brackets.
fn parse_address(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.strip_prefix('[')
        .and_then(|text| text.strip_suffix(']'))
        .unwrap_or(text)
        .parse()
        .ok()
}

/// Whether `address` is in `network/bits` (both of one family; `bits` within its width).
fn in_network(address: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(address) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(network)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(address) & mask == u128::from(network) & mask
        }
        _ => false,
    }
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

/// The protocol spoken to a proxy: both tunnel an `https` request with `CONNECT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyScheme {
    /// `http://`: plain TCP to the proxy (default port 80).
    Http,
    /// `https://`: TLS to the proxy (default port 443).
    Https,
}

impl ProxyScheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
        }
    }

    /// The port used when the URL gives none: 80 or 443.
    pub fn default_port(self) -> u16 {
        match self {
            ProxyScheme::Http => 80,
            ProxyScheme::Https => 443,
        }
    }
}

/// The proxy [`proxy_for`] chose, validated: where it came from, where it is, and the URL to
/// hand to an HTTP stack.
///
/// Read from `[scheme://][user[:password]@]host[:port][/...]`:
/// - the scheme is `http` or `https` (any case); none means `http`, as curl reads it;
/// - the host is a name (ASCII letters, digits, `-`, `.`, `_`), an IPv4 address or a bracketed
///   IPv6 address;
/// - the port is 1 to 65535, by default the scheme's ([`ProxyScheme::default_port`]);
/// - the user info, if any, is kept as written (percent-encoded, as the HTTP stacks decode
///   it), and only [`ProxyChoice::url_with_credentials`] shows it;
/// - any path, query or fragment is ignored, as curl does.
///
/// Neither `Debug` nor `Display` shows the user info: `Display` is
/// [`ProxyChoice::without_credentials`].
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyChoice {
    variable: &'static str,
    scheme: ProxyScheme,
    /// As written; an IPv6 address keeps its brackets.
    host: String,
    port: u16,
    /// `scheme://host:port`.
    display: String,
    /// `scheme://[user info@]host:port`.
    url: String,
    has_credentials: bool,
}

impl ProxyChoice {
    /// The variable the proxy came from (`HTTPS_PROXY`, `all_proxy`, ...).
    pub fn variable(&self) -> &'static str {
        self.variable
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> ProxyScheme {
        self.scheme
    }

    /// The proxy's host as written (an IPv6 address in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the value carried a user (and maybe a password) for the proxy.
    pub fn has_credentials(&self) -> bool {
        self.has_credentials
    }

    /// `scheme://host:port`, without any user info: for `Debug`, logs and messages.
    pub fn without_credentials(&self) -> &str {
        &self.display
    }

    /// `scheme://[user[:password]@]host:port`, the URL to hand to the HTTP stack.
    ///
    /// **Holds the proxy's user and password** (percent-encoded, as given): never log or
    /// display it; use [`ProxyChoice::without_credentials`] for that.
    pub fn url_with_credentials(&self) -> &str {
        &self.url
    }

    /// Reads the (trimmed, non-empty) value of `variable`.
    fn parse(variable: &'static str, value: &str) -> Result<ProxyChoice, ProxyError> {
        let invalid = |reason| ProxyError::Invalid { variable, reason };
        let (scheme, rest) = match value.split_once("://") {
            Some((scheme, rest)) => (read_scheme(variable, scheme)?, rest),
            None => (ProxyScheme::Http, value),
        };
        let (authority, after) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        // An `@` past the authority is a password's `/`, `?` or `#` left unencoded: reading
        // on would take part of the password for the host.
        if after.contains('@') {
            return Err(invalid(
                "the user info holds characters a URL cannot carry; percent-encode them",
            ));
        }
        let (user_info, host_port) = match authority.rsplit_once('@') {
            Some((user_info, host_port)) => (Some(user_info), host_port),
            None => (None, authority),
        };
        let user_info = user_info.filter(|user_info| !user_info.is_empty());
        if let Some(user_info) = user_info
            && !is_user_info(user_info)
        {
            return Err(invalid(
                "the user info holds characters a URL cannot carry; percent-encode them",
            ));
        }
        let (host, port) = split_host_port(host_port).ok_or(invalid(
            "the host is missing or is not a host name or IP address",
        ))?;
        let port = match port {
            None => scheme.default_port(),
            Some(port) => Some(port)
                .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|port| port.parse::<u16>().ok())
                .filter(|port| *port != 0)
                .ok_or(invalid("the port is not a number from 1 to 65535"))?,
        };
        let display = format!("{}://{host}:{port}", scheme.as_str());
        let url = match user_info {
            Some(user_info) => format!("{}://{user_info}@{host}:{port}", scheme.as_str()),
            None => display.clone(),
        };
        Ok(ProxyChoice {
            variable,
            scheme,
            host: host.to_owned(),
            port,
            display,
            url,
            has_credentials: user_info.is_some(),
        })
    }
}

fn read_scheme(variable: &'static str, scheme: &str) -> Result<ProxyScheme, ProxyError> {
    let well_formed = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !well_formed {
        return Err(ProxyError::Invalid {
            variable,
            reason: "the scheme is malformed",
        });
    }
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Ok(ProxyScheme::Http),
        "https" => Ok(ProxyScheme::Https),
        "socks" | "socks4" | "socks4a" | "socks5" | "socks5h" => {
            Err(ProxyError::Socks { variable })
        }
        _ => Err(ProxyError::UnsupportedScheme { variable }),
    }
}

/// `host[:port]` or `[v6][:port]` → the host (as written) and the port's text, if any (not
/// checked); `None` when the host is missing or malformed.
fn split_host_port(host_port: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if host_port.starts_with('[') {
        let end = host_port.find(']')?;
        let (host, after) = host_port.split_at(end + 1);
        host[1..end].parse::<Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        let (host, port) = match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        let host_name = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !host_name {
            return None;
        }
        (host, port)
    };
    Some((host, port))
}

/// RFC 3986 `userinfo`: unreserved, sub-delims, `:` and `%XX`.
fn is_user_info(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let escape = bytes.get(i + 1..i + 3);
                if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b';' | b'=' | b':' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

impl fmt::Debug for ProxyChoice {
    /// Where the proxy came from and where it is; never its user info.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyChoice")
            .field("variable", &self.variable)
            .field("proxy", &self.display)
            .field("has_credentials", &self.has_credentials)
            .finish()
    }
}

impl fmt::Display for ProxyChoice {
    /// `scheme://host:port`, never the user info.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// A proxy variable whose value cannot be used. Names the variable, never the value, which
/// may hold a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// A SOCKS proxy (`socks://`, `socks4://`, `socks4a://`, `socks5://`, `socks5h://`).
    #[error(
        "{variable} names a SOCKS proxy; only HTTP(S) proxies (http:// or https://, with \
         CONNECT) are supported"
    )]
    Socks {
        /// The variable holding it.
        variable: &'static str,
    },
    /// A scheme other than `http`, `https` or SOCKS.
    #[error(
        "{variable} names a proxy scheme other than http or https; only HTTP(S) proxies are \
         supported"
    )]
    UnsupportedScheme {
        /// The variable holding it.
        variable: &'static str,
    },
    /// Not a URL of the form `http://[user:password@]host[:port]`.
    #[error(
        "{variable} is not a proxy URL of the form http://[user:password@]host[:port]: {reason}"
    )]
    Invalid {
        /// The variable holding it.
        variable: &'static str,
        /// What is wrong with it, without the value.
        reason: &'static str,
    },
}

impl ProxyError {
    /// The variable whose value was refused.
    pub fn variable(&self) -> &'static str {
        match self {
            ProxyError::Socks { variable }
            | ProxyError::UnsupportedScheme { variable }
            | ProxyError::Invalid { variable, .. } => variable,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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

    /// The variable and display form chosen, or `None`.
    fn chosen(
        endpoint: &Endpoint,
        var: impl Fn(&str) -> Option<String>,
    ) -> Option<(&'static str, String)> {
        proxy_for(endpoint, var)
            .unwrap()
            .map(|choice| (choice.variable(), choice.to_string()))
    }

    fn some(variable: &'static str, display: &str) -> Option<(&'static str, String)> {
        Some((variable, display.to_owned()))
    }

    fn parse(value: &str) -> Result<ProxyChoice, ProxyError> {
        ProxyChoice::parse("HTTPS_PROXY", value)
    }

    #[test]
    fn loopback_is_never_proxied() {
        // Not even read: a SOCKS proxy does not fail a loopback client.
        let socks = [
            ("HTTP_PROXY", "socks5://p:1"),
            ("HTTPS_PROXY", "socks5://p:1"),
        ];
        for url in [
            "http://127.0.0.1:8080",
            "http://127.3.2.1",
            "http://localhost:9000",
            "http://LOCALHOST:9000",
            "http://[::1]:8080",
            "https://localhost",
        ] {
            assert_eq!(chosen(&endpoint(url), env(EVERY_PROXY)), None, "{url}");
            assert_eq!(proxy_for(&endpoint(url), env(&socks)), Ok(None), "{url}");
        }
    }

    #[test]
    fn picks_the_variable_of_the_scheme_then_all_proxy() {
        let https = endpoint("https://dataworks.cn-shanghai.aliyuncs.com");
        let http = endpoint("http://dataworks.internal");
        assert_eq!(
            chosen(&https, env(EVERY_PROXY)),
            some("HTTPS_PROXY", "http://secure-proxy:3128")
        );
        assert_eq!(
            chosen(&http, env(EVERY_PROXY)),
            some("HTTP_PROXY", "http://plain-proxy:3128")
        );
        // Lower case when upper case is missing or blank.
        let lower = [("HTTPS_PROXY", " "), ("https_proxy", " http://p:1 ")];
        assert_eq!(
            chosen(&https, env(&lower)),
            some("https_proxy", "http://p:1")
        );
        // An http proxy variable does not apply to https, and the other way round.
        assert_eq!(chosen(&https, env(&[("HTTP_PROXY", "http://p:1")])), None);
        assert_eq!(chosen(&http, env(&[("HTTPS_PROXY", "http://p:1")])), None);
        // ALL_PROXY for both, upper case first.
        let all = [("all_proxy", "http://all:8080")];
        assert_eq!(
            chosen(&https, env(&all)),
            some("all_proxy", "http://all:8080")
        );
        assert_eq!(
            chosen(&http, env(&all)),
            some("all_proxy", "http://all:8080")
        );
        let both = [
            ("all_proxy", "http://lower:1"),
            ("ALL_PROXY", "http://upper:1"),
        ];
        assert_eq!(
            chosen(&https, env(&both)),
            some("ALL_PROXY", "http://upper:1")
        );
        assert_eq!(chosen(&https, env(&[])), None);
    }

    #[test]
    fn under_cgi_http_proxy_is_not_read() {
        let http = endpoint("http://dataworks.internal");
        let https = endpoint("https://dataworks.internal");
        let injected = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://evil:1")];
        assert_eq!(chosen(&http, env(&injected)), None);
        let vars = [
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://evil:1"),
            ("http_proxy", "http://mine:1"),
            ("HTTPS_PROXY", "http://secure:1"),
        ];
        assert_eq!(
            chosen(&http, env(&vars)),
            some("http_proxy", "http://mine:1")
        );
        assert_eq!(
            chosen(&https, env(&vars)),
            some("HTTPS_PROXY", "http://secure:1")
        );
    }

    #[test]
    fn no_proxy_lists_hosts_and_their_subdomains() {
        let host = endpoint("https://dataworks.cn-shanghai.aliyuncs.com");
        for no_proxy in [
            "*",
            " * ",
            "dataworks.cn-shanghai.aliyuncs.com",
            "DataWorks.CN-Shanghai.aliyuncs.com.",
            "aliyuncs.com",
            ".aliyuncs.com",
            "*.aliyuncs.com",
            "example.com, .aliyuncs.com",
            ",,example.com,,aliyuncs.com,",
            "aliyuncs.com:443",
            "aliyuncs.com:8080",
        ] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert_eq!(chosen(&host, env(&vars)), None, "{no_proxy}");
            let vars = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", no_proxy)];
            assert_eq!(chosen(&host, env(&vars)), None, "{no_proxy}");
        }
        for no_proxy in [
            "",
            "example.com",
            "yuncs.com",
            "shanghai.aliyuncs",
            ".",
            "*.*",
            "dataworks.cn-shanghai.aliyuncs.com.cn",
            "10.0.0.0/8",
        ] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert!(chosen(&host, env(&vars)).is_some(), "{no_proxy:?}");
        }
        // The first NO_PROXY variable set and not blank is the one read.
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", " "),
            ("no_proxy", "aliyuncs.com"),
        ];
        assert_eq!(chosen(&host, env(&vars)), None);
        let vars = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "example.com"),
            ("no_proxy", "aliyuncs.com"),
        ];
        assert!(chosen(&host, env(&vars)).is_some());
    }

    #[test]
    fn no_proxy_lists_ip_addresses_and_networks() {
        for (no_proxy, host, listed) in [
            ("10.0.0.7", "10.0.0.7", true),
            ("10.0.0.7:8443", "10.0.0.7", true),
            ("10.0.0.0/8", "10.0.0.7", true),
            ("10.0.0.0/32", "10.0.0.7", false),
            ("10.0.0.7/32", "10.0.0.7", true),
            ("0.0.0.0/0", "10.0.0.7", true),
            ("11.0.0.0/8", "10.0.0.7", false),
            ("10.0.0.0/33", "10.0.0.7", false),
            // A domain suffix never lists an address.
            ("0.7", "10.0.0.7", false),
            (".0.0.7", "10.0.0.7", false),
            ("[fd00::7]:8443", "fd00::7", true),
            ("fd00::7", "fd00::7", true),
            ("FD00:0:0::7", "[fd00::7]", true),
            ("fd00::/8", "fd00::7", true),
            ("fe00::/8", "fd00::7", false),
            ("10.0.0.0/8", "fd00::7", false),
            ("::/0", "fd00::7", true),
            ("*", "fd00::7", true),
        ] {
            assert_eq!(no_proxy_lists(no_proxy, host), listed, "{no_proxy} {host}");
        }
        let address = endpoint("https://10.0.0.7:8443");
        let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "10.0.0.7")];
        assert_eq!(chosen(&address, env(&vars)), None);
        let v6 = endpoint("https://[fd00::7]:8443");
        for no_proxy in ["[fd00::7]:8443", "fd00::7", "fd00::/16"] {
            let vars = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            assert_eq!(chosen(&v6, env(&vars)), None, "{no_proxy}");
        }
    }

    #[test]
    fn reads_proxy_urls_as_curl_does() {
        for (value, display, url) in [
            (
                "http://proxy:3128",
                "http://proxy:3128",
                "http://proxy:3128",
            ),
            (
                "HTTP://Proxy:3128/",
                "http://Proxy:3128",
                "http://Proxy:3128",
            ),
            ("proxy:3128", "http://proxy:3128", "http://proxy:3128"),
            ("proxy", "http://proxy:80", "http://proxy:80"),
            ("https://proxy", "https://proxy:443", "https://proxy:443"),
            (
                "http://10.1.2.3:8080/ignored?a=b#c",
                "http://10.1.2.3:8080",
                "http://10.1.2.3:8080",
            ),
            (
                "http://[fd00::1]:3128",
                "http://[fd00::1]:3128",
                "http://[fd00::1]:3128",
            ),
            (
                "http://[fd00::1]",
                "http://[fd00::1]:80",
                "http://[fd00::1]:80",
            ),
            (
                "http://user:p%40ss@proxy:3128",
                "http://proxy:3128",
                "http://user:p%40ss@proxy:3128",
            ),
            (
                "user:pw@proxy:3128",
                "http://proxy:3128",
                "http://user:pw@proxy:3128",
            ),
            (
                "http://user@proxy",
                "http://proxy:80",
                "http://user@proxy:80",
            ),
            ("http://@proxy:1", "http://proxy:1", "http://proxy:1"),
        ] {
            let choice = parse(value).unwrap();
            assert_eq!(choice.without_credentials(), display, "{value}");
            assert_eq!(choice.to_string(), display, "{value}");
            assert_eq!(choice.url_with_credentials(), url, "{value}");
            assert_eq!(choice.has_credentials(), url != display, "{value}");
            assert_eq!(choice.variable(), "HTTPS_PROXY");
        }
        let choice = parse("https://u:p@proxy.corp:8443").unwrap();
        assert_eq!(choice.scheme(), ProxyScheme::Https);
        assert_eq!(choice.host(), "proxy.corp");
        assert_eq!(choice.port(), 8443);
        assert_eq!(parse("[::1]:8").unwrap().host(), "[::1]");
    }

    #[test]
    fn refuses_what_is_not_an_http_proxy_naming_only_the_variable() {
        for (value, expected) in [
            (
                "socks5://user:hunter2@proxy:1080",
                ProxyError::Socks {
                    variable: "HTTPS_PROXY",
                },
            ),
            (
                "SOCKS5H://proxy",
                ProxyError::Socks {
                    variable: "HTTPS_PROXY",
                },
            ),
            (
                "socks://proxy",
                ProxyError::Socks {
                    variable: "HTTPS_PROXY",
                },
            ),
            (
                "socks4a://proxy",
                ProxyError::Socks {
                    variable: "HTTPS_PROXY",
                },
            ),
            (
                "ftp://user:hunter2@proxy",
                ProxyError::UnsupportedScheme {
                    variable: "HTTPS_PROXY",
                },
            ),
        ] {
            assert_eq!(parse(value).unwrap_err(), expected, "{value}");
        }
        for value in [
            "http://",
            "http://:3128",
            "http://user:hunter2@",
            "http://proxy:0",
            "http://proxy:65536",
            "http://proxy:",
            "http://proxy:+80",
            "http://proxy:80:80",
            "http://pro xy:80",
            "http://prøxy:80",
            "http://[fd00::1:80",
            "http://[not-v6]:80",
            "http://[::1]x",
            "http://fd00::1:80",
            "http://us er:hunter2@proxy",
            "http://user:hunt@er2@proxy",
            "http://user:hunter2%4@proxy",
            "http://user:12345/6@proxy",
            "http://user:12345#6@proxy",
            "http://user:12345?6@proxy:3128",
            "1http://proxy",
            "://proxy",
        ] {
            let error = parse(value).unwrap_err();
            assert!(
                matches!(
                    error,
                    ProxyError::Invalid {
                        variable: "HTTPS_PROXY",
                        ..
                    }
                ),
                "{value}: {error:?}"
            );
        }
        let error = parse("socks5://user:hunter2@proxy:1080").unwrap_err();
        assert_eq!(
            error.to_string(),
            "HTTPS_PROXY names a SOCKS proxy; only HTTP(S) proxies (http:// or https://, with \
             CONNECT) are supported"
        );
        assert_eq!(error.variable(), "HTTPS_PROXY");
        let error = parse("http://user:hunt@er2@proxy").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("HTTPS_PROXY is not a proxy URL"),
            "{error}"
        );
        assert!(!format!("{error} {error:?}").contains("hunt"), "{error}");
        // Through proxy_for: the chosen variable is named.
        let https = endpoint("https://dataworks.aliyuncs.com");
        let vars = [("all_proxy", "socks5://proxy:1080")];
        assert_eq!(
            proxy_for(&https, env(&vars)),
            Err(ProxyError::Socks {
                variable: "all_proxy"
            })
        );
    }

    #[test]
    fn debug_and_display_hide_the_user_info() {
        let choice = parse("http://admin:hunter2@proxy:3128").unwrap();
        let shown = format!("{choice} {choice:?} {}", choice.without_credentials());
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin"),
            "{shown}"
        );
        assert_eq!(
            format!("{choice:?}"),
            r#"ProxyChoice { variable: "HTTPS_PROXY", proxy: "http://proxy:3128", has_credentials: true }"#
        );
    }

    /// A NO_PROXY entry that lists `host` (a lower-case domain), in one of the ways an entry
    /// can be written.
    fn listing(host: &str, form: u8) -> String {
        match form % 6 {
            0 => host.to_owned(),
            1 => host.to_ascii_uppercase(),
            2 => format!(".{host}"),
            3 => format!("*.{host}"),
            4 => format!("{host}:443"),
            _ => format!(" {host}. "),
        }
    }

    proptest! {
        /// Any NO_PROXY list holding the endpoint's host, however written and wherever in the
        /// list, sends it direct: whatever the proxy variables hold.
        #[test]
        fn a_listed_host_goes_direct(
            host in "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9-]{0,10}){0,3}",
            others in proptest::collection::vec("[a-z0-9.*:\\[\\]/ -]{0,12}", 0..5),
            position in 0usize..6,
            form in 0u8..6,
            proxy in "[a-z0-9:/@.%]{0,20}",
            upper in any::<bool>(),
        ) {
            prop_assume!(host != "localhost");
            let mut entries = others;
            let at = position.min(entries.len());
            entries.insert(at, listing(&host, form));
            let no_proxy = entries.join(",");
            let endpoint = endpoint(&format!("https://{host}"));
            let name = if upper { "NO_PROXY" } else { "no_proxy" };
            let vars = [(name, no_proxy.as_str()), ("HTTPS_PROXY", proxy.as_str())];
            prop_assert_eq!(proxy_for(&endpoint, env(&vars)), Ok(None));
            // And a subdomain of it too.
            let sub = super::Endpoint::parse(&format!("https://api.{host}")).unwrap();
            prop_assert_eq!(proxy_for(&sub, env(&vars)), Ok(None));
        }

        /// A loopback endpoint is never proxied, whatever the variables hold.
        #[test]
        fn loopback_is_never_proxied_whatever_the_variables(
            host in prop_oneof![
                Just("localhost".to_owned()),
                Just("LocalHost".to_owned()),
                Just("[::1]".to_owned()),
                (0u8..=255, 0u8..=255, 0u8..=255)
                    .prop_map(|(a, b, c)| format!("127.{a}.{b}.{c}")),
            ],
            port in proptest::option::of(1u16..),
            https in any::<bool>(),
            values in proptest::collection::vec(".{0,24}", 8),
        ) {
            let scheme = if https { "https" } else { "http" };
            let url = match port {
                Some(port) => format!("{scheme}://{host}:{port}"),
                None => format!("{scheme}://{host}"),
            };
            let endpoint = endpoint(&url);
            let names = [
                "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
            ];
            let vars: Vec<(&str, &str)> =
                names.iter().copied().zip(values.iter().map(String::as_str)).collect();
            prop_assert_eq!(proxy_for(&endpoint, env(&vars)), Ok(None));
        }

        /// Whatever the value, its password reaches no `Debug`, `Display` or error.
        #[test]
        fn the_password_never_shows(
            scheme in prop_oneof![
                Just(""), Just("http://"), Just("HTTPS://"), Just("socks5://"), Just("ftp://"),
                Just("1x://"),
            ],
            user in "[a-z]{0,6}",
            // Digits first, so that a password cut at an unencoded `/`, `?` or `#` would read
            // as a port.
            head in "[0-9]{5}",
            separator in prop_oneof![Just(""), Just("/"), Just("?"), Just("#"), Just("%2F")],
            tail in "[A-Z]{3}[0-9][A-Z]{3}",
            host in prop_oneof![Just(""), Just("proxy"), Just("[fd00::1]"), Just("bad host")],
            port in prop_oneof![Just(""), Just(":3128"), Just(":0"), Just(":x")],
        ) {
            let password = format!("{head}{separator}{tail}");
            let value = format!("{scheme}{user}:{password}@{host}{port}");
            let shown = match parse(&value) {
                Ok(choice) => {
                    prop_assert!(choice.url_with_credentials().contains(&password));
                    format!("{choice} {choice:?} {}", choice.without_credentials())
                }
                Err(error) => format!("{error} {error:?}"),
            };
            prop_assert!(!shown.contains(&head) && !shown.contains(&tail), "{}", shown);
        }
    }
}
