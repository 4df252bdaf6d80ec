//! A local DataWorks Data Integration endpoint, for tests and for trying `di` without an
//! Alibaba Cloud account.
//!
//! It checks requests as the Alibaba Cloud gateway does (common parameters, action and
//! version, timestamp window, AccessKey, STS token, V1 and V3 signatures, nonce replay), keeps
//! the state of sync tasks through their lifecycle (created, deployed, running, paused,
//! undeployed, deleted; starts, stops and undeploys that settle after a delay, or never, when
//! configured: [`Config::with_settle_delay`], [`Config::never_settling`]), answers in JSON or
//! XML, and misbehaves on demand ([`Fault`], for every request or for one action's:
//! [`Handle::fail_next_for`]). It serves:
//!
//! - the DISyncTask family: `CreateDISyncTask`, `UpdateDISyncTask`, `GetDISyncTask`,
//!   `DeployDISyncTask`, `StartDISyncInstance`, `StopDISyncInstance`,
//!   `GetDISyncInstanceInfo`, `TerminateDISyncInstance`, `DeleteDISyncTask`;
//! - the asynchronous config processes: `GenerateDISyncTaskConfigForCreating`,
//!   `GenerateDISyncTaskConfigForUpdating`, `QueryDISyncTaskConfigProcessResult`, which
//!   answers `Data.Status` [`PROCESS_RUNNING`] (undocumented: anything but `success` and
//!   `fail` means not finished) until [`Config::with_process_delay`] has passed on the
//!   emulator's clock ([`Handle::advance_clock`] moves it), then `success` with a generated
//!   script, or `fail` for a `TaskParam` that is no JSON object;
//! - discovery: `ListFiles`, `GetFile`, `ListFolders` (a real-time task is a file of
//!   `FileType` 900, a batch task one of 23, in the folder its `TaskParam`'s `FileFolderPath`
//!   names) and `ListRefDISyncTasks` (by the data sources a task's script reads and writes).
//!
//! Each action takes the `TaskType`s the service documents for it: `CreateDISyncTask` and
//! `UpdateDISyncTask` `DI_OFFLINE`, `DI_REALTIME`, `DI_SOLUTION` (an update of a real-time task
//! or solution only with the script a config process for updating it generated: otherwise
//! `Data.Status = fail`); the config processes, `GetDISyncTask`, `DeployDISyncTask`,
//! `StartDISyncInstance` and `GetDISyncInstanceInfo` `DI_REALTIME`, `DI_SOLUTION`;
//! `StopDISyncInstance`, `TerminateDISyncInstance` and `DeleteDISyncTask` `DI_REALTIME`;
//! `ListRefDISyncTasks` `DI_OFFLINE`, `DI_REALTIME`. Another type is HTTP 400
//! `Param.Invalid`; a missing (or empty) required parameter HTTP 400 `Missing{Name}`, or
//! `MissingParameter` when either of `ProjectId` / `ProjectIdentifier` would do.
//!
//! Tests seed tasks with names, folders and types: [`Config::with_seed_task`] (the binary's
//! `--task PROJECT:FIRST-LAST,name=PATTERN,folder=PATH,type=TYPE`), or at run time
//! [`Handle::seed_task`] and [`Responder::seed_task`], each taking a [`SeedTask`].
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
mod contract;
mod discovery;
mod faults;
mod gateway;
mod messages;
mod process;
mod render;
mod respond;
mod seed;
mod server;
mod service;
mod state;
mod sts;
mod throttle;
mod tls;

pub use config::{
    Config, ConfigError, DEFAULT_PROCESS_DELAY, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
    DEMO_OWNER_ID, DEMO_PROJECT_ID, DEMO_PROJECT_IDENTIFIER, DEMO_ROLE_ARN,
};
pub use faults::{Fault, FaultPlan};
pub use messages::Messages;
pub use process::PROCESS_RUNNING;
pub use respond::Responder;
pub use seed::{DEFAULT_NAME_PATTERN, DEFAULT_TASK_FOLDER, SeedTask};
pub use server::{Counters, Handle, start};
pub use state::{TaskState, TaskType};
pub use throttle::RateRule;
