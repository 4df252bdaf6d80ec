//! The service behind the gateway: DeleteDISyncTask, TerminateDISyncInstance,
//! GetDISyncInstanceInfo over the task state.

use bytes::Bytes;
use di_proto::Timestamp;

use crate::state::Shared;

/// Answers one request as the gateway and then the service would; `now` is the emulator's
/// clock. Never panics, whatever the request.
pub(crate) fn answer(
    shared: &Shared,
    request: &http::Request<Bytes>,
    now: Timestamp,
) -> http::Response<Bytes> {
    let _ = (shared, request, now);
    let mut response = http::Response::new(Bytes::from_static(b"not yet"));
    *response.status_mut() = http::StatusCode::NOT_IMPLEMENTED;
    response
}
