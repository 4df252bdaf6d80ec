//! `di emulator`: the local emulator in the foreground, with the `di-emulator` binary's
//! options, until SIGINT (Ctrl-C) or SIGTERM.

use crate::error::{Error, Exit};
use crate::output;

/// Serves the emulator that `args` (the `di-emulator` options) describe; prints its base URL
/// as the first line on stdout.
///
/// # Errors
/// [`Error::Usage`] for options the emulator does not take; [`Error::Emulator`] when it
/// cannot start.
pub(crate) fn run(args: Vec<String>) -> Result<Exit, Error> {
    let config = di_emulator::Config::from_args(args)
        .map_err(|error| Error::Usage(format!("emulator: {error}")))?;
    let runtime = runtime()?;
    runtime.block_on(async {
        let emulator = di_emulator::start(config)
            .await
            .map_err(|error| Error::Emulator(format!("cannot serve: {error}")))?;
        output::line(&emulator.base_url());
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
