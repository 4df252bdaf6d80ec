//! The random parts of an attempt, from bytes the transport draws: its signature nonce and the
//! jitter of the backoff after it ([`crate::flow::CallFlow`] runs the attempts themselves).

/// A signature nonce from 16 random bytes: 32 lowercase hex digits. The caller draws the
/// bytes (di-proto has no randomness); every transport and tool formats them here, alike.
///
/// ```
/// assert_eq!(di_proto::nonce_from_bytes([0xab; 16]), "ab".repeat(16));
/// ```
pub fn nonce_from_bytes(bytes: [u8; 16]) -> String {
    let mut nonce = String::with_capacity(32);
    crate::sign::push_hex(&mut nonce, &bytes);
    nonce
}

/// An attempt's nonce and the random `u64` of its full-jitter backoff, from one draw of 24
/// random bytes: the first 16 make the nonce (as [`nonce_from_bytes`]), the last 8 the jitter
/// (little-endian). One draw of the operating system's generator per attempt serves both.
///
/// ```
/// let (nonce, jitter) = di_proto::internals::nonce_and_jitter_from_bytes([0xab; 24]);
/// assert_eq!(nonce, "ab".repeat(16));
/// assert_eq!(jitter, u64::from_le_bytes([0xab; 8]));
/// ```
pub fn nonce_and_jitter_from_bytes(bytes: [u8; 24]) -> (String, u64) {
    let [
        n0,
        n1,
        n2,
        n3,
        n4,
        n5,
        n6,
        n7,
        n8,
        n9,
        n10,
        n11,
        n12,
        n13,
        n14,
        n15,
        j @ ..,
    ] = bytes;
    (
        nonce_from_bytes([
            n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15,
        ]),
        u64::from_le_bytes(j),
    )
}
