//! The stable-toolchain driver: runs a target on `cases` inputs, each caught on panic, and
//! keeps the inputs that panicked.
//!
//! Case `i` of a run is a pure function of the seed, the target's name and `i`: the first
//! cases are the corpus entries as they are, then four in five mutate a corpus entry
//! ([`mutate`]) and one in five is fresh random bytes, which the
//! targets read through `arbitrary::Unstructured`. Threads take every `jobs`-th case, so the
//! inputs do not depend on how many threads ran them.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Target;
use crate::mutate::{Rng, mutate};

/// The most crashing inputs written per target.
const MAX_SAVED: usize = 20;

/// What a run of one target found.
#[derive(Debug)]
pub struct Report {
    /// The target's name.
    pub target: &'static str,
    /// Cases run.
    pub cases: u64,
    /// Cases that panicked.
    pub panics: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The saved crashing inputs, with their panic messages (at most 20).
    pub crashes: Vec<(PathBuf, String)>,
}

/// The input of case `index`.
pub fn input(seed: u64, target: &str, index: u64, corpus: &[Vec<u8>]) -> Vec<u8> {
    if let Some(entry) = usize::try_from(index)
        .ok()
        .and_then(|index| corpus.get(index))
    {
        return entry.clone();
    }
    let mut rng = Rng::new(seed ^ name_hash(target) ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    if !corpus.is_empty() && !rng.one_in(5) {
        let entry = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        mutate(&mut rng, entry, other)
    } else {
        let len = if rng.one_in(4) {
            rng.below(4096)
        } else {
            rng.below(256)
        };
        rng.bytes(len)
    }
}

/// FNV-1a of a target's name, so that two targets of one seed get different inputs.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

thread_local! {
    /// The message of the last panic on this thread, kept by the quiet hook.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Replaces the panic hook with one that keeps the message (with its location) for the
/// report instead of printing it: a run may see many panics.
pub fn quiet_panics() {
    panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a panic without a message)".to_owned());
        let location = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|last| *last.borrow_mut() = format!("{location}: {message}"));
    }));
}

/// Runs `target` on cases `0..cases` over `jobs` threads; crashing inputs go to
/// `crash_dir/<target>/`. Call [`quiet_panics`] first to keep the output short.
pub fn run(
    target: &Target,
    corpus: &[Vec<u8>],
    cases: u64,
    seed: u64,
    jobs: usize,
    crash_dir: &Path,
) -> Report {
    let started = Instant::now();
    let jobs = jobs.max(1) as u64;
    let results: Vec<(u64, Vec<(u64, String)>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|job| {
                scope.spawn(move || {
                    let mut panics = 0;
                    let mut found = Vec::new();
                    let mut index = job;
                    while index < cases {
                        let data = input(seed, target.name, index, corpus);
                        if panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&data))).is_err() {
                            panics += 1;
                            if found.len() < MAX_SAVED {
                                let message = LAST_PANIC.with(|last| last.borrow().clone());
                                found.push((index, message));
                            }
                        }
                        index += jobs;
                    }
                    (panics, found)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_else(|_| (1, Vec::new())))
            .collect()
    });
    let elapsed = started.elapsed();
    let panics = results.iter().map(|(panics, _)| panics).sum();
    let mut found: Vec<(u64, String)> = results.into_iter().flat_map(|(_, found)| found).collect();
    found.sort_by_key(|(index, _)| *index);
    found.truncate(MAX_SAVED);
    let dir = crash_dir.join(target.name);
    let crashes = found
        .into_iter()
        .map(|(index, message)| {
            let data = input(seed, target.name, index, corpus);
            let path = dir.join(format!("crash-{seed:016x}-{index}"));
            let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &data));
            let message = match saved {
                Ok(()) => message,
                Err(error) => format!("{message} (not saved: {error})"),
            };
            (path, message)
        })
        .collect();
    Report {
        target: target.name,
        cases,
        panics,
        elapsed,
        crashes,
    }
}
