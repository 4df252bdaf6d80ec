//! Writing to stdout: one line at a time, and quietly nothing more once the reader has gone
//! (`di ... | head -1` must not panic).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to stdout failed; later lines are dropped.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout, with a line break unless it ends with one, and flushes.
pub(crate) fn line(text: &str) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    let written = write!(stdout, "{text}{newline}").and_then(|()| stdout.flush());
    if written.is_err() {
        STDOUT_GONE.store(true, Ordering::Relaxed);
    }
}
