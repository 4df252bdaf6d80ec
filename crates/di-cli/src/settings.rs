//! From the global options and the environment to a client: endpoint, signature, format,
//! timeouts, retries, and credentials from the default chain (`--profile`).

use std::sync::Arc;

use di_credentials::{
    ChainOptions, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, Environment, Resolver, Source, Step,
};
use di_proto::client::ClientConfig;
use di_proto::retry::RetryPolicy;
use di_proto::{Credentials, Endpoint, Format, Network, SignatureVersion, Timestamp};
use di_ureq::{Client, DefaultChain};

use crate::cli::{FormatArg, GlobalArgs, SignatureArg};
use crate::error::Error;
use crate::preflight::{self, Target};

/// The client settings the global options describe, the endpoint checked (and the region,
/// and the profile named, see [`preflight::target`]).
///
/// # Errors
/// As [`preflight::target`]; [`Error::Config`] when the endpoint given is invalid.
pub(crate) fn client_config(global: &GlobalArgs) -> Result<(ClientConfig, Endpoint), Error> {
    let target = preflight::target(global, &Environment::from_process(), &chain_options(global))?;
    let mut config = ClientConfig::new()
        .with_network(if global.vpc {
            Network::Vpc
        } else {
            Network::Public
        })
        .with_signature_version(signature_version(global.signature))
        .with_format(format(global.format))
        .with_read_timeout(global.timeout)
        .with_connect_timeout(global.connect_timeout)
        .with_retry_policy(RetryPolicy::default().with_max_attempts(global.retries + 1))
        .with_rate_limit(global.max_rate)
        .with_user_agent_suffix(concat!("di-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &global.ca_bundle {
        let pem = std::fs::read(path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        config = config.with_root_certificates_pem(pem);
    }
    let origin = match &target {
        Target::Endpoint(endpoint) => {
            config = config.with_endpoint(endpoint.clone());
            "--endpoint".to_owned()
        }
        Target::Region { region, origin } => {
            config = config.with_region(region.clone());
            format!("region {region} from {origin}")
        }
    };
    let endpoint = config.endpoint().map_err(Error::Config)?;
    tracing::trace!(
        %endpoint,
        from = %origin,
        connect_timeout = ?config.connect_timeout(),
        read_timeout = ?config.read_timeout(),
        attempts = global.retries + 1,
        signature = ?global.signature,
        format = ?global.format,
        "settings"
    );
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

/// The credential chain's options: the profile `--profile` names.
fn chain_options(global: &GlobalArgs) -> ChainOptions {
    let mut options = ChainOptions::new();
    if let Some(profile) = &global.profile {
        options = options.with_profile(profile.clone());
    }
    options
}

/// The default credential chain over the process's environment, with `--profile`; its
/// HTTPS exchanges (STS, a credentials URI) trust what the client trusts (`--ca-bundle`).
///
/// # Errors
/// [`Error::Client`] when its HTTP agent cannot be built.
fn chain(global: &GlobalArgs, config: &ClientConfig) -> Result<Arc<DefaultChain>, Error> {
    Ok(Arc::new(DefaultChain::with_trust(
        Environment::from_process(),
        chain_options(global),
        config,
    )?))
}

/// A client whose credentials come from the default chain, resolved now: when none are
/// found, the error lists every source tried (and, for a loopback endpoint, how to use the
/// emulator's demo key) and nothing is sent.
///
/// # Errors
/// [`Error::Credentials`] when the chain finds no usable credentials; as [`chain`].
pub(crate) fn client(global: &GlobalArgs, config: &ClientConfig) -> Result<Client, Error> {
    let chain = chain(global, config)?;
    chain.credentials().map_err(|error| {
        let loopback = config
            .endpoint()
            .is_ok_and(|endpoint| endpoint.is_loopback());
        match preflight::chain_error(error.as_ref()) {
            Some(chain_error) => preflight::credentials_error(chain_error, loopback),
            None => Error::Credentials(format!("credentials: {error}")),
        }
    })?;
    Ok(Client::with_default_chain(config, chain)?)
}

/// The credentials to sign a dry run with: the environment variables' (a dry run sends
/// nothing, so it asks no metadata service or STS), else the emulator's demo key, with a
/// note on stderr.
///
/// # Errors
/// [`Error::Credentials`] when the variables are set but unusable.
pub(crate) fn dry_run_credentials(global: &GlobalArgs) -> Result<Credentials, Error> {
    let mut resolver = Resolver::for_source(
        Environment::from_process(),
        ChainOptions::new(),
        Source::Environment,
    );
    let now = Timestamp::from_unix_seconds(0).map_err(Error::Config)?;
    match resolver.next(now, "dry-run", None) {
        Step::Done(Ok(resolved)) => return Ok(resolved.credentials),
        Step::Done(Err(di_credentials::Error::NotFound { .. })) => {}
        Step::Done(Err(error)) => return Err(preflight::credentials_error(&error, false)),
        Step::Send(_) => {
            return Err(Error::Credentials(
                "credentials: the environment source asked for an exchange".to_owned(),
            ));
        }
    }
    if !global.quiet {
        eprintln!(
            "note: {ENV_ACCESS_KEY_ID} / {ENV_ACCESS_KEY_SECRET} are not set; signing with the \
         emulator's demo AccessKey {} (not a real key)",
            di_emulator::DEMO_ACCESS_KEY_ID
        );
    }
    Credentials::new(
        di_emulator::DEMO_ACCESS_KEY_ID,
        di_emulator::DEMO_ACCESS_KEY_SECRET,
    )
    .map_err(|error| Error::Credentials(format!("credentials: {error}")))
}
