//! [`Client`]: di-proto's [`Call`] loop driven over reqwest, with Tokio's timer.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use di_credentials::Source;
use di_proto::config::{ClientConfig, ProvideCredentials};
use di_proto::ops::{
    DeleteDiSyncTask, Operation, TeardownReport, TeardownResponse, TerminateDiSyncInstance,
    terminate_step,
};
use di_proto::retry::{RetryDecision, TransportFailure};
use di_proto::{Call, Endpoint, Signer, Step, Timestamp};
use tracing::Instrument;

use crate::credentials::DefaultChain;
use crate::random;
use crate::transport::{self, AttemptError, Http};
use crate::{Error, TransportErrorKind};

/// An async client of the DataWorks Data Integration API.
///
/// Cheap to clone (an [`Arc`] inside): clones share one connection pool, the credentials and
/// the measured clock offset. `Send + Sync`, and the futures of its methods are `Send`, so it
/// works on a multi-threaded Tokio runtime. Every method must run inside a Tokio runtime
/// with the timer enabled (`#[tokio::main]` has it).
///
/// ```no_run
/// use di_reqwest::Client;
/// use di_reqwest::di_proto::Credentials;
/// use di_reqwest::di_proto::config::ClientConfig;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ClientConfig::new().with_region("cn-shanghai");
/// let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
/// let client = Client::new(&config, credentials)?;
/// let report = client.teardown(10000, 100).await?;
/// println!("deleted; RequestId {}", report.delete.request_id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    endpoint: Endpoint,
    credentials: CredentialSource,
    http: Http,
    clock_offset: AtomicI64,
}

/// Where a client's credentials come from: a blocking provider (fixed credentials), or the
/// default chain, whose refreshes are async.
enum CredentialSource {
    Provider(Box<dyn ProvideCredentials>),
    Chain(Arc<DefaultChain>),
}

impl fmt::Debug for Client {
    /// The endpoint, the settings and the clock offset: never the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("config", &self.inner.config)
            .field("clock_offset", &self.clock_offset())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Resolves the endpoint (`config.endpoint()`) and builds the HTTP client once.
    ///
    /// Proxies are read from the environment now (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`
    /// and `NO_PROXY`, upper or lower case), except for a loopback endpoint, which is never
    /// proxied.
    ///
    /// # Errors
    /// [`Error::Api`] when the endpoint is missing or invalid (plain HTTP to a host that is
    /// not loopback, unless the config allows it); [`Error::Build`] when the HTTP client
    /// cannot be built (TLS setup, a user agent that cannot go into a header).
    pub fn new(
        config: &ClientConfig,
        credentials: impl ProvideCredentials + 'static,
    ) -> Result<Client, Error> {
        let endpoint = config.endpoint()?;
        let http = transport::build_http_client(config, &endpoint)?;
        Ok(Client {
            inner: Arc::new(Inner {
                config: config.clone(),
                endpoint,
                credentials: CredentialSource::Provider(Box::new(credentials)),
                http,
                clock_offset: AtomicI64::new(0),
            }),
        })
    }

    /// A client whose credentials come from the default chain of the process's environment
    /// (see [`DefaultChain`]): environment variables, OIDC, the aliyun CLI's profile, the
    /// credentials file, the ECS RAM role, a credentials URI. Nothing is looked up until the
    /// first call.
    ///
    /// # Errors
    /// As [`Client::new`].
    pub fn from_default_chain(config: &ClientConfig) -> Result<Client, Error> {
        Client::with_default_chain(config, Arc::new(DefaultChain::from_process()?))
    }

    /// A client whose credentials come from `chain`, which may be shared with other clients
    /// (one cache, one refresh at a time for all of them).
    ///
    /// # Errors
    /// As [`Client::new`].
    pub fn with_default_chain(
        config: &ClientConfig,
        chain: Arc<DefaultChain>,
    ) -> Result<Client, Error> {
        let endpoint = config.endpoint()?;
        let http = transport::build_http_client(config, &endpoint)?;
        Ok(Client {
            inner: Arc::new(Inner {
                config: config.clone(),
                endpoint,
                credentials: CredentialSource::Chain(chain),
                http,
                clock_offset: AtomicI64::new(0),
            }),
        })
    }

    /// The default-chain source the credentials came from, once a call asked for them
    /// (`None` for a client built with fixed credentials or another provider).
    pub fn credentials_source(&self) -> Option<Source> {
        match &self.inner.credentials {
            CredentialSource::Chain(chain) => chain.source(),
            CredentialSource::Provider(_) => None,
        }
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The endpoint every call goes to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// Calls any operation: a typed one from [`di_proto::ops`], or a generic
    /// [`di_proto::RpcRequest`].
    ///
    /// Each attempt is signed afresh (new nonce, current time moved by the measured clock
    /// offset); failures are retried as the config's retry policy says, sleeping with Tokio's
    /// timer in between.
    ///
    /// # Errors
    /// [`Error::Api`] for input errors (nothing is sent) and for what the service answered;
    /// [`Error::Transport`] when no response came and the policy stopped retrying;
    /// [`Error::ResponseTooLarge`] when a body exceeds the configured cap.
    pub async fn call<O: Operation + Sync>(&self, operation: &O) -> Result<O::Output, Error> {
        let span = tracing::info_span!("di.call", action = tracing::field::Empty);
        if !span.is_disabled() {
            // The action is named only where something records it.
            span.record("action", action_of(operation).as_str());
        }
        self.run(operation).instrument(span).await
    }

    /// Undeploys real-time task `file_id` of workspace `project_id`
    /// (`TerminateDISyncInstance`).
    ///
    /// # Errors
    /// As [`Client::call`]; a task that is not deployed is
    /// [`di_proto::Error::TaskFailed`].
    pub async fn terminate_di_sync_instance(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<TeardownResponse, Error> {
        self.call(&TerminateDiSyncInstance::new(project_id, file_id))
            .await
    }

    /// Deletes real-time task `file_id` of workspace `project_id` (`DeleteDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn delete_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<TeardownResponse, Error> {
        self.call(&DeleteDiSyncTask::new(project_id, file_id)).await
    }

    /// Terminates, then deletes, real-time task `file_id` of workspace `project_id`.
    ///
    /// A task that was not deployed goes straight on to the delete step
    /// ([`di_proto::ops::terminate_step`]); a step whose first answer was lost and whose
    /// retry found the work done ([`di_proto::ops::TeardownOutcome::AlreadyDone`]) counts
    /// as done.
    ///
    /// # Errors
    /// The first step's error, as [`Client::call`].
    pub async fn teardown(&self, project_id: i64, file_id: i64) -> Result<TeardownReport, Error> {
        let terminate = match self.terminate_di_sync_instance(project_id, file_id).await {
            Ok(response) => terminate_step(Ok(response))?,
            Err(Error::Api(error)) => terminate_step(Err(error))?,
            Err(error) => return Err(error),
        };
        let delete = self.delete_di_sync_task(project_id, file_id).await?;
        Ok(TeardownReport::new(terminate, delete))
    }

    /// The server clock minus the local clock, in seconds, as last measured (0 while within
    /// a minute); carried from call to call.
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    /// One call: the attempt loop, then the clock offset kept for the next call.
    async fn run<O: Operation + Sync>(&self, operation: &O) -> Result<O::Output, Error> {
        let inner = &*self.inner;
        let started = Instant::now();
        let mut call = Call::new(operation, inner.config.retry_policy())?
            .with_clock_offset(self.clock_offset());
        let result = self.attempts(operation, &mut call, started).await;
        inner
            .clock_offset
            .store(call.clock_offset(), Ordering::Relaxed);
        result
    }

    /// Signs, sends, reads and sleeps until the call is done.
    async fn attempts<O: Operation + Sync>(
        &self,
        operation: &O,
        call: &mut Call<'_, O>,
        started: Instant,
    ) -> Result<O::Output, Error> {
        loop {
            let attempt = call.attempts_made().saturating_add(1);
            let span = tracing::info_span!("di.attempt", attempt);
            // Nothing of the attempt (nor of `O::Output`) is held across the sleep.
            let delay = match self
                .attempt(operation, call, started)
                .instrument(span.clone())
                .await?
            {
                Next::Done(result) => return result,
                Next::Retry(delay) => delay,
            };
            tokio::time::sleep(delay).instrument(span).await;
        }
    }

    /// One attempt: its outcome, or the delay before the next one.
    async fn attempt<O: Operation + Sync>(
        &self,
        operation: &O,
        call: &mut Call<'_, O>,
        started: Instant,
    ) -> Result<Next<O::Output>, Error> {
        let inner = &*self.inner;
        let (nonce, jitter) = random::nonce_and_jitter().map_err(|error| Error::Transport {
            action: action_of(operation),
            attempts: call.attempts_made(),
            kind: TransportErrorKind::Other,
            message: format!("the operating system's random number generator failed: {error}"),
        })?;
        // Asked per attempt: credentials refreshed between two attempts sign the next one.
        let credentials = match &inner.credentials {
            CredentialSource::Provider(provider) => provider.provide(),
            CredentialSource::Chain(chain) => chain.credentials().await,
        }
        .map_err(Error::Credentials)?;
        let signer = Signer::new(&credentials, &inner.endpoint)
            .with_signature_version(inner.config.signature_version())
            .with_format(inner.config.format());
        let now = Timestamp::try_from(SystemTime::now())?;
        let request = call.start_attempt(signer, now, &nonce)?;
        let time_left = inner
            .config
            .retry_policy()
            .deadline()
            .map(|deadline| deadline.saturating_sub(started.elapsed()));
        let sent = Instant::now();
        let outcome = inner
            .http
            .send(
                request,
                inner.config.read_timeout(),
                inner.config.max_response_bytes(),
                time_left,
            )
            .await;
        let latency_ms = millis(sent.elapsed());
        match outcome {
            Ok(response) => {
                let header_id = response
                    .headers()
                    .get("x-acs-request-id")
                    .and_then(|value| value.to_str().ok());
                match call.finish_attempt(&response, started.elapsed(), jitter) {
                    Step::Done(Ok(output)) => {
                        tracing::info!(
                            status = response.status().as_u16(),
                            request_id = header_id,
                            latency_ms,
                            "done"
                        );
                        Ok(Next::Done(Ok(output)))
                    }
                    Step::Done(Err(error)) => {
                        tracing::warn!(
                            status = response.status().as_u16(),
                            request_id = header_id.or(error.request_id()),
                            latency_ms,
                            error = %error,
                            "failed"
                        );
                        Ok(Next::Done(Err(Error::Api(error))))
                    }
                    Step::Retry { delay, error } => {
                        tracing::info!(
                            status = response.status().as_u16(),
                            request_id = header_id.or(error.request_id()),
                            latency_ms,
                            retry_reason = %error,
                            delay_ms = millis(delay),
                            "retrying"
                        );
                        Ok(Next::Retry(delay))
                    }
                }
            }
            Err(AttemptError::TooLarge) => {
                tracing::warn!(
                    latency_ms,
                    limit = inner.config.max_response_bytes(),
                    "response body too large"
                );
                Err(Error::ResponseTooLarge {
                    action: action_of(operation),
                    limit: inner.config.max_response_bytes(),
                })
            }
            Err(AttemptError::Transport {
                failure,
                kind,
                message,
            }) => match call.transport_failed(failure, started.elapsed(), jitter) {
                RetryDecision::Retry { delay } => {
                    tracing::info!(
                        latency_ms,
                        retry_reason = %format_args!("{kind}: {message}"),
                        outcome_unknown = outcome_unknown(failure),
                        delay_ms = millis(delay),
                        "retrying"
                    );
                    Ok(Next::Retry(delay))
                }
                RetryDecision::Stop(reason) => {
                    tracing::warn!(
                        latency_ms,
                        error = %format_args!("{kind}: {message}"),
                        stop = ?reason,
                        "no response"
                    );
                    Err(Error::Transport {
                        action: action_of(operation),
                        attempts: call.attempts_made(),
                        kind,
                        message,
                    })
                }
            },
        }
    }
}

/// What comes after an attempt.
enum Next<T> {
    /// The call's result.
    Done(Result<T, Error>),
    /// Sleep this long, then attempt again.
    Retry(Duration),
}

/// Whether the failed attempt may have reached the service, for logs.
fn outcome_unknown(failure: TransportFailure) -> bool {
    matches!(failure, TransportFailure::OutcomeUnknown)
}

/// The action `operation` calls, for a span or an error: `Call::new` has built its request
/// once already, so this cannot fail then.
fn action_of<O: Operation>(operation: &O) -> String {
    operation
        .to_rpc_request()
        .map(|request| request.action().to_owned())
        .unwrap_or_default()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
