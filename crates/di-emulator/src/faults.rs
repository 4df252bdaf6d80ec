//! Misbehaviour on demand: which fault the next request (or the next request of an action)
//! meets.

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

/// Which requests meet which faults: queued faults first (each for its next N requests, or
/// its next N requests of one action, in the order added), then faults at a rate (per mille,
/// drawn from a seeded generator so that runs repeat).
#[derive(Debug, Clone)]
pub struct FaultPlan {
    /// `(the action aimed at, if any; the fault; the requests left)`.
    queued: Vec<(Option<String>, Fault, u64)>,
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
    /// Serves `fault` to the next `count` requests, whatever their action (after the faults
    /// queued before it).
    pub fn push_next(&mut self, fault: Fault, count: u64) {
        if count > 0 {
            self.queued.push((None, fault, count));
        }
    }

    /// Serves `fault` to the next `count` requests of action `action` (as
    /// `DeleteDISyncTask`, matched exactly: the V1 `Action` parameter, or the V3
    /// `x-acs-action` header), after the faults queued before it that apply to them; requests
    /// of other actions pass it by.
    pub fn push_next_for(&mut self, action: impl Into<String>, fault: Fault, count: u64) {
        if count > 0 {
            self.queued.push((Some(action.into()), fault, count));
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

    /// The fault the next request meets, if any, for a request whose action is not known:
    /// the faults queued for an action pass it by. The same as `next_fault_for(None)`.
    pub fn next_fault(&mut self) -> Option<Fault> {
        self.next_fault_for(None)
    }

    /// The fault the next request, of action `action` when known, meets, if any: the first
    /// queued fault that applies to it (queued for every action, or for this one), else one
    /// at a rate.
    pub fn next_fault_for(&mut self, action: Option<&str>) -> Option<Fault> {
        let applies = |target: &Option<String>| match target {
            None => true,
            Some(target) => action == Some(target.as_str()),
        };
        if let Some(index) = self
            .queued
            .iter()
            .position(|(target, _, _)| applies(target))
        {
            let (_, fault, remaining) = &mut self.queued[index];
            let fault = *fault;
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                self.queued.remove(index);
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
    fn faults_for_an_action_wait_for_a_request_of_it() {
        let mut plan = FaultPlan::default();
        plan.push_next_for("DeleteDISyncTask", Fault::LostResponse, 2);
        plan.push_next(Fault::InternalError, 1);
        plan.push_next_for("GetDISyncInstanceInfo", Fault::ProxyHtml502, 0);
        // Other actions, and requests of no known action, pass the targeted fault by.
        assert_eq!(
            plan.next_fault_for(Some("TerminateDISyncInstance")),
            Some(Fault::InternalError)
        );
        assert_eq!(plan.next_fault_for(Some("TerminateDISyncInstance")), None);
        assert_eq!(plan.next_fault_for(Some("GetDISyncInstanceInfo")), None);
        assert_eq!(plan.next_fault(), None);
        assert_eq!(plan.next_fault_for(Some("deletedisynctask")), None);
        assert_eq!(
            plan.next_fault_for(Some("DeleteDISyncTask")),
            Some(Fault::LostResponse)
        );
        assert_eq!(plan.next_fault_for(None), None);
        assert_eq!(
            plan.next_fault_for(Some("DeleteDISyncTask")),
            Some(Fault::LostResponse)
        );
        assert_eq!(plan.next_fault_for(Some("DeleteDISyncTask")), None);
        // An earlier fault for every action comes first; a later one waits.
        plan.push_next(Fault::InternalError, 1);
        plan.push_next_for("DeleteDISyncTask", Fault::ConnectionReset, 1);
        plan.push_next(Fault::ProxyHtml502, 1);
        assert_eq!(
            plan.next_fault_for(Some("DeleteDISyncTask")),
            Some(Fault::InternalError)
        );
        assert_eq!(
            plan.next_fault_for(Some("DeleteDISyncTask")),
            Some(Fault::ConnectionReset)
        );
        assert_eq!(
            plan.next_fault_for(Some("DeleteDISyncTask")),
            Some(Fault::ProxyHtml502)
        );
        plan.push_next_for("DeleteDISyncTask", Fault::ConnectionReset, 1);
        plan.clear();
        assert_eq!(plan.next_fault_for(Some("DeleteDISyncTask")), None);
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
