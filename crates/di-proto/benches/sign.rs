//! Building a complete signed DeleteDISyncTask request, against the floor of each scheme.
//!
//! The floors are the cryptography a signature cannot avoid, over inputs of the same length
//! as the real ones:
//! - V1: HMAC-SHA1 with key setup over a string as long as the string to sign, plus Base64;
//! - V3: SHA-256 over a string as long as the canonical request, HMAC-SHA256 with key setup
//!   over the string to sign, plus hex.
//!
//! Run: `cargo bench -p di-proto --bench sign`; the ratios go into `docs/BENCHMARKS.md`.

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

fn signing(c: &mut Criterion) {
    let credentials = Credentials::new("LTAI5tBenchmarkKeyId0001", SECRET).unwrap();
    let endpoint = Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap();
    let request = delete_request();
    let timestamp = Timestamp::from_unix_seconds(1_909_248_054).unwrap();

    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signer = Signer::new(&credentials, &endpoint)
            .with_signature_version(version)
            .with_format(Format::Json);
        let signed = signer.sign(&request, timestamp, NONCE).unwrap();
        let mut group = c.benchmark_group(format!("{version:?}").to_lowercase());
        group.bench_function("signed_request", |b| {
            b.iter(|| {
                signer
                    .sign(black_box(&request), black_box(timestamp), black_box(NONCE))
                    .unwrap()
            })
        });
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
            _ => unreachable!("only V1 and V3 exist"),
        }
        group.finish();
    }
}

criterion_group!(benches, signing);
criterion_main!(benches);
