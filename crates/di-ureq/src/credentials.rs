//! [`DefaultChain`]: the default credential chain of `di-credentials`, its exchanges sent
//! with ureq, its answers cached and refreshed ahead of expiry, one refresh at a time.

use std::fmt;
use std::io::Read;
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::SystemTime;

use di_credentials::{
    ChainCache, ChainOptions, Environment, Exchange, Lookup, MAX_REPLY_BYTES, Recheck, Refreshed,
    Reply, Resolved, Source, Step,
};
use di_proto::client::{CredentialsError, ProvideCredentials};
use di_proto::{Credentials, Timestamp};
use ureq::Agent;

use crate::{Error, random};

/// The default credential chain, cached: the provider behind [`crate::Client::from_default_chain`].
///
/// The first call resolves the chain (see [`di_credentials`] for its order) and remembers the
/// source that answered; later calls use the cached credentials until they come within the
/// refresh margin of their expiry, then one caller refreshes from that same source while
/// the others keep signing with the cached ones. Once they have expired, every caller waits
/// for the one refresh. A failed refresh ahead of expiry keeps the cached credentials.
///
/// The chain's own requests (metadata service, credentials URI, STS) never go through a
/// proxy, never follow redirects, and read at most 64 KiB.
///
/// ```
/// use std::sync::Arc;
/// use di_ureq::di_credentials::{ChainOptions, Environment, Source};
/// use di_ureq::di_proto::client::ProvideCredentials;
/// use di_ureq::DefaultChain;
///
/// let env = Environment::empty()
///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExample")
///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret");
/// let chain = Arc::new(DefaultChain::new(env, ChainOptions::new())?);
/// assert_eq!(chain.provide()?.access_key_id(), "LTAI5tExample");
/// assert_eq!(chain.source(), Some(Source::Environment));
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub struct DefaultChain {
    state: Mutex<ChainCache>,
    refreshing: Mutex<()>,
    agent: Agent,
}

impl DefaultChain {
    /// The chain over `env` with `options`; its HTTPS exchanges (STS, a credentials URI)
    /// trust the platform's roots (or `SSL_CERT_FILE`'s).
    ///
    /// # Errors
    /// [`Error::Build`] when the HTTP agent cannot be built.
    pub fn new(env: Environment, options: ChainOptions) -> Result<Self, Error> {
        DefaultChain::with_trust(env, options, &di_proto::client::ClientConfig::new())
    }

    /// As [`DefaultChain::new`], trusting what `config` trusts: its extra root certificates
    /// too (a TLS-intercepting proxy's root, for example), as the client built with the same
    /// `config` does.
    ///
    /// # Errors
    /// [`Error::Build`] when the HTTP agent cannot be built or a root certificate cannot be
    /// read.
    pub fn with_trust(
        env: Environment,
        options: ChainOptions,
        config: &di_proto::client::ClientConfig,
    ) -> Result<Self, Error> {
        let builder = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!(
                "di/",
                env!("CARGO_PKG_VERSION"),
                " (ureq; credentials)"
            ));
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        let _ = config;
        // STS is HTTPS: the roots `config` trusts.
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let builder = builder.tls_config(crate::transport::tls_config(config, &|name| {
            std::env::var(name).ok()
        })?);
        let agent = builder.build().new_agent();
        Ok(DefaultChain {
            state: Mutex::new(ChainCache::new(env, options)),
            refreshing: Mutex::new(()),
            agent,
        })
    }

    /// The chain over the process's environment, read now ([`Environment::from_process`]),
    /// with default options.
    ///
    /// # Errors
    /// As [`DefaultChain::new`].
    pub fn from_process() -> Result<Self, Error> {
        DefaultChain::new(Environment::from_process(), ChainOptions::new())
    }

    /// The source of the current credentials (`None` before the first call).
    pub fn source(&self) -> Option<Source> {
        self.state().source()
    }

    /// How many times the chain resolved credentials (the first time included).
    pub fn refreshes(&self) -> u64 {
        self.state().refreshes()
    }

    fn state(&self) -> MutexGuard<'_, ChainCache> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The credentials to sign with now, refreshed if due.
    ///
    /// # Errors
    /// The chain's [`di_credentials::Error`] when no credentials are usable.
    pub fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let now = now()?;
        let lookup = self.state().lookup(now);
        let (_guard, recheck) = match lookup {
            Lookup::Use(credentials) => return Ok(credentials),
            Lookup::UseAndRefresh(credentials) => {
                let guard = match self.refreshing.try_lock() {
                    Ok(guard) => guard,
                    Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                    // Another caller is refreshing: these are still good.
                    Err(TryLockError::WouldBlock) => return Ok(credentials),
                };
                let recheck = self.state().recheck_ahead(credentials, now);
                (guard, recheck)
            }
            Lookup::Refresh => {
                let guard = self
                    .refreshing
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                // Whoever held the lock may have refreshed already.
                let recheck = self.state().recheck_expired(self::now()?);
                (guard, recheck)
            }
        };
        let refresh = match recheck {
            Recheck::Use(credentials) => return Ok(credentials),
            Recheck::Refresh(refresh) => refresh,
        };
        let result = self.resolve();
        if let Ok(resolved) = &result {
            tracing::debug!(source = %resolved.source, detail = %resolved.detail, "credentials resolved");
        }
        let refreshed = self.state().refreshed(refresh, result)?;
        match refreshed {
            Refreshed::New(credentials) => Ok(credentials),
            Refreshed::Kept { credentials, error } => {
                tracing::warn!(error = %error, "refreshing credentials ahead of expiry failed; using the cached ones");
                Ok(credentials)
            }
        }
    }

    /// Runs the resolver to its end, sending its exchanges.
    fn resolve(&self) -> Result<Resolved, CredentialsError> {
        let mut resolver = self.state().resolver();
        let mut reply = None;
        loop {
            let nonce = random::nonce().map_err(|error| {
                Box::new(Error::Build(format!(
                    "the operating system's random number generator failed: {error}"
                )))
            })?;
            match resolver.next(now()?, &nonce, reply.take()) {
                Step::Done(result) => return result.map_err(Into::into),
                Step::Send(exchange) => reply = Some(self.send(exchange)),
            }
        }
    }

    fn send(&self, exchange: Exchange) -> Reply {
        let step = exchange.step;
        let request = self
            .agent
            .configure_request(exchange.request)
            .timeout_connect(Some(exchange.connect_timeout))
            .timeout_resolve(Some(exchange.connect_timeout))
            .timeout_recv_response(Some(exchange.read_timeout))
            .timeout_recv_body(Some(exchange.read_timeout))
            .build();
        let reply = match self.agent.run(request) {
            // Described as the client's own calls are: never with the URL, whose query may
            // hold a security token.
            Err(error) => Reply::Failed(crate::transport::describe(&error)),
            Ok(response) => {
                let (parts, mut body) = response.into_parts();
                let mut bytes = Vec::new();
                let cap = u64::try_from(MAX_REPLY_BYTES).unwrap_or(u64::MAX) + 1;
                match body.as_reader().take(cap).read_to_end(&mut bytes) {
                    Err(error) => Reply::Failed(error.to_string()),
                    Ok(_) if bytes.len() > MAX_REPLY_BYTES => {
                        Reply::Failed(format!("the answer exceeds {MAX_REPLY_BYTES} bytes"))
                    }
                    Ok(_) => Reply::Response(http::Response::from_parts(parts, bytes)),
                }
            }
        };
        match &reply {
            Reply::Response(response) => {
                tracing::debug!(
                    step,
                    status = response.status().as_u16(),
                    "credentials exchange"
                )
            }
            Reply::Failed(reason) => tracing::debug!(step, reason, "credentials exchange failed"),
        }
        reply
    }
}

fn now() -> Result<Timestamp, CredentialsError> {
    Ok(Timestamp::try_from(SystemTime::now())?)
}

impl ProvideCredentials for DefaultChain {
    fn provide(&self) -> Result<Credentials, CredentialsError> {
        self.credentials()
    }
}

impl fmt::Debug for DefaultChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("DefaultChain")
            .field("source", &state.source())
            .field(
                "expiration",
                &state.current().and_then(|current| current.expiration),
            )
            .finish_non_exhaustive()
    }
}
