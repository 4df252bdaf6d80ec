//! Tears a real-time sync task down: terminate, wait until it settles, delete.
//!
//! ```text
//! DI_REGION=cn-shanghai \
//! ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... \
//! cargo run -p di-ureq --example teardown_blocking -- --project-id 10000 --file-id 100
//! ```
//!
//! The endpoint comes from `DI_ENDPOINT` (for instance the emulator's `http://127.0.0.1:8080`),
//! else the region from `DI_REGION`; `ALIBABA_CLOUD_SECURITY_TOKEN` is optional (STS). Each
//! step's outcome is printed with its request id; a failure exits non-zero.

use std::env;
use std::process::ExitCode;

use di_ureq::Client;
use di_ureq::di_proto::Credentials;
use di_ureq::di_proto::client::ClientConfig;

const USAGE: &str = "usage: teardown --project-id N --file-id N\n\
    environment: DI_ENDPOINT or DI_REGION; ALIBABA_CLOUD_ACCESS_KEY_ID, \
    ALIBABA_CLOUD_ACCESS_KEY_SECRET, optional ALIBABA_CLOUD_SECURITY_TOKEN";

fn main() -> ExitCode {
    let (client, project_id, file_id) = match setup() {
        Ok(setup) => setup,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!(
        "tearing down task {file_id} of project {project_id} at {}",
        client.endpoint()
    );
    // Every step is printed, the failed one included, with its request id.
    let report = client.teardown(project_id, file_id);
    for step in &report.steps {
        let request_id = step.request_id.as_deref().unwrap_or("-");
        let note = step
            .note
            .as_deref()
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        println!(
            "{}: {}{note} [request id {request_id}]",
            step.kind, step.outcome
        );
    }
    match report.into_result() {
        Ok(report) => {
            println!("{}", report.outcome);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("teardown failed: {error}");
            if let Some(request_id) = error.request_id() {
                eprintln!("request id: {request_id}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Reads the environment and the arguments, and builds the client.
fn setup() -> Result<(Client, i64, i64), String> {
    let (project_id, file_id) = parse_args(env::args().skip(1))?;
    let mut config = ClientConfig::new();
    match (non_empty("DI_ENDPOINT"), non_empty("DI_REGION")) {
        (Some(endpoint), _) => config = config.with_endpoint(endpoint),
        (None, Some(region)) => config = config.with_region(region),
        (None, None) => return Err("set DI_ENDPOINT or DI_REGION".to_owned()),
    }
    let id =
        non_empty("ALIBABA_CLOUD_ACCESS_KEY_ID").ok_or("ALIBABA_CLOUD_ACCESS_KEY_ID is not set")?;
    let secret = non_empty("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .ok_or("ALIBABA_CLOUD_ACCESS_KEY_SECRET is not set")?;
    let mut credentials = Credentials::new(id, secret).map_err(|error| error.to_string())?;
    if let Some(token) = non_empty("ALIBABA_CLOUD_SECURITY_TOKEN") {
        credentials = credentials
            .with_security_token(token)
            .map_err(|error| error.to_string())?;
    }
    let client = Client::new(&config, credentials).map_err(|error| error.to_string())?;
    Ok((client, project_id, file_id))
}

fn non_empty(name: &str) -> Option<String> {
    env::var(name).ok().filter(|value| !value.is_empty())
}

/// `--project-id N --file-id N`, in either order, also as `--name=N`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(i64, i64), String> {
    let mut project_id = None;
    let mut file_id = None;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let slot = match name.as_str() {
            "--project-id" => &mut project_id,
            "--file-id" => &mut file_id,
            "-h" | "--help" => return Err("help requested".to_owned()),
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or(format!("{name} needs a value"))?,
        };
        let number = value
            .parse::<i64>()
            .map_err(|_| format!("{name} takes an integer, not {value:?}"))?;
        *slot = Some(number);
    }
    Ok((
        project_id.ok_or("--project-id is missing")?,
        file_id.ok_or("--file-id is missing")?,
    ))
}
