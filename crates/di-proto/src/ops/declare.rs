//! The one shape of a typed operation: a declaration of its action, its task types, its
//! idempotency, its parameters with their places and its output; the code here does the rest.
//!
//! Adding an operation is a struct with its constructor, and:
//!
//! ```text
//! impl Declared for DeleteDiSyncTask {
//!     const ACTION: &'static str = "DeleteDISyncTask";
//!     const DONE_WHEN: &'static [FailureReason] = &[FailureReason::TaskNotFound];
//!     type Output = ChangeResponse;
//!     fn params(&self, params: &mut Params) -> Result<(), Error> {
//!         params.id("ProjectId", self.project_id)?;
//!         params.task_type(TaskType::DiRealtime)?;
//!         params.id("FileId", self.file_id)
//!     }
//! }
//! operation!(DeleteDiSyncTask => ChangeResponse);
//! ```

use super::{API_VERSION, TaskType};
use crate::error::FailureReason;
use crate::retry::Idempotency;
use crate::{Error, ParamLocation, ResponseContext, RpcRequest};

/// What an operation declares.
pub(crate) trait Declared {
    /// The action name on the wire.
    const ACTION: &'static str;
    /// The task types the action takes; empty for actions without `TaskType`.
    const TASK_TYPES: &'static [TaskType] = &[];
    /// Where parameters go unless a call says otherwise ([`Params::body`]).
    const PLACE: ParamLocation = ParamLocation::Query;
    /// The refusals that, after an attempt with an unknown outcome, mean that the operation
    /// already took effect (see [`super::ChangeOutcome::AlreadyDone`]).
    const DONE_WHEN: &'static [FailureReason] = &[];
    /// What a successful call returns (read by its [`Reply`] in [`operation!`]).
    type Output;

    /// Adds the parameters, checking each before anything is signed.
    fn params(&self, params: &mut Params) -> Result<(), Error>;

    /// Whether sending the call twice can act twice.
    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

/// How an output is read from an answer.
pub(crate) trait Reply: Sized {
    fn read<B: AsRef<[u8]>>(
        call: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error>;
}

/// What a reader knows of the call it reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    pub(crate) action: &'static str,
    pub(crate) done_when: &'static [FailureReason],
}

/// The parameters of one request, checked as they are added.
pub(crate) struct Params {
    request: RpcRequest,
    action: &'static str,
    task_types: &'static [TaskType],
    place: ParamLocation,
}

impl Params {
    fn push(&mut self, place: ParamLocation, name: &str, value: String) {
        self.request.push_param(name.to_owned(), value, place);
    }

    /// A positive id (`ProjectId`, `FileId`, ...).
    pub(crate) fn id(&mut self, name: &str, value: i64) -> Result<(), Error> {
        if value <= 0 {
            return Err(Error::InvalidParameter {
                name: name.to_owned(),
                reason: "must be a positive integer",
            });
        }
        self.push(self.place, name, value.to_string());
        Ok(())
    }

    /// An optional positive id.
    pub(crate) fn opt_id(&mut self, name: &str, value: Option<i64>) -> Result<(), Error> {
        value.map_or(Ok(()), |value| self.id(name, value))
    }

    /// `TaskType`, which must be one the action takes.
    pub(crate) fn task_type(&mut self, task_type: TaskType) -> Result<(), Error> {
        if !self.task_types.contains(&task_type) {
            return Err(Error::UnsupportedTaskType {
                action: self.action,
                task_type,
                accepted: self.task_types,
            });
        }
        self.push(self.place, "TaskType", task_type.as_str().to_owned());
        Ok(())
    }

    /// A text that must not be blank.
    pub(crate) fn text(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if value.trim().is_empty() {
            return Err(Error::InvalidParameter {
                name: name.to_owned(),
                reason: "must not be blank",
            });
        }
        self.push(self.place, name, value.to_owned());
        Ok(())
    }

    /// An optional text that must not be blank when given.
    pub(crate) fn opt_text(&mut self, name: &str, value: Option<&str>) -> Result<(), Error> {
        value.map_or(Ok(()), |value| self.text(name, value))
    }

    /// An optional integer, sent as it is.
    pub(crate) fn opt_number(&mut self, name: &str, value: Option<i64>) {
        if let Some(value) = value {
            self.push(self.place, name, value.to_string());
        }
    }

    /// An optional boolean, sent as `true` / `false`.
    pub(crate) fn opt_flag(&mut self, name: &str, value: Option<bool>) {
        if let Some(value) = value {
            self.push(self.place, name, value.to_string());
        }
    }

    /// A JSON object (`TaskParam`, `StartParam`).
    pub(crate) fn json_object(&mut self, name: &str, value: &str) -> Result<(), Error> {
        match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Object(_)) => {
                self.push(self.place, name, value.to_owned());
                Ok(())
            }
            _ => Err(Error::InvalidParameter {
                name: name.to_owned(),
                reason: "must be a JSON object",
            }),
        }
    }

    /// An optional JSON object.
    pub(crate) fn opt_json_object(&mut self, name: &str, value: Option<&str>) -> Result<(), Error> {
        value.map_or(Ok(()), |value| self.json_object(name, value))
    }

    /// A task's script (`TaskContent`), which must be JSON.
    pub(crate) fn script(&mut self, name: &str, value: &str) -> Result<(), Error> {
        if serde_json::from_str::<serde::de::IgnoredAny>(value).is_err() {
            return Err(Error::InvalidParameter {
                name: name.to_owned(),
                reason: "must be the task's script, as JSON",
            });
        }
        self.push(self.place, name, value.to_owned());
        Ok(())
    }

    /// `ClientToken`: 1 to 64 visible ASCII characters.
    pub(crate) fn client_token(&mut self, value: Option<&str>) -> Result<(), Error> {
        let Some(token) = value else { return Ok(()) };
        if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidParameter {
                name: "ClientToken".to_owned(),
                reason: "must be 1 to 64 visible ASCII characters",
            });
        }
        self.push(self.place, "ClientToken", token.to_owned());
        Ok(())
    }

    /// Runs `add` with the parameters going to the form body.
    pub(crate) fn body(
        &mut self,
        add: impl FnOnce(&mut Params) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let place = std::mem::replace(&mut self.place, ParamLocation::Body);
        let result = add(self);
        self.place = place;
        result
    }
}

/// The request of a declared operation.
pub(crate) fn request<D: Declared + ?Sized>(operation: &D) -> Result<RpcRequest, Error> {
    let mut params = Params {
        request: RpcRequest::new(D::ACTION, API_VERSION),
        action: D::ACTION,
        task_types: D::TASK_TYPES,
        place: D::PLACE,
    };
    operation.params(&mut params)?;
    Ok(params.request)
}

/// The output of a declared operation.
pub(crate) fn read<D: Declared + ?Sized, B: AsRef<[u8]>>(
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<D::Output, Error>
where
    D::Output: Reply,
{
    let call = Reading {
        action: D::ACTION,
        done_when: D::DONE_WHEN,
    };
    D::Output::read(call, response, context)
}

/// Implements [`super::Operation`] for declared operations, and gives each its public
/// `TASK_TYPES`: the set [`Declared::TASK_TYPES`] it checks, so that a caller (the CLI's
/// `--task-type`) offers the same set.
macro_rules! operation {
    ($($name:ty => $output:ty),+ $(,)?) => {$(
        impl $name {
            /// The task types (`TaskType`) the action takes, as it checks them before anything
            /// is sent: any other is [`Error::UnsupportedTaskType`](crate::Error::UnsupportedTaskType).
            /// Empty for an action that sends no `TaskType`.
            pub const TASK_TYPES: &'static [$crate::ops::TaskType] =
                <$name as $crate::ops::declare::Declared>::TASK_TYPES;
        }

        impl $crate::ops::Operation for $name {
            type Output = $output;

            fn to_rpc_request(&self) -> Result<$crate::RpcRequest, $crate::Error> {
                $crate::ops::declare::request(self)
            }

            fn idempotency(&self) -> $crate::retry::Idempotency {
                $crate::ops::declare::Declared::idempotency(self)
            }

            fn parse_response<B: AsRef<[u8]>>(
                &self,
                response: &http::Response<B>,
                context: &$crate::ResponseContext<'_>,
            ) -> Result<Self::Output, $crate::Error> {
                $crate::ops::declare::read::<$name, B>(response, context)
            }
        }
    )+};
}

pub(crate) use operation;

/// `ProjectId`, `TaskType`, `FileId`, in the query: the parameters of most of the DISyncTask
/// family.
pub(crate) fn file_params(
    params: &mut Params,
    project_id: i64,
    task_type: TaskType,
    file_id: i64,
) -> Result<(), Error> {
    params.id("ProjectId", project_id)?;
    params.task_type(task_type)?;
    params.id("FileId", file_id)
}

/// Declares an operation whose parameters are `ProjectId`, `TaskType` and `FileId`: the struct,
/// its constructor and its [`Declared`] implementation. `realtime` operations take
/// `DI_REALTIME` only and have no task type to set; `typed` ones start at `DI_REALTIME` and
/// take `DI_SOLUTION` through `with_task_type`.
macro_rules! file_operation {
    (@struct [$(#[doc = $doc:literal])*] $name:ident { $($more:tt)* }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub struct $name {
            /// The DataWorks workspace id (`ProjectId`), positive.
            pub project_id: i64,
            /// The task's file id (`FileId`, from `ListFiles`), positive.
            pub file_id: i64,
            $($more)*
        }
    };
    (
        $(#[doc = $doc:literal])*
        $name:ident = $action:literal, realtime, done when $done:expr, output $output:ty;
        $(#[doc = $new_doc:literal])*
    ) => {
        $crate::ops::declare::file_operation!(@struct [$(#[doc = $doc])*] $name {});

        impl $name {
            /// The action name on the wire.
            pub const ACTION: &'static str = $action;

            $(#[doc = $new_doc])*
            pub fn new(project_id: i64, file_id: i64) -> Self {
                $name { project_id, file_id }
            }
        }

        impl $crate::ops::declare::Declared for $name {
            const ACTION: &'static str = $action;
            const TASK_TYPES: &'static [$crate::ops::TaskType] = $crate::ops::REALTIME;
            const DONE_WHEN: &'static [$crate::FailureReason] = $done;
            type Output = $output;

            fn params(
                &self,
                params: &mut $crate::ops::declare::Params,
            ) -> Result<(), $crate::Error> {
                let task_type = $crate::ops::TaskType::DiRealtime;
                $crate::ops::declare::file_params(params, self.project_id, task_type, self.file_id)
            }
        }

        $crate::ops::declare::operation!($name => $output);
    };
    (
        $(#[doc = $doc:literal])*
        $name:ident = $action:literal, typed, output $output:ty;
        $(#[doc = $new_doc:literal])*
    ) => {
        $crate::ops::declare::file_operation!(@struct [$(#[doc = $doc])*] $name {
            /// `TaskType`: `DI_REALTIME` (the default) or `DI_SOLUTION`.
            pub task_type: $crate::ops::TaskType,
        });

        impl $name {
            /// The action name on the wire.
            pub const ACTION: &'static str = $action;

            $(#[doc = $new_doc])*
            pub fn new(project_id: i64, file_id: i64) -> Self {
                $name {
                    project_id,
                    file_id,
                    task_type: $crate::ops::TaskType::DiRealtime,
                }
            }

            /// Sends `task_type` (`DI_REALTIME` or `DI_SOLUTION`; any other is refused before
            /// signing).
            #[must_use]
            pub fn with_task_type(mut self, task_type: $crate::ops::TaskType) -> Self {
                self.task_type = task_type;
                self
            }
        }

        impl $crate::ops::declare::Declared for $name {
            const ACTION: &'static str = $action;
            const TASK_TYPES: &'static [$crate::ops::TaskType] =
                $crate::ops::REALTIME_OR_SOLUTION;
            type Output = $output;

            fn params(
                &self,
                params: &mut $crate::ops::declare::Params,
            ) -> Result<(), $crate::Error> {
                let task_type = self.task_type;
                $crate::ops::declare::file_params(params, self.project_id, task_type, self.file_id)
            }
        }

        $crate::ops::declare::operation!($name => $output);
    };
}

pub(crate) use file_operation;

#[cfg(test)]
mod tests {
    use super::*;

    struct Probe;

    impl Declared for Probe {
        const ACTION: &'static str = "Probe";
        const TASK_TYPES: &'static [TaskType] = &[TaskType::DiOffline];
        type Output = ();

        fn params(&self, _: &mut Params) -> Result<(), Error> {
            Ok(())
        }
    }

    /// Runs `add` on the parameters of a `Probe` request.
    fn with(add: impl FnOnce(&mut Params) -> Result<(), Error>) -> Result<RpcRequest, Error> {
        let mut params = Params {
            request: request(&Probe)?,
            action: Probe::ACTION,
            task_types: Probe::TASK_TYPES,
            place: Probe::PLACE,
        };
        add(&mut params)?;
        Ok(params.request)
    }

    fn refused(result: Result<RpcRequest, Error>) -> String {
        match result {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_kind_of_parameter_is_checked_before_it_is_added() {
        assert_eq!(refused(with(|p| p.id("ProjectId", 0))), "ProjectId");
        assert_eq!(refused(with(|p| p.text("TaskName", " \t"))), "TaskName");
        for bad in ["", "[]", "1", "{", "\"s\""] {
            assert_eq!(
                refused(with(|p| p.json_object("TaskParam", bad))),
                "TaskParam"
            );
        }
        assert_eq!(
            refused(with(|p| p.script("TaskContent", "<x/>"))),
            "TaskContent"
        );
        for bad in ["", "a b", "é", &"x".repeat(65)] {
            assert_eq!(refused(with(|p| p.client_token(Some(bad)))), "ClientToken");
        }
        match with(|p| p.task_type(TaskType::DiRealtime)) {
            Err(Error::UnsupportedTaskType {
                action: "Probe",
                task_type: TaskType::DiRealtime,
                accepted: [TaskType::DiOffline],
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parameters_go_where_they_are_declared_in_order() {
        let request = with(|p| {
            p.id("ProjectId", 7)?;
            p.task_type(TaskType::DiOffline)?;
            p.opt_text("TaskName", None)?;
            p.opt_flag("NeedContent", Some(false));
            p.body(|body| body.script("TaskContent", "[1]"))?;
            p.client_token(Some("t-1"))
        })
        .unwrap();
        let params: Vec<_> = request.params().collect();
        assert_eq!(
            params,
            [
                ("ProjectId", "7", ParamLocation::Query),
                ("TaskType", "DI_OFFLINE", ParamLocation::Query),
                ("NeedContent", "false", ParamLocation::Query),
                ("TaskContent", "[1]", ParamLocation::Body),
                ("ClientToken", "t-1", ParamLocation::Query),
            ]
        );
        assert_eq!(request.action(), "Probe");
        assert_eq!(request.version(), API_VERSION);
    }
}
