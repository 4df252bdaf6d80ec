//! Percent-encoding as the Alibaba Cloud gateway canonicalizes it.
//!
//! Only the RFC 3986 unreserved bytes `A-Z a-z 0-9 - _ . ~` stay as they are; every other byte
//! of the UTF-8 form becomes `%XX` with upper-case hex. So a space is `%20` (never `+`), `*` is
//! `%2A`, `~` is kept and `/` is `%2F`. Both signature versions and the wire form of every query
//! string and form body that di-proto builds use this one encoding.
//!
//! Encoding is ours, a table lookup per byte into a byte buffer: it is the hottest loop of
//! signing, where the `percent-encoding` crate's iterator spent about 11 instructions per byte
//! under callgrind (see `docs/BENCHMARKS.md`). Decoding, which only tests and servers need,
//! uses the crate; the property tests check the two against each other.

use percent_encoding::percent_decode_str;

/// `UNRESERVED[byte]` is `true` for `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~';
        byte += 1;
    }
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Returns `true` for the bytes that percent-encoding leaves alone.
pub fn is_unreserved(byte: u8) -> bool {
    UNRESERVED[usize::from(byte)]
}

/// Percent-encodes `input` into a new string.
///
/// ```
/// use di_proto::sign::encode::percent_encode;
/// assert_eq!(percent_encode("a b*c~/é"), "a%20b%2Ac~%2F%C3%A9");
/// ```
pub fn percent_encode(input: &str) -> String {
    let mut out = Vec::with_capacity(encoded_len(input));
    percent_encode_into(&mut out, input);
    into_string(out)
}

/// Appends the percent-encoded form of `input` to the byte buffer `out`. What it appends is
/// always ASCII.
pub fn percent_encode_into(out: &mut Vec<u8>, input: &str) {
    // Reserving the worst case up front keeps every push below free of reallocation; a byte at
    // a time beats copying runs, which are short in parameters.
    out.reserve(input.len() * 3);
    for &byte in input.as_bytes() {
        if is_unreserved(byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX_UPPER[usize::from(byte >> 4)],
                HEX_UPPER[usize::from(byte & 0x0f)],
            ]);
        }
    }
}

/// Turns a buffer that [`percent_encode_into`] and other ASCII writers filled into a `String`.
pub(crate) fn into_string(buffer: Vec<u8>) -> String {
    // Everything appended to such a buffer is ASCII or whole UTF-8 text, so this never takes
    // the lossy branch; it exists so that a bug could not become a panic.
    String::from_utf8(buffer)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
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
