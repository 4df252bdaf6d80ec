//! Logging: `-v` turns on the `tracing` log on stderr, and every call's retries are captured
//! per thread, so that a task's line can say what was retried and why.
//!
//! The clients log no URL, header, body, signature or credential, so neither does this.

use std::cell::RefCell;
use std::fmt;
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

thread_local! {
    /// The reasons of the retries this thread's calls made since the last [`take_retries`].
    static RETRIES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The level `-v` given `count` times asks for: warnings only, info, debug, trace.
pub(crate) fn level(count: u8) -> LevelFilter {
    match count {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the log (to stderr, at `level`) and the retry capture, once per process.
pub(crate) fn init(level: LevelFilter) {
    let log = (level != LevelFilter::OFF).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(level)
    });
    // Another subscriber set first (none is) would only cost the retry notes.
    let _ = tracing_subscriber::registry()
        .with(log)
        .with(RetryCapture.with_filter(LevelFilter::INFO))
        .try_init();
}

/// The reasons of the retries the calls on this thread made since the last call to this.
pub(crate) fn take_retries() -> Vec<String> {
    RETRIES.with(|retries| std::mem::take(&mut *retries.borrow_mut()))
}

/// Keeps the `reason` of the clients' `retrying` events in [`RETRIES`].
struct RetryCapture;

impl<S: Subscriber> Layer<S> for RetryCapture {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let mut fields = RetryFields::default();
        event.record(&mut fields);
        if fields.message.as_deref() == Some("retrying") {
            let reason = fields.reason.unwrap_or_else(|| "unknown".to_owned());
            RETRIES.with(|retries| retries.borrow_mut().push(reason));
        }
    }
}

/// The fields of an event that matter to [`RetryCapture`].
#[derive(Default)]
struct RetryFields {
    message: Option<String>,
    reason: Option<String>,
}

impl Visit for RetryFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record(field, format!("{value:?}"));
    }
}

impl RetryFields {
    fn record(&mut self, field: &Field, value: String) {
        match field.name() {
            "message" => self.message = Some(value),
            "reason" => self.reason = Some(value),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_retry_reasons_per_thread() {
        init(LevelFilter::OFF);
        tracing::info!(reason = %"server error: X", delay_ms = 5_u64, "retrying");
        tracing::info!(status = 200_u16, "answered");
        let retries = take_retries();
        assert_eq!(retries, vec!["server error: X".to_owned()]);
        assert!(take_retries().is_empty());
        assert_eq!(level(0), LevelFilter::WARN);
        assert_eq!(level(9), LevelFilter::TRACE);
    }
}
