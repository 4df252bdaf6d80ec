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
    places: Mutex<Places>,
    freed: Condvar,
}

/// Attempts in flight, and threads waiting for a place.
#[derive(Debug, Default)]
struct Places {
    busy: usize,
    waiting: usize,
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
            places: Mutex::new(Places::default()),
            freed: Condvar::new(),
        }
    }

    /// The cap.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    fn places(&self) -> MutexGuard<'_, Places> {
        // Nothing panics while holding the lock; a poisoned one still holds sound counts.
        self.places.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until fewer than `max` attempts are in flight, at most `limit`; `None` when the
    /// limit passed first.
    pub(crate) fn admit(&self, limit: Option<Duration>) -> Option<Admission<'_>> {
        let mut places = self.places();
        if places.busy >= self.max {
            let deadline = limit.and_then(|limit| Instant::now().checked_add(limit));
            places.waiting += 1;
            while places.busy >= self.max {
                places = match (limit, deadline) {
                    (None, _) | (Some(_), None) => self
                        .freed
                        .wait(places)
                        .unwrap_or_else(PoisonError::into_inner),
                    (Some(_), Some(deadline)) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            places.waiting -= 1;
                            return None;
                        }
                        self.freed
                            .wait_timeout(places, left)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                };
            }
            places.waiting -= 1;
        }
        places.busy += 1;
        Some(Admission { connections: self })
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut places = self.connections.places();
        places.busy = places.busy.saturating_sub(1);
        // Waking costs a system call: only when a thread waits.
        let wake = places.waiting > 0;
        drop(places);
        if wake {
            self.connections.freed.notify_one();
        }
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
