//! Typed operations of the DataWorks DI API, and the trait they share with the generic call.
//!
//! An [`Operation`] turns typed arguments into an [`RpcRequest`] (validated before anything is
//! signed) and reads the response into a typed output. [`RpcRequest`] is itself an operation,
//! so any action the crate has no wrapper for goes through the same path:
//!
//! ```
//! use di_proto::ops::{DeleteDiSyncTask, Operation, TeardownOutcome};
//! use di_proto::ResponseContext;
//!
//! let delete = DeleteDiSyncTask::new(10000, 100);
//! let request = delete.to_rpc_request()?;
//! assert_eq!(request.action(), "DeleteDISyncTask");
//!
//! // ... sign `request`, send it, then read the answer:
//! let response = di_proto::http::Response::builder()
//!     .header("content-type", "application/json;charset=utf-8")
//!     .body(r#"{"Success":true,"RequestId":"0bc1411515937635973","Data":{"Status":"success"}}"#)
//!     .unwrap();
//! let output = delete.parse_response(&response, &ResponseContext::new())?;
//! assert_eq!(output.outcome, TeardownOutcome::Done);
//! assert_eq!(output.request_id, "0bc1411515937635973");
//! # Ok::<(), di_proto::Error>(())
//! ```

mod change;
mod create_di_sync_task;
mod delete_di_sync_task;
mod deploy_di_sync_task;
mod get_di_sync_instance_info;
mod get_di_sync_task;
mod rpc;
mod start_di_sync_instance;
mod stop_di_sync_instance;
mod terminate_di_sync_instance;
mod update_di_sync_task;

pub use change::{ChangeOutcome, ChangeResponse, TeardownOutcome, TeardownResponse};
pub use create_di_sync_task::{CreateDiSyncTask, CreatedDiSyncTask};
pub use delete_di_sync_task::DeleteDiSyncTask;
pub use deploy_di_sync_task::DeployDiSyncTask;
pub use get_di_sync_instance_info::{GetDiSyncInstanceInfo, InstanceInfo, InstanceStatus};
pub use get_di_sync_task::{DiSyncTaskDetails, GetDiSyncTask};
pub use rpc::RpcResponse;
pub use start_di_sync_instance::StartDiSyncInstance;
pub use stop_di_sync_instance::StopDiSyncInstance;
pub use terminate_di_sync_instance::TerminateDiSyncInstance;
pub use update_di_sync_task::UpdateDiSyncTask;

use std::fmt;
use std::str::FromStr;

use crate::retry::Idempotency;
use crate::{Error, ResponseContext, RpcRequest};

/// The DataWorks OpenAPI version the DI operations belong to.
pub const API_VERSION: &str = "2020-05-18";

/// One call of the API: how to build its request and how to read its response.
pub trait Operation {
    /// What a successful call returns.
    type Output;

    /// The request to sign, checked: invalid arguments fail here, before anything is sent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (or another input error) for arguments the API cannot take.
    fn to_rpc_request(&self) -> Result<RpcRequest, Error>;

    /// Whether sending the call twice can act twice; the retry policy reads it.
    fn idempotency(&self) -> Idempotency;

    /// Reads the response to one attempt of this call.
    ///
    /// # Errors
    /// The classified service error, [`Error::TaskFailed`] for an answer that reports a
    /// failure, or [`Error::UnexpectedResponse`] for a body that is not the service's.
    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self::Output, Error>;
}

/// A borrowed operation is the operation: a flow can hold `&O` where the caller keeps `O`.
impl<O: Operation + ?Sized> Operation for &O {
    type Output = O::Output;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        (**self).to_rpc_request()
    }

    fn idempotency(&self) -> Idempotency {
        (**self).idempotency()
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self::Output, Error> {
        (**self).parse_response(response, context)
    }
}

/// The kind of a Data Integration task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskType {
    /// A real-time synchronization task, `DI_REALTIME`: the only value that
    /// `DeleteDISyncTask`, `TerminateDISyncInstance` and `StopDISyncInstance` accept, and
    /// the one whose lifecycle the typed operations cover.
    #[default]
    DiRealtime,
}

impl TaskType {
    /// The wire value (`DI_REALTIME`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::DiRealtime => "DI_REALTIME",
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskType {
    type Err = Error;

    /// Parses the wire value, exactly (`DI_REALTIME`).
    fn from_str(value: &str) -> Result<Self, Error> {
        match value {
            "DI_REALTIME" => Ok(TaskType::DiRealtime),
            _ => Err(Error::InvalidParameter {
                name: "TaskType".to_owned(),
                reason: "the only task type these operations take is DI_REALTIME",
            }),
        }
    }
}

/// Checks that an id is positive, as DataWorks ids are.
fn positive_id(name: &str, value: i64) -> Result<String, Error> {
    if value > 0 {
        Ok(value.to_string())
    } else {
        Err(Error::InvalidParameter {
            name: name.to_owned(),
            reason: "must be a positive integer",
        })
    }
}
