//! V3: `ACS3-HMAC-SHA256` in the `Authorization` header.
//!
//! The steps, as Tea `get_authorization` computes them and as
//! `tests/data/vectors/README.md` states them:
//! 1. canonical query string: parameters sorted by raw name, `pct(name)=pct(value)` joined
//!    with `&` (the official code encodes only values; the ACS3 specification encodes names
//!    too, and for unreserved names, which every official request has, the two agree);
//! 2. canonical headers: each signed header as `lowercase-name:trimmed-value\n`, sorted by
//!    name; signed headers: the names joined with `;`;
//! 3. canonical request: method, path, canonical query, canonical headers, signed headers and
//!    the hex SHA-256 of the body, joined with `\n`;
//! 4. string to sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request;
//! 5. signature: hex HMAC-SHA256 keyed with the secret;
//! 6. `Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<names>,Signature=<hex>`.

use std::borrow::Cow;

use hmac::Mac as _;
use sha2::{Digest as _, Sha256};

use super::encode::into_string;
use super::push_hex_bytes;
use crate::{Credentials, Error};

/// The algorithm name, first word of the `Authorization` header and of the string to sign.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Hex SHA-256 of the empty body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The intermediates and the result of a V3 signature.
///
/// The canonical headers and the canonical request hold every signed header in clear,
/// `x-acs-security-token` included; `Debug` redacts it, the accessors do not.
#[derive(Clone, PartialEq, Eq)]
pub struct V3Signature {
    /// The canonical request, the string to sign and the `Authorization` value, one after the
    /// other: one allocation per signature. The other intermediates are parts of these.
    text: String,
    canonical_query: (usize, usize),
    canonical_headers: (usize, usize),
    signed_headers: (usize, usize),
    canonical_request_end: usize,
    string_to_sign_end: usize,
}

impl V3Signature {
    fn part(&self, (start, end): (usize, usize)) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Sorted, encoded query parameters (step 1).
    pub fn canonical_query_string(&self) -> &str {
        self.part(self.canonical_query)
    }

    /// `name:value\n` for each signed header, sorted (step 2).
    pub fn canonical_headers(&self) -> &str {
        self.part(self.canonical_headers)
    }

    /// The signed header names joined with `;` (step 2).
    pub fn signed_headers(&self) -> &str {
        self.part(self.signed_headers)
    }

    /// The canonical request (step 3).
    pub fn canonical_request(&self) -> &str {
        self.part((0, self.canonical_request_end))
    }

    /// Lower-case hex SHA-256 of the canonical request (step 4).
    pub fn hashed_canonical_request(&self) -> &str {
        self.part((self.string_to_sign_end - 64, self.string_to_sign_end))
    }

    /// `ACS3-HMAC-SHA256\n` + the hashed canonical request (step 4).
    pub fn string_to_sign(&self) -> &str {
        self.part((self.canonical_request_end, self.string_to_sign_end))
    }

    /// Lower-case hex HMAC-SHA256 of the string to sign (step 5).
    pub fn signature(&self) -> &str {
        self.part((self.text.len() - 64, self.text.len()))
    }

    /// The value of the `Authorization` header (step 6).
    pub fn authorization(&self) -> &str {
        self.part((self.string_to_sign_end, self.text.len()))
    }
}

/// The intermediates hold an STS token in clear: their bytes are wiped when dropped.
impl Drop for V3Signature {
    fn drop(&mut self) {
        super::wipe(&mut self.text);
    }
}

impl std::fmt::Debug for V3Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |text| super::redact_marked(text, "x-acs-security-token:", &["\n"], "\n");
        // The canonical request holds the canonical query on a line of its own.
        let canonical_request: Vec<String> = redact(self.canonical_request())
            .split('\n')
            .map(super::redact_query)
            .collect();
        f.debug_struct("V3Signature")
            .field(
                "canonical_query_string",
                &super::redact_query(self.canonical_query_string()),
            )
            .field("canonical_headers", &redact(self.canonical_headers()))
            .field("signed_headers", &self.signed_headers())
            .field("canonical_request", &canonical_request.join("\n"))
            .field("hashed_canonical_request", &self.hashed_canonical_request())
            .field("string_to_sign", &self.string_to_sign())
            .field("signature", &self.signature())
            .field("authorization", &self.authorization())
            .finish()
    }
}

/// What one V3 signature covers.
#[derive(Debug, Clone, Copy)]
pub struct V3Input<'a> {
    /// The HTTP method.
    pub method: &'a http::Method,
    /// The canonical URI; `/` for every RPC API.
    pub pathname: &'a str,
    /// Decoded query parameters, in any order.
    pub query: &'a [(&'a str, &'a str)],
    /// Every header to sign, in any order and any case; values are trimmed of spaces and tabs.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lower-case hex SHA-256 of the body, as sent in `x-acs-content-sha256`.
    pub payload_sha256: &'a str,
}

/// Signs one request.
///
/// # Errors
/// [`Error::InvalidParameter`] / [`Error::DuplicateParameter`] for an empty or repeated query
/// name; [`Error::InvalidHeader`] for a header name that is not an HTTP token, a name given
/// twice, a value with control characters, or a payload hash that is not 64 lower-case hex
/// digits.
pub fn sign(input: &V3Input<'_>, credentials: &Credentials) -> Result<V3Signature, Error> {
    let query = super::v1::sorted_checked(input.query)?;
    let headers = normalized_headers(input.headers)?;
    if !(input.payload_sha256.len() == 64
        && input
            .payload_sha256
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')))
    {
        return Err(Error::InvalidHeader {
            name: "x-acs-content-sha256".into(),
            reason: "the payload hash must be 64 lower-case hex digits",
        });
    }
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_ref(), *value))
        .collect();
    Ok(sign_normalized(
        input.method,
        input.pathname,
        &query,
        &headers,
        input.payload_sha256,
        credentials,
    ))
}

/// [`sign`] over a query sorted and checked as [`super::v1::sorted_checked`] leaves it, and
/// headers as [`normalized_headers`] leaves them (lower-case names, sorted, unique; trimmed
/// values without control characters); `payload_sha256` is 64 lower-case hex digits.
pub(crate) fn sign_normalized(
    method: &http::Method,
    pathname: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    payload_sha256: &str,
    credentials: &Credentials,
) -> V3Signature {
    let method = method.as_str();
    let access_key_id = credentials.access_key_id();
    let query_len = super::v1::canonical_len(query);
    let headers_len: usize = headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + 2)
        .sum();
    let signed_len = headers
        .iter()
        .map(|(name, _)| name.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    let canonical_request_len =
        method.len() + pathname.len() + query_len + headers_len + signed_len + 64 + 5;
    let string_to_sign_len = ALGORITHM.len() + 1 + 64;
    let authorization_len = ALGORITHM.len()
        + CREDENTIAL.len()
        + access_key_id.len()
        + SIGNED_HEADERS.len()
        + signed_len
        + SIGNATURE.len()
        + 64;
    let mut text =
        Vec::with_capacity(canonical_request_len + string_to_sign_len + authorization_len);

    text.extend_from_slice(method.as_bytes());
    text.push(b'\n');
    text.extend_from_slice(pathname.as_bytes());
    text.push(b'\n');
    let query_start = text.len();
    super::v1::write_canonical(&mut text, query);
    let headers_start = text.len() + 1;
    text.push(b'\n');
    for (name, value) in headers {
        text.extend_from_slice(name.as_bytes());
        text.push(b':');
        text.extend_from_slice(value.as_bytes());
        text.push(b'\n');
    }
    let signed_start = text.len() + 1;
    text.push(b'\n');
    push_signed_headers(&mut text, headers);
    let signed_end = text.len();
    text.push(b'\n');
    text.extend_from_slice(payload_sha256.as_bytes());
    let canonical_request_end = text.len();

    let hashed = Sha256::digest(&text);
    text.extend_from_slice(ALGORITHM.as_bytes());
    text.push(b'\n');
    let hashed_start = text.len();
    push_hex_bytes(&mut text, &hashed);
    let string_to_sign_end = text.len();

    let mut mac = credentials.v3_key().clone();
    mac.update(text.get(canonical_request_end..).unwrap_or_default());
    let signature = mac.finalize().into_bytes();
    for part in [ALGORITHM, CREDENTIAL, access_key_id, SIGNED_HEADERS] {
        text.extend_from_slice(part.as_bytes());
    }
    push_signed_headers(&mut text, headers);
    text.extend_from_slice(SIGNATURE.as_bytes());
    push_hex_bytes(&mut text, &signature);
    debug_assert_eq!(string_to_sign_end - hashed_start, 64);

    V3Signature {
        text: into_string(text),
        canonical_query: (query_start, headers_start - 1),
        canonical_headers: (headers_start, signed_start - 1),
        signed_headers: (signed_start, signed_end),
        canonical_request_end,
        string_to_sign_end,
    }
}

const CREDENTIAL: &str = " Credential=";
const SIGNED_HEADERS: &str = ",SignedHeaders=";
const SIGNATURE: &str = ",Signature=";

fn push_signed_headers(out: &mut Vec<u8>, headers: &[(&str, &str)]) {
    for (index, (name, _)) in headers.iter().enumerate() {
        if index > 0 {
            out.push(b';');
        }
        out.extend_from_slice(name.as_bytes());
    }
}

/// Step 1: the sorted, encoded query; empty when there are no parameters.
///
/// # Errors
/// As [`sign`].
pub fn canonical_query_string(query: &[(&str, &str)]) -> Result<String, Error> {
    // The V1 canonicalization is the same text: sorted by raw name, both sides encoded.
    super::v1::canonicalized_query_string(query)
}

/// Step 2: `(canonical_headers, signed_headers)`.
///
/// # Errors
/// As [`sign`].
pub fn canonical_headers(headers: &[(&str, &str)]) -> Result<(String, String), Error> {
    let normalized = normalized_headers(headers)?;
    let mut canonical = String::with_capacity(
        normalized
            .iter()
            .map(|(name, value)| name.len() + value.len() + 2)
            .sum(),
    );
    let mut signed = String::with_capacity(normalized.iter().map(|(name, _)| name.len() + 1).sum());
    for (index, (name, value)) in normalized.iter().enumerate() {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value);
        canonical.push('\n');
        if index > 0 {
            signed.push(';');
        }
        signed.push_str(name);
    }
    Ok((canonical, signed))
}

/// Headers checked, with lower-case names and trimmed values, sorted by name.
fn normalized_headers<'h>(
    headers: &[(&'h str, &'h str)],
) -> Result<Vec<(Cow<'h, str>, &'h str)>, Error> {
    let mut normalized = Vec::with_capacity(headers.len());
    for &(name, value) in headers {
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(Error::InvalidHeader {
                name: crate::error::truncate_for_message(name, 64),
                reason: "a header name must be a non-empty HTTP token",
            });
        }
        if value
            .bytes()
            .any(|byte| byte.is_ascii_control() && byte != b'\t')
        {
            return Err(Error::InvalidHeader {
                name: name.to_owned(),
                reason: "a header value must not hold control characters",
            });
        }
        let name = if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        };
        normalized.push((name, value.trim_matches([' ', '\t'])));
    }
    normalized.sort_unstable_by(|left, right| left.0.cmp(&right.0));
    if let Some(pair) = normalized.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(Error::InvalidHeader {
            name: pair[0].0.clone().into_owned(),
            reason: "the header is given more than once",
        });
    }
    Ok(normalized)
}

/// The `tchar` of RFC 9110, the bytes a header name may hold.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Lower-case hex SHA-256 of `body`, for `x-acs-content-sha256`.
pub fn payload_sha256(body: &[u8]) -> String {
    if body.is_empty() {
        return EMPTY_PAYLOAD_SHA256.to_owned();
    }
    let mut hex = Vec::with_capacity(64);
    push_hex_bytes(&mut hex, &Sha256::digest(body));
    into_string(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example (vector `v3-doc-runinstances`): ECS RunInstances.
    #[test]
    fn v3_matches_documented_example() {
        let credentials = Credentials::new("YourAccessKeyId", "YourAccessKeySecret").unwrap();
        let signature = sign(
            &V3Input {
                method: &http::Method::POST,
                pathname: "/",
                query: &[
                    ("RegionId", "cn-shanghai"),
                    (
                        "ImageId",
                        "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
                    ),
                ],
                headers: &[
                    ("host", "ecs.cn-shanghai.aliyuncs.com"),
                    ("x-acs-action", "RunInstances"),
                    ("x-acs-version", "2014-05-26"),
                    ("x-acs-date", "2023-10-26T09:01:01Z"),
                    ("x-acs-signature-nonce", "d410180a5abf7fe235dd9b74aca91fc0"),
                    ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
                ],
                payload_sha256: EMPTY_PAYLOAD_SHA256,
            },
            &credentials,
        )
        .unwrap();
        assert_eq!(
            signature.canonical_query_string(),
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
        assert_eq!(
            signature.signed_headers(),
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        assert_eq!(
            signature.hashed_canonical_request(),
            "29622f5feb1e9fcaaa2e276a72889c975f7b16f00e02be1ca34965b18cd85015"
        );
        assert_eq!(
            signature.signature(),
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
        );
        assert!(signature.authorization().starts_with(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;"
        ));
    }

    #[test]
    fn header_names_are_lowered_and_values_trimmed() {
        let (canonical, signed) =
            canonical_headers(&[("X-Acs-B", "  padded value \t"), ("host", "h")]).unwrap();
        assert_eq!(canonical, "host:h\nx-acs-b:padded value\n");
        assert_eq!(signed, "host;x-acs-b");
    }

    #[test]
    fn rejects_unsignable_headers() {
        for headers in [
            &[("", "v")][..],
            &[("bad name", "v")],
            &[("a:b", "v")],
            &[("x", "line\nbreak")],
            &[("X-A", "1"), ("x-a", "2")],
        ] {
            assert!(
                matches!(canonical_headers(headers), Err(Error::InvalidHeader { .. })),
                "{headers:?} was accepted"
            );
        }
    }

    #[test]
    fn payload_hash_of_empty_body_is_the_constant() {
        assert_eq!(payload_sha256(b""), EMPTY_PAYLOAD_SHA256);
        assert_eq!(
            payload_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
