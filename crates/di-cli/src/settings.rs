//! From the global options and the environment to a client: endpoint, signature, format,
//! timeouts, retries, credentials.

use di_proto::config::ClientConfig;
use di_proto::retry::RetryPolicy;
use di_proto::{Credentials, Endpoint, Format, Network, SignatureVersion};

use crate::cli::{FormatArg, GlobalArgs, SignatureArg};
use crate::error::{ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN, Error};

/// The client settings the global options describe, the endpoint checked.
///
/// # Errors
/// [`Error::Config`] when neither `--endpoint` nor `--region` is given, or the one given is
/// invalid.
pub(crate) fn client_config(global: &GlobalArgs) -> Result<(ClientConfig, Endpoint), Error> {
    if global.endpoint.is_none() && global.region.is_none() {
        return Err(Error::Usage(
            "no endpoint: pass --region REGION (like cn-shanghai) or --endpoint URL".to_owned(),
        ));
    }
    let mut config = ClientConfig::new()
        .with_network(if global.vpc {
            Network::Vpc
        } else {
            Network::Public
        })
        .with_signature_version(signature_version(global.signature))
        .with_format(format(global.format))
        .with_read_timeout(global.timeout)
        .with_retry_policy(RetryPolicy::default().with_max_attempts(global.retries + 1))
        .with_user_agent_suffix(concat!("di-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(endpoint) = &global.endpoint {
        config = config.with_endpoint(endpoint.clone());
    }
    if let Some(region) = &global.region {
        config = config.with_region(region.clone());
    }
    let endpoint = config.endpoint().map_err(Error::Config)?;
    Ok((config, endpoint))
}

/// The signature version `--signature` names.
pub(crate) fn signature_version(arg: SignatureArg) -> SignatureVersion {
    match arg {
        SignatureArg::V3 => SignatureVersion::V3,
        SignatureArg::V1 => SignatureVersion::V1,
    }
}

/// The response format `--format` names.
pub(crate) fn format(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Json => Format::Json,
        FormatArg::Xml => Format::Xml,
    }
}

/// The credentials in the environment, if both the AccessKey id and the secret are set.
///
/// # Errors
/// [`Error::Credentials`] when they are set but cannot sign (not visible ASCII, an empty
/// token), or are not valid Unicode.
pub(crate) fn credentials_from_env() -> Result<Option<Credentials>, Error> {
    let read = |name: &'static str| -> Result<Option<String>, Error> {
        match std::env::var(name) {
            Ok(value) if value.is_empty() => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::Credentials(di_proto::Error::InvalidCredentials {
                    reason: "an ALIBABA_CLOUD_* variable is not valid Unicode",
                }))
            }
        }
    };
    let (Some(id), Some(secret)) = (read(ENV_ACCESS_KEY_ID)?, read(ENV_ACCESS_KEY_SECRET)?) else {
        return Ok(None);
    };
    let mut credentials = Credentials::new(id, secret).map_err(Error::Credentials)?;
    if let Some(token) = read(ENV_SECURITY_TOKEN)? {
        credentials = credentials
            .with_security_token(token)
            .map_err(Error::Credentials)?;
    }
    Ok(Some(credentials))
}

/// The credentials to send with.
///
/// # Errors
/// [`Error::MissingCredentials`] when the environment has none; as
/// [`credentials_from_env`] otherwise.
pub(crate) fn require_credentials() -> Result<Credentials, Error> {
    credentials_from_env()?.ok_or(Error::MissingCredentials)
}

/// The credentials to sign a dry run with: the environment's, else the emulator's demo key,
/// with a note on stderr.
///
/// # Errors
/// As [`credentials_from_env`].
pub(crate) fn dry_run_credentials() -> Result<Credentials, Error> {
    if let Some(credentials) = credentials_from_env()? {
        return Ok(credentials);
    }
    eprintln!(
        "note: {ENV_ACCESS_KEY_ID} / {ENV_ACCESS_KEY_SECRET} are not set; signing with the \
         emulator's demo AccessKey {} (not a real key)",
        di_emulator::DEMO_ACCESS_KEY_ID
    );
    Credentials::new(
        di_emulator::DEMO_ACCESS_KEY_ID,
        di_emulator::DEMO_ACCESS_KEY_SECRET,
    )
    .map_err(Error::Credentials)
}
