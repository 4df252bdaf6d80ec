//! Misbehaviour on demand: which fault the next request meets.

use std::time::Duration;

/// One way for the emulator to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 500 `InternalError.System`; nothing changes.
    InternalError,
    /// HTTP 429 `Throttling.User`, with `x-acs-retry-after` (milliseconds) when given; nothing
    /// changes.
    Throttling {
        /// The `x-acs-retry-after` value, if any.
        retry_after_ms: Option<u64>,
    },
    /// HTTP 502 with an HTML page, as a proxy in front of the service sends; nothing changes.
    ProxyHtml502,
    /// The request is served (the change applies), but the 200 body is cut in half, with a
    /// `Content-Length` that matches the cut body.
    TruncatedBody,
    /// The request is served normally after this delay.
    Delay(Duration),
    /// The request is served (the change applies); the headers go out at once and the body
    /// trickles, one byte per second.
    StalledBody,
    /// The connection is closed without an answer; nothing changes.
    ConnectionReset,
    /// The request is served (the change applies), then the connection is closed before any
    /// answer: the client cannot tell whether the change happened.
    LostResponse,
    /// The request is served (the change applies), and the answer is padded with trailing
    /// spaces to `bytes` bytes, for clients' response caps.
    HugeBody {
        /// The length of the padded body.
        bytes: u64,
    },
}

/// Which requests meet which faults: queued faults first (each for its next N requests, in
/// the order added), then faults at a rate (per mille, drawn from a seeded generator so that
/// runs repeat).
#[derive(Debug, Clone)]
pub struct FaultPlan {
    queued: Vec<(Fault, u64)>,
    rated: Vec<(Fault, u16)>,
    rng: u64,
}

impl Default for FaultPlan {
    fn default() -> Self {
        FaultPlan {
            queued: Vec::new(),
            rated: Vec::new(),
            rng: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

impl FaultPlan {
    /// Serves `fault` to the next `count` requests (after the faults queued before it).
    pub fn push_next(&mut self, fault: Fault, count: u64) {
        if count > 0 {
            self.queued.push((fault, count));
        }
    }

    /// Serves `fault` to `per_mille` out of 1000 requests, at random (capped at 1000).
    pub fn push_rate(&mut self, fault: Fault, per_mille: u16) {
        if per_mille > 0 {
            self.rated.push((fault, per_mille.min(1000)));
        }
    }

    /// Seeds the generator behind the rated faults.
    pub fn seed(&mut self, seed: u64) {
        // xorshift needs a non-zero state.
        self.rng = seed | 1;
    }

    /// Forgets every fault.
    pub fn clear(&mut self) {
        self.queued.clear();
        self.rated.clear();
    }

    /// The fault the next request meets, if any.
    pub fn next_fault(&mut self) -> Option<Fault> {
        if let Some((fault, remaining)) = self.queued.first_mut() {
            let fault = *fault;
            *remaining -= 1;
            if *remaining == 0 {
                self.queued.remove(0);
            }
            return Some(fault);
        }
        for index in 0..self.rated.len() {
            let (fault, per_mille) = self.rated[index];
            if self.draw() % 1000 < u64::from(per_mille) {
                return Some(fault);
            }
        }
        None
    }

    fn draw(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_first_and_run_out() {
        let mut plan = FaultPlan::default();
        plan.push_next(Fault::InternalError, 2);
        plan.push_next(Fault::LostResponse, 1);
        plan.push_next(Fault::ProxyHtml502, 0);
        assert_eq!(plan.next_fault(), Some(Fault::InternalError));
        assert_eq!(plan.next_fault(), Some(Fault::InternalError));
        assert_eq!(plan.next_fault(), Some(Fault::LostResponse));
        assert_eq!(plan.next_fault(), None);
    }

    #[test]
    fn rated_faults_follow_their_rate() {
        let mut plan = FaultPlan::default();
        plan.push_rate(Fault::InternalError, 250);
        let hits = (0..10_000).filter(|_| plan.next_fault().is_some()).count();
        assert!((2_200..2_800).contains(&hits), "{hits}");
        plan.clear();
        assert_eq!(plan.next_fault(), None);
    }
}
