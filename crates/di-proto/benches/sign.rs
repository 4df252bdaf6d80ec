//! Building a complete signed DeleteDISyncTask request, against the floor of each scheme.
//!
//! The floors are the cryptography a signature cannot avoid, over inputs of the same length
//! as the real ones:
//! - V1: HMAC-SHA1 with key setup over a string as long as the string to sign, plus Base64;
//! - V3: SHA-256 over a string as long as the canonical request, HMAC-SHA256 with key setup
//!   over the string to sign, plus hex.
//!
//! For scale, `naive` signs the same request the way a first attempt would: parameters in a
//! `BTreeMap<String, String>`, `format!` per pair, `join`, the `percent-encoding` crate, the
//! HMAC keyed per request, the URL built with `format!` and parsed by `http`'s builder. It
//! must produce the very same signature (checked before measuring).
//!
//! Run: `cargo bench -p di-proto --bench sign`; `cargo xtask bench` writes the ratios into
//! `docs/BENCHMARKS.md`.

use std::collections::BTreeMap;

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use di_proto::sign::{Signature, SignatureVersion};
use di_proto::{Credentials, Endpoint, Format, RpcRequest, Signer, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

const SECRET: &str = "Eaz0tZMszibBzJycbK2D0D3e5jrqxc";
const NONCE: &str = "d763593649e88dbbf92e52edf7ad6b7f";

fn delete_request() -> RpcRequest {
    RpcRequest::new("DeleteDISyncTask", "2020-05-18")
        .query_param("ProjectId", "10000")
        .query_param("TaskType", "DI_REALTIME")
        .query_param("FileId", "100")
}

/// Lower-case hex with a lookup table, as fast as the floor deserves.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// What the gateway leaves unescaped: `A-Z a-z 0-9 - _ . ~`.
const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn naive_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, ESCAPED).to_string()
}

fn naive_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The naive signer: a complete signed request, and the signature it carries.
fn naive_sign(
    version: SignatureVersion,
    request: &RpcRequest,
    key_id: &str,
    secret: &str,
    host: &str,
    date: &str,
    nonce: &str,
) -> (http::Request<Vec<u8>>, String) {
    let mut query: BTreeMap<String, String> = request
        .params()
        .map(|(name, value, _)| (name.to_string(), value.to_string()))
        .collect();
    if version == SignatureVersion::V1 {
        for (name, value) in [
            ("AccessKeyId", key_id),
            ("Action", request.action()),
            ("Format", "JSON"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("Timestamp", date),
            ("Version", request.version()),
        ] {
            query.insert(name.to_string(), value.to_string());
        }
    }
    let canonical = query
        .iter()
        .map(|(name, value)| format!("{}={}", naive_encode(name), naive_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let builder = http::Request::builder().method(request.method().clone());
    if version == SignatureVersion::V1 {
        let string_to_sign = format!(
            "{}&{}&{}",
            request.method(),
            naive_encode("/"),
            naive_encode(&canonical)
        );
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
        mac.update(string_to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let url = format!(
            "https://{host}/?{canonical}&Signature={}",
            naive_encode(&signature)
        );
        let built = builder
            .uri(url)
            .header("x-acs-action", request.action())
            .header("x-acs-version", request.version())
            .body(Vec::new())
            .unwrap();
        return (built, signature);
    }
    let payload = naive_hex(&Sha256::digest(b""));
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in [
        ("accept", "application/json"),
        ("host", host),
        ("x-acs-action", request.action()),
        ("x-acs-content-sha256", payload.as_str()),
        ("x-acs-date", date),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-version", request.version()),
    ] {
        headers.insert(name.to_string(), value.to_string());
    }
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let signed_headers = headers.keys().cloned().collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "{}\n/\n{canonical}\n{canonical_headers}\n{signed_headers}\n{payload}",
        request.method()
    );
    let string_to_sign = format!(
        "ACS3-HMAC-SHA256\n{}",
        naive_hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = naive_hex(&mac.finalize().into_bytes());
    let authorization = format!(
        "ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    let mut builder = builder.uri(format!("https://{host}/?{canonical}"));
    for (name, value) in &headers {
        builder = builder.header(name, value);
    }
    let built = builder
        .header("authorization", authorization)
        .body(Vec::new())
        .unwrap();
    (built, signature)
}

fn signing(c: &mut Criterion) {
    let key_id = "LTAI5tBenchmarkKeyId0001";
    let credentials = Credentials::new(key_id, SECRET).unwrap();
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap();
    let request = delete_request();
    let timestamp = Timestamp::from_unix_seconds(1_909_248_054).unwrap();

    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signer = Signer::new(&credentials, &endpoint)
            .with_signature_version(version)
            .with_format(Format::Json);
        let signed = signer.sign(&request, timestamp, NONCE).unwrap();
        let host = endpoint.authority();
        let date = timestamp.to_string();
        let naive = || naive_sign(version, &request, key_id, SECRET, host, &date, NONCE);
        let signature = match signed.signature() {
            Signature::V1(signature) => signature.signature(),
            Signature::V3(signature) => signature.signature(),
        };
        assert_eq!(naive().1, signature, "the naive signer disagrees");
        let mut group = c.benchmark_group(format!("{version:?}").to_lowercase());
        group.bench_function("signed_request", |b| {
            b.iter(|| {
                signer
                    .sign(black_box(&request), black_box(timestamp), black_box(NONCE))
                    .unwrap()
            })
        });
        group.bench_function("naive", |b| b.iter(|| black_box(naive())));
        match signed.signature() {
            Signature::V1(signature) => {
                let message = "x".repeat(signature.string_to_sign().len());
                let key = format!("{SECRET}&");
                group.bench_function("floor", |b| {
                    b.iter(|| {
                        let mut mac =
                            Hmac::<sha1::Sha1>::new_from_slice(black_box(key.as_bytes())).unwrap();
                        mac.update(black_box(message.as_bytes()));
                        base64::engine::general_purpose::STANDARD
                            .encode(mac.finalize().into_bytes())
                    })
                });
            }
            Signature::V3(signature) => {
                let canonical_request = "x".repeat(signature.canonical_request().len());
                group.bench_function("floor", |b| {
                    b.iter(|| {
                        let hashed = hex(&Sha256::digest(black_box(canonical_request.as_bytes())));
                        let mut string_to_sign = String::with_capacity(17 + 64);
                        string_to_sign.push_str("ACS3-HMAC-SHA256\n");
                        string_to_sign.push_str(&hashed);
                        let mut mac =
                            Hmac::<Sha256>::new_from_slice(black_box(SECRET.as_bytes())).unwrap();
                        mac.update(string_to_sign.as_bytes());
                        hex(&mac.finalize().into_bytes())
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, signing);
criterion_main!(benches);
