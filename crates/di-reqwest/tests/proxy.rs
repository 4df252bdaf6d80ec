//! Proxies from the environment: used for other hosts, never for loopback.
//!
//! Setting environment variables in-process is `unsafe` (and would race the other tests), so
//! the test runs this binary again as a child with the proxy variables pointing at a fake
//! proxy, and the child does the requests.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use di_reqwest::di_proto::config::ClientConfig;
use di_reqwest::di_proto::retry::RetryPolicy;
use di_reqwest::di_proto::{Credentials, Error as ApiError};
use di_reqwest::{Client, Error};

const CHILD: &str = "child_with_proxy_variables";
const ELSEWHERE: &str = "di-proxy-check.invalid";

#[test]
fn loopback_is_never_proxied_other_hosts_are() {
    // The fake proxy: records each request line, answers 502.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in proxy.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = reader.read_line(&mut line);
            record.lock().unwrap().push(line.trim_end().to_owned());
            let _ = stream.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });

    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            CHILD,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("HTTPS_PROXY", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env_remove("REQUEST_METHOD")
        .status()
        .unwrap();
    assert!(status.success(), "the child failed: {status}");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].contains(&format!(" http://{ELSEWHERE}/")),
        "{seen:?}"
    );
}

/// Run by the test above, in a child process whose proxy variables point at a fake proxy.
#[tokio::test]
#[ignore = "run by loopback_is_never_proxied_other_hosts_are, with proxy variables set"]
async fn child_with_proxy_variables() {
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap();
    let policy = RetryPolicy::disabled();

    // Loopback: straight to the emulator, whatever the variables say.
    let emulator = di_emulator::start(Config::default()).await.unwrap();
    let config = ClientConfig::new()
        .with_endpoint(emulator.base_url())
        .with_retry_policy(policy);
    let client = Client::new(&config, credentials.clone()).unwrap();
    client.teardown(10000, 100).await.unwrap();
    let localhost = emulator.base_url().replace("127.0.0.1", "localhost");
    let client = Client::new(&config.with_endpoint(localhost), credentials.clone()).unwrap();
    client.teardown(10000, 101).await.unwrap();
    emulator.shutdown().await;

    // Another host: through the proxy, whose 502 comes back as the answer.
    if std::env::var_os("HTTP_PROXY").is_some() {
        let config = ClientConfig::new()
            .with_endpoint(format!("http://{ELSEWHERE}"))
            .with_insecure_http(true)
            .with_retry_policy(policy);
        let client = Client::new(&config, credentials).unwrap();
        let error = client.delete_di_sync_task(10000, 100).await.unwrap_err();
        assert!(
            matches!(&error, Error::Api(ApiError::UnexpectedResponse(response)) if response.status == 502),
            "{error:?}"
        );
    }
}
