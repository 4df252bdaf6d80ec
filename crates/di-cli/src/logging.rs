//! Logging to stderr, in three levels above the default (a task's retries and steps are in
//! its report, from its flow's events; the log shows them as they happen):
//!
//! - default: warnings (a credentials file others may read, a refresh that failed), each a
//!   plain `di: warning: ...` line; `--quiet`: errors only.
//! - `-v` (info): each task's steps and retries as they end.
//! - `-vv` (debug): also each attempt (HTTP status, request id, latency) and the source the
//!   credentials came from.
//! - `-vvv` (trace): also the settings di resolved (endpoint and where it came from,
//!   timeouts, attempts) and how long each task, flow and attempt took, as each ends.
//!
//! With `-v` and more, lines carry a timestamp, the level and the task. Only di's own crates
//! log above warnings. The clients log no URL, header, body, signature or credential, so
//! neither does this.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::{FmtSpan, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose events the levels above warnings show.
const OWN_CRATES: [&str; 5] = ["di", "di_credentials", "di_emulator", "di_proto", "di_ureq"];

/// The level `-v` given `count` times asks for: warnings, info, debug, trace; errors only
/// when `quiet`.
pub(crate) fn level(count: u8, quiet: bool) -> LevelFilter {
    match (quiet, count) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, 2) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    }
}

/// What the log shows, per crate: di's own crates at `level`, with the emulator's request
/// lines at least at INFO when `emulator` (as the di-emulator binary logs them, unless
/// `--quiet`); other crates' warnings and errors only.
fn targets(level: LevelFilter, emulator: bool) -> Targets {
    let mut targets = Targets::new().with_default(level.min(LevelFilter::WARN));
    for name in OWN_CRATES {
        targets = targets.with_target(name, level);
    }
    if emulator && level >= LevelFilter::WARN {
        targets = targets.with_target("di_emulator", level.max(LevelFilter::INFO));
    }
    targets
}

/// Installs the log (to stderr, at `level`), once per process. Lines are plain
/// (`di: warning: ...`) at the default level, and timestamped from `-v` on (and for the
/// emulator's request lines); `-vvv` adds a line as each span (task, flow, attempt) ends,
/// with how long it took.
pub(crate) fn init(level: LevelFilter, emulator: bool) {
    let filter = targets(level, emulator);
    let plain = level <= LevelFilter::WARN && !emulator;
    let layer = if plain {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .event_format(Plain)
            .with_filter(filter)
            .boxed()
    } else {
        let spans = if level >= LevelFilter::TRACE {
            FmtSpan::CLOSE
        } else {
            FmtSpan::NONE
        };
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            // Without the `ansi` feature, colours would panic in a debug build.
            .with_ansi(false)
            .with_span_events(spans)
            .with_filter(filter)
            .boxed()
    };
    // Another subscriber set first (none is) would keep its own settings.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// The plain line of the default level: `di: warning: MESSAGE (field=value, ...)`, no
/// timestamp, no target.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let level = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        let mut fields = PlainFields::default();
        event.record(&mut fields);
        write!(writer, "di: {level}: {}", fields.message)?;
        if !fields.others.is_empty() {
            write!(writer, " ({})", fields.others.join(", "))?;
        }
        writeln!(writer)
    }
}

/// An event's message and its other fields, as [`Plain`] prints them.
#[derive(Default)]
struct PlainFields {
    message: String,
    others: Vec<String>,
}

impl Visit for PlainFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.others.push(format!("{}={value}", field.name()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others.push(format!("{}={value:?}", field.name()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn counts_map_to_levels() {
        assert_eq!(level(0, false), LevelFilter::WARN);
        assert_eq!(level(1, false), LevelFilter::INFO);
        assert_eq!(level(2, false), LevelFilter::DEBUG);
        assert_eq!(level(3, false), LevelFilter::TRACE);
        assert_eq!(level(9, false), LevelFilter::TRACE);
        assert_eq!(level(0, true), LevelFilter::ERROR);
    }

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_default_level_prints_plain_warning_lines() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(Plain)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!("/h/.aliyun/config.json is readable by other users (mode 644)");
            tracing::warn!(attempts = 3, "refreshing failed");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "di: warning: /h/.aliyun/config.json is readable by other users (mode 644)\n\
             di: warning: refreshing failed (attempts=3)\n"
        );
    }

    #[test]
    fn only_di_crates_log_below_warnings() {
        let targets = targets(LevelFilter::TRACE, false);
        assert!(targets.would_enable("di_ureq::client", &Level::TRACE));
        assert!(targets.would_enable("di::settings", &Level::TRACE));
        assert!(!targets.would_enable("hyper::proto", &Level::INFO));
        assert!(targets.would_enable("hyper::proto", &Level::WARN));
        let emulator = targets_for_emulator();
        assert!(emulator.would_enable("di_emulator::server", &Level::INFO));
        assert!(!emulator.would_enable("di_ureq::client", &Level::INFO));
    }

    fn targets_for_emulator() -> Targets {
        targets(LevelFilter::WARN, true)
    }
}
