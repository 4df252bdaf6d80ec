//! Repository rules, checked by `cargo test` (in the manner of rust-analyzer's `tidy.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::workspace_root;

/// Crates that would give di-proto sockets, a runtime, a clock source or randomness.
const FORBIDDEN_IN_PROTO: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "mio",
    "socket2",
    "hyper",
    "reqwest",
    "ureq",
    "rand",
    "getrandom",
    "dirs",
    "home",
    "chrono",
    "time",
];

/// di-proto's normal (non-dev) dependency closure, as `name` strings; with `edges`
/// `"normal,no-proc-macro"`, without the crates that only compile its proc-macros.
fn proto_dependencies(edges: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--package",
            "di-proto",
            "--edges",
            edges,
            "--prefix",
            "none",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn di_proto_stays_sans_io_and_lean() {
    let dependencies = proto_dependencies("normal");
    assert!(
        dependencies.iter().any(|name| name == "hmac"),
        "cargo tree output not understood: {dependencies:?}"
    );
    let forbidden: Vec<&String> = dependencies
        .iter()
        .filter(|name| FORBIDDEN_IN_PROTO.contains(&name.as_str()))
        .collect();
    assert!(
        forbidden.is_empty(),
        "di-proto must stay sans-IO, but depends on {forbidden:?}"
    );
    // di-proto itself is in each list. All crates: 31 besides it (the hash and MAC crates,
    // base64, percent-encoding, http, serde with serde_json, quick-xml, thiserror, zeroize, and
    // the proc-macro stack of serde's and thiserror's derives: proc-macro2, quote, syn,
    // unicode-ident, serde_derive, thiserror-impl). What runs in the program, without that
    // build-time stack: 25, the performance issue's budget.
    assert!(
        dependencies.len() - 1 <= 31,
        "di-proto pulls in {} crates, over the budget of 31: {dependencies:?}",
        dependencies.len() - 1
    );
    let runtime = proto_dependencies("normal,no-proc-macro");
    assert!(
        runtime.len() - 1 <= 25,
        "di-proto runs {} crates besides its proc-macros, over the budget of 25: {runtime:?}",
        runtime.len() - 1
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|name| name != "target" && name != "data")
            {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// Every Rust source file of the workspace.
fn workspace_rust_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("xtask"), &mut files);
    assert!(
        !files.is_empty(),
        "no Rust files found under {}",
        root.display()
    );
    files
}

#[test]
fn every_module_opens_with_a_doc_line() {
    let files = workspace_rust_files();
    let undocumented: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "modules without a //! line: {undocumented:?}"
    );
}

#[test]
fn nothing_reads_the_steering_repository() {
    let mut files = workspace_rust_files();
    files.push(workspace_root().join(".ci/run"));
    let needle = ["..", "shared/"].join("/");
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| std::fs::read_to_string(path).is_ok_and(|text| text.contains(&needle)))
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "a clone has no {needle}: {offenders:?}"
    );
}
