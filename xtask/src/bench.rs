//! `cargo xtask bench`: runs every benchmark and measurement of `docs/BENCHMARKS.md` and
//! rewrites the measured parts of that file.
//!
//! The file's prose (definitions, breakdowns, analysis) is written by hand; each measured
//! table sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, and only
//! what lies between them is replaced. Modes:
//! - `--quick` (the default): criterion with 1 s of warm-up and 2 s of measurement per
//!   benchmark; 158 s in a run on the 2-core machine with the benches already compiled, the
//!   cold build of di-proto (about 17 s) included;
//! - `--full`: criterion's defaults (3 s warm-up, 5 s measurement);
//! - `--smoke`: each benchmark once, small load and memory runs, nothing written; what CI
//!   runs, with no thresholds.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime};

use di_proto::client::rate::RateLimit;

use crate::load::{LoadArgs, LoadReport};
use crate::workspace_root;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Smoke,
    Quick,
    Full,
}

impl Mode {
    fn criterion_args(self) -> &'static [&'static str] {
        match self {
            Mode::Smoke => &["--test"],
            Mode::Quick => &["--warm-up-time", "1", "--measurement-time", "2"],
            Mode::Full => &[],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Smoke => "--smoke",
            Mode::Quick => "--quick",
            Mode::Full => "--full",
        }
    }
}

pub(crate) fn command(args: &[String]) -> ExitCode {
    let mode = match args {
        [] => Mode::Quick,
        [flag] if flag == "--quick" => Mode::Quick,
        [flag] if flag == "--full" => Mode::Full,
        [flag] if flag == "--smoke" => Mode::Smoke,
        _ => {
            eprintln!("usage: cargo xtask bench [--quick|--full|--smoke]");
            return ExitCode::from(2);
        }
    };
    match run(mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(workspace_root());
    command
}

/// Runs `command`, failing with its name when it fails.
fn check(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn output(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn run(mode: Mode) -> Result<(), String> {
    let started = Instant::now();
    let mut sections: Vec<(&str, String)> = Vec::new();

    // Benches first: compiling them is most of a cold run.
    let benches: [(&str, &str); 3] = [
        ("di-proto", "sign"),
        ("di-proto", "parse"),
        ("di-conformance", "loopback"),
    ];
    for (package, bench) in benches {
        println!("== cargo bench -p {package} --bench {bench}");
        check(
            cargo()
                .args(["bench", "-p", package, "--bench", bench, "--"])
                .args(mode.criterion_args()),
        )?;
    }

    println!("== load");
    let (requests, concurrency) = match mode {
        Mode::Smoke => (200, 8),
        _ => (10_000, 64),
    };
    let plain = LoadArgs {
        requests,
        concurrency,
        ..LoadArgs::default()
    };
    // Side by side: the default (adaptive) rate limit and none, where no limit is hit. The
    // injected 429s come at random, whatever the rate, so the rows with faults run without a
    // limit: they measure the retries (the throttle section measures the limit).
    let unlimited = LoadArgs {
        rate_limit: RateLimit::Off,
        ..plain.clone()
    };
    let faulty = |attempts| LoadArgs {
        fault_rate_percent: 10.0,
        attempts: Some(attempts),
        ..unlimited.clone()
    };
    let mut load_rows = Vec::new();
    for args in [plain.clone(), unlimited.clone(), faulty(3), faulty(6)] {
        let report = crate::load::run(&args)?;
        println!("{}", report.row());
        load_rows.push(report);
    }

    println!("== HTTPS against plain HTTP (alternating rounds)");
    let https_pairs = crate::https::run(mode == Mode::Smoke)?;

    println!("== teardowns against a throttling emulator");
    // The figures: 50 calls per second, 20 ms latency; fewer tasks than its 2,000
    // outside --full, as each setting takes 3 x tasks / 50 seconds at best.
    let (tasks, qps) = match mode {
        Mode::Smoke => (20, 50.0),
        Mode::Quick => (300, 50.0),
        Mode::Full => (2000, 50.0),
    };
    let mut throttle_rows = Vec::new();
    for setting in crate::throttle::settings(qps) {
        let report = crate::throttle::run(setting, tasks, qps, Duration::from_millis(20))?;
        println!("{}", report.row());
        throttle_rows.push(report);
    }

    println!("== memory");
    let memory = memory(mode)?;
    println!("{memory}");

    println!("== build cost");
    let build = build_cost(mode)?;
    println!("{build}");

    if mode == Mode::Smoke {
        println!(
            "bench --smoke: every benchmark and measurement ran, in {} s; nothing written",
            started.elapsed().as_secs()
        );
        return Ok(());
    }

    sections.push(("machine", machine(mode)?));
    sections.push(("sign", sign_table()?));
    sections.push(("parse", parse_table()?));
    sections.push(("loopback", loopback_table()?));
    sections.push(("load", load_table(&load_rows)));
    sections.push(("https", crate::https::table(&https_pairs)));
    sections.push(("throttle", crate::throttle::table(&throttle_rows)));
    sections.push(("memory", memory));
    sections.push(("build", build));
    let path = workspace_root().join("docs/BENCHMARKS.md");
    let mut text =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    for (name, body) in &sections {
        text = replace_section(&text, name, body)?;
    }
    std::fs::write(&path, text).map_err(|error| format!("{}: {error}", path.display()))?;
    println!(
        "bench {}: wrote {} in {} s",
        mode.name(),
        path.display(),
        started.elapsed().as_secs()
    );
    Ok(())
}

/// Replaces what lies between the `name` markers of `text` with `body`.
fn replace_section(text: &str, name: &str, body: &str) -> Result<String, String> {
    let open = format!("<!-- bench:{name} -->");
    let close = format!("<!-- /bench:{name} -->");
    let start = text
        .find(&open)
        .ok_or_else(|| format!("docs/BENCHMARKS.md has no {open} marker"))?
        + open.len();
    let end = text
        .find(&close)
        .filter(|end| *end >= start)
        .ok_or_else(|| format!("docs/BENCHMARKS.md has no {close} marker after {open}"))?;
    Ok(format!(
        "{}\n{}\n{}",
        &text[..start],
        body.trim_end(),
        &text[end..]
    ))
}

/// Criterion's median estimate for `group/bench`, in nanoseconds.
fn median_ns(group: &str, bench: &str) -> Result<f64, String> {
    // Criterion names a group's directory after the group, `/` replaced by `_`.
    let path = target_dir()
        .join("criterion")
        .join(group.replace('/', "_"))
        .join(bench)
        .join("new/estimates.json");
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    json["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("{}: no median", path.display()))
}

fn time(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn today() -> String {
    di_proto::Timestamp::try_from(SystemTime::now())
        .map(|timestamp| timestamp.to_string()[..10].to_owned())
        .unwrap_or_default()
}

fn machine(mode: Mode) -> Result<String, String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown", |(_, model)| model.trim())
        .to_owned();
    let sha_ni = cpuinfo
        .lines()
        .find(|line| line.starts_with("flags"))
        .is_some_and(|flags| flags.split_whitespace().any(|flag| flag == "sha_ni"));
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    let rustc = output(Command::new("rustc").arg("--version"))?;
    let commit = output(
        Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(workspace_root()),
    )?;
    Ok(format!(
        "Run of {} with `cargo xtask bench {}`, at commit {} (plus local changes, if any). \
         Machine: {model}, {cores} cores, {memory_gib:.0} GiB, SHA-NI {}; {}; load average \
         {load} when the run began (the machine is shared).",
        today(),
        mode.name(),
        commit.trim(),
        if sha_ni { "present" } else { "absent" },
        rustc.trim(),
    ))
}

fn sign_table() -> Result<String, String> {
    let mut table = String::from(
        "| scheme | signed_request | floor | ratio | target ≤ 1.5x | naive | naive / signed_request | target ≥ 5x |\n\
         | --- | ---: | ---: | ---: | :---: | ---: | ---: | :---: |\n",
    );
    for (group, name) in [("v1", "V1 (HMAC-SHA1)"), ("v3", "V3 (ACS3-HMAC-SHA256)")] {
        let signed = median_ns(group, "signed_request")?;
        let floor = median_ns(group, "floor")?;
        let naive = median_ns(group, "naive")?;
        let ratio = signed / floor;
        let speedup = naive / signed;
        table.push_str(&format!(
            "| {name} | {} | {} | **{ratio:.2}x** | {} | {} | **{speedup:.1}x** | {} |\n",
            time(signed),
            time(floor),
            if ratio <= 1.5 { "met" } else { "missed" },
            time(naive),
            if speedup >= 5.0 { "met" } else { "missed" },
        ));
    }
    Ok(table)
}

fn parse_table() -> Result<String, String> {
    let json = median_ns("parse/json", "di_proto")?;
    let json_floor = median_ns("parse/json", "floor")?;
    let xml = median_ns("parse/xml", "di_proto")?;
    let xml_floor = median_ns("parse/xml", "floor")?;
    let throttled = median_ns("parse/errors", "throttling_429")?;
    let failed = median_ns("parse/errors", "data_status_fail")?;
    Ok(format!(
        "| benchmark | di_proto | floor | ratio | target |\n\
         | --- | ---: | ---: | ---: | ---: |\n\
         | JSON success | {} | {} | **{:.2}x** | ≤ 250 ns |\n\
         | XML success | {} | {} | **{:.2}x** | ≤ 2 µs |\n\
         | JSON `Throttling.Api`, HTTP 429 | {} | – | {:.2}x the JSON floor | – |\n\
         | JSON `Data.Status = fail` | {} | – | {:.2}x the JSON floor | – |\n",
        time(json),
        time(json_floor),
        json / json_floor,
        time(xml),
        time(xml_floor),
        xml / xml_floor,
        time(throttled),
        throttled / json_floor,
        time(failed),
        failed / json_floor,
    ))
}

fn loopback_table() -> Result<String, String> {
    let mut table = String::from(
        "| transport | di (sign, send, receive, parse) | raw (pre-built bytes) | di − raw, share of a di call | raw with di-ureq's timeouts | di − that, share | target ≤ 5% |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | :---: |\n",
    );
    for transport in ["ureq", "reqwest"] {
        let group = format!("loopback/{transport}");
        let di = median_ns(&group, "di")?;
        let raw = median_ns(&group, "raw")?;
        let share = (di - raw) / di * 100.0;
        let (timed, timed_share) = if transport == "ureq" {
            let timed = median_ns(&group, "raw_with_timeouts")?;
            let timed_share = (di - timed) / di * 100.0;
            (
                time(timed),
                format!("{} ({timed_share:.1}%)", time(di - timed)),
            )
        } else {
            ("–".to_owned(), "–".to_owned())
        };
        let verdict = |share: f64| if share <= 5.0 { "met" } else { "missed" };
        let verdict = if transport == "ureq" {
            let timed = median_ns(&group, "raw_with_timeouts")?;
            format!(
                "{} against raw; {} against raw with timeouts",
                verdict(share),
                verdict((di - timed) / di * 100.0)
            )
        } else {
            verdict(share).to_owned()
        };
        table.push_str(&format!(
            "| {transport} | {} | {} | {} (**{share:.1}%**) | {timed} | {timed_share} | {verdict} |\n",
            time(di),
            time(raw),
            time(di - raw),
        ));
    }
    Ok(table)
}

fn load_table(rows: &[LoadReport]) -> String {
    let mut table = format!("{}\n", LoadReport::HEADER);
    for row in rows {
        table.push_str(&row.row());
        table.push('\n');
    }
    let errors: Vec<String> = rows
        .iter()
        .filter(|row| !row.error_kinds.is_empty())
        .map(|row| {
            format!(
                "with {} attempts: {}",
                row.attempts,
                row.error_kinds.join("; ")
            )
        })
        .collect();
    if !errors.is_empty() {
        table.push_str(&format!(
            "\nFailed calls ended with: {}.\n",
            errors.join(". ")
        ));
    }
    table
}

/// Peak RSS of `sign_many` for a small and a large count, under `/usr/bin/time -v`.
fn memory(mode: Mode) -> Result<String, String> {
    check(cargo().args([
        "build",
        "--release",
        "-p",
        "di-proto",
        "--example",
        "sign_many",
    ]))?;
    let binary = target_dir().join("release/examples/sign_many");
    let counts: &[u64] = match mode {
        Mode::Smoke => &[1_000, 10_000],
        _ => &[1_000, 1_000_000],
    };
    let mut table = String::from(
        "| signings | version | peak RSS | wall time |\n| ---: | --- | ---: | ---: |\n",
    );
    for version in ["v1", "v3"] {
        for &count in counts {
            let (kib, seconds) = peak_rss_kib(&binary, count, version)?;
            table.push_str(&format!(
                "| {count} | {} | {:.2} MiB | {seconds:.2} s |\n",
                version.to_uppercase(),
                kib as f64 / 1024.0
            ));
        }
    }
    Ok(table)
}

fn peak_rss_kib(binary: &Path, count: u64, version: &str) -> Result<(u64, f64), String> {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(binary)
        .arg(count.to_string())
        .arg(version)
        .output()
        .map_err(|error| format!("/usr/bin/time: {error}"))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "sign_many failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let kib = String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Maximum resident set size (kbytes):")
        })
        .and_then(|value| value.trim().parse::<u64>().ok())
        .ok_or("no peak RSS in /usr/bin/time -v output")?;
    Ok((kib, seconds))
}

/// di-proto's dependency counts, and (except in smoke mode) its cold release build time in a
/// fresh target directory.
fn build_cost(mode: Mode) -> Result<String, String> {
    let count = |edges: &str| -> Result<usize, String> {
        let tree =
            output(cargo().args(["tree", "-p", "di-proto", "-e", edges, "--prefix", "none"]))?;
        let mut names: Vec<&str> = tree
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| *name != "di-proto")
            .collect();
        names.sort_unstable();
        names.dedup();
        Ok(names.len())
    };
    let all = count("normal,build")?;
    let runtime = count("normal,build,no-proc-macro")?;
    let build_time = if mode == Mode::Smoke {
        "not measured in smoke mode".to_owned()
    } else {
        let target = workspace_root().join("target/cold-build");
        let _ = std::fs::remove_dir_all(&target);
        let started = Instant::now();
        check(
            cargo()
                .args(["build", "--release", "-p", "di-proto", "--target-dir"])
                .arg(&target),
        )?;
        let seconds = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&target);
        format!("{seconds:.1} s")
    };
    Ok(format!(
        "| measure | value | target |\n| --- | ---: | ---: |\n\
         | cold `cargo build --release -p di-proto` (fresh target directory, {} jobs) | {build_time} | – |\n\
         | crates besides di-proto, all (`-e normal,build`) | {all} | – |\n\
         | crates besides di-proto, at runtime (`-e normal,build,no-proc-macro`: without proc-macro2, quote, syn, unicode-ident, serde_derive, thiserror-impl) | {runtime} | ≤ 25: {} |\n",
        std::thread::available_parallelism().map_or(0, usize::from),
        if runtime <= 25 { "met" } else { "missed" },
    ))
}

/// Where cargo builds: `CARGO_TARGET_DIR` when set (relative to the workspace), else
/// `target/` of the workspace.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}
