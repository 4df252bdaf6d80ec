//! Every golden vector passes, and the runner reports a wrong one by id and first field.

use std::path::PathBuf;

use crate::vector_runner::{Report, check_line};

/// A file of the copied golden vectors, found from this crate's manifest directory.
#[expect(clippy::disallowed_methods, reason = "tests read their own data files")]
fn vector_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn check_file(name: &str, expected_count: usize) {
    let mut report = Report::default();
    report.check_text(&vector_file(name));
    assert!(
        report.failures.is_empty(),
        "{name}:\n{}\n{}",
        report.failures.join("\n"),
        report.summary()
    );
    assert_eq!(
        report.passed,
        expected_count,
        "{name}: {}",
        report.summary()
    );
}

#[test]
fn every_v1_vector_passes() {
    check_file("v1.jsonl", 101);
}

#[test]
fn every_v3_vector_passes() {
    check_file("v3.jsonl", 101);
}

/// The first line of `name` with `field` set to `value`.
fn tampered(name: &str, field: &str, value: &str) -> String {
    let text = vector_file(name);
    let first = text.lines().next().expect("the vector file has a line");
    let mut vector: serde_json::Value = serde_json::from_str(first).expect("the line is JSON");
    vector[field] = serde_json::Value::String(value.to_owned());
    vector.to_string()
}

#[test]
fn runner_names_the_first_field_that_differs() {
    let cases = [
        (
            "v1.jsonl",
            "secret",
            "wrong",
            "FAIL v1-doc-describeregions expected_signature:",
        ),
        (
            "v1.jsonl",
            "method",
            "POST",
            "FAIL v1-doc-describeregions expected_string_to_sign:",
        ),
        (
            "v1.jsonl",
            "canonicalized_query_string",
            "x",
            "FAIL v1-doc-describeregions canonicalized_query_string:",
        ),
        (
            "v3.jsonl",
            "secret",
            "wrong",
            "FAIL v3-doc-runinstances expected_signature:",
        ),
        (
            "v3.jsonl",
            "access_key_id",
            "other",
            "FAIL v3-doc-runinstances expected_authorization:",
        ),
        (
            "v3.jsonl",
            "pathname",
            "/x",
            "FAIL v3-doc-runinstances expected_canonical_request:",
        ),
        (
            "v3.jsonl",
            "signed_headers",
            "host",
            "FAIL v3-doc-runinstances signed_headers:",
        ),
        (
            "v3.jsonl",
            "scheme",
            "v9",
            "FAIL v3-doc-runinstances parse:",
        ),
    ];
    for (file, field, value, expected) in cases {
        let failure = check_line(&tampered(file, field, value), 1).expect_err(expected);
        assert!(failure.starts_with(expected), "{failure}");
    }
    let failure = check_line("{not json", 7).expect_err("not JSON");
    assert!(failure.starts_with("FAIL line:7 parse:"), "{failure}");
}

#[test]
fn report_counts_and_closes_with_the_summary_line() {
    let mut report = Report::default();
    report.check_text(&format!(
        "{}\n\n{}\n",
        tampered("v1.jsonl", "id", "good"),
        tampered("v1.jsonl", "expected_signature", "bad")
    ));
    assert_eq!(report.summary(), "1 passed, 1 failed");
    assert!(!report.is_success());
    assert!(
        !Report::default().is_success(),
        "nothing passed is not a success"
    );
}
