//! `cargo xtask throttle`: teardowns against an emulator that throttles like the DataWorks
//! gateway (`--rate-limit`, with latency on every answer), under each client setting side by
//! side: adaptive rate limiting, no limit with few or many jobs, a fixed rate. Prints a
//! markdown table for `docs/BENCHMARKS.md`; `cargo xtask bench` runs it too.
//!
//! A teardown is three calls (terminate, one poll of the status, delete: the emulator settles
//! at once), so the ideal time of a run is `3 × tasks / QPS`: the service's own ceiling.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, RateRule};
use di_proto::Credentials;
use di_proto::client::ClientConfig;
use di_proto::client::rate::RateLimit;
use di_proto::flow::{TaskAction, TaskOutcome};

const USAGE: &str = "usage: cargo xtask throttle [--tasks N] [--qps Q] [--latency-ms MS]

  --tasks N         tasks torn down per setting (2000)
  --qps Q           the emulator's limit per AccessKey, calls per second (50)
  --latency-ms MS   the emulator's latency on every answer (20)";

/// Calls per teardown against an emulator that settles at once.
const CALLS_PER_TASK: u32 = 3;

/// One client setting of the comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting {
    pub(crate) name: &'static str,
    pub(crate) jobs: usize,
    pub(crate) limit: RateLimit,
}

/// The settings the issue asks for, side by side.
pub(crate) fn settings(qps: f64) -> [Setting; 4] {
    [
        Setting {
            name: "adaptive (default), --jobs 64",
            jobs: 64,
            limit: RateLimit::Adaptive,
        },
        Setting {
            name: "no limit, --jobs 4",
            jobs: 4,
            limit: RateLimit::Off,
        },
        Setting {
            name: "no limit, --jobs 64",
            jobs: 64,
            limit: RateLimit::Off,
        },
        Setting {
            name: "--max-rate QPS, --jobs 64",
            jobs: 64,
            limit: RateLimit::Fixed(qps),
        },
    ]
}

/// What one setting measured.
#[derive(Debug, Clone)]
pub(crate) struct ThrottleReport {
    pub(crate) setting: Setting,
    pub(crate) tasks: u32,
    pub(crate) qps: f64,
    pub(crate) elapsed: Duration,
    pub(crate) requests: u64,
    pub(crate) throttled: u64,
    pub(crate) failed_tasks: usize,
}

impl ThrottleReport {
    /// The table's header.
    pub(crate) const HEADER: &'static str = "| client | tasks (calls) | limit | wall time | ideal | \
        × ideal | requests | throttled | failed tasks |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|";

    fn ideal(&self) -> Duration {
        Duration::from_secs_f64(f64::from(self.tasks * CALLS_PER_TASK) / self.qps)
    }

    /// One table row.
    pub(crate) fn row(&self) -> String {
        let share = if self.requests == 0 {
            0.0
        } else {
            self.throttled as f64 / self.requests as f64 * 100.0
        };
        format!(
            "| {} | {} ({}) | {} QPS | {:.1} s | {:.1} s | {:.2}x | {} | {} ({share:.1}%) | {} |",
            self.setting.name,
            self.tasks,
            self.tasks * CALLS_PER_TASK,
            self.qps,
            self.elapsed.as_secs_f64(),
            self.ideal().as_secs_f64(),
            self.elapsed.as_secs_f64() / self.ideal().as_secs_f64(),
            self.requests,
            self.throttled,
            self.failed_tasks,
        )
    }
}

/// The table of `rows`.
pub(crate) fn table(rows: &[ThrottleReport]) -> String {
    let mut text = ThrottleReport::HEADER.to_owned();
    for row in rows {
        text.push('\n');
        text.push_str(&row.row());
    }
    text
}

/// Tears down `tasks` tasks under `setting` against an emulator limited to `qps` with
/// `latency` on every answer; emulator and client share one multi-threaded runtime.
pub(crate) fn run(
    setting: Setting,
    tasks: u32,
    qps: f64,
    latency: Duration,
) -> Result<ThrottleReport, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("no Tokio runtime: {error}"))?;
    runtime.block_on(run_async(setting, tasks, qps, latency))
}

async fn run_async(
    setting: Setting,
    tasks: u32,
    qps: f64,
    latency: Duration,
) -> Result<ThrottleReport, String> {
    let rule = RateRule::new(qps).map_err(|error| error.to_string())?;
    let mut config = Config::default()
        .without_tasks()
        .with_rate_limit(rule)
        .with_latency(latency, Duration::ZERO);
    let file_ids: Vec<i64> = (1..=i64::from(tasks)).collect();
    for &file_id in &file_ids {
        config = config.with_task(DEMO_PROJECT_ID, file_id);
    }
    let handle = di_emulator::start(config)
        .await
        .map_err(|error| format!("the emulator did not start: {error}"))?;
    let client_config = ClientConfig::new()
        .with_endpoint(handle.base_url())
        .with_rate_limit(setting.limit);
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
        .map_err(|error| error.to_string())?;
    let client =
        di_reqwest::Client::new(&client_config, credentials).map_err(|error| error.to_string())?;
    let file_ids = Arc::new(file_ids);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..setting.jobs {
        let (client, file_ids, next) = (client.clone(), file_ids.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut failed = 0;
            while let Some(&file_id) = file_ids.get(next.fetch_add(1, Ordering::Relaxed)) {
                let flow = client.task(
                    DEMO_PROJECT_ID,
                    file_id,
                    TaskAction::Teardown { stop_first: false },
                );
                let report = client.run(flow).await;
                if !matches!(report.outcome, TaskOutcome::Done | TaskOutcome::AlreadyDone) {
                    failed += 1;
                }
            }
            failed
        }));
    }
    let mut failed_tasks = 0;
    for worker in workers {
        failed_tasks += worker
            .await
            .map_err(|error| format!("a client task failed: {error}"))?;
    }
    let elapsed = started.elapsed();
    let counters = handle.counters();
    handle.shutdown().await;
    Ok(ThrottleReport {
        setting,
        tasks,
        qps,
        elapsed,
        requests: counters.requests,
        throttled: counters.throttled,
        failed_tasks,
    })
}

pub(crate) fn command(args: &[String]) -> ExitCode {
    let (mut tasks, mut qps, mut latency_ms) = (2000_u32, 50.0_f64, 20_u64);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next();
        let parsed = match (flag.as_str(), value) {
            ("--tasks", Some(value)) => value.parse().map(|value| tasks = value).is_ok(),
            ("--qps", Some(value)) => value
                .parse::<f64>()
                .ok()
                .filter(|qps| qps.is_finite() && *qps > 0.0)
                .map(|value| qps = value)
                .is_some(),
            ("--latency-ms", Some(value)) => value.parse().map(|value| latency_ms = value).is_ok(),
            _ => false,
        };
        if !parsed || tasks == 0 {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    println!("{}", ThrottleReport::HEADER);
    for setting in settings(qps) {
        match run(setting, tasks, qps, Duration::from_millis(latency_ms)) {
            Ok(report) => println!("{}", report.row()),
            Err(message) => {
                eprintln!("throttle: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
