//! Inputs for the stable driver: a seeded generator, and mutations of corpus entries in the
//! manner of libFuzzer's (bytes flipped, set, inserted, deleted, repeated; tokens inserted;
//! entries spliced; cuts).

/// A small, fast, seeded generator (xoshiro256**, seeded by SplitMix64). Not for secrets.
#[derive(Debug, Clone)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence follows from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng {
            state: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let [a, b, c, d] = &mut self.state;
        let result = b.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *b << 17;
        *c ^= *a;
        *d ^= *b;
        *b ^= *c;
        *a ^= *d;
        *c ^= t;
        *d = d.rotate_left(45);
        result
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        // The bias of a plain modulo is below 2^-40 for the bounds used here.
        (self.next_u64() % bound as u64) as usize
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// Bytes that matter to the parsers under test: structure, escapes, encodings, names.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"null",
    b"<",
    b">",
    b"</",
    b"/>",
    b"&amp;",
    b"&#x0;",
    b"&#1114112;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"<?xml version=\"1.0\"?>",
    b"<!DOCTYPE x [<!ENTITY a \"&a;&a;\">]>",
    b"&",
    b"=",
    b"%",
    b"%FF",
    b"%2",
    b"+",
    b"\r\n",
    b"\n\n",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"\"RequestId\":\"r\"",
    b"\"Code\":\"SignatureDoesNotMatch\"",
    b"\"Message\":\"",
    b"\"Data\":{\"Status\":\"fail\"}",
    b"<Code>",
    b"<Data><Status>success</Status></Data>",
    b"server string to sign is:",
    b"%26SecurityToken%3D",
    b"SecurityToken=",
    b"x-acs-security-token:",
    b"Signature=",
    b"SignatureNonce=",
    b"Action=DeleteDISyncTask",
    b"Content-Type: application/json\n",
    b"Content-Type: text/xml\n",
    b"Date: Tue, 02 Jul 2030 18:40:55 GMT\n",
    b"x-acs-retry-after: 1000\n",
    b"authorization: ACS3-HMAC-SHA256 Credential=",
    b"content-type: application/x-www-form-urlencoded\n",
];

/// Bytes that break numbers, lengths and ranges.
const INTERESTING: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b' ', b'\t', b'-'];

/// The largest input a mutation makes, in bytes.
pub const MAX_LEN: usize = 16 * 1024;

/// `seed` changed by one to eight mutations; `other` is another corpus entry to splice with.
pub fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    let most = if rng.one_in(4) { 8 } else { 2 };
    let rounds = 1 + rng.below(most);
    for _ in 0..rounds {
        mutate_once(rng, &mut data, other);
    }
    data.truncate(MAX_LEN);
    data
}

fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let len = data.len();
    match rng.below(11) {
        // Flip a bit.
        0 if len > 0 => {
            let at = rng.below(len);
            data[at] ^= 1 << rng.below(8);
        }
        // Set a byte to a random or interesting value.
        1 if len > 0 => {
            let at = rng.below(len);
            data[at] = if rng.one_in(2) {
                INTERESTING[rng.below(INTERESTING.len())]
            } else {
                rng.next_u64() as u8
            };
        }
        // Insert random bytes.
        2 => {
            let at = rng.below(len + 1);
            let count = 1 + rng.below(8);
            let bytes = rng.bytes(count);
            data.splice(at..at, bytes);
        }
        // Insert a token.
        3 | 4 => {
            let at = rng.below(len + 1);
            let token = TOKENS[rng.below(TOKENS.len())];
            data.splice(at..at, token.iter().copied());
        }
        // Delete a range.
        5 if len > 0 => {
            let at = rng.below(len);
            let count = 1 + rng.below((len - at).min(32));
            data.drain(at..at + count);
        }
        // Repeat a range.
        6 if len > 0 => {
            let at = rng.below(len);
            let count = 1 + rng.below((len - at).min(64));
            let piece: Vec<u8> = data[at..at + count].to_vec();
            let most = if rng.one_in(8) { 64 } else { 3 };
            let times = 1 + rng.below(most);
            let to = rng.below(len + 1);
            data.splice(to..to, piece.iter().copied().cycle().take(count * times));
        }
        // Splice: this entry's start with another's end, or a piece of another inserted.
        7 if !other.is_empty() => {
            let from = rng.below(other.len());
            if rng.one_in(2) {
                let at = rng.below(len + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            } else {
                let count = 1 + rng.below((other.len() - from).min(64));
                let at = rng.below(len + 1);
                data.splice(at..at, other[from..from + count].iter().copied());
            }
        }
        // Cut the end.
        8 if len > 0 => data.truncate(rng.below(len)),
        // Swap two bytes.
        9 if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            data.swap(a, b);
        }
        // Copy a range over another place.
        _ if len > 1 => {
            let from = rng.below(len);
            let count = 1 + rng.below((len - from).min(16));
            let to = rng.below(len - count + 1);
            let piece: Vec<u8> = data[from..from + count].to_vec();
            data[to..to + count].copy_from_slice(&piece);
        }
        _ => data.push(rng.next_u64() as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_follows_its_seed() {
        let first: Vec<u64> = (0..4)
            .map({
                let mut rng = Rng::new(7);
                move |_| rng.next_u64()
            })
            .collect();
        let again: Vec<u64> = (0..4)
            .map({
                let mut rng = Rng::new(7);
                move |_| rng.next_u64()
            })
            .collect();
        assert_eq!(first, again);
        assert_ne!(
            first,
            (0..4)
                .map({
                    let mut rng = Rng::new(8);
                    move |_| rng.next_u64()
                })
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn mutations_change_inputs_and_keep_the_bound() {
        let mut rng = Rng::new(1);
        let seed = b"HTTP/1.1 200 OK\n\n{\"RequestId\":\"r\"}".as_slice();
        let mut changed = 0;
        for _ in 0..10_000 {
            let mutated = mutate(&mut rng, seed, b"<Error><Code>x</Code></Error>");
            assert!(mutated.len() <= MAX_LEN);
            changed += usize::from(mutated != seed);
        }
        assert!(changed > 9_000, "{changed}");
    }
}
