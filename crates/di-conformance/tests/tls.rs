//! HTTPS end to end, over both transports: certificates a client must refuse (no CA given, a
//! certificate for another name, an expired one, a peer that speaks no TLS), each a typed
//! [`ClientError::Tls`](di_proto::client::ClientError::Tls) that is never retried (the
//! emulator sees one connection, one failed handshake and no request), and keep-alive: a
//! 1,000-task teardown over HTTPS performs at most as many handshakes as it has workers.
//!
//! The suite of `suite.rs` runs over HTTPS too; this file holds what only HTTPS has.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use common::{Env, Failure, PROJECT, Reqwest, Transport, Ureq, demo, quick_wait};
use di_emulator::{Config, Counters, TaskState};
use di_proto::client::{ClientError, TlsFailure};
use di_proto::flow::{StepKind, StepOutcome, TaskOutcome};
use di_proto::retry::RetryPolicy;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A CA and a server certificate it issued for `names`, valid from `not_before` to
/// `not_after` (years, 1 January): `(CA certificate, server certificate, server key)`, PEM.
fn issue(names: &[&str], not_before: i32, not_after: i32) -> (String, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "di conformance test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    let mut server = CertificateParams::new(names).unwrap();
    server.not_before = rcgen::date_time_ymd(not_before, 1, 1);
    server.not_after = rcgen::date_time_ymd(not_after, 1, 1);
    let key = KeyPair::generate().unwrap();
    let certificate = server.signed_by(&key, &ca).unwrap();
    (ca.pem(), certificate.pem(), key.serialize_pem())
}

/// The emulator's counters once it has counted `failures` failed TLS handshakes in all.
///
/// A client's refused handshake reaches the test before the server has counted it: the
/// server counts it on the connection's own task, after reading the client's alert, and tells
/// the client nothing more. So this asks again (yielding the thread in between, no timer)
/// until the count is there. The other counters need no wait: the server counts a connection
/// when it accepts it, before it sends its first byte on it (here, its certificate), which
/// the client had to read to refuse it.
fn counted_handshake_failures(env: &Env, failures: u64) -> Counters {
    loop {
        let counters = env.emulator().counters();
        if counters.tls_handshake_failures >= failures {
            return counters;
        }
        std::thread::yield_now();
    }
}

/// An emulator serving `chain` and `key`; clients trust `ca` (as an extra root).
fn serving(chain: &str, key: &str) -> Env {
    Env::with(Config::default().with_tls_pem(chain, key))
}

/// Calls once under a retry policy of 4 attempts, expecting a failed handshake: returns its
/// cause, after checking that nothing was retried: one connection, one failed handshake, no
/// request.
fn refused_handshake<T: Transport>(env: &Env, ca: Option<&str>) -> (TlsFailure, String) {
    let mut config = env.config();
    if let Some(ca) = ca {
        config = config.with_root_certificates_pem(ca);
    }
    let client = T::new(env, &config, demo());
    let before = env.emulator().counters();
    let (cause, host, message) = match client.terminate(1) {
        Err(Failure::Tls {
            cause,
            host,
            message,
        }) => (cause, host, message),
        other => panic!("{}: expected a TLS failure, got {other:?}", T::NAME),
    };
    eprintln!("{}: {cause:?}: {message}", T::NAME);
    let port = env.emulator().local_addr().port();
    assert_eq!(host, format!("127.0.0.1:{port}"));
    let after = counted_handshake_failures(env, before.tls_handshake_failures + 1);
    assert_eq!(after.connections - before.connections, 1, "{}", T::NAME);
    assert_eq!(
        after.tls_handshake_failures - before.tls_handshake_failures,
        1,
        "{}",
        T::NAME
    );
    assert_eq!(after.requests, before.requests, "{}", T::NAME);
    assert_eq!(after.tls_handshakes, before.tls_handshakes, "{}", T::NAME);
    (cause, message)
}

fn no_ca_given_is_an_unknown_issuer<T: Transport>() {
    // The emulator's generated certificate; the client trusts the platform's roots only.
    let env = Env::with(Config::default().with_tls());
    let untrusting = di_proto::client::ClientConfig::new()
        .with_endpoint(env.emulator().base_url())
        .with_retry_policy(env.config().retry_policy());
    assert!(untrusting.root_certificates_pem().is_empty());
    let client = T::new(&env, &untrusting, demo());
    let before = env.emulator().counters();
    match client.terminate(1) {
        Err(Failure::Tls { cause, .. }) => assert_eq!(cause, TlsFailure::UnknownIssuer),
        other => panic!("{}: {other:?}", T::NAME),
    }
    let after = counted_handshake_failures(&env, before.tls_handshake_failures + 1);
    assert_eq!(after.connections - before.connections, 1);
    assert_eq!(
        after.tls_handshake_failures - before.tls_handshake_failures,
        1
    );
    assert_eq!(after.requests, 0);

    // A task flow stops at its first step with the same error: the task is left as it was.
    let report = client.teardown(2, &quick_wait(Duration::from_secs(5)), false);
    assert_eq!(report.outcome, TaskOutcome::Failed, "{report:#?}");
    assert!(
        matches!(
            &report.error,
            Some(ClientError::Tls {
                cause: TlsFailure::UnknownIssuer,
                ..
            })
        ),
        "{report:#?}"
    );
    assert_eq!(report.steps.len(), 1, "{report:#?}");
    assert_eq!(report.steps[0].kind, StepKind::Terminate);
    assert_eq!(report.steps[0].outcome, StepOutcome::Failed);
    assert_eq!(
        env.emulator().task_state(PROJECT, 2),
        Some(TaskState::Deployed)
    );
    assert_eq!(env.emulator().counters().requests, 0);

    // The same emulator with its CA trusted: the handshake passes.
    let trusted = T::new(&env, &env.config(), demo());
    trusted.terminate(1).unwrap();
    assert_eq!(env.emulator().counters().tls_handshakes, 1);
}

fn a_certificate_for_another_name_is_a_name_mismatch<T: Transport>() {
    let (ca, chain, key) = issue(&["dataworks.example.com"], 2020, 4000);
    let env = serving(&chain, &key);
    let (cause, _) = refused_handshake::<T>(&env, Some(&ca));
    assert_eq!(cause, TlsFailure::NameMismatch);
}

fn an_expired_certificate_is_expired<T: Transport>() {
    let (ca, chain, key) = issue(&["127.0.0.1", "localhost"], 2020, 2021);
    let env = serving(&chain, &key);
    let (cause, _) = refused_handshake::<T>(&env, Some(&ca));
    assert_eq!(cause, TlsFailure::Expired);
    // The same certificate, in its validity period, passes: the dates alone made it fail.
    let (ca, chain, key) = issue(&["127.0.0.1", "localhost"], 2020, 4000);
    let env = serving(&chain, &key);
    let client = T::new(
        &env,
        &env.config().with_root_certificates_pem(ca.as_str()),
        demo(),
    );
    client.terminate(1).unwrap();
}

fn a_peer_without_tls_is_a_handshake_failure<T: Transport>() {
    // A plain-HTTP emulator called as https: it answers the ClientHello with an HTTP error.
    let env = Env::start();
    let url = env.emulator().base_url().replace("http://", "https://");
    let config = env
        .config()
        .with_endpoint(url)
        .with_retry_policy(RetryPolicy::default().with_max_attempts(4));
    let client = T::new(&env, &config, demo());
    match client.terminate(1) {
        Err(Failure::Tls { cause, .. }) => assert_eq!(cause, TlsFailure::Handshake),
        other => panic!("{}: {other:?}", T::NAME),
    }
    // The server answered the ClientHello (with an HTTP error), so it had accepted, and
    // counted, the connection: no wait.
    let counters = env.emulator().counters();
    assert_eq!(counters.connections, 1, "{counters:?}");
    assert_eq!(counters.requests, 0, "{counters:?}");
}

/// A thousand running tasks torn down (terminate, wait, delete: 3,000 calls) by 8 workers
/// sharing one client over HTTPS: keep-alive holds, so there are at most 8 handshakes.
fn a_thousand_task_teardown_takes_a_handful_of_handshakes<T: Transport + Sync>() {
    const TASKS: i64 = 1000;
    const WORKERS: usize = 8;
    let mut config = Config::default().with_tls();
    for file in 51..=TASKS {
        config = config.with_task(PROJECT, file);
    }
    let env = Env::with(config);
    let client = T::new(&env, &env.config(), demo());
    let wait = quick_wait(Duration::from_secs(10));
    let next = AtomicI64::new(1);
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let file = next.fetch_add(1, Ordering::Relaxed);
                    if file > TASKS {
                        break;
                    }
                    let report = client.teardown(file, &wait, false);
                    assert_eq!(report.outcome, TaskOutcome::Done, "{report:#?}");
                }
            });
        }
    });
    let counters = env.emulator().counters();
    eprintln!(
        "{}: {TASKS} teardowns, {} requests, {} handshakes",
        T::NAME,
        counters.requests,
        counters.tls_handshakes
    );
    assert!(
        counters.requests >= 2 * u64::try_from(TASKS).unwrap(),
        "{counters:?}"
    );
    assert_eq!(counters.tls_handshake_failures, 0, "{counters:?}");
    assert!(
        (1..=u64::try_from(WORKERS).unwrap()).contains(&counters.tls_handshakes),
        "{}: {} handshakes for {} calls: {counters:?}",
        T::NAME,
        counters.tls_handshakes,
        counters.requests
    );
    assert_eq!(
        counters.tls_handshakes, counters.connections,
        "{counters:?}"
    );
    for file in [1, 500, TASKS] {
        assert_eq!(
            env.emulator().task_state(PROJECT, file),
            Some(TaskState::Deleted)
        );
    }
}

macro_rules! tls {
    ($module:ident, $transport:ty) => {
        mod $module {
            use super::*;

            #[test]
            fn no_ca_given_is_an_unknown_issuer() {
                super::no_ca_given_is_an_unknown_issuer::<$transport>();
            }
            #[test]
            fn a_certificate_for_another_name_is_a_name_mismatch() {
                super::a_certificate_for_another_name_is_a_name_mismatch::<$transport>();
            }
            #[test]
            fn an_expired_certificate_is_expired() {
                super::an_expired_certificate_is_expired::<$transport>();
            }
            #[test]
            fn a_peer_without_tls_is_a_handshake_failure() {
                super::a_peer_without_tls_is_a_handshake_failure::<$transport>();
            }
            #[test]
            fn a_thousand_task_teardown_takes_a_handful_of_handshakes() {
                super::a_thousand_task_teardown_takes_a_handful_of_handshakes::<$transport>();
            }
        }
    };
}

tls!(over_ureq, Ureq);
tls!(over_reqwest, Reqwest);
