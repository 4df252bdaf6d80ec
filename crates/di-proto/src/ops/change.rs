//! What the DISyncTask family shares: the `ProjectId` / `TaskType` / `FileId` request, and the
//! reading of its `{Success, RequestId, Data: {Status, Message, ...}}` answer, where HTTP 200
//! with `Data.Status = fail` is a refusal.
//!
//! Every operation of the family reads its answer here: [`read_data`] for the members of
//! `Data`, [`read_change`] for the operations whose `Data.Status` is `success` or `fail`, and
//! [`task_failed`] / [`failure_reason`] for a refusal.

use std::borrow::Cow;

use super::declare::{Reading, Reply};
use crate::Error;
use crate::error::{BodyProblem, FailureReason, TaskFailure};
use crate::response::{self, ResponseContext};

/// The answer to a call that changes a task (delete, terminate, deploy, start, stop, update)
/// and left it in the state asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeResponse {
    /// The request id.
    pub request_id: String,
    /// How the task got there.
    pub outcome: ChangeOutcome,
    /// `Data.Message`, when the service sent one.
    pub message: Option<String>,
}

/// How a change reached its end state. Both outcomes mean the task is in the state asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeOutcome {
    /// The service did it now (`Data.Status = success`).
    Done,
    /// An earlier attempt was sent but got no answer, and this attempt found the task already
    /// where the operation takes it: most likely the earlier attempt did it. A call reports
    /// this only for a delete answered with the documented `fileId:[N] is invalid.` (the task
    /// is gone); [`crate::flow::TaskFlow`] also reports it for other steps, from the task's
    /// state as the service reads it.
    AlreadyDone {
        /// What the service's message said.
        reason: FailureReason,
    },
}

/// The members of a success answer's `Data`, owned.
#[derive(Debug, Default)]
pub(super) struct DataAnswer {
    pub(super) format: crate::Format,
    pub(super) request_id: String,
    pub(super) status: Option<String>,
    pub(super) message: Option<String>,
    pub(super) file_id: Option<String>,
    pub(super) name: Option<String>,
}

impl Reply for ChangeResponse {
    fn read<B: AsRef<[u8]>>(
        call: Reading,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<Self, Error> {
        read_change(call.action, call.done_when, response, context).map(|(change, _)| change)
    }
}

/// Reads a success answer of the family, and the whole of its `Data` as a tree, for the
/// operations that read records ([`super::model`]).
///
/// # Errors
/// What [`read_data`] finds, and a `Data` that does not parse as a tree.
pub(super) fn read_tree<B: AsRef<[u8]>>(
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<(DataAnswer, serde_json::Value), Error> {
    let data = read_data(response, context)?;
    let tree = response::tree::data(data.format, response.body().as_ref())
        .map_err(|error| unexpected(response, error.into(), data.request_id.clone()))?;
    Ok((data, tree))
}

/// Reads a record of type `T` from `Data`, or the error that names the member at fault.
pub(super) fn record<T: super::model::Record, B: AsRef<[u8]>>(
    tree: &serde_json::Value,
    response: &http::Response<B>,
    request_id: &str,
) -> Result<T, Error> {
    T::record(tree, &|| "Data".to_owned()).map_err(|detail| {
        unexpected(
            response,
            BodyProblem::Malformed { detail },
            request_id.to_owned(),
        )
    })
}

/// Reads a success answer of the family and keeps the members of `Data`.
///
/// # Errors
/// What [`response::read`] finds: a classified service error or a foreign body.
pub(super) fn read_data<B: AsRef<[u8]>>(
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<DataAnswer, Error> {
    let answer = response::read(
        response.status(),
        response.headers(),
        response.body().as_ref(),
        context,
    )?;
    let fields = answer.fields;
    Ok(DataAnswer {
        format: answer.format,
        request_id: answer.request_id.into_owned(),
        status: fields.data_status.map(Cow::into_owned),
        message: fields.data_message.map(Cow::into_owned),
        file_id: fields.data_file_id.map(Cow::into_owned),
        name: fields.data_name.map(Cow::into_owned),
    })
}

/// Reads the answer of an operation whose `Data.Status` is `success` or `fail`. `done` says
/// which failure reasons mean that the task is already where the operation takes it: after an
/// attempt with an unknown outcome, those count as [`ChangeOutcome::AlreadyDone`].
///
/// Returns the response and the rest of `Data`, for operations that read more of it.
///
/// # Errors
/// [`Error::TaskFailed`] for `fail`; [`Error::UnexpectedResponse`] for a missing or other
/// status; what [`read_data`] finds.
pub(super) fn read_change<B: AsRef<[u8]>>(
    action: &'static str,
    done: &[FailureReason],
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<(ChangeResponse, DataAnswer), Error> {
    let mut data = read_data(response, context)?;
    let status = data.status.as_deref().unwrap_or_default();
    if status.eq_ignore_ascii_case("success") {
        let change = ChangeResponse {
            request_id: data.request_id.clone(),
            outcome: ChangeOutcome::Done,
            message: data.message.take(),
        };
        return Ok((change, data));
    }
    if !status.eq_ignore_ascii_case("fail") {
        return Err(unknown_status(
            response,
            data.status.as_deref(),
            &data.request_id,
        ));
    }
    let message = data.message.take().unwrap_or_default();
    let reason = failure_reason(&message);
    if context.prior_outcome_unknown() && done.contains(&reason) {
        let change = ChangeResponse {
            request_id: data.request_id.clone(),
            outcome: ChangeOutcome::AlreadyDone { reason },
            message: Some(message),
        };
        return Ok((change, data));
    }
    Err(task_failed(action, data.request_id, message, context))
}

/// Judges `Data.Status` of a read: `success` passes, `fail` is [`Error::TaskFailed`], and
/// anything else (or nothing) is an answer that is not the service's.
pub(super) fn judge_status<B: AsRef<[u8]>>(
    action: &'static str,
    data: &DataAnswer,
    response: &http::Response<B>,
    context: &ResponseContext<'_>,
) -> Result<(), Error> {
    let status = data.status.as_deref().unwrap_or_default();
    if status.eq_ignore_ascii_case("success") {
        Ok(())
    } else if status.eq_ignore_ascii_case("fail") {
        let message = data.message.clone().unwrap_or_default();
        Err(task_failed(
            action,
            data.request_id.clone(),
            message,
            context,
        ))
    } else {
        Err(unknown_status(
            response,
            data.status.as_deref(),
            &data.request_id,
        ))
    }
}

/// The error of a `Data.Status` that is missing or neither `success` nor `fail`.
pub(super) fn unknown_status<B: AsRef<[u8]>>(
    response: &http::Response<B>,
    status: Option<&str>,
    request_id: &str,
) -> Error {
    let problem = match status {
        None => BodyProblem::MissingField {
            field: "Data.Status",
        },
        Some(status) => BodyProblem::Malformed {
            detail: format!(
                "Data.Status is {:?}, not success or fail",
                crate::error::truncate_for_message(&response::redact_secrets(status), 32)
            ),
        },
    };
    unexpected(response, problem, request_id.to_owned())
}

/// The [`Error::TaskFailed`] of a `Data.Status = fail` answer.
pub(super) fn task_failed(
    action: &'static str,
    request_id: String,
    message: String,
    context: &ResponseContext<'_>,
) -> Error {
    // What goes into an error is redacted of security tokens, as the service's errors are.
    Error::TaskFailed(Box::new(TaskFailure {
        action,
        request_id: response::redact_secrets(&request_id).into_owned(),
        reason: failure_reason(&message),
        message: response::redact_secrets(&message).into_owned(),
        after_unknown_outcome: context.prior_outcome_unknown(),
    }))
}

/// The [`Error::UnexpectedResponse`] of a service answer that lacks what the operation needs.
pub(super) fn unexpected<B: AsRef<[u8]>>(
    response: &http::Response<B>,
    problem: BodyProblem,
    request_id: String,
) -> Error {
    let mut details = response::unexpected_response(
        response.status(),
        response.headers(),
        response.body().as_ref(),
        problem,
    );
    details
        .request_id
        .get_or_insert_with(|| response::redact_secrets(&request_id).into_owned());
    Error::UnexpectedResponse(details)
}

/// Reads what a `Data.Message` says about the task (see [`FailureReason`]): the documented
/// `fileId:[N] is invalid.` (digits in the brackets, the period optional, surrounding blanks
/// ignored) is [`FailureReason::TaskNotFound`]; anything else is
/// [`FailureReason::Undocumented`], whatever its words.
pub(crate) fn failure_reason(message: &str) -> FailureReason {
    let documented = message
        .trim()
        .strip_prefix("fileId:[")
        .and_then(|rest| rest.split_once(']'))
        .is_some_and(|(digits, rest)| {
            !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && matches!(rest, " is invalid." | " is invalid")
        });
    if documented {
        FailureReason::TaskNotFound
    } else {
        FailureReason::Undocumented
    }
}

/// How `Debug` shows a task script: its length only, since a script can hold a data source's
/// password.
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl std::fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

/// How `Debug` shows an answer's raw `Data`: the names of its members only, since it holds
/// what the typed fields hide (a task's script, a file's content).
pub(crate) struct RawData<'a>(pub(crate) &'a serde_json::Value);

impl std::fmt::Debug for RawData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            serde_json::Value::Object(members) => f
                .debug_set()
                .entries(members.keys().map(String::as_str))
                .finish(),
            serde_json::Value::Null => f.write_str("null"),
            _ => f.write_str("<not an object>"),
        }
    }
}

/// Wipes the given strings (for the operations' `Drop`), as [`crate::sign::wipe`] does.
pub(crate) fn wipe<'a>(texts: impl IntoIterator<Item = &'a mut String>) {
    texts.into_iter().for_each(crate::sign::wipe);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_message_says_the_task_is_gone() {
        for (message, reason) in [
            ("fileId:[100] is invalid.", FailureReason::TaskNotFound),
            ("  fileId:[7] is invalid  ", FailureReason::TaskNotFound),
            // Words are never evidence: each of these may come from a task that exists.
            ("The file does not exist", FailureReason::Undocumented),
            ("task 100 has been deleted", FailureReason::Undocumented),
            (
                "fileId:[150] cannot be deleted in its current state.",
                FailureReason::Undocumented,
            ),
            ("Task Not Found", FailureReason::Undocumented),
            ("the task is not deployed", FailureReason::Undocumented),
            ("fileId:[7] is not running.", FailureReason::Undocumented),
            (
                "fileId:[7] is already running.",
                FailureReason::Undocumented,
            ),
            ("fileId:[] is invalid.", FailureReason::Undocumented),
            ("fileId:[7x] is invalid.", FailureReason::Undocumented),
            (
                "fileId:[7] is invalid. Also deleted.",
                FailureReason::Undocumented,
            ),
            ("", FailureReason::Undocumented),
        ] {
            assert_eq!(failure_reason(message), reason, "{message}");
        }
    }
}
