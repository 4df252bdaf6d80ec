//! What the emulator serves: where it listens, which keys and STS tokens it accepts, which
//! tasks exist. Built in code or from the binary's arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::messages::Messages;
use crate::seed::{SeedTask, parse_task_spec, positive};
use crate::state::Settle;
use crate::throttle::{Latency, RateRule};
use crate::tls::{Given, TlsSettings};

/// The demo AccessKey id every `di` example uses against the emulator. Not a real key.
pub const DEMO_ACCESS_KEY_ID: &str = "LTAI5tDemoAccessKeyId";
/// The secret of [`DEMO_ACCESS_KEY_ID`]. Not a real secret.
pub const DEMO_ACCESS_KEY_SECRET: &str = "DemoAccessKeySecretForLocalUse1";
/// A role the default emulator lets STS `AssumeRole` into, for every workspace. Not a real
/// role.
pub const DEMO_ROLE_ARN: &str = "acs:ram::1000000000000000:role/di-demo";
/// The workspace of the demo tasks.
pub const DEMO_PROJECT_ID: i64 = 10000;
/// The name (`ProjectIdentifier`) of workspace [`DEMO_PROJECT_ID`], as the discovery actions
/// (`ListFiles`, `GetFile`, `ListFolders`) take it.
pub const DEMO_PROJECT_IDENTIFIER: &str = "di_demo";
/// The Alibaba Cloud account id the emulator's files are owned, created and edited by
/// (`Owner`, `CreateUser`, `LastEditUser`): the demo role's account. Not a real account.
pub const DEMO_OWNER_ID: &str = "1000000000000000";
/// How long an asynchronous config process (`GenerateDISyncTaskConfigForCreating` /
/// `ForUpdating`) runs by default before `QueryDISyncTaskConfigProcessResult` reports its
/// end: [`Config::with_process_delay`].
pub const DEFAULT_PROCESS_DELAY: Duration = Duration::from_millis(500);

/// The largest clock skew `--clock-skew` takes, in seconds: ten years.
const MAX_CLOCK_SKEW: u64 = 10 * 366 * 24 * 3600;

/// The emulator's settings.
///
/// The default listens on `127.0.0.1:0`, accepts the demo key pair for every workspace, and
/// holds deployed, running real-time demo tasks 100 to 104 in workspace [`DEMO_PROJECT_ID`]
/// (named `task_00100` to `task_00104`, in folder
/// [`DEFAULT_TASK_FOLDER`](crate::DEFAULT_TASK_FOLDER)); config processes take
/// [`DEFAULT_PROCESS_DELAY`].
#[derive(Clone)]
pub struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) allow_non_loopback: bool,
    /// `(id, secret, projects)`; an empty project list allows every workspace.
    pub(crate) access_keys: Vec<(String, String, Vec<i64>)>,
    pub(crate) sts_tokens: Vec<String>,
    pub(crate) tasks: Vec<SeedTask>,
    /// Workspace names (`ProjectIdentifier`): `(project id, name)`.
    pub(crate) project_identifiers: Vec<(i64, String)>,
    /// How long a config process runs before its result is ready.
    pub(crate) process_delay: Duration,
    /// Seconds the emulator's clock runs ahead of the machine's (behind when negative).
    pub(crate) clock_skew: i64,
    /// How long a keep-alive connection may sit idle before the emulator closes it.
    pub(crate) idle_timeout: Option<Duration>,
    /// How long stops, starts and undeploys take to settle.
    pub(crate) settle: Settle,
    /// How the undocumented refusals are worded.
    pub(crate) messages: Messages,
    /// The gateway's flow control: calls per second per AccessKey.
    pub(crate) rate_rules: Vec<RateRule>,
    /// How long every answer takes.
    pub(crate) latency: Latency,
    /// STS roles: `(ARN, projects)`; an empty project list allows every workspace.
    pub(crate) roles: Vec<(String, Vec<i64>)>,
    /// OIDC providers: `(ARN, the one token accepted)`.
    pub(crate) oidc_providers: Vec<(String, String)>,
    /// HTTPS: off by default.
    pub(crate) tls: TlsSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_non_loopback: false,
            access_keys: vec![(
                DEMO_ACCESS_KEY_ID.to_owned(),
                DEMO_ACCESS_KEY_SECRET.to_owned(),
                Vec::new(),
            )],
            sts_tokens: Vec::new(),
            tasks: (100..=104)
                .map(|file| SeedTask::new(DEMO_PROJECT_ID, file))
                .collect(),
            project_identifiers: vec![(DEMO_PROJECT_ID, DEMO_PROJECT_IDENTIFIER.to_owned())],
            process_delay: DEFAULT_PROCESS_DELAY,
            clock_skew: 0,
            idle_timeout: None,
            settle: Settle::Immediately,
            messages: Messages::Default,
            rate_rules: Vec::new(),
            latency: Latency::default(),
            roles: vec![(DEMO_ROLE_ARN.to_owned(), Vec::new())],
            oidc_providers: Vec::new(),
            tls: TlsSettings::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets and tokens stay out: only ids and counts are shown.
        let keys: Vec<(&str, &[i64])> = self
            .access_keys
            .iter()
            .map(|(id, _, projects)| (id.as_str(), projects.as_slice()))
            .collect();
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("allow_non_loopback", &self.allow_non_loopback)
            .field("access_keys", &keys)
            .field("sts_tokens", &self.sts_tokens.len())
            .field("tasks", &self.tasks.len())
            .field("project_identifiers", &self.project_identifiers)
            .field("process_delay", &self.process_delay)
            .field("clock_skew", &self.clock_skew)
            .field("idle_timeout", &self.idle_timeout)
            .field("settle", &self.settle)
            .field("messages", &self.messages)
            .field("rate_rules", &self.rate_rules)
            .field("latency", &self.latency)
            .field(
                "roles",
                &self.roles.iter().map(|(arn, _)| arn).collect::<Vec<_>>(),
            )
            .field("oidc_providers", &self.oidc_providers.len())
            .field("tls", &self.tls)
            .finish()
    }
}

/// A setting the emulator cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An argument the binary does not know, or one missing its value.
    #[error("{0}")]
    Usage(String),
    /// A value that does not parse.
    #[error("invalid {option} {value:?}: {reason}")]
    InvalidValue {
        /// The option, as `--task`.
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A listen address that is not loopback, without the opt-in.
    #[error(
        "refusing to listen on {0}, which is not a loopback address (pass --allow-non-loopback)"
    )]
    NotLoopback(SocketAddr),
}

impl Config {
    /// Listens on `listen` instead of `127.0.0.1:0`.
    #[must_use]
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Allows a listen address that is not loopback.
    #[must_use]
    pub fn allow_non_loopback(mut self, allow: bool) -> Self {
        self.allow_non_loopback = allow;
        self
    }

    /// Replaces the accepted keys with none (then add some with [`Config::with_access_key`]).
    #[must_use]
    pub fn without_access_keys(mut self) -> Self {
        self.access_keys.clear();
        self
    }

    /// Accepts AccessKey `id` with `secret`, for the workspaces in `projects` (every workspace
    /// when empty).
    #[must_use]
    pub fn with_access_key(
        mut self,
        id: impl Into<String>,
        secret: impl Into<String>,
        projects: &[i64],
    ) -> Self {
        self.access_keys
            .push((id.into(), secret.into(), projects.to_vec()));
        self
    }

    /// Accepts STS token `token` with any accepted AccessKey.
    #[must_use]
    pub fn with_sts_token(mut self, token: impl Into<String>) -> Self {
        self.sts_tokens.push(token.into());
        self
    }

    /// Lets STS `AssumeRole` (and `AssumeRoleWithOIDC`) into role `arn`, whose sessions may
    /// act on the workspaces in `projects` (every workspace when empty).
    #[must_use]
    pub fn with_role(mut self, arn: impl Into<String>, projects: &[i64]) -> Self {
        self.roles.push((arn.into(), projects.to_vec()));
        self
    }

    /// Accepts OIDC provider `arn` for `AssumeRoleWithOIDC`, with `token` as its one valid
    /// OIDC token.
    #[must_use]
    pub fn with_oidc_provider(mut self, arn: impl Into<String>, token: impl Into<String>) -> Self {
        self.oidc_providers.push((arn.into(), token.into()));
        self
    }

    /// Replaces the tasks with none.
    #[must_use]
    pub fn without_tasks(mut self) -> Self {
        self.tasks.clear();
        self
    }

    /// Adds deployed, running real-time task `file_id` in workspace `project_id`, with the
    /// defaults of [`SeedTask::new`] (named `task_{id}`, zero-padded to five digits).
    #[must_use]
    pub fn with_task(mut self, project_id: i64, file_id: i64) -> Self {
        self.tasks.push(SeedTask::new(project_id, file_id));
        self
    }

    /// Adds the task `task` describes (its name, folder, type, state, script): a later one
    /// with the same workspace and file id replaces an earlier one. The binary's `--task`
    /// with `name=`, `folder=`, `type=`.
    #[must_use]
    pub fn with_seed_task(mut self, task: SeedTask) -> Self {
        self.tasks.push(task);
        self
    }

    /// Names workspace `project_id` `identifier`: the discovery actions (`ListFiles`,
    /// `GetFile`, `ListFolders`) accept it as `ProjectIdentifier` in place of `ProjectId`.
    /// Workspace [`DEMO_PROJECT_ID`] is named [`DEMO_PROJECT_IDENTIFIER`] by default. The
    /// binary's `--project-identifier`.
    #[must_use]
    pub fn with_project_identifier(
        mut self,
        project_id: i64,
        identifier: impl Into<String>,
    ) -> Self {
        self.project_identifiers
            .push((project_id, identifier.into()));
        self
    }

    /// Makes each asynchronous config process (`GenerateDISyncTaskConfigForCreating`,
    /// `GenerateDISyncTaskConfigForUpdating`) take `delay` on the emulator's clock (the one
    /// that times settling changes; [`Handle::advance_clock`](crate::Handle::advance_clock)
    /// moves it for a server, the caller's time for a [`Responder`](crate::Responder)):
    /// until then `QueryDISyncTaskConfigProcessResult` answers `Data.Status` `running`
    /// (a value the documentation does not list: clients must read anything but `success`
    /// and `fail` as not finished), then `success` with the generated `TaskContent`, or
    /// `fail`. Zero finishes them at once; the default is [`DEFAULT_PROCESS_DELAY`]. The
    /// binary's `--process-delay-ms`.
    #[must_use]
    pub fn with_process_delay(mut self, delay: Duration) -> Self {
        self.process_delay = delay;
        self
    }
    /// Runs the emulator's clock `seconds` ahead of the machine's (behind when negative), as
    /// a server whose clock is off: its timestamp window and its `Date` headers follow the
    /// skewed clock, so a client must measure the skew and correct for it.
    #[must_use]
    pub fn with_clock_skew(mut self, seconds: i64) -> Self {
        self.clock_skew = seconds;
        self
    }

    /// Closes a keep-alive connection that has waited `timeout` for its next request, as
    /// load balancers do; a client that reuses such a pooled connection meets a closed
    /// socket. Without it, idle connections stay open (up to hyper's 30 s limit on reading a
    /// request head).
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Makes state changes take `delay` to settle, as DataWorks' do: after a stop or an
    /// undeploy (`TerminateDISyncInstance`, of a running, paused or never started task)
    /// `GetDISyncInstanceInfo` reports `KILLING`, after a start `WAIT`, until `delay` has
    /// passed on the emulator's clock; meanwhile other changes of the task fail (`Data.Status`
    /// `fail`), and repeats of the change answer as they do once it settled. Deploys and
    /// deletes apply at once. Zero (the default) settles at once.
    #[must_use]
    pub fn with_settle_delay(mut self, delay: Duration) -> Self {
        self.settle = if delay.is_zero() {
            Settle::Immediately
        } else {
            Settle::After(delay)
        };
        self
    }

    /// Throttles as the gateway does past `rule`: HTTP 429 `Throttling.User` (or
    /// `Throttling.Api` for a rule on one action) with `x-acs-retry-after`, per AccessKey.
    /// Rules add up: a call passes only when every rule that applies lets it.
    #[must_use]
    pub fn with_rate_limit(mut self, rule: RateRule) -> Self {
        self.rate_rules.push(rule);
        self
    }

    /// Makes every API answer take `mean`, give or take up to `jitter` (evenly spread).
    #[must_use]
    pub fn with_latency(mut self, mean: Duration, jitter: Duration) -> Self {
        self.latency = Latency { mean, jitter };
        self
    }

    /// Makes state changes never settle: a stopped or undeployed task stays `KILLING`, a
    /// started one `WAIT`. For testing waits that time out.
    #[must_use]
    pub fn never_settling(mut self) -> Self {
        self.settle = Settle::Never;
        self
    }

    /// Words the refusals DataWorks does not document as `messages` asks (the default:
    /// [`Messages::Default`]); the documented `fileId:[N] is invalid.` stays as it is.
    #[must_use]
    pub fn with_messages(mut self, messages: Messages) -> Self {
        self.messages = messages;
        self
    }

    /// Serves HTTPS instead of plain HTTP, with a certificate generated at start for
    /// `127.0.0.1`, `::1`, `localhost` and the names of [`Config::with_tls_name`], issued by a
    /// CA generated with it: clients trust that CA
    /// ([`Handle::tls_ca_pem`](crate::Handle::tls_ca_pem), or the file of
    /// [`Config::with_tls_ca_out`]). [`Config::with_tls_files`] and [`Config::with_tls_pem`]
    /// serve a given certificate instead. The binary's `--tls`.
    #[must_use]
    pub fn with_tls(mut self) -> Self {
        self.tls.enabled = true;
        self
    }

    /// Makes the generated certificate valid for `name` too (a DNS name or an IP address);
    /// serves HTTPS ([`Config::with_tls`]). The binary's `--tls-name`.
    #[must_use]
    pub fn with_tls_name(mut self, name: impl Into<String>) -> Self {
        self.tls.enabled = true;
        self.tls.names.push(name.into());
        self
    }

    /// Writes the generated CA's certificate (PEM) to `path` at start, before serving; serves
    /// HTTPS ([`Config::with_tls`]). The binary's `--tls-ca-out`.
    #[must_use]
    pub fn with_tls_ca_out(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls.enabled = true;
        self.tls.ca_out = Some(path.into());
        self
    }

    /// Serves HTTPS with the certificate chain in PEM file `cert` and its private key in PEM
    /// file `key` (PKCS#8, PKCS#1 or SEC1), read at start. The binary's `--tls-cert` and
    /// `--tls-key`.
    #[must_use]
    pub fn with_tls_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.tls.enabled = true;
        self.tls.given = Some(Given::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Serves HTTPS with the certificate chain `chain` and private key `key`, both PEM text:
    /// for a test that makes its own certificates (for another name, expired, ...).
    #[must_use]
    pub fn with_tls_pem(mut self, chain: impl Into<String>, key: impl Into<String>) -> Self {
        self.tls.enabled = true;
        self.tls.given = Some(Given::Pem {
            chain: chain.into(),
            key: key.into(),
        });
        self
    }

    /// Whether the emulator serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.enabled
    }

    /// The listen address.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// Whether the demo AccessKey ([`DEMO_ACCESS_KEY_ID`]) is accepted: no `--access-key`
    /// (or [`Config::without_access_keys`]) replaced it.
    pub fn accepts_demo_key(&self) -> bool {
        self.access_keys
            .iter()
            .any(|(id, secret, _)| id == DEMO_ACCESS_KEY_ID && secret == DEMO_ACCESS_KEY_SECRET)
    }

    /// The two shell lines that make `di` (and the official SDKs) sign with the demo
    /// AccessKey, one `export` per variable, as the binaries print them after their URL:
    /// `export ALIBABA_CLOUD_ACCESS_KEY_ID=...` and `export ALIBABA_CLOUD_ACCESS_KEY_SECRET=...`.
    /// The demo key is not a real key.
    pub fn demo_key_exports() -> String {
        format!(
            "export ALIBABA_CLOUD_ACCESS_KEY_ID={DEMO_ACCESS_KEY_ID}\n\
             export ALIBABA_CLOUD_ACCESS_KEY_SECRET={DEMO_ACCESS_KEY_SECRET}"
        )
    }

    /// Reads the binary's arguments (without the program name):
    /// `[--listen ADDR] [--allow-non-loopback] [--access-key ID:SECRET[:PROJECT,...]]...
    /// [--sts-token TOKEN]... [--task PROJECT_ID:FILE_ID[-FILE_ID][,name=PATTERN][,folder=PATH]
    /// [,type=TYPE]]... [--project-identifier PROJECT_ID:NAME]... [--settle-delay-ms N]
    /// [--never-settle] [--process-delay-ms N] [--fail-messages default|opaque|misleading]
    /// [--clock-skew SECONDS]
    /// [--idle-timeout-ms MS] [--rate-limit QPS[:BURST][@ACTION]]... [--latency-ms
    /// MEAN[:JITTER]] [--tls [--tls-name NAME]... [--tls-ca-out FILE]] [--tls-cert FILE
    /// --tls-key FILE]`. Giving any
    /// `--access-key` or `--task` replaces the demo ones.
    ///
    /// # Errors
    /// [`ConfigError`] for an unknown option, a missing or invalid value, or a non-loopback
    /// address without `--allow-non-loopback`.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        let mut keys = Vec::new();
        let mut tasks = Vec::new();
        let (mut tls_flag, mut tls_cert, mut tls_key) = (false, None, None);
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |option: &'static str| {
                args.next()
                    .ok_or_else(|| ConfigError::Usage(format!("{option} needs a value")))
            };
            match arg.as_str() {
                "--listen" => {
                    let text = value("--listen")?;
                    config.listen = text.parse().map_err(|_| ConfigError::InvalidValue {
                        option: "--listen",
                        value: text.clone(),
                        reason: "expected IP:PORT",
                    })?;
                }
                "--allow-non-loopback" => config.allow_non_loopback = true,
                "--access-key" => keys.push(parse_key(&value("--access-key")?)?),
                "--sts-token" => {
                    let token = value("--sts-token")?;
                    if token.is_empty() || !token.bytes().all(|byte| byte.is_ascii_graphic()) {
                        return Err(ConfigError::InvalidValue {
                            option: "--sts-token",
                            value: "<redacted>".to_owned(),
                            reason: "a token is visible ASCII, not empty",
                        });
                    }
                    config.sts_tokens.push(token);
                }
                "--task" => tasks.extend(parse_task_spec(&value("--task")?)?),
                "--project-identifier" => {
                    let text = value("--project-identifier")?;
                    let parsed = text
                        .split_once(':')
                        .and_then(|(id, name)| Some((positive(id)?, name)))
                        .filter(|(_, name)| !name.is_empty());
                    let Some((id, name)) = parsed else {
                        return Err(ConfigError::InvalidValue {
                            option: "--project-identifier",
                            value: text,
                            reason: "expected PROJECT_ID:NAME",
                        });
                    };
                    config = config.with_project_identifier(id, name);
                }
                "--process-delay-ms" => {
                    let text = value("--process-delay-ms")?;
                    let millis = text.parse::<u64>().map_err(|_| ConfigError::InvalidValue {
                        option: "--process-delay-ms",
                        value: text.clone(),
                        reason: "expected a number of milliseconds",
                    })?;
                    config = config.with_process_delay(Duration::from_millis(millis));
                }
                "--clock-skew" => {
                    let text = value("--clock-skew")?;
                    config.clock_skew = text
                        .parse::<i64>()
                        .ok()
                        .filter(|seconds| seconds.unsigned_abs() <= MAX_CLOCK_SKEW)
                        .ok_or_else(|| ConfigError::InvalidValue {
                            option: "--clock-skew",
                            value: text.clone(),
                            reason: "expected whole seconds, at most ten years either way",
                        })?;
                }
                "--idle-timeout-ms" => {
                    let text = value("--idle-timeout-ms")?;
                    let millis = text.parse::<u64>().ok().filter(|millis| *millis > 0);
                    config.idle_timeout = Some(Duration::from_millis(millis.ok_or_else(|| {
                        ConfigError::InvalidValue {
                            option: "--idle-timeout-ms",
                            value: text.clone(),
                            reason: "expected a positive whole number of milliseconds",
                        }
                    })?));
                }
                "--settle-delay-ms" => {
                    let text = value("--settle-delay-ms")?;
                    let millis = text.parse::<u64>().map_err(|_| ConfigError::InvalidValue {
                        option: "--settle-delay-ms",
                        value: text.clone(),
                        reason: "expected a number of milliseconds",
                    })?;
                    config = config.with_settle_delay(Duration::from_millis(millis));
                }
                "--never-settle" => config = config.never_settling(),
                "--fail-messages" => config.messages = value("--fail-messages")?.parse()?,
                "--tls" => tls_flag = true,
                "--tls-name" => {
                    let name = value("--tls-name")?;
                    if !crate::tls::is_valid_name(&name) {
                        return Err(ConfigError::InvalidValue {
                            option: "--tls-name",
                            value: name,
                            reason: "expected a DNS name or an IP address",
                        });
                    }
                    config.tls.names.push(name);
                }
                "--tls-ca-out" => config.tls.ca_out = Some(PathBuf::from(value("--tls-ca-out")?)),
                "--tls-cert" => tls_cert = Some(PathBuf::from(value("--tls-cert")?)),
                "--tls-key" => tls_key = Some(PathBuf::from(value("--tls-key")?)),
                "--rate-limit" => config.rate_rules.push(value("--rate-limit")?.parse()?),
                "--latency-ms" => config.latency = Latency::parse(&value("--latency-ms")?)?,
                other => return Err(ConfigError::Usage(format!("unknown argument {other:?}"))),
            }
        }
        if !keys.is_empty() {
            config.access_keys = keys;
        }
        if !tasks.is_empty() {
            config.tasks = tasks;
        }
        match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => config = config.with_tls_files(cert, key),
            (None, None) => {
                if !tls_flag && (!config.tls.names.is_empty() || config.tls.ca_out.is_some()) {
                    return Err(ConfigError::Usage(
                        "--tls-name and --tls-ca-out go with --tls".to_owned(),
                    ));
                }
                config.tls.enabled = tls_flag;
            }
            _ => {
                return Err(ConfigError::Usage(
                    "--tls-cert and --tls-key go together".to_owned(),
                ));
            }
        }
        config.check()?;
        Ok(config)
    }

    /// Checks the settings as a whole.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        if !self.allow_non_loopback && !self.listen.ip().is_loopback() {
            return Err(ConfigError::NotLoopback(self.listen));
        }
        if self.tls.given.is_some() && (!self.tls.names.is_empty() || self.tls.ca_out.is_some()) {
            return Err(ConfigError::Usage(
                "--tls-name and --tls-ca-out go with a generated certificate, not with \
                 --tls-cert / --tls-key"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

fn parse_key(text: &str) -> Result<(String, String, Vec<i64>), ConfigError> {
    let invalid = |reason| ConfigError::InvalidValue {
        option: "--access-key",
        // The secret stays out of the message.
        value: text.split(':').next().unwrap_or_default().to_owned(),
        reason,
    };
    let mut parts = text.splitn(3, ':');
    let id = parts.next().unwrap_or_default();
    let secret = parts
        .next()
        .ok_or_else(|| invalid("expected ID:SECRET[:PROJECT,...]"))?;
    if id.is_empty() || secret.is_empty() {
        return Err(invalid("the id and the secret must not be empty"));
    }
    let projects = match parts.next() {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|project| {
                positive(project).ok_or_else(|| invalid("projects are positive integers"))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok((id.to_owned(), secret.to_owned(), projects))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn reads_the_binary_arguments() {
        let config = Config::from_args(args(
            "--listen 127.0.0.1:8080 --access-key AK:SK:1,2 --access-key B:S --sts-token T --task 7:1-3 --task 8:9",
        ))
        .unwrap();
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.access_keys.len(), 2);
        assert_eq!(config.access_keys[0].2, vec![1, 2]);
        assert_eq!(config.sts_tokens, vec!["T".to_owned()]);
        let ids: Vec<(i64, i64)> = config
            .tasks
            .iter()
            .map(|task| (task.project_id, task.file_id))
            .collect();
        assert_eq!(ids, vec![(7, 1), (7, 2), (7, 3), (8, 9)]);
        assert_eq!(config.tasks[3].name, "task_00009");
        assert_eq!(config.process_delay, DEFAULT_PROCESS_DELAY);
        let seeded = Config::from_args(args(
            "--task 7:1-2,name=orders_{id},folder=a/b,type=DI_OFFLINE --process-delay-ms 0 \
             --project-identifier 7:sales",
        ))
        .unwrap();
        assert_eq!(
            seeded.tasks,
            vec![
                SeedTask::new(7, 1)
                    .named("orders_00001")
                    .in_folder("a/b")
                    .of_type(crate::TaskType::DiOffline),
                SeedTask::new(7, 2)
                    .named("orders_00002")
                    .in_folder("a/b")
                    .of_type(crate::TaskType::DiOffline),
            ]
        );
        assert_eq!(seeded.process_delay, Duration::ZERO);
        assert!(
            seeded
                .project_identifiers
                .contains(&(7, "sales".to_owned()))
        );
        let skewed = Config::from_args(args("--clock-skew -1200 --idle-timeout-ms 50")).unwrap();
        assert_eq!(skewed.clock_skew, -1200);
        assert_eq!(skewed.idle_timeout, Some(Duration::from_millis(50)));
        assert_eq!(config.settle, Settle::Immediately);
        let slow = Config::from_args(args("--settle-delay-ms 250")).unwrap();
        assert_eq!(slow.settle, Settle::After(Duration::from_millis(250)));
        let never = Config::from_args(args("--settle-delay-ms 0 --never-settle")).unwrap();
        assert_eq!(never.settle, Settle::Never);
        assert_eq!(config.messages, Messages::Default);
        assert!(!config.is_tls());
        let tls = Config::from_args(args("--tls --tls-name dw.test --tls-ca-out ca.pem")).unwrap();
        assert!(tls.is_tls());
        assert_eq!(tls.tls.names, vec!["dw.test".to_owned()]);
        assert_eq!(tls.tls.ca_out, Some(PathBuf::from("ca.pem")));
        let given = Config::from_args(args("--tls-cert c.pem --tls-key k.pem")).unwrap();
        assert!(given.is_tls() && given.tls.given.is_some());
        for (name, messages) in [
            ("default", Messages::Default),
            ("opaque", Messages::Opaque),
            ("misleading", Messages::Misleading),
        ] {
            let config = Config::from_args(args(&format!("--fail-messages {name}"))).unwrap();
            assert_eq!(config.messages, messages);
        }
    }

    #[test]
    fn the_demo_key_is_accepted_until_replaced_and_exported_in_two_lines() {
        assert!(Config::default().accepts_demo_key());
        assert!(
            !Config::from_args(args("--access-key AK:SK"))
                .unwrap()
                .accepts_demo_key()
        );
        assert!(!Config::default().without_access_keys().accepts_demo_key());
        let exports = Config::demo_key_exports();
        let lines: Vec<&str> = exports.lines().collect();
        assert_eq!(
            lines,
            [
                format!("export ALIBABA_CLOUD_ACCESS_KEY_ID={DEMO_ACCESS_KEY_ID}"),
                format!("export ALIBABA_CLOUD_ACCESS_KEY_SECRET={DEMO_ACCESS_KEY_SECRET}"),
            ]
        );
    }

    #[test]
    fn rejects_bad_arguments_without_echoing_secrets() {
        for bad in [
            "--listen nowhere",
            "--listen 0.0.0.0:1",
            "--access-key AK",
            "--access-key AK:SK:x",
            "--task 1",
            "--task 1:5-2",
            "--task 0:1",
            "--bogus",
            "--task",
            "--clock-skew soon",
            "--clock-skew 99999999999",
            "--idle-timeout-ms 0",
            "--settle-delay-ms -1",
            "--settle-delay-ms",
            "--fail-messages",
            "--fail-messages loud",
            "--process-delay-ms -1",
            "--process-delay-ms soon",
            "--project-identifier sales",
            "--project-identifier 0:sales",
            "--project-identifier 7:",
            "--task 7:1,type=DI_BATCH",
        ] {
            assert!(Config::from_args(args(bad)).is_err(), "{bad}");
        }
        let error = Config::from_args(args("--access-key AK:TOPSECRET:x")).unwrap_err();
        assert!(!error.to_string().contains("TOPSECRET"), "{error}");
        let config =
            Config::from_args(args("--access-key AK:TOPSECRET --sts-token TOKENVALUE")).unwrap();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("TOPSECRET") && !shown.contains("TOKENVALUE"),
            "{shown}"
        );
        assert!(Config::from_args(args("--listen 0.0.0.0:1 --allow-non-loopback")).is_ok());
        for bad in [
            "--tls-name localhost",
            "--tls-ca-out ca.pem",
            "--tls-cert c.pem",
            "--tls-key k.pem",
            "--tls --tls-name a_b",
            "--tls --tls-name",
            "--tls-cert c.pem --tls-key k.pem --tls-name x.test",
            "--tls --tls-cert c.pem --tls-key k.pem --tls-ca-out ca.pem",
        ] {
            assert!(Config::from_args(args(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            Config::from_args(args("--fail-messages loud")).unwrap_err(),
            ConfigError::InvalidValue {
                option: "--fail-messages",
                value: "loud".to_owned(),
                reason: "expected default, opaque or misleading",
            }
        );
        assert_eq!(
            Config::from_args(args("--fail-messages")).unwrap_err(),
            ConfigError::Usage("--fail-messages needs a value".to_owned())
        );
    }
}
