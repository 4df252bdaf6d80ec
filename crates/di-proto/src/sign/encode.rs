//! Percent-encoding as the Alibaba Cloud gateway canonicalizes it.
//!
//! Only the RFC 3986 unreserved bytes `A-Z a-z 0-9 - _ . ~` stay as they are; every other byte
//! of the UTF-8 form becomes `%XX` with upper-case hex. So a space is `%20` (never `+`), `*` is
//! `%2A`, `~` is kept and `/` is `%2F`. Both signature versions and the wire form of every query
//! string and form body that di-proto builds use this one encoding.
//!
//! Encoding is ours: it is the hottest loop of signing, where the `percent-encoding` crate's
//! iterator spent about 11 instructions per byte under callgrind (see `docs/BENCHMARKS.md`).
//! Buffers are sized exactly up front (a counting pass the compiler vectorizes), then filled
//! by a table lookup per byte. Decoding, which only tests and servers need, is the
//! `percent-encoding` crate's; the property tests check our encoding against that crate too.

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
    let reserved = reserved_count(input.as_bytes());
    if reserved == 0 {
        out.extend_from_slice(input.as_bytes());
        return;
    }
    let start = out.len();
    out.resize(start + input.len() + 2 * reserved, 0);
    encode_to_slice(&mut out[start..], input.as_bytes());
}

/// How many bytes of `input` percent-encoding escapes; each grows by two bytes.
pub(crate) fn reserved_count(input: &[u8]) -> usize {
    // A table lookup and an add per byte. (Range tests let the compiler vectorize this loop,
    // but for parameter-sized inputs its widening shuffles cost more than they save.)
    input
        .iter()
        .map(|&byte| usize::from(!is_unreserved(byte)))
        .sum()
}

/// Writes the encoded form of `input` at the start of `out`, which must be at least
/// `encoded_len(input)` long, and returns the length written. A short `out` gets a truncated
/// encoding, never a panic.
pub(crate) fn encode_to_slice(out: &mut [u8], input: &[u8]) -> usize {
    let mut at = 0;
    for &byte in input {
        if is_unreserved(byte) {
            if let Some(slot) = out.get_mut(at) {
                *slot = byte;
            }
            at += 1;
        } else {
            if let Some(slots) = out.get_mut(at..at + 3) {
                slots.copy_from_slice(&[
                    b'%',
                    HEX_UPPER[usize::from(byte >> 4)],
                    HEX_UPPER[usize::from(byte & 0x0f)],
                ]);
            }
            at += 3;
        }
    }
    at
}

/// Writes the encoded form of `input` at the start of `canonical` and its encoded-twice form
/// at the start of `twice` (a `%` of the first becomes `%25` in the second), for V1's
/// canonical string and string to sign in one pass. Returns the two lengths written.
pub(crate) fn encode_twice_to_slices(
    canonical: &mut [u8],
    twice: &mut [u8],
    input: &[u8],
) -> (usize, usize) {
    if reserved_count(input) == 0 {
        // The common case, a name or value with nothing to escape: two copies.
        if let (Some(slot), Some(slot_twice)) = (
            canonical.get_mut(..input.len()),
            twice.get_mut(..input.len()),
        ) {
            slot.copy_from_slice(input);
            slot_twice.copy_from_slice(input);
        }
        return (input.len(), input.len());
    }
    let (mut at, mut at_twice) = (0, 0);
    for &byte in input {
        if is_unreserved(byte) {
            if let (Some(slot), Some(slot_twice)) = (canonical.get_mut(at), twice.get_mut(at_twice))
            {
                *slot = byte;
                *slot_twice = byte;
            }
            at += 1;
            at_twice += 1;
        } else {
            let high = HEX_UPPER[usize::from(byte >> 4)];
            let low = HEX_UPPER[usize::from(byte & 0x0f)];
            if let (Some(slots), Some(slots_twice)) = (
                canonical.get_mut(at..at + 3),
                twice.get_mut(at_twice..at_twice + 5),
            ) {
                slots.copy_from_slice(&[b'%', high, low]);
                slots_twice.copy_from_slice(&[b'%', b'2', b'5', high, low]);
            }
            at += 3;
            at_twice += 5;
        }
    }
    (at, at_twice)
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
    input.len() + 2 * reserved_count(input.as_bytes())
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
