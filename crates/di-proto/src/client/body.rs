//! The one rule for reading a response body under a cap (`ClientConfig::max_response_bytes`),
//! whatever the HTTP stack: the transport pushes the chunks it reads, and stops at the first
//! refusal.
//!
//! - A body of exactly the cap is accepted; one byte more is [`TooLarge`].
//! - A declared length (the framing's `Content-Length`) above the cap is refused before any
//!   byte is read; a declared length is never trusted the other way: bytes are counted.
//! - At most the cap is kept, and no more than 64 KiB is reserved ahead of the bytes.
//!
//! ```
//! use di_proto::client::body::CappedBody;
//!
//! let mut body = CappedBody::with_hint(8, Some(8))?;
//! body.push(b"{\"a\":")?;
//! body.push(b"1}")?;
//! assert!(body.push(b"  ").is_err()); // 9 bytes: over the cap
//! assert!(CappedBody::with_hint(8, Some(9)).is_err());
//! # Ok::<(), di_proto::client::body::TooLarge>(())
//! ```

use std::fmt;

/// Never reserve more than this ahead of the bytes, whatever the declared length.
const MAX_PREALLOCATION: usize = 64 * 1024;

/// A body larger than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("the response body exceeds {limit} bytes")]
pub struct TooLarge {
    limit: usize,
}

impl TooLarge {
    /// The cap, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// A response body being read under a cap: see the [module](self) for the rule.
///
/// Its `Debug` shows the sizes, never the bytes (an answer may carry a security token).
#[derive(Clone)]
pub struct CappedBody {
    limit: usize,
    bytes: Vec<u8>,
    exceeded: bool,
}

impl CappedBody {
    /// An empty body capped at `limit` bytes, with nothing reserved.
    pub fn new(limit: usize) -> CappedBody {
        CappedBody {
            limit,
            bytes: Vec::new(),
            exceeded: false,
        }
    }

    /// An empty body capped at `limit` bytes whose framing declares `content_length` bytes (if
    /// known): room for them is reserved (at most the cap, and at most 64 KiB).
    ///
    /// # Errors
    /// [`TooLarge`] when the declared length is above the cap: the body need not be read.
    pub fn with_hint(limit: usize, content_length: Option<u64>) -> Result<CappedBody, TooLarge> {
        let mut body = CappedBody::new(limit);
        if let Some(length) = content_length {
            let length = usize::try_from(length).unwrap_or(usize::MAX);
            if length > limit {
                body.exceeded = true;
                return Err(body.too_large());
            }
            body.bytes.reserve_exact(length.min(MAX_PREALLOCATION));
        }
        Ok(body)
    }

    /// Appends `chunk`.
    ///
    /// # Errors
    /// [`TooLarge`] when the body would exceed the cap; the chunk is not kept, and every later
    /// push fails too: stop reading.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TooLarge> {
        if self.exceeded || chunk.len() > self.remaining() {
            self.exceeded = true;
            return Err(self.too_large());
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// How many more bytes the cap allows (0 once it was exceeded).
    pub fn remaining(&self) -> usize {
        if self.exceeded {
            0
        } else {
            self.limit - self.bytes.len()
        }
    }

    /// The bytes accepted so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether no byte was accepted yet.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The cap, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The whole body, once the stack reports its end. (After a refusal, only the bytes
    /// accepted before it: a transport returns the error instead.)
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }

    fn too_large(&self) -> TooLarge {
        TooLarge { limit: self.limit }
    }
}

impl fmt::Debug for CappedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CappedBody")
            .field("limit", &self.limit)
            .field("len", &self.bytes.len())
            .field("exceeded", &self.exceeded)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Reads `body` in `chunk`-sized pieces under `limit`, with its length declared or not, as
    /// a transport does.
    fn read(limit: usize, body: &[u8], chunk: usize, declared: bool) -> Result<Vec<u8>, TooLarge> {
        let hint = declared.then_some(body.len() as u64);
        let mut capped = CappedBody::with_hint(limit, hint)?;
        for piece in body.chunks(chunk.max(1)) {
            capped.push(piece)?;
        }
        Ok(capped.finish())
    }

    #[test]
    fn exactly_the_cap_passes_one_more_byte_fails() {
        for declared in [false, true] {
            for chunk in [1, 3, 1024, 1025, 4096] {
                let at_cap = vec![b'x'; 1024];
                assert_eq!(read(1024, &at_cap, chunk, declared), Ok(at_cap.clone()));
                let over = vec![b'x'; 1025];
                assert_eq!(
                    read(1024, &over, chunk, declared),
                    Err(TooLarge { limit: 1024 }),
                    "{chunk} {declared}"
                );
            }
        }
        assert_eq!(read(0, b"", 1, true), Ok(Vec::new()));
        assert_eq!(read(0, b"x", 1, false), Err(TooLarge { limit: 0 }));
        assert_eq!(
            TooLarge { limit: 4096 }.to_string(),
            "the response body exceeds 4096 bytes"
        );
    }

    #[test]
    fn a_declared_length_over_the_cap_is_refused_before_reading() {
        assert_eq!(
            CappedBody::with_hint(1024, Some(1025)).unwrap_err().limit(),
            1024
        );
        assert!(CappedBody::with_hint(1024, Some(u64::MAX)).is_err());
        // Reserved: the declared length, at most 64 KiB.
        let body = CappedBody::with_hint(1 << 30, Some(10)).unwrap();
        assert!(body.bytes.capacity() >= 10 && body.bytes.capacity() < 1024);
        let body = CappedBody::with_hint(1 << 30, Some(1 << 29)).unwrap();
        assert!(body.bytes.capacity() <= 2 * MAX_PREALLOCATION);
        // A declared length under the cap is not trusted: bytes are counted.
        let mut body = CappedBody::with_hint(4, Some(1)).unwrap();
        assert_eq!(body.push(b"abcd"), Ok(()));
        assert!(body.push(b"e").is_err());
    }

    #[test]
    fn a_refusal_is_final() {
        let mut body = CappedBody::new(4);
        body.push(b"abc").unwrap();
        assert_eq!(body.remaining(), 1);
        assert!(body.push(b"de").is_err());
        assert_eq!(body.remaining(), 0);
        assert!(body.push(b"").is_err());
        assert!(body.push(b"d").is_err());
        assert_eq!(body.len(), 3);
        assert_eq!(
            format!("{body:?}"),
            "CappedBody { limit: 4, len: 3, exceeded: true }"
        );
        assert_eq!(body.finish(), b"abc");
    }

    proptest! {
        /// However the body is cut into chunks and whether its length is declared, it is
        /// accepted whole exactly when it fits the cap.
        #[test]
        fn accepts_exactly_what_fits(
            limit in 0usize..300,
            length in 0usize..300,
            chunk in 1usize..64,
            declared in any::<bool>(),
        ) {
            let body: Vec<u8> = (0..length).map(|i| i as u8).collect();
            match read(limit, &body, chunk, declared) {
                Ok(read) => {
                    prop_assert!(length <= limit);
                    prop_assert_eq!(read, body);
                }
                Err(error) => {
                    prop_assert!(length > limit);
                    prop_assert_eq!(error.limit(), limit);
                }
            }
        }
    }
}
