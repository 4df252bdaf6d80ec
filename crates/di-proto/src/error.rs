//! The error type of di-proto.

/// Everything that can go wrong inside di-proto.
///
/// Input errors are caught before any request exists, so a caller that sees one knows that
/// nothing was sent. Messages name the failing input but never contain an AccessKey secret or
/// a security token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The AccessKey id, secret or security token cannot be used to sign.
    #[error("invalid credentials: {reason}")]
    InvalidCredentials {
        /// What is wrong, without the secret itself.
        reason: &'static str,
    },

    /// An API parameter name or value cannot be signed or sent.
    #[error("invalid parameter {name:?}: {reason}")]
    InvalidParameter {
        /// The parameter name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The same parameter name was given twice (in the query, the body, or across both).
    #[error("parameter {name:?} is given more than once")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },

    /// The action or API version cannot be sent.
    #[error("invalid {field} {value:?}: {reason}")]
    InvalidOperation {
        /// `action` or `version`.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The nonce cannot be sent.
    #[error("invalid signature nonce: {reason}")]
    InvalidNonce {
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A Unix time outside what the wire format can carry (1970-01-01 to 9999-12-31, UTC).
    #[error("timestamp {unix_seconds} s is outside 1970-01-01T00:00:00Z..=9999-12-31T23:59:59Z")]
    TimestampOutOfRange {
        /// The rejected Unix time, in seconds.
        unix_seconds: i64,
    },

    /// A text that is not a `yyyy-MM-ddTHH:mm:ssZ` UTC timestamp.
    #[error("invalid timestamp {input:?}: expected yyyy-MM-ddTHH:mm:ssZ")]
    InvalidTimestamp {
        /// The rejected text, cut to 64 bytes.
        input: String,
    },

    /// A header that the V3 signer cannot sign.
    #[error("invalid header {name:?}: {reason}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// An endpoint that is not `http(s)://host[:port]`.
    #[error("invalid endpoint {input:?}: {reason}")]
    InvalidEndpoint {
        /// The rejected endpoint, cut to 256 bytes.
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Body parameters on a method that sends no body.
    #[error("{method} requests carry no body, but body parameters were given")]
    BodyNotAllowed {
        /// The HTTP method of the request.
        method: http::Method,
    },
}

/// Cuts `input` to at most `max` bytes on a character boundary, for error messages.
pub(crate) fn truncate_for_message(input: &str, max: usize) -> String {
    if input.len() <= max {
        return input.to_owned();
    }
    let mut end = max;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", input.get(..end).unwrap_or_default())
}
