//! HTTPS: the certificate the emulator serves (generated at start with `rcgen`, or given as
//! PEM files or text) and the rustls server configuration over it.
//!
//! A generated certificate is issued by a CA generated with it, for `127.0.0.1`, `::1`,
//! `localhost` and the names asked for; the CA certificate (PEM) is what a client trusts:
//! [`Handle::tls_ca_pem`](crate::Handle::tls_ca_pem), or the file `--tls-ca-out` names. Both
//! keys live in memory only, for the emulator's lifetime. The crypto provider is `ring`, the
//! one the clients use.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names every generated certificate is valid for.
pub(crate) const DEFAULT_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// What the emulator serves over TLS, as configured.
#[derive(Clone, Default)]
pub(crate) struct TlsSettings {
    /// Whether to serve HTTPS at all.
    pub(crate) enabled: bool,
    /// Names the generated certificate is valid for, besides [`DEFAULT_NAMES`].
    pub(crate) names: Vec<String>,
    /// Where to write the generated CA's certificate (PEM).
    pub(crate) ca_out: Option<PathBuf>,
    /// A certificate chain and key to serve instead of a generated one.
    pub(crate) given: Option<Given>,
}

/// A certificate chain and its key, PEM.
#[derive(Clone)]
pub(crate) enum Given {
    /// Read from these files at start.
    Files { cert: PathBuf, key: PathBuf },
    /// In memory.
    Pem { chain: String, key: String },
}

impl std::fmt::Debug for TlsSettings {
    /// The source and the names; never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = match &self.given {
            None => None,
            Some(Given::Files { cert, .. }) => Some(format!("files ({})", cert.display())),
            Some(Given::Pem { .. }) => Some("PEM in memory".to_owned()),
        };
        f.debug_struct("TlsSettings")
            .field("enabled", &self.enabled)
            .field("names", &self.names)
            .field("ca_out", &self.ca_out)
            .field("given", &given)
            .finish()
    }
}

/// The TLS side of a running emulator.
pub(crate) struct Served {
    pub(crate) acceptor: TlsAcceptor,
    /// The generated CA's certificate, PEM (`None` for a given certificate).
    pub(crate) ca_pem: Option<String>,
}

/// Builds what `settings` asks for: generates (and writes out) or reads the certificate.
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] for a certificate or key that does not parse or does not
/// match, or a name a certificate cannot hold; the file's own error, with its path, for a
/// file that cannot be read or written.
pub(crate) fn prepare(settings: &TlsSettings) -> io::Result<Served> {
    let (chain, key, ca_pem) = match &settings.given {
        Some(Given::Files { cert, key }) => {
            let chain = read(cert, "--tls-cert")?;
            let key = read(key, "--tls-key")?;
            let (chain, key) = parse_pair(&chain, &key)?;
            (chain, key, None)
        }
        Some(Given::Pem { chain, key }) => {
            let (chain, key) = parse_pair(chain, key)?;
            (chain, key, None)
        }
        None => {
            let generated = generate(&settings.names).map_err(invalid)?;
            if let Some(path) = &settings.ca_out {
                std::fs::write(path, &generated.ca_pem).map_err(|error| {
                    io::Error::new(
                        error.kind(),
                        format!(
                            "cannot write the CA certificate to {}: {error}",
                            path.display()
                        ),
                    )
                })?;
            }
            (generated.chain, generated.key, Some(generated.ca_pem))
        }
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(invalid)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| invalid(format!("the certificate and key do not serve: {error}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Served {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem,
    })
}

/// Whether `name` can go into a certificate: an IP address, or a DNS name (labels of ASCII
/// letters, digits and `-`, a leading `*.` allowed).
pub(crate) fn is_valid_name(name: &str) -> bool {
    if name.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        })
}

/// A generated CA and the server certificate it issued.
struct Generated {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca_pem: String,
}

fn generate(extra_names: &[String]) -> Result<Generated, rcgen::Error> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(
        DnType::CommonName,
        "di-emulator local CA (generated at start, for tests only)",
    );
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut names: Vec<String> = DEFAULT_NAMES
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    for name in extra_names {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let mut params = CertificateParams::new(names)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "di-emulator");
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate()?;
    let certificate = params.signed_by(&key, &ca)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok(Generated {
        chain: vec![certificate.der().clone()],
        key,
        ca_pem: ca.pem(),
    })
}

/// Reads the PEM file of `option`.
fn read(path: &Path, option: &str) -> io::Result<String> {
    std::fs::read_to_string(path).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("{option} {}: cannot be read: {error}", path.display()),
        )
    })
}

/// The certificate chain and the private key of two PEM texts.
fn parse_pair(
    chain: &str,
    key: &str,
) -> io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let chain = CertificateDer::pem_slice_iter(chain.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid(format!("the certificate is not valid PEM: {error}")))?;
    if chain.is_empty() {
        return Err(invalid("the certificate PEM holds no CERTIFICATE block"));
    }
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
        .map_err(|error| invalid(format!("the key PEM holds no usable private key: {error}")))?;
    Ok((chain, key))
}

fn invalid(error: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_names() {
        for good in [
            "localhost",
            "dataworks.example.com",
            "*.example.com",
            "10.0.0.1",
            "::1",
        ] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in ["", "a..b", "-a.com", "a b", "x_y.com", "*", "é.com"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn generates_a_ca_and_a_certificate_for_the_names() {
        let served = prepare(&TlsSettings {
            enabled: true,
            names: vec!["dataworks.test".to_owned()],
            ..TlsSettings::default()
        })
        .unwrap();
        let ca = served.ca_pem.unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
        assert_eq!(CertificateDer::pem_slice_iter(ca.as_bytes()).count(), 1);
    }

    #[test]
    fn refuses_pem_without_a_certificate_or_a_key() {
        let error = prepare(&TlsSettings {
            enabled: true,
            given: Some(Given::Pem {
                chain: "not pem".to_owned(),
                key: String::new(),
            }),
            ..TlsSettings::default()
        })
        .err()
        .unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("no CERTIFICATE"), "{error}");
        let error = prepare(&TlsSettings {
            enabled: true,
            given: Some(Given::Files {
                cert: PathBuf::from("/nonexistent/cert.pem"),
                key: PathBuf::from("/nonexistent/key.pem"),
            }),
            ..TlsSettings::default()
        })
        .err()
        .unwrap();
        assert!(
            error
                .to_string()
                .starts_with("--tls-cert /nonexistent/cert.pem: cannot be read"),
            "{error}"
        );
    }
}
