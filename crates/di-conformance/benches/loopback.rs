//! One call over loopback, both transports, against the raw HTTP client underneath.
//!
//! The server is minimal on purpose: a std `TcpListener`, one thread per connection,
//! HTTP/1.1 keep-alive, and for every request the same `DeleteDISyncTask` success body
//! (`Data.Status = success`). It checks nothing, so the time it takes is the same for both
//! sides.
//!
//! - **di**: `Client::delete_di_sync_task`, the whole call: credentials, clock and nonce,
//!   signing, sending, reading the body with its cap, parsing into the typed result.
//! - **raw**: the same transport's HTTP client (a `ureq::Agent`, a `reqwest::Client`, each
//!   with a keep-alive connection) sending one request signed once before the loop, and
//!   reading the body into bytes. Nothing is signed or parsed.
//!
//! - **raw_with_timeouts** (ureq only): the raw agent with the timeouts di-ureq sets (per
//!   phase, plus a per-request global one for the call's deadline), to tell ureq's timeout
//!   handling apart from di's own work. Like di-ureq, it answers an IP address without a
//!   lookup: under any timeout, ureq's own resolver runs every lookup, even of an IP address,
//!   on a new thread.
//!
//! The difference is di's overhead per call. Run: `cargo bench -p di-conformance --bench
//! loopback`; `cargo xtask bench` writes the figures into `docs/BENCHMARKS.md`.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use di_proto::client::ClientConfig;
use di_proto::ops::{DeleteDiSyncTask, Operation};
use di_proto::{Credentials, Endpoint, Signer, Timestamp};

const KEY_ID: &str = "LTAI5tBenchmarkKeyId0001";
const SECRET: &str = "Eaz0tZMszibBzJycbK2D0D3e5jrqxc";
const BODY: &str = r#"{"Success":true,"RequestId":"0bc1411515937635973****","Data":{"Status":"success","Message":null}}"#;

/// Connections the server accepted, printed after each group: a client that fails to reuse
/// its connection would pay a TCP handshake per call.
static CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// Starts the server on an ephemeral loopback port; it lives as long as the process.
fn start_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("local address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            std::thread::spawn(move || serve(stream));
        }
    });
    address
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=utf-8\r\n\
         content-length: {}\r\nx-acs-request-id: 0bc1411515937635973****\r\n\r\n{BODY}",
        BODY.len()
    );
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        // Request line and headers, up to the blank line; then the body by Content-Length.
        let mut content_length = 0;
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" && !first {
                break;
            }
            first = false;
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Answers the URI's IP address, as di-ureq does, instead of looking it up on a thread.
#[derive(Debug)]
struct IpAddressResolver;

impl ureq::unversioned::resolver::Resolver for IpAddressResolver {
    fn resolve(
        &self,
        uri: &di_proto::http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let address = uri
            .authority()
            .and_then(|authority| authority.as_str().parse::<SocketAddr>().ok())
            .ok_or(ureq::Error::HostNotFound)?;
        let mut resolved = self.empty();
        resolved.push(address);
        Ok(resolved)
    }
}

fn loopback(c: &mut Criterion) {
    let address = start_server();
    let base_url = format!("http://{address}");
    let config = ClientConfig::new().with_endpoint(base_url.clone());
    let credentials = || Credentials::new(KEY_ID, SECRET).expect("credentials");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // The request the raw clients send, signed once, as di signs it.
    let prebuilt = {
        let credentials = credentials();
        let endpoint = Endpoint::parse(&base_url).expect("endpoint");
        let request = DeleteDiSyncTask::new(10000, 100)
            .to_rpc_request()
            .expect("request");
        let timestamp = Timestamp::try_from(std::time::SystemTime::now()).expect("clock");
        Signer::new(&credentials, &endpoint)
            .sign(&request, timestamp, "5a1f9b0c3d2e4f60a1b2c3d4e5f60718")
            .expect("signed")
            .into_request()
    };

    let mut group = c.benchmark_group("loopback/ureq");
    let di_ureq = di_ureq::Client::new(&config, credentials()).expect("di-ureq client");
    di_ureq
        .delete_di_sync_task(10000, 100)
        .expect("di-ureq call");
    group.bench_function("di", |b| {
        b.iter(|| black_box(di_ureq.delete_di_sync_task(10000, 100).expect("call")))
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    group.bench_function("raw", |b| {
        b.iter(|| {
            let mut response = agent.run(prebuilt.clone()).expect("raw ureq");
            black_box(response.body_mut().read_to_vec().expect("body"))
        })
    });
    // The same raw agent with the timeouts di-ureq sets (per phase, and a per-request global
    // one for the call's deadline), and its answer to an IP address: what ureq's timeouts
    // cost, apart from di.
    let timeout = Some(std::time::Duration::from_secs(30));
    let timed_config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(timeout)
        .timeout_connect(timeout)
        .timeout_send_request(timeout)
        .timeout_send_body(timeout)
        .timeout_recv_response(timeout)
        .timeout_recv_body(timeout)
        .build();
    let timed_agent = ureq::Agent::with_parts(
        timed_config,
        ureq::unversioned::transport::DefaultConnector::new(),
        IpAddressResolver,
    );
    group.bench_function("raw_with_timeouts", |b| {
        b.iter(|| {
            let request = timed_agent
                .configure_request(prebuilt.clone())
                .timeout_global(timeout)
                .build();
            let mut response = timed_agent.run(request).expect("raw ureq");
            black_box(response.body_mut().read_to_vec().expect("body"))
        })
    });
    group.finish();
    eprintln!(
        "loopback/ureq: {} connections opened",
        CONNECTIONS.swap(0, Ordering::Relaxed)
    );

    let mut group = c.benchmark_group("loopback/reqwest");
    let di_reqwest = runtime.block_on(async {
        let client = di_reqwest::Client::new(&config, credentials()).expect("di-reqwest client");
        client.delete_di_sync_task(10000, 100).await.expect("call");
        client
    });
    group.bench_function("di", |b| {
        b.iter(|| {
            runtime.block_on(async {
                black_box(
                    di_reqwest
                        .delete_di_sync_task(10000, 100)
                        .await
                        .expect("call"),
                )
            })
        })
    });
    // reqwest has no crypto provider of its own here (di-reqwest configures ring itself).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let raw = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client");
    group.bench_function("raw", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let request =
                    reqwest::Request::try_from(prebuilt.clone()).expect("reqwest request");
                let response = raw.execute(request).await.expect("raw reqwest");
                black_box(response.bytes().await.expect("body"))
            })
        })
    });
    group.finish();
    eprintln!(
        "loopback/reqwest: {} connections opened",
        CONNECTIONS.swap(0, Ordering::Relaxed)
    );
}

criterion_group!(benches, loopback);
criterion_main!(benches);
