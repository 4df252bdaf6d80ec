//! Percent-encoding as the Alibaba Cloud gateway canonicalizes it.
//!
//! Only the RFC 3986 unreserved bytes `A-Z a-z 0-9 - _ . ~` stay as they are; every other byte
//! of the UTF-8 form becomes `%XX` with upper-case hex. So a space is `%20` (never `+`), `*` is
//! `%2A`, `~` is kept and `/` is `%2F`. Both signature versions and the wire form of every query
//! string and form body that di-proto builds use this one encoding.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The bytes that get escaped: everything but the unreserved set.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Returns `true` for the bytes that percent-encoding leaves alone.
pub fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes `input` into a new string.
///
/// ```
/// use di_proto::sign::encode::percent_encode;
/// assert_eq!(percent_encode("a b*c~/é"), "a%20b%2Ac~%2F%C3%A9");
/// ```
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(encoded_len(input));
    percent_encode_into(&mut out, input);
    out
}

/// Appends the percent-encoded form of `input` to `out`, without allocating for runs of
/// unreserved bytes.
pub fn percent_encode_into(out: &mut String, input: &str) {
    for chunk in utf8_percent_encode(input, ESCAPED) {
        out.push_str(chunk);
    }
}

/// The exact length of `percent_encode(input)`, for sizing buffers up front.
pub fn encoded_len(input: &str) -> usize {
    input
        .bytes()
        .map(|byte| if is_unreserved(byte) { 1 } else { 3 })
        .sum()
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8.
///
/// A `%` that is not followed by two hex digits is kept as it is, and `+` stays `+`: this is
/// the inverse of [`percent_encode`], not a form decoder.
pub fn percent_decode(input: &str) -> Option<String> {
    percent_decode_str(input)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}
