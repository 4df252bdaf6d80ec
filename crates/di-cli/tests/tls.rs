//! `di` over HTTPS, as a user runs it: `di emulator --tls --tls-ca-out ca.pem` as a child
//! process, and `di --endpoint https://127.0.0.1:PORT --ca-bundle ca.pem teardown ...` (or
//! `SSL_CERT_FILE=ca.pem`) against it; without the CA, every task fails at its first attempt
//! with kind `tls`, nothing retried, and `di` exits 2 with the `--ca-bundle` hint.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{AccessKey, Emulator, PROJECT, di_isolated, run_json, temp_dir};
use serde_json::Value;

const KEY: AccessKey = AccessKey {
    id: "LTAI5tCliTlsKeyId",
    secret: "CliTlsSecretNeverPrinted77",
};

/// A directory under the target's temporary folder, for this test only.
fn directory(test: &str) -> PathBuf {
    temp_dir(&format!("tls-{test}"))
}

/// `di emulator --tls --tls-ca-out DIR/ca.pem` with the test key and running tasks
/// `10000:1-last`, and the path of its CA certificate.
fn start(dir: &Path, last: i64) -> (Emulator, PathBuf) {
    let ca = dir.join("ca.pem");
    let tasks = format!("{PROJECT}:1-{last}");
    let ca_out = ca.to_str().expect("a UTF-8 path");
    let emulator = Emulator::launch(KEY, &["--tls", "--tls-ca-out", ca_out, "--task", &tasks]);
    // Written before the URL is printed.
    let pem = std::fs::read_to_string(&ca).expect("the CA certificate is written");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    (emulator, ca)
}

/// `di --endpoint URL --output json` with the test key and an empty home, and no
/// `SSL_CERT_FILE` of the machine's.
fn di(emulator: &Emulator, home: &Path) -> Command {
    let mut command = di_isolated(home);
    command.env_remove("SSL_CERT_FILE");
    KEY.export(&mut command)
        .args(["--endpoint", &emulator.url, "--output", "json"]);
    command
}

/// Runs `command`: the exit code, the JSON lines on stdout, and stderr; never the secret.
fn run(command: &mut Command) -> (i32, Vec<Value>, String) {
    run_json(command, KEY.secret)
}

/// `teardown` of the tasks `ids` (`first-last`), 4 at a time, polling quickly.
fn teardown<'a>(command: &'a mut Command, ids: &str) -> &'a mut Command {
    command.args([
        "teardown",
        "--project-id",
        PROJECT,
        "--file-id",
        ids,
        "--jobs",
        "4",
        "--poll-interval",
        "0.05",
    ])
}

#[test]
fn a_teardown_over_https_trusts_the_emulators_ca_with_ca_bundle_or_ssl_cert_file() {
    let dir = directory("trusted");
    let (emulator, ca) = start(&dir, 20);
    let (code, lines, stderr) = run(teardown(
        di(&emulator, &dir).arg("--ca-bundle").arg(&ca),
        "1-10",
    ));
    assert_eq!(code, 0, "{lines:?}\n{stderr}");
    assert_eq!(lines.len(), 10, "{lines:?}");
    for line in &lines {
        assert_eq!(line["outcome"], "done", "{line}");
    }

    // SSL_CERT_FILE, as OpenSSL, Go and Python read it, in place of the system's roots.
    let mut command = di(&emulator, &dir);
    command.env("SSL_CERT_FILE", &ca);
    let (code, lines, stderr) = run(teardown(&mut command, "11-20"));
    assert_eq!(code, 0, "{lines:?}\n{stderr}");
    assert_eq!(lines.len(), 10, "{lines:?}");
    for line in &lines {
        assert_eq!(line["outcome"], "done", "{line}");
    }
}

/// Nothing retried, under `--retries 5`: each task's line says so (one step, no retry).
#[test]
fn without_the_ca_every_task_fails_unretried_with_exit_2_and_the_hint() {
    let dir = directory("untrusted");
    let (emulator, _ca) = start(&dir, 8);
    let (code, lines, stderr) = run(teardown(
        di(&emulator, &dir).args(["--retries", "5"]),
        "1-8",
    ));
    assert_eq!(code, 2, "{lines:?}\n{stderr}");
    assert_eq!(lines.len(), 8, "{lines:?}");
    for line in &lines {
        assert_eq!(line["outcome"], "failed", "{line}");
        assert_eq!(line["error"]["kind"], "tls", "{line}");
        assert_eq!(line["error"]["code"], "unknown_issuer", "{line}");
        let message = line["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("--ca-bundle"), "{message}");
        assert!(
            message.contains(&emulator.url["https://".len()..]),
            "{message}"
        );
        // One step, one attempt: nothing retried.
        assert_eq!(line["retries"], 0, "{line}");
        assert_eq!(line["steps"].as_array().map(Vec::len), Some(1), "{line}");
        assert_eq!(line["steps"][0]["retries"], 0, "{line}");
    }

    // A bundle that holds no certificate is refused before anything is sent.
    let bad = dir.join("not-a-bundle.pem");
    std::fs::write(&bad, "not PEM\n").expect("writable");
    let (code, _, stderr) = run(teardown(
        di(&emulator, &dir).arg("--ca-bundle").arg(&bad),
        "1-8",
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("CERTIFICATE"), "{stderr}");
    let (code, _, stderr) = run(teardown(
        di(&emulator, &dir).args(["--ca-bundle", "/nonexistent/ca.pem"]),
        "1-8",
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent/ca.pem"), "{stderr}");
}
