//! What HTTPS costs a call: the load of `cargo xtask load` over plain HTTP and over HTTPS,
//! side by side in one run, rounds alternating between the two so that the shared machine's
//! drift falls on both; the median round of each is reported.
//!
//! Two settings, each reported as time per call (the run's time over its calls):
//! - concurrency 64, 50,000 calls: client and emulator keep both cores busy, so the time per
//!   call is the processor time a call costs, TLS on both sides included; and how many
//!   handshakes the pool needs (one per connection);
//! - concurrency 1, 20,000 calls on one kept-alive connection: the latency a call gains.

use crate::load::{LoadArgs, LoadReport};

/// Rounds per scheme and setting (the median is reported).
const ROUNDS: usize = 5;

/// One setting's median rounds: plain HTTP, then HTTPS.
pub(crate) struct Pair {
    pub(crate) http: LoadReport,
    pub(crate) https: LoadReport,
}

/// Runs both settings, `ROUNDS` alternating rounds each (one, with small counts, when
/// `smoke`).
pub(crate) fn run(smoke: bool) -> Result<Vec<Pair>, String> {
    let settings: [(u64, u64); 2] = if smoke {
        [(200, 8), (50, 1)]
    } else {
        [(50_000, 64), (20_000, 1)]
    };
    let rounds = if smoke { 1 } else { ROUNDS };
    let mut pairs = Vec::new();
    for (requests, concurrency) in settings {
        let mut http = Vec::new();
        let mut https = Vec::new();
        for _ in 0..rounds {
            for tls in [false, true] {
                let args = LoadArgs {
                    requests,
                    concurrency,
                    tls,
                    ..LoadArgs::default()
                };
                let report = crate::load::run(&args)?;
                if report.failed_calls > 0 || report.failed_handshakes > 0 {
                    return Err(format!(
                        "{} calls failed and {} handshakes over {}: {}",
                        report.failed_calls,
                        report.failed_handshakes,
                        scheme(&report),
                        report.error_kinds.join("; ")
                    ));
                }
                println!("{}: {}", scheme(&report), report.row());
                if tls { &mut https } else { &mut http }.push(report);
            }
        }
        pairs.push(Pair {
            http: median(http),
            https: median(https),
        });
    }
    Ok(pairs)
}

fn scheme(report: &LoadReport) -> &'static str {
    if report.args.tls { "https" } else { "http" }
}

/// The round of median time.
fn median(mut reports: Vec<LoadReport>) -> LoadReport {
    reports.sort_by_key(|report| report.elapsed);
    let middle = reports.len() / 2;
    reports.swap_remove(middle)
}

/// Time per call: the run's time over its calls (at concurrency 1, the mean latency).
fn per_call_micros(report: &LoadReport) -> f64 {
    report.elapsed.as_secs_f64() * 1e6 / report.args.requests as f64
}

/// The markdown table of `pairs`, with the cost of TLS per call below it.
pub(crate) fn table(pairs: &[Pair]) -> String {
    let mut table = format!(
        "| concurrency | calls | scheme | time (median of {ROUNDS}) | throughput | time per call | \
         p50 | p99 | TLS handshakes | connections |\n\
         | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    );
    for pair in pairs {
        for report in [&pair.http, &pair.https] {
            table.push_str(&format!(
                "| {} | {} | {} | {:.2} s | {:.0} calls/s | {:.1} µs | {:.3} ms | {:.3} ms | {} | {} |\n",
                report.args.concurrency,
                report.args.requests,
                scheme(report),
                report.elapsed.as_secs_f64(),
                report.args.requests as f64 / report.elapsed.as_secs_f64(),
                per_call_micros(report),
                report.p50.as_secs_f64() * 1000.0,
                report.p99.as_secs_f64() * 1000.0,
                report.handshakes,
                report.connections,
            ));
        }
    }
    table.push('\n');
    for pair in pairs {
        let (http, https) = (per_call_micros(&pair.http), per_call_micros(&pair.https));
        table.push_str(&format!(
            "- concurrency {}: HTTPS costs **{:+.1} µs per call** ({:+.0}%) over HTTP; \
             {} TLS handshakes for {} calls.\n",
            pair.https.args.concurrency,
            https - http,
            (https / http - 1.0) * 100.0,
            pair.https.handshakes,
            pair.https.args.requests,
        ));
    }
    table
}
