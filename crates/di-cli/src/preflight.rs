//! The checks before anything is sent, each a configuration error (exit 2) at once rather
//! than attempts retried as if the network had failed: where requests go (`--endpoint`, else
//! the region from `--region`, `ALIBABA_CLOUD_REGION_ID` or the profile's `region_id`), a
//! named profile that must exist, and the words of a credentials error (a short line, then
//! one line per source tried, then a hint when there is one).

use di_credentials::{ChainOptions, ENV_REGION_ID, Environment, default_region, find_profile};
use di_proto::{Endpoint, Network};

use crate::cli::GlobalArgs;
use crate::error::Error;
use crate::regions;

/// `ALIBABA_CLOUD_PROFILE`.
const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `--endpoint`, as given (its scheme checked when it is loopback).
    Endpoint(String),
    /// A known DataWorks region.
    Region {
        /// The region id.
        region: String,
        /// Where it came from, for messages and the log: `--region`,
        /// `ALIBABA_CLOUD_REGION_ID`, or the profile and its file.
        origin: String,
    },
}

/// Where requests go, and the named profile checked: `--endpoint` wins; else the region,
/// from `--region`, else `ALIBABA_CLOUD_REGION_ID`, else the `region_id` of the profile the
/// credential chain reads (as the aliyun CLI picks it).
///
/// # Errors
/// [`Error::Credentials`] when a profile named by `--profile` or `ALIBABA_CLOUD_PROFILE` is in
/// neither profile file (whatever source would give the credentials), or a profile file that
/// must be read to find the region is broken; [`Error::EndpointScheme`] for a loopback
/// endpoint without a scheme; [`Error::UnknownRegion`] for a region DataWorks does not serve;
/// [`Error::Usage`] when nothing names an endpoint or a region.
pub(crate) fn target(
    global: &GlobalArgs,
    env: &Environment,
    options: &ChainOptions,
) -> Result<Target, Error> {
    if options.profile().is_some() || env.var(ENV_PROFILE).is_some() {
        find_profile(env, options).map_err(|error| credentials_error(&error, false))?;
    }
    if let Some(endpoint) = &global.endpoint {
        check_scheme(endpoint)?;
        return Ok(Target::Endpoint(endpoint.clone()));
    }
    let (region, origin) = match &global.region {
        Some(region) => (region.clone(), "--region".to_owned()),
        None => {
            match default_region(env, options).map_err(|error| credentials_error(&error, false))? {
                Some((region, origin)) => (region, origin.to_string()),
                None => {
                    return Err(Error::Usage(format!(
                        "no endpoint: pass --region REGION (like cn-shanghai), set {ENV_REGION_ID} \
                     or the region_id of your profile, or pass --endpoint URL"
                    )));
                }
            }
        }
    };
    if !di_proto::is_known_region(&region) {
        return Err(Error::UnknownRegion {
            suggestion: regions::closest(&region),
            region,
            origin,
        });
    }
    Ok(Target::Region { region, origin })
}

/// A loopback endpoint must say its scheme: a bare host means https, which `di emulator`
/// does not speak, and the TLS handshake's failure would be retried as a network failure.
fn check_scheme(endpoint: &str) -> Result<(), Error> {
    if endpoint.contains("://") {
        return Ok(());
    }
    match Endpoint::parse(endpoint) {
        Ok(parsed) if parsed.is_loopback() => Err(Error::EndpointScheme {
            endpoint: endpoint.to_owned(),
        }),
        // Any other mistake is the endpoint parser's to name, with the rest of the settings.
        _ => Ok(()),
    }
}

/// Whether a region is well formed enough to be written into a host name (for the hint of an
/// unknown region).
pub(crate) fn is_well_formed(region: &str) -> bool {
    Endpoint::for_region(region, Network::Public).is_ok()
}

/// The CLI's words for a credentials error: no credentials found (a short line, then one
/// line per source tried, then, when `loopback`, how to use the emulator's demo key); a named
/// profile that is nowhere (the files looked in, one per line); else the chain's own message.
pub(crate) fn credentials_error(error: &di_credentials::Error, loopback: bool) -> Error {
    let mut text = match error {
        di_credentials::Error::NotFound { tried } => {
            let mut text = "no credentials found; tried, in order:".to_owned();
            for skipped in tried {
                text.push_str(&format!("\n  {skipped}"));
            }
            if loopback {
                text.push_str(
                    "\nthe endpoint is loopback: for di emulator, use its demo key (not a real \
                     key):",
                );
                for line in di_emulator::Config::demo_key_exports().lines() {
                    text.push_str(&format!("\n  {line}"));
                }
            }
            text
        }
        di_credentials::Error::ProfileNotFound {
            profile,
            from_variable,
            looked_in,
        } => {
            let named_by = if *from_variable {
                ENV_PROFILE
            } else {
                "-p/--profile"
            };
            let mut text = format!(
                "no profile {profile:?} (named by {named_by}) in the profile files; looked in:"
            );
            for skipped in looked_in {
                text.push_str(&format!("\n  {skipped}"));
            }
            text
        }
        other => format!("credentials: {other}"),
    };
    text.truncate(text.trim_end().len());
    Error::Credentials(text)
}

/// Whether `error`, boxed by a client, is the credential chain's, and which.
pub(crate) fn chain_error<'a>(
    error: &'a (dyn std::error::Error + Send + Sync + 'static),
) -> Option<&'a di_credentials::Error> {
    error.downcast_ref::<di_credentials::Error>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_endpoint_needs_its_scheme_and_a_bare_host_means_https() {
        for bare in ["127.0.0.1:8080", "localhost:9", "[::1]:80"] {
            assert!(
                matches!(check_scheme(bare), Err(Error::EndpointScheme { .. })),
                "{bare}"
            );
        }
        for fine in [
            "http://127.0.0.1:8080",
            "https://127.0.0.1:8443",
            "dataworks.cn-shanghai.aliyuncs.com",
        ] {
            assert!(check_scheme(fine).is_ok(), "{fine}");
        }
        let message = Error::EndpointScheme {
            endpoint: "127.0.0.1:8080".to_owned(),
        }
        .to_string();
        assert!(message.contains("http://127.0.0.1:8080"), "{message}");
    }

    #[test]
    fn no_credentials_is_a_short_line_then_one_per_source() {
        let error = di_credentials::Error::NotFound { tried: Vec::new() };
        let text = credentials_error(&error, true).to_string();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("no credentials found; tried, in order:"));
        assert!(
            text.contains("export ALIBABA_CLOUD_ACCESS_KEY_ID="),
            "{text}"
        );
        let remote = credentials_error(&error, false).to_string();
        assert!(!remote.contains("export"), "{remote}");
    }
}
