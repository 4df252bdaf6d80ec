//! An RPC call plus credentials, endpoint, time and nonce becomes a signed `http::Request`.

use std::fmt;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue};
use http::uri::{self, PathAndQuery};
use http::{Method, Uri};

use crate::retry::Idempotency;
use crate::sign::encode::{encoded_len, percent_encode_into};
use crate::sign::{Signature, SignatureVersion, v1, v3};
use crate::{Credentials, Endpoint, Error, Timestamp};

/// The response format requested from the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON (`Format=JSON` under V1, `Accept: application/json` under V3).
    #[default]
    Json,
    /// XML (`Format=XML` under V1, `Accept: application/xml` under V3). The service also
    /// answers XML when a V1 request names no format.
    Xml,
}

impl Format {
    /// The value of the V1 `Format` parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Xml => "XML",
        }
    }

    /// The value of the V3 `Accept` header.
    pub fn as_media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
        }
    }
}

/// Where an API parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// In the URL query string.
    Query,
    /// In the `application/x-www-form-urlencoded` body.
    Body,
}

/// The names V1 signing adds itself; an API parameter may not take them, whatever the
/// signature version, so that a request signs the same way under both.
pub const RESERVED_PARAMS: [&str; 10] = [
    "AccessKeyId",
    "Action",
    "Format",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "SecurityToken",
    "Timestamp",
    "Version",
];

/// The `SignatureMethod` of V1.
const V1_SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The `SignatureVersion` of V1.
const V1_SIGNATURE_VERSION: &str = "1.0";
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

const X_ACS_ACTION: HeaderName = HeaderName::from_static("x-acs-action");
const X_ACS_VERSION: HeaderName = HeaderName::from_static("x-acs-version");
const X_ACS_DATE: HeaderName = HeaderName::from_static("x-acs-date");
const X_ACS_SIGNATURE_NONCE: HeaderName = HeaderName::from_static("x-acs-signature-nonce");
const X_ACS_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-acs-content-sha256");
const X_ACS_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-acs-security-token");
const X_ACS_ACCESSKEY_ID: HeaderName = HeaderName::from_static("x-acs-accesskey-id");
const X_ACS_RETRY_ATTEMPTS: HeaderName = HeaderName::from_static("x-acs-retry-attempts");

/// One call of an RPC-style API: action, API version, HTTP method and parameters.
///
/// Nothing is checked until [`Signer::sign`], which validates the whole request before it
/// signs anything.
///
/// ```
/// use di_proto::RpcRequest;
/// let request = RpcRequest::new("DeleteDISyncTask", "2020-05-18")
///     .query_param("ProjectId", "10000")
///     .query_param("TaskType", "DI_REALTIME")
///     .query_param("FileId", "100");
/// assert_eq!(request.action(), "DeleteDISyncTask");
/// ```
///
/// `Debug` shows each parameter's name, place and length, never its value: a value can be a
/// task script holding a data source's password, in the query as well as in the body
/// (`UpdateDISyncTask` sends `TaskContent` in the query). The typed operations show their ids.
/// The parameters' bytes are wiped when the request is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct RpcRequest {
    action: String,
    version: String,
    method: Method,
    params: Vec<(String, String, ParamLocation)>,
    idempotency: Idempotency,
}

impl fmt::Debug for RpcRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<_> = self
            .params
            .iter()
            .map(|(name, value, location)| {
                let place = match location {
                    ParamLocation::Query => "query",
                    ParamLocation::Body => "body",
                };
                format!("{name}=<{} bytes> ({place})", value.len())
            })
            .collect();
        f.debug_struct("RpcRequest")
            .field("action", &self.action)
            .field("version", &self.version)
            .field("method", &self.method)
            .field("params", &params)
            .field("idempotency", &self.idempotency)
            .finish()
    }
}

impl Drop for RpcRequest {
    fn drop(&mut self) {
        for (name, value, _) in &mut self.params {
            zeroize::Zeroize::zeroize(name);
            zeroize::Zeroize::zeroize(value);
        }
    }
}

impl RpcRequest {
    /// A `POST` of `action` in API `version` (for DataWorks DI, `2020-05-18`).
    pub fn new(action: impl Into<String>, version: impl Into<String>) -> Self {
        RpcRequest {
            action: action.into(),
            version: version.into(),
            method: Method::POST,
            params: Vec::new(),
            idempotency: Idempotency::NotIdempotent,
        }
    }

    /// Sends with `method` instead of `POST` (a few APIs use `GET` or `PUT`).
    #[must_use]
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Declares whether sending this call twice can act twice (by default it may, so an
    /// attempt that might have taken effect is not retried).
    #[must_use]
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Adds a parameter to the URL query.
    #[must_use]
    pub fn query_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.param(name, value, ParamLocation::Query)
    }

    /// Adds a parameter to the form body.
    #[must_use]
    pub fn body_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.param(name, value, ParamLocation::Body)
    }

    /// Adds a parameter where `location` says.
    #[must_use]
    pub fn param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        location: ParamLocation,
    ) -> Self {
        self.push_param(name.into(), value.into(), location);
        self
    }

    /// Adds a parameter in place (for the declared operations' builder).
    pub(crate) fn push_param(&mut self, name: String, value: String, location: ParamLocation) {
        self.params.push((name, value, location));
    }

    /// The action, as sent (`DeleteDISyncTask`).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The API version, as sent (`2020-05-18`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Whether sending this call twice can act twice.
    pub fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    /// The API parameters in the order they were added.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str, ParamLocation)> {
        self.params
            .iter()
            .map(|(name, value, location)| (name.as_str(), value.as_str(), *location))
    }

    fn validate(&self) -> Result<(), Error> {
        for (field, value) in [("action", &self.action), ("version", &self.version)] {
            let reason = if value.is_empty() {
                Some("it is empty")
            } else if value.len() > 128 {
                Some("it is longer than 128 bytes")
            } else if !value
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
            {
                Some("only ASCII letters, digits, '-', '_' and '.' are allowed")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::InvalidOperation {
                    field,
                    value: crate::error::truncate_for_message(value, 128),
                    reason,
                });
            }
        }
        for (name, _, location) in &self.params {
            if name.is_empty() {
                return Err(Error::InvalidParameter {
                    name: String::new(),
                    reason: "the name is empty",
                });
            }
            if RESERVED_PARAMS.contains(&name.as_str()) {
                return Err(Error::InvalidParameter {
                    name: name.clone(),
                    reason: "the name is reserved for a common parameter that signing sets",
                });
            }
            if *location == ParamLocation::Body && !method_has_body(&self.method) {
                return Err(Error::BodyNotAllowed {
                    method: self.method.clone(),
                });
            }
        }
        if self.has_body() {
            // Canonicalization catches a name repeated within the query; a name in both the
            // query and the body is caught here, so that V3, which signs only the query, and
            // V1 reject it alike.
            let mut names: Vec<(&str, ())> = self
                .params
                .iter()
                .map(|(name, ..)| (name.as_str(), ()))
                .collect();
            names.sort_unstable_by(|left, right| left.0.cmp(right.0));
            crate::sign::reject_repeated_names(&names)?;
        }
        Ok(())
    }

    fn has_body(&self) -> bool {
        self.params
            .iter()
            .any(|(_, _, location)| *location == ParamLocation::Body)
    }

    /// The form body: body parameters in the order given, encoded as the signer encodes.
    fn form_body(&self) -> Vec<u8> {
        let body_params = || {
            self.params
                .iter()
                .filter(|(_, _, location)| *location == ParamLocation::Body)
        };
        let capacity = body_params()
            .map(|(name, value, _)| encoded_len(name) + encoded_len(value) + 2)
            .sum();
        let mut body = Vec::with_capacity(capacity);
        for (name, value, _) in body_params() {
            if !body.is_empty() {
                body.push(b'&');
            }
            percent_encode_into(&mut body, name);
            body.push(b'=');
            percent_encode_into(&mut body, value);
        }
        body
    }
}

fn method_has_body(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    )
}

/// Signs [`RpcRequest`]s for one set of credentials and one endpoint.
///
/// It is cheap to create: make one per attempt, with that attempt's timestamp and nonce.
///
/// ```
/// use di_proto::{Credentials, Endpoint, Format, RpcRequest, SignatureVersion, Signer, Timestamp};
/// let credentials = Credentials::new("LTAI5tDemoKeyId", "demo-secret")?;
/// let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com")?;
/// let request = RpcRequest::new("TerminateDISyncInstance", "2020-05-18")
///     .query_param("ProjectId", "10000")
///     .query_param("TaskType", "DI_REALTIME")
///     .query_param("FileId", "100");
/// let signed = Signer::new(&credentials, &endpoint)
///     .with_signature_version(SignatureVersion::V1)
///     .with_format(Format::Json)
///     .sign(&request, Timestamp::from_unix_seconds(1_700_000_000)?, "5a1f9b0c3d2e4f60")?;
/// assert!(signed.request().uri().query().unwrap().ends_with(signed.signature_param().unwrap()));
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    credentials: &'a Credentials,
    endpoint: &'a Endpoint,
    signature_version: SignatureVersion,
    format: Format,
    retry_attempts: Option<u32>,
}

impl<'a> Signer<'a> {
    /// A signer using V3 and asking for JSON.
    pub fn new(credentials: &'a Credentials, endpoint: &'a Endpoint) -> Self {
        Signer {
            credentials,
            endpoint,
            signature_version: SignatureVersion::default(),
            format: Format::default(),
            retry_attempts: None,
        }
    }

    /// The endpoint requests are signed for.
    pub(crate) fn endpoint(&self) -> &'a Endpoint {
        self.endpoint
    }

    /// Signs with `signature_version` instead of V3.
    #[must_use]
    pub fn with_signature_version(mut self, signature_version: SignatureVersion) -> Self {
        self.signature_version = signature_version;
        self
    }

    /// Asks for `format` instead of JSON.
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Marks the request as retry number `retries` of its call: it carries
    /// `x-acs-retry-attempts: <retries>`, signed under V3, as the official SDKs send. Zero
    /// sends nothing. [`crate::flow::CallFlow`] sets it on every retry.
    #[must_use]
    pub fn with_retry_attempts(mut self, retries: u32) -> Self {
        self.retry_attempts = (retries > 0).then_some(retries);
        self
    }

    /// Validates `request`, then builds and signs it with `timestamp` and `nonce`.
    ///
    /// Give every attempt, retries included, a fresh timestamp and a nonce that was never used
    /// before: the gateway rejects a repeated nonce within 15 minutes (`SignatureNonceUsed`).
    ///
    /// # Errors
    /// [`Error::InvalidOperation`], [`Error::InvalidParameter`], [`Error::DuplicateParameter`],
    /// [`Error::BodyNotAllowed`] or [`Error::InvalidNonce`] when the request cannot be sent as
    /// given; nothing is signed then.
    pub fn sign(
        &self,
        request: &RpcRequest,
        timestamp: Timestamp,
        nonce: &str,
    ) -> Result<SignedRequest, Error> {
        request.validate()?;
        validate_nonce(nonce)?;
        let date = timestamp.wire();
        match self.signature_version {
            SignatureVersion::V1 => self.sign_v1(request, timestamp, date.as_str(), nonce),
            SignatureVersion::V3 => self.sign_v3(request, timestamp, date.as_str(), nonce),
        }
    }

    fn sign_v1(
        &self,
        request: &RpcRequest,
        timestamp: Timestamp,
        date: &str,
        nonce: &str,
    ) -> Result<SignedRequest, Error> {
        // The common parameters, in sorted order; `SecurityToken` sorts between `Format` and
        // `SignatureMethod`.
        let token = self.credentials.security_token();
        let common = [
            Some(("AccessKeyId", self.credentials.access_key_id())),
            Some(("Action", request.action.as_str())),
            Some(("Format", self.format.as_param())),
            token.map(|token| ("SecurityToken", token)),
            Some(("SignatureMethod", V1_SIGNATURE_METHOD)),
            Some(("SignatureNonce", nonce)),
            Some(("SignatureVersion", V1_SIGNATURE_VERSION)),
            Some(("Timestamp", date)),
            Some(("Version", request.version.as_str())),
        ];
        let common = common.iter().flatten().copied();
        let api = sorted_api_params(request, None)?;
        // Validation keeps API parameters off the common names, so merging two sorted lists
        // gives the sorted whole with no repeat.
        let mut sorted = Vec::with_capacity(common.clone().count() + api.len());
        let mut api_rest = api.iter().copied().peekable();
        for pair in common.clone() {
            while let Some(api_pair) = api_rest.next_if(|api_pair| api_pair.0 < pair.0) {
                sorted.push(api_pair);
            }
            sorted.push(pair);
        }
        sorted.extend(api_rest);
        let signature = v1::sign_sorted(&request.method, &sorted, self.credentials);

        let has_body = request.has_body();
        let canonical = signature.canonicalized_query_string();
        let encoded_signature_len = encoded_len(signature.signature());
        let mut path = Vec::with_capacity(2 + canonical.len() + 11 + encoded_signature_len);
        path.extend_from_slice(b"/?");
        if has_body {
            // The query carries the common and the query parameters; the body the rest. Order
            // on the wire is not signed: the gateway sorts before it checks.
            let in_query = common.chain(
                request
                    .params
                    .iter()
                    .filter(|(_, _, location)| *location == ParamLocation::Query)
                    .map(|(name, value, _)| (name.as_str(), value.as_str())),
            );
            for (index, (name, value)) in in_query.enumerate() {
                if index > 0 {
                    path.push(b'&');
                }
                percent_encode_into(&mut path, name);
                path.push(b'=');
                percent_encode_into(&mut path, value);
            }
        } else {
            // Everything travels in the query, so the canonical string is the query.
            path.extend_from_slice(canonical.as_bytes());
        }
        path.extend_from_slice(b"&Signature=");
        percent_encode_into(&mut path, signature.signature());

        let body = request.form_body();
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(X_ACS_ACTION, header_value("x-acs-action", &request.action)?);
        if let Some(retries) = self.retry_attempts {
            headers.insert(X_ACS_RETRY_ATTEMPTS, HeaderValue::from(retries));
        }
        headers.insert(
            X_ACS_VERSION,
            header_value("x-acs-version", &request.version)?,
        );
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
        }
        Ok(SignedRequest {
            request: new_request(&request.method, self.endpoint, path, headers, body)?,
            signature: Signature::V1(signature),
            timestamp,
        })
    }

    fn sign_v3(
        &self,
        request: &RpcRequest,
        timestamp: Timestamp,
        date: &str,
        nonce: &str,
    ) -> Result<SignedRequest, Error> {
        let query = sorted_api_params(request, Some(ParamLocation::Query))?;
        let has_body = request.has_body();
        let body = request.form_body();
        let payload_sha256 = v3::payload_sha256(&body);
        let authority = self.endpoint.authority();
        let token = self.credentials.security_token();
        let retries_text = self.retry_attempts.map(|retries| retries.to_string());

        // Every header di-proto sets is signed, as the official SDKs sign every header they
        // set. The names are lower case and listed in sorted order; every value was validated
        // above (or is ours), so none needs trimming and none holds a control character.
        let signed_headers = [
            Some(("accept", self.format.as_media_type())),
            has_body.then_some(("content-type", FORM_CONTENT_TYPE)),
            Some(("host", authority)),
            token.map(|_| ("x-acs-accesskey-id", self.credentials.access_key_id())),
            Some(("x-acs-action", request.action.as_str())),
            Some(("x-acs-content-sha256", payload_sha256.as_str())),
            Some(("x-acs-date", date)),
            retries_text
                .as_deref()
                .map(|retries| ("x-acs-retry-attempts", retries)),
            token.map(|token| ("x-acs-security-token", token)),
            Some(("x-acs-signature-nonce", nonce)),
            Some(("x-acs-version", request.version.as_str())),
        ];
        let mut signed: [(&str, &str); 11] = [("", ""); 11];
        let mut signed_count = 0;
        for (slot, pair) in signed.iter_mut().zip(signed_headers.iter().flatten()) {
            *slot = *pair;
            signed_count += 1;
        }
        let signed = &signed[..signed_count];
        debug_assert!(signed.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let signature = v3::sign_normalized(
            &request.method,
            "/",
            &query,
            signed,
            &payload_sha256,
            self.credentials,
        );

        let canonical_query = signature.canonical_query_string();
        let mut path = Vec::with_capacity(2 + canonical_query.len());
        path.extend_from_slice(b"/?");
        path.extend_from_slice(canonical_query.as_bytes());
        let mut headers = HeaderMap::with_capacity(signed.len() + 1);
        headers.insert(
            ACCEPT,
            HeaderValue::from_static(self.format.as_media_type()),
        );
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
        }
        headers.insert(HOST, header_value("host", authority)?);
        if let Some(token) = token {
            headers.insert(
                X_ACS_ACCESSKEY_ID,
                header_value("x-acs-accesskey-id", self.credentials.access_key_id())?,
            );
            let mut token = header_value("x-acs-security-token", token)?;
            token.set_sensitive(true);
            headers.insert(X_ACS_SECURITY_TOKEN, token);
        }
        headers.insert(X_ACS_ACTION, header_value("x-acs-action", &request.action)?);
        headers.insert(
            X_ACS_CONTENT_SHA256,
            if body.is_empty() {
                HeaderValue::from_static(v3::EMPTY_PAYLOAD_SHA256)
            } else {
                header_value("x-acs-content-sha256", &payload_sha256)?
            },
        );
        headers.insert(X_ACS_DATE, header_value("x-acs-date", date)?);
        if let Some(retries) = self.retry_attempts {
            headers.insert(X_ACS_RETRY_ATTEMPTS, HeaderValue::from(retries));
        }
        headers.insert(
            X_ACS_SIGNATURE_NONCE,
            header_value("x-acs-signature-nonce", nonce)?,
        );
        headers.insert(
            X_ACS_VERSION,
            header_value("x-acs-version", &request.version)?,
        );
        let mut authorization = header_value("authorization", signature.authorization())?;
        authorization.set_sensitive(true);
        headers.insert(AUTHORIZATION, authorization);
        Ok(SignedRequest {
            request: new_request(&request.method, self.endpoint, path, headers, body)?,
            signature: Signature::V3(signature),
            timestamp,
        })
    }
}

/// The API parameters (those at `location`, or all), sorted by raw name and checked for
/// repeats. Validation has already refused empty and reserved names.
fn sorted_api_params(
    request: &RpcRequest,
    location: Option<ParamLocation>,
) -> Result<Vec<(&str, &str)>, Error> {
    let mut sorted: Vec<(&str, &str)> = request
        .params
        .iter()
        .filter(|(_, _, at)| location.is_none_or(|location| *at == location))
        .map(|(name, value, _)| (name.as_str(), value.as_str()))
        .collect();
    sorted.sort_unstable_by(|left, right| left.0.cmp(right.0));
    crate::sign::reject_repeated_names(&sorted)?;
    Ok(sorted)
}

fn validate_nonce(nonce: &str) -> Result<(), Error> {
    let reason = if nonce.is_empty() {
        "it is empty"
    } else if nonce.len() > 128 {
        "it is longer than 128 bytes"
    } else if !nonce.bytes().all(|byte| byte.is_ascii_graphic()) {
        "only visible ASCII characters are allowed"
    } else {
        return Ok(());
    };
    Err(Error::InvalidNonce { reason })
}

fn new_request(
    method: &Method,
    endpoint: &Endpoint,
    path_and_query: Vec<u8>,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Result<http::Request<Vec<u8>>, Error> {
    // Every byte of the path and query comes from percent-encoding, and the scheme and
    // authority from a validated endpoint, so this only fails on a bug; it still surfaces as
    // an error, not a panic.
    let invalid = || Error::InvalidEndpoint {
        input: String::new(),
        reason: "the request URL could not be built",
    };
    let mut parts = uri::Parts::default();
    parts.scheme = Some(match endpoint.scheme() {
        crate::endpoint::Scheme::Https => uri::Scheme::HTTPS,
        crate::endpoint::Scheme::Http => uri::Scheme::HTTP,
    });
    parts.authority = Some(endpoint.http_authority().clone());
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).map_err(|_| invalid())?);
    let uri = Uri::from_parts(parts).map_err(|_| invalid())?;
    let mut request = http::Request::new(body);
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    Ok(request)
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| Error::InvalidHeader {
        name: name.to_owned(),
        reason: "the value cannot be sent in an HTTP header",
    })
}

/// A signed request, ready for any HTTP client, with the signature's intermediates.
///
/// `Debug` redacts the STS token and the `Authorization` header. The request itself holds
/// the token in clear (V1: `SecurityToken` query parameter; V3: `x-acs-security-token`
/// header), as it must to be sent: do not log it.
///
/// Dropping a `SignedRequest` wipes the body and the signature's intermediates. The URI and
/// the header values are `http` types over shared immutable buffers, which cannot be wiped;
/// neither can a request handed to an HTTP client with [`SignedRequest::into_request`].
#[derive(Clone)]
pub struct SignedRequest {
    request: http::Request<Vec<u8>>,
    signature: Signature,
    timestamp: Timestamp,
}

impl SignedRequest {
    /// The request to send.
    pub fn request(&self) -> &http::Request<Vec<u8>> {
        &self.request
    }

    /// The request to send, by value.
    pub fn into_request(mut self) -> http::Request<Vec<u8>> {
        std::mem::replace(&mut self.request, http::Request::new(Vec::new()))
    }

    /// The request and the signature's intermediates.
    pub fn into_parts(mut self) -> (http::Request<Vec<u8>>, Signature) {
        let signature =
            std::mem::replace(&mut self.signature, Signature::V1(v1::V1Signature::empty()));
        (self.into_request(), signature)
    }

    /// Every intermediate of the signature, for diagnostics.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The time the request was signed with.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The V1 `Signature` parameter as sent (percent-encoded), or `None` under V3.
    pub fn signature_param(&self) -> Option<&str> {
        match self.signature {
            Signature::V1(_) => self
                .request
                .uri()
                .query()
                .and_then(|query| query.rsplit_once("&Signature="))
                .map(|(_, signature)| signature),
            _ => None,
        }
    }
}

impl Drop for SignedRequest {
    fn drop(&mut self) {
        // In bulk: the body is built at its exact size.
        zeroize::Zeroize::zeroize(self.request.body_mut().as_mut_slice());
    }
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = self.request.uri().to_string();
        f.debug_struct("SignedRequest")
            .field("method", self.request.method())
            .field("uri", &crate::sign::redact_query(&uri))
            .field("headers", self.request.headers())
            .field("body_len", &self.request.body().len())
            .field("signature", &self.signature)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}
