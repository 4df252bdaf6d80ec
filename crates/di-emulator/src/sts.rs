//! STS (API version `2015-04-01`): `AssumeRole` (signed, through the gateway's checks) and
//! `AssumeRoleWithOIDC` (anonymous: the OIDC token is the proof). Issued temporary keys and
//! their security tokens are then accepted by the gateway for the DataWorks actions, with the
//! role's workspaces, until they expire.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use di_proto::Timestamp;
use di_proto::http::{HeaderValue, StatusCode, header};

use crate::gateway::{self, Refusal};
use crate::render;
use crate::state::Shared;

/// The STS API version served.
pub(crate) const VERSION: &str = "2015-04-01";
/// The STS actions served.
pub(crate) const ACTIONS: [&str; 2] = ["AssumeRole", "AssumeRoleWithOIDC"];
/// The shortest and longest sessions granted, in seconds.
const DURATION_RANGE: std::ops::RangeInclusive<u64> = 900..=3600;

/// Whether `action` in `version` is an STS action served here.
pub(crate) fn is_sts_action(action: &str, version: &str) -> bool {
    version == VERSION && ACTIONS.contains(&action)
}

/// A temporary key issued by STS.
#[derive(Debug)]
struct Issued {
    secret: String,
    token: String,
    /// Unix seconds.
    expires: i64,
    /// The role's workspaces; empty allows every one.
    projects: Vec<i64>,
}

/// The keys STS issued so far.
#[derive(Debug, Default)]
pub(crate) struct StsState {
    issued: Mutex<HashMap<String, Issued>>,
    counter: AtomicU64,
}

/// The secret of issued key `access_key_id`, if `token` is the one issued with it and it has
/// not expired at `now`.
pub(crate) fn issued_secret(
    shared: &Shared,
    access_key_id: &str,
    token: Option<&str>,
    now: Timestamp,
) -> Result<Option<String>, Refusal> {
    let issued = shared
        .sts
        .issued
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let Some(key) = issued.get(access_key_id) else {
        return Ok(None);
    };
    let expired = || Refusal {
        status: StatusCode::BAD_REQUEST,
        code: "InvalidSecurityToken.Expired".to_owned(),
        message: "The security token you provided has expired.".to_owned(),
    };
    match token {
        None => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidSecurityToken.MismatchWithAccessKey".to_owned(),
            message: "The security token you provided does not match your AccessKeyId.".to_owned(),
        }),
        Some(token) if !gateway::equal_in_constant_time(token, &key.token) => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidSecurityToken.MismatchWithAccessKey".to_owned(),
            message: "The security token you provided does not match your AccessKeyId.".to_owned(),
        }),
        Some(_) if key.expires <= now.unix_seconds() => Err(expired()),
        Some(_) => Ok(Some(key.secret.clone())),
    }
}

/// The workspaces issued key `access_key_id` may act on (`None` when it is not one).
pub(crate) fn issued_projects(shared: &Shared, access_key_id: &str) -> Option<Vec<i64>> {
    let issued = shared
        .sts
        .issued
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    issued.get(access_key_id).map(|key| key.projects.clone())
}

/// Answers `request` when it is an STS action; `None` lets the DataWorks service answer.
pub(crate) fn answer(
    shared: &Shared,
    request: &http::Request<Bytes>,
    now: Timestamp,
) -> Option<http::Response<Bytes>> {
    let params = gateway::all_params(request).ok()?;
    let lookup = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let action = lookup("Action").or_else(|| header("x-acs-action"))?;
    let version = lookup("Version").or_else(|| header("x-acs-version"))?;
    if !is_sts_action(action, version) {
        return None;
    }
    let format = gateway::requested_format(request.headers(), request.uri().query());
    let request_id = render::request_id(shared.request_ids.fetch_add(1, Ordering::Relaxed));
    let result = if action == "AssumeRole" {
        gateway::verify(shared, request, now).and_then(|verified| {
            let get = |name: &str| verified.params.get(name).map(String::as_str);
            assume(shared, get, None, now)
        })
    } else {
        assume_with_oidc(shared, &params, now)
    };
    Some(match result {
        Ok(body) => {
            let mut body = body;
            if let Some(object) = body.as_object_mut() {
                object.insert("RequestId".to_owned(), request_id.clone().into());
            }
            let mut response = http::Response::new(Bytes::from(body.to_string()));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=utf-8"),
            );
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                headers.insert("x-acs-request-id", value);
            }
            response
        }
        Err(refusal) => render::error(
            format,
            refusal.status,
            &refusal.code,
            &refusal.message,
            &request_id,
            "sts.aliyuncs.com",
            false,
            now,
        ),
    })
}

fn invalid(code: &str, message: &str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn assume_with_oidc(
    shared: &Shared,
    params: &[(String, String)],
    now: Timestamp,
) -> Result<serde_json::Value, Refusal> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let timestamp = get("Timestamp").ok_or_else(|| {
        invalid(
            "MissingTimestamp",
            "The input parameter \"Timestamp\" that is mandatory for processing this request is not supplied.",
        )
    })?;
    gateway::check_time(timestamp, now)?;
    let provider = get("OIDCProviderArn").ok_or_else(|| {
        invalid(
            "MissingOIDCProviderArn",
            "OIDCProviderArn is mandatory for this action.",
        )
    })?;
    let token = get("OIDCToken").ok_or_else(|| {
        invalid(
            "MissingOIDCToken",
            "OIDCToken is mandatory for this action.",
        )
    })?;
    let Some((_, accepted)) = shared
        .config
        .oidc_providers
        .iter()
        .find(|(arn, _)| arn == provider)
    else {
        return Err(Refusal {
            status: StatusCode::NOT_FOUND,
            code: "EntityNotExist.OIDCProvider".to_owned(),
            message: "The specified OIDC provider does not exist.".to_owned(),
        });
    };
    if !gateway::equal_in_constant_time(token, accepted) {
        return Err(invalid(
            "AuthenticationFail.OIDCToken.Invalid",
            "The OIDC token is invalid.",
        ));
    }
    assume(shared, get, Some(provider), now)
}

/// Issues a session of the role the parameters name.
fn assume<'p>(
    shared: &Shared,
    get: impl Fn(&str) -> Option<&'p str>,
    oidc_provider: Option<&str>,
    now: Timestamp,
) -> Result<serde_json::Value, Refusal> {
    let role_arn = get("RoleArn")
        .ok_or_else(|| invalid("MissingRoleArn", "RoleArn is mandatory for this action."))?;
    let session = get("RoleSessionName").ok_or_else(|| {
        invalid(
            "MissingRoleSessionName",
            "RoleSessionName is mandatory for this action.",
        )
    })?;
    if !(2..=64).contains(&session.len())
        || !session
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'@'))
    {
        return Err(invalid(
            "InvalidParameter.RoleSessionName",
            "The parameter RoleSessionName is wrongly formed.",
        ));
    }
    let duration = match get("DurationSeconds") {
        None => 3600,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|seconds| DURATION_RANGE.contains(seconds))
            .ok_or_else(|| {
                invalid(
                    "InvalidParameter.DurationSeconds",
                    "The Min/Max value of DurationSeconds is 15min/1hr.",
                )
            })?,
    };
    let Some((_, projects)) = shared.config.roles.iter().find(|(arn, _)| arn == role_arn) else {
        return Err(Refusal {
            status: StatusCode::NOT_FOUND,
            code: "EntityNotExist.Role".to_owned(),
            message: "The role not exists.".to_owned(),
        });
    };
    let number = shared.sts.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let access_key_id = format!("STS.NT{number:020}");
    let secret = format!("EmulatorStsSecret{number:016x}");
    let token = format!("CAIS.emulator.{number:016x}.{}", session);
    let expires = now
        .unix_seconds()
        .saturating_add(i64::try_from(duration).unwrap_or(3600));
    let expiration = Timestamp::from_unix_seconds(expires)
        .map_err(|_| invalid("InvalidParameter.DurationSeconds", "Out of range."))?;
    shared
        .sts
        .issued
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(
            access_key_id.clone(),
            Issued {
                secret: secret.clone(),
                token: token.clone(),
                expires,
                projects: projects.clone(),
            },
        );
    let mut body = serde_json::json!({
        "AssumedRoleUser": {
            "Arn": format!("{role_arn}/{session}"),
            "AssumedRoleId": format!("3{number:017}:{session}"),
        },
        "Credentials": {
            "AccessKeyId": access_key_id,
            "AccessKeySecret": secret,
            "SecurityToken": token,
            "Expiration": expiration.to_string(),
        },
    });
    if let (Some(provider), Some(object)) = (oidc_provider, body.as_object_mut()) {
        object.insert(
            "OIDCTokenInfo".to_owned(),
            serde_json::json!({ "Issuer": provider }),
        );
    }
    Ok(body)
}
