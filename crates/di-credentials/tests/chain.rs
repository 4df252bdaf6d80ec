//! The chain's order, switches and errors, over temporary files and an injected environment;
//! the HTTP exchanges are answered in process by a stand-in that records what was asked
//! (the transports' tests run the same exchanges over loopback sockets).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use di_credentials::{
    ChainOptions, Environment, Error, Exchange, Reply, Resolved, Resolver, Source, Step,
};
use di_proto::Timestamp;

const NOW: i64 = 1_700_000_000;

/// A fresh, empty directory under the system's temp dir.
fn temp_home() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "di-credentials-chain-{}-{}",
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

const CLI_CONFIG: &str = r#"{"current": "main", "profiles": [
    {"name": "main", "mode": "AK", "access_key_id": "LTAI-cli", "access_key_secret": "sec-cli"},
    {"name": "other", "mode": "AK", "access_key_id": "LTAI-cli-other", "access_key_secret": "sec-cli2"}
]}"#;
const INI: &str = "[default]\ntype = access_key\naccess_key_id = LTAI-ini\naccess_key_secret = sec-ini\n\
                   [other]\ntype = access_key\naccess_key_id = LTAI-ini-other\naccess_key_secret = sec-ini2\n";

/// A home with both profile files.
fn full_home() -> PathBuf {
    let home = temp_home();
    write(&home.join(".aliyun/config.json"), CLI_CONFIG);
    write(&home.join(".alibabacloud/credentials"), INI);
    home
}

fn imds_credentials(expiration: &str) -> String {
    format!(
        r#"{{"Code":"Success","AccessKeyId":"STS.imds","AccessKeySecret":"sec-imds","SecurityToken":"tok-imds","Expiration":"{expiration}","LastUpdated":"2023-11-14T22:13:20Z"}}"#
    )
}

/// Answers like an ECS metadata service (IMDSv2 unless `v2` is false) and a credentials URI.
struct StandIn {
    v2: bool,
    asked: Vec<String>,
}

impl StandIn {
    fn new(v2: bool) -> Self {
        StandIn {
            v2,
            asked: Vec::new(),
        }
    }

    fn answer(&mut self, exchange: &Exchange) -> Reply {
        let request = &exchange.request;
        let token = request
            .headers()
            .get("x-aliyun-ecs-metadata-token")
            .map(|value| value.to_str().unwrap().to_owned());
        self.asked.push(format!(
            "{} {}{}",
            request.method(),
            request.uri().path(),
            if token.is_some() { " +token" } else { "" }
        ));
        let respond = |status: u16, body: &str| {
            Reply::Response(
                http::Response::builder()
                    .status(status)
                    .body(body.as_bytes().to_vec())
                    .unwrap(),
            )
        };
        match request.uri().path() {
            "/latest/api/token" if self.v2 => {
                assert_eq!(
                    request.headers()["x-aliyun-ecs-metadata-token-ttl-seconds"],
                    "21600"
                );
                respond(200, "imds-session-token")
            }
            "/latest/api/token" => respond(403, "Forbidden"),
            "/latest/meta-data/ram/security-credentials/" => respond(200, "worker-role\n"),
            "/latest/meta-data/ram/security-credentials/worker-role" => {
                respond(200, &imds_credentials("2023-11-15T00:00:00Z"))
            }
            "/creds" => respond(
                200,
                r#"{"AccessKeyId":"STS.uri","AccessKeySecret":"sec-uri","SecurityToken":"tok-uri","Expiration":"2023-11-15T01:00:00Z"}"#,
            ),
            "/malformed" => respond(200, r#"{"AccessKeyId": "STS.x", "AccessKeySecret": "#),
            _ => respond(404, "not found"),
        }
    }
}

fn run(env: Environment, options: ChainOptions, stand_in: &mut StandIn) -> Result<Resolved, Error> {
    let mut resolver = Resolver::new(env, options);
    let now = Timestamp::from_unix_seconds(NOW).unwrap();
    let mut reply = None;
    for step in 0.. {
        assert!(step < 20, "the chain does not end");
        match resolver.next(now, &format!("nonce-{step}"), reply.take()) {
            Step::Done(result) => return result,
            Step::Send(exchange) => reply = Some(stand_in.answer(&exchange)),
        }
    }
    unreachable!()
}

fn options() -> ChainOptions {
    ChainOptions::new().with_imds_base_url("http://127.0.0.1:9")
}

#[test]
fn sources_answer_in_the_chains_order() {
    let home = full_home();
    let uri = "http://127.0.0.1:9/creds";
    let env = Environment::empty()
        .with_home(&home)
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-env")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sec-env")
        .with_var("ALIBABA_CLOUD_CREDENTIALS_URI", uri);
    let id = |result: Result<Resolved, Error>| {
        let resolved = result.unwrap();
        (
            resolved.source,
            resolved.credentials.access_key_id().to_owned(),
        )
    };
    let mut stand_in = StandIn::new(true);

    assert_eq!(
        id(run(env.clone(), options(), &mut stand_in)),
        (Source::Environment, "LTAI-env".to_owned())
    );
    let env = env
        .without_var("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .without_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    assert_eq!(
        id(run(env.clone(), options(), &mut stand_in)),
        (Source::CliProfile, "LTAI-cli".to_owned())
    );
    std::fs::remove_file(home.join(".aliyun/config.json")).unwrap();
    assert_eq!(
        id(run(env.clone(), options(), &mut stand_in)),
        (Source::ProfileFile, "LTAI-ini".to_owned())
    );
    // The Python SDK's file name is read when the Go SDK's is absent.
    std::fs::rename(
        home.join(".alibabacloud/credentials"),
        home.join(".alibabacloud/credentials.ini"),
    )
    .unwrap();
    assert_eq!(
        id(run(env.clone(), options(), &mut stand_in)),
        (Source::ProfileFile, "LTAI-ini".to_owned())
    );
    std::fs::remove_file(home.join(".alibabacloud/credentials.ini")).unwrap();
    assert!(stand_in.asked.is_empty(), "nothing was sent so far");
    let resolved = run(env.clone(), options(), &mut stand_in).unwrap();
    assert_eq!(resolved.source, Source::EcsRamRole);
    assert_eq!(
        resolved.expiration,
        Some(Timestamp::parse("2023-11-15T00:00:00Z").unwrap())
    );
    assert!(resolved.credentials.has_security_token());
    assert_eq!(
        id(run(
            env.with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
            options(),
            &mut stand_in
        )),
        (Source::CredentialsUri, "STS.uri".to_owned())
    );
}

#[test]
fn the_profile_option_and_variable_pick_the_profile_in_both_files() {
    let home = full_home();
    let env = Environment::empty()
        .with_home(&home)
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    let mut stand_in = StandIn::new(true);
    let id = |resolved: Resolved| resolved.credentials.access_key_id().to_owned();
    let by_variable = env.clone().with_var("ALIBABA_CLOUD_PROFILE", "other");
    assert_eq!(
        id(run(by_variable.clone(), options(), &mut stand_in).unwrap()),
        "LTAI-cli-other"
    );
    let by_option = options().with_profile("other");
    assert_eq!(
        id(run(env.clone(), by_option.clone(), &mut stand_in).unwrap()),
        "LTAI-cli-other"
    );
    let no_cli = env.with_var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "TRUE");
    assert_eq!(
        id(run(no_cli.clone(), by_option, &mut stand_in).unwrap()),
        "LTAI-ini-other"
    );
    assert_eq!(
        id(run(no_cli, options(), &mut stand_in).unwrap()),
        "LTAI-ini"
    );
}

#[test]
fn files_named_by_variables_win_over_the_home() {
    let home = full_home();
    let elsewhere = temp_home();
    write(
        &elsewhere.join("cli.json"),
        r#"{"current":"x","profiles":[{"name":"x","mode":"StsToken","access_key_id":"STS.file","access_key_secret":"s","sts_token":"t"}]}"#,
    );
    let env = Environment::empty().with_home(&home).with_var(
        "ALIBABA_CLOUD_CONFIG_FILE",
        elsewhere.join("cli.json").to_str().unwrap(),
    );
    let resolved = run(env.clone(), options(), &mut StandIn::new(true)).unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "STS.file");
    assert!(resolved.detail.contains("cli.json"), "{}", resolved.detail);

    // A file named explicitly but missing is an error, not a quiet pass.
    let missing = env.with_var(
        "ALIBABA_CLOUD_CONFIG_FILE",
        elsewhere.join("nope.json").to_str().unwrap(),
    );
    let error = run(missing, options(), &mut StandIn::new(true)).unwrap_err();
    assert!(
        matches!(
            error,
            Error::File {
                source_name: Source::CliProfile,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("does not exist"), "{error}");
}

#[test]
fn imds_v2_falls_back_to_v1_unless_disabled() {
    let env = Environment::empty().without_home();
    let mut v2 = StandIn::new(true);
    let resolved = run(env.clone(), options(), &mut v2).unwrap();
    assert!(resolved.detail.contains("IMDSv2"), "{}", resolved.detail);
    assert_eq!(
        v2.asked,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/ +token",
            "GET /latest/meta-data/ram/security-credentials/worker-role +token",
        ]
    );

    let mut v1 = StandIn::new(false);
    let resolved = run(env.clone(), options(), &mut v1).unwrap();
    assert!(resolved.detail.contains("IMDSv1"), "{}", resolved.detail);
    assert_eq!(
        v1.asked,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/",
            "GET /latest/meta-data/ram/security-credentials/worker-role",
        ]
    );

    let mut disabled = StandIn::new(false);
    let error = run(
        env.clone()
            .with_var("ALIBABA_CLOUD_IMDSV1_DISABLED", "true"),
        options(),
        &mut disabled,
    )
    .unwrap_err();
    assert_eq!(disabled.asked, ["PUT /latest/api/token"]);
    let Error::NotFound { tried } = &error else {
        panic!("{error}")
    };
    assert!(
        tried[4].reason.contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        "{error}"
    );

    // The role name from the environment skips the discovery.
    let mut named = StandIn::new(true);
    run(
        env.with_var("ALIBABA_CLOUD_ECS_METADATA", "worker-role"),
        options(),
        &mut named,
    )
    .unwrap();
    assert_eq!(named.asked.len(), 2);
}

#[test]
fn no_metadata_service_is_passed_over_at_once() {
    let env = Environment::empty().without_home();
    let mut resolver = Resolver::new(env, options());
    let now = Timestamp::from_unix_seconds(NOW).unwrap();
    let Step::Send(exchange) = resolver.next(now, "n1", None) else {
        panic!()
    };
    assert_eq!(exchange.request.uri().path(), "/latest/api/token");
    assert_eq!(exchange.connect_timeout, std::time::Duration::from_secs(1));
    assert_eq!(exchange.read_timeout, std::time::Duration::from_secs(1));
    // No answer: no v1 attempt at the same silent host, straight to the next source.
    let Step::Done(Err(Error::NotFound { tried })) = resolver.next(
        now,
        "n2",
        Some(Reply::Failed("connect timed out".to_owned())),
    ) else {
        panic!()
    };
    let sources: Vec<Source> = tried.iter().map(|skipped| skipped.source).collect();
    assert_eq!(sources, Source::ORDER);
    assert!(tried[4].reason.contains("connect timed out"), "{tried:?}");
}

#[test]
fn nothing_found_lists_every_source_and_why() {
    let env = Environment::empty()
        .without_home()
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .with_var("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r");
    let error = run(env, options(), &mut StandIn::new(true)).unwrap_err();
    let text = error.to_string();
    for expected in [
        "environment: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set",
        "oidc: ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE not set",
        "cli-profile: no home directory",
        "profile-file: no home directory",
        "ecs-ram-role: ALIBABA_CLOUD_ECS_METADATA_DISABLED is true",
        "credentials-uri: ALIBABA_CLOUD_CREDENTIALS_URI is not set",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    // With a home but no files: each missing file is named.
    let home = temp_home();
    let env = Environment::empty()
        .with_home(&home)
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    let text = run(env, options(), &mut StandIn::new(true))
        .unwrap_err()
        .to_string();
    assert!(
        text.contains(".aliyun/config.json does not exist"),
        "{text}"
    );
    assert!(
        text.contains("neither ") && text.contains("credentials.ini exists"),
        "{text}"
    );
}

/// A profile named by the option or the variable that neither file holds stops the chain
/// there, naming where it looked: it never goes on to the metadata service or the
/// credentials URI (which would answer here), so a typo never signs as the instance's role.
#[test]
fn a_named_profile_that_is_nowhere_stops_the_chain_before_any_exchange() {
    let home = full_home();
    let env = Environment::empty()
        .with_home(&home)
        .with_var("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/creds");
    for (env, options, from_variable) in [
        (env.clone(), options().with_profile("nosuch"), false),
        (
            env.clone().with_var("ALIBABA_CLOUD_PROFILE", "nosuch"),
            options(),
            true,
        ),
    ] {
        let mut stand_in = StandIn::new(true);
        let error = run(env, options, &mut stand_in).unwrap_err();
        assert!(stand_in.asked.is_empty(), "{:?}", stand_in.asked);
        let Error::ProfileNotFound {
            profile,
            from_variable: named_by_variable,
            looked_in,
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(profile, "nosuch");
        assert_eq!(*named_by_variable, from_variable);
        let sources: Vec<Source> = looked_in.iter().map(|skipped| skipped.source).collect();
        assert_eq!(sources, [Source::CliProfile, Source::ProfileFile]);
        let text = error.to_string();
        assert!(
            text.contains(".aliyun/config.json has no profile \"nosuch\"")
                && text.contains(".alibabacloud/credentials has no section [nosuch]"),
            "{text}"
        );
        assert_eq!(error.source_name(), None);
    }
    // Unnamed, the same files give their defaults; and with both files switched off or
    // missing, a named profile still stops the chain.
    let mut stand_in = StandIn::new(true);
    assert_eq!(
        run(env.clone(), options(), &mut stand_in)
            .unwrap()
            .credentials
            .access_key_id(),
        "LTAI-cli"
    );
    let bare = temp_home();
    let error = run(
        Environment::empty()
            .with_home(&bare)
            .with_var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true"),
        options().with_profile("work"),
        &mut stand_in,
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("no profile \"work\" in the profile files")
            && text.contains("ALIBABA_CLOUD_CLI_PROFILE_DISABLED is true"),
        "{text}"
    );
    assert!(stand_in.asked.is_empty(), "{:?}", stand_in.asked);
}

#[test]
fn configured_but_broken_sources_stop_the_chain_without_secrets() {
    let home = temp_home();
    let base = Environment::empty()
        .with_home(&home)
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true");
    let mut stand_in = StandIn::new(true);

    // Half of the environment's pair.
    let error = run(
        base.clone()
            .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sec-half"),
        options(),
        &mut stand_in,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("ALIBABA_CLOUD_ACCESS_KEY_ID: not set"),
        "{error}"
    );
    assert!(!error.to_string().contains("sec-half"));

    // Malformed config.json, and malformed INI: the file and line.
    write(
        &home.join(".aliyun/config.json"),
        "{\"current\": \"a\",\n \"profiles\": [\n  {\"name\": \"a\", \"access_key_secret\": \"sec-json\" \n]}",
    );
    let error = run(base.clone(), options(), &mut stand_in).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("config.json:4") && text.contains("not valid JSON"),
        "{text}"
    );
    assert!(!text.contains("sec-json"), "{text}");
    let no_cli = base
        .clone()
        .with_var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    write(
        &home.join(".alibabacloud/credentials"),
        "[default]\ntype = access_key\naccess_key_secret sec-ini-bad\n",
    );
    let text = run(no_cli.clone(), options(), &mut stand_in)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("credentials:3") && !text.contains("sec-ini-bad"),
        "{text}"
    );

    // An unsupported mode.
    write(
        &home.join(".aliyun/config.json"),
        r#"{"current":"sso","profiles":[{"name":"sso","mode":"CloudSSO"}]}"#,
    );
    let text = run(base.clone(), options(), &mut stand_in)
        .unwrap_err()
        .to_string();
    assert!(text.contains("\"CloudSSO\" is not supported"), "{text}");

    // Malformed JSON from the credentials URI.
    let uri = no_cli
        .clone()
        .with_var(
            "ALIBABA_CLOUD_CREDENTIALS_FILE",
            home.join("absent").to_str().unwrap(),
        )
        .with_var(
            "ALIBABA_CLOUD_CREDENTIALS_URI",
            "http://127.0.0.1:9/malformed",
        );
    let error = run(uri.clone(), options(), &mut stand_in).unwrap_err();
    assert!(
        matches!(error, Error::File { .. }),
        "the named INI file is missing: {error}"
    );
    std::fs::remove_file(home.join(".alibabacloud/credentials")).unwrap();
    let uri = uri.without_var("ALIBABA_CLOUD_CREDENTIALS_FILE");
    let error = run(uri.clone(), options(), &mut stand_in).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Refused {
                source_name: Source::CredentialsUri,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("not JSON"), "{error}");
    let error = run(
        uri.with_var("ALIBABA_CLOUD_CREDENTIALS_URI", "ftp://x/"),
        options(),
        &mut stand_in,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("ALIBABA_CLOUD_CREDENTIALS_URI"),
        "{error}"
    );

    // An OIDC token file that is not there.
    let oidc = Environment::empty()
        .without_home()
        .with_var("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r")
        .with_var(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/p",
        )
        .with_var(
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            home.join("no-token").to_str().unwrap(),
        );
    let error = run(oidc, options(), &mut stand_in).unwrap_err();
    assert!(
        matches!(
            error,
            Error::File {
                source_name: Source::Oidc,
                ..
            }
        ),
        "{error}"
    );
    assert!(stand_in.asked.iter().all(|asked| !asked.contains("token")));
}

#[test]
fn role_sources_build_sts_requests() {
    let home = temp_home();
    write(
        &home.join(".aliyun/config.json"),
        r#"{"current":"r","profiles":[{"name":"r","mode":"RamRoleArn","access_key_id":"LTAI-src","access_key_secret":"sec-src",
            "ram_role_arn":"acs:ram::1:role/r","ram_session_name":"sess","sts_region":"cn-shanghai","enable_vpc":true}]}"#,
    );
    let env = Environment::empty().with_home(&home);
    let mut resolver = Resolver::new(env.clone(), options());
    let now = Timestamp::from_unix_seconds(NOW).unwrap();
    let Step::Send(exchange) = resolver.next(now, "nonce-a", None) else {
        panic!()
    };
    assert_eq!(exchange.step, "AssumeRole");
    let uri = exchange.request.uri();
    assert_eq!(uri.host(), Some("sts-vpc.cn-shanghai.aliyuncs.com"));
    let query = uri.query().unwrap();
    for part in [
        "Action=AssumeRole",
        "Version=2015-04-01",
        "SignatureMethod=HMAC-SHA1",
        "AccessKeyId=LTAI-src",
        "Signature=",
    ] {
        assert!(query.contains(part), "{part} in {query}");
    }
    let body = String::from_utf8(exchange.request.body().clone()).unwrap();
    assert!(
        body.contains("RoleSessionName=sess") && body.contains("DurationSeconds=3600"),
        "{body}"
    );
    assert!(!format!("{exchange:?}").contains("sec-src"));

    // An STS refusal is the chain's error, with the service's code.
    let refusal = http::Response::builder()
        .status(404)
        .header("content-type", "application/json")
        .body(
            br#"{"RequestId":"r1","Code":"EntityNotExist.Role","Message":"The role not exists."}"#
                .to_vec(),
        )
        .unwrap();
    let Step::Done(Err(error)) = resolver.next(now, "nonce-b", Some(Reply::Response(refusal)))
    else {
        panic!()
    };
    assert!(
        matches!(
            error,
            Error::Refused {
                source_name: Source::CliProfile,
                step: "AssumeRole",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("EntityNotExist.Role"), "{error}");

    // The STS endpoint override wins over the region.
    let mut resolver = Resolver::new(env, options().with_sts_endpoint("http://127.0.0.1:8"));
    let Step::Send(exchange) = resolver.next(now, "nonce-c", None) else {
        panic!()
    };
    assert_eq!(
        exchange.request.uri().authority().unwrap().as_str(),
        "127.0.0.1:8"
    );

    // The OIDC source: anonymous, the token read from the file.
    let token_file = home.join("oidc-token");
    write(&token_file, "oidc-token-value\n");
    let env = Environment::empty()
        .without_home()
        .with_var("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/o")
        .with_var(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1:oidc-provider/p",
        )
        .with_var(
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().unwrap(),
        )
        .with_var("ALIBABA_CLOUD_ROLE_SESSION_NAME", "rrsa")
        .with_var("ALIBABA_CLOUD_STS_REGION", "cn-beijing");
    let mut resolver = Resolver::new(env, options());
    let Step::Send(exchange) = resolver.next(now, "nonce-d", None) else {
        panic!()
    };
    assert_eq!(exchange.step, "AssumeRoleWithOIDC");
    assert_eq!(
        exchange.request.uri().host(),
        Some("sts.cn-beijing.aliyuncs.com")
    );
    assert!(
        exchange
            .request
            .uri()
            .query()
            .unwrap()
            .contains("Action=AssumeRoleWithOIDC")
    );
    assert!(
        !exchange
            .request
            .uri()
            .query()
            .unwrap()
            .contains("Signature")
    );
    let body = String::from_utf8(exchange.request.body().clone()).unwrap();
    assert!(
        body.contains("OIDCToken=oidc-token-value&") && body.contains("RoleSessionName=rrsa"),
        "{body}"
    );
    assert!(!format!("{exchange:?}").contains("oidc-token-value"));
    let ok = http::Response::builder()
        .header("content-type", "application/json")
        .body(br#"{"RequestId":"r2","Credentials":{"AccessKeyId":"STS.o","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2023-11-14T23:13:20Z"}}"#.to_vec())
        .unwrap();
    let Step::Done(Ok(resolved)) = resolver.next(now, "nonce-e", Some(Reply::Response(ok))) else {
        panic!()
    };
    assert_eq!(resolved.source, Source::Oidc);
    assert_eq!(resolved.expiration.unwrap().unix_seconds(), NOW + 3600);
}
