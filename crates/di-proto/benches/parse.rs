//! Parsing a DeleteDISyncTask response, against a bare serde_json / quick-xml parse of the
//! same bytes.
//!
//! The bodies are the DataWorks documentation samples, compact (no white space between
//! members or elements). Each response is built once, outside the timed loop, with the
//! headers a real answer carries; `di_proto` is the full typed parse through
//! [`Operation::parse_response`], including the `ChangeResponse` it returns and drops.
//!
//! The floors do the least work that still reads the same fields from the same bytes:
//! - JSON: `serde_json::from_slice` into a minimal borrowed `#[derive(Deserialize)]` struct
//!   (`Success`, `RequestId`, `Data { Status, Message }`);
//! - XML: `std::str::from_utf8` plus a `quick_xml::Reader::from_str` event loop that visits
//!   every event and keeps the text of `Success`, `RequestId` and `Data/Status`.
//!
//! The `parse/errors` group shows the error paths, through di-proto only: a `Throttling.Api`
//! answer (HTTP 429) and a `Data.Status = fail` answer (HTTP 200).
//!
//! Run: `cargo bench -p di-proto --bench parse`; the ratios go into `docs/BENCHMARKS.md`.

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use di_proto::ops::{ChangeOutcome, DeleteDiSyncTask, Operation};
use di_proto::{Error, ResponseContext};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Deserialize;

const JSON_SUCCESS: &str = r#"{"Success":true,"RequestId":"0bc1411515937635973****","Data":{"Status":"success","Message":null}}"#;

const XML_SUCCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><DeleteDISyncTaskResponse><Success>true</Success><RequestId>0bc1411515937635973****</RequestId><Data><Status>success</Status><Message></Message></Data></DeleteDISyncTaskResponse>"#;

const JSON_THROTTLED: &str = r#"{"RequestId":"0bc1411515937635973****","HostId":"dataworks.cn-shanghai.aliyuncs.com","Code":"Throttling.Api","Message":"Request was denied due to api flow control.","Recommend":"https://api.aliyun.com/troubleshoot?q=Throttling.Api&product=dataworks-public&requestId=0bc1411515937635973****"}"#;

const JSON_TASK_FAILED: &str = r#"{"Success":true,"RequestId":"0bc1411515937635973****","Data":{"Status":"fail","Message":"fileId:[100] is invalid."}}"#;

/// A response as the gateway sends it: the usual headers, `content-type` among them.
fn response(status: u16, content_type: &str, body: &'static str) -> http::Response<&'static [u8]> {
    http::Response::builder()
        .status(status)
        .header("date", "Mon, 23 Nov 2026 08:00:54 GMT")
        .header(http::header::CONTENT_TYPE, content_type)
        .header("content-length", body.len())
        .header("connection", "keep-alive")
        .header("access-control-allow-origin", "*")
        .header("x-acs-request-id", "0BC14115-1593-7635-973A-000000000000")
        .header("x-acs-trace-id", "a4a4bd8e5b1f5f0d8c3c6c7a0f0e1d2c")
        .body(body.as_bytes())
        .unwrap()
}

#[derive(Deserialize)]
struct FloorBody<'a> {
    #[serde(rename = "Success")]
    success: bool,
    #[serde(rename = "RequestId", borrow)]
    request_id: &'a str,
    #[serde(rename = "Data", borrow)]
    data: FloorData<'a>,
}

#[derive(Deserialize)]
struct FloorData<'a> {
    #[serde(rename = "Status", borrow)]
    status: &'a str,
    #[serde(rename = "Message", borrow)]
    message: Option<&'a str>,
}

fn json_floor(body: &[u8]) -> (bool, &str, &str, Option<&str>) {
    let body: FloorBody<'_> = serde_json::from_slice(body).unwrap();
    (
        body.success,
        body.request_id,
        body.data.status,
        body.data.message,
    )
}

/// The texts of `Success`, `RequestId` and `Data/Status`, from a plain event loop.
fn xml_floor(body: &[u8]) -> (Cow<'_, str>, Cow<'_, str>, Cow<'_, str>) {
    let text = std::str::from_utf8(body).unwrap();
    let mut reader = Reader::from_str(text);
    let mut slot = 0u8;
    let (mut success, mut request_id, mut status) =
        (Cow::default(), Cow::default(), Cow::default());
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) => {
                slot = match start.name().as_ref() {
                    "Success" => 1,
                    "RequestId" => 2,
                    "Status" => 3,
                    _ => 0,
                };
            }
            Event::Text(piece) => match slot {
                1 => success = piece.into_inner(),
                2 => request_id = piece.into_inner(),
                3 => status = piece.into_inner(),
                _ => {}
            },
            Event::End(_) => slot = 0,
            Event::Eof => break,
            _ => {}
        }
    }
    (success, request_id, status)
}

fn parsing(c: &mut Criterion) {
    let operation = DeleteDiSyncTask::new(10000, 100);
    let context = ResponseContext::new();

    let bodies = [
        ("json", "application/json;charset=utf-8", JSON_SUCCESS),
        ("xml", "text/xml;charset=utf-8", XML_SUCCESS),
    ];
    for (format, content_type, body) in bodies {
        let response = response(200, content_type, body);
        let output = operation.parse_response(&response, &context).unwrap();
        assert_eq!(output.outcome, ChangeOutcome::Done);
        assert_eq!(output.request_id, "0bc1411515937635973****");

        let mut group = c.benchmark_group(format!("parse/{format}"));
        group.bench_function("di_proto", |b| {
            b.iter(|| {
                operation
                    .parse_response(black_box(&response), black_box(&context))
                    .unwrap()
            })
        });
        let bytes = body.as_bytes();
        if format == "json" {
            assert_eq!(
                json_floor(bytes),
                (true, "0bc1411515937635973****", "success", None)
            );
            group.bench_function("floor", |b| b.iter(|| json_floor(black_box(bytes))));
        } else {
            assert_eq!(
                xml_floor(bytes),
                (
                    Cow::Borrowed("true"),
                    Cow::Borrowed("0bc1411515937635973****"),
                    Cow::Borrowed("success")
                )
            );
            group.bench_function("floor", |b| b.iter(|| xml_floor(black_box(bytes))));
        }
        group.finish();
    }

    let mut group = c.benchmark_group("parse/errors");
    let throttled = response(429, "application/json;charset=utf-8", JSON_THROTTLED);
    assert!(matches!(
        operation.parse_response(&throttled, &context),
        Err(Error::Throttled(_))
    ));
    group.bench_function("throttling_429", |b| {
        b.iter(|| {
            operation
                .parse_response(black_box(&throttled), black_box(&context))
                .unwrap_err()
        })
    });
    let failed = response(200, "application/json;charset=utf-8", JSON_TASK_FAILED);
    assert!(matches!(
        operation.parse_response(&failed, &context),
        Err(Error::TaskFailed(_))
    ));
    group.bench_function("data_status_fail", |b| {
        b.iter(|| {
            operation
                .parse_response(black_box(&failed), black_box(&context))
                .unwrap_err()
        })
    });
    group.finish();
}

criterion_group!(benches, parsing);
criterion_main!(benches);
