//! [`DefaultChain`]: the default credential chain of `di-credentials`, its exchanges sent
//! with reqwest, its answers cached and refreshed ahead of expiry, one refresh at a time.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use di_credentials::{
    ChainCache, ChainOptions, Environment, Exchange, Lookup, MAX_REPLY_BYTES, Recheck, Refreshed,
    Reply, Resolved, Source, Step,
};
use di_proto::client::CredentialsError;
use di_proto::{Credentials, Timestamp};

use crate::transport::{self, AttemptError};
use crate::{Error, random};

/// The default credential chain, cached: the provider behind [`crate::Client::from_default_chain`].
///
/// The first call resolves the chain (see [`di_credentials`] for its order) and remembers the
/// source that answered; later calls use the cached credentials until they come within the
/// refresh margin of their expiry, then one caller refreshes from that same source while
/// the others keep signing with the cached ones. Once they have expired, every caller waits
/// (asynchronously) for the one refresh. A failed refresh ahead of expiry keeps the cached
/// credentials.
///
/// The chain's own requests (metadata service, credentials URI, STS) never go through a
/// proxy, never follow redirects, and read at most 64 KiB.
///
/// ```
/// use std::sync::Arc;
/// use di_reqwest::di_credentials::{ChainOptions, Environment, Source};
/// use di_reqwest::DefaultChain;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let env = Environment::empty()
///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExample")
///     .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "example-secret");
/// let chain = Arc::new(DefaultChain::new(env, ChainOptions::new())?);
/// assert_eq!(chain.credentials().await?.access_key_id(), "LTAI5tExample");
/// assert_eq!(chain.source(), Some(Source::Environment));
/// # Ok(())
/// # }
/// ```
pub struct DefaultChain {
    state: Mutex<ChainCache>,
    refreshing: tokio::sync::Mutex<()>,
    http: reqwest::Client,
}

impl DefaultChain {
    /// The chain over `env` with `options`; its HTTPS exchanges (STS, a credentials URI)
    /// trust the platform's roots (or `SSL_CERT_FILE`'s).
    ///
    /// # Errors
    /// [`Error::Build`] when the HTTP client cannot be built.
    pub fn new(env: Environment, options: ChainOptions) -> Result<Self, Error> {
        DefaultChain::with_trust(env, options, &di_proto::client::ClientConfig::new())
    }

    /// As [`DefaultChain::new`], trusting what `config` trusts: its extra root certificates
    /// too (a TLS-intercepting proxy's root, for example), as the client built with the same
    /// `config` does.
    ///
    /// # Errors
    /// [`Error::Build`] when the HTTP client cannot be built or a root certificate cannot be
    /// read.
    pub fn with_trust(
        env: Environment,
        options: ChainOptions,
        config: &di_proto::client::ClientConfig,
    ) -> Result<Self, Error> {
        let builder = reqwest::Client::builder()
            .user_agent(concat!(
                "di/",
                env!("CARGO_PKG_VERSION"),
                " (reqwest; credentials)"
            ))
            .connect_timeout(di_credentials::sts::CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy();
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        let _ = config;
        // STS is HTTPS: the roots `config` trusts.
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let builder =
            crate::transport::with_tls(builder, config, &|name| std::env::var(name).ok(), true)?;
        let http = builder
            .build()
            .map_err(|error| Error::Build(error.without_url().to_string()))?;
        Ok(DefaultChain {
            state: Mutex::new(ChainCache::new(env, options)),
            refreshing: tokio::sync::Mutex::new(()),
            http,
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
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let now = now()?;
        let lookup = self.state().lookup(now);
        let (_guard, recheck) = match lookup {
            Lookup::Use(credentials) => return Ok(credentials),
            Lookup::UseAndRefresh(credentials) => {
                // Another caller is refreshing: these are still good.
                let Ok(guard) = self.refreshing.try_lock() else {
                    return Ok(credentials);
                };
                let recheck = self.state().recheck_ahead(credentials, now);
                (guard, recheck)
            }
            Lookup::Refresh => {
                let guard = self.refreshing.lock().await;
                // Whoever held the lock may have refreshed already.
                let recheck = self.state().recheck_expired(self::now()?);
                (guard, recheck)
            }
        };
        let refresh = match recheck {
            Recheck::Use(credentials) => return Ok(credentials),
            Recheck::Refresh(refresh) => refresh,
        };
        let result = self.resolve().await;
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
    async fn resolve(&self) -> Result<Resolved, CredentialsError> {
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
                Step::Send(exchange) => reply = Some(self.send(exchange).await),
            }
        }
    }

    async fn send(&self, exchange: Exchange) -> Reply {
        let step = exchange.step;
        let timeout = exchange.total_timeout();
        let reply =
            match transport::send(&self.http, exchange.request, timeout, MAX_REPLY_BYTES).await {
                Ok(response) => Reply::Response(response),
                Err(AttemptError::Transport { message, .. }) => Reply::Failed(message),
                Err(AttemptError::TooLarge) => {
                    Reply::Failed(format!("the answer exceeds {MAX_REPLY_BYTES} bytes"))
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
