//! Logging: `-v` turns on the `tracing` log on stderr (a task's retries and steps are in its
//! report, from its flow's events, not from the log).
//!
//! The clients log no URL, header, body, signature or credential, so neither does this.

use std::io::IsTerminal;

use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The level `-v` given `count` times asks for: warnings only, info, debug, trace.
pub(crate) fn level(count: u8) -> LevelFilter {
    match count {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the log (to stderr, at `level`), once per process.
pub(crate) fn init(level: LevelFilter) {
    let log = (level != LevelFilter::OFF).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(level)
    });
    // Another subscriber set first (none is) would keep its own settings.
    let _ = tracing_subscriber::registry().with(log).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_map_to_levels() {
        assert_eq!(level(0), LevelFilter::WARN);
        assert_eq!(level(1), LevelFilter::INFO);
        assert_eq!(level(2), LevelFilter::DEBUG);
        assert_eq!(level(9), LevelFilter::TRACE);
    }
}
