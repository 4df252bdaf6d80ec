//! A local DataWorks Data Integration endpoint, for tests and for trying `di` without an
//! Alibaba Cloud account.
//!
//! It checks requests as the Alibaba Cloud gateway does (common parameters, action and
//! version, timestamp window, AccessKey, STS token, V1 and V3 signatures, nonce replay), keeps
//! the state of real-time sync tasks (deployed, undeployed, deleted), answers
//! `DeleteDISyncTask`, `TerminateDISyncInstance` and `GetDISyncInstanceInfo` in JSON or XML,
//! and misbehaves on demand ([`Fault`]).
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
mod render;
mod respond;
mod server;
mod service;
mod state;

pub use config::{
    Config, ConfigError, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID,
};
pub use faults::{Fault, FaultPlan};
pub use respond::Responder;
pub use server::{Counters, Handle, start};
pub use state::TaskState;
