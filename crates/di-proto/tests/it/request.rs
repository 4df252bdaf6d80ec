//! Whole signed requests: what is sent is exactly what was signed, byte for byte.

use di_proto::http::{Method, Request};
use di_proto::internals::{v1, v3};
use di_proto::sign::{Signature, SignatureVersion};
use di_proto::{Credentials, Endpoint, Error, Format, RpcRequest, Signer, Timestamp};

const NONCE: &str = "d763593649e88dbbf92e52edf7ad6b7f";

fn credentials() -> Credentials {
    Credentials::new("LTAI5tTestKeyId", "test secret & more").unwrap()
}

fn sts_credentials() -> Credentials {
    credentials()
        .with_security_token("CAIS+sts/token=RECOGNISABLE")
        .unwrap()
}

fn endpoint() -> Endpoint {
    Endpoint::parse("https://dataworks.cn-shanghai.aliyuncs.com").unwrap()
}

fn timestamp() -> Timestamp {
    Timestamp::parse("2030-07-02T18:40:54Z").unwrap()
}

fn delete_task() -> RpcRequest {
    RpcRequest::new("DeleteDISyncTask", "2020-05-18")
        .query_param("ProjectId", "10000")
        .query_param("TaskType", "DI_REALTIME")
        .query_param("FileId", "100")
}

fn create_task() -> RpcRequest {
    RpcRequest::new("CreateDISyncTask", "2020-05-18")
        .query_param("ProjectId", "10000")
        .query_param("TaskName", "n 1")
        .query_param("TaskParam", r#"{"FileFolderPath":"x/y"}"#)
        .query_param("TaskType", "DI_REALTIME")
        .body_param("TaskContent", r#"{"a": 1, "emoji": "😀 * ~"}"#)
}

fn sign(
    credentials: &Credentials,
    version: SignatureVersion,
    format: Format,
    request: &RpcRequest,
) -> di_proto::SignedRequest {
    Signer::new(credentials, &endpoint())
        .with_signature_version(version)
        .with_format(format)
        .sign(request, timestamp(), NONCE)
        .unwrap()
}

fn decode_form(text: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(text).unwrap()
}

/// Re-derives the signature from what the request carries, as a server would.
fn verify(request: &Request<Vec<u8>>, credentials: &Credentials) {
    let query = decode_form(request.uri().query().unwrap_or_default());
    let body = decode_form(std::str::from_utf8(request.body()).unwrap());
    match request.headers().get("authorization") {
        None => {
            let (signature, rest): (Vec<_>, Vec<_>) =
                query.into_iter().partition(|(name, _)| name == "Signature");
            let params: Vec<(&str, &str)> = rest
                .iter()
                .chain(&body)
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let expected = v1::sign(request.method(), &params, credentials).unwrap();
            assert_eq!(signature.len(), 1);
            assert_eq!(signature[0].1, expected.signature());
        }
        Some(authorization) => {
            let query: Vec<(&str, &str)> = query
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let headers: Vec<(&str, &str)> = request
                .headers()
                .iter()
                .filter(|(name, _)| *name != "authorization")
                .map(|(name, value)| (name.as_str(), value.to_str().unwrap()))
                .collect();
            let payload = v3::payload_sha256(request.body());
            assert_eq!(request.headers()["x-acs-content-sha256"], payload.as_str());
            let expected = v3::sign(
                &v3::V3Input {
                    method: request.method(),
                    pathname: request.uri().path(),
                    query: &query,
                    headers: &headers,
                    payload_sha256: &payload,
                },
                credentials,
            )
            .unwrap();
            assert_eq!(authorization, expected.authorization());
        }
    }
}

#[test]
fn every_request_carries_exactly_what_it_signed() {
    for credentials in [credentials(), sts_credentials()] {
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            for format in [Format::Json, Format::Xml] {
                for request in [delete_task(), create_task()] {
                    let signed = sign(&credentials, version, format, &request);
                    verify(signed.request(), &credentials);
                }
            }
        }
    }
}

/// One normalized text form of a whole request, for golden files.
fn render(request: &Request<Vec<u8>>) -> String {
    let mut text = format!("{} {}\n", request.method(), request.uri());
    for (name, value) in request.headers() {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
    }
    text.push('\n');
    text.push_str(std::str::from_utf8(request.body()).unwrap());
    text.push('\n');
    text
}

/// Compares `actual` with the golden file `name`; `DI_UPDATE_GOLDEN=1` rewrites the file
/// instead (review the diff before committing it).
#[expect(clippy::disallowed_methods, reason = "tests read their own data files")]
fn check_golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/requests")
        .join(name);
    if std::env::var_os("DI_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("{}: {error} (DI_UPDATE_GOLDEN=1 writes it)", path.display())
    });
    assert_eq!(
        actual, expected,
        "{name} differs; DI_UPDATE_GOLDEN=1 rewrites it"
    );
}

#[test]
fn requests_match_their_golden_files() {
    let cases = [
        (
            "delete_v1_json.txt",
            credentials(),
            SignatureVersion::V1,
            Format::Json,
            delete_task(),
        ),
        (
            "delete_v3_json.txt",
            credentials(),
            SignatureVersion::V3,
            Format::Json,
            delete_task(),
        ),
        (
            "delete_v1_xml_sts.txt",
            sts_credentials(),
            SignatureVersion::V1,
            Format::Xml,
            delete_task(),
        ),
        (
            "delete_v3_xml_sts.txt",
            sts_credentials(),
            SignatureVersion::V3,
            Format::Xml,
            delete_task(),
        ),
        (
            "create_v1_json.txt",
            credentials(),
            SignatureVersion::V1,
            Format::Json,
            create_task(),
        ),
        (
            "create_v3_json.txt",
            credentials(),
            SignatureVersion::V3,
            Format::Json,
            create_task(),
        ),
    ];
    for (file, credentials, version, format, request) in cases {
        let signed = sign(&credentials, version, format, &request);
        check_golden(file, &render(signed.request()));
    }
}

#[test]
fn v1_puts_common_parameters_in_the_query_and_api_parameters_where_asked() {
    let signed = sign(
        &sts_credentials(),
        SignatureVersion::V1,
        Format::Xml,
        &create_task(),
    );
    let query = decode_form(signed.request().uri().query().unwrap());
    let names: Vec<&str> = query.iter().map(|(name, _)| name.as_str()).collect();
    for name in [
        "AccessKeyId",
        "Action",
        "Format",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "SecurityToken",
        "ProjectId",
        "TaskName",
        "TaskParam",
        "TaskType",
        "Signature",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(!names.contains(&"TaskContent"));
    assert!(query.contains(&("Format".into(), "XML".into())));
    assert!(query.contains(&("Timestamp".into(), "2030-07-02T18:40:54Z".into())));
    assert_eq!(
        signed.request().headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        decode_form(std::str::from_utf8(signed.request().body()).unwrap()),
        vec![(
            "TaskContent".to_owned(),
            r#"{"a": 1, "emoji": "😀 * ~"}"#.to_owned()
        )]
    );
}

#[test]
fn v3_sends_sts_headers_and_no_common_query_parameters() {
    let signed = sign(
        &sts_credentials(),
        SignatureVersion::V3,
        Format::Xml,
        &delete_task(),
    );
    let request = signed.request();
    assert_eq!(
        request.uri().query(),
        Some("FileId=100&ProjectId=10000&TaskType=DI_REALTIME")
    );
    assert_eq!(request.headers()["accept"], "application/xml");
    assert_eq!(
        request.headers()["x-acs-security-token"],
        "CAIS+sts/token=RECOGNISABLE"
    );
    assert_eq!(request.headers()["x-acs-accesskey-id"], "LTAI5tTestKeyId");
    assert!(request.headers().get("content-type").is_none());
    let Signature::V3(signature) = signed.signature() else {
        panic!("V3 expected")
    };
    assert!(signature.signed_headers().contains("x-acs-security-token"));
}

#[test]
fn debug_output_never_shows_the_secret_or_the_token() {
    let credentials = sts_credentials();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signed = sign(&credentials, version, Format::Json, &create_task());
        let debug = format!(
            "{signed:?} {signed:#?} {:?} {credentials:?}",
            signed.signature()
        );
        assert!(!debug.contains("RECOGNISABLE"), "{version:?}: {debug}");
        assert!(!debug.contains("test secret"), "{version:?}: {debug}");
        assert!(debug.contains("<redacted>") || debug.contains("Sensitive"));
    }
}

fn sign_error(request: RpcRequest, nonce: &str) -> Error {
    let mut errors = [SignatureVersion::V1, SignatureVersion::V3].map(|version| {
        Signer::new(&credentials(), &endpoint())
            .with_signature_version(version)
            .sign(&request, timestamp(), nonce)
            .unwrap_err()
    });
    assert_eq!(errors[0], errors[1], "both versions reject alike");
    std::mem::replace(&mut errors[0], Error::InvalidNonce { reason: "" })
}

#[test]
fn bad_requests_are_typed_errors_in_both_versions() {
    let base = || RpcRequest::new("DeleteDISyncTask", "2020-05-18");
    let cases: Vec<(RpcRequest, &str, Error)> = vec![
        (
            base().query_param("", "1"),
            NONCE,
            Error::InvalidParameter {
                name: String::new(),
                reason: "the name is empty",
            },
        ),
        (
            base().query_param("Signature", "x"),
            NONCE,
            Error::InvalidParameter {
                name: "Signature".into(),
                reason: "the name is reserved for a common parameter that signing sets",
            },
        ),
        (
            base().query_param("FileId", "1").body_param("FileId", "2"),
            NONCE,
            Error::DuplicateParameter {
                name: "FileId".into(),
            },
        ),
        (
            base().query_param("FileId", "1").query_param("FileId", "2"),
            NONCE,
            Error::DuplicateParameter {
                name: "FileId".into(),
            },
        ),
        (
            base().with_method(Method::GET).body_param("A", "1"),
            NONCE,
            Error::BodyNotAllowed {
                method: Method::GET,
            },
        ),
        (
            base(),
            "",
            Error::InvalidNonce {
                reason: "it is empty",
            },
        ),
        (
            base(),
            "has space",
            Error::InvalidNonce {
                reason: "only visible ASCII characters are allowed",
            },
        ),
        (
            RpcRequest::new("Delete Task", "2020-05-18"),
            NONCE,
            Error::InvalidOperation {
                field: "action",
                value: "Delete Task".into(),
                reason: "only ASCII letters, digits, '-', '_' and '.' are allowed",
            },
        ),
        (
            RpcRequest::new("DeleteDISyncTask", ""),
            NONCE,
            Error::InvalidOperation {
                field: "version",
                value: String::new(),
                reason: "it is empty",
            },
        ),
    ];
    for (request, nonce, expected) in cases {
        assert_eq!(sign_error(request, nonce), expected);
    }
}
