//! What `DeleteDISyncTask` and `TerminateDISyncInstance` share: the same three parameters and
//! the same `{Success, RequestId, Data: {Status, Message}}` answer.

use std::borrow::Cow;

use super::{API_VERSION, TaskType, positive_id};
use crate::error::{BodyProblem, FailureReason, TaskFailure};
use crate::response::{self, ResponseContext};
use crate::{Error, RpcRequest};

/// The answer to a teardown call that left the task in the state asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeardownResponse {
    /// The request id.
    pub request_id: String,
    /// How the task got there.
    pub outcome: TeardownOutcome,
    /// `Data.Message`, when the service sent one.
    pub message: Option<String>,
}

/// How a teardown reached its end state. Both outcomes mean the task is in the state asked
/// for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TeardownOutcome {
    /// The service did it now (`Data.Status = success`).
    Done,
    /// An earlier attempt was sent but got no answer, and this attempt found the task already
    /// gone (or already undeployed): most likely the earlier attempt did it. The service
    /// answered `Data.Status = fail` for this reason.
    AlreadyDone {
        /// What the service's message said.
        reason: FailureReason,
    },
}

/// What the first step of a full teardown (terminate, then delete) found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminateStep {
    /// `TerminateDISyncInstance` undeployed the task, now or in an attempt whose answer was
    /// lost.
    Undeployed(TeardownResponse),
    /// The task was not deployed to begin with: the state a teardown wants, so it goes on.
    AlreadyUndeployed {
        /// The request id of the answer that said so.
        request_id: String,
        /// `Data.Message`.
        message: String,
    },
}

/// What a full teardown did: both steps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeardownReport {
    /// The terminate step.
    pub terminate: TerminateStep,
    /// The delete step.
    pub delete: TeardownResponse,
}

impl TeardownReport {
    /// Both steps' results.
    pub fn new(terminate: TerminateStep, delete: TeardownResponse) -> Self {
        TeardownReport { terminate, delete }
    }
}

/// Reads the result of the terminate step of a full teardown: a task that is not deployed is
/// where a teardown wants it, so that failure lets the delete step go on; any other failure
/// stops the teardown.
///
/// # Errors
/// The terminate step's error, unless it says the task is not deployed.
pub fn terminate_step(result: Result<TeardownResponse, Error>) -> Result<TerminateStep, Error> {
    match result {
        Ok(response) => Ok(TerminateStep::Undeployed(response)),
        Err(Error::TaskFailed(failure)) if failure.reason == FailureReason::NotDeployed => {
            Ok(TerminateStep::AlreadyUndeployed {
                request_id: failure.request_id,
                message: failure.message,
            })
        }
        Err(error) => Err(error),
    }
}

/// The request of a teardown action.
pub(super) fn request(
    action: &'static str,
    project_id: i64,
    file_id: i64,
    task_type: TaskType,
) -> Result<RpcRequest, Error> {
    Ok(RpcRequest::new(action, API_VERSION)
        .query_param("ProjectId", positive_id("ProjectId", project_id)?)
        .query_param("TaskType", task_type.as_str())
        .query_param("FileId", positive_id("FileId", file_id)?))
}

/// Reads the answer of a teardown action. `gone` says which failure reasons mean that the
/// task is already in the end state.
pub(super) fn parse<B: AsRef<[u8]>>(
    action: &'static str,
    gone: &[FailureReason],
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<TeardownResponse, Error> {
    let answer = response::read(
        response.status(),
        response.headers(),
        response.body().as_ref(),
        context,
    )?;
    let request_id = answer.request_id.into_owned();
    let message = answer.fields.data_message.map(Cow::into_owned);
    let status = answer.fields.data_status.as_deref().unwrap_or_default();
    // What goes into an error is redacted of security tokens, as the service's errors are.
    let redacted = |text: &str| response::redact_secrets(text).into_owned();
    if status.eq_ignore_ascii_case("success") {
        return Ok(TeardownResponse {
            request_id,
            outcome: TeardownOutcome::Done,
            message,
        });
    }
    if !status.eq_ignore_ascii_case("fail") {
        let problem = if answer.fields.data_status.is_none() {
            BodyProblem::MissingField {
                field: "Data.Status",
            }
        } else {
            BodyProblem::Malformed {
                detail: format!(
                    "Data.Status is {:?}, not success or fail",
                    crate::error::truncate_for_message(&redacted(status), 32)
                ),
            }
        };
        let mut details = response::unexpected_response(
            response.status(),
            response.headers(),
            response.body().as_ref(),
            problem,
        );
        details
            .request_id
            .get_or_insert_with(|| redacted(&request_id));
        return Err(Error::UnexpectedResponse(details));
    }
    let message = message.unwrap_or_default();
    let reason = failure_reason(&message);
    if context.prior_outcome_unknown() && gone.contains(&reason) {
        return Ok(TeardownResponse {
            request_id,
            outcome: TeardownOutcome::AlreadyDone { reason },
            message: Some(message),
        });
    }
    Err(Error::TaskFailed(Box::new(TaskFailure {
        action,
        request_id: redacted(&request_id),
        message: redacted(&message),
        reason,
        after_unknown_outcome: context.prior_outcome_unknown(),
    })))
}

/// Reads what a `Data.Message` says about the task (see [`FailureReason`]).
pub(crate) fn failure_reason(message: &str) -> FailureReason {
    let message = message.to_ascii_lowercase();
    let has = |phrase: &str| message.contains(phrase);
    if (has("fileid") && has("invalid"))
        || has("not exist")
        || has("not found")
        || has("no such")
        || has("deleted")
    {
        FailureReason::TaskNotFound
    } else if has("not deployed")
        || has("undeployed")
        || has("not online")
        || has("offline")
        || has("already terminated")
    {
        FailureReason::NotDeployed
    } else {
        FailureReason::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_failure_reasons() {
        for (message, reason) in [
            ("fileId:[100] is invalid.", FailureReason::TaskNotFound),
            ("The file does not exist", FailureReason::TaskNotFound),
            ("task 100 has been deleted", FailureReason::TaskNotFound),
            ("Task Not Found", FailureReason::TaskNotFound),
            ("the task is not deployed", FailureReason::NotDeployed),
            ("instance already undeployed", FailureReason::NotDeployed),
            ("task is offline", FailureReason::NotDeployed),
            ("instance already terminated", FailureReason::NotDeployed),
            // Found by the CLI: an action name is not a state.
            (
                "fileId:[7] is still running; terminate it with TerminateDISyncInstance first.",
                FailureReason::Other,
            ),
            ("the task is running", FailureReason::Other),
            ("", FailureReason::Other),
        ] {
            assert_eq!(failure_reason(message), reason, "{message}");
        }
    }
}
