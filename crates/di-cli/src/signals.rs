//! SIGINT (Ctrl-C) and SIGTERM during a batch: the first asks the running tasks to stop at
//! their next step boundary ([`Interrupt`]), so that the batch reports every task; the
//! second ends the process at once, with exit 130.

use di_ureq::Interrupt;

/// Watches for the signals on a thread of its own for the rest of the process, and returns
/// the [`Interrupt`] the first one triggers.
///
/// When the signals cannot be watched (no runtime, no handler), says so on stderr and returns
/// an interrupt that never triggers: the batch runs, and a signal ends it the default way.
pub(crate) fn watch() -> Interrupt {
    let interrupt = Interrupt::new();
    let trigger = interrupt.clone();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("di: warning: cannot watch for Ctrl-C ({error}); it will end di at once");
            return interrupt;
        }
    };
    // The handlers are installed here, before `watch` returns, so that a signal that comes
    // at once (before the watching thread has run) is already caught.
    let signals = {
        let _context = runtime.enter();
        Signals::new()
    };
    let mut signals = match signals {
        Ok(signals) => signals,
        Err(error) => {
            eprintln!("di: warning: cannot watch for Ctrl-C ({error}); it will end di at once");
            return interrupt;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("di-signals".to_owned())
        .spawn(move || {
            runtime.block_on(async {
                signals.next().await;
                eprintln!(
                    "di: interrupted: finishing the calls in flight, starting nothing new \
                     (again to quit at once)"
                );
                trigger.trigger();
                signals.next().await;
                eprintln!("di: interrupted again: quitting");
                std::process::exit(130);
            });
        });
    if let Err(error) = spawned {
        eprintln!("di: warning: cannot watch for Ctrl-C ({error}); it will end di at once");
    }
    interrupt
}

/// SIGINT and SIGTERM, watched from the moment they are set up.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// The next SIGINT or SIGTERM (Ctrl-C only where there is no SIGTERM).
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
