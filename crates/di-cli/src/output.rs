//! Writing to stdout: one line at a time, and quietly nothing more once the reader has gone
//! (`di ... | head -1` must not panic); colouring a task's line (`--color`, `NO_COLOR`).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use di_proto::flow::TaskOutcome;

use crate::cli::ColorArg;

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

/// Whether to colour the task lines on stdout: `--color always`, or `--color auto` when
/// stdout is a terminal and `NO_COLOR` is not set (to anything but the empty string).
pub(crate) fn colour_stdout(choice: ColorArg) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    use_colour(choice, no_color, std::io::stdout().is_terminal())
}

/// The decision of [`colour_stdout`], from its inputs.
fn use_colour(choice: ColorArg, no_color: bool, terminal: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => terminal && !no_color,
    }
}

/// A task's line, coloured when `colour` says so: red for a failed task, yellow for one
/// interrupted or not started; the others as they are.
pub(crate) fn task_line(line: String, outcome: TaskOutcome, colour: bool) -> String {
    let code = match outcome {
        _ if !colour => return line,
        TaskOutcome::Failed => "31",
        TaskOutcome::Interrupted | TaskOutcome::NotStarted => "33",
        _ => return line,
    };
    format!("\x1b[{code}m{line}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_failed_lines_only_when_asked_or_on_a_terminal() {
        assert!(use_colour(ColorArg::Auto, false, true));
        assert!(!use_colour(ColorArg::Auto, true, true), "NO_COLOR");
        assert!(!use_colour(ColorArg::Auto, false, false), "not a terminal");
        assert!(use_colour(ColorArg::Always, true, false));
        assert!(!use_colour(ColorArg::Never, false, true));
        let failed = task_line("10000/1  failed".to_owned(), TaskOutcome::Failed, true);
        assert_eq!(failed, "\x1b[31m10000/1  failed\x1b[0m");
        let done = task_line("10000/1  done".to_owned(), TaskOutcome::Done, true);
        assert_eq!(done, "10000/1  done");
        let plain = task_line("10000/1  failed".to_owned(), TaskOutcome::Failed, false);
        assert_eq!(plain, "10000/1  failed");
    }
}
