//! Builds and prints a signed `DeleteDISyncTask` request, without sending it, then reads the
//! service's documented sample answer to it.
//!
//! `cargo run -p di-proto --example sign_delete [-- --v1]`
//!
//! The credentials are the documented demo pair of this workspace, not a real AccessKey, so
//! printing the whole request is harmless here. With real credentials, never print a signed
//! request: it carries the signature and any STS token.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use di_proto::ops::{DeleteDiSyncTask, Operation};
use di_proto::{
    Credentials, Endpoint, Format, ResponseContext, SignatureVersion, Signer, Timestamp,
};

const DEMO_ACCESS_KEY_ID: &str = "LTAI5tDemoAccessKeyId";
const DEMO_ACCESS_KEY_SECRET: &str = "DemoAccessKeySecretForLocalUse1";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), di_proto::Error> {
    let version = if std::env::args().any(|arg| arg == "--v1") {
        SignatureVersion::V1
    } else {
        SignatureVersion::V3
    };
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)?;
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com")?;
    let operation = DeleteDiSyncTask::new(10000, 100);
    let request = operation.to_rpc_request()?;

    // di-proto never reads the clock or draws random numbers: the caller does, per attempt.
    #[expect(
        clippy::disallowed_methods,
        reason = "the caller of di-proto reads the clock"
    )]
    let now = SystemTime::now();
    let timestamp = Timestamp::try_from(now)?;
    let nonce = demo_nonce(now);

    let signed = Signer::new(&credentials, &endpoint)
        .with_signature_version(version)
        .with_format(Format::Json)
        .sign(&request, timestamp, &nonce)?;

    println!("# signed with {version:?}; nothing is sent");
    println!("string to sign:\n{}\n", signed.signature().string_to_sign());
    let http_request = signed.request();
    println!("{} {} HTTP/1.1", http_request.method(), http_request.uri());
    for (name, value) in http_request.headers() {
        println!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
    }
    println!();
    println!("{}", String::from_utf8_lossy(http_request.body()));

    // The sample answer of the API reference: HTTP 200 and `Success: true`, yet the task was
    // not deleted. di-proto reads it as the failure it is.
    let sample = di_proto::http::Response::builder()
        .header("content-type", "application/json")
        .body(SAMPLE_ANSWER)
        .map_err(|_| di_proto::Error::InvalidHeader {
            name: "content-type".to_owned(),
            reason: "the sample answer could not be built",
        })?;
    let context = ResponseContext::new().with_request(&signed);
    println!("# the documented sample answer:\n{SAMPLE_ANSWER}\n");
    match operation.parse_response(&sample, &context) {
        Ok(output) => println!("# reads as: {output:?}"),
        Err(error) => println!("# reads as an error: {error}"),
    }
    Ok(())
}

const SAMPLE_ANSWER: &str = r#"{
  "Success" : true,
  "RequestId" : "0bc1411515937635973****",
  "Data" : {
    "Status" : "fail",
    "Message" : "fileId:[100] is invalid."
  }
}"#;

/// A nonce for this demo only: the time and the process id, in hex. The di clients draw
/// nonces from the operating system's random source instead.
fn demo_nonce(now: SystemTime) -> String {
    let nanos = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{nanos:032x}{:08x}", std::process::id())
}
