//! The library half of `di-cli`: what the `di` command reads from its arguments, for the
//! binary and for the fuzz targets (`crates/di-fuzz`). The command itself is the `di` binary
//! (`cargo install di-cli`); see its `--help`.
//!
//! - [`ids`]: file ids as the command line takes them (`100`, `100-140`, a list with `#`
//!   comments), with their own error, [`ids::IdError`].
#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod ids;
