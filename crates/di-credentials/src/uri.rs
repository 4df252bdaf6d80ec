//! `ALIBABA_CLOUD_CREDENTIALS_URI`: a local endpoint (a sidecar, an agent) that answers a GET
//! with `{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}`.

use std::time::Duration;

use di_proto::{Credentials, Timestamp};

use crate::exchange::{Exchange, describe_status};
use crate::{Error, Source};

/// The step name, as errors and logs show it.
pub const STEP: &str = "credentials URI";
/// The connect timeout: 5 s, as the official SDKs use.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The read timeout: 10 s, as the official SDKs use.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET <uri>`.
///
/// # Errors
/// [`Error::Variable`] when `uri` is not an absolute `http` or `https` URL.
pub fn request(uri: &str) -> Result<Exchange, Error> {
    let invalid = || Error::Variable {
        source_name: Source::CredentialsUri,
        variable: "ALIBABA_CLOUD_CREDENTIALS_URI",
        reason: "not an absolute http:// or https:// URL".to_owned(),
    };
    let parsed: http::Uri = uri.parse().map_err(|_| invalid())?;
    if !matches!(parsed.scheme_str(), Some("http" | "https")) || parsed.host().is_none() {
        return Err(invalid());
    }
    let request = http::Request::get(parsed)
        .body(Vec::new())
        .map_err(|_| invalid())?;
    Ok(Exchange::new(
        STEP,
        request,
        (CONNECT_TIMEOUT, READ_TIMEOUT),
    ))
}

/// The credentials (and their expiry, if given) in the answer to [`request`]. A `Code`, when
/// present, must be `Success`.
///
/// # Errors
/// [`Error::Refused`] for any other answer.
pub fn read(response: &http::Response<Vec<u8>>) -> Result<(Credentials, Option<Timestamp>), Error> {
    let refused = |reason: String| Error::Refused {
        source_name: Source::CredentialsUri,
        step: STEP,
        reason,
    };
    if !response.status().is_success() {
        return Err(refused(describe_status(response)));
    }
    let fields = crate::json::SessionCredentials::read(response.body())
        .map_err(|problem| refused(problem.to_owned()))?;
    if fields.code.as_deref().is_some_and(|code| code != "Success") {
        return Err(refused("the answer's Code is not Success".to_owned()));
    }
    fields.into_credentials().map_err(refused)
}
