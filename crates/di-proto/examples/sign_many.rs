//! Signs many `DeleteDISyncTask` requests in a row, each with its own timestamp and nonce (as
//! `CallFlow` signs them), and
//! drops each one: the memory figure of `docs/BENCHMARKS.md` (peak RSS must stay flat) and a
//! steady loop to profile signing under `valgrind --tool=callgrind`.
//!
//! `cargo run --release -p di-proto --example sign_many -- [COUNT] [v1|v3]`
//! (1,000,000 V3 signings by default).

use std::process::ExitCode;

use di_proto::{
    Credentials, Endpoint, Format, RpcRequest, SignatureVersion, Signer, Timestamp,
    nonce_from_bytes,
};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let count = match args.next().map(|count| count.parse::<u64>()) {
        None => 1_000_000,
        Some(Ok(count)) => count,
        Some(Err(_)) => {
            eprintln!("usage: sign_many [COUNT] [v1|v3]");
            return ExitCode::from(2);
        }
    };
    let version = match args.next().as_deref() {
        None | Some("v3") => SignatureVersion::V3,
        Some("v1") => SignatureVersion::V1,
        Some(_) => {
            eprintln!("usage: sign_many [COUNT] [v1|v3]");
            return ExitCode::from(2);
        }
    };
    match run(count, version) {
        Ok(bytes) => {
            println!("signed {count} requests ({version:?}), {bytes} query bytes in all");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(count: u64, version: SignatureVersion) -> Result<u64, di_proto::Error> {
    let credentials =
        Credentials::new("LTAI5tBenchmarkKeyId0001", "Eaz0tZMszibBzJycbK2D0D3e5jrqxc")?;
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com")?;
    let request = RpcRequest::new("DeleteDISyncTask", "2020-05-18")
        .query_param("ProjectId", "10000")
        .query_param("TaskType", "DI_REALTIME")
        .query_param("FileId", "100");
    let signer = Signer::new(&credentials, &endpoint)
        .with_signature_version(version)
        .with_format(Format::Json);
    let start = 1_909_248_054;
    let mut uri_bytes = 0_u64;
    for index in 0..count {
        let nonce = nonce_from_bytes(u128::from(index).to_be_bytes());
        let timestamp = Timestamp::from_unix_seconds(start + (index / 1000) as i64)?;
        let signed = signer.sign(&request, timestamp, &nonce)?;
        uri_bytes += signed.request().uri().query().map_or(0, str::len) as u64;
    }
    Ok(uri_bytes)
}
