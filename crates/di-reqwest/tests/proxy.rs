//! Proxies from the environment, by di-proto's one policy: used for other hosts, never for
//! loopback; `NO_PROXY` honoured; SOCKS refused at build time.
//!
//! Setting environment variables in-process is `unsafe` (and would race the other tests), so
//! the test runs this binary again as a child with the proxy variables pointing at a fake
//! proxy, and the child does the requests.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use di_emulator::{Config, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use di_reqwest::di_proto::client::ClientConfig;
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
    let report = client.teardown(10000, 100).await;
    assert!(report.is_success(), "{report:?}");
    let localhost = emulator.base_url().replace("127.0.0.1", "localhost");
    let client = Client::new(&config.with_endpoint(localhost), credentials.clone()).unwrap();
    let report = client.teardown(10000, 101).await;
    assert!(report.is_success(), "{report:?}");
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

const PROXY_CHILD: &str = "child_with_a_socks_proxy_and_no_proxy";

/// The variables the child runs with: every other proxy variable is removed.
const SOCKS_AND_NO_PROXY: [(&str, &str); 2] = [
    ("ALL_PROXY", "socks5://user:hunter2@proxy.invalid:1080"),
    ("NO_PROXY", "localhost, .example.com"),
];

/// di-proto's one proxy policy, from the process's environment: a host that `NO_PROXY`'s
/// `.example.com` lists goes direct; any other is refused its SOCKS `ALL_PROXY` at build time,
/// with the message di-ureq gives (`crates/di-ureq/tests/transport.rs` runs the same child).
/// reqwest's own reading of these variables would have taken the SOCKS proxy instead.
#[test]
fn no_proxy_and_socks_follow_the_one_policy() {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([
        "--exact",
        PROXY_CHILD,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "all_proxy",
        "no_proxy",
        "REQUEST_METHOD",
    ] {
        child.env_remove(name);
    }
    let status = child.envs(SOCKS_AND_NO_PROXY).status().unwrap();
    assert!(status.success(), "the child failed: {status}");
}

/// Run by the test above, with [`SOCKS_AND_NO_PROXY`] set.
#[tokio::test]
#[ignore = "run by no_proxy_and_socks_follow_the_one_policy, with proxy variables set"]
async fn child_with_a_socks_proxy_and_no_proxy() {
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET).unwrap();
    let config = ClientConfig::new().with_retry_policy(RetryPolicy::disabled());
    for endpoint in [
        "https://example.com",
        "https://dataworks.example.com",
        "https://DataWorks.Example.COM:8443",
        "http://127.0.0.1:1",
        "http://localhost:1",
    ] {
        Client::new(&config.clone().with_endpoint(endpoint), credentials.clone())
            .unwrap_or_else(|error| panic!("{endpoint}: {error:?}"));
    }
    for endpoint in [
        "https://dataworks.cn-shanghai.aliyuncs.com",
        "https://example.com.cn",
        "https://notexample.com",
    ] {
        let error =
            Client::new(&config.clone().with_endpoint(endpoint), credentials.clone()).unwrap_err();
        let Error::Build(message) = &error else {
            panic!("{endpoint}: {error:?}");
        };
        assert_eq!(
            message,
            "ALL_PROXY names a SOCKS proxy; only HTTP(S) proxies (http:// or https://, with \
             CONNECT) are supported",
            "{endpoint}"
        );
        assert!(
            !format!("{error} {error:?}").contains("hunter2"),
            "{error:?}"
        );
    }
}
