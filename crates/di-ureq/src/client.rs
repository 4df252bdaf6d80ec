//! The blocking [`Client`]: di-proto's `Call` loop over a ureq agent.

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
use di_proto::retry::RetryDecision;
use di_proto::{Call, Endpoint, Signer, Step, Timestamp};

use crate::credentials::DefaultChain;
use crate::random;
use crate::transport::{Failure, Transport};
use crate::{Error, TransportErrorKind};

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
/// use di_ureq::di_proto::config::ClientConfig;
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
    /// two attempts sign the next one. Each attempt is signed with the current time (moved by the measured clock offset) and a fresh nonce, and read by di-proto,
    /// which decides whether to retry and after how long. A retry never starts past the
    /// retry policy's deadline, and an attempt in flight gives up when the deadline passes.
    ///
    /// # Errors
    /// [`Error::Api`] for bad arguments (nothing is sent) and for what an answer said;
    /// [`Error::Transport`] when no usable answer arrived and the policy stopped;
    /// [`Error::ResponseTooLarge`] for a body over `config.max_response_bytes()`.
    pub fn call<O: Operation + Sync>(&self, operation: &O) -> Result<O::Output, Error> {
        let started = Instant::now();
        let span = tracing::info_span!("di.call", action = tracing::field::Empty);
        if !span.is_disabled() {
            // The action is named only where something records it.
            span.record("action", action_of(operation).as_str());
        }
        let _entered = span.enter();

        let config = &self.inner.config;
        let mut call =
            Call::new(operation, config.retry_policy())?.with_clock_offset(self.clock_offset());
        let result = self.run(operation, &mut call, started);
        self.inner
            .clock_offset
            .store(call.clock_offset(), Ordering::Relaxed);
        result
    }

    /// The attempt loop of one call.
    fn run<O: Operation>(
        &self,
        operation: &O,
        call: &mut Call<'_, O>,
        started: Instant,
    ) -> Result<O::Output, Error> {
        let deadline = self.inner.config.retry_policy().deadline();
        loop {
            let attempt = call.attempts_made().saturating_add(1);
            let span = tracing::debug_span!("di.attempt", attempt);
            let _entered = span.enter();

            let (nonce, jitter) = random::nonce_and_jitter().map_err(|error| Error::Transport {
                action: action_of(operation),
                attempts: call.attempts_made(),
                kind: TransportErrorKind::Other,
                message: format!("the operating system's random number generator failed: {error}"),
            })?;
            let credentials = self
                .inner
                .credentials
                .provide()
                .map_err(Error::Credentials)?;
            let signer = Signer::new(&credentials, &self.inner.endpoint)
                .with_signature_version(self.inner.config.signature_version())
                .with_format(self.inner.config.format());
            let now = Timestamp::try_from(SystemTime::now())?;
            let request = call.start_attempt(signer, now, &nonce)?;
            let time_left = deadline.map(|deadline| deadline.saturating_sub(started.elapsed()));
            let sent = Instant::now();
            let outcome = self.inner.transport.send(request, time_left);
            let latency_ms = millis(sent.elapsed());

            let delay = match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let header_id = response
                        .headers()
                        .get(REQUEST_ID_HEADER)
                        .and_then(|value| value.to_str().ok());
                    match call.finish_attempt(&response, started.elapsed(), jitter) {
                        Step::Done(Ok(output)) => {
                            tracing::debug!(status, request_id = header_id, latency_ms, "answered");
                            return Ok(output);
                        }
                        Step::Done(Err(error)) => {
                            let request_id = header_id.or(error.request_id());
                            tracing::debug!(
                                status,
                                request_id,
                                latency_ms,
                                error = %error,
                                "answered with an error"
                            );
                            return Err(Error::Api(error));
                        }
                        Step::Retry { delay, error } => {
                            let request_id = header_id.or(error.request_id());
                            tracing::info!(
                                status,
                                request_id,
                                latency_ms,
                                reason = %error,
                                delay_ms = millis(delay),
                                "retrying"
                            );
                            delay
                        }
                    }
                }
                Err(Failure::TooLarge) => {
                    let limit = self.inner.config.max_response_bytes();
                    tracing::debug!(latency_ms, limit, "the response body is too large");
                    return Err(Error::ResponseTooLarge {
                        action: action_of(operation),
                        limit,
                    });
                }
                Err(Failure::Transport(failed)) => {
                    match call.transport_failed(failed.failure, started.elapsed(), jitter) {
                        RetryDecision::Retry { delay } => {
                            tracing::info!(
                                latency_ms,
                                reason = %format_args!("{}: {}", failed.kind, failed.message),
                                delay_ms = millis(delay),
                                "retrying"
                            );
                            delay
                        }
                        RetryDecision::Stop(stop) => {
                            tracing::debug!(
                                latency_ms,
                                error = %format_args!("{}: {}", failed.kind, failed.message),
                                stop = ?stop,
                                "no response"
                            );
                            return Err(Error::Transport {
                                action: action_of(operation),
                                attempts: call.attempts_made(),
                                kind: failed.kind,
                                message: failed.message,
                            });
                        }
                    }
                }
            };
            std::thread::sleep(delay);
        }
    }

    /// Undeploys the real-time sync task `file_id` of `project_id`
    /// (`TerminateDISyncInstance`).
    ///
    /// # Errors
    /// As [`Client::call`]; a task that is not deployed is
    /// [`di_proto::Error::TaskFailed`] here (see [`Client::teardown`]).
    pub fn terminate_di_sync_instance(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<TeardownResponse, Error> {
        self.call(&TerminateDiSyncInstance::new(project_id, file_id))
    }

    /// Deletes the real-time sync task `file_id` of `project_id` (`DeleteDISyncTask`).
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn delete_di_sync_task(
        &self,
        project_id: i64,
        file_id: i64,
    ) -> Result<TeardownResponse, Error> {
        self.call(&DeleteDiSyncTask::new(project_id, file_id))
    }

    /// Tears the task down: terminates it, then deletes it.
    ///
    /// A task that is not deployed goes straight on to the delete
    /// ([`di_proto::ops::TerminateStep::AlreadyUndeployed`]); a step whose first answer got
    /// lost and whose retry found the work done counts as done
    /// ([`di_proto::ops::TeardownOutcome::AlreadyDone`]).
    ///
    /// # Errors
    /// The first step's error that stops the teardown, as [`Client::call`].
    pub fn teardown(&self, project_id: i64, file_id: i64) -> Result<TeardownReport, Error> {
        let terminate = match self.terminate_di_sync_instance(project_id, file_id) {
            Ok(response) => terminate_step(Ok(response))?,
            Err(Error::Api(error)) => terminate_step(Err(error))?,
            Err(error) => return Err(error),
        };
        let delete = self.delete_di_sync_task(project_id, file_id)?;
        Ok(TeardownReport::new(terminate, delete))
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
