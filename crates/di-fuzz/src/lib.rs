//! Fuzz targets for di, and the driver that runs them on the stable toolchain.
//!
//! Each target is a function of bytes that panics when a property fails ([`TARGETS`]):
//!
//! - [`response`]: any HTTP answer through every operation's `parse_response` (the JSON and
//!   XML parsers, error classification, snippets, redaction) and the retry bookkeeping;
//! - [`emulator_request`]: any request through the emulator's gateway and service (query and
//!   form decoding, repeated parameters, V1 and V3 checks);
//! - [`emulator_signature`]: requests signed by di-proto pass the emulator's gateway, and any
//!   change to a signed part is refused;
//! - [`credential_files`]: any bytes through di-credentials' parsers of the aliyun CLI's
//!   `config.json` and the INI credentials file; no secret comes out;
//! - [`cli_ranges`]: any text through the `di` command's file-id parsing (a range, a list,
//!   their expansion).
//!
//! The same functions back two runners: `fuzz/` (cargo-fuzz and libFuzzer, on nightly) and
//! the `di-fuzz` binary ([`driver`]), which mutates the corpus in `fuzz/corpus/<target>/` and
//! draws fresh inputs from a seeded generator (`cargo xtask fuzz`).

#![warn(missing_docs)]

mod cli_ranges;
pub mod corpus;
mod credential_files;
pub mod driver;
mod emulator;
mod generate;
mod http_text;
pub mod mutate;
mod response;

pub use cli_ranges::cli_ranges;
pub use credential_files::credential_files;
pub use emulator::{emulator_request, emulator_signature};
pub use response::response;

/// One fuzz target: its name (also its corpus directory and its `fuzz_targets/` file) and
/// its body.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target's name, as `response`.
    pub name: &'static str,
    /// Runs one input; panics when a property fails.
    pub run: fn(&[u8]),
}

/// Every target, in the order the driver runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "response",
        run: response,
    },
    Target {
        name: "emulator_request",
        run: emulator_request,
    },
    Target {
        name: "emulator_signature",
        run: emulator_signature,
    },
    Target {
        name: "credential_files",
        run: credential_files,
    },
    Target {
        name: "cli_ranges",
        run: cli_ranges,
    },
];

/// The target named `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|target| target.name == name)
}
