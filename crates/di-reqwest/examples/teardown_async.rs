//! Tears a real-time Data Integration task down: terminate, wait until it settles, delete.
//!
//! ```text
//! DI_REGION=cn-shanghai \
//! ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... \
//!     cargo run -p di-reqwest --example teardown_async -- --project-id 10000 --file-id 100
//! ```
//!
//! The endpoint comes from `DI_ENDPOINT` (a URL), else from `DI_REGION`; the credentials
//! from `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and, for STS
//! credentials, `ALIBABA_CLOUD_SECURITY_TOKEN`. Each step's outcome is printed with its
//! RequestId; the exit status is non-zero on failure. Set `DI_LOG=1` to see the attempts.

use std::process::ExitCode;

use di_reqwest::Client;
use di_reqwest::di_proto::Credentials;
use di_reqwest::di_proto::client::ClientConfig;

const USAGE: &str = "usage: teardown --project-id N --file-id N";

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::var_os("DI_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(tracing::Level::INFO)
            .init();
    }
    let (project_id, file_id) = match arguments(std::env::args().skip(1)) {
        Ok(ids) => ids,
        Err(message) => return fail(&format!("{message}\n{USAGE}")),
    };
    let config = match config_from_env() {
        Ok(config) => config,
        Err(message) => return fail(&message),
    };
    let credentials = match credentials_from_env() {
        Ok(credentials) => credentials,
        Err(message) => return fail(&message),
    };
    let client = match Client::new(&config, credentials) {
        Ok(client) => client,
        Err(error) => return fail(&error.to_string()),
    };
    println!(
        "tearing down task {file_id} of workspace {project_id} at {}",
        client.endpoint()
    );
    // Every step is printed, the failed one included, with its request id.
    let report = client.teardown(project_id, file_id).await;
    for step in &report.steps {
        let request_id = step.request_id.as_deref().unwrap_or("-");
        let note = step
            .note
            .as_deref()
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        println!(
            "{}: {}{note} [RequestId {request_id}]",
            step.kind, step.outcome
        );
    }
    match report.into_result() {
        Ok(report) => {
            println!("{}", report.outcome);
            ExitCode::SUCCESS
        }
        Err(error) => {
            let shown = error.to_string();
            let request_id = match error.request_id() {
                Some(id) if !shown.contains(id) => format!(" [RequestId {id}]"),
                _ => String::new(),
            };
            fail(&format!("teardown failed: {shown}{request_id}"))
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn arguments(mut args: impl Iterator<Item = String>) -> Result<(i64, i64), String> {
    let (mut project_id, mut file_id) = (None, None);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--project-id" => &mut project_id,
            "--file-id" => &mut file_id,
            "-h" | "--help" => {
                return Err(
                    "teardown: terminate, wait until settled, then delete, a DI task".into(),
                );
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        };
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let id = value
            .parse::<i64>()
            .map_err(|_| format!("{flag} takes an integer, not {value:?}"))?;
        *slot = Some(id);
    }
    match (project_id, file_id) {
        (Some(project_id), Some(file_id)) => Ok((project_id, file_id)),
        (None, _) => Err("missing --project-id".into()),
        (_, None) => Err("missing --file-id".into()),
    }
}

fn config_from_env() -> Result<ClientConfig, String> {
    let config = ClientConfig::new();
    match (env("DI_ENDPOINT"), env("DI_REGION")) {
        (Some(endpoint), _) => Ok(config.with_endpoint(endpoint)),
        (None, Some(region)) => Ok(config.with_region(region)),
        (None, None) => Err("set DI_ENDPOINT (a URL) or DI_REGION (such as cn-shanghai)".into()),
    }
}

fn credentials_from_env() -> Result<Credentials, String> {
    let id = env("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .ok_or("set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET")?;
    let secret = env("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .ok_or("set ALIBABA_CLOUD_ACCESS_KEY_SECRET as well")?;
    let credentials = Credentials::new(id, secret).map_err(|error| error.to_string())?;
    match env("ALIBABA_CLOUD_SECURITY_TOKEN") {
        Some(token) => credentials
            .with_security_token(token)
            .map_err(|error| error.to_string()),
        None => Ok(credentials),
    }
}

/// A variable's value, unless unset or empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
