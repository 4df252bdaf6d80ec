//! `di-fuzz`: runs the fuzz targets on the stable toolchain (see the crate docs). `cargo xtask
//! fuzz` builds it in release mode and passes its arguments on.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use di_fuzz::{TARGETS, Target, corpus, driver};

const USAGE: &str =
    "usage: di-fuzz [run] [--cases N] [--target NAME]... [--seed N] [--jobs N] [--corpus DIR]
       di-fuzz replay TARGET FILE...   run saved inputs, panics shown as they are
       di-fuzz seed-corpus [DIR]       rewrite the seed corpus (fuzz/corpus by default)
       di-fuzz list                    the targets

run: CASES per target (default 200000); every target unless --target; a seed from the clock
unless --seed (printed, to replay the run); jobs: the available cores.";

/// The cases per target when none is given: about half a minute per target on two cores.
const DEFAULT_CASES: u64 = 200_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("replay") => replay(&args[1..]),
        Some("seed-corpus") => seed_corpus(&args[1..]),
        Some("list") => {
            for target in TARGETS {
                println!("{}", target.name);
            }
            ExitCode::SUCCESS
        }
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("run") => run(&args[1..]),
        _ => run(&args),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("di-fuzz: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn run(args: &[String]) -> ExitCode {
    let mut cases = DEFAULT_CASES;
    let mut seed = None;
    let mut jobs = std::thread::available_parallelism().map_or(1, usize::from);
    let mut targets: Vec<&'static Target> = Vec::new();
    let mut corpus_dir = corpus::default_dir();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        let parsed = match arg.as_str() {
            "--cases" => value().and_then(|value| number(value).map(|n| cases = n)),
            "--seed" => value().and_then(|value| number(value).map(|n| seed = Some(n))),
            "--jobs" => value().and_then(|value| {
                number(value).map(|n| jobs = usize::try_from(n).unwrap_or(1).max(1))
            }),
            "--corpus" => value().map(|value| corpus_dir = PathBuf::from(value)),
            "--target" => value().and_then(|name| {
                di_fuzz::target(name)
                    .map(|target| targets.push(target))
                    .ok_or_else(|| format!("no target {name:?} (see: di-fuzz list)"))
            }),
            other => Err(format!("unknown argument {other:?}")),
        };
        if let Err(message) = parsed {
            return usage_error(&message);
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().collect();
    }
    let seed = seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64)
    });
    println!("di-fuzz: seed {seed}, {cases} cases per target, {jobs} jobs (replay: --seed {seed})");
    driver::quiet_panics();
    let crash_dir = corpus::workspace_root().join("target").join("fuzz-crashes");
    let mut failed = false;
    for target in targets {
        let corpus = match corpus::load(&corpus_dir.join(target.name)) {
            Ok(corpus) => corpus,
            Err(error) => {
                eprintln!(
                    "di-fuzz: cannot read the corpus of {}: {error}",
                    target.name
                );
                return ExitCode::FAILURE;
            }
        };
        let report = driver::run(target, &corpus, cases, seed, jobs, &crash_dir);
        println!(
            "{:<20} {:>10} cases  {:>6} panics  {:>8.1} s  (corpus: {} entries)",
            report.target,
            report.cases,
            report.panics,
            report.elapsed.as_secs_f64(),
            corpus.len()
        );
        for (path, message) in &report.crashes {
            println!("  crash {}\n    {message}", path.display());
        }
        failed |= report.panics > 0;
    }
    if failed {
        println!("di-fuzz: FAILED (replay an input: di-fuzz replay TARGET FILE)");
        ExitCode::FAILURE
    } else {
        println!("di-fuzz: no panics");
        ExitCode::SUCCESS
    }
}

fn number(text: &str) -> Result<u64, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))
}

fn replay(args: &[String]) -> ExitCode {
    let [name, files @ ..] = args else {
        return usage_error("replay needs a target and files");
    };
    let Some(target) = di_fuzz::target(name) else {
        return usage_error(&format!("no target {name:?}"));
    };
    for file in files {
        match std::fs::read(file) {
            Ok(data) => {
                println!("{file}: {} bytes", data.len());
                (target.run)(&data);
                println!("{file}: no panic");
            }
            Err(error) => {
                eprintln!("{file}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn seed_corpus(args: &[String]) -> ExitCode {
    let dir = args.first().map_or_else(corpus::default_dir, PathBuf::from);
    match corpus::write_seeds(&dir) {
        Ok(written) => {
            println!(
                "di-fuzz: wrote {written} seed files under {}",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("di-fuzz: {error}");
            ExitCode::FAILURE
        }
    }
}
