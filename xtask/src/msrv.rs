//! The stated minimum Rust version (`rust-version` in the root `Cargo.toml`), checked against
//! every dependency, by `cargo test`.
//!
//! Only the machine's stable toolchain can be installed here, so the workspace cannot be built
//! with the minimum version itself. Two checks stand in for that: clippy's `incompatible_msrv`
//! lint (on by default, an error under `-D warnings`) flags our own use of newer standard
//! library items, and this test fails when a dependency in the lockfile declares a
//! `rust-version` newer than ours.

use std::process::Command;

use serde_json::Value;

use crate::workspace_root;

/// `"1.88"` or `"1.88.0"` as `(1, 88, 0)`.
fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|part| part.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    parts.next().is_none().then_some((major, minor, patch))
}

#[test]
fn parses_rust_versions() {
    assert_eq!(parse_version("1.88"), Some((1, 88, 0)));
    assert_eq!(parse_version("1.85.1"), Some((1, 85, 1)));
    assert_eq!(parse_version("1"), None);
    assert_eq!(parse_version("1.x"), None);
    assert_eq!(parse_version("1.2.3.4"), None);
}

#[test]
fn no_dependency_needs_a_newer_rust_than_the_workspace_states() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("a package list");
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("a member list")
        .iter()
        .filter_map(Value::as_str)
        .collect();

    let rust_version = |package: &Value| package["rust_version"].as_str().and_then(parse_version);
    let ours: Vec<_> = packages
        .iter()
        .filter(|package| members.contains(&package["id"].as_str().unwrap_or_default()))
        .map(|package| {
            (
                package["name"].as_str().unwrap_or_default(),
                rust_version(package),
            )
        })
        .collect();
    let msrv = ours
        .iter()
        .find_map(|(_, version)| *version)
        .expect("the workspace states a rust-version");
    for (name, version) in &ours {
        assert_eq!(
            *version,
            Some(msrv),
            "{name} must inherit the workspace rust-version"
        );
    }

    let newer: Vec<String> = packages
        .iter()
        .filter_map(|package| {
            let version = rust_version(package)?;
            (version > msrv).then(|| {
                format!(
                    "{} {} needs {}",
                    package["name"].as_str().unwrap_or_default(),
                    package["version"].as_str().unwrap_or_default(),
                    package["rust_version"].as_str().unwrap_or_default()
                )
            })
        })
        .collect();
    assert!(
        newer.is_empty(),
        "dependencies newer than the stated rust-version {}.{}: {newer:?}",
        msrv.0,
        msrv.1
    );
}
