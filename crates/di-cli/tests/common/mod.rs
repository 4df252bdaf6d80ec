//! What the `di` binary's tests share: `di emulator` as a child process (its control routes,
//! its record of each task), `di` with nothing of the machine's that the credential chain
//! reads, and the running of `di` with its output read back.
//!
//! Each test binary keeps its own AccessKey (an [`AccessKey`] constant), its own emulator
//! options and its own environment for `di`; this module holds the machinery alone.

#![allow(dead_code, reason = "each test file uses its own part of this module")]

use std::ffi::OsStr;
use std::fmt::Display;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The binary under test.
pub(crate) const DI: &str = env!("CARGO_BIN_EXE_di");
/// The workspace of every test task.
pub(crate) const PROJECT: &str = "10000";

/// A test binary's AccessKey: the emulator accepts it, `di` signs with it, and its secret
/// must never be printed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AccessKey {
    pub(crate) id: &'static str,
    pub(crate) secret: &'static str,
}

impl AccessKey {
    /// `ID:SECRET`, as `di emulator --access-key` takes it.
    pub(crate) fn pair(self) -> String {
        format!("{}:{}", self.id, self.secret)
    }

    /// Puts the key in `command`'s environment, where the credential chain looks first.
    pub(crate) fn export(self, command: &mut Command) -> &mut Command {
        command
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", self.id)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", self.secret)
    }
}

/// `di emulator` as a child process, killed on drop.
pub(crate) struct Emulator {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT` (`https://` with `--tls`), as it printed it.
    pub(crate) url: String,
    /// Its stderr, when [`Emulator::spawn`] kept it.
    pub(crate) stderr: Option<ChildStderr>,
}

impl Emulator {
    /// `di emulator --listen 127.0.0.1:0 --access-key KEY ARGS`: `key` in place of the demo
    /// key, `args` the test's own options (`--task` specs, delays, ...).
    pub(crate) fn launch(key: AccessKey, args: &[&str]) -> Emulator {
        let key = key.pair();
        let mut all = vec!["--listen", "127.0.0.1:0", "--access-key", &key];
        all.extend(args);
        Emulator::spawn(&all, false)
    }

    /// `di emulator ARGS`, exactly, once it has printed its URL on 127.0.0.1; its stderr kept
    /// for [`Emulator::exports`] when `stderr`, else dropped (a pipe nobody reads would fill
    /// with the request log).
    pub(crate) fn spawn(args: &[&str], stderr: bool) -> Emulator {
        let mut child = Command::new(DI)
            .arg("emulator")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if stderr {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("di emulator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut url = String::new();
        BufReader::new(stdout)
            .read_line(&mut url)
            .expect("the emulator prints its URL");
        let url = url.trim().to_owned();
        let scheme = if args.contains(&"--tls") {
            "https"
        } else {
            "http"
        };
        assert!(
            url.starts_with(&format!("{scheme}://127.0.0.1:")),
            "{url:?}"
        );
        let stderr = child.stderr.take();
        Emulator { child, url, stderr }
    }

    /// `host:port`.
    pub(crate) fn address(&self) -> &str {
        self.url
            .trim_start_matches("http://")
            .trim_start_matches("https://")
    }

    /// One request to a control route (over plain HTTP): the status code and the body.
    pub(crate) fn control(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let address = self.address();
        let mut stream = TcpStream::connect(address).expect("the control route answers");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("the request is sent");
        let mut reply = String::new();
        stream
            .read_to_string(&mut reply)
            .expect("the reply is read");
        let status = reply
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("a status line in {reply:?}"));
        let body = reply
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
            .to_owned();
        (status, body)
    }

    /// A GET of a control route, which must answer 200: the JSON body.
    pub(crate) fn get(&self, path: &str) -> Value {
        let (status, body) = self.control("GET", path, "");
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|error| panic!("{path}: {error}: {body}"))
    }

    /// Plans a fault (`POST /_emulator/faults`).
    pub(crate) fn fault(&self, body: &str) {
        let (status, reply) = self.control("POST", "/_emulator/faults", body);
        assert_eq!(status, 204, "{body}: {reply}");
    }

    /// Forgets every planned fault (`DELETE /_emulator/faults`).
    pub(crate) fn clear_faults(&self) {
        let (status, reply) = self.control("DELETE", "/_emulator/faults", "");
        assert_eq!(status, 204, "{reply}");
    }

    /// How many API requests the emulator has received (the control routes not counted),
    /// from `GET /_emulator/counters`.
    pub(crate) fn requests(&self) -> u64 {
        self.get("/_emulator/counters")["requests"]
            .as_u64()
            .expect("requests")
    }

    /// How many faults the emulator has served so far (`GET /_emulator/counters`).
    pub(crate) fn faults_served(&self) -> u64 {
        self.get("/_emulator/counters")["faults_served"]
            .as_u64()
            .expect("faults_served")
    }

    /// Blocks until the emulator has served `count` faults in all (a request meets its fault
    /// as it arrives, before a delay holds its answer), asking every 5 ms: so many calls are
    /// in flight. Fails if `child` ends first.
    pub(crate) fn until_faults_served(&self, count: u64, child: &mut Child) {
        while self.faults_served() < count {
            assert!(
                child.try_wait().expect("di is there").is_none(),
                "di ended before {count} requests reached the emulator"
            );
            // Pacing between two questions, not a wait for time to pass.
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The task's state as the emulator holds it (`deployed`, `paused`, `undeployed`,
    /// `deleted`, ...), from `GET /_emulator/tasks/{project}/{file}`.
    pub(crate) fn state(&self, file_id: impl Display) -> String {
        self.get(&format!("/_emulator/tasks/{PROJECT}/{file_id}"))["state"]
            .as_str()
            .expect("a state")
            .to_owned()
    }

    /// Whether the emulator holds the task deleted.
    pub(crate) fn is_gone(&self, file_id: impl Display) -> bool {
        self.state(file_id) == "deleted"
    }

    /// The `export NAME=VALUE` lines at the start of its stderr, as (name, value), read until
    /// there are two (among its first ten lines); its stderr is closed afterwards.
    pub(crate) fn exports(&mut self) -> Vec<(String, String)> {
        let stderr = self.stderr.take().expect("stderr kept and not read yet");
        let mut exports = Vec::new();
        for line in BufReader::new(stderr).lines().take(10) {
            let line = line.expect("UTF-8 stderr");
            if let Some((name, value)) = line
                .strip_prefix("export ")
                .and_then(|assignment| assignment.split_once('='))
            {
                exports.push((name.to_owned(), value.to_owned()));
                if exports.len() == 2 {
                    break;
                }
            }
        }
        exports
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory under the target's temporary folder, for this test binary (`{pid}-{name}`),
/// created if need be, never emptied.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    dir
}

/// `di` with stdin not a terminal and nothing of the machine's that the credential chain
/// reads: no `ALIBABA_CLOUD_` variable, `home` as its home (no profile file of the
/// machine's), the metadata service off.
pub(crate) fn di_isolated(home: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(DI);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ALIBABA_CLOUD_") {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    command
}

/// Runs `command`: its exit code, stdout and stderr.
pub(crate) fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("di runs");
    (
        status.code().expect("di exits, not killed"),
        String::from_utf8(stdout).expect("UTF-8 stdout"),
        String::from_utf8(stderr).expect("UTF-8 stderr"),
    )
}

/// [`run`], failing if `secret` was printed on stdout or stderr.
pub(crate) fn run_hiding(command: &mut Command, secret: &str) -> (i32, String, String) {
    let (code, stdout, stderr) = run(command);
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "a secret was printed:\n{stdout}\n{stderr}"
    );
    (code, stdout, stderr)
}

/// [`run_hiding`], stdout read as JSON lines.
pub(crate) fn run_json(command: &mut Command, secret: &str) -> (i32, Vec<Value>, String) {
    let (code, stdout, stderr) = run_hiding(command, secret);
    (code, json_lines(&stdout), stderr)
}

/// Runs `command` with `input` on its stdin, a pipe (not a terminal): its output. `what`
/// names the program for the failure to start it.
pub(crate) fn run_with_input(command: &mut Command, input: &str, what: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{what} runs: {error}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("stdin takes the input");
    child.wait_with_output().expect("the child ends")
}

/// One JSON line of `di`'s output.
pub(crate) fn json_line(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"))
}

/// Every line of `stdout`, each a JSON object.
pub(crate) fn json_lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(json_line).collect()
}

/// The `step` names of a JSON line's steps, in order.
pub(crate) fn step_kinds(line: &Value) -> Vec<&str> {
    line["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("steps in {line}"))
        .iter()
        .map(|step| step["step"].as_str().unwrap_or_default())
        .collect()
}

/// The step `kind` of a JSON line (the last, when there are several).
pub(crate) fn step<'a>(line: &'a Value, kind: &str) -> &'a Value {
    line["steps"]
        .as_array()
        .and_then(|steps| steps.iter().rev().find(|step| step["step"] == kind))
        .unwrap_or_else(|| panic!("a {kind} step in {line}"))
}
