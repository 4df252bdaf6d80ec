//! [`Client`]: the driver loop of di-proto's flows over reqwest, with Tokio's timer.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use di_credentials::Source;
use di_proto::client::rate::{Answer, RateLimiter, RateStats};
use di_proto::client::{ClientConfig, ProvideCredentials};
use di_proto::flow::{
    Action, CallFlow, Event, Flow, Input, NoResponse, TaskAction, TaskFlow, TaskReport,
};
use di_proto::ops::{ChangeResponse, DeleteDiSyncTask, Operation, TerminateDiSyncInstance};
use di_proto::{Endpoint, Signer, Timestamp};
use tracing::Instrument;

use crate::Error;
use crate::credentials::DefaultChain;
use crate::interrupt::Interrupt;
use crate::random;
use crate::transport::{self, AttemptError, Http};

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
/// use di_reqwest::di_proto::client::ClientConfig;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ClientConfig::new().with_region("cn-shanghai");
/// let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
/// let client = Client::new(&config, credentials)?;
/// let report = client.teardown(10000, 100).await.into_result()?;
/// println!("{}; RequestId {:?}", report.outcome, report.request_id());
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
    /// The rate limit of all the client's calls (see `di_proto::client::rate`), on the clock that
    /// `epoch` starts.
    limiter: Mutex<RateLimiter>,
    epoch: Instant,
}

/// Where a client's credentials come from: a blocking provider (fixed credentials), or the
/// default chain, whose refreshes are async.
enum CredentialSource {
    Provider(Box<dyn ProvideCredentials>),
    Chain(Arc<DefaultChain>),
}

impl fmt::Debug for Client {
    /// The endpoint, the settings, the proxy (without its user info) and the clock offset:
    /// never the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("config", &self.inner.config)
            .field("proxy", &self.inner.http.proxy())
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
                limiter: Mutex::new(RateLimiter::new(config.rate_limit())),
                epoch: Instant::now(),
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
                limiter: Mutex::new(RateLimiter::new(config.rate_limit())),
                epoch: Instant::now(),
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
        self.run(CallFlow::new(operation, self.inner.config.retry_policy()))
            .await
    }

    /// Runs a flow of di-proto ([`di_proto::flow`]) to its end: a [`CallFlow`], a
    /// [`di_proto::flow::WaitFlow`] or a [`TaskFlow`].
    pub async fn run<F: Flow>(&self, flow: F) -> F::Output {
        self.run_with(flow, &Interrupt::new(), |_| {}).await
    }

    /// Runs `flow` to its end as [`Client::run`] does, handing each of its events to
    /// `on_event`; once `interrupt` is triggered, the flow stops at its next step boundary
    /// (a sleep in progress is cut short; a request in flight finishes).
    pub async fn run_with<F: Flow>(
        &self,
        mut flow: F,
        interrupt: &Interrupt,
        mut on_event: impl FnMut(&Event),
    ) -> F::Output {
        let span = tracing::info_span!("di.flow");
        async {
            flow.set_clock_offset(self.clock_offset());
            let epoch = Instant::now();
            let mut input = Input::Start;
            let mut interrupted = false;
            loop {
                if !interrupted && interrupt.is_triggered() {
                    interrupted = true;
                    flow.interrupt();
                }
                // The flow's output leaves in this block: nothing of it is held across an
                // await below.
                let action: Action<std::convert::Infallible> = {
                    let action = flow.next(epoch.elapsed(), input);
                    while let Some(event) = flow.poll_event() {
                        tracing::info!("{event}");
                        on_event(&event);
                    }
                    match action {
                        Action::Done(output) => {
                            self.inner
                                .clock_offset
                                .store(flow.clock_offset(), Ordering::Relaxed);
                            return output;
                        }
                        Action::Sleep(delay) => Action::Sleep(delay),
                        Action::Send { time_left } => Action::Send { time_left },
                    }
                };
                // An interrupt that came meanwhile (from `on_event`, say) stops the request
                // asked for before it leaves: the flow ends at this step boundary.
                if !interrupted && interrupt.is_triggered() && matches!(action, Action::Send { .. })
                {
                    interrupted = true;
                    flow.interrupt();
                    input = Input::Woke;
                    continue;
                }
                input = match action {
                    Action::Done(never) => match never {},
                    Action::Sleep(delay) => {
                        interrupt.sleep(delay).await;
                        Input::Woke
                    }
                    Action::Send { time_left } => {
                        if !self.admit(interrupt).await {
                            // Interrupted while waiting for the rate limit: nothing is sent.
                            interrupted = true;
                            flow.interrupt();
                            input = Input::Woke;
                            continue;
                        }
                        let span = tracing::debug_span!("di.attempt", action = flow.action());
                        self.attempt(&mut flow, time_left).instrument(span).await
                    }
                };
            }
        }
        .instrument(span)
        .await
    }

    /// Waits until the rate limit lets one more request go; `false` when `interrupt` was
    /// triggered meanwhile (nothing may be sent then).
    async fn admit(&self, interrupt: &Interrupt) -> bool {
        loop {
            let now = self.inner.epoch.elapsed();
            let wait = self.limiter().acquire(now);
            match wait {
                None => return true,
                Some(wait) => {
                    tracing::trace!(wait_ms = millis(wait), "rate limit");
                    interrupt.sleep(wait).await;
                    if interrupt.is_triggered() {
                        return false;
                    }
                }
            }
        }
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, RateLimiter> {
        self.inner
            .limiter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the client's rate limiter has seen: requests sent, throttled answers, the rate in
    /// force.
    pub fn rate_stats(&self) -> RateStats {
        self.limiter().stats()
    }

    /// One attempt of the flow's current call: credentials, clock, random bytes, signing,
    /// sending and reading under the cap.
    async fn attempt<F: Flow>(&self, flow: &mut F, time_left: Option<Duration>) -> Input<Vec<u8>> {
        let inner = &*self.inner;
        let random = match random::bytes() {
            Ok(random) => random,
            Err(error) => return Input::Failed(random::failed(flow.action(), &error)),
        };
        // Asked per attempt: credentials refreshed between two attempts sign the next one.
        let credentials = match &inner.credentials {
            CredentialSource::Provider(provider) => provider.provide(),
            CredentialSource::Chain(chain) => chain.credentials().await,
        };
        let credentials = match credentials {
            Ok(credentials) => credentials,
            Err(error) => return Input::Failed(Error::Credentials(error)),
        };
        let signer = Signer::new(&credentials, &inner.endpoint)
            .with_signature_version(inner.config.signature_version())
            .with_format(inner.config.format());
        let request = match Timestamp::try_from(SystemTime::now())
            .and_then(|now| flow.sign(signer, now, random))
        {
            Ok(request) => request,
            Err(error) => return Input::Failed(Error::Api(error)),
        };
        drop(credentials);
        let sent = Instant::now();
        self.limiter().sent();
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
        if let Ok(response) = &outcome {
            let answer = Answer::of_response(response);
            self.limiter().observe(inner.epoch.elapsed(), answer);
        }
        match outcome {
            Ok(response) => {
                let request_id = response
                    .headers()
                    .get(REQUEST_ID_HEADER)
                    .and_then(|value| value.to_str().ok());
                tracing::debug!(
                    status = response.status().as_u16(),
                    request_id,
                    latency_ms,
                    "answered"
                );
                Input::Response(response)
            }
            Err(AttemptError::TooLarge) => {
                let limit = inner.config.max_response_bytes();
                tracing::debug!(latency_ms, limit, "the response body is too large");
                Input::Failed(Error::ResponseTooLarge {
                    action: flow.action().to_owned(),
                    limit,
                })
            }
            Err(AttemptError::Transport {
                failure,
                kind,
                message,
            }) => {
                tracing::debug!(latency_ms, kind = %kind, error = %message, "no response");
                Input::NoResponse(NoResponse::new(failure, kind, message))
            }
        }
    }

    /// Undeploys real-time task `file_id` of workspace `project_id`
    /// (`TerminateDISyncInstance`): one call, as the service answers it. See [`Client::run`]
    /// with a [`TaskFlow`] for a terminate that reads the task's state after a refusal, and
    /// waits.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn terminate_di_sync_instance(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&TerminateDiSyncInstance::new(project_id, file_id))
            .await
    }

    /// Deletes real-time task `file_id` of workspace `project_id` (`DeleteDISyncTask`): one
    /// call, as the service answers it.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn delete_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&DeleteDiSyncTask::new(project_id, file_id)).await
    }

    /// A [`TaskFlow`] for `action` on task `file_id` of `project_id`, under this client's
    /// retry policy; set its options (`ignore_not_found`, `with_wait`, `with_wait_policy`),
    /// then [`Client::run`] it.
    pub fn task(&self, project_id: i64, file_id: i64, action: TaskAction) -> TaskFlow {
        TaskFlow::new(project_id, file_id, action)
            .with_retry_policy(self.inner.config.retry_policy())
    }

    /// Tears the task down: terminates it, waits until it settles, deletes it
    /// ([`TaskAction::Teardown`]), under this client's retry policy and the default
    /// [`WaitPolicy`](di_proto::wait::WaitPolicy) (polls from 1 s, at most 5 minutes of
    /// waiting). A refusal is judged by the task's state, never by the words of its message;
    /// a task that does not exist fails (see [`Client::task`] and
    /// [`TaskFlow::ignore_not_found`] to count it done).
    ///
    /// The report keeps every step, the failed one included; see
    /// [`TaskReport::into_result`] for a `Result`.
    pub async fn teardown(&self, project_id: i64, file_id: i64) -> TaskReport {
        self.run(self.task(
            project_id,
            file_id,
            TaskAction::Teardown { stop_first: false },
        ))
        .await
    }

    /// The server clock minus the local clock, in seconds, as last measured (0 while within
    /// a minute); carried from call to call.
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }
}

/// The response header that carries the request id.
const REQUEST_ID_HEADER: &str = "x-acs-request-id";

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
