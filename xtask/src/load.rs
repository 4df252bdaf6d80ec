//! `cargo xtask load`: the async client (di-reqwest) against an in-process emulator, many
//! calls at a fixed concurrency, optionally with transient faults injected; prints one
//! markdown table row set, ready for `docs/BENCHMARKS.md`.
//!
//! Every call is a V3-signed `GetDISyncInstanceInfo` (a read, so idempotent: a server error
//! may be retried), verified by the emulator's gateway and parsed by the client. Retries are
//! the emulator's request count minus the calls; connections are the emulator's count of
//! accepted TCP connections.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, Fault};
use di_proto::client::ClientConfig;
use di_proto::client::rate::RateLimit;
use di_proto::retry::{Idempotency, RetryPolicy};
use di_proto::{Credentials, RpcRequest};

const USAGE: &str =
    "usage: cargo xtask load [--requests N] [--concurrency C] [--fault-rate PERCENT]
                        [--faults internal_error,throttling] [--attempts A] [--seed S] [--tls]
       cargo xtask load --compare-tls

  --requests N          calls to make (10000)
  --concurrency C       calls in flight at once (64)
  --fault-rate PERCENT  share of requests that meet a fault, 0 to 100 (0)
  --faults LIST         fault kinds, sharing the rate evenly (internal_error,throttling)
  --attempts A          attempts per call, first included (the default policy's 3)
  --seed S              seed of the emulator's fault draws (1)
  --rate-limit LIMIT    the client's rate limit: adaptive (the default), off, or calls/s
  --tls                 over HTTPS: the emulator serves a certificate it generates, the
                        client trusts its CA; prints the TLS handshakes too
  --compare-tls         HTTP and HTTPS side by side, rounds alternating (5 each, medians), at
                        concurrency 64 (50000 calls) and 1 (20000 calls): the table of
                        docs/BENCHMARKS.md's HTTPS section";

/// What one run is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct LoadArgs {
    pub(crate) requests: u64,
    pub(crate) concurrency: u64,
    pub(crate) fault_rate_percent: f64,
    pub(crate) faults: Vec<Fault>,
    pub(crate) attempts: Option<u32>,
    pub(crate) seed: u64,
    /// Over HTTPS.
    pub(crate) tls: bool,
    /// The client's rate limit (adaptive by default).
    pub(crate) rate_limit: RateLimit,
}

impl Default for LoadArgs {
    fn default() -> Self {
        LoadArgs {
            requests: 10_000,
            concurrency: 64,
            fault_rate_percent: 0.0,
            faults: vec![
                Fault::InternalError,
                Fault::Throttling {
                    retry_after_ms: None,
                },
            ],
            attempts: None,
            seed: 1,
            tls: false,
            rate_limit: RateLimit::Adaptive,
        }
    }
}

impl LoadArgs {
    fn parse(args: &[String]) -> Result<LoadArgs, String> {
        let mut parsed = LoadArgs::default();
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            if flag == "--tls" {
                parsed.tls = true;
                continue;
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = |what: &str| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|number| *number > 0)
                    .ok_or_else(|| format!("{what}: a positive whole number, not {value:?}"))
            };
            match flag.as_str() {
                "--requests" => parsed.requests = number("--requests")?,
                "--concurrency" => parsed.concurrency = number("--concurrency")?,
                "--attempts" => {
                    parsed.attempts = Some(
                        u32::try_from(number("--attempts")?)
                            .map_err(|_| "--attempts: too large".to_owned())?,
                    );
                }
                "--seed" => parsed.seed = number("--seed")?,
                "--rate-limit" => {
                    parsed.rate_limit = match value.as_str() {
                        "adaptive" => RateLimit::Adaptive,
                        "off" => RateLimit::Off,
                        rate => RateLimit::Fixed(
                            rate.parse::<f64>()
                                .ok()
                                .filter(|rate| rate.is_finite() && *rate > 0.0)
                                .ok_or("--rate-limit takes adaptive, off or a positive rate")?,
                        ),
                    }
                }
                "--fault-rate" => {
                    parsed.fault_rate_percent = value
                        .parse::<f64>()
                        .ok()
                        .filter(|rate| (0.0..=100.0).contains(rate))
                        .ok_or_else(|| format!("--fault-rate: 0 to 100, not {value:?}"))?;
                }
                "--faults" => {
                    parsed.faults = value
                        .split(',')
                        .map(|name| match name.trim() {
                            "internal_error" => Ok(Fault::InternalError),
                            "throttling" => Ok(Fault::Throttling {
                                retry_after_ms: None,
                            }),
                            other => Err(format!(
                                "--faults: internal_error or throttling, not {other:?}"
                            )),
                        })
                        .collect::<Result<_, _>>()?;
                }
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        Ok(parsed)
    }

    /// Per mille for each fault kind, in the order the emulator draws them (each draw only
    /// when the kinds before it were not drawn), so that together they meet the rate.
    fn per_mille(&self) -> Vec<(Fault, u16)> {
        let total = self.fault_rate_percent / 100.0;
        let share = total / self.faults.len().max(1) as f64;
        let mut left = 1.0;
        self.faults
            .iter()
            .map(|fault| {
                let conditional = if left > 0.0 { share / left } else { 0.0 };
                left -= share;
                (
                    *fault,
                    (conditional * 1000.0).round().clamp(0.0, 1000.0) as u16,
                )
            })
            .filter(|(_, per_mille)| *per_mille > 0)
            .collect()
    }
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub(crate) struct LoadReport {
    pub(crate) args: LoadArgs,
    pub(crate) attempts: u32,
    pub(crate) effective_fault_rate: f64,
    pub(crate) elapsed: Duration,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) failed_calls: u64,
    /// The first few distinct errors, for the reader.
    pub(crate) error_kinds: Vec<String>,
    pub(crate) retries: u64,
    pub(crate) faults_served: u64,
    pub(crate) connections: u64,
    /// TLS handshakes completed (0 over plain HTTP), and failed.
    pub(crate) handshakes: u64,
    pub(crate) failed_handshakes: u64,
}

impl LoadReport {
    /// The markdown table header matching [`LoadReport::row`].
    pub(crate) const HEADER: &'static str = "| requests | concurrency | fault rate | attempts | \
        rate limit | time | throughput | p50 | p99 | failed calls | retries | faults served | \
        connections |\n\
        | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";

    pub(crate) fn row(&self) -> String {
        format!(
            "| {} | {} | {:.1}% | {} | {} | {:.2} s | {:.0} calls/s | {:.2} ms | {:.2} ms | {} | {} | {} | {} |",
            self.args.requests,
            self.args.concurrency,
            self.effective_fault_rate * 100.0,
            self.attempts,
            match self.args.rate_limit {
                RateLimit::Adaptive => "adaptive".to_owned(),
                RateLimit::Off => "off".to_owned(),
                RateLimit::Fixed(rate) => format!("{rate}/s"),
            },
            self.elapsed.as_secs_f64(),
            self.args.requests as f64 / self.elapsed.as_secs_f64(),
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0,
            self.failed_calls,
            self.retries,
            self.faults_served,
            self.connections,
        )
    }
}

pub(crate) fn command(args: &[String]) -> ExitCode {
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args == ["--compare-tls"] {
        return match crate::https::run(false) {
            Ok(pairs) => {
                println!("\n{}", crate::https::table(&pairs));
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("load: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match LoadArgs::parse(args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(report) => {
            println!("{}\n{}", LoadReport::HEADER, report.row());
            if args.tls {
                println!(
                    "\nover HTTPS: {} TLS handshakes ({} failed) for {} connections",
                    report.handshakes, report.failed_handshakes, report.connections
                );
            }
            if !report.error_kinds.is_empty() {
                println!("\nerrors seen: {}", report.error_kinds.join("; "));
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("load: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the load: emulator and clients share one multi-threaded Tokio runtime (and the
/// machine's cores).
pub(crate) fn run(args: &LoadArgs) -> Result<LoadReport, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("no Tokio runtime: {error}"))?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: &LoadArgs) -> Result<LoadReport, String> {
    let mut emulator = Config::default();
    if args.tls {
        emulator = emulator.with_tls();
    }
    let handle = di_emulator::start(emulator)
        .await
        .map_err(|error| format!("the emulator did not start: {error}"))?;
    handle.seed_faults(args.seed);
    let rated = args.per_mille();
    let effective_fault_rate = 1.0
        - rated
            .iter()
            .map(|(_, per_mille)| 1.0 - f64::from(*per_mille) / 1000.0)
            .product::<f64>();
    for (fault, per_mille) in &rated {
        handle.fail_at_rate(*fault, *per_mille);
    }
    let policy = match args.attempts {
        Some(attempts) => RetryPolicy::default().with_max_attempts(attempts),
        None => RetryPolicy::default(),
    };
    let mut config = ClientConfig::new()
        .with_endpoint(handle.base_url())
        .with_retry_policy(policy)
        .with_rate_limit(args.rate_limit);
    if let Some(ca) = handle.tls_ca_pem() {
        config = config.with_root_certificates_pem(ca);
    }
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
        .map_err(|error| error.to_string())?;
    let client =
        di_reqwest::Client::new(&config, credentials).map_err(|error| error.to_string())?;
    let request = Arc::new(
        RpcRequest::new("GetDISyncInstanceInfo", "2020-05-18")
            .with_idempotency(Idempotency::Idempotent)
            .query_param("ProjectId", DEMO_PROJECT_ID.to_string())
            .query_param("TaskType", "DI_REALTIME")
            .query_param("FileId", "100"),
    );

    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, request, next, total) =
            (client.clone(), request.clone(), next.clone(), args.requests);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let call_started = Instant::now();
                let result = client.call(&*request).await;
                latencies.push(call_started.elapsed());
                if let Err(error) = result {
                    // The kind and message, without the RequestId that differs every time.
                    let shown = error.to_string();
                    let kind = shown.split(" [request id").next().unwrap_or_default();
                    errors.push(kind.to_owned());
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::with_capacity(args.requests as usize);
    let mut errors = Vec::new();
    for worker in workers {
        let (worker_latencies, worker_errors) = worker
            .await
            .map_err(|error| format!("a client task failed: {error}"))?;
        latencies.extend(worker_latencies);
        errors.extend(worker_errors);
    }
    let elapsed = started.elapsed();
    let counters = handle.counters();
    handle.shutdown().await;

    latencies.sort_unstable();
    let percentile = |share: f64| {
        let index = ((latencies.len() as f64 * share).ceil() as usize).saturating_sub(1);
        latencies.get(index).copied().unwrap_or_default()
    };
    let mut error_kinds: Vec<String> = Vec::new();
    for error in &errors {
        if error_kinds.len() < 3 && !error_kinds.contains(error) {
            error_kinds.push(error.clone());
        }
    }
    Ok(LoadReport {
        args: args.clone(),
        attempts: policy.max_attempts(),
        effective_fault_rate,
        elapsed,
        p50: percentile(0.50),
        p99: percentile(0.99),
        failed_calls: errors.len() as u64,
        error_kinds,
        retries: counters.requests.saturating_sub(args.requests),
        faults_served: counters.faults_served,
        connections: counters.connections,
        handshakes: counters.tls_handshakes,
        failed_handshakes: counters.tls_handshake_failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_shares_meet_the_rate() {
        let args = LoadArgs {
            fault_rate_percent: 10.0,
            ..LoadArgs::default()
        };
        let rated = args.per_mille();
        assert_eq!(rated.iter().map(|(_, p)| *p).collect::<Vec<_>>(), [50, 53]);
        let parsed = LoadArgs::parse(&[
            "--requests".into(),
            "5".into(),
            "--faults".into(),
            "throttling".into(),
            "--fault-rate".into(),
            "20".into(),
        ])
        .unwrap();
        assert_eq!(parsed.requests, 5);
        assert_eq!(parsed.per_mille().len(), 1);
        assert_eq!(parsed.per_mille()[0].1, 200);
        assert!(LoadArgs::parse(&["--requests".into(), "0".into()]).is_err());
        assert!(LoadArgs::parse(&["--fault-rate".into(), "101".into()]).is_err());
    }
}
