//! `di emulator`: the local emulator in the foreground, with the `di-emulator` binary's
//! options, until SIGINT (Ctrl-C) or SIGTERM. Its URL is the first line on stdout; with the
//! demo AccessKey, the two `export` lines that make `di` use it follow on stderr.

use crate::error::{Error, Exit};
use crate::output;

/// Serves the emulator that `args` (the `di-emulator` options) describe; prints its base URL
/// as the first line on stdout, then, when it accepts the demo AccessKey and not `quiet`, the
/// two `export` lines of that key on stderr (so that stdout's first line stays the URL).
///
/// # Errors
/// [`Error::Usage`] for options the emulator does not take; [`Error::Emulator`] when it
/// cannot start.
pub(crate) fn run(args: Vec<String>, quiet: bool) -> Result<Exit, Error> {
    let config = di_emulator::Config::from_args(args)
        .map_err(|error| Error::Usage(format!("emulator: {error}")))?;
    let demo_key = config.accepts_demo_key();
    let runtime = runtime()?;
    runtime.block_on(async {
        let emulator = di_emulator::start(config)
            .await
            .map_err(|error| Error::Emulator(format!("cannot serve: {error}")))?;
        output::line(&emulator.base_url());
        if demo_key && !quiet {
            eprintln!("{}", di_emulator::Config::demo_key_exports());
        }
        emulator.serve_until_signal().await;
        Ok(Exit::Success)
    })
}

/// A Tokio runtime for the emulator's server.
///
/// # Errors
/// [`Error::Emulator`] when the runtime cannot start.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Error::Emulator(format!("cannot start the runtime: {error}")))
}
