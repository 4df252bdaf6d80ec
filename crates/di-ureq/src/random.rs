//! The randomness a call needs, from the operating system through `getrandom`: a fresh
//! signature nonce per attempt and the jitter of the retry backoff. Should the OS source fail,
//! the call fails: a guessable nonce is worse than none.

/// 16 random bytes as 32 lowercase hex digits: the `SignatureNonce` of one attempt.
pub(crate) fn nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(di_proto::nonce_from_bytes(bytes))
}

/// A uniformly random `u64`, for the full-jitter backoff of `di_proto::retry`.
pub(crate) fn jitter() -> Result<u64, getrandom::Error> {
    getrandom::u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_32_lowercase_hex_digits_and_differ() {
        let first = nonce().unwrap();
        assert_eq!(first.len(), 32);
        assert!(
            first
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        );
        assert_ne!(first, nonce().unwrap());
        // Two draws of 64 bits agree with probability 2^-64.
        assert_ne!(jitter().unwrap(), jitter().unwrap());
    }
}
