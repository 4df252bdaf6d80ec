//! Async client for the Data Integration (DI) operations of the Alibaba Cloud DataWorks
//! OpenAPI, on [reqwest] and Tokio, over the sans-IO core [`di_proto`].
//!
//! All policy (signing, reading answers, retries, clock skew, what a lost answer means) lives
//! in di-proto and is shared with the blocking `di-ureq` client; this crate adds the IO: a
//! reqwest connection pool, the clock, the randomness and Tokio's timer.
//!
//! ```no_run
//! use std::time::Duration;
//! use di_reqwest::{Client, Error};
//! use di_reqwest::di_proto::Credentials;
//! use di_reqwest::di_proto::client::ClientConfig;
//!
//! # async fn demo() -> Result<(), Error> {
//! let config = ClientConfig::new()
//!     .with_region("cn-shanghai")
//!     .with_read_timeout(Duration::from_secs(15));
//! let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
//! let client = Client::new(&config, credentials)?;
//! // Terminate, wait until the task settles, delete; every step with its RequestId.
//! let report = client.teardown(10000, 100).await;
//! for step in &report.steps {
//!     println!("{} {} (RequestId {:?})", step.kind, step.outcome, step.request_id);
//! }
//! let report = report.into_result()?;
//! println!("{}", report.outcome);
//! # Ok(())
//! # }
//! ```
//!
//! **Timeouts.** `connect_timeout` bounds name resolution, TCP connect, a proxy tunnel and the
//! TLS handshake. `read_timeout` bounds each attempt as a whole from the moment it is handed
//! to reqwest: the headers and the complete body must arrive within it, so a body that
//! trickles in fails like a silent server ([`TransportErrorKind::Timeout`]). The retry
//! policy's deadline bounds the whole call.
//!
//! **Connections.** At most `max_connections` (64 by default) connections per client, however
//! many tasks call it: at most that many requests are inside reqwest at once, and a connector
//! layer keeps hyper's pool from opening a connection while a finished request's connection is
//! on its way back to it (hyper has no cap of its own). A call beyond the cap waits for a
//! place, at most until the retry policy's deadline (then [`Error::Transport`] with a timeout,
//! nothing sent); the wait is not part of the read timeout.
//!
//! **Proxies.** di-proto's one policy ([`di_proto::client::proxy`], the same in di-ureq), read from
//! the environment when the client is built (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`, upper or lower case); reqwest's own reading of them is off. A loopback endpoint
//! (`localhost`, `127.0.0.0/8`, `::1`) is never proxied.
//!
//! **Flows.** Every call, wait and teardown is a flow of [`di_proto::flow`], driven by one
//! loop ([`Client::run`]); [`Interrupt`] stops flows at their next step boundary.
//!
//! **TLS.** The default `rustls` feature uses rustls with the ring provider (the same as
//! di-ureq; no second C library); the `native-tls` feature uses the system's TLS library
//! instead (OpenSSL on Linux). Either way the roots are di-proto's one trust policy
//! ([`di_proto::client::tls`], the same in di-ureq): the platform's store, or the PEM file
//! `SSL_CERT_FILE` names in its place, plus the configuration's extra roots
//! (`ClientConfig::with_root_certificates_pem`). A handshake that fails (unknown issuer,
//! another name, expired, any other failure) is [`Error::Tls`], naming the cause and the host,
//! and is never retried.
//!
//! **Logs.** With [`tracing`], spans `di.flow` (INFO) and `di.attempt` (DEBUG, the action),
//! with DEBUG events for each answer (status, RequestId, latency) or failure, and INFO events
//! for each retry and each step of a flow (the same in di-ureq). Query strings, headers,
//! bodies, signatures and credentials are never logged.
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

pub use client::Client;
pub use credentials::DefaultChain;
pub use di_credentials;
pub use di_proto;
pub use di_proto::client::{ClientError as Error, TransportErrorKind};
pub use interrupt::Interrupt;
