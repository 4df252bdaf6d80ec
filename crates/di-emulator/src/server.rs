//! The HTTP side: listening, faults, the control routes, shutdown.

/// A running emulator.
#[derive(Debug)]
pub struct Handle;

/// What the emulator has served so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters;

/// Starts an emulator.
///
/// # Errors
/// When the address cannot be bound.
pub async fn start(config: crate::Config) -> std::io::Result<Handle> {
    let _ = config;
    Ok(Handle)
}
