//! Properties of percent-encoding, canonicalization and signing, checked with proptest.

use std::collections::BTreeMap;

use di_proto::internals::encode::{percent_decode, percent_encode};
use di_proto::internals::{v1, v3};
use di_proto::sign::{Signature, SignatureVersion};
use di_proto::{Credentials, Endpoint, Format, RpcRequest, Signer, Timestamp};
use proptest::prelude::*;

/// Text that leans on the characters encoders get wrong, plus any Unicode at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 +*~%/=&._!'()\\-é中😀\u{a0}\u{200b}\u{fe0f}\t\n]{0,16}",
        1 => any::<String>(),
    ]
}

/// Distinct, non-empty parameter names that are not reserved for common parameters.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[a-zA-Z0-9 +*~%/=é中😀.]{1,10}", text(), 0..8).prop_map(|map| {
        map.into_iter()
            .filter(|(name, _)| !di_proto::RESERVED_PARAMS.contains(&name.as_str()))
            .collect()
    })
}

fn as_pairs(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// The same escape set, for checking our encoder against the `percent-encoding` crate.
const ESCAPED_BY_THE_CRATE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A deliberately naive encoder: one byte at a time, `format!` per escape.
fn naive_encode(input: &str) -> String {
    input
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// A deliberately naive canonicalizer: a `BTreeMap` keyed by the raw name's bytes.
fn naive_canonical(params: &[(&str, &str)]) -> String {
    let sorted: BTreeMap<Vec<u8>, (&str, &str)> = params
        .iter()
        .map(|&(name, value)| (name.as_bytes().to_vec(), (name, value)))
        .collect();
    sorted
        .values()
        .map(|(name, value)| format!("{}={}", naive_encode(name), naive_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn sign_request(
    version: SignatureVersion,
    secret: &str,
    method: &di_proto::http::Method,
    params: &[(String, String)],
    unix_seconds: i64,
    nonce: &str,
) -> String {
    let credentials = Credentials::new("LTAI5tPropertyTest", secret).unwrap();
    let endpoint = Endpoint::parse("https://dataworks.cn-hangzhou.aliyuncs.com").unwrap();
    let request = params.iter().fold(
        RpcRequest::new("DeleteDISyncTask", "2020-05-18").with_method(method.clone()),
        |request, (name, value)| request.query_param(name, value),
    );
    let signed = Signer::new(&credentials, &endpoint)
        .with_signature_version(version)
        .with_format(Format::Json)
        .sign(
            &request,
            Timestamp::from_unix_seconds(unix_seconds).unwrap(),
            nonce,
        )
        .unwrap();
    match signed.signature() {
        Signature::V1(signature) => signature.signature().to_owned(),
        Signature::V3(signature) => signature.signature().to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encoding_keeps_exactly_the_unreserved_bytes_and_round_trips(input in text()) {
        let encoded = percent_encode(&input);
        prop_assert_eq!(&encoded, &naive_encode(&input));
        prop_assert_eq!(
            &encoded,
            &percent_encoding::utf8_percent_encode(&input, ESCAPED_BY_THE_CRATE).to_string()
        );
        let bytes = encoded.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            if bytes[index] == b'%' {
                let hex = &encoded[index + 1..index + 3];
                prop_assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)), "{}", encoded);
                let byte = u8::from_str_radix(hex, 16).unwrap();
                prop_assert!(!(byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte)), "unreserved byte escaped in {}", encoded);
                index += 3;
            } else {
                prop_assert!(bytes[index].is_ascii_alphanumeric() || b"-_.~".contains(&bytes[index]), "{}", encoded);
                index += 1;
            }
        }
        prop_assert_eq!(percent_decode(&encoded), Some(input));
    }

    #[test]
    fn order_of_parameters_does_not_change_the_canonical_string(
        params in params(),
        seed in any::<u64>(),
    ) {
        let pairs = as_pairs(&params);
        let mut shuffled = pairs.clone();
        // A Fisher-Yates shuffle driven by the generated seed.
        let mut state = seed | 1;
        for index in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(index, (state % (index as u64 + 1)) as usize);
        }
        prop_assert_eq!(
            v1::canonicalized_query_string(&pairs).unwrap(),
            v1::canonicalized_query_string(&shuffled).unwrap()
        );
    }

    #[test]
    fn signer_agrees_with_a_naive_model(params in params(), secret in "[^\u{0}]{1,20}") {
        let pairs = as_pairs(&params);
        let credentials = Credentials::new("id", secret.as_str()).unwrap();

        let canonical = naive_canonical(&pairs);
        let signature = v1::sign(&di_proto::http::Method::POST, &pairs, &credentials).unwrap();
        prop_assert_eq!(signature.canonicalized_query_string(), canonical.as_str());
        let string_to_sign = format!("POST&%2F&{}", naive_encode(&canonical));
        prop_assert_eq!(signature.string_to_sign(), string_to_sign.as_str());
        let mac = {
            use hmac::{Hmac, KeyInit, Mac};
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes()
        };
        use base64::Engine as _;
        prop_assert_eq!(signature.signature(), base64::engine::general_purpose::STANDARD.encode(mac));

        let headers = [("host", "h"), ("x-acs-action", "A")];
        let v3_signature = v3::sign(&v3::V3Input {
            method: &di_proto::http::Method::GET,
            pathname: "/",
            query: &pairs,
            headers: &headers,
            payload_sha256: v3::EMPTY_PAYLOAD_SHA256,
        }, &credentials).unwrap();
        let canonical_request = format!(
            "GET\n/\n{canonical}\nhost:h\nx-acs-action:A\n\nhost;x-acs-action\n{}",
            v3::EMPTY_PAYLOAD_SHA256
        );
        prop_assert_eq!(v3_signature.canonical_request(), canonical_request.as_str());
    }

    #[test]
    fn changing_any_signed_input_changes_the_signature(
        params in params().prop_filter("needs a parameter", |params| !params.is_empty()),
        secret in "[a-zA-Z0-9&%+ ]{1,20}",
        unix_seconds in 0_i64..4_000_000_000,
        nonce in "[a-f0-9]{32}",
        pick in any::<prop::sample::Index>(),
    ) {
        use di_proto::http::Method;
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            let base = sign_request(version, &secret, &Method::POST, &params, unix_seconds, &nonce);
            let mut changed_params = params.clone();
            let index = pick.index(changed_params.len());
            changed_params[index].1.push('x');
            let changed = [
                sign_request(version, &secret, &Method::POST, &changed_params, unix_seconds, &nonce),
                sign_request(version, &format!("{secret}x"), &Method::POST, &params, unix_seconds, &nonce),
                sign_request(version, &secret, &Method::POST, &params, unix_seconds + 1, &nonce),
                sign_request(version, &secret, &Method::POST, &params, unix_seconds, &format!("{nonce}0")),
                sign_request(version, &secret, &Method::PUT, &params, unix_seconds, &nonce),
            ];
            for (what, signature) in ["parameter", "secret", "timestamp", "nonce", "method"].iter().zip(&changed) {
                prop_assert_ne!(&base, signature, "{:?}: changing the {} kept the signature", version, what);
            }
        }
    }

    #[test]
    fn signing_never_panics(
        action in text(),
        params in prop::collection::vec((text(), text(), any::<bool>()), 0..6),
        nonce in text(),
        unix_seconds in any::<i64>(),
        v1 in any::<bool>(),
    ) {
        let credentials = Credentials::new("id", "secret").unwrap();
        let endpoint = Endpoint::parse("https://dataworks.aliyuncs.com").unwrap();
        let request = params.iter().fold(RpcRequest::new(action, "2020-05-18"), |request, (name, value, body)| {
            if *body { request.body_param(name, value) } else { request.query_param(name, value) }
        });
        let version = if v1 { SignatureVersion::V1 } else { SignatureVersion::V3 };
        if let Ok(timestamp) = Timestamp::from_unix_seconds(unix_seconds) {
            let _ = Signer::new(&credentials, &endpoint)
                .with_signature_version(version)
                .sign(&request, timestamp, &nonce);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Decoding agrees with the `percent-encoding` crate on any text, broken escapes included.
    #[test]
    fn decoding_agrees_with_the_crate(input in "[%0-9a-fA-Gg+ é]{0,24}") {
        let crate_decoded = percent_encoding::percent_decode_str(&input)
            .decode_utf8()
            .ok()
            .map(|decoded| decoded.into_owned());
        prop_assert_eq!(percent_decode(&input), crate_decoded);
    }
}
