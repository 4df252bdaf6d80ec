//! The TLS pieces that di's two transports (di-ureq and di-reqwest) share, so that both trust
//! the same roots and read a failed handshake the same way.
//!
//! - [`trusted_roots`]: the roots di-proto's trust policy ([`di_proto::client::tls`]) asks for,
//!   read from the platform's store (by `rustls-native-certs`) or from the file
//!   `SSL_CERT_FILE` names, then the configuration's extra roots.
//! - [`rustls_failure`] (feature `rustls`): the [`TlsFailure`] of a rustls error.
//!
//! The policy itself (which roots, in which order, what an unreadable file means) stays in
//! di-proto, which is sans-IO; this crate does the reading and the PEM parsing.

use di_proto::client::ClientConfig;
#[cfg(feature = "rustls")]
use di_proto::client::TlsFailure;
use di_proto::client::tls::{BaseRoots, CertificateSource, TrustError, base_roots};
pub use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The roots a client built with `config` trusts, `var` reading the environment
/// (`std::env::var(..).ok()` in a transport): the platform's store or the certificates of
/// the file `SSL_CERT_FILE` names, then the extra roots of `config`.
///
/// # Errors
/// A [`TrustError`] naming the source: a file that cannot be read, PEM that holds no
/// certificate, or a platform store that yielded none and said why.
pub fn trusted_roots(
    config: &ClientConfig,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    let mut platform_error = None;
    let mut roots = match base_roots(config, var) {
        BaseRoots::Platform => {
            let found = rustls_native_certs::load_native_certs();
            platform_error = found.errors.first().map(ToString::to_string);
            found.certs
        }
        BaseRoots::File { variable, path } => {
            let source_name = CertificateSource::File {
                variable,
                path: path.clone(),
            };
            let pem = std::fs::read(&path).map_err(|error| TrustError::Unreadable {
                source_name: source_name.clone(),
                reason: error.to_string(),
            })?;
            parse_certificates(&pem, source_name)?
        }
        BaseRoots::None => Vec::new(),
    };
    for (index, pem) in config.root_certificates_pem().iter().enumerate() {
        roots.extend(parse_certificates(
            pem,
            CertificateSource::Extra { index: index + 1 },
        )?);
    }
    match platform_error {
        Some(reason) if roots.is_empty() => Err(TrustError::Platform { reason }),
        _ => Ok(roots),
    }
}

/// The certificates of `pem`: at least one, or an error naming where they came from.
fn parse_certificates(
    pem: &[u8],
    source_name: CertificateSource,
) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| TrustError::NoCertificate {
            source_name: source_name.clone(),
            reason: format!("not valid PEM: {error}"),
        })?;
    if certificates.is_empty() {
        return Err(TrustError::NoCertificate {
            source_name,
            reason: "holds no PEM CERTIFICATE block".to_owned(),
        });
    }
    Ok(certificates)
}

/// The [`TlsFailure`] of a rustls error met in a handshake; `None` for the errors that are not
/// about one.
#[cfg(feature = "rustls")]
pub fn rustls_failure(error: &rustls::Error) -> Option<TlsFailure> {
    use rustls::{CertificateError as Certificate, Error as Rustls};
    match error {
        Rustls::InvalidCertificate(certificate) => Some(match certificate {
            Certificate::UnknownIssuer => TlsFailure::UnknownIssuer,
            Certificate::NotValidForName | Certificate::NotValidForNameContext { .. } => {
                TlsFailure::NameMismatch
            }
            Certificate::Expired
            | Certificate::ExpiredContext { .. }
            | Certificate::NotValidYet
            | Certificate::NotValidYetContext { .. } => TlsFailure::Expired,
            _ => TlsFailure::Handshake,
        }),
        Rustls::NoCertificatesPresented
        | Rustls::UnsupportedNameType
        | Rustls::PeerIncompatible(_)
        | Rustls::PeerMisbehaved(_)
        | Rustls::InappropriateHandshakeMessage { .. }
        | Rustls::InappropriateMessage { .. }
        | Rustls::InvalidMessage(_)
        | Rustls::AlertReceived(_)
        | Rustls::NoApplicationProtocol
        | Rustls::InvalidCertRevocationList(_) => Some(TlsFailure::Handshake),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate, as PEM and DER.
    fn certificate(name: &str) -> (String, CertificateDer<'static>) {
        let generated = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
        (generated.cert.pem(), generated.cert.der().clone())
    }

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    /// A file under the temporary directory, removed on drop.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, contents: &str) -> TempFile {
            let path = std::env::temp_dir().join(format!("di-tls-{}-{name}", std::process::id()));
            std::fs::write(&path, contents).unwrap();
            TempFile(path)
        }

        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn ssl_cert_file_replaces_the_platform_store_and_extra_roots_follow() {
        let (first_pem, first) = certificate("first.test");
        let (second_pem, second) = certificate("second.test");
        let (extra_pem, extra) = certificate("extra.test");
        let file = TempFile::new("bundle.pem", &format!("{first_pem}{second_pem}"));
        let config = ClientConfig::new().with_root_certificates_pem(extra_pem);
        let roots = trusted_roots(&config, &vars(&[("SSL_CERT_FILE", file.path())])).unwrap();
        assert_eq!(roots, [first, second, extra]);
    }

    #[test]
    fn without_platform_roots_only_the_extra_ones_count() {
        let (pem, der) = certificate("only.test");
        let config = ClientConfig::new()
            .with_platform_roots(false)
            .with_root_certificates_pem(pem);
        // SSL_CERT_FILE is not read: the path does not exist.
        let var = vars(&[("SSL_CERT_FILE", "/nonexistent/di-tls/ca.pem")]);
        assert_eq!(trusted_roots(&config, &var).unwrap(), [der]);
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_it() {
        let var = vars(&[("SSL_CERT_FILE", "/nonexistent/di-tls/ca.pem")]);
        let error = trusted_roots(&ClientConfig::new(), &var).unwrap_err();
        let TrustError::Unreadable { source_name, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            *source_name,
            CertificateSource::File {
                variable: "SSL_CERT_FILE",
                path: "/nonexistent/di-tls/ca.pem".to_owned(),
            }
        );
    }

    #[test]
    fn pem_without_a_certificate_is_an_error_naming_its_source() {
        let config = ClientConfig::new()
            .with_platform_roots(false)
            .with_root_certificates_pem("not PEM");
        let error = trusted_roots(&config, &vars(&[])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "extra root certificates (PEM #1): holds no PEM CERTIFICATE block"
        );
        let file = TempFile::new("empty.pem", "");
        let error = trusted_roots(
            &ClientConfig::new(),
            &vars(&[("SSL_CERT_FILE", file.path())]),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "SSL_CERT_FILE file {:?}: holds no PEM CERTIFICATE block",
                file.path()
            )
        );
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn rustls_errors_map_onto_tls_failures() {
        use rustls::{AlertDescription, CertificateError, Error as Rustls};
        let certificate = |error| Rustls::InvalidCertificate(error);
        let cases = [
            (
                certificate(CertificateError::UnknownIssuer),
                Some(TlsFailure::UnknownIssuer),
            ),
            (
                certificate(CertificateError::NotValidForName),
                Some(TlsFailure::NameMismatch),
            ),
            (
                certificate(CertificateError::Expired),
                Some(TlsFailure::Expired),
            ),
            (
                certificate(CertificateError::NotValidYet),
                Some(TlsFailure::Expired),
            ),
            (
                certificate(CertificateError::BadSignature),
                Some(TlsFailure::Handshake),
            ),
            (
                Rustls::AlertReceived(AlertDescription::HandshakeFailure),
                Some(TlsFailure::Handshake),
            ),
            (Rustls::General("not a handshake".to_owned()), None),
        ];
        for (error, expected) in cases {
            assert_eq!(rustls_failure(&error), expected, "{error:?}");
        }
    }
}
