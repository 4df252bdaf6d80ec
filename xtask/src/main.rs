//! Development automation for the di workspace: `cargo xtask <command>`.
//!
//! - `vectors FILE...`: runs golden signing vectors through di-proto, with the output contract
//!   of `crates/di-proto/tests/data/vectors/README.md`.
//! - `ci`: runs `.ci/run`, exactly what CI runs.
//! - `load [OPTIONS]`: the async client against an in-process emulator under load, optionally
//!   with injected faults (`load.rs`).
//! - `bench [--quick|--full|--smoke]`: runs the benchmarks and measurements and writes
//!   `docs/BENCHMARKS.md` (`bench.rs`).
//! - `fuzz [CASES]`: runs di-proto's response-parser properties
//!   (`crates/di-proto/tests/it/parser_props.rs`) in release mode with `CASES` cases per
//!   target (100,000 by default).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

// The runner is di-proto's own test code, included here so that `cargo test` and
// `cargo xtask vectors` run the very same checks.
#[path = "../../crates/di-proto/tests/it/vector_runner.rs"]
#[allow(dead_code)]
mod vector_runner;

mod bench;
mod load;
#[cfg(test)]
mod tidy;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  vectors FILE...   check golden signing vectors (JSON Lines) against di-proto
  ci                run .ci/run, what CI runs
  fuzz [CASES]      run the response-parser properties, CASES per target (100000)
  load [OPTIONS]    the async client against the emulator under load (--help for options)
  bench [MODE]      run the benchmarks and write docs/BENCHMARKS.md
                    (--quick, under 2 minutes; --full; --smoke: run once, write nothing)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("vectors") => vectors(&args[1..]),
        Some("ci") => ci(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("load" | "bench") if cfg!(debug_assertions) => in_release(&args),
        Some("load") => load::command(&args[1..]),
        Some("bench") => bench::command(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn vectors(files: &[String]) -> ExitCode {
    if files.is_empty() {
        eprintln!("usage: cargo xtask vectors FILE...");
        return ExitCode::from(2);
    }
    let mut report = vector_runner::Report::default();
    for file in files {
        // `cargo run` keeps the caller's working directory, so relative paths work as typed.
        let path = PathBuf::from(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => report.check_text(&text),
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    for failure in &report.failures {
        println!("{failure}");
    }
    println!("{}", report.summary());
    if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn ci() -> ExitCode {
    let status = Command::new("bash")
        .arg(workspace_root().join(".ci/run"))
        .current_dir(workspace_root())
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!(".ci/run failed: {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("could not run .ci/run: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The cases per target when `cargo xtask fuzz` is given no count.
const FUZZ_CASES: u32 = 100_000;

fn fuzz(args: &[String]) -> ExitCode {
    let cases = match args {
        [] => FUZZ_CASES,
        [cases] => match cases.parse::<u32>() {
            Ok(cases) if cases > 0 => cases,
            _ => {
                eprintln!("usage: cargo xtask fuzz [CASES]  (CASES: a positive whole number)");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: cargo xtask fuzz [CASES]");
            return ExitCode::from(2);
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = Instant::now();
    // The test reads its own variable: an explicit proptest config overrides PROPTEST_CASES.
    let status = Command::new(cargo)
        .args([
            "test",
            "--release",
            "-p",
            "di-proto",
            "--test",
            "it",
            "parser_props",
        ])
        .env("DI_FUZZ_CASES", cases.to_string())
        .current_dir(workspace_root())
        .status();
    let elapsed = started.elapsed().as_secs();
    match status {
        Ok(status) if status.success() => {
            println!("fuzz: passed, {cases} cases per target, {elapsed} s");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("fuzz: failed ({status}) after {elapsed} s");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("could not run cargo test: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs this xtask command again from an optimized build: load figures from a debug build of
/// the clients and the emulator would measure the debug build.
fn in_release(args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--release", "--package", "xtask", "--"])
        .args(args)
        .current_dir(workspace_root())
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("could not run cargo run --release: {error}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
