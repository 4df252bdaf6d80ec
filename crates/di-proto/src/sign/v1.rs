//! V1: the RPC signature (HMAC-SHA1, `SignatureVersion=1.0` on the wire).
//!
//! The steps, as the official SDKs compute them (classic `rpc_signature_composer.py`, Tea
//! `get_rpcsignature`) and as `tests/data/vectors/README.md` states them:
//! 1. take every parameter of the query and of the form body, without `Signature`;
//! 2. sort them by the raw, unencoded name in UTF-8 byte order;
//! 3. canonicalized query string = `pct(name)=pct(value)` joined with `&`;
//! 4. string to sign = `METHOD&%2F&` + `pct(canonicalized query string)`, so `%` is encoded
//!    twice (a space becomes `%2520`);
//! 5. signature = Base64 of HMAC-SHA1 keyed with `secret + "&"`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::Mac as _;

use super::encode::{into_string, is_unreserved, percent_encode_into};
use crate::{Credentials, Error};

/// The intermediates and the result of a V1 signature.
///
/// The canonical string and the string to sign hold every signed parameter in clear, an STS
/// `SecurityToken` included; `Debug` redacts it, the accessors do not.
#[derive(Clone, PartialEq, Eq)]
pub struct V1Signature {
    canonicalized_query_string: String,
    string_to_sign: String,
    signature: String,
}

impl V1Signature {
    /// Sorted, encoded `name=value` pairs joined with `&` (step 3).
    pub fn canonicalized_query_string(&self) -> &str {
        &self.canonicalized_query_string
    }

    /// `METHOD&%2F&` followed by the encoded canonicalized query string (step 4).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The Base64 signature, the value of the `Signature` parameter (step 5).
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

impl std::fmt::Debug for V1Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use super::redact_marked;
        f.debug_struct("V1Signature")
            .field(
                "canonicalized_query_string",
                &redact_marked(
                    &self.canonicalized_query_string,
                    "SecurityToken=",
                    &["&"],
                    "&",
                ),
            )
            .field(
                "string_to_sign",
                &redact_marked(
                    &self.string_to_sign,
                    "SecurityToken%3D",
                    &["%26", "&"],
                    "%26",
                ),
            )
            .field("signature", &self.signature)
            .finish()
    }
}

/// Signs the decoded `params` of one request: query and body parameters together, without
/// `Signature`, in any order.
///
/// # Errors
/// [`Error::InvalidParameter`] for an empty name and [`Error::DuplicateParameter`] for a name
/// given twice: the server could not know which value was meant.
///
/// ```
/// use di_proto::{Credentials, http::Method, sign::v1};
/// let credentials = Credentials::new("testid", "testsecret")?;
/// let signature = v1::sign(&Method::GET, &[("Format", "XML"), ("Action", "DescribeRegions")], &credentials)?;
/// assert_eq!(signature.canonicalized_query_string(), "Action=DescribeRegions&Format=XML");
/// assert_eq!(signature.string_to_sign(), "GET&%2F&Action%3DDescribeRegions%26Format%3DXML");
/// # Ok::<(), di_proto::Error>(())
/// ```
pub fn sign(
    method: &http::Method,
    params: &[(&str, &str)],
    credentials: &Credentials,
) -> Result<V1Signature, Error> {
    let canonicalized_query_string = canonicalized_query_string(params)?;
    let string_to_sign = string_to_sign(method, &canonicalized_query_string);
    let mut mac = credentials.v1_key().clone();
    mac.update(string_to_sign.as_bytes());
    let signature = BASE64.encode(mac.finalize().into_bytes());
    Ok(V1Signature {
        canonicalized_query_string,
        string_to_sign,
        signature,
    })
}

/// Steps 1 to 3: the sorted, encoded parameters.
///
/// # Errors
/// As [`sign`].
pub fn canonicalized_query_string(params: &[(&str, &str)]) -> Result<String, Error> {
    let mut sorted = params.to_vec();
    // Rust orders `str` by its UTF-8 bytes, which is the order the gateway uses.
    sorted.sort_unstable_by(|left, right| left.0.cmp(right.0));
    super::reject_repeated_names(&sorted)?;
    if let Some((name, _)) = sorted.first().filter(|(name, _)| name.is_empty()) {
        return Err(Error::InvalidParameter {
            name: (*name).to_owned(),
            reason: "the name is empty",
        });
    }
    // Room for typical escaping, so that the buffer rarely grows; it is one allocation.
    let raw_len: usize = sorted
        .iter()
        .map(|(name, value)| name.len() + value.len() + 2)
        .sum();
    let mut canonical = Vec::with_capacity(raw_len + raw_len / 2);
    for (index, (name, value)) in sorted.iter().enumerate() {
        if index > 0 {
            canonical.push(b'&');
        }
        percent_encode_into(&mut canonical, name);
        canonical.push(b'=');
        percent_encode_into(&mut canonical, value);
    }
    Ok(into_string(canonical))
}

/// Step 4: `METHOD&%2F&pct(canonicalized_query_string)`.
pub fn string_to_sign(method: &http::Method, canonicalized_query_string: &str) -> String {
    // The canonical string holds only unreserved bytes, `%`, `=` and `&`; each of the last
    // three grows by two bytes when encoded again.
    let escaped = canonicalized_query_string
        .bytes()
        .filter(|&byte| !is_unreserved(byte))
        .count();
    let method = method.as_str().as_bytes();
    let mut out =
        Vec::with_capacity(method.len() + 5 + canonicalized_query_string.len() + 2 * escaped);
    out.extend_from_slice(method);
    out.extend_from_slice(b"&%2F&");
    percent_encode_into(&mut out, canonicalized_query_string);
    into_string(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example (vector `v1-doc-describeregions`): ECS DescribeRegions.
    #[test]
    fn v1_matches_documented_example() {
        let credentials = Credentials::new("testid", "testsecret").unwrap();
        let params = [
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ];
        let signature = sign(&http::Method::GET, &params, &credentials).unwrap();
        assert_eq!(
            signature.canonicalized_query_string(),
            "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1\
             &SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0\
             &Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26"
        );
        assert_eq!(
            signature.string_to_sign(),
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
             %26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(signature.signature(), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    #[test]
    fn rejects_empty_and_repeated_names() {
        let credentials = Credentials::new("id", "secret").unwrap();
        assert_eq!(
            sign(&http::Method::POST, &[("A", "1"), ("", "2")], &credentials),
            Err(Error::InvalidParameter {
                name: String::new(),
                reason: "the name is empty"
            })
        );
        assert_eq!(
            sign(
                &http::Method::POST,
                &[("B", "1"), ("A", "2"), ("B", "3")],
                &credentials
            ),
            Err(Error::DuplicateParameter { name: "B".into() })
        );
    }

    #[test]
    fn sorts_by_raw_name_not_encoded_name() {
        // Raw `7` (0x37) sorts before `=` (0x3D), although the encoded `%3DQ` would sort
        // first; every ASCII name sorts before a non-ASCII one.
        let canonical = canonicalized_query_string(&[("é", "1"), ("=Q", "2"), ("7", "3")]).unwrap();
        assert_eq!(canonical, "7=3&%3DQ=2&%C3%A9=1");
    }
}
