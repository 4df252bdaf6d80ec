//! The two request-signing schemes of Alibaba Cloud RPC APIs.
//!
//! - [`v1`]: the RPC signature, `SignatureMethod=HMAC-SHA1` with `SignatureVersion=1.0` on the
//!   wire (the Tea SDKs call it `v2`). The signature is a query parameter.
//! - [`v3`]: `ACS3-HMAC-SHA256`, the default of today's official SDKs. The signature is the
//!   `Authorization` header.
//!
//! Both work on already-decoded parameters and return every intermediate (canonical string,
//! string to sign) beside the signature, so that a mismatch can be diagnosed. They are the
//! functions the golden vectors check; [`crate::Signer`] builds whole requests on top of them.

#[doc(hidden)]
pub mod encode;
#[doc(hidden)]
pub mod v1;
#[doc(hidden)]
pub mod v3;

use crate::Error;

/// Which signature scheme a request carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SignatureVersion {
    /// HMAC-SHA1 RPC signature (`SignatureVersion=1.0` on the wire; `v2` in the Tea SDKs).
    V1,
    /// `ACS3-HMAC-SHA256` in the `Authorization` header, as today's official SDKs send by
    /// default.
    #[default]
    V3,
}

/// The intermediates and the result of signing one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// A V1 (HMAC-SHA1) signature.
    V1(v1::V1Signature),
    /// A V3 (`ACS3-HMAC-SHA256`) signature.
    V3(v3::V3Signature),
}

impl Signature {
    /// The string to sign, the text the server compares when it answers
    /// `SignatureDoesNotMatch`.
    pub fn string_to_sign(&self) -> &str {
        match self {
            Signature::V1(signature) => signature.string_to_sign(),
            Signature::V3(signature) => signature.string_to_sign(),
        }
    }
}

/// Checks that no name repeats in `pairs`, which must be sorted by name.
pub(crate) fn reject_repeated_names<V>(sorted: &[(&str, V)]) -> Result<(), Error> {
    match sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        Some(pair) => Err(Error::DuplicateParameter {
            name: pair[0].0.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Wipes `text` (a signature's buffer, an operation's secret field) and leaves it empty: its
/// bytes and its spare capacity, each in bulk (one `memset` behind an optimization barrier,
/// where `String::zeroize` writes the bytes one by one).
pub(crate) fn wipe(text: &mut String) {
    use zeroize::Zeroize;
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.as_mut_slice().zeroize();
    bytes.spare_capacity_mut().zeroize();
}

/// Appends the lower-case hex form of `bytes` to `out`.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    let mut hex = Vec::with_capacity(2 * bytes.len());
    push_hex_bytes(&mut hex, bytes);
    out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
}

/// Appends the lower-case hex form of `bytes` to the byte buffer `out`.
pub(crate) fn push_hex_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &byte in bytes {
        out.extend_from_slice(&[
            DIGITS[usize::from(byte >> 4)],
            DIGITS[usize::from(byte & 0x0f)],
        ]);
    }
}

/// The text that stands in for a redacted secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Replaces with [`REDACTED`] every value that follows `marker` (where `marker` starts `text`
/// or follows one of `preceded_by`) up to `terminator` or the end of `text`.
pub(crate) fn redact_marked<'t>(
    text: &'t str,
    marker: &str,
    preceded_by: &[&str],
    terminator: &str,
) -> std::borrow::Cow<'t, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut search_from = 0;
    while let Some(found) = text.get(search_from..).and_then(|rest| rest.find(marker)) {
        let start = search_from + found;
        let value_start = start + marker.len();
        search_from = value_start;
        let before = text.get(..start).unwrap_or_default();
        if start != 0 && !preceded_by.iter().any(|prefix| before.ends_with(prefix)) {
            continue;
        }
        let rest = text.get(value_start..).unwrap_or_default();
        let value_end = value_start + rest.find(terminator).unwrap_or(rest.len());
        out.push_str(text.get(copied..value_start).unwrap_or_default());
        out.push_str(REDACTED);
        copied = value_end;
        search_from = value_end;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    std::borrow::Cow::Owned(out)
}

/// Redacts the value of query parameter `name` in a URL or query string.
pub(crate) fn redact_query_value<'t>(text: &'t str, name: &str) -> std::borrow::Cow<'t, str> {
    redact_marked(text, &format!("{name}="), &["&", "?"], "&")
}

/// The parameters whose values `Debug` never shows: the STS token, and the task scripts and
/// settings (`TaskContent`, `TaskParam`), which can hold a data source's password.
pub(crate) const REDACTED_PARAMETERS: [&str; 3] = ["SecurityToken", "TaskContent", "TaskParam"];

/// A URL or query string (`A=1&B=2`) with the values of [`REDACTED_PARAMETERS`] redacted.
pub(crate) fn redact_query(text: &str) -> String {
    REDACTED_PARAMETERS
        .iter()
        .fold(text.to_owned(), |text, name| {
            redact_query_value(&text, name).into_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_only_whole_names() {
        assert_eq!(
            redact_query_value("https://h/?A=1&SecurityToken=abc&B=2", "SecurityToken"),
            "https://h/?A=1&SecurityToken=<redacted>&B=2"
        );
        assert_eq!(
            redact_query_value("SecurityToken=abc", "SecurityToken"),
            "SecurityToken=<redacted>"
        );
        assert_eq!(
            redact_query_value("XSecurityToken=abc&SecurityToken=d", "SecurityToken"),
            "XSecurityToken=abc&SecurityToken=<redacted>"
        );
        assert_eq!(redact_query_value("A=1", "SecurityToken"), "A=1");
        assert_eq!(
            redact_marked("a\nx-t:v1\nx-t:v2", "x-t:", &["\n"], "\n"),
            "a\nx-t:<redacted>\nx-t:<redacted>"
        );
    }
}
