//! The ECS instance metadata service: an IMDSv2 session token, the RAM role's name, and its
//! temporary credentials, as requests to build and responses to read.
//!
//! ```text
//! PUT /latest/api/token                              X-aliyun-ecs-metadata-token-ttl-seconds: 21600
//! GET /latest/meta-data/ram/security-credentials/    x-aliyun-ecs-metadata-token: <token>  → role name
//! GET /latest/meta-data/ram/security-credentials/<role>                                   → JSON credentials
//! ```

use std::time::Duration;

use di_proto::{Credentials, Timestamp};
use http::Method;
use zeroize::Zeroizing;

use crate::exchange::{Exchange, describe_status};
use crate::{Error, Source};

/// The metadata service's address on every ECS instance.
pub const DEFAULT_BASE_URL: &str = "http://100.100.100.200";
/// The IMDSv2 session token's lifetime asked for, in seconds (six hours, as the official
/// SDKs ask).
pub const TOKEN_TTL_SECONDS: u32 = 21600;
/// The connect and read timeouts of every metadata exchange: 1 s each, so that the chain is
/// fast where there is no metadata service.
pub const TIMEOUT: Duration = Duration::from_secs(1);

const TOKEN_PATH: &str = "/latest/api/token";
const ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

/// Step names, as errors and logs show them.
pub const TOKEN_STEP: &str = "IMDSv2 token";
/// See [`TOKEN_STEP`].
pub const ROLE_NAME_STEP: &str = "IMDS role name";
/// See [`TOKEN_STEP`].
pub const CREDENTIALS_STEP: &str = "IMDS role credentials";

fn request(
    method: Method,
    base: &str,
    path: &str,
    header: Option<(&'static str, &str)>,
    step: &'static str,
) -> Result<Exchange, Error> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", base.trim_end_matches('/')));
    if let Some((name, value)) = header {
        builder = builder.header(name, value);
    }
    let request = builder.body(Vec::new()).map_err(|_| Error::Refused {
        source_name: Source::EcsRamRole,
        step,
        reason: "the metadata base URL or the role name does not make a valid request".to_owned(),
    })?;
    Ok(Exchange::new(step, request, (TIMEOUT, TIMEOUT)))
}

/// `PUT /latest/api/token`, asking for a token valid [`TOKEN_TTL_SECONDS`].
///
/// # Errors
/// [`Error::Refused`] when `base` does not make a URL.
pub fn token_request(base: &str) -> Result<Exchange, Error> {
    request(
        Method::PUT,
        base,
        TOKEN_PATH,
        Some((TTL_HEADER, &TOKEN_TTL_SECONDS.to_string())),
        TOKEN_STEP,
    )
}

/// The token in a 200 answer to [`token_request`]; `None` for any other answer.
pub fn read_token(response: &http::Response<Vec<u8>>) -> Option<Zeroizing<String>> {
    if !response.status().is_success() {
        return None;
    }
    let token = std::str::from_utf8(response.body()).ok()?.trim();
    (!token.is_empty() && token.bytes().all(|byte| byte.is_ascii_graphic()))
        .then(|| Zeroizing::new(token.to_owned()))
}

/// `GET /latest/meta-data/ram/security-credentials/`: the instance's role name.
///
/// # Errors
/// As [`token_request`].
pub fn role_name_request(base: &str, token: Option<&str>) -> Result<Exchange, Error> {
    request(
        Method::GET,
        base,
        ROLES_PATH,
        token.map(|token| (TOKEN_HEADER, token)),
        ROLE_NAME_STEP,
    )
}

/// The role name in the answer to [`role_name_request`] (its first line).
///
/// # Errors
/// [`Error::Refused`] when the answer is not a 200 naming a role.
pub fn read_role_name(response: &http::Response<Vec<u8>>) -> Result<String, Error> {
    let refused = |reason: String| Error::Refused {
        source_name: Source::EcsRamRole,
        step: ROLE_NAME_STEP,
        reason,
    };
    if !response.status().is_success() {
        return Err(refused(format!(
            "{}; is a RAM role attached to the instance?",
            describe_status(response)
        )));
    }
    let text = std::str::from_utf8(response.body())
        .map_err(|_| refused("the role name is not UTF-8".to_owned()))?;
    let name = text.lines().next().unwrap_or_default().trim();
    if name.is_empty() || !valid_role_name(name) {
        return Err(refused(
            "the answer names no RAM role; is one attached to the instance?".to_owned(),
        ));
    }
    Ok(name.to_owned())
}

fn valid_role_name(name: &str) -> bool {
    name.len() <= 64
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
}

/// `GET /latest/meta-data/ram/security-credentials/<role>`.
///
/// # Errors
/// [`Error::Refused`] when the role name holds characters a RAM role name cannot
/// (letters, digits, `-`, `_`, `.`; 64 at most).
pub fn credentials_request(
    base: &str,
    role_name: &str,
    token: Option<&str>,
) -> Result<Exchange, Error> {
    if !valid_role_name(role_name) {
        return Err(Error::Refused {
            source_name: Source::EcsRamRole,
            step: CREDENTIALS_STEP,
            reason: "the role name may hold only letters, digits, `-`, `_` and `.` (64 at most)"
                .to_owned(),
        });
    }
    request(
        Method::GET,
        base,
        &format!("{ROLES_PATH}{role_name}"),
        token.map(|token| (TOKEN_HEADER, token)),
        CREDENTIALS_STEP,
    )
}

/// The temporary credentials and their expiry in the answer to [`credentials_request`]:
/// `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}`.
///
/// # Errors
/// [`Error::Refused`] for any other answer.
pub fn read_credentials(
    response: &http::Response<Vec<u8>>,
) -> Result<(Credentials, Timestamp), Error> {
    let refused = |reason: String| Error::Refused {
        source_name: Source::EcsRamRole,
        step: CREDENTIALS_STEP,
        reason,
    };
    if !response.status().is_success() {
        return Err(refused(describe_status(response)));
    }
    let fields = crate::json::SessionCredentials::read(response.body())
        .map_err(|problem| refused(problem.to_owned()))?;
    match fields.code.as_deref() {
        Some("Success") => {}
        _ => return Err(refused("the answer's Code is not Success".to_owned())),
    }
    let (credentials, expiration) = fields.into_credentials().map_err(refused)?;
    let expiration =
        expiration.ok_or_else(|| refused("the answer has no Expiration".to_owned()))?;
    Ok((credentials, expiration))
}
