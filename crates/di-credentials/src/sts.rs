//! STS (`sts.aliyuncs.com`, API version `2015-04-01`): `AssumeRole`, signed with V1 as the
//! official credentials SDKs sign it, and `AssumeRoleWithOIDC`, which is anonymous (the OIDC
//! token is the proof). Requests to build, answers to read, and the endpoint to send to.

use std::time::Duration;

use di_proto::internals::encode::percent_encode;
use di_proto::ops::Operation;
use di_proto::sign::SignatureVersion;
use di_proto::{Credentials, Endpoint, Format, ResponseContext, RpcRequest, Signer, Timestamp};
use serde_json::Value;

use crate::exchange::Exchange;
use crate::profile::RoleSpec;
use crate::{Error, Source};

/// The STS API version.
pub const VERSION: &str = "2015-04-01";
/// The session lifetime asked for when the profile names none: one hour.
pub const DEFAULT_DURATION_SECONDS: u64 = 3600;
/// The connect timeout: 5 s, as the official SDKs use.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The read timeout: 10 s, as the official SDKs use.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The step name of `AssumeRole`.
pub const ASSUME_ROLE: &str = "AssumeRole";
/// The step name of `AssumeRoleWithOIDC`.
pub const ASSUME_ROLE_WITH_OIDC: &str = "AssumeRoleWithOIDC";

/// The STS endpoint: `https://sts.aliyuncs.com` without a region,
/// `https://sts.<region>.aliyuncs.com` with one, `https://sts-vpc.<region>.aliyuncs.com` with
/// one and `vpc` (a VPC endpoint needs a region; without one, `vpc` is ignored, as the
/// official SDKs do).
///
/// ```
/// use di_credentials::sts;
/// assert_eq!(sts::endpoint(None, false)?.to_string(), "https://sts.aliyuncs.com");
/// assert_eq!(sts::endpoint(Some("cn-shanghai"), false)?.host(), "sts.cn-shanghai.aliyuncs.com");
/// assert_eq!(sts::endpoint(Some("cn-shanghai"), true)?.host(), "sts-vpc.cn-shanghai.aliyuncs.com");
/// assert!(sts::endpoint(Some("cn/evil"), false).is_err());
/// # Ok::<(), di_credentials::Error>(())
/// ```
///
/// # Errors
/// [`Error::Variable`] (about `ALIBABA_CLOUD_STS_REGION`, or a profile's `sts_region`) when the region holds anything but
/// lowercase letters, digits and `-`.
pub fn endpoint(region: Option<&str>, vpc: bool) -> Result<Endpoint, Error> {
    endpoint_for(region, vpc, Source::Oidc)
}

pub(crate) fn endpoint_for(
    region: Option<&str>,
    vpc: bool,
    source: Source,
) -> Result<Endpoint, Error> {
    let invalid = || Error::Variable {
        source_name: source,
        variable: "ALIBABA_CLOUD_STS_REGION",
        reason: "a region holds only lowercase letters, digits and `-` (like cn-hangzhou)"
            .to_owned(),
    };
    let url = match region {
        None => "https://sts.aliyuncs.com".to_owned(),
        Some(region) => {
            if region.is_empty()
                || !region
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
            {
                return Err(invalid());
            }
            let label = if vpc { "sts-vpc" } else { "sts" };
            format!("https://{label}.{region}.aliyuncs.com")
        }
    };
    Endpoint::parse(&url).map_err(|_| invalid())
}

fn session_name(role: &RoleSpec, now: Timestamp) -> String {
    role.session_name
        .clone()
        .unwrap_or_else(|| format!("di-{}", now.unix_seconds()))
}

fn duration(role: &RoleSpec) -> String {
    role.duration_seconds
        .unwrap_or(DEFAULT_DURATION_SECONDS)
        .to_string()
}

/// `AssumeRole` of `role` for chain source `chain_source`, signed (V1, HMAC-SHA1, as the credentials SDKs sign it) with
/// `source` at `now` with `nonce`, sent to `endpoint`. The session name defaults to
/// `di-<unix seconds>`, the duration to [`DEFAULT_DURATION_SECONDS`].
///
/// # Errors
/// [`Error::Refused`] when the request cannot be signed (an invalid nonce, a parameter that
/// cannot be sent).
pub fn assume_role_request(
    chain_source: Source,
    source: &Credentials,
    endpoint: &Endpoint,
    role: &RoleSpec,
    now: Timestamp,
    nonce: &str,
) -> Result<Exchange, Error> {
    let mut request = RpcRequest::new(ASSUME_ROLE, VERSION)
        .body_param("RoleArn", role.role_arn.as_str())
        .body_param("RoleSessionName", session_name(role, now))
        .body_param("DurationSeconds", duration(role));
    if let Some(policy) = &role.policy {
        request = request.body_param("Policy", policy.as_str());
    }
    if let Some(external_id) = &role.external_id {
        request = request.body_param("ExternalId", external_id.as_str());
    }
    let signed = Signer::new(source, endpoint)
        .with_signature_version(SignatureVersion::V1)
        .with_format(Format::Json)
        .sign(&request, now, nonce)
        .map_err(|error| Error::Refused {
            source_name: chain_source,
            step: ASSUME_ROLE,
            reason: format!("cannot build the request: {error}"),
        })?;
    Ok(Exchange::new(
        ASSUME_ROLE,
        signed.into_request(),
        (CONNECT_TIMEOUT, READ_TIMEOUT),
    ))
}

/// `AssumeRoleWithOIDC` for chain source `chain_source`, of `role` through `provider_arn` with `oidc_token`, at `now`, to
/// `endpoint`. Anonymous: the token is the proof, so nothing is signed.
///
/// # Errors
/// [`Error::Refused`] when the request cannot be built.
pub fn assume_role_with_oidc_request(
    chain_source: Source,
    endpoint: &Endpoint,
    provider_arn: &str,
    oidc_token: &str,
    role: &RoleSpec,
    now: Timestamp,
) -> Result<Exchange, Error> {
    let query = format!(
        "Action={ASSUME_ROLE_WITH_OIDC}&Format=JSON&Version={VERSION}&Timestamp={}",
        percent_encode(&now.to_string())
    );
    let mut params = vec![
        ("DurationSeconds", duration(role)),
        ("OIDCProviderArn", provider_arn.to_owned()),
        ("OIDCToken", oidc_token.to_owned()),
        ("RoleArn", role.role_arn.clone()),
        ("RoleSessionName", session_name(role, now)),
    ];
    if let Some(policy) = &role.policy {
        params.push(("Policy", policy.clone()));
    }
    let body = params
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let request = http::Request::post(format!("{endpoint}/?{query}"))
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .map_err(|_| Error::Refused {
            source_name: chain_source,
            step: ASSUME_ROLE_WITH_OIDC,
            reason: "cannot build the request".to_owned(),
        })?;
    Ok(Exchange::new(
        ASSUME_ROLE_WITH_OIDC,
        request,
        (CONNECT_TIMEOUT, READ_TIMEOUT),
    ))
}

/// The temporary credentials and their expiry in STS's answer to `step`
/// (`{"RequestId", "Credentials": {"AccessKeyId", "AccessKeySecret", "SecurityToken",
/// "Expiration"}}`); `source` is the chain source asking, for messages.
///
/// # Errors
/// [`Error::Refused`] with the service's error (classified by di-proto, tokens redacted), or
/// with what is missing from a success.
pub fn read(
    response: &http::Response<Vec<u8>>,
    source: Source,
    step: &'static str,
) -> Result<(Credentials, Timestamp), Error> {
    let refused = |reason: String| Error::Refused {
        source_name: source,
        step,
        reason,
    };
    RpcRequest::new(step, VERSION)
        .parse_response(response, &ResponseContext::new())
        .map_err(|error| refused(error.to_string()))?;
    let value: Value = serde_json::from_slice(response.body())
        .map_err(|_| refused("the answer is not JSON".to_owned()))?;
    let credentials = value
        .get("Credentials")
        .ok_or_else(|| refused("the answer has no Credentials".to_owned()))?;
    let fields = crate::json::SessionCredentials::from_value(credentials)
        .map_err(|problem| refused(problem.to_owned()))?;
    let (credentials, expiration) = fields.into_credentials().map_err(refused)?;
    let expiration =
        expiration.ok_or_else(|| refused("the answer has no Expiration".to_owned()))?;
    Ok((credentials, expiration))
}
