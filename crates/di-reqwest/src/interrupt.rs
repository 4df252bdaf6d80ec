//! [`Interrupt`]: how a caller asks running flows to stop at their next step boundary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// A flag that running flows watch ([`crate::Client::run_with`]): once triggered, each flow
/// starts no new call and ends at its next step boundary, and a sleep in progress (a backoff,
/// a wait between polls) ends at once. Clones share the flag.
///
/// ```
/// let interrupt = di_reqwest::Interrupt::new();
/// let handle = interrupt.clone();
/// assert!(!interrupt.is_triggered());
/// handle.trigger();
/// assert!(interrupt.is_triggered());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    state: Arc<State>,
}

#[derive(Debug, Default)]
struct State {
    triggered: AtomicBool,
    woken: Notify,
}

impl Interrupt {
    /// A flag not triggered yet.
    pub fn new() -> Self {
        Interrupt::default()
    }

    /// Triggers the flag and wakes every sleeping flow.
    pub fn trigger(&self) {
        self.state.triggered.store(true, Ordering::SeqCst);
        self.state.woken.notify_waiters();
    }

    /// Whether the flag was triggered.
    pub fn is_triggered(&self) -> bool {
        self.state.triggered.load(Ordering::SeqCst)
    }

    /// Sleeps `delay`, or less when the flag is (or gets) triggered.
    pub(crate) async fn sleep(&self, delay: Duration) {
        let mut woken = std::pin::pin!(self.state.woken.notified());
        // Registered before the check, so that a trigger between the two still wakes it.
        woken.as_mut().enable();
        if self.is_triggered() {
            return;
        }
        // A delay too long for the timer is a sleep until triggered.
        match tokio::time::Instant::now().checked_add(delay) {
            Some(until) => {
                let _ = tokio::time::timeout_at(until, woken).await;
            }
            None => woken.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On tokio's paused clock, which jumps to the next timer whenever every task waits: a
    /// sleep the trigger failed to wake would end by the jump, an hour later on that clock.
    #[tokio::test(start_paused = true)]
    async fn a_trigger_ends_a_sleep_in_progress() {
        for delay in [Duration::from_secs(3600), Duration::MAX] {
            let interrupt = Interrupt::new();
            let sleeper = interrupt.clone();
            let start = tokio::time::Instant::now();
            let sleeping = tokio::spawn(async move { sleeper.sleep(delay).await });
            // The sleeper runs until it waits.
            tokio::task::yield_now().await;
            interrupt.trigger();
            sleeping.await.unwrap();
            assert_eq!(start.elapsed(), Duration::ZERO, "{delay:?}");
            // Triggered: sleeps return at once.
            interrupt.sleep(delay).await;
            assert_eq!(start.elapsed(), Duration::ZERO, "{delay:?}");
        }
    }
}
