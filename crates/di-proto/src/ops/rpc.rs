//! The generic call: any action, version and parameters, through the same path as the typed
//! operations.

use http::StatusCode;

use super::Operation;
use crate::error::BodyProblem;
use crate::response::{self, ResponseContext};
use crate::retry::Idempotency;
use crate::{Error, Format, RpcRequest};

/// The answer to a generic call: the service's body, undecoded beyond the checks every answer
/// gets (a service error or a foreign body is an [`Error`], never an `RpcResponse`).
///
/// Operation-level results such as `Data.Status = fail` are not judged here: read them from
/// [`RpcResponse::body`].
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
        })
    }
}
