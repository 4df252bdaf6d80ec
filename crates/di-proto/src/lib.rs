//! Sans-IO core of `di`, the client for the Data Integration (DI) operations of the Alibaba
//! Cloud DataWorks OpenAPI (product `dataworks-public`, API version `2020-05-18`).
//!
//! **In scope:**
//! - credentials, percent-encoding, the V1 (HMAC-SHA1) and V3 (`ACS3-HMAC-SHA256`) request
//!   signatures, and building a complete signed [`http::Request`] with every intermediate of
//!   its signature kept for diagnostics;
//! - typed operations ([`ops`]) and the generic call ([`RpcRequest`]), and reading their
//!   responses, JSON or XML, into typed outputs or an [`Error`] that says what to do;
//! - endpoint resolution ([`Endpoint::resolve`]), the retry policy every transport shares
//!   ([`retry`]), and the policy for waiting until a task settles ([`wait`]).
//!
//! **Out of scope:** sockets, clocks, randomness, environment variables and files. The caller
//! reads the clock and draws the nonce, then passes both in, so the same inputs always give
//! the same bytes. The `di-ureq` and `di-reqwest` crates do that IO; any other HTTP stack can
//! drive this crate the same way.
//!
//! ```
//! use di_proto::{Credentials, Endpoint, RpcRequest, Signer, Timestamp};
//!
//! let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
//! let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com")?;
//! let request = RpcRequest::new("DeleteDISyncTask", "2020-05-18")
//!     .query_param("ProjectId", "10000")
//!     .query_param("TaskType", "DI_REALTIME")
//!     .query_param("FileId", "100");
//! // A transport reads its clock and draws a fresh nonce for every attempt.
//! let timestamp = Timestamp::from_unix_seconds(1_700_000_000)?;
//! let signed = Signer::new(&credentials, &endpoint).sign(&request, timestamp, "8c1e3f6a0b9d4e27")?;
//! let http_request: di_proto::http::Request<Vec<u8>> = signed.into_request();
//! assert_eq!(http_request.headers()["x-acs-action"], "DeleteDISyncTask");
//! # Ok::<(), di_proto::Error>(())
//! ```
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod call;
pub mod client;
mod credentials;
mod endpoint;
mod error;
pub mod flow;
pub mod ops;
mod request;
mod response;
pub mod retry;
pub mod sign;
mod time;
pub mod wait;

pub use http;
pub use serde_json;

pub use call::nonce_from_bytes;
pub use credentials::Credentials;
pub use endpoint::{CENTRAL_REGIONS, Endpoint, Network, REGIONAL_REGIONS, Scheme, is_known_region};
pub use error::{BodyProblem, Error, FailureReason, ServiceError, TaskFailure, UnexpectedResponse};
pub use request::{Format, ParamLocation, RESERVED_PARAMS, RpcRequest, SignedRequest, Signer};
pub use response::{MismatchCause, ResponseContext, SignatureDiagnosis};
pub use sign::{Signature, SignatureVersion};
pub use time::Timestamp;

/// Pieces of di-proto that are not its API: the signature schemes' functions and their
/// percent-encoding, one call's attempt bookkeeping, and the retry decisions inside it. They
/// are public only because the emulator recomputes signatures as the gateway does, and the
/// fuzz targets, golden-vector runner and benchmarks test them directly; they may change in
/// any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::call::nonce_and_jitter_from_bytes;
    pub use crate::retry::{Attempts, RetryDecision, Retryability, StopReason};
    pub use crate::sign::{encode, v1, v3};
}
