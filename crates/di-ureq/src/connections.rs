//! The cap on a client's open connections (`ClientConfig::max_connections`).
//!
//! ureq's agent has no cap on connections, only on idle ones. A blocking request holds one
//! connection from sending to the end of its body, and ureq puts it back in the pool inside
//! the read that reaches the end of the body, so bounding the requests in flight bounds the
//! connections: a request opens one only when the pool has none idle, that is when every open
//! connection is in use by another admitted request. With the pool keeping up to `max` idle
//! connections, none is closed for lack of room either.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// At most `max` attempts of one client in flight.
#[derive(Debug)]
pub(crate) struct Connections {
    max: usize,
    busy: Mutex<usize>,
    freed: Condvar,
}

/// One attempt's place among the `max`; given back on drop.
#[derive(Debug)]
pub(crate) struct Admission<'a> {
    connections: &'a Connections,
}

impl Connections {
    /// A cap of `max` (at least 1).
    pub(crate) fn new(max: usize) -> Connections {
        Connections {
            max: max.max(1),
            busy: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// The cap.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    fn busy(&self) -> MutexGuard<'_, usize> {
        // Nothing panics while holding the lock; a poisoned one still holds a sound count.
        self.busy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until fewer than `max` attempts are in flight, at most `limit`; `None` when the
    /// limit passed first.
    pub(crate) fn admit(&self, limit: Option<Duration>) -> Option<Admission<'_>> {
        let deadline = limit.and_then(|limit| Instant::now().checked_add(limit));
        let mut busy = self.busy();
        while *busy >= self.max {
            busy = match (limit, deadline) {
                (None, _) | (Some(_), None) => self
                    .freed
                    .wait(busy)
                    .unwrap_or_else(PoisonError::into_inner),
                (Some(_), Some(deadline)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.freed
                        .wait_timeout(busy, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        *busy += 1;
        Some(Admission { connections: self })
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut busy = self.connections.busy();
        *busy = busy.saturating_sub(1);
        drop(busy);
        self.connections.freed.notify_one();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_cap_then_waits_at_most_the_limit() {
        let connections = Connections::new(2);
        let first = connections.admit(None).unwrap();
        let _second = connections.admit(Some(Duration::ZERO)).unwrap();
        assert!(connections.admit(Some(Duration::from_millis(20))).is_none());
        drop(first);
        assert!(connections.admit(Some(Duration::ZERO)).is_some());
        assert_eq!(Connections::new(0).max(), 1);
    }

    #[test]
    fn a_freed_place_wakes_a_waiting_thread() {
        let connections = Connections::new(1);
        let held = connections.admit(None).unwrap();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| connections.admit(None).is_some());
            std::thread::sleep(Duration::from_millis(20));
            drop(held);
            assert!(waiter.join().unwrap());
        });
    }
}
