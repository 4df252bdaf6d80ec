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

    #[tokio::test]
    async fn a_trigger_ends_a_sleep_in_progress() {
        let interrupt = Interrupt::new();
        let sleeper = interrupt.clone();
        let sleeping = tokio::spawn(async move { sleeper.sleep(Duration::MAX).await });
        tokio::task::yield_now().await;
        interrupt.trigger();
        // Ends only because the trigger woke it: a sleep of Duration::MAX never ends by itself.
        sleeping.await.unwrap();
        interrupt.sleep(Duration::MAX).await;
    }
}
