//! `cargo xtask fuzz [--cases N] [--target NAME]... [--seed N] [--jobs N]`: builds the
//! `di-fuzz` driver in release mode and runs every fuzz target (or the named ones) on the
//! stable toolchain; the arguments go to the driver as they are (`di-fuzz --help`).

use std::process::{Command, ExitCode};

use crate::workspace_root;

pub(crate) fn fuzz(args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--release", "--package", "di-fuzz", "--"])
        .args(args)
        .current_dir(workspace_root())
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("fuzz: failed ({status})");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("could not run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
