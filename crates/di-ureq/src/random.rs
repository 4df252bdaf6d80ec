//! Random bytes from the operating system, for each attempt's nonce and backoff jitter.

use crate::Error;
use crate::TransportErrorKind;

/// A signature nonce from 16 random bytes (for the credential exchanges).
pub(crate) fn nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(di_proto::nonce_from_bytes(bytes))
}

/// 24 random bytes: the nonce (16) and the jitter (8) of one attempt (see
/// [`di_proto::internals::nonce_and_jitter_from_bytes`]).
pub(crate) fn bytes() -> Result<[u8; 24], getrandom::Error> {
    let mut bytes = [0_u8; 24];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// The error of an attempt whose random bytes could not be drawn.
pub(crate) fn failed(action: &str, error: &getrandom::Error) -> Error {
    Error::Transport {
        action: action.to_owned(),
        attempts: 0,
        kind: TransportErrorKind::Other,
        message: format!("the operating system's random number generator failed: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ() {
        // Two draws of 192 bits agree with probability 2^-192.
        assert_ne!(bytes().unwrap(), bytes().unwrap());
    }
}
