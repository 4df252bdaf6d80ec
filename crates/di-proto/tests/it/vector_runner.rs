//! Runs golden signing vectors (JSON Lines) through di-proto's signers.
//!
//! The format and the runner contract are in `tests/data/vectors/README.md`. This one file
//! serves both `cargo test` (di-proto's `tests/it`) and `cargo xtask vectors`, which includes
//! it with `#[path]`, so the two can never disagree.

use di_proto::Credentials;
use di_proto::http::Method;
use di_proto::internals::{v1, v3};
use serde::Deserialize;

/// The outcome of checking some vector lines.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// How many vectors passed.
    pub(crate) passed: usize,
    /// One `FAIL <id> <field>[: detail]` line per failing vector.
    pub(crate) failures: Vec<String>,
}

impl Report {
    /// The closing line, `N passed, M failed`.
    pub(crate) fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failures.len())
    }

    /// Whether a runner should exit with status 0: something passed and nothing failed.
    pub(crate) fn is_success(&self) -> bool {
        self.passed > 0 && self.failures.is_empty()
    }

    /// Checks every non-blank line of `text`, one vector per line.
    pub(crate) fn check_text(&mut self, text: &str) {
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match check_line(line, index + 1) {
                Ok(()) => self.passed += 1,
                Err(failure) => self.failures.push(failure),
            }
        }
    }
}

#[derive(Deserialize)]
struct Head {
    id: Option<String>,
    scheme: Option<String>,
}

#[derive(Deserialize)]
struct V1Vector {
    method: String,
    query_params: Vec<(String, String)>,
    #[serde(default)]
    body_params: Vec<(String, String)>,
    access_key_id: String,
    secret: String,
    canonicalized_query_string: String,
    expected_string_to_sign: String,
    expected_signature: String,
}

#[derive(Deserialize)]
struct V3Vector {
    method: String,
    pathname: String,
    query_params: Vec<(String, String)>,
    headers: serde_json::Map<String, serde_json::Value>,
    payload_sha256: String,
    access_key_id: String,
    secret: String,
    canonical_query_string: String,
    canonical_headers: String,
    signed_headers: String,
    expected_canonical_request: String,
    expected_hashed_canonical_request: String,
    expected_string_to_sign: String,
    expected_signature: String,
    expected_authorization: String,
}

/// Checks one line; `Err` holds its `FAIL ...` line.
pub(crate) fn check_line(line: &str, line_number: usize) -> Result<(), String> {
    let head: Head = serde_json::from_str(line)
        .map_err(|error| format!("FAIL line:{line_number} parse: {error}"))?;
    let id = head.id.unwrap_or_else(|| format!("line:{line_number}"));
    let parse_failure = |error: serde_json::Error| format!("FAIL {id} parse: {error}");
    match head.scheme.as_deref() {
        Some("v1") => check_v1(&id, serde_json::from_str(line).map_err(parse_failure)?),
        Some("v3") => check_v3(&id, serde_json::from_str(line).map_err(parse_failure)?),
        other => Err(format!("FAIL {id} parse: unknown scheme {other:?}")),
    }
}

/// Compares `(field, expected, computed)` in order and names the first field that differs.
fn compare(id: &str, fields: &[(&str, &str, &str)]) -> Result<(), String> {
    match fields
        .iter()
        .find(|(_, expected, computed)| expected != computed)
    {
        Some((field, expected, computed)) => Err(format!(
            "FAIL {id} {field}: expected {expected:?}, computed {computed:?}"
        )),
        None => Ok(()),
    }
}

fn parse_method(id: &str, method: &str) -> Result<Method, String> {
    Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("FAIL {id} parse: invalid method {method:?}"))
}

fn check_v1(id: &str, vector: V1Vector) -> Result<(), String> {
    let first_field = "canonicalized_query_string";
    let method = parse_method(id, &vector.method)?;
    // Step 1 of the contract: query parameters, then body parameters; a body value replaces a
    // query value of the same name.
    let mut params: Vec<(&str, &str)> = Vec::new();
    for (name, value) in vector.query_params.iter().chain(&vector.body_params) {
        match params.iter_mut().find(|(seen, _)| *seen == name.as_str()) {
            Some(existing) => existing.1 = value,
            None => params.push((name, value)),
        }
    }
    let signature = Credentials::new(vector.access_key_id.as_str(), vector.secret.as_str())
        .and_then(|credentials| v1::sign(&method, &params, &credentials))
        .map_err(|error| format!("FAIL {id} {first_field}: the signer refused: {error}"))?;
    compare(
        id,
        &[
            (
                first_field,
                &vector.canonicalized_query_string,
                signature.canonicalized_query_string(),
            ),
            (
                "expected_string_to_sign",
                &vector.expected_string_to_sign,
                signature.string_to_sign(),
            ),
            (
                "expected_signature",
                &vector.expected_signature,
                signature.signature(),
            ),
        ],
    )
}

fn check_v3(id: &str, vector: V3Vector) -> Result<(), String> {
    let first_field = "canonical_query_string";
    let method = parse_method(id, &vector.method)?;
    let query: Vec<(&str, &str)> = vector
        .query_params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let mut headers = Vec::with_capacity(vector.headers.len());
    for (name, value) in &vector.headers {
        let Some(value) = value.as_str() else {
            return Err(format!("FAIL {id} parse: header {name:?} is not a string"));
        };
        headers.push((name.as_str(), value));
    }
    let signature = Credentials::new(vector.access_key_id.as_str(), vector.secret.as_str())
        .and_then(|credentials| {
            v3::sign(
                &v3::V3Input {
                    method: &method,
                    pathname: &vector.pathname,
                    query: &query,
                    headers: &headers,
                    payload_sha256: &vector.payload_sha256,
                },
                &credentials,
            )
        })
        .map_err(|error| format!("FAIL {id} {first_field}: the signer refused: {error}"))?;
    compare(
        id,
        &[
            (
                first_field,
                &vector.canonical_query_string,
                signature.canonical_query_string(),
            ),
            (
                "canonical_headers",
                &vector.canonical_headers,
                signature.canonical_headers(),
            ),
            (
                "signed_headers",
                &vector.signed_headers,
                signature.signed_headers(),
            ),
            (
                "expected_canonical_request",
                &vector.expected_canonical_request,
                signature.canonical_request(),
            ),
            (
                "expected_hashed_canonical_request",
                &vector.expected_hashed_canonical_request,
                signature.hashed_canonical_request(),
            ),
            (
                "expected_string_to_sign",
                &vector.expected_string_to_sign,
                signature.string_to_sign(),
            ),
            (
                "expected_signature",
                &vector.expected_signature,
                signature.signature(),
            ),
            (
                "expected_authorization",
                &vector.expected_authorization,
                signature.authorization(),
            ),
        ],
    )
}
