//! [`Interrupt`]: how a caller asks running flows to stop at their next step boundary.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A flag that running flows watch ([`crate::Client::run_with`]): once triggered, each flow
/// starts no new call and ends at its next step boundary, and a sleep in progress (a backoff,
/// a wait between polls) ends at once. Clones share the flag.
///
/// ```
/// let interrupt = di_ureq::Interrupt::new();
/// let handle = interrupt.clone();
/// assert!(!interrupt.is_triggered());
/// handle.trigger();
/// assert!(interrupt.is_triggered());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    state: Arc<(Mutex<bool>, Condvar)>,
}

impl Interrupt {
    /// A flag not triggered yet.
    pub fn new() -> Self {
        Interrupt::default()
    }

    /// Triggers the flag and wakes every sleeping flow.
    pub fn trigger(&self) {
        let (flag, woken) = &*self.state;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        woken.notify_all();
    }

    /// Whether the flag was triggered.
    pub fn is_triggered(&self) -> bool {
        *self.state.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps `delay`, or less when the flag is (or gets) triggered.
    pub(crate) fn sleep(&self, delay: Duration) {
        let (flag, woken) = &*self.state;
        let Some(until) = Instant::now().checked_add(delay) else {
            // A delay past the end of time: until triggered.
            let guard = flag.lock().unwrap_or_else(PoisonError::into_inner);
            drop(woken.wait_while(guard, |triggered| !*triggered));
            return;
        };
        let mut triggered = flag.lock().unwrap_or_else(PoisonError::into_inner);
        while !*triggered {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            triggered = woken
                .wait_timeout(triggered, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trigger_ends_a_sleep_in_progress() {
        // A delay the clock can reach (a timed wait), and one it cannot (a wait until
        // triggered).
        for delay in [Duration::from_secs(3600), Duration::MAX] {
            let interrupt = Interrupt::new();
            let sleeper = interrupt.clone();
            let (about_to_sleep, ready) = std::sync::mpsc::channel();
            let (slept, woke) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                about_to_sleep.send(()).unwrap();
                sleeper.sleep(delay);
                slept.send(()).unwrap();
            });
            ready.recv().unwrap();
            interrupt.trigger();
            // Only the trigger can end either sleep this side of an hour; the bound turns a
            // sleeper the trigger missed into a failure instead of a hang.
            assert_eq!(
                woke.recv_timeout(Duration::from_secs(60)),
                Ok(()),
                "{delay:?}"
            );
            // Triggered: sleeps return at once.
            interrupt.sleep(delay);
        }
    }
}
