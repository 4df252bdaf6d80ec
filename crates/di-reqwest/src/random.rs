//! The randomness a call needs, from the operating system through `getrandom`: a fresh
//! signature nonce per attempt and the jitter of the retry backoff.

/// 16 random bytes as 32 lowercase hex digits: the `SignatureNonce` of one attempt.
pub(crate) fn nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(di_proto::nonce_from_bytes(bytes))
}

/// One attempt's nonce (as [`nonce`]) and a uniformly random `u64` for the full-jitter
/// backoff of `di_proto::retry`, from one draw of the operating system's generator.
pub(crate) fn nonce_and_jitter() -> Result<(String, u64), getrandom::Error> {
    let mut bytes = [0_u8; 24];
    getrandom::fill(&mut bytes)?;
    Ok(di_proto::nonce_and_jitter_from_bytes(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_32_lowercase_hex_digits_and_differ() {
        let first = nonce().unwrap();
        let (second, jitter) = nonce_and_jitter().unwrap();
        let (third, other_jitter) = nonce_and_jitter().unwrap();
        for nonce in [&first, &second, &third] {
            assert_eq!(nonce.len(), 32);
            assert!(
                nonce
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
            );
        }
        assert_ne!(first, second);
        assert_ne!(second, third);
        // Two draws of 64 bits agree with probability 2^-64.
        assert_ne!(jitter, other_jitter);
    }
}
