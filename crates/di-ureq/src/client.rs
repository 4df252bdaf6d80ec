//! The blocking [`Client`]: the driver loop of di-proto's flows over a ureq agent.

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

use crate::Error;
use crate::credentials::DefaultChain;
use crate::interrupt::Interrupt;
use crate::random;
use crate::transport::{Failure, Transport};

/// The response header that carries the request id.
const REQUEST_ID_HEADER: &str = "x-acs-request-id";

/// A blocking DataWorks Data Integration client.
///
/// Cloning is cheap (the state sits behind an `Arc`), and every clone shares one connection
/// pool and one measured clock offset. `Client` is `Send + Sync`: share it between threads.
///
/// Each call signs every attempt afresh (new timestamp, new nonce), sends it, and lets
/// di-proto read the answer and decide whether to retry; see [`Client::call`].
///
/// ```no_run
/// use di_ureq::Client;
/// use di_ureq::di_proto::Credentials;
/// use di_ureq::di_proto::client::ClientConfig;
///
/// let config = ClientConfig::new().with_region("cn-shanghai");
/// let client = Client::new(&config, Credentials::new("LTAI5tExampleKeyId", "secret")?)?;
/// let deleted = client.delete_di_sync_task(10000, 100)?;
/// println!("deleted ({:?}), request id {}", deleted.outcome, deleted.request_id);
/// # Ok::<(), di_ureq::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    endpoint: Endpoint,
    credentials: Box<dyn ProvideCredentials>,
    /// The default chain, when the credentials come from it (the same as `credentials`).
    chain: Option<Arc<DefaultChain>>,
    transport: Transport,
    clock_offset: AtomicI64,
    /// The rate limit of all the client's calls (see `di_proto::client::rate`), on the clock that
    /// `epoch` starts.
    limiter: Mutex<RateLimiter>,
    epoch: Instant,
}

impl Client {
    /// Resolves the endpoint (`config.endpoint()`), reads the proxy from the environment,
    /// and builds the HTTP agent, once.
    ///
    /// A proxy comes from `HTTPS_PROXY`/`https_proxy` (or `HTTP_PROXY`/`http_proxy` for a
    /// plain-HTTP endpoint), then `ALL_PROXY`/`all_proxy`, unless `NO_PROXY`/`no_proxy` lists
    /// the host; a loopback endpoint (`localhost`, `127.0.0.0/8`, `::1`) is never proxied.
    ///
    /// # Errors
    /// [`Error::Api`] with [`di_proto::Error::InvalidEndpoint`] when no valid endpoint is
    /// configured (plain HTTP to a host that is not loopback needs
    /// [`ClientConfig::with_insecure_http`]); [`Error::Build`] when the user agent cannot be
    /// sent, the proxy variable is not a usable proxy URL, or the endpoint is `https` and
    /// neither TLS feature is enabled.
    pub fn new(
        config: &ClientConfig,
        credentials: impl ProvideCredentials + 'static,
    ) -> Result<Client, Error> {
        let endpoint = config.endpoint()?;
        let transport = Transport::new(config, &endpoint, &config.user_agent("ureq"))?;
        Ok(Client {
            inner: Arc::new(Inner {
                config: config.clone(),
                endpoint,
                credentials: Box::new(credentials),
                chain: None,
                transport,
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
        let mut client = Client::new(config, Arc::clone(&chain))?;
        if let Some(inner) = Arc::get_mut(&mut client.inner) {
            inner.chain = Some(chain);
        }
        Ok(client)
    }

    /// The default-chain source the credentials came from, once a call asked for them
    /// (`None` for a client built with fixed credentials or another provider).
    pub fn credentials_source(&self) -> Option<Source> {
        self.inner.chain.as_ref()?.source()
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
    /// The credentials are asked for once per attempt, so that credentials refreshed between
    /// two attempts sign the next one. Each attempt is signed with the current time (moved by
    /// the measured clock offset) and a fresh nonce, and read by di-proto, which decides
    /// whether to retry and after how long. A retry never starts past the retry policy's
    /// deadline, and an attempt in flight gives up when the deadline passes.
    ///
    /// # Errors
    /// [`Error::Api`] for bad arguments (nothing is sent) and for what an answer said;
    /// [`Error::Transport`] when no usable answer arrived and the policy stopped;
    /// [`Error::ResponseTooLarge`] for a body over `config.max_response_bytes()`.
    pub fn call<O: Operation>(&self, operation: &O) -> Result<O::Output, Error> {
        self.run(CallFlow::new(operation, self.inner.config.retry_policy()))
    }

    /// Runs a flow of di-proto ([`di_proto::flow`]) to its end: a [`CallFlow`], a
    /// [`di_proto::flow::WaitFlow`] or a [`TaskFlow`].
    pub fn run<F: Flow>(&self, flow: F) -> F::Output {
        self.run_with(flow, &Interrupt::new(), |_| {})
    }

    /// Runs `flow` to its end as [`Client::run`] does, handing each of its events to
    /// `on_event`; once `interrupt` is triggered, the flow stops at its next step boundary
    /// (a sleep in progress is cut short; a request in flight finishes).
    pub fn run_with<F: Flow>(
        &self,
        mut flow: F,
        interrupt: &Interrupt,
        mut on_event: impl FnMut(&Event),
    ) -> F::Output {
        let span = tracing::info_span!("di.flow");
        let _entered = span.enter();
        flow.set_clock_offset(self.clock_offset());
        let epoch = Instant::now();
        let mut input = Input::Start;
        let mut interrupted = false;
        loop {
            if !interrupted && interrupt.is_triggered() {
                interrupted = true;
                flow.interrupt();
            }
            let action = flow.next(epoch.elapsed(), input);
            while let Some(event) = flow.poll_event() {
                tracing::info!("{event}");
                on_event(&event);
            }
            // An interrupt that came meanwhile (from `on_event`, say) stops the request asked
            // for before it leaves: the flow ends at this step boundary.
            if !interrupted && interrupt.is_triggered() && matches!(action, Action::Send { .. }) {
                interrupted = true;
                flow.interrupt();
                input = Input::Woke;
                continue;
            }
            input = match action {
                Action::Done(output) => {
                    self.inner
                        .clock_offset
                        .store(flow.clock_offset(), Ordering::Relaxed);
                    return output;
                }
                Action::Sleep(delay) => {
                    interrupt.sleep(delay);
                    Input::Woke
                }
                Action::Send { time_left } => {
                    if !self.admit(interrupt) {
                        // Interrupted while waiting for the rate limit: nothing is sent.
                        interrupted = true;
                        flow.interrupt();
                        input = Input::Woke;
                        continue;
                    }
                    self.attempt(&mut flow, time_left)
                }
            };
        }
    }

    /// Waits until the rate limit lets one more request go; `false` when `interrupt` was
    /// triggered meanwhile (nothing may be sent then).
    fn admit(&self, interrupt: &Interrupt) -> bool {
        loop {
            let now = self.inner.epoch.elapsed();
            let wait = self.limiter().acquire(now);
            match wait {
                None => return true,
                Some(wait) => {
                    tracing::trace!(wait_ms = millis(wait), "rate limit");
                    interrupt.sleep(wait);
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
    fn attempt<F: Flow>(&self, flow: &mut F, time_left: Option<Duration>) -> Input<Vec<u8>> {
        let inner = &*self.inner;
        let span = tracing::debug_span!("di.attempt", action = flow.action());
        let _entered = span.enter();
        let random = match random::bytes() {
            Ok(random) => random,
            Err(error) => return Input::Failed(random::failed(flow.action(), &error)),
        };
        let credentials = match inner.credentials.provide() {
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
        let sent = Instant::now();
        self.limiter().sent();
        let outcome = inner.transport.send(request, time_left);
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
            Err(Failure::TooLarge) => {
                let limit = inner.config.max_response_bytes();
                tracing::debug!(latency_ms, limit, "the response body is too large");
                Input::Failed(Error::ResponseTooLarge {
                    action: flow.action().to_owned(),
                    limit,
                })
            }
            Err(Failure::Transport(failed)) => {
                tracing::debug!(latency_ms, kind = %failed.kind, error = %failed.message, "no response");
                Input::NoResponse(NoResponse::new(failed.failure, failed.kind, failed.message))
            }
        }
    }

    /// Undeploys the real-time sync task `file_id` of `project_id`
    /// (`TerminateDISyncInstance`): one call, as the service answers it. See
    /// [`Client::run`] with a [`TaskFlow`] for a terminate that reads the task's state after a
    /// refusal, and waits.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn terminate_di_sync_instance(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&TerminateDiSyncInstance::new(project_id, file_id))
    }

    /// Deletes the real-time sync task `file_id` of `project_id` (`DeleteDISyncTask`): one
    /// call, as the service answers it.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn delete_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<ChangeResponse, Error> {
        self.call(&DeleteDiSyncTask::new(project_id, file_id))
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
    pub fn teardown(&self, project_id: i64, file_id: i64) -> TaskReport {
        self.run(self.task(
            project_id,
            file_id,
            TaskAction::Teardown { stop_first: false },
        ))
    }

    /// Server clock minus local clock, in seconds, as last measured (0 when within a
    /// minute); carried from call to call.
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("endpoint", &format_args!("{}", inner.endpoint))
            .field("config", &inner.config)
            .field("credentials", &inner.credentials)
            .field("proxy", &inner.transport.proxy())
            .field("clock_offset", &self.clock_offset())
            .finish_non_exhaustive()
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use di_proto::Credentials;

    #[test]
    fn is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
    }

    #[test]
    fn builds_for_loopback_and_refuses_plain_http_elsewhere() {
        let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret-value").unwrap();
        let config = ClientConfig::new().with_endpoint("http://127.0.0.1:1");
        let client = Client::new(&config, credentials.clone()).unwrap();
        assert_eq!(client.endpoint().to_string(), "http://127.0.0.1:1");
        assert_eq!(client.clock_offset(), 0);
        let debug = format!("{client:?}");
        assert!(!debug.contains("demo-secret-value"), "{debug}");
        assert!(debug.contains("proxy: None"), "{debug}");

        let remote = ClientConfig::new().with_endpoint("http://dataworks.example.com");
        assert!(matches!(
            Client::new(&remote, credentials.clone()),
            Err(Error::Api(di_proto::Error::InvalidEndpoint { .. }))
        ));
        assert!(matches!(
            Client::new(&ClientConfig::new(), credentials.clone()),
            Err(Error::Api(di_proto::Error::InvalidEndpoint { .. }))
        ));
        let bad_agent = config.with_user_agent_suffix("tool\nX-Injected: 1");
        assert!(matches!(
            Client::new(&bad_agent, credentials),
            Err(Error::Build(_))
        ));
    }
}
