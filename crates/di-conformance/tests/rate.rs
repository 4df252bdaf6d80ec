//! Client-side rate limiting over both transports, against an emulator that throttles as the
//! gateway does: a fixed rate at the service's limit is never throttled; the adaptive default
//! learns the limit from the throttled answers and finishes every call.
//!
//! Real time: the emulator's buckets refill on its clock, so these tests take the seconds
//! their rates imply (named `real_time_*`).

use std::sync::Arc;

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, RateRule};
use di_proto::Credentials;
use di_proto::client::ClientConfig;
use di_proto::client::rate::RateLimit;
use di_proto::ops::GetDiSyncInstanceInfo;

/// The emulator's limit, calls per second (with a burst of 5).
const LIMIT: f64 = 20.0;
/// Calls per run.
const CALLS: usize = 40;
/// Calls in flight at once.
const JOBS: usize = 12;

fn emulator(runtime: &tokio::runtime::Runtime) -> di_emulator::Handle {
    let rule = RateRule::new(LIMIT)
        .and_then(|rule| rule.with_burst(5.0))
        .unwrap();
    runtime
        .block_on(di_emulator::start(Config::default().with_rate_limit(rule)))
        .unwrap()
}

fn config(base_url: String, limit: RateLimit) -> ClientConfig {
    ClientConfig::new()
        .with_endpoint(base_url)
        .with_rate_limit(limit)
}

fn credentials() -> Credentials {
    Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap()
}

/// `CALLS` status reads over di-ureq, `JOBS` threads: the failures, and the client's stats.
fn over_ureq(config: &ClientConfig) -> (usize, di_proto::client::rate::RateStats) {
    let client = di_ureq::Client::new(config, credentials()).unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let failures: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..JOBS)
            .map(|_| {
                let (client, next) = (client.clone(), next.clone());
                scope.spawn(move || {
                    let mut failed = 0;
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < CALLS {
                        let read = GetDiSyncInstanceInfo::new(DEMO_PROJECT_ID, 100);
                        if client.call(&read).is_err() {
                            failed += 1;
                        }
                    }
                    failed
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .sum()
    });
    (failures, client.rate_stats())
}

/// The same over di-reqwest, `JOBS` tasks.
fn over_reqwest(
    runtime: &tokio::runtime::Runtime,
    config: &ClientConfig,
) -> (usize, di_proto::client::rate::RateStats) {
    runtime.block_on(async {
        let client = di_reqwest::Client::new(config, credentials()).unwrap();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..JOBS {
            let (client, next) = (client.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut failed = 0;
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < CALLS {
                    let read = GetDiSyncInstanceInfo::new(DEMO_PROJECT_ID, 100);
                    if client.call(&read).await.is_err() {
                        failed += 1;
                    }
                }
                failed
            }));
        }
        let mut failures = 0;
        for worker in workers {
            failures += worker.await.unwrap();
        }
        (failures, client.rate_stats())
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn real_time_a_fixed_rate_at_the_limit_is_never_throttled() {
    let runtime = runtime();
    for transport in ["di-ureq", "di-reqwest"] {
        let handle = emulator(&runtime);
        let config = config(handle.base_url(), RateLimit::Fixed(LIMIT));
        let (failures, stats) = match transport {
            "di-ureq" => over_ureq(&config),
            _ => over_reqwest(&runtime, &config),
        };
        let counters = handle.counters();
        assert_eq!(failures, 0, "{transport}");
        assert_eq!(counters.throttled, 0, "{transport}: {counters:?}");
        assert_eq!(stats.sent, CALLS as u64, "{transport}: {stats:?}");
        assert_eq!(stats.throttled, 0, "{transport}");
        assert_eq!(stats.rate, Some(LIMIT), "{transport}");
        runtime.block_on(handle.shutdown());
    }
}

#[test]
fn real_time_adaptive_learns_the_limit_and_finishes_every_call() {
    let runtime = runtime();
    for transport in ["di-ureq", "di-reqwest"] {
        let handle = emulator(&runtime);
        let config = config(handle.base_url(), RateLimit::Adaptive);
        let (failures, stats) = match transport {
            "di-ureq" => over_ureq(&config),
            _ => over_reqwest(&runtime, &config),
        };
        let counters = handle.counters();
        assert_eq!(failures, 0, "{transport}: {stats:?} {counters:?}");
        // The service throttled the first burst, and the client counted what it saw.
        assert!(counters.throttled > 0, "{transport}: {counters:?}");
        assert_eq!(stats.throttled, counters.throttled, "{transport}");
        assert_eq!(stats.sent, counters.requests, "{transport}");
        // It set a limit, near the service's.
        let rate = stats.rate.unwrap_or_default();
        assert!(rate > 1.0 && rate < 3.0 * LIMIT, "{transport}: {stats:?}");
        // Most requests passed: far from the storm of a client without a limit.
        assert!(
            counters.throttled * 3 < counters.requests,
            "{transport}: {counters:?}"
        );
        runtime.block_on(handle.shutdown());
    }
}

#[test]
fn real_time_without_a_limit_the_same_calls_meet_many_throttled_answers() {
    let runtime = runtime();
    let handle = emulator(&runtime);
    let config = config(handle.base_url(), RateLimit::Off);
    let (_, stats) = over_ureq(&config);
    assert_eq!(stats.rate, None);
    // The comparison the adaptive test stands on: a client with no limit is throttled on more
    // of its requests than the adaptive one ever is.
    let counters = handle.counters();
    assert!(
        counters.throttled * 3 >= counters.requests,
        "{counters:?} {stats:?}"
    );
    runtime.block_on(handle.shutdown());
}
