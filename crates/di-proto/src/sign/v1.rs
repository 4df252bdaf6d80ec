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

use super::encode::{
    encode_to_slice, encode_twice_to_slices, into_string, percent_encode_into, reserved_count,
};
use crate::{Credentials, Error};

/// The intermediates and the result of a V1 signature.
///
/// The canonical string and the string to sign hold every signed parameter in clear, an STS
/// `SecurityToken` included; `Debug` redacts it, the accessors do not.
#[derive(Clone, PartialEq, Eq)]
pub struct V1Signature {
    /// The canonical string, the string to sign and the signature, one after the other: one
    /// allocation per signature.
    text: String,
    canonical_end: usize,
    string_to_sign_end: usize,
}

impl V1Signature {
    /// No signature: what a moved-out [`crate::SignedRequest`] leaves behind.
    pub(crate) fn empty() -> Self {
        V1Signature {
            text: String::new(),
            canonical_end: 0,
            string_to_sign_end: 0,
        }
    }

    /// Sorted, encoded `name=value` pairs joined with `&` (step 3).
    pub fn canonicalized_query_string(&self) -> &str {
        self.text.get(..self.canonical_end).unwrap_or_default()
    }

    /// `METHOD&%2F&` followed by the encoded canonicalized query string (step 4).
    pub fn string_to_sign(&self) -> &str {
        self.text
            .get(self.canonical_end..self.string_to_sign_end)
            .unwrap_or_default()
    }

    /// The Base64 signature, the value of the `Signature` parameter (step 5).
    pub fn signature(&self) -> &str {
        self.text.get(self.string_to_sign_end..).unwrap_or_default()
    }
}

/// The intermediates hold an STS token in clear: their bytes are wiped when dropped.
impl Drop for V1Signature {
    fn drop(&mut self) {
        super::wipe(&mut self.text);
    }
}

impl std::fmt::Debug for V1Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use super::redact_marked;
        // The string to sign holds the canonical query percent-encoded once more.
        let string_to_sign = super::REDACTED_PARAMETERS.iter().fold(
            self.string_to_sign().to_owned(),
            |text, name| {
                redact_marked(&text, &format!("{name}%3D"), &["%26", "&"], "%26").into_owned()
            },
        );
        f.debug_struct("V1Signature")
            .field(
                "canonicalized_query_string",
                &super::redact_query(self.canonicalized_query_string()),
            )
            .field("string_to_sign", &string_to_sign)
            .field("signature", &self.signature())
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
    let sorted = sorted_checked(params)?;
    Ok(sign_sorted(method, &sorted, credentials))
}

/// [`sign`] over parameters already sorted by raw name, with no empty and no repeated name.
pub(crate) fn sign_sorted(
    method: &http::Method,
    sorted: &[(&str, &str)],
    credentials: &Credentials,
) -> V1Signature {
    // One counting pass sizes everything: the canonical string grows by two bytes per escaped
    // byte, and the string to sign escapes again every `%`, `=` and `&` of it.
    let (raw, escaped) = sorted.iter().fold((0, 0), |(raw, escaped), (name, value)| {
        (
            raw + name.len() + value.len(),
            escaped + reserved_count(name.as_bytes()) + reserved_count(value.as_bytes()),
        )
    });
    let separators = (2 * sorted.len()).saturating_sub(1);
    let canonical_len = raw + 2 * escaped + separators;
    let method = method.as_str().as_bytes();
    let string_to_sign_len = method.len() + 5 + canonical_len + 2 * (escaped + separators);
    let mut text = vec![0; canonical_len + string_to_sign_len + BASE64_SHA1_LEN];

    let (canonical, rest) = text.split_at_mut(canonical_len);
    let (string_to_sign, signature) = rest.split_at_mut(string_to_sign_len);
    let prefix = method.len() + 5;
    if let Some((head, _)) = string_to_sign.split_at_mut_checked(prefix) {
        let (method_part, slash) = head.split_at_mut(method.len());
        method_part.copy_from_slice(method);
        slash.copy_from_slice(b"&%2F&");
    }
    let (mut at, mut at_twice) = (0, prefix);
    for (index, (name, value)) in sorted.iter().enumerate() {
        if index > 0 {
            put(canonical, at, b"&");
            put(string_to_sign, at_twice, b"%26");
            at += 1;
            at_twice += 3;
        }
        for (part, separator) in [(name, &b"="[..]), (value, &b""[..])] {
            let (written, written_twice) = encode_twice_to_slices(
                canonical.get_mut(at..).unwrap_or_default(),
                string_to_sign.get_mut(at_twice..).unwrap_or_default(),
                part.as_bytes(),
            );
            at += written;
            at_twice += written_twice;
            if !separator.is_empty() {
                put(canonical, at, separator);
                put(string_to_sign, at_twice, b"%3D");
                at += 1;
                at_twice += 3;
            }
        }
    }

    let mut mac = credentials.v1_key().clone();
    mac.update(string_to_sign);
    let written = BASE64
        .encode_slice(mac.finalize().into_bytes(), signature)
        .unwrap_or_default();
    debug_assert_eq!(written, BASE64_SHA1_LEN);
    V1Signature {
        text: into_string(text),
        canonical_end: canonical_len,
        string_to_sign_end: canonical_len + string_to_sign_len,
    }
}

/// The Base64 length of a 20-byte SHA-1 MAC.
const BASE64_SHA1_LEN: usize = 28;

/// Copies `bytes` into `out` at `at`, when they fit (they always do: the buffers are sized
/// exactly before they are filled).
fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(slot) = out.get_mut(at..at + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
}

/// A sorted copy of `params`, checked for empty and repeated names.
pub(crate) fn sorted_checked<'p>(
    params: &[(&'p str, &'p str)],
) -> Result<Vec<(&'p str, &'p str)>, Error> {
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
    Ok(sorted)
}

/// Steps 1 to 3: the sorted, encoded parameters.
///
/// # Errors
/// As [`sign`].
pub fn canonicalized_query_string(params: &[(&str, &str)]) -> Result<String, Error> {
    let sorted = sorted_checked(params)?;
    Ok(canonical_of_sorted(&sorted))
}

/// Step 3 over parameters already sorted and checked.
pub(crate) fn canonical_of_sorted(sorted: &[(&str, &str)]) -> String {
    let mut canonical = Vec::with_capacity(canonical_len(sorted));
    write_canonical(&mut canonical, sorted);
    into_string(canonical)
}

/// The exact length of the canonical string of `sorted`.
pub(crate) fn canonical_len(sorted: &[(&str, &str)]) -> usize {
    sorted
        .iter()
        .map(|(name, value)| {
            name.len()
                + value.len()
                + 2 * (reserved_count(name.as_bytes()) + reserved_count(value.as_bytes()))
                + 2
        })
        .sum::<usize>()
        .saturating_sub(1)
}

/// Appends the canonical string of `sorted` to `out`.
pub(crate) fn write_canonical(out: &mut Vec<u8>, sorted: &[(&str, &str)]) {
    for (index, (name, value)) in sorted.iter().enumerate() {
        if index > 0 {
            out.push(b'&');
        }
        percent_encode_into(out, name);
        out.push(b'=');
        percent_encode_into(out, value);
    }
}

/// Step 4: `METHOD&%2F&pct(canonicalized_query_string)`.
pub fn string_to_sign(method: &http::Method, canonicalized_query_string: &str) -> String {
    let method = method.as_str().as_bytes();
    let canonical = canonicalized_query_string.as_bytes();
    let mut out = vec![0; method.len() + 5 + canonical.len() + 2 * reserved_count(canonical)];
    put(&mut out, 0, method);
    put(&mut out, method.len(), b"&%2F&");
    encode_to_slice(
        out.get_mut(method.len() + 5..).unwrap_or_default(),
        canonical,
    );
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
