//! The default chain as a resolver state machine: it reads the environment and files itself
//! (plain `std`), and for every HTTP exchange it yields a [`Step::Send`] and waits for the
//! [`Reply`]. It ends with credentials and their source, or an error.

use std::collections::VecDeque;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use di_proto::{Credentials, Endpoint, Timestamp};
use zeroize::Zeroizing;

use crate::cache::DEFAULT_REFRESH_MARGIN;
use crate::error::Skipped;
use crate::exchange::{Exchange, Reply};
use crate::profile::{Profile, RoleSpec};
use crate::{Environment, Error, Resolved, Source, cli_config, imds, ini, sts, uri};

/// `ALIBABA_CLOUD_ACCESS_KEY_ID`.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// `ALIBABA_CLOUD_ACCESS_KEY_SECRET`.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// `ALIBABA_CLOUD_SECURITY_TOKEN`.
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
const ENV_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
const ENV_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
const ENV_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
const ENV_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
const ENV_STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
const ENV_VPC: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
const ENV_CONFIG_FILE: &str = "ALIBABA_CLOUD_CONFIG_FILE";
const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
const ENV_CLI_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
const ENV_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
const ENV_ECS_ROLE: &str = "ALIBABA_CLOUD_ECS_METADATA";
const ENV_ECS_DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
const ENV_IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
const ENV_CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// Settings of the chain that are not in the environment: the profile a command line
/// names, and the base URLs of the metadata service and STS (for tests and private
/// networks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainOptions {
    profile: Option<String>,
    imds_base_url: String,
    sts_endpoint: Option<String>,
    refresh_margin: Duration,
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions::new()
    }
}

impl ChainOptions {
    /// The profile from the environment, the real metadata service, STS by region, and a
    /// refresh margin of [`DEFAULT_REFRESH_MARGIN`].
    pub fn new() -> Self {
        ChainOptions {
            profile: None,
            imds_base_url: imds::DEFAULT_BASE_URL.to_owned(),
            sts_endpoint: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Reads profile `name` from both the CLI config and the INI file, over
    /// `ALIBABA_CLOUD_PROFILE` and the CLI config's `current`. A profile named so (here or by
    /// `ALIBABA_CLOUD_PROFILE`) must be in one of the files: when neither holds it, the chain
    /// stops with [`Error::ProfileNotFound`] instead of going on to the next source.
    #[must_use]
    pub fn with_profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Asks the metadata service at `base_url` (`http://host[:port]`) instead of
    /// `http://100.100.100.200`.
    #[must_use]
    pub fn with_imds_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.imds_base_url = base_url.into();
        self
    }

    /// Sends every STS request to `endpoint` (`https://host[:port]`, or plain HTTP to a
    /// loopback address) instead of the one the region names.
    #[must_use]
    pub fn with_sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// Refreshes expiring credentials `margin` before their expiry.
    #[must_use]
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The refresh margin.
    pub fn refresh_margin(&self) -> Duration {
        self.refresh_margin
    }

    /// The profile named here, if any.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }
}

/// What the resolver needs next.
#[derive(Debug)]
pub enum Step {
    /// Send this exchange, then call [`Resolver::next`] with its [`Reply`].
    Send(Exchange),
    /// The chain is over.
    Done(Result<Resolved, Error>),
}

/// The default chain, run one step at a time.
///
/// ```
/// use di_credentials::{ChainOptions, Environment, Resolver, Source, Step};
/// use di_proto::Timestamp;
///
/// let env = Environment::empty()
///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExample")
///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret");
/// let mut resolver = Resolver::new(env, ChainOptions::new());
/// let now = Timestamp::from_unix_seconds(1_700_000_000)?;
/// let Step::Done(Ok(resolved)) = resolver.next(now, "nonce-1", None) else {
///     panic!("the environment answers at once");
/// };
/// assert_eq!(resolved.source, Source::Environment);
/// assert_eq!(resolved.credentials.access_key_id(), "LTAI5tExample");
/// # Ok::<(), di_proto::Error>(())
/// ```
///
/// A transport drives it: it calls [`Resolver::next`] with the time, a fresh nonce (for
/// `AssumeRole`) and the reply to the last [`Step::Send`], until [`Step::Done`].
#[derive(Debug)]
pub struct Resolver {
    env: Environment,
    options: ChainOptions,
    queue: VecDeque<Source>,
    tried: Vec<Skipped>,
    pending: Option<(Source, Pending)>,
}

/// An exchange in flight, and what to do with its reply.
#[derive(Debug)]
enum Pending {
    Imds(ImdsFlow),
    Sts { step: &'static str, detail: String },
    Uri,
}

#[derive(Debug)]
struct ImdsFlow {
    source: Source,
    /// Failures stop the chain (a profile or variable asked for it) instead of passing over.
    explicit: bool,
    role_name: Option<String>,
    token: Option<Zeroizing<String>>,
    at: ImdsAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImdsAt {
    Token,
    RoleName,
    Credentials,
}

/// What planning or a reply led to.
enum Next {
    Skip(String),
    Done(Resolved),
    Send(Exchange, Pending),
}

impl Resolver {
    /// The whole chain, in order: environment, OIDC, CLI profile, profile file, ECS RAM role,
    /// credentials URI.
    pub fn new(env: Environment, options: ChainOptions) -> Self {
        Resolver::with_sources(env, options, &Source::ORDER)
    }

    /// One source alone (the one that worked last time, to refresh it).
    pub fn for_source(env: Environment, options: ChainOptions, source: Source) -> Self {
        Resolver::with_sources(env, options, &[source])
    }

    fn with_sources(env: Environment, options: ChainOptions, sources: &[Source]) -> Self {
        Resolver {
            env,
            options,
            queue: sources.iter().copied().collect(),
            tried: Vec::new(),
            pending: None,
        }
    }

    /// Advances the chain: `reply` answers the last [`Step::Send`] (`None` the first time);
    /// `now` is the time, `nonce` a fresh random nonce (used only if an `AssumeRole` is
    /// signed in this step).
    pub fn next(&mut self, now: Timestamp, nonce: &str, reply: Option<Reply>) -> Step {
        let mut outcome = self.pending.take().map(|(source, pending)| {
            let reply =
                reply.unwrap_or_else(|| Reply::Failed("the transport gave no reply".to_owned()));
            (source, self.on_reply(source, pending, reply))
        });
        loop {
            if let Some((source, result)) = outcome.take() {
                match result {
                    Err(error) => return Step::Done(Err(error)),
                    Ok(Next::Done(resolved)) => return Step::Done(Ok(resolved)),
                    Ok(Next::Send(exchange, pending)) => {
                        self.pending = Some((source, pending));
                        return Step::Send(exchange);
                    }
                    Ok(Next::Skip(reason)) => {
                        self.tried.push(Skipped { source, reason });
                        if let Some(error) = self.named_profile_missing(source) {
                            return Step::Done(Err(error));
                        }
                    }
                }
            }
            let Some(source) = self.queue.pop_front() else {
                return Step::Done(Err(Error::NotFound {
                    tried: std::mem::take(&mut self.tried),
                }));
            };
            outcome = Some((source, self.plan(source, now, nonce)));
        }
    }

    /// After `source` was passed over: when it is the last profile source the chain reads
    /// and a profile was named (by [`ChainOptions::with_profile`] or `ALIBABA_CLOUD_PROFILE`),
    /// the error that stops the chain, so that it never goes on to another identity.
    fn named_profile_missing(&self, source: Source) -> Option<Error> {
        let is_profile_source =
            |source: &Source| matches!(source, Source::CliProfile | Source::ProfileFile);
        if !is_profile_source(&source) || self.queue.iter().any(is_profile_source) {
            return None;
        }
        let (profile, from_variable) = named_profile(&self.env, &self.options)?;
        Some(Error::ProfileNotFound {
            profile: profile.to_owned(),
            from_variable,
            looked_in: self
                .tried
                .iter()
                .filter(|skipped| is_profile_source(&skipped.source))
                .cloned()
                .collect(),
        })
    }

    fn plan(&self, source: Source, now: Timestamp, nonce: &str) -> Result<Next, Error> {
        match source {
            Source::Environment => self.environment(),
            Source::Oidc => self.oidc(now),
            Source::CliProfile => self.cli_profile(now, nonce),
            Source::ProfileFile => self.profile_file(now, nonce),
            Source::EcsRamRole => self.ecs_ram_role(),
            Source::CredentialsUri => self.credentials_uri(),
        }
    }

    fn environment(&self) -> Result<Next, Error> {
        let source = Source::Environment;
        let id = self.env.var(ENV_ACCESS_KEY_ID);
        let secret = self.env.var(ENV_ACCESS_KEY_SECRET);
        let (id, secret) = match (id, secret) {
            (None, None) => {
                return Ok(Next::Skip(format!(
                    "{ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET} are not set"
                )));
            }
            (Some(id), Some(secret)) => (id, secret),
            (Some(_), None) | (None, Some(_)) => {
                let (set, unset) = if id.is_some() {
                    (ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET)
                } else {
                    (ENV_ACCESS_KEY_SECRET, ENV_ACCESS_KEY_ID)
                };
                return Err(Error::Variable {
                    source_name: source,
                    variable: unset,
                    reason: format!("not set, but {set} is; set both"),
                });
            }
        };
        let invalid = |variable: &'static str| {
            move |error: di_proto::Error| Error::Variable {
                source_name: source,
                variable,
                reason: error.to_string(),
            }
        };
        let mut credentials =
            Credentials::new(id, secret).map_err(invalid(ENV_ACCESS_KEY_SECRET))?;
        if let Some(token) = self.env.var(ENV_SECURITY_TOKEN) {
            credentials = credentials
                .with_security_token(token)
                .map_err(invalid(ENV_SECURITY_TOKEN))?;
        }
        Ok(Next::Done(Resolved {
            credentials,
            expiration: None,
            source,
            detail: ENV_ACCESS_KEY_ID.to_owned(),
        }))
    }

    fn oidc(&self, now: Timestamp) -> Result<Next, Error> {
        let names = [ENV_ROLE_ARN, ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE];
        let values: Vec<Option<&str>> = names.iter().map(|name| self.env.var(name)).collect();
        let [Some(role_arn), Some(provider_arn), Some(token_file)] = values[..] else {
            let unset: Vec<&str> = names
                .iter()
                .zip(&values)
                .filter(|(_, value)| value.is_none())
                .map(|(name, _)| *name)
                .collect();
            return Ok(Next::Skip(format!("{} not set", unset.join(", "))));
        };
        let mut role = RoleSpec::new(role_arn);
        role.session_name = self.env.var(ENV_ROLE_SESSION_NAME).map(str::to_owned);
        self.oidc_exchange(
            Source::Oidc,
            provider_arn,
            Path::new(token_file),
            &role,
            now,
            format!("{ENV_ROLE_ARN} through {ENV_OIDC_PROVIDER_ARN}"),
        )
    }

    fn sts_endpoint(&self, source: Source, role: &RoleSpec) -> Result<Endpoint, Error> {
        if let Some(endpoint) = &self.options.sts_endpoint {
            return Endpoint::parse(endpoint).map_err(|error| Error::Variable {
                source_name: source,
                variable: "STS endpoint",
                reason: error.to_string(),
            });
        }
        let region = role
            .sts_region
            .as_deref()
            .or_else(|| self.env.var(ENV_STS_REGION));
        let vpc = role.vpc.unwrap_or_else(|| self.env.flag(ENV_VPC));
        sts::endpoint_for(region, vpc, source)
    }

    fn oidc_exchange(
        &self,
        source: Source,
        provider_arn: &str,
        token_file: &Path,
        role: &RoleSpec,
        now: Timestamp,
        detail: String,
    ) -> Result<Next, Error> {
        let file_error = |reason: String| Error::File {
            source_name: source,
            path: token_file.to_path_buf(),
            line: None,
            reason,
        };
        // Read afresh every time: the token file rotates.
        let token = std::fs::read(token_file).map_err(|error| {
            file_error(format!(
                "cannot read the OIDC token file: {}",
                io_reason(&error)
            ))
        })?;
        let token = Zeroizing::new(token);
        let token = std::str::from_utf8(&token)
            .map_err(|_| file_error("the OIDC token file is not UTF-8".to_owned()))?
            .trim();
        if token.is_empty() {
            return Err(file_error("the OIDC token file is empty".to_owned()));
        }
        let endpoint = self.sts_endpoint(source, role)?;
        let exchange =
            sts::assume_role_with_oidc_request(source, &endpoint, provider_arn, token, role, now)?;
        Ok(Next::Send(
            exchange,
            Pending::Sts {
                step: sts::ASSUME_ROLE_WITH_OIDC,
                detail: format!("{detail} (role {})", role.role_arn),
            },
        ))
    }

    fn cli_profile(&self, now: Timestamp, nonce: &str) -> Result<Next, Error> {
        let named = named_profile(&self.env, &self.options).map(|(name, _)| name);
        match locate_cli_profile(&self.env, named, Warn::Yes, cli_config::parse)? {
            Located::Skip(reason) => Ok(Next::Skip(reason)),
            Located::Found { name, path, value } => {
                let detail = format!("profile {name:?} of {}", path.display());
                self.use_profile(Source::CliProfile, value, detail, now, nonce)
            }
        }
    }

    fn profile_file(&self, now: Timestamp, nonce: &str) -> Result<Next, Error> {
        let section = named_profile(&self.env, &self.options).map_or("default", |(name, _)| name);
        match locate_ini_section(&self.env, section, Warn::Yes, ini::parse)? {
            Located::Skip(reason) => Ok(Next::Skip(reason)),
            Located::Found { name, path, value } => {
                let detail = format!("section [{name}] of {}", path.display());
                self.use_profile(Source::ProfileFile, value, detail, now, nonce)
            }
        }
    }

    fn use_profile(
        &self,
        source: Source,
        profile: Profile,
        detail: String,
        now: Timestamp,
        nonce: &str,
    ) -> Result<Next, Error> {
        match profile {
            Profile::Static(credentials) => Ok(Next::Done(Resolved {
                credentials,
                expiration: None,
                source,
                detail,
            })),
            Profile::EcsRamRole { role_name } => {
                if self.env.flag(ENV_ECS_DISABLED) {
                    return Err(Error::Variable {
                        source_name: source,
                        variable: ENV_ECS_DISABLED,
                        reason: format!("is true, but {detail} asks for the ECS RAM role"),
                    });
                }
                self.imds_start(source, role_name, true)
            }
            Profile::RamRoleArn { source: keys, role } => {
                let endpoint = self.sts_endpoint(source, &role)?;
                let exchange =
                    sts::assume_role_request(source, &keys, &endpoint, &role, now, nonce)?;
                Ok(Next::Send(
                    exchange,
                    Pending::Sts {
                        step: sts::ASSUME_ROLE,
                        detail: format!("{detail} (role {})", role.role_arn),
                    },
                ))
            }
            Profile::Oidc {
                provider_arn,
                token_file,
                role,
            } => self.oidc_exchange(source, &provider_arn, &token_file, &role, now, detail),
        }
    }

    fn ecs_ram_role(&self) -> Result<Next, Error> {
        if self.env.flag(ENV_ECS_DISABLED) {
            return Ok(Next::Skip(format!("{ENV_ECS_DISABLED} is true")));
        }
        let role_name = self.env.var(ENV_ECS_ROLE).map(str::to_owned);
        let explicit = role_name.is_some();
        self.imds_start(Source::EcsRamRole, role_name, explicit)
    }

    fn imds_start(
        &self,
        source: Source,
        role_name: Option<String>,
        explicit: bool,
    ) -> Result<Next, Error> {
        let exchange = imds::token_request(&self.options.imds_base_url)?;
        Ok(Next::Send(
            exchange,
            Pending::Imds(ImdsFlow {
                source,
                explicit,
                role_name,
                token: None,
                at: ImdsAt::Token,
            }),
        ))
    }

    fn credentials_uri(&self) -> Result<Next, Error> {
        let Some(url) = self.env.var(ENV_CREDENTIALS_URI) else {
            return Ok(Next::Skip(format!("{ENV_CREDENTIALS_URI} is not set")));
        };
        Ok(Next::Send(uri::request(url)?, Pending::Uri))
    }

    fn on_reply(&self, source: Source, pending: Pending, reply: Reply) -> Result<Next, Error> {
        match pending {
            Pending::Sts { step, detail } => {
                let response = match reply {
                    Reply::Response(response) => response,
                    Reply::Failed(reason) => {
                        return Err(Error::Unreachable {
                            source_name: source,
                            step,
                            reason,
                        });
                    }
                };
                let (credentials, expiration) = sts::read(&response, source, step)?;
                Ok(Next::Done(Resolved {
                    credentials,
                    expiration: Some(expiration),
                    source,
                    detail,
                }))
            }
            Pending::Uri => {
                let response = match reply {
                    Reply::Response(response) => response,
                    Reply::Failed(reason) => {
                        return Err(Error::Unreachable {
                            source_name: source,
                            step: uri::STEP,
                            reason,
                        });
                    }
                };
                let (credentials, expiration) = uri::read(&response)?;
                Ok(Next::Done(Resolved {
                    credentials,
                    expiration,
                    source,
                    detail: ENV_CREDENTIALS_URI.to_owned(),
                }))
            }
            Pending::Imds(flow) => self.imds_reply(flow, reply),
        }
    }

    fn imds_reply(&self, mut flow: ImdsFlow, reply: Reply) -> Result<Next, Error> {
        let base = self.options.imds_base_url.as_str();
        let source = flow.source;
        // A failure: stop the chain when asked for explicitly, else pass over.
        let fail = |flow: &ImdsFlow, error: Error| -> Result<Next, Error> {
            if flow.explicit {
                Err(error)
            } else {
                let text = error.to_string();
                let prefix = format!("{}: ", flow.source);
                Ok(Next::Skip(
                    text.strip_prefix(&prefix).unwrap_or(&text).to_owned(),
                ))
            }
        };
        match (flow.at, reply) {
            (ImdsAt::Token, Reply::Failed(reason)) => {
                // No answer at all: no metadata service here (v1 is the same host; asking it
                // would only wait out another timeout).
                fail(
                    &flow,
                    Error::Unreachable {
                        source_name: source,
                        step: imds::TOKEN_STEP,
                        reason: format!("{reason} (not on an ECS instance?)"),
                    },
                )
            }
            (ImdsAt::Token, Reply::Response(response)) => {
                match imds::read_token(&response) {
                    Some(token) => flow.token = Some(token),
                    None if self.env.flag(ENV_IMDSV1_DISABLED) => {
                        return fail(
                            &flow,
                            Error::Refused {
                                source_name: source,
                                step: imds::TOKEN_STEP,
                                reason: format!(
                                    "no token ({}), and {ENV_IMDSV1_DISABLED} is true",
                                    crate::exchange::describe_status(&response)
                                ),
                            },
                        );
                    }
                    // IMDSv1: the same requests without a token.
                    None => flow.token = None,
                }
                self.imds_after_token(flow, base)
            }
            (_, Reply::Failed(reason)) => {
                let step = if flow.at == ImdsAt::RoleName {
                    imds::ROLE_NAME_STEP
                } else {
                    imds::CREDENTIALS_STEP
                };
                fail(
                    &flow,
                    Error::Unreachable {
                        source_name: source,
                        step,
                        reason,
                    },
                )
            }
            (ImdsAt::RoleName, Reply::Response(response)) => {
                match imds::read_role_name(&response) {
                    Ok(name) => flow.role_name = Some(name),
                    Err(error) => return fail(&flow, with_source(error, source)),
                }
                self.imds_after_token(flow, base)
            }
            (ImdsAt::Credentials, Reply::Response(response)) => {
                let (credentials, expiration) = imds::read_credentials(&response)
                    .map_err(|error| with_source(error, source))?;
                let role = flow.role_name.unwrap_or_default();
                Ok(Next::Done(Resolved {
                    credentials,
                    expiration: Some(expiration),
                    source,
                    detail: format!(
                        "RAM role {role:?} of the ECS instance (IMDS{})",
                        if flow.token.is_some() { "v2" } else { "v1" }
                    ),
                }))
            }
        }
    }

    fn imds_after_token(&self, mut flow: ImdsFlow, base: &str) -> Result<Next, Error> {
        let token = flow.token.as_ref().map(|token| token.as_str());
        let exchange = match &flow.role_name {
            None => {
                flow.at = ImdsAt::RoleName;
                imds::role_name_request(base, token)?
            }
            Some(role_name) => {
                flow.at = ImdsAt::Credentials;
                imds::credentials_request(base, role_name, token)?
            }
        };
        Ok(Next::Send(exchange, Pending::Imds(flow)))
    }
}

/// `error`, as coming from `source` (the metadata steps report as the ECS RAM role; a profile
/// asking for it reports as the profile).
fn with_source(error: Error, source: Source) -> Error {
    match error {
        Error::Refused { step, reason, .. } => Error::Refused {
            source_name: source,
            step,
            reason,
        },
        other => other,
    }
}

/// Whether reading a profile file warns when other users may read it (the chain does; a
/// lookup of the same file for its region does not, so that one run warns once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Warn {
    /// Warn (through `tracing`, at WARN).
    Yes,
    /// Stay silent.
    No,
}

/// What a profile source found in its file: the profile (or section) `name` of the file at
/// `path`, read into `value`; or why it passed over.
pub(crate) enum Located<T> {
    /// The file has it.
    Found {
        /// The profile or section name.
        name: String,
        /// The file.
        path: PathBuf,
        /// What the reader made of it.
        value: T,
    },
    /// Why the source passed over (the file missing, the profile not in it, a switch).
    Skip(String),
}

/// The profile named `name` (else the file's `current`, else `default`) of the aliyun CLI's
/// config file (`ALIBABA_CLOUD_CONFIG_FILE`, else `~/.aliyun/config.json`), read by `read`
/// (a [`cli_config`] reader), unless `ALIBABA_CLOUD_CLI_PROFILE_DISABLED` is true.
pub(crate) fn locate_cli_profile<T>(
    env: &Environment,
    name: Option<&str>,
    warn: Warn,
    read: impl FnOnce(&[u8], &Path, Option<&str>) -> Result<(String, Option<T>), Error>,
) -> Result<Located<T>, Error> {
    if env.flag(ENV_CLI_DISABLED) {
        return Ok(Located::Skip(format!("{ENV_CLI_DISABLED} is true")));
    }
    let (path, explicit) = match env.var(ENV_CONFIG_FILE) {
        Some(path) => (PathBuf::from(path), true),
        None => match env.home() {
            Some(home) => (home.join(".aliyun").join("config.json"), false),
            None => {
                return Ok(Located::Skip(format!(
                    "no home directory to find .aliyun/config.json in, and {ENV_CONFIG_FILE} is not set"
                )));
            }
        },
    };
    let Some(bytes) = read_file(Source::CliProfile, &path, explicit, warn)? else {
        return Ok(Located::Skip(format!("{} does not exist", path.display())));
    };
    match read(&bytes, &path, name)? {
        (name, Some(value)) => Ok(Located::Found { name, path, value }),
        (name, None) => Ok(Located::Skip(format!(
            "{} has no profile {name:?}",
            path.display()
        ))),
    }
}

/// Section `section` of the INI credentials file (`ALIBABA_CLOUD_CREDENTIALS_FILE`, else the
/// first of `~/.alibabacloud/credentials` and `credentials.ini` that exists), read by `read`
/// (an [`ini`] reader).
pub(crate) fn locate_ini_section<T>(
    env: &Environment,
    section: &str,
    warn: Warn,
    read: impl FnOnce(&[u8], &Path, &str) -> Result<Option<T>, Error>,
) -> Result<Located<T>, Error> {
    let candidates: Vec<(PathBuf, bool)> = match env.var(ENV_CREDENTIALS_FILE) {
        Some(path) => vec![(PathBuf::from(path), true)],
        None => match env.home() {
            Some(home) => {
                let dir = home.join(".alibabacloud");
                vec![
                    (dir.join("credentials"), false),
                    (dir.join("credentials.ini"), false),
                ]
            }
            None => {
                return Ok(Located::Skip(format!(
                    "no home directory to find .alibabacloud/credentials in, and {ENV_CREDENTIALS_FILE} is not set"
                )));
            }
        },
    };
    let mut missing = Vec::new();
    for (path, explicit) in candidates {
        let Some(bytes) = read_file(Source::ProfileFile, &path, explicit, warn)? else {
            missing.push(path.display().to_string());
            continue;
        };
        return Ok(match read(&bytes, &path, section)? {
            Some(value) => Located::Found {
                name: section.to_owned(),
                path,
                value,
            },
            None => Located::Skip(format!("{} has no section [{section}]", path.display())),
        });
    }
    Ok(Located::Skip(match missing.as_slice() {
        [one] => format!("{one} does not exist"),
        several => format!("neither {} exists", several.join(" nor ")),
    }))
}

/// The profile named by `options` ([`ChainOptions::with_profile`]), else by
/// `ALIBABA_CLOUD_PROFILE`, and whether the variable named it.
pub(crate) fn named_profile<'a>(
    env: &'a Environment,
    options: &'a ChainOptions,
) -> Option<(&'a str, bool)> {
    match options.profile() {
        Some(name) => Some((name, false)),
        None => env.var(ENV_PROFILE).map(|name| (name, true)),
    }
}

/// The bytes of `path`; `None` when it does not exist and was not named explicitly.
fn read_file(
    source: Source,
    path: &Path,
    explicit: bool,
    warn: Warn,
) -> Result<Option<Vec<u8>>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => {
            if warn == Warn::Yes
                && let Some(mode) = readable_by_others(path)
            {
                tracing::warn!(
                    "{} holds credentials and is readable by other users (mode {mode:o}); \
                     restrict it with chmod 600",
                    path.display()
                );
            }
            Ok(Some(bytes))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound && !explicit => Ok(None),
        Err(error) => Err(Error::File {
            source_name: source,
            path: path.to_path_buf(),
            line: None,
            reason: format!("cannot read it: {}", io_reason(&error)),
        }),
    }
}

/// The permission bits of `path` when users other than its owner may read it (Unix only).
pub(crate) fn readable_by_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o044 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "it does not exist".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}
