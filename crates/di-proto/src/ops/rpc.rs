//! The generic call: any action, version and parameters, through the same path as the typed
//! operations.

use std::borrow::Cow;

use http::StatusCode;

use super::Operation;
use crate::error::BodyProblem;
use crate::response::{self, ResponseContext};
use crate::retry::Idempotency;
use crate::{Error, Format, RpcRequest};

/// The answer to a generic call: the service's body, undecoded beyond the checks every answer
/// gets (a service error or a foreign body is an [`Error`], never an `RpcResponse`).
///
/// Operation-level results such as `Data.Status = fail` are not judged here: the generic call
/// cannot know what a status means for an arbitrary action. [`RpcResponse::data_status`] and
/// [`RpcResponse::data_message`] carry them, read by the same parser as everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RpcResponse {
    /// The HTTP status (a 2xx).
    pub status: StatusCode,
    /// The request id.
    pub request_id: String,
    /// The body's format.
    pub format: Format,
    /// The body, as sent.
    pub body: String,
    /// `Data.Status`, when `Data` is an object that has it (`success`, `fail`, `RUN`, ...).
    pub data_status: Option<String>,
    /// `Data.Message`, when present.
    pub data_message: Option<String>,
}

impl RpcResponse {
    /// Whether the answer says `Data.Status = fail` (any case): the DISyncTask family's way
    /// of refusing with HTTP 200.
    pub fn data_status_is_fail(&self) -> bool {
        self.data_status
            .as_deref()
            .is_some_and(|status| status.eq_ignore_ascii_case("fail"))
    }
}

impl Operation for RpcRequest {
    type Output = RpcResponse;

    fn to_rpc_request(&self) -> Result<RpcRequest, Error> {
        Ok(self.clone())
    }

    fn idempotency(&self) -> Idempotency {
        RpcRequest::idempotency(self)
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
        context: &ResponseContext<'_>,
    ) -> Result<RpcResponse, Error> {
        let bytes = response.body().as_ref();
        let answer = response::read(response.status(), response.headers(), bytes, context)?;
        // Both parsers reject bodies that are not UTF-8, so this conversion cannot fail after
        // a parse; it is still checked rather than assumed.
        let body = std::str::from_utf8(bytes).map_err(|_| {
            let problem = BodyProblem::Malformed {
                detail: "the body is not UTF-8".to_owned(),
            };
            Error::UnexpectedResponse(response::unexpected_response(
                response.status(),
                response.headers(),
                bytes,
                problem,
            ))
        })?;
        Ok(RpcResponse {
            status: response.status(),
            request_id: answer.request_id.into_owned(),
            format: answer.format,
            body: body.to_owned(),
            data_status: answer.fields.data_status.map(Cow::into_owned),
            data_message: answer.fields.data_message.map(Cow::into_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResponseContext;

    fn parse(content_type: &str, body: &'static str) -> RpcResponse {
        let response = http::Response::builder()
            .header("content-type", content_type)
            .body(body)
            .unwrap();
        RpcRequest::new("DeleteDISyncTask", "2020-05-18")
            .parse_response(&response, &ResponseContext::new())
            .unwrap()
    }

    #[test]
    fn carries_the_data_status_in_both_formats() {
        let json = parse(
            "application/json",
            r#"{"RequestId":"r","Data":{"Status":"fail","Message":"gone"}}"#,
        );
        assert!(json.data_status_is_fail());
        assert_eq!(json.data_message.as_deref(), Some("gone"));
        let xml = parse(
            "text/xml",
            "<R><RequestId>r</RequestId><Data><Status>FAIL</Status><Message>a &amp; b</Message></Data></R>",
        );
        assert!(xml.data_status_is_fail());
        assert_eq!(xml.data_message.as_deref(), Some("a & b"));
        let running = parse(
            "application/json",
            r#"{"RequestId":"r","Data":{"Status":"RUN"}}"#,
        );
        assert!(!running.data_status_is_fail());
        assert!(!parse("application/json", r#"{"RequestId":"r"}"#).data_status_is_fail());
    }
}
