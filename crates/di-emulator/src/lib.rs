//! A local DataWorks Data Integration endpoint, for tests and for trying `di` without an
//! Alibaba Cloud account.
//!
//! It checks requests as the Alibaba Cloud gateway does (common parameters, action and
//! version, timestamp window, AccessKey, STS token, V1 and V3 signatures, nonce replay), keeps
//! the state of real-time sync tasks through their lifecycle (created, deployed, running,
//! paused, undeployed, deleted; starts, stops and undeploys that settle after a delay, or
//! never, when configured: [`Config::with_settle_delay`], [`Config::never_settling`]), answers
//! `CreateDISyncTask`, `UpdateDISyncTask`, `GetDISyncTask`, `DeployDISyncTask`,
//! `StartDISyncInstance`, `StopDISyncInstance`, `GetDISyncInstanceInfo`,
//! `TerminateDISyncInstance` and `DeleteDISyncTask` in JSON or XML, and misbehaves on demand
//! ([`Fault`], for every request or for one action's: [`Handle::fail_next_for`]).
//!
//! Refusals answer `Data.Status = fail` with a `Message`. Only one is documented by DataWorks,
//! `fileId:[N] is invalid.` (an unknown or deleted task), and it is always worded so; the
//! others are worded as [`Config::with_messages`] asks ([`Messages`]): in plain English, in a
//! neutral text that names no state, or in a text built to mislead a client that matches
//! phrases.
//! It also serves STS (`2015-04-01`) `AssumeRole` and `AssumeRoleWithOIDC` for the roles and
//! OIDC providers of its [`Config`]; the temporary keys it issues are accepted, with their
//! security token, until they expire.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emulator = di_emulator::start(di_emulator::Config::default()).await?;
//! println!("serving on {}", emulator.base_url());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod config;
mod faults;
mod gateway;
mod messages;
mod render;
mod respond;
mod server;
mod service;
mod state;
mod sts;
mod throttle;
mod tls;

pub use config::{
    Config, ConfigError, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, DEMO_ROLE_ARN,
};
pub use faults::{Fault, FaultPlan};
pub use messages::Messages;
pub use respond::Responder;
pub use server::{Counters, Handle, start};
pub use state::TaskState;
pub use throttle::RateRule;
