//! Development automation for the di workspace: `cargo xtask <command>`.
//!
//! - `vectors FILE...`: runs golden signing vectors through di-proto, with the output contract
//!   of `crates/di-proto/tests/data/vectors/README.md`.
//! - `ci`: runs `.ci/run`, exactly what CI runs.
//! - `fuzz [--cases N] [--target NAME]... [--seed N] [--jobs N]`: runs the fuzz targets of
//!   `crates/di-fuzz` on the stable toolchain ([`fuzz`]).
//! - `load [OPTIONS]`: the async client against an in-process emulator under load, optionally
//!   with injected faults (`load.rs`).
//! - `throttle [--tasks N] [--qps Q] [--latency-ms MS]`: teardowns against an emulator that
//!   throttles, under each client rate-limit setting side by side (`throttle.rs`).
//! - `bench [--quick|--full|--smoke]`: runs the benchmarks and measurements and writes
//!   `docs/BENCHMARKS.md` (`bench.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

// The runner is di-proto's own test code, included here so that `cargo test` and
// `cargo xtask vectors` run the very same checks.
#[path = "../../crates/di-proto/tests/it/vector_runner.rs"]
#[allow(dead_code)]
mod vector_runner;

mod bench;
mod fuzz;
mod https;
mod load;
#[cfg(test)]
mod msrv;
mod throttle;
#[cfg(test)]
mod tidy;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  vectors FILE...   check golden signing vectors (JSON Lines) against di-proto
  ci                run .ci/run, what CI runs
  fuzz [--cases N] [--target NAME]... [--seed N] [--jobs N]
                    run the fuzz targets (crates/di-fuzz), N cases per target (200000)
  load [OPTIONS]    the async client against the emulator under load (--help for options)
  throttle [OPTIONS]
                    teardowns against a throttling emulator, per rate-limit setting
  bench [MODE]      run the benchmarks and write docs/BENCHMARKS.md
                    (--quick, the default; --full; --smoke: run once, write nothing)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("vectors") => vectors(&args[1..]),
        Some("ci") => ci(),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("load" | "bench" | "throttle") if cfg!(debug_assertions) => in_release(&args),
        Some("load") => load::command(&args[1..]),
        Some("throttle") => throttle::command(&args[1..]),
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
