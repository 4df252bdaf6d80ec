//! Which certificates a client trusts for HTTPS: one policy for both transports, as
//! [`crate::client::proxy`] is for proxies.
//!
//! - **The platform's trust store** by default: the operating system's roots (on Linux the
//!   distribution's CA bundle, as OpenSSL finds it), as curl and the official SDKs use.
//! - **`SSL_CERT_FILE`**, when set and not empty, names a PEM file whose certificates are
//!   trusted *instead of* the platform's store, as OpenSSL, Go (and so the aliyun CLI) and
//!   Python read it. A file that cannot be read, or holds no certificate, is an error when the
//!   client is built, not a silent fallback.
//! - **Extra roots** ([`ClientConfig::with_root_certificates_pem`], `di --ca-bundle FILE`)
//!   are trusted as well, whichever of the two applies: the root certificate of a
//!   TLS-intercepting proxy, or of a private endpoint's CA.
//! - [`ClientConfig::with_platform_roots`]`(false)` trusts the extra roots only (and ignores
//!   `SSL_CERT_FILE`).
//!
//! Sans-IO: [`base_roots`] reads the variable through a function the transport gives it; the
//! transport reads the file and the platform's store, and parses PEM with its TLS stack's
//! parser. A handshake that fails on the certificate (or at all) ends the call as
//! [`ClientError::Tls`](crate::client::ClientError::Tls) with its
//! [`TlsFailure`], never retried; [`openssl_verify_failure`] reads OpenSSL's verify result
//! for the `native-tls` builds.

use std::fmt;
use std::sync::Arc;

use crate::client::ClientConfig;
use crate::client::TlsFailure;

/// The variable that replaces the platform's trust store with a PEM file.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// Where a client's trusted roots come from, besides the extra ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseRoots {
    /// The platform's trust store.
    Platform,
    /// The certificates of the PEM file a variable names ([`SSL_CERT_FILE`]), in place of the
    /// platform's store.
    File {
        /// The variable that named it.
        variable: &'static str,
        /// The path, as given.
        path: String,
    },
    /// None: only the extra roots ([`ClientConfig::with_platform_roots`]`(false)`).
    None,
}

/// The base roots `config` asks for, `var` reading the environment (`std::env::var(..).ok()`
/// in a transport, a map in a test).
pub fn base_roots(config: &ClientConfig, var: impl Fn(&str) -> Option<String>) -> BaseRoots {
    if !config.platform_roots() {
        return BaseRoots::None;
    }
    match var(SSL_CERT_FILE) {
        Some(path) if !path.trim().is_empty() => BaseRoots::File {
            variable: SSL_CERT_FILE,
            path,
        },
        _ => BaseRoots::Platform,
    }
}

/// Extra root certificates, as PEM text: each entry one file's (or one call's) bytes.
///
/// Cheap to clone; `Debug` shows how many and how large, not the bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExtraRoots {
    pems: Vec<Arc<[u8]>>,
}

impl ExtraRoots {
    /// Adds the certificates of `pem`.
    pub(crate) fn push(&mut self, pem: Vec<u8>) {
        self.pems.push(Arc::from(pem));
    }

    /// Whether none were given.
    pub fn is_empty(&self) -> bool {
        self.pems.is_empty()
    }

    /// Each entry's PEM bytes, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.pems.iter().map(|pem| &pem[..])
    }
}

impl fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes: usize = self.pems.iter().map(|pem| pem.len()).sum();
        f.debug_struct("ExtraRoots")
            .field("entries", &self.pems.len())
            .field("bytes", &bytes)
            .finish()
    }
}

/// Where a set of certificates came from, for [`TrustError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateSource {
    /// The `index`th (from 1) PEM given to [`ClientConfig::with_root_certificates_pem`].
    Extra {
        /// Its position, from 1.
        index: usize,
    },
    /// The file a variable names.
    File {
        /// The variable ([`SSL_CERT_FILE`]).
        variable: &'static str,
        /// The path.
        path: String,
    },
}

impl fmt::Display for CertificateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateSource::Extra { index } => {
                write!(f, "extra root certificates (PEM #{index})")
            }
            CertificateSource::File { variable, path } => write!(f, "{variable} file {path:?}"),
        }
    }
}

/// Trust settings a transport cannot use: the client is not built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The file cannot be read.
    #[error("{source_name}: cannot be read: {reason}")]
    Unreadable {
        /// Which file.
        source_name: CertificateSource,
        /// The operating system's reason.
        reason: String,
    },
    /// Not PEM, or PEM without a `CERTIFICATE` block.
    #[error("{source_name}: {reason}")]
    NoCertificate {
        /// Which PEM.
        source_name: CertificateSource,
        /// What is wrong with it.
        reason: String,
    },
    /// The platform's trust store cannot be read and no other root is given.
    #[error("the platform's trust store cannot be read: {reason}")]
    Platform {
        /// Why.
        reason: String,
    },
}

/// The [`TlsFailure`] that OpenSSL's description of a failed handshake names, for the
/// `native-tls` builds (on Linux, native-tls is OpenSSL and appends the verify result, as
/// `... certificate verify failed ... (certificate has expired)`): `None` when `message` is
/// not about a handshake.
pub fn openssl_verify_failure(message: &str) -> Option<TlsFailure> {
    let text = message.to_ascii_lowercase();
    // OpenSSL's X509_verify_cert_error_string texts (and their older forms).
    const ISSUER: [&str; 6] = [
        "unable to get local issuer certificate",
        "unable to get issuer certificate",
        "self-signed certificate",
        "self signed certificate",
        "unable to verify the first certificate",
        "certificate chain too long",
    ];
    const NAME: [&str; 3] = ["hostname mismatch", "ip address mismatch", "host mismatch"];
    const DATES: [&str; 2] = ["certificate has expired", "certificate is not yet valid"];
    if NAME.iter().any(|phrase| text.contains(phrase)) {
        Some(TlsFailure::NameMismatch)
    } else if DATES.iter().any(|phrase| text.contains(phrase)) {
        Some(TlsFailure::Expired)
    } else if ISSUER.iter().any(|phrase| text.contains(phrase)) {
        Some(TlsFailure::UnknownIssuer)
    } else if text.contains("certificate verify failed")
        || text.contains("ssl routines")
        || text.contains("handshake failure")
        || text.contains("wrong version number")
    {
        Some(TlsFailure::Handshake)
    } else {
        None
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

    #[test]
    fn ssl_cert_file_replaces_the_platform_store_unless_only_extra_roots_count() {
        let config = ClientConfig::new();
        assert_eq!(base_roots(&config, env(&[])), BaseRoots::Platform);
        assert_eq!(
            base_roots(&config, env(&[("SSL_CERT_FILE", "  ")])),
            BaseRoots::Platform
        );
        assert_eq!(
            base_roots(&config, env(&[("SSL_CERT_FILE", "/etc/corp/ca.pem")])),
            BaseRoots::File {
                variable: SSL_CERT_FILE,
                path: "/etc/corp/ca.pem".to_owned()
            }
        );
        let only = config
            .with_platform_roots(false)
            .with_root_certificates_pem(b"-----BEGIN CERTIFICATE-----".to_vec());
        assert_eq!(
            base_roots(&only, env(&[("SSL_CERT_FILE", "/etc/corp/ca.pem")])),
            BaseRoots::None
        );
        assert_eq!(only.root_certificates_pem().iter().count(), 1);
        assert_eq!(
            format!("{:?}", only.root_certificates_pem()),
            "ExtraRoots { entries: 1, bytes: 27 }"
        );
    }

    #[test]
    fn reads_openssl_verify_results() {
        for (message, failure) in [
            (
                "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate \
                 verify failed:../ssl/statem/statem_clnt.c:1889: (unable to get local issuer \
                 certificate)",
                Some(TlsFailure::UnknownIssuer),
            ),
            (
                "error:0A000086:SSL routines::certificate verify failed (self-signed \
                 certificate in certificate chain)",
                Some(TlsFailure::UnknownIssuer),
            ),
            (
                "... certificate verify failed ... (Hostname mismatch)",
                Some(TlsFailure::NameMismatch),
            ),
            (
                "... certificate verify failed ... (IP address mismatch)",
                Some(TlsFailure::NameMismatch),
            ),
            (
                "... certificate verify failed ... (certificate has expired)",
                Some(TlsFailure::Expired),
            ),
            (
                "error:0A00010B:SSL routines:ssl3_get_record:wrong version number",
                Some(TlsFailure::Handshake),
            ),
            ("Connection refused (os error 111)", None),
        ] {
            assert_eq!(openssl_verify_failure(message), failure, "{message}");
        }
    }

    #[test]
    fn errors_name_their_source() {
        let error = TrustError::Unreadable {
            source_name: CertificateSource::File {
                variable: SSL_CERT_FILE,
                path: "/nowhere.pem".to_owned(),
            },
            reason: "No such file or directory (os error 2)".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "SSL_CERT_FILE file \"/nowhere.pem\": cannot be read: No such file or directory \
             (os error 2)"
        );
        let error = TrustError::NoCertificate {
            source_name: CertificateSource::Extra { index: 2 },
            reason: "no CERTIFICATE block".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "extra root certificates (PEM #2): no CERTIFICATE block"
        );
    }
}
