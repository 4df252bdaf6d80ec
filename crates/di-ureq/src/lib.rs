//! Blocking client for the Data Integration (DI) operations of the Alibaba Cloud DataWorks
//! OpenAPI, on [ureq](https://docs.rs/ureq) 3, over the sans-IO core [`di_proto`].
//!
//! All policy (endpoints, signing, reading answers, retries, clock skew) lives in
//! [`di_proto`]; this crate does the IO: the socket, the clock, the randomness and the
//! sleeping. It re-exports [`di_proto`], so one dependency is enough.
//!
//! ```no_run
//! use di_ureq::di_proto::client::ClientConfig;
//! use di_ureq::di_proto::flow::TaskAction;
//! use di_ureq::di_proto::Credentials;
//! use di_ureq::{Client, Error};
//!
//! let config = ClientConfig::new().with_region("cn-shanghai");
//! let credentials = Credentials::new("LTAI5tExampleKeyId", "example-secret")?;
//! let client = Client::new(&config, credentials)?;
//!
//! // Terminate, wait until the task settles, delete; every step with its request id.
//! let report = client.teardown(10000, 100);
//! for step in &report.steps {
//!     println!("{} {} (request id {:?})", step.kind, step.outcome, step.request_id);
//! }
//! if let Some(error) = &report.error {
//!     eprintln!("teardown failed: {error}");
//! }
//! // With options: a task that does not exist counts as done.
//! let report = client.run(
//!     client
//!         .task(10000, 101, TaskAction::Teardown { stop_first: false })
//!         .ignore_not_found(true),
//! );
//! println!("{}", report.outcome);
//! # Ok::<(), Error>(())
//! ```
//!
//! **Transport behaviour**
//! - *Timeouts:* `connect_timeout` bounds resolving the host name and then setting up the
//!   connection (TCP, proxy, TLS). `read_timeout` bounds the wait for the response headers,
//!   and again the whole body after them, so a body that trickles fails with a timeout. The
//!   retry policy's deadline bounds the call: no retry starts past it, and an attempt in
//!   flight gives up when it passes.
//! - *Failures:* a failure before the request could leave (name resolution, connect refused
//!   or timed out, proxy or TLS setup) may be retried for any operation; a failure after
//!   (read timeout, reset, closed before the whole answer) may have taken effect, so only
//!   idempotent operations retry it. When the policy stops, the call returns
//!   [`Error::Transport`].
//! - *Answers:* every response, whatever its status, is read by di-proto. A body over
//!   `max_response_bytes` is [`Error::ResponseTooLarge`], never retried. Redirects are not
//!   followed.
//! - *Connections:* at most `max_connections` (64 by default) requests of a client are in
//!   flight at once, each on a connection of its own, and the pool keeps as many idle, so a
//!   client never has more open. A thread beyond the cap waits for a place, at most until the
//!   retry policy's deadline (then [`Error::Transport`] with a timeout, nothing sent); the
//!   wait is not part of the read timeout.
//! - *Proxies:* di-proto's one policy ([`di_proto::client::proxy`], the same in di-reqwest), read once
//!   from the environment when the client is built: `HTTPS_PROXY`/`https_proxy`
//!   (`HTTP_PROXY`/`http_proxy` for a plain-HTTP endpoint), then `ALL_PROXY`/`all_proxy`,
//!   unless `NO_PROXY`/`no_proxy` lists the host. A loopback endpoint is never proxied.
//! - *Flows:* every call, wait and teardown is a flow of [`di_proto::flow`], driven by one
//!   loop ([`Client::run`]); [`Interrupt`] stops flows at their next step boundary.
//! - *Logs:* `tracing` spans `di.flow` (INFO) and `di.attempt` (DEBUG, the action), with
//!   DEBUG events for each answer (status, request id, latency) or failure, and INFO events
//!   for each retry and each step of a flow (the same in di-reqwest). Never the URL, headers,
//!   body, signature or credentials.
//!
//! **Features:** `rustls` (default; with the ring provider) or `native-tls` (the system's TLS
//! library: OpenSSL on Linux) for HTTPS. Either way the roots are di-proto's one trust policy
//! ([`di_proto::client::tls`], the same in di-reqwest): the platform's store (read with
//! `rustls-native-certs`), or the PEM file `SSL_CERT_FILE` names in its place, plus the
//! configuration's extra roots (`ClientConfig::with_root_certificates_pem`). A handshake that
//! fails (unknown issuer, another name, expired, any other failure) is [`Error::Tls`], naming
//! the cause and the host, and is never retried.
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod client;
mod connections;
mod credentials;
mod discovery;
mod interrupt;
mod lifecycle;
mod random;
mod transport;

pub use di_credentials;
pub use di_proto;

pub use client::Client;
pub use credentials::DefaultChain;
pub use di_proto::client::{ClientError as Error, TransportErrorKind};
pub use interrupt::Interrupt;
