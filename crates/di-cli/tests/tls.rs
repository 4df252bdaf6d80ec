//! `di` over HTTPS, as a user runs it: `di emulator --tls --tls-ca-out ca.pem` as a child
//! process, and `di --endpoint https://127.0.0.1:PORT --ca-bundle ca.pem teardown ...` (or
//! `SSL_CERT_FILE=ca.pem`) against it; without the CA, every task fails at its first attempt
//! with kind `tls`, nothing retried, and `di` exits 2 with the `--ca-bundle` hint.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const DI: &str = env!("CARGO_BIN_EXE_di");
const PROJECT: &str = "10000";
const ACCESS_KEY_ID: &str = "LTAI5tCliTlsKeyId";
const ACCESS_KEY_SECRET: &str = "CliTlsSecretNeverPrinted77";

/// A directory under the target's temporary folder, for this test only.
fn directory(test: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{}-tls-{test}", std::process::id()));
    std::fs::create_dir_all(&path).expect("the temporary directory is writable");
    path
}

/// `di emulator --tls --tls-ca-out DIR/ca.pem` with running tasks `10000:1-last`, killed on
/// drop.
struct Emulator {
    child: Child,
    url: String,
    ca: PathBuf,
}

impl Emulator {
    fn start(dir: &std::path::Path, last: i64) -> Emulator {
        let ca = dir.join("ca.pem");
        let mut child = Command::new(DI)
            .args([
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--tls",
                "--tls-ca-out",
            ])
            .arg(&ca)
            .args(["--task", &format!("{PROJECT}:1-{last}")])
            .args([
                "--access-key",
                &format!("{ACCESS_KEY_ID}:{ACCESS_KEY_SECRET}"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("di emulator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut url = String::new();
        BufReader::new(stdout)
            .read_line(&mut url)
            .expect("the emulator prints its URL");
        let url = url.trim().to_owned();
        assert!(url.starts_with("https://127.0.0.1:"), "{url:?}");
        // Written before the URL is printed.
        let pem = std::fs::read_to_string(&ca).expect("the CA certificate is written");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        Emulator { child, url, ca }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `di --endpoint URL --output json` with the test key and an empty home, and no
/// `SSL_CERT_FILE` of the machine's.
fn di(emulator: &Emulator, home: &std::path::Path) -> Command {
    let mut command = Command::new(DI);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ALIBABA_CLOUD_") {
            command.env_remove(name);
        }
    }
    command
        .env_remove("SSL_CERT_FILE")
        .env("HOME", home)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
        .args(["--endpoint", &emulator.url, "--output", "json"])
        .stdin(Stdio::null());
    command
}

/// Runs `command`: the exit code, the JSON lines on stdout, and stderr.
fn run(command: &mut Command) -> (i32, Vec<Value>, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("di runs");
    let stdout = String::from_utf8(stdout).expect("UTF-8 stdout");
    let stderr = String::from_utf8(stderr).expect("UTF-8 stderr");
    assert!(
        !stdout.contains(ACCESS_KEY_SECRET) && !stderr.contains(ACCESS_KEY_SECRET),
        "{stdout}{stderr}"
    );
    let lines = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect();
    (status.code().expect("di exits, not killed"), lines, stderr)
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
    let emulator = Emulator::start(&dir, 20);
    let (code, lines, stderr) = run(teardown(
        di(&emulator, &dir).arg("--ca-bundle").arg(&emulator.ca),
        "1-10",
    ));
    assert_eq!(code, 0, "{lines:?}\n{stderr}");
    assert_eq!(lines.len(), 10, "{lines:?}");
    for line in &lines {
        assert_eq!(line["outcome"], "done", "{line}");
    }

    // SSL_CERT_FILE, as OpenSSL, Go and Python read it, in place of the system's roots.
    let mut command = di(&emulator, &dir);
    command.env("SSL_CERT_FILE", &emulator.ca);
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
    let emulator = Emulator::start(&dir, 8);
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
