//! The default credential chain over both transports, on loopback: the emulator serves STS
//! (`AssumeRole`, `AssumeRoleWithOIDC`) and then accepts the temporary keys for DataWorks
//! calls; a small stand-in server plays the ECS metadata service and a credentials URI and
//! counts what it is asked.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use di_credentials::{ChainOptions, Environment, Error as ChainError, Source};
use di_emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_PROJECT_ID, DEMO_ROLE_ARN};
use di_proto::client::ClientConfig;
use di_proto::client::ClientError;
use di_proto::flow::{TaskOutcome, TaskReport};
use di_proto::{Credentials, Timestamp};

const OIDC_PROVIDER: &str = "acs:ram::1000000000000000:oidc-provider/ack-rrsa";
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.conformance.oidc-SECRET";

/// What the suite asks of a transport's default chain.
trait Chain: Sized {
    fn new(runtime: &tokio::runtime::Runtime, env: Environment, options: ChainOptions) -> Self;
    /// A chain whose HTTPS exchanges trust what `config` trusts.
    fn trusting(
        runtime: &tokio::runtime::Runtime,
        env: Environment,
        options: ChainOptions,
        config: &ClientConfig,
    ) -> Self;
    fn credentials(&self) -> Result<Credentials, String>;
    /// `n` calls at once, each counted by `gate` as it starts and as it returns.
    fn concurrent(&self, n: usize, gate: &Gate) -> Vec<Result<Credentials, String>>;
    fn refreshes(&self) -> u64;
    fn source(&self) -> Option<Source>;
    /// A teardown by a client whose credentials come from this chain, and the client's
    /// view of the source.
    fn teardown(&self, config: &ClientConfig, file_id: i64) -> (TaskReport, Option<Source>);
}

struct Ureq(Arc<di_ureq::DefaultChain>);

impl Chain for Ureq {
    fn new(_: &tokio::runtime::Runtime, env: Environment, options: ChainOptions) -> Self {
        Ureq(Arc::new(di_ureq::DefaultChain::new(env, options).unwrap()))
    }
    fn trusting(
        _: &tokio::runtime::Runtime,
        env: Environment,
        options: ChainOptions,
        config: &ClientConfig,
    ) -> Self {
        Ureq(Arc::new(
            di_ureq::DefaultChain::with_trust(env, options, config).unwrap(),
        ))
    }
    fn credentials(&self) -> Result<Credentials, String> {
        self.0.credentials().map_err(|error| error.to_string())
    }
    fn concurrent(&self, n: usize, gate: &Gate) -> Vec<Result<Credentials, String>> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .map(|_| scope.spawn(|| gate.around(|| self.credentials())))
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap())
                .collect()
        })
    }
    fn refreshes(&self) -> u64 {
        self.0.refreshes()
    }
    fn source(&self) -> Option<Source> {
        self.0.source()
    }
    fn teardown(&self, config: &ClientConfig, file_id: i64) -> (TaskReport, Option<Source>) {
        let client = di_ureq::Client::with_default_chain(config, Arc::clone(&self.0)).unwrap();
        (
            client.teardown(DEMO_PROJECT_ID, file_id),
            client.credentials_source(),
        )
    }
}

struct Reqwest(Arc<di_reqwest::DefaultChain>, tokio::runtime::Handle);

impl Chain for Reqwest {
    fn new(runtime: &tokio::runtime::Runtime, env: Environment, options: ChainOptions) -> Self {
        Reqwest(
            Arc::new(di_reqwest::DefaultChain::new(env, options).unwrap()),
            runtime.handle().clone(),
        )
    }
    fn trusting(
        runtime: &tokio::runtime::Runtime,
        env: Environment,
        options: ChainOptions,
        config: &ClientConfig,
    ) -> Self {
        Reqwest(
            Arc::new(di_reqwest::DefaultChain::with_trust(env, options, config).unwrap()),
            runtime.handle().clone(),
        )
    }
    fn credentials(&self) -> Result<Credentials, String> {
        self.1
            .block_on(self.0.credentials())
            .map_err(|error| error.to_string())
    }
    fn concurrent(&self, n: usize, gate: &Gate) -> Vec<Result<Credentials, String>> {
        self.1.block_on(async {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    let chain = Arc::clone(&self.0);
                    let gate = gate.clone();
                    tokio::spawn(async move {
                        gate.arrive();
                        let result = chain.credentials().await.map_err(|error| error.to_string());
                        gate.leave();
                        result
                    })
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.unwrap());
            }
            results
        })
    }
    fn refreshes(&self) -> u64 {
        self.0.refreshes()
    }
    fn source(&self) -> Option<Source> {
        self.0.source()
    }
    fn teardown(&self, config: &ClientConfig, file_id: i64) -> (TaskReport, Option<Source>) {
        let client = di_reqwest::Client::with_default_chain(config, Arc::clone(&self.0)).unwrap();
        (
            self.1.block_on(client.teardown(DEMO_PROJECT_ID, file_id)),
            client.credentials_source(),
        )
    }
}

/// The callers of [`Chain::concurrent`], counted as they start and as they return, for a
/// stand-in that holds its answer until enough of them have: a readiness signal, in place of
/// an answer made slow in the hope that every caller arrives meanwhile.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<GateCounts>, Condvar)>);

#[derive(Clone, Copy, Debug, Default)]
struct GateCounts {
    /// Callers that started their call.
    arrived: usize,
    /// Callers whose call returned.
    returned: usize,
}

impl Gate {
    fn update(&self, change: impl FnOnce(&mut GateCounts)) {
        let (counts, changed) = &*self.0;
        change(&mut counts.lock().unwrap());
        changed.notify_all();
    }

    fn arrive(&self) {
        self.update(|counts| counts.arrived += 1);
    }

    fn leave(&self) {
        self.update(|counts| counts.returned += 1);
    }

    /// Runs `call`, counted.
    fn around<R>(&self, call: impl FnOnce() -> R) -> R {
        self.arrive();
        let result = call();
        self.leave();
        result
    }

    /// Blocks until `ready` holds for the counts. No timer: the chain's own read timeout
    /// (10 s for a credentials URI) ends a refresh held here for good, and with it the wait.
    fn wait_until(&self, ready: impl Fn(GateCounts) -> bool) {
        let (counts, changed) = &*self.0;
        let mut guard = counts.lock().unwrap();
        while !ready(*guard) {
            guard = changed.wait(guard).unwrap();
        }
    }
}

/// A request the stand-in saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

type Handler = dyn Fn(&Seen, u64) -> (u16, String) + Send + Sync;

/// A plain HTTP/1.1 server on 127.0.0.1 (one thread per connection, `Connection: close`)
/// answering with `handler`, which gets the request and how many requests to its path came
/// before.
struct StandIn {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    fn start(handler: impl Fn(&Seen, u64) -> (u16, String) + Send + Sync + 'static) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or_default().to_owned();
                    let path = parts.next().unwrap_or_default().to_owned();
                    let mut headers = HashMap::new();
                    loop {
                        let mut header = String::new();
                        reader.read_line(&mut header).unwrap();
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            headers
                                .insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                        }
                    }
                    let length: usize = headers
                        .get("content-length")
                        .and_then(|value| value.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let request = Seen {
                        method,
                        path,
                        headers,
                    };
                    let before = {
                        let mut log = log.lock().unwrap();
                        let before = log.iter().filter(|seen| seen.path == request.path).count();
                        log.push(request.clone());
                        before as u64
                    };
                    let (status, body) = handler(&request, before);
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        StandIn { addr, seen }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn count(&self, path: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|seen| seen.path == path)
            .count()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn expiring_in(seconds: i64) -> String {
    Timestamp::from_unix_seconds(unix_now() + seconds)
        .unwrap()
        .to_string()
}

fn session_json(id: &str, expiration: &str) -> String {
    format!(
        r#"{{"Code":"Success","AccessKeyId":"{id}","AccessKeySecret":"sec-{id}","SecurityToken":"tok-{id}","Expiration":"{expiration}"}}"#
    )
}

fn temp_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "di-conformance-credentials-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An environment with nothing in it, the metadata service off.
fn bare() -> Environment {
    Environment::empty()
        .without_home()
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
}

struct Emulated {
    runtime: tokio::runtime::Runtime,
    emulator: Option<di_emulator::Handle>,
}

impl Emulated {
    fn start() -> Emulated {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let config = di_emulator::Config::default().with_oidc_provider(OIDC_PROVIDER, OIDC_TOKEN);
        let emulator = runtime.block_on(di_emulator::start(config)).unwrap();
        Emulated {
            runtime,
            emulator: Some(emulator),
        }
    }

    fn base_url(&self) -> String {
        self.emulator.as_ref().unwrap().base_url()
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new().with_endpoint(self.base_url())
    }
}

impl Drop for Emulated {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}

fn ram_role_arn_profile_end_to_end<C: Chain>() {
    let emulated = Emulated::start();
    let home = temp_dir();
    write(
        &home.join(".aliyun/config.json"),
        &format!(
            r#"{{"current":"role","profiles":[{{"name":"role","mode":"RamRoleArn","access_key_id":"{DEMO_ACCESS_KEY_ID}",
                "access_key_secret":"{DEMO_ACCESS_KEY_SECRET}","ram_role_arn":"{DEMO_ROLE_ARN}","ram_session_name":"conformance"}}]}}"#
        ),
    );
    let env = bare().with_home(&home);
    let chain = C::new(
        &emulated.runtime,
        env,
        ChainOptions::new().with_sts_endpoint(emulated.base_url()),
    );
    let (report, source) = chain.teardown(&emulated.config(), 100);
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
    assert_eq!(report.steps.len(), 3, "{report:#?}");
    assert_eq!(source, Some(Source::CliProfile));
    let credentials = chain.credentials().unwrap();
    assert!(
        credentials.access_key_id().starts_with("STS."),
        "{credentials:?}"
    );
    assert!(credentials.has_security_token());
    assert_eq!(chain.refreshes(), 1, "three calls, one AssumeRole");

    // A role STS does not know: the service's refusal, from the chain.
    write(
        &home.join(".aliyun/config.json"),
        &format!(
            r#"{{"current":"role","profiles":[{{"name":"role","mode":"RamRoleArn","access_key_id":"{DEMO_ACCESS_KEY_ID}",
                "access_key_secret":"{DEMO_ACCESS_KEY_SECRET}","ram_role_arn":"acs:ram::1:role/unknown"}}]}}"#
        ),
    );
    let chain = C::new(
        &emulated.runtime,
        bare().with_home(&home),
        ChainOptions::new().with_sts_endpoint(emulated.base_url()),
    );
    let error = chain.credentials().unwrap_err();
    assert!(
        error.contains("AssumeRole") && error.contains("EntityNotExist.Role"),
        "{error}"
    );
    assert!(!error.contains(DEMO_ACCESS_KEY_SECRET));
}

fn oidc_end_to_end<C: Chain>() {
    let emulated = Emulated::start();
    let dir = temp_dir();
    let token_file = dir.join("token");
    write(&token_file, OIDC_TOKEN);
    let env = bare()
        .with_var("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .with_var("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER)
        .with_var(
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().unwrap(),
        );
    let options = ChainOptions::new().with_sts_endpoint(emulated.base_url());
    let chain = C::new(&emulated.runtime, env.clone(), options.clone());
    let (report, source) = chain.teardown(&emulated.config(), 101);
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
    assert_eq!(report.steps.len(), 3, "{report:#?}");
    assert_eq!(source, Some(Source::Oidc));

    // A token the provider does not accept.
    write(&token_file, "not-the-token");
    let chain = C::new(&emulated.runtime, env, options);
    let error = chain.credentials().unwrap_err();
    assert!(error.contains("AssumeRoleWithOIDC"), "{error}");
    assert!(!error.contains("not-the-token"), "{error}");
}

fn imds_v2_then_v1<C: Chain>() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let v2_supported = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = Arc::clone(&v2_supported);
    let imds = StandIn::start(move |seen, _| match seen.path.as_str() {
        "/latest/api/token" if seen.method == "PUT" && flag.load(Ordering::SeqCst) => {
            (200, "session-token".to_owned())
        }
        "/latest/api/token" => (403, String::new()),
        "/latest/meta-data/ram/security-credentials/" => (200, "worker".to_owned()),
        "/latest/meta-data/ram/security-credentials/worker" => {
            (200, session_json("STS.imds", &expiring_in(3600)))
        }
        _ => (404, String::new()),
    });
    let options = ChainOptions::new().with_imds_base_url(imds.base_url());
    let env = Environment::empty().without_home();

    let chain = C::new(&runtime, env.clone(), options.clone());
    assert_eq!(chain.credentials().unwrap().access_key_id(), "STS.imds");
    assert_eq!(chain.source(), Some(Source::EcsRamRole));
    let seen = imds.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[0].headers["x-aliyun-ecs-metadata-token-ttl-seconds"],
        "21600"
    );
    assert!(
        seen[1..]
            .iter()
            .all(|seen| seen.headers["x-aliyun-ecs-metadata-token"] == "session-token")
    );

    v2_supported.store(false, Ordering::SeqCst);
    let chain = C::new(&runtime, env.clone(), options.clone());
    assert_eq!(chain.credentials().unwrap().access_key_id(), "STS.imds");
    let seen = imds.seen();
    assert_eq!(seen.len(), 6);
    assert!(
        seen[4..]
            .iter()
            .all(|seen| !seen.headers.contains_key("x-aliyun-ecs-metadata-token"))
    );

    let chain = C::new(
        &runtime,
        env.with_var("ALIBABA_CLOUD_IMDSV1_DISABLED", "true"),
        options,
    );
    let error = chain.credentials().unwrap_err();
    assert!(
        error.contains("no credentials found") && error.contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        "{error}"
    );
    assert_eq!(imds.seen().len(), 7, "only the token was asked");
}

/// A credentials URI answering `STS.uri{n}` to its n-th request (from 0), valid for
/// `lifetimes[n]` seconds (the last one for any later request), the request that refreshes
/// (n = 1) held until `ready` holds for `gate`'s counts.
fn refreshing_uri(
    lifetimes: [i64; 3],
    gate: &Gate,
    ready: fn(GateCounts) -> bool,
) -> (StandIn, Environment) {
    let gate = gate.clone();
    let uri = StandIn::start(move |_, before| {
        if before == 1 {
            gate.wait_until(ready);
        }
        let lifetime = lifetimes[usize::try_from(before).unwrap().min(2)];
        (
            200,
            session_json(&format!("STS.uri{before}"), &expiring_in(lifetime)),
        )
    });
    let env = bare().with_var(
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        format!("{}/creds", uri.base_url()),
    );
    (uri, env)
}

/// Credentials that expire: one refresh for 64 concurrent callers, whether the cached ones
/// are spent (everyone waits for it) or only close to their expiry (one refreshes, the others
/// keep signing).
fn one_refresh_for_64_concurrent_calls<C: Chain>() {
    const CALLERS: usize = 64;
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // Spent (5 s: under the 10 s floor): the refresh is held until every caller has started,
    // so they meet it in flight and wait for it. One that came later would find the new
    // credentials fresh (an hour) and use them: either way, one refresh, and the same keys.
    let gate = Gate::default();
    let (uri, env) = refreshing_uri([5, 3600, 3600], &gate, |counts| counts.arrived == CALLERS);
    let chain = C::new(&runtime, env, ChainOptions::new());
    assert_eq!(chain.credentials().unwrap().access_key_id(), "STS.uri0");
    assert_eq!(chain.source(), Some(Source::CredentialsUri));
    let results = chain.concurrent(CALLERS, &gate);
    assert!(
        results
            .iter()
            .all(|result| result.as_ref().unwrap().access_key_id() == "STS.uri1"),
        "{results:?}"
    );
    assert_eq!(uri.count("/creds"), 2, "one refresh of spent credentials");
    assert_eq!(chain.credentials().unwrap().access_key_id(), "STS.uri1");
    assert_eq!(chain.refreshes(), 2);
    assert_eq!(
        uri.count("/creds"),
        2,
        "fresh credentials are not asked again"
    );

    // Usable, but inside the 5-minute refresh margin (120 s): one caller refreshes, and its
    // refresh is held until every other caller has returned, which they do at once, with the
    // cached keys.
    let gate = Gate::default();
    let (uri, env) = refreshing_uri([120, 3600, 3600], &gate, |counts| {
        counts.returned == CALLERS - 1
    });
    let chain = C::new(&runtime, env, ChainOptions::new());
    assert_eq!(chain.credentials().unwrap().access_key_id(), "STS.uri0");
    let results = chain.concurrent(CALLERS, &gate);
    let mut ids: Vec<String> = results
        .into_iter()
        .map(|result| result.unwrap().access_key_id().to_owned())
        .collect();
    ids.sort();
    let mut expected = vec!["STS.uri0".to_owned(); CALLERS - 1];
    expected.push("STS.uri1".to_owned());
    assert_eq!(
        ids, expected,
        "the refresher got the new ones, the others the cached"
    );
    assert_eq!(uri.count("/creds"), 2, "one refresh ahead of expiry");
    assert_eq!(chain.credentials().unwrap().access_key_id(), "STS.uri1");
    assert_eq!(chain.refreshes(), 2);
    assert_eq!(
        uri.count("/creds"),
        2,
        "fresh credentials are not asked again"
    );
}

fn nothing_found_is_a_credentials_error_listing_every_source<C: Chain>() {
    let emulated = Emulated::start();
    let chain = C::new(&emulated.runtime, bare(), ChainOptions::new());
    let (report, source) = chain.teardown(&emulated.config(), 102);
    assert_eq!(report.outcome, TaskOutcome::Failed);
    assert_eq!(report.steps.len(), 1, "{report:#?}");
    let error = report.into_result().unwrap_err();
    let ClientError::Credentials(inner) = &error else {
        panic!("{error}")
    };
    let Some(ChainError::NotFound { tried }) = inner.downcast_ref::<ChainError>() else {
        panic!("{inner}")
    };
    let sources: Vec<Source> = tried.iter().map(|skipped| skipped.source).collect();
    assert_eq!(sources, Source::ORDER);
    assert!(
        error
            .to_string()
            .starts_with("no usable credentials: no credentials found"),
        "{error}"
    );
    assert_eq!(source, None);
    assert_eq!(
        emulated.emulator.as_ref().unwrap().counters().requests,
        0,
        "nothing was sent"
    );
}

/// STS over HTTPS whose certificate a private CA signed: the chain trusts the CA the client
/// is given (`ClientConfig::with_root_certificates_pem`, `di --ca-bundle`), and without it
/// refuses the handshake.
fn sts_over_https_trusts_the_clients_extra_roots<C: Chain>() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime
        .block_on(di_emulator::start(
            di_emulator::Config::default().with_tls(),
        ))
        .unwrap();
    let ca = emulator.tls_ca_pem().unwrap().to_owned();
    let config = ClientConfig::new()
        .with_endpoint(emulator.base_url())
        .with_root_certificates_pem(ca);
    let home = temp_dir();
    write(
        &home.join(".aliyun/config.json"),
        &format!(
            r#"{{"current":"role","profiles":[{{"name":"role","mode":"RamRoleArn","access_key_id":"{DEMO_ACCESS_KEY_ID}",
                "access_key_secret":"{DEMO_ACCESS_KEY_SECRET}","ram_role_arn":"{DEMO_ROLE_ARN}","ram_session_name":"conformance"}}]}}"#
        ),
    );
    let options = ChainOptions::new().with_sts_endpoint(emulator.base_url());
    let trusting = C::trusting(&runtime, bare().with_home(&home), options.clone(), &config);
    let (report, source) = trusting.teardown(&config, 100);
    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
    assert_eq!(source, Some(Source::CliProfile));
    assert!(trusting.credentials().unwrap().has_security_token());

    let platform_only = C::new(&runtime, bare().with_home(&home), options);
    let error = platform_only.credentials().unwrap_err();
    assert!(
        error.contains("certificate") || error.contains("Certificate") || error.contains("TLS"),
        "{error}"
    );
    runtime.block_on(emulator.shutdown());
}

macro_rules! suite {
    ($module:ident, $chain:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn ram_role_arn_profile_end_to_end() {
                super::ram_role_arn_profile_end_to_end::<$chain>();
            }
            #[test]
            fn sts_over_https_trusts_the_clients_extra_roots() {
                super::sts_over_https_trusts_the_clients_extra_roots::<$chain>();
            }
            #[test]
            fn oidc_end_to_end() {
                super::oidc_end_to_end::<$chain>();
            }
            #[test]
            fn imds_v2_then_v1() {
                super::imds_v2_then_v1::<$chain>();
            }
            #[test]
            fn one_refresh_for_64_concurrent_calls() {
                super::one_refresh_for_64_concurrent_calls::<$chain>();
            }
            #[test]
            fn nothing_found_is_a_credentials_error_listing_every_source() {
                super::nothing_found_is_a_credentials_error_listing_every_source::<$chain>();
            }
        }
    };
}

suite!(over_ureq, Ureq);
suite!(over_reqwest, Reqwest);
